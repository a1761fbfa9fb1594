//! Flink key-group prefixes of the keys in the fixtures' SST files.

mod common;
mod sst_common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use flink_inspect::hash::key_group_for_hash;
use flink_inspect::rocksdb::SstFile;
use flink_inspect::rocksdb::keys::split_key_group;
use sst_common::*;

/// Java `Long.hashCode()`.
fn long_hash(v: i64) -> i32 {
    (v ^ ((v as u64) >> 32) as i64) as i32
}

#[test]
fn fixture_keys_have_valid_key_group_prefixes() {
    let dir = common::fixtures();
    // No fixture job has a max parallelism above 128, so every key has a one-byte prefix.
    let mut keys = 0;
    // Per snapshot directory: (key group prefix, Long key) of every "Long key + VoidNamespace"
    // key (user key = prefix, 8-byte big-endian long, one 0x00 namespace byte).
    let mut long_keys: BTreeMap<PathBuf, Vec<(u32, i64)>> = BTreeMap::new();
    for p in find_ssts(&dir) {
        let f = SstFile::open(open_local(&p)).unwrap();
        for e in f.entries() {
            let (k, _) = e.unwrap();
            let s = split_key_group(&k.user_key, 128)
                .unwrap_or_else(|| panic!("{}: key {k:?} has no key group < 128", p.display()));
            keys += 1;
            if s.rest.len() == 9 && s.rest[8] == 0 {
                let v = i64::from_be_bytes(s.rest[..8].try_into().unwrap());
                let snapshot = p.parent().unwrap().to_path_buf();
                long_keys
                    .entry(snapshot)
                    .or_default()
                    .push((s.key_group, v));
            }
        }
    }
    assert!(keys > 500, "{keys} keys");
    assert!(
        long_keys.len() >= 20,
        "{} snapshots with Long keys",
        long_keys.len()
    );
    // The prefix must be the key group Flink computes from the key, murmur(Long.hashCode()) mod
    // max parallelism, for one max parallelism per snapshot (the job's: 4 for the
    // new-stateful-udf-migration jobs, 1 for type-serializer-snapshot-migration; both are in
    // their _metadata). The candidates are the powers of two up to 128.
    let mut by_mp: BTreeMap<u32, usize> = BTreeMap::new();
    for (snapshot, ks) in &long_keys {
        let mp = [1u32, 2, 4, 8, 16, 32, 64, 128]
            .into_iter()
            .find(|&mp| {
                ks.iter()
                    .all(|&(kg, v)| key_group_for_hash(long_hash(v), mp) == kg)
            })
            .unwrap_or_else(|| {
                panic!(
                    "{}: prefixes match no max parallelism: {ks:?}",
                    snapshot.display()
                )
            });
        assert!(ks.iter().all(|&(kg, _)| kg < mp));
        *by_mp.entry(mp).or_default() += 1;
    }
    eprintln!("{keys} keys; snapshots by inferred max parallelism: {by_mp:?}");
    // Keys 0..3 in a snapshot with max parallelism 4 land in several key groups: the check
    // above is not vacuous.
    assert!(by_mp.get(&4).copied().unwrap_or(0) > 10, "{by_mp:?}");
}
