//! Every operator state in Flink's own test snapshots (1.6 to 2.1, the non-keyed and broadcast
//! migration snapshots among them) reads and decodes without error.

mod common;
mod opstate_common;

use std::collections::BTreeMap;

use common::fixtures::all_metadata_files;
use flink_inspect::operator_state::coordinator::coordinator_state;
use flink_inspect::operator_state::splits::{Split, decode_reader_state_element};
use flink_inspect::operator_state::{SOURCE_READER_STATE, SubtaskStream};
use opstate_common::Opened;

#[test]
fn every_fixture_operator_state_decodes() {
    let files = all_metadata_files();
    let mut failures = Vec::new();
    let (mut snapshots, mut handles, mut entries, mut states) = (0, 0, 0u64, 0);
    let mut splits: BTreeMap<&str, usize> = BTreeMap::new();
    let mut coordinators: BTreeMap<String, usize> = BTreeMap::new();
    let mut headers: BTreeMap<(i32, bool), usize> = BTreeMap::new();
    for md in &files {
        let dir = md.parent().unwrap();
        let o = match Opened::open(dir) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        let mut any = false;
        for (i, op) in o.snapshot.operators.iter().enumerate() {
            if let Some(c) = coordinator_state(op) {
                let k = match &c.source {
                    Some(s) => {
                        format!("source v{} enum v{}", s.serde_version, s.enumerator_version)
                    }
                    None => "other".into(),
                };
                *coordinators.entry(k).or_default() += 1;
            }
            let n = op
                .subtasks
                .iter()
                .filter(|(_, s)| s.managed_operator_state.is_some())
                .count();
            if n == 0 {
                continue;
            }
            any = true;
            handles += n;
            // Header facts: version, compression, and where the first partition starts.
            let r = o.resolver();
            for (sub, st) in &op.subtasks {
                let Some(h) = &st.managed_operator_state else {
                    continue;
                };
                match SubtaskStream::open(*sub, h, &r, "fixture") {
                    Ok(Some(s)) => {
                        *headers
                            .entry((s.header.version, s.header.compressed))
                            .or_default() += 1;
                        let first = h.states.iter().flat_map(|x| x.offsets.iter()).min();
                        if let Some(&first) = first {
                            let gap = if s.header.compressed { 10 } else { 0 };
                            let end = s.header.end - s.stream.start;
                            if end + gap != first as u64 {
                                failures.push(format!(
                                    "{}: header ends at {end}, first partition at {first}",
                                    dir.display()
                                ));
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(e) => failures.push(format!("{}: {e}", dir.display())),
                }
            }
            let (cat, es) = match o.op_state(i) {
                Ok(x) => x,
                Err(e) => {
                    failures.push(format!("{} op {}: {e}", dir.display(), op.id_hex()));
                    continue;
                }
            };
            states += cat.len();
            for e in &es {
                let Some(info) = cat.iter().find(|c| *c.name == *e.state) else {
                    failures.push(format!(
                        "{}: entry of unknown state {}",
                        dir.display(),
                        e.state
                    ));
                    break;
                };
                if let Err(err) = info.decode_value(e).and_then(|_| info.decode_key(e)) {
                    failures.push(format!("{}: {err}", dir.display()));
                    break;
                }
                if &*e.state == SOURCE_READER_STATE {
                    match decode_reader_state_element(&e.file, &e.value, e.offset) {
                        Ok(v) => {
                            let k = match v.split {
                                Split::Kafka { .. } => "kafka",
                                Split::File { .. } => "file",
                                Split::NumberSequence { .. } => "number-sequence",
                                Split::Opaque { .. } => "opaque",
                            };
                            *splits.entry(k).or_default() += 1;
                        }
                        Err(err) => failures.push(format!("{}: {err}", dir.display())),
                    }
                }
            }
            entries += es.len() as u64;
        }
        snapshots += usize::from(any);
    }
    eprintln!(
        "{snapshots} snapshots, {handles} operator-state handles, {states} states, {entries} entries"
    );
    eprintln!("splits {splits:?}; coordinator states {coordinators:?}; headers {headers:?}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Counts as of the fixture set of July 2026 (489 `_metadata` files); a change means a
    // fixture or the reader changed.
    assert_eq!(handles, 2133);
    assert_eq!(states, 1739);
    assert_eq!(entries, 8473);
    let h = |v, c| headers.get(&(v, c)).copied().unwrap_or(0);
    assert_eq!((h(5, false), h(6, false), h(6, true)), (658, 1408, 67));
    assert_eq!(splits.get("number-sequence"), Some(&7));
}
