//! Shared by the `types_*` fixture tests: finds every managed keyed state stream of every
//! `_metadata` in the Flink fixtures (`common::fixtures`), through `metadata::read_metadata`.

#![allow(dead_code)]

use std::path::Path;

use flink_inspect::metadata::{KeyGroupsKind, KeyedHandle, StreamHandle};

pub enum Layout {
    /// A key-group handle: tag and `(key group, offset)` pairs.
    KeyGroups {
        kind: KeyGroupsKind,
        offsets: Vec<(i32, i64)>,
    },
    /// The meta stream of a RocksDB native snapshot: the header is the whole stream.
    Meta,
}

pub struct KeyedStream {
    /// `_metadata` path, operator, subtask, and the stream's file (or "inline").
    pub desc: String,
    pub name: String,
    pub bytes: Vec<u8>,
    pub layout: Layout,
    pub max_parallelism: u32,
}

fn stream_bytes(dir: &Path, h: &StreamHandle) -> Option<(String, Vec<u8>)> {
    match h {
        StreamHandle::Inline { data, .. } => Some(("inline".into(), data.clone())),
        StreamHandle::Relative { relative_path, .. } => {
            let p = dir.join(relative_path);
            Some((p.display().to_string(), std::fs::read(&p).ok()?))
        }
        StreamHandle::File { path, .. } => {
            // absolute paths of the machine that wrote the fixture: look beside _metadata
            let name = path.rsplit('/').next()?;
            let p = dir.join(name);
            Some((p.display().to_string(), std::fs::read(&p).ok()?))
        }
        StreamHandle::KeyGroups(k) => stream_bytes(dir, k.delegate.as_ref()?),
        _ => None,
    }
}

/// Every managed keyed stream with a header, and the number of `_metadata` files read.
pub fn keyed_streams() -> (Vec<KeyedStream>, usize) {
    collect(false)
}

/// Every raw keyed state stream (operator-written bytes, e.g. legacy timers).
pub fn raw_keyed_streams() -> Vec<KeyedStream> {
    collect(true).0
}

fn collect(raw: bool) -> (Vec<KeyedStream>, usize) {
    let metas = crate::common::fixtures::all_metadata_files();
    let mut out = Vec::new();
    for m in &metas {
        let Ok(snap) = crate::common::fixtures::read_snapshot(m) else {
            continue;
        };
        let dir = m.parent().unwrap_or(Path::new("."));
        for op in &snap.operators {
            for (idx, st) in &op.subtasks {
                let slot = if raw {
                    &st.raw_keyed_state
                } else {
                    &st.managed_keyed_state
                };
                let Some(h) = slot else {
                    continue;
                };
                let desc = format!("{} op {} subtask {idx}", m.display(), op.id_hex());
                let (stream, layout) = match h {
                    KeyedHandle::KeyGroups(k) => match &k.delegate {
                        Some(d) => (
                            d,
                            Layout::KeyGroups {
                                kind: k.kind,
                                offsets: k.key_group_offsets().collect(),
                            },
                        ),
                        None => continue,
                    },
                    KeyedHandle::Incremental(i) => match &i.meta {
                        Some(d) => (d, Layout::Meta),
                        None => continue,
                    },
                    _ => continue,
                };
                match stream_bytes(dir, stream) {
                    Some((name, bytes)) => out.push(KeyedStream {
                        desc,
                        name,
                        bytes,
                        layout,
                        max_parallelism: op.max_parallelism.max(1) as u32,
                    }),
                    None => panic!("{desc}: state bytes not found"),
                }
            }
        }
    }
    (out, metas.len())
}
