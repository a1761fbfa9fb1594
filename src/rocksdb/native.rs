//! One RocksDB native snapshot of one subtask: an [`IncrementalHandle`] (tags 5 and 11: native
//! savepoints, full native checkpoints, incremental checkpoints) opened into its keyed-backend
//! header (state names, kinds, serializers) and its SST files grouped by column family.
//!
//! Every SST Flink uploads carries the `rocksdb.column.family.name` property, and that name is
//! the state's name in the header (timers included: `_timer_state/event_<service>`). `MANIFEST`,
//! `CURRENT` and `OPTIONS` files are not needed and not read. Layout: `formats/rocksdb-sst.md`
//! ("Native snapshots: from handle to entries").

use std::collections::BTreeMap;
use std::sync::Arc;

use super::handle_files::open_stream;
use super::sst::SstFile;
use crate::io::{DataInput, DecodeError, DecodeResult, RangeReader};
use crate::keyed::header::{KeyedHeader, read_keyed_header_until};
use crate::metadata::{FilePath, FileRef, IncrementalHandle, KeyGroupRange, StreamHandle};
use crate::store::PathResolver;

/// One SST file as the handle lists it.
#[derive(Debug, Clone)]
pub struct SstRef {
    /// RocksDB's own file name, e.g. `000042.sst`.
    pub local_path: String,
    /// Listed as shared state (every SST of incremental checkpoints and native savepoints);
    /// full native checkpoints list all files as private.
    pub listed_shared: bool,
    /// Bytes, as the handle records them.
    pub size: u64,
    /// Where the bytes are, as recorded (identity of the file across a chain).
    pub recorded: FilePath,
    pub handle: StreamHandle,
}

/// A handle's header and SST list (no SST read yet).
#[derive(Debug, Clone)]
pub struct NativeSnapshot {
    pub header: KeyedHeader,
    pub key_groups: KeyGroupRange,
    pub checkpoint_id: i64,
    pub ssts: Vec<SstRef>,
    /// Local names of the other files (MANIFEST, CURRENT, OPTIONS, ...), which are not read.
    pub other_files: Vec<String>,
}

/// The SST files of one column family, opened.
pub struct ColumnFamily {
    pub name: String,
    /// Index of the state in the header, `None` for a column family no state is named after.
    pub state: Option<usize>,
    pub files: Vec<SstFile>,
    /// Sum of the file sizes on storage.
    pub bytes: u64,
}

fn recorded_path(h: &StreamHandle) -> FilePath {
    let mut refs: Vec<FileRef> = Vec::new();
    h.push_files(false, &mut refs);
    refs.into_iter()
        .next()
        .map(|r| r.path)
        .unwrap_or(FilePath::Inline {
            name: String::new(),
            len: 0,
        })
}

impl NativeSnapshot {
    /// Reads the meta-state file (the keyed-backend header) and lists the SSTs.
    pub fn open(handle: &IncrementalHandle, resolver: &PathResolver<'_>) -> DecodeResult<Self> {
        let meta = handle.meta.as_ref().ok_or_else(|| {
            DecodeError::new(
                &Arc::from(format!(
                    "incremental handle of checkpoint {}",
                    handle.checkpoint_id
                )),
                0,
                "a meta-state handle (the keyed-backend header), found none",
            )
        })?;
        let src = open_stream(resolver, meta, "RocksDB meta state")?;
        let end = src.size();
        let mut d = DataInput::new(
            src.name(),
            RangeReader::new(src.as_ref(), 0, end),
            0,
            Some(end),
        );
        let header = read_keyed_header_until(&mut d, Some(end))
            .map_err(|e| e.with_context("RocksDB native meta-state file"))?;
        let mut ssts = Vec::new();
        let mut other_files = Vec::new();
        let lists = [(true, &handle.shared), (false, &handle.private)];
        for (shared, list) in lists {
            for f in list {
                let Some(h) = &f.handle else { continue };
                if f.local_path.ends_with(".sst") {
                    ssts.push(SstRef {
                        local_path: f.local_path.clone(),
                        listed_shared: shared,
                        size: h.state_size(),
                        recorded: recorded_path(h),
                        handle: h.clone(),
                    });
                } else {
                    other_files.push(f.local_path.clone());
                }
            }
        }
        Ok(NativeSnapshot {
            header,
            key_groups: handle.range,
            checkpoint_id: handle.checkpoint_id,
            ssts,
            other_files,
        })
    }

    /// Opens every SST (footer, metaindex and properties only) and groups them by column
    /// family, in the order of the header's states; column families no state is named after
    /// come last.
    pub fn column_families(&self, resolver: &PathResolver<'_>) -> DecodeResult<Vec<ColumnFamily>> {
        let mut by_name: BTreeMap<String, (Vec<SstFile>, u64)> = BTreeMap::new();
        for s in &self.ssts {
            let src = open_stream(resolver, &s.handle, &s.local_path)?;
            let size = src.size();
            let file = SstFile::open(src).map_err(|e| e.with_context(s.local_path.clone()))?;
            let name = file.column_family_name()?;
            let e = by_name.entry(name).or_default();
            e.0.push(file);
            e.1 += size;
        }
        let mut out = Vec::with_capacity(by_name.len());
        for (i, st) in self.header.states.iter().enumerate() {
            if let Some((files, bytes)) = by_name.remove(&st.name) {
                out.push(ColumnFamily {
                    name: st.name.clone(),
                    state: Some(i),
                    files,
                    bytes,
                });
            }
        }
        for (name, (files, bytes)) in by_name {
            out.push(ColumnFamily {
                name,
                state: None,
                files,
                bytes,
            });
        }
        Ok(out)
    }
}
