//! Reading streams block by block: no read from an SST is larger than one block of it (plus
//! the 5-byte trailer), so memory depends on block size, not file size.

mod common;
mod rocksdb_common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use flink_inspect::io::{DecodeResult, LocalFile, ReadAt};
use flink_inspect::metadata::KeyedHandle;
use flink_inspect::rocksdb::handle_files::open_stream;
use flink_inspect::rocksdb::{CfReader, MergedView, NativeSnapshot, SstFile};
use flink_inspect::store::PathResolver;

/// Records the largest single read and the bytes read.
struct Counting {
    inner: Arc<dyn ReadAt>,
    largest: AtomicU64,
    total: AtomicU64,
}

impl ReadAt for Counting {
    fn name(&self) -> &Arc<str> {
        self.inner.name()
    }
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn read_at(&self, offset: u64, len: usize) -> DecodeResult<Bytes> {
        self.largest.fetch_max(len as u64, Ordering::Relaxed);
        self.total.fetch_add(len as u64, Ordering::Relaxed);
        self.inner.read_at(offset, len)
    }
}

fn counting(inner: Arc<dyn ReadAt>) -> Arc<Counting> {
    Arc::new(Counting {
        inner,
        largest: AtomicU64::new(0),
        total: AtomicU64::new(0),
    })
}

/// Largest block of a file: data blocks, index, metaindex and meta blocks, plus trailer.
fn largest_block(f: &SstFile) -> u64 {
    let data = f
        .data_block_handles()
        .map(|h| h.unwrap().size)
        .max()
        .unwrap_or(0);
    let meta = f
        .meta_blocks()
        .iter()
        .map(|(_, h)| h.size)
        .max()
        .unwrap_or(0);
    let footer = 53 + 8;
    data.max(meta)
        .max(f.index_handle().size)
        .max(f.footer().metaindex.size)
        .max(footer)
        + 5
}

#[test]
fn merged_view_over_multi_block_files_reads_block_by_block() {
    let dir = common::testdata().join("sst");
    let mut files = Vec::new();
    let mut counters = Vec::new();
    for i in 0..3 {
        let src: Arc<dyn ReadAt> =
            Arc::new(LocalFile::open(&dir.join(format!("lsm-fv5-{i}.sst"))).unwrap());
        let c = counting(src);
        counters.push(Arc::clone(&c));
        files.push(SstFile::open(c).unwrap());
    }
    let blocks: Vec<u64> = files
        .iter()
        .map(|f| f.data_block_handles().count() as u64)
        .collect();
    assert!(
        blocks[0] >= 10,
        "lsm-fv5-0.sst has {} data blocks",
        blocks[0]
    );
    let n = MergedView::new(&files)
        .unwrap()
        .filter(|e| e.is_ok())
        .count();
    assert_eq!(n, MergedView::new(&files).unwrap().count());
    assert!(n > 100);
    for (f, c) in files.iter().zip(&counters) {
        let largest = c.largest.load(Ordering::Relaxed);
        assert!(
            largest <= largest_block(f),
            "{}: a read of {largest} bytes, largest block {}",
            f.name(),
            largest_block(f)
        );
        if f.data_block_handles().count() >= 10 {
            assert!(
                largest * 4 < f.footer().metaindex.offset,
                "{}: reads not block-sized",
                f.name()
            );
        }
    }
}

#[test]
fn native_snapshot_reads_are_block_sized() {
    let snap = common::testdata()
        .join("flink-2.3.0/keyed-rocksdb-incremental-chain/checkpoints")
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("chk-3");
    let o = rocksdb_common::open(&snap);
    let resolver = PathResolver::new(&o.stores, &o.location, Vec::new());
    let mut reads = 0;
    for op in &o.snapshot.operators {
        for (subtask, st) in &op.subtasks {
            let Some(KeyedHandle::Incremental(h)) = &st.managed_keyed_state else {
                continue;
            };
            let snapshot = NativeSnapshot::open(h, &resolver).unwrap();
            let mut by_cf: BTreeMap<String, Vec<(SstFile, Arc<Counting>)>> = BTreeMap::new();
            for s in &snapshot.ssts {
                let c = counting(open_stream(&resolver, &s.handle, &s.local_path).unwrap());
                let f = SstFile::open(Arc::clone(&c) as Arc<dyn ReadAt>).unwrap();
                let cf = f.properties().column_family_name.clone().unwrap();
                by_cf.entry(cf).or_default().push((f, c));
            }
            for (cf, files) in &by_cf {
                let state = snapshot
                    .header
                    .states
                    .iter()
                    .find(|s| &s.name == cf)
                    .unwrap();
                let reader = CfReader {
                    subtask: *subtask,
                    max_parallelism: op.max_parallelism as u32,
                    key_groups: snapshot.key_groups,
                    header: &snapshot.header,
                    state,
                };
                let ssts: Vec<SstFile> = files.iter().map(|(f, _)| f.clone()).collect();
                let seen = Mutex::new(0u64);
                reader
                    .read(&ssts, &mut |_| {
                        *seen.lock().unwrap() += 1;
                        Ok(())
                    })
                    .unwrap();
                for (f, c) in files {
                    let largest = c.largest.load(Ordering::Relaxed);
                    assert!(
                        largest <= largest_block(f),
                        "{}: read of {largest}",
                        f.name()
                    );
                    reads += 1;
                }
            }
        }
    }
    assert!(reads > 10, "only {reads} SSTs checked");
}
