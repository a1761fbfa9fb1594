//! `state` reads every keyed layout through one entry stream: the same job's canonical
//! savepoint (heap and RocksDB backends), RocksDB native savepoint and RocksDB full and
//! incremental checkpoints list the same rows.

mod common;

use std::collections::BTreeMap;

fn rows(location: &std::path::Path) -> BTreeMap<String, usize> {
    let out = common::run([
        "state".as_ref(),
        location.as_os_str(),
        "--operator".as_ref(),
        "main-keyed".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(out.code, 0, "{}: {}", location.display(), out.stderr);
    let mut m = BTreeMap::new();
    for line in out.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *m.entry(v.to_string()).or_insert(0) += 1;
    }
    m
}

#[test]
fn every_layout_of_one_job_lists_the_same_rows() {
    for version in ["flink-2.3.0", "flink-1.20.5"] {
        let t = common::testdata().join(version);
        let canonical = rows(&t.join("keyed-hashmap-savepoint/savepoint"));
        assert!(canonical.values().sum::<usize>() > 1000, "{version}");
        let chain = common::checkpoint_base(&t.join("keyed-rocksdb-incremental-chain"));
        let full = common::checkpoint_base(&t.join("keyed-rocksdb-full-checkpoint"));
        for other in [
            t.join("keyed-rocksdb-savepoint/savepoint"),
            t.join("keyed-rocksdb-native-savepoint/savepoint"),
            full,
            chain,
        ] {
            assert_eq!(
                rows(&other),
                canonical,
                "{} vs the canonical savepoint",
                other.display()
            );
        }
    }
}
