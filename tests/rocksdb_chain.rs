//! Incremental chains: files a checkpoint shares with earlier ones, true size against new
//! bytes, and bytes per column family.

mod common;
mod rocksdb_common;

use std::collections::BTreeMap;

use flink_inspect::metadata::{IncrementalHandle, KeyedHandle};
use flink_inspect::rocksdb::ChainInfo;

/// `(operator id, subtask)` → handle, for one checkpoint.
fn handles(o: &rocksdb_common::Opened) -> BTreeMap<(String, u32), IncrementalHandle> {
    let mut out = BTreeMap::new();
    for op in &o.snapshot.operators {
        for (i, st) in &op.subtasks {
            if let Some(KeyedHandle::Incremental(h)) = &st.managed_keyed_state {
                out.insert((op.id_hex(), *i), h.clone());
            }
        }
    }
    out
}

#[test]
fn chain_sizes_match_flinks_count() {
    let mut checked = 0;
    for version in ["flink-2.3.0", "flink-1.20.5"] {
        let base = common::testdata()
            .join(version)
            .join("keyed-rocksdb-incremental-chain/checkpoints");
        let job = base.read_dir().unwrap().next().unwrap().unwrap().path();
        let chain: Vec<_> = (1..=3)
            .map(|n| handles(&rocksdb_common::open(&job.join(format!("chk-{n}")))))
            .collect();
        for (n, hs) in chain.iter().enumerate() {
            assert!(!hs.is_empty());
            for ((op, subtask), h) in hs {
                let earlier: Vec<&IncrementalHandle> = chain[..n]
                    .iter()
                    .filter_map(|c| c.get(&(op.clone(), *subtask)))
                    .collect();
                let info = ChainInfo::new(*subtask, h, &earlier);
                let label = format!("{version} chk-{} subtask {subtask}", n + 1);
                assert_eq!(info.total_bytes, h.state_size(), "{label}");
                assert_eq!(info.checkpoint_id, n as i64 + 1, "{label}");
                let reused = info.files.iter().filter(|f| f.in_earlier).count();
                if n == 0 {
                    assert_eq!(reused, 0, "{label}");
                } else {
                    assert!(
                        reused > 0,
                        "{label}: nothing shared with earlier checkpoints"
                    );
                }
                // Only SSTs (listed as shared) are reused.
                assert!(
                    info.files
                        .iter()
                        .filter(|f| f.in_earlier)
                        .all(|f| f.listed_shared && f.local_path.ends_with(".sst"))
                );
                eprintln!(
                    "{label}: {} files, {reused} reused, total {} new {} (Flink: {:?})",
                    info.files.len(),
                    info.total_bytes,
                    info.new_bytes,
                    info.recorded_new_bytes
                );
                assert_eq!(Some(info.new_bytes), info.recorded_new_bytes, "{label}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 12, "2 versions x 3 checkpoints x 2 subtasks");
}

#[test]
fn bytes_per_column_family_add_up_to_the_sst_sizes() {
    for version in ["flink-2.3.0", "flink-1.20.5"] {
        let dir = common::testdata()
            .join(version)
            .join("keyed-rocksdb-native-savepoint/savepoint");
        let o = rocksdb_common::open(&dir);
        let reads = rocksdb_common::read_all(&o).unwrap();
        assert_eq!(reads.len(), 2);
        for r in reads {
            let on_disk: u64 = r.read.snapshot.ssts.iter().map(|s| s.size).sum();
            let per_cf: u64 = r.read.cf_bytes.iter().map(|(_, b)| b).sum();
            assert_eq!(per_cf, on_disk, "{version} subtask {}", r.subtask);
            // every state the job writes has a column family with bytes in it
            assert!(r.read.cf_bytes.len() >= 7, "{:?}", r.read.cf_bytes);
            assert!(r.read.cf_bytes.iter().all(|(_, b)| *b > 0));
        }
    }
}
