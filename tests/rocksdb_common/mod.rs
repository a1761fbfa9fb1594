//! Opening snapshots and reading every RocksDB native handle in them, for the RocksDB tests.
#![allow(dead_code)]

use std::path::Path;

use flink_inspect::io::DecodeError;
use flink_inspect::keyed::Entry;
use flink_inspect::keyed::header::KeyedHeader;
use flink_inspect::metadata::{KeyedHandle, Snapshot, read_metadata};
use flink_inspect::rocksdb::{NativeRead, read_incremental};
use flink_inspect::store::{self, PathResolver, SnapshotLocation, StoreOptions, Stores};

pub struct Opened {
    pub stores: Stores,
    pub location: SnapshotLocation,
    pub snapshot: Snapshot,
}

pub fn open(dir: &Path) -> Opened {
    let stores = Stores::new(StoreOptions::default());
    let location = store::resolve(&stores, &dir.to_string_lossy())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let file = location.backend.open(&location.metadata).unwrap();
    let snapshot = read_metadata(file.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    Opened {
        stores,
        location,
        snapshot,
    }
}

/// One subtask's read: operator, its entries and the read summary.
pub struct HandleRead {
    pub operator_id: String,
    pub subtask: u32,
    pub header: KeyedHeader,
    pub read: NativeRead,
    pub entries: Vec<Entry>,
}

/// Reads every incremental (native) managed keyed handle. `Ok(None)` when the snapshot has
/// none.
pub fn read_all(o: &Opened) -> Result<Vec<HandleRead>, DecodeError> {
    let resolver = PathResolver::new(&o.stores, &o.location, Vec::new());
    let mut out = Vec::new();
    for op in &o.snapshot.operators {
        for (subtask, st) in &op.subtasks {
            let Some(KeyedHandle::Incremental(h)) = &st.managed_keyed_state else {
                continue;
            };
            let mut entries = Vec::new();
            let read = read_incremental(
                h,
                *subtask,
                op.max_parallelism as u32,
                &resolver,
                &|_| true,
                &mut |e| {
                    entries.push(e);
                    Ok(())
                },
            )?;
            out.push(HandleRead {
                operator_id: op.id_hex(),
                subtask: *subtask,
                header: read.snapshot.header.clone(),
                read,
                entries,
            });
        }
    }
    Ok(out)
}
