//! Shared by the `types_*` fixture tests: finds every managed keyed state stream of every
//! `_metadata` in the Flink fixtures, through `metadata::read_metadata`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use flink_inspect::io::LocalFile;
use flink_inspect::metadata::{KeyGroupsKind, KeyedHandle, StreamHandle, read_metadata};

pub fn fixtures() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/flink-fixtures");
    if p.is_dir() {
        return Some(p);
    }
    std::env::var_os("FLINK_FIXTURES")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().is_some_and(|n| n == "_metadata") {
            out.push(p);
        }
    }
}

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
    let Some(root) = fixtures() else {
        return (Vec::new(), 0);
    };
    let mut metas = Vec::new();
    walk(&root, &mut metas);
    let mut out = Vec::new();
    for m in &metas {
        let Ok(file) = LocalFile::open(m) else {
            continue;
        };
        let Ok(snap) = read_metadata(&file) else {
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
