//! Incremental chains: which SST files of a checkpoint were already in earlier checkpoints, and
//! the true state size (every file the checkpoint needs) against the bytes new in it.
//!
//! A file is the same file across checkpoints when the recorded path is the same (incremental
//! checkpoints name every file under `<checkpoint dir>/shared/` absolutely; a reused file keeps
//! its path). Without the earlier checkpoints' metadata, Flink's own count of new bytes
//! (`checkpointedSize`, tag 11 handles) is still reported.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::metadata::{FilePath, IncrementalHandle, StreamHandle};

/// One file of a checkpoint's handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainFile {
    pub local_path: String,
    /// Recorded location (path or inline name).
    pub recorded: String,
    pub size: u64,
    /// Listed in the handle's shared-state list.
    pub listed_shared: bool,
    /// Also referenced by one of the earlier handles given.
    pub in_earlier: bool,
}

/// A subtask's handle in a chain of checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainInfo {
    pub subtask: u32,
    pub checkpoint_id: i64,
    pub files: Vec<ChainFile>,
    /// Every byte the checkpoint needs: files plus the meta-state file.
    pub total_bytes: u64,
    /// Bytes of SST and other files also referenced by an earlier handle given.
    pub reused_bytes: u64,
    /// `total_bytes - reused_bytes`: new in this checkpoint as far as the given history shows.
    pub new_bytes: u64,
    /// Flink's own count of bytes new in this checkpoint (tag 11 handles), when recorded.
    pub recorded_new_bytes: Option<u64>,
}

fn recorded(h: &StreamHandle) -> String {
    match h {
        StreamHandle::File { path, .. } | StreamHandle::Segment { path, .. } => path.clone(),
        StreamHandle::Relative { relative_path, .. } => relative_path.clone(),
        StreamHandle::Inline { name, .. } => format!("inline:{name}"),
        StreamHandle::KeyGroups(k) => k.delegate.as_ref().map_or(String::new(), recorded),
        StreamHandle::EmptySegment => String::new(),
    }
}

/// Identity of a file across checkpoints: absolute paths (and segments) only. Relative and
/// inline files belong to one snapshot folder, so never count as reused.
pub fn file_identity(h: &StreamHandle) -> Option<String> {
    let mut refs = Vec::new();
    h.push_files(false, &mut refs);
    let r = refs.into_iter().next()?;
    match r.path {
        FilePath::Absolute { path } => Some(match r.segment {
            Some((s, l)) => format!("{path}[{s}+{l}]"),
            None => path,
        }),
        _ => None,
    }
}

impl ChainInfo {
    /// `earlier`: handles of the same subtask (and operator) from earlier checkpoints of the
    /// chain, any order.
    pub fn new(subtask: u32, handle: &IncrementalHandle, earlier: &[&IncrementalHandle]) -> Self {
        let seen: BTreeSet<String> = earlier
            .iter()
            .flat_map(|h| h.shared.iter().chain(&h.private))
            .filter_map(|f| f.handle.as_ref().and_then(file_identity))
            .collect();
        let mut files = Vec::new();
        for (shared, list) in [(true, &handle.shared), (false, &handle.private)] {
            for f in list {
                let Some(h) = &f.handle else { continue };
                files.push(ChainFile {
                    local_path: f.local_path.clone(),
                    recorded: recorded(h),
                    size: h.state_size(),
                    listed_shared: shared,
                    in_earlier: file_identity(h).is_some_and(|id| seen.contains(&id)),
                });
            }
        }
        let meta = handle.meta.as_ref().map_or(0, StreamHandle::state_size);
        let total_bytes = meta + files.iter().map(|f| f.size).sum::<u64>();
        let reused_bytes = files
            .iter()
            .filter(|f| f.in_earlier)
            .map(|f| f.size)
            .sum::<u64>();
        ChainInfo {
            subtask,
            checkpoint_id: handle.checkpoint_id,
            files,
            total_bytes,
            reused_bytes,
            new_bytes: total_bytes - reused_bytes,
            recorded_new_bytes: handle
                .stored_checkpointed_size
                .and_then(|s| u64::try_from(s).ok()),
        }
    }
}
