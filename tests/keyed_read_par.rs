//! `keyed::read_operator_par` (rayon, one accumulator per work unit) reads the same entries as
//! the sequential `keyed::read_operator`, on real snapshots of every keyed layout: canonical
//! savepoints, heap checkpoints (plain and Snappy), RocksDB native savepoints and full and
//! incremental checkpoints. Both must also hold as many entries as the job wrote (the
//! generator's `<snap>.written.jsonl`, one line per state cell).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use flink_inspect::keyed::source::merge_results;
use flink_inspect::keyed::{
    Filter, Format, UnitResult, find_operator, read_operator, read_operator_par,
};
use flink_inspect::store::PathResolver;

use common::cells::{Cell, cell};

fn multiset(cells: impl IntoIterator<Item = Cell>) -> BTreeMap<Cell, usize> {
    let mut m = BTreeMap::new();
    for c in cells {
        *m.entry(c).or_default() += 1;
    }
    m
}

/// `read_operator_par` on a pool of `threads` threads (the number of pieces each subtask's
/// key groups are split into), its entries and merged result.
fn parallel(
    op: &flink_inspect::metadata::OperatorState,
    resolver: &PathResolver,
    threads: usize,
) -> (BTreeMap<Cell, usize>, UnitResult) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool");
    let results = pool.install(|| {
        read_operator_par(op, resolver, &Filter::default(), Vec::new, |acc, e| {
            acc.push(cell(e))
        })
    });
    let merged = merge_results(results.iter().map(|(_, r)| r));
    (
        multiset(results.into_iter().flat_map(|(cells, _)| cells)),
        merged,
    )
}

/// Lines of a generator truth file per operator uid.
fn truth_counts(path: &std::path::Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for line in text.lines() {
        let j: serde_json::Value = serde_json::from_str(line).expect("truth line");
        if j.get("key").is_some() {
            let uid = j["uid"].as_str().expect("uid").to_string();
            *out.entry(uid).or_default() += 1;
        }
    }
    out
}

const CASES: &[&str] = &[
    "keyed-hashmap-savepoint",
    "keyed-hashmap-checkpoint",
    "keyed-hashmap-checkpoint-snappy",
    "keyed-rocksdb-savepoint",
    "keyed-rocksdb-native-savepoint",
    "keyed-rocksdb-full-checkpoint",
    "keyed-rocksdb-incremental-chain",
];

#[test]
fn parallel_read_equals_sequential_read_and_the_truth() {
    let mut formats: BTreeSet<String> = BTreeSet::new();
    let (mut snapshots, mut operators, mut entries) = (0, 0, 0usize);
    for (case, inv) in common::inventories() {
        let name = case.file_name().expect("case name").to_string_lossy();
        if !CASES.contains(&name.as_ref()) {
            continue;
        }
        for snap in inv["snapshots"].as_array().expect("snapshots") {
            let dir = case.join(snap["path"].as_str().expect("path"));
            let label = format!("{}/{}", case.display(), snap["name"]);
            let truth = truth_counts(&case.join(snap["written"].as_str().expect("written")));
            assert!(!truth.is_empty(), "{label}: no truth lines");
            let o = common::snapshot::open(&dir);
            let resolver = o.resolver();
            snapshots += 1;
            for (uid, want) in &truth {
                let (_, op) = find_operator(&o.snapshot.operators, uid)
                    .unwrap_or_else(|| panic!("{label}: operator {uid}"));
                let mut seq = Vec::new();
                let r = read_operator(op, &resolver, &Filter::default(), &mut |e| {
                    seq.push(cell(e));
                    ControlFlow::Continue(())
                });
                assert!(r.errors.is_empty(), "{label} {uid}: {:?}", r.errors);
                let format = r
                    .format
                    .unwrap_or_else(|| panic!("{label} {uid}: no format"));
                formats.insert(format!("{format:?}"));
                assert_eq!(
                    seq.len(),
                    *want,
                    "{label} {uid}: sequential entries vs truth"
                );
                let seq = multiset(seq);
                for threads in [1, 4] {
                    let (par, pr) = parallel(op, &resolver, threads);
                    assert!(pr.errors.is_empty(), "{label} {uid}: {:?}", pr.errors);
                    assert_eq!(pr.entries, *want as u64, "{label} {uid}: {threads} threads");
                    assert_eq!(pr.format, Some(format), "{label} {uid}");
                    assert!(
                        par == seq,
                        "{label} {uid}: {threads} threads read other entries than read_operator"
                    );
                }
                operators += 1;
                entries += want;
            }
        }
    }
    println!(
        "{snapshots} snapshots, {operators} operators, {entries} entries; formats {formats:?}"
    );
    let want: BTreeSet<String> = [Format::Canonical, Format::HeapCheckpoint, Format::Native]
        .iter()
        .map(|f| format!("{f:?}"))
        .collect();
    assert_eq!(formats, want, "every keyed layout covered");
    assert!(snapshots >= 2 * CASES.len(), "{snapshots} snapshots");
}
