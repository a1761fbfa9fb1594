//! Reading every RocksDB native handle of a snapshot (opened with `common::snapshot`), for the
//! RocksDB tests.
#![allow(dead_code)]

use flink_inspect::io::DecodeError;
use flink_inspect::keyed::Entry;
use flink_inspect::keyed::header::KeyedHeader;
use flink_inspect::metadata::KeyedHandle;
use flink_inspect::rocksdb::{NativeRead, read_incremental};

#[allow(unused_imports)] // each test binary uses its own part
pub use crate::common::snapshot::{Opened, open};

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
    let resolver = o.resolver();
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
