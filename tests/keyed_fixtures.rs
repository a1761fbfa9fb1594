//! Every keyed state in canonical or heap-checkpoint format in Flink's own test snapshots
//! (`../shared/flink-fixtures`, SQL restore-test savepoints included) is read through the
//! snapshot's resolver and every entry decoded. Counts what was read; any error fails, except
//! headers of Flink <= 1.6 (version 5, refused by design) and heap streams holding values this
//! tool cannot delimit (Kryo / unknown serializers, whose bytes carry no length), which are
//! counted and printed.

mod common;
mod keyed_common;

use std::collections::BTreeMap;

use flink_inspect::keyed::Filter;

#[test]
fn every_fixture_keyed_state_decodes() {
    let metas = common::fixtures::all_metadata_files();
    let mut operators = 0;
    let mut entries = 0u64;
    let mut formats: BTreeMap<String, u64> = BTreeMap::new();
    let mut excused: BTreeMap<String, u64> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut sql = 0;
    for m in &metas {
        let dir = m.parent().expect("dir");
        let o = keyed_common::open(dir);
        let resolver = o.resolver();
        for op in &o.snapshot.operators {
            if !keyed_common::key_group_operator(op) {
                continue;
            }
            let cat = match flink_inspect::keyed::catalog(op, &resolver) {
                Ok(Some(c)) => c,
                Ok(None) => continue,
                Err(e) if e.message.contains("found 5") => {
                    *excused
                        .entry("header version 5 (Flink <= 1.6)".into())
                        .or_default() += 1;
                    continue;
                }
                Err(e) => {
                    errors.push(format!("{}: {e}", m.display()));
                    continue;
                }
            };
            drop(cat);
            let (_, read, r) = keyed_common::read_all(op, &resolver, &Filter::default());
            operators += 1;
            if m.display().to_string().contains("restore-tests") {
                sql += 1;
            }
            *formats.entry(format!("{:?}", r.format)).or_default() += 1;
            for e in &r.errors {
                if e.message.contains("cannot delimit opaque value") {
                    *excused
                        .entry("heap value of undelimitable type".into())
                        .or_default() += 1;
                } else {
                    errors.push(format!("{}: {e}", m.display()));
                }
            }
            for (e, d) in &read {
                entries += 1;
                if let Err(x) = d {
                    errors.push(format!(
                        "{}: state '{}' kg {}: {x}",
                        m.display(),
                        e.state,
                        e.key_group
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} _metadata files; {operators} operators ({sql} SQL restore-test) read, {entries} entries decoded; formats {formats:?}; excused {excused:?}; {} errors",
        metas.len(),
        errors.len()
    );
    for e in errors.iter().take(20) {
        eprintln!("{e}");
    }
    assert!(errors.is_empty(), "{} errors", errors.len());
    assert!(operators > 300, "only {operators} operators");
    assert!(sql > 50, "only {sql} SQL restore-test operators");
}
