//! State handles: the references from `_metadata` to state bytes (inline, in files, in segments
//! of files). One enum per slot kind, mirroring Flink's three handle families: stream handles
//! (a run of bytes), keyed handles (state of a key-group range), operator handles (named
//! operator states with partition offsets), plus the unaligned-checkpoint channel handles.
//!
//! Every handle can list the files it references ([`FileRef`]) and report its sizes.

use serde::Serialize;

use super::serde_hex;

/// Where a referenced file's bytes live, exactly as the metadata names it. Resolution onto
/// storage (relative to the directory holding `_metadata`, rebasing, object stores) is the
/// `store` module's job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FilePath {
    /// A full path or URI (`FileStateHandle`, segment files, e.g. `s3://b/job/shared/<uuid>`).
    Absolute { path: String },
    /// A name relative to the directory holding `_metadata` (`RelativeFileStateHandle`).
    Relative { path: String },
    /// Bytes stored inside `_metadata` (`ByteStreamStateHandle`); `name` is informational only,
    /// no file of that name exists.
    Inline { name: String, len: u64 },
}

/// Whether a file belongs to this snapshot alone or may be shared with other checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileScope {
    Shared,
    Exclusive,
    Inline,
}

/// One file (or inline blob, or segment of a file) a handle refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRef {
    pub path: FilePath,
    /// Bytes of state in the file (for a segment: the segment length). `None` when the metadata
    /// does not say (never for the current handle kinds, kept for forward compatibility).
    pub size: Option<u64>,
    pub scope: FileScope,
    /// `(start, length)` inside a physical file that holds several logical files (file merging).
    pub segment: Option<(u64, u64)>,
}

fn non_negative(v: i64) -> u64 {
    v.max(0) as u64
}

/// Scope of a file-merging segment (`CheckpointedStateScope` ordinal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentScope {
    Exclusive,
    Shared,
}

/// A run of bytes: Flink's `StreamStateHandle` family (stream-slot tags 1, 2, 3, 6, 15, 16).
/// A null handle (tag 0) is `None` wherever one may appear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "handle", rename_all = "snake_case")]
pub enum StreamHandle {
    /// Tag 1, `ByteStreamStateHandle`: the bytes are inside `_metadata`.
    Inline {
        name: String,
        #[serde(serialize_with = "serde_hex::bytes")]
        data: Vec<u8>,
    },
    /// Tag 2, `FileStateHandle`: an absolute path or URI.
    File { path: String, size: i64 },
    /// Tag 6, `RelativeFileStateHandle`: a file name relative to the `_metadata` directory.
    Relative { relative_path: String, size: i64 },
    /// Tag 3 in a stream slot: a `KeyGroupsStateHandle` used as a plain stream.
    KeyGroups(Box<KeyGroupsHandle>),
    /// Tag 15, `SegmentFileStateHandle`: `[start, start + size)` of a merged physical file.
    Segment {
        path: String,
        start: i64,
        size: i64,
        scope: SegmentScope,
        logical_file_id: String,
    },
    /// Tag 16, `EmptySegmentFileStateHandle`: a placeholder with no bytes.
    EmptySegment,
}

impl StreamHandle {
    /// The tag this handle is stored with.
    pub fn tag(&self) -> u8 {
        match self {
            StreamHandle::Inline { .. } => 1,
            StreamHandle::File { .. } => 2,
            StreamHandle::KeyGroups(_) => 3,
            StreamHandle::Relative { .. } => 6,
            StreamHandle::Segment { .. } => 15,
            StreamHandle::EmptySegment => 16,
        }
    }

    /// Bytes of state this handle holds (Flink's `getStateSize`).
    pub fn state_size(&self) -> u64 {
        match self {
            StreamHandle::Inline { data, .. } => data.len() as u64,
            StreamHandle::File { size, .. }
            | StreamHandle::Relative { size, .. }
            | StreamHandle::Segment { size, .. } => non_negative(*size),
            StreamHandle::KeyGroups(k) => k.state_size(),
            StreamHandle::EmptySegment => 0,
        }
    }

    /// The inline bytes, if the state is stored inside `_metadata`.
    pub fn inline_bytes(&self) -> Option<&[u8]> {
        match self {
            StreamHandle::Inline { data, .. } => Some(data),
            StreamHandle::KeyGroups(k) => k.delegate.as_ref().and_then(|d| d.inline_bytes()),
            _ => None,
        }
    }

    /// Appends the files this handle references. `shared` marks handles listed as shared
    /// state of an incremental snapshot; other file handles are exclusive unless a segment
    /// says otherwise.
    pub fn push_files(&self, shared: bool, out: &mut Vec<FileRef>) {
        let scope = if shared {
            FileScope::Shared
        } else {
            FileScope::Exclusive
        };
        match self {
            StreamHandle::Inline { name, data } => out.push(FileRef {
                path: FilePath::Inline {
                    name: name.clone(),
                    len: data.len() as u64,
                },
                size: Some(data.len() as u64),
                scope: FileScope::Inline,
                segment: None,
            }),
            StreamHandle::File { path, size } => out.push(FileRef {
                path: FilePath::Absolute { path: path.clone() },
                size: Some(non_negative(*size)),
                scope,
                segment: None,
            }),
            StreamHandle::Relative {
                relative_path,
                size,
            } => out.push(FileRef {
                path: FilePath::Relative {
                    path: relative_path.clone(),
                },
                size: Some(non_negative(*size)),
                scope,
                segment: None,
            }),
            StreamHandle::KeyGroups(k) => k.push_files(shared, out),
            StreamHandle::Segment {
                path,
                start,
                size,
                scope: seg_scope,
                ..
            } => out.push(FileRef {
                path: FilePath::Absolute { path: path.clone() },
                size: Some(non_negative(*size)),
                scope: if shared || *seg_scope == SegmentScope::Shared {
                    FileScope::Shared
                } else {
                    FileScope::Exclusive
                },
                segment: Some((non_negative(*start), non_negative(*size))),
            }),
            StreamHandle::EmptySegment => {}
        }
    }
}

fn delegate_size(d: &Option<StreamHandle>) -> u64 {
    d.as_ref().map_or(0, StreamHandle::state_size)
}

/// Inclusive key-group range stored as `start` and `count` (count 0 = empty range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyGroupRange {
    pub start: i32,
    pub count: i32,
}

impl KeyGroupRange {
    /// Last key group, or `None` for the empty range.
    pub fn end(&self) -> Option<i32> {
        (self.count > 0).then(|| self.start.saturating_add(self.count - 1))
    }

    pub fn contains(&self, key_group: i32) -> bool {
        self.end()
            .is_some_and(|end| key_group >= self.start && key_group <= end)
    }
}

/// Which of Flink's key-group handle classes wrote a [`KeyGroupsHandle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyGroupsKind {
    /// Tag 3: `KeyGroupsStateHandle` without a stored handle id (Flink <= 1.14).
    Checkpoint,
    /// Tag 12: `KeyGroupsStateHandle` with a handle id (Flink >= 1.15): heap checkpoints and
    /// native heap savepoints, raw keyed state.
    CheckpointV2,
    /// Tag 7: `KeyGroupsSavepointStateHandle`, canonical-savepoint keyed state.
    Savepoint,
}

/// A key-group range with the start offset of each key group inside one stream
/// (tags 3, 7, 12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyGroupsHandle {
    pub kind: KeyGroupsKind,
    pub range: KeyGroupRange,
    /// `offsets[i]`: where key group `range.start + i` begins inside the delegate's bytes
    /// (for a segment, relative to the segment start).
    pub offsets: Vec<i64>,
    pub delegate: Option<StreamHandle>,
    pub state_handle_id: Option<String>,
}

impl KeyGroupsHandle {
    /// Offset of `key_group` inside the delegate stream, if the group is in the range.
    pub fn offset_of(&self, key_group: i32) -> Option<i64> {
        if !self.range.contains(key_group) {
            return None;
        }
        let i = usize::try_from(key_group.checked_sub(self.range.start)?).ok()?;
        self.offsets.get(i).copied()
    }

    /// `(key group, offset)` for every key group of the range.
    pub fn key_group_offsets(&self) -> impl Iterator<Item = (i32, i64)> + '_ {
        self.offsets
            .iter()
            .enumerate()
            .map(|(i, o)| (self.range.start.saturating_add(i as i32), *o))
    }

    pub fn state_size(&self) -> u64 {
        delegate_size(&self.delegate)
    }

    pub fn push_files(&self, shared: bool, out: &mut Vec<FileRef>) {
        if let Some(d) = &self.delegate {
            d.push_files(shared, out);
        }
    }
}

/// A file of a RocksDB/ForSt snapshot with its name in the backend's local directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandleAndLocalPath {
    /// For example `000010.sst`, `MANIFEST-000005`, `OPTIONS-000009`, `CURRENT`.
    pub local_path: String,
    pub handle: Option<StreamHandle>,
}

/// Tags 5 and 11: `IncrementalRemoteKeyedStateHandle` (RocksDB / ForSt native snapshots).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncrementalHandle {
    /// True for tag 11 (Flink >= 1.15), which stores the checkpointed size and a handle id.
    pub v2: bool,
    /// The checkpoint that created this handle.
    pub checkpoint_id: i64,
    pub backend_id: String,
    pub range: KeyGroupRange,
    /// Bytes new in this checkpoint; `None` when not stored (tag 5) or unknown (-1).
    pub stored_checkpointed_size: Option<i64>,
    /// The backend meta-info stream (`KeyedBackendSerializationProxy`).
    pub meta: Option<StreamHandle>,
    /// Files possibly shared with other checkpoints (SST files of incremental checkpoints).
    pub shared: Vec<HandleAndLocalPath>,
    /// Files of this snapshot only (MANIFEST, CURRENT, OPTIONS, ...; all files of full native
    /// snapshots).
    pub private: Vec<HandleAndLocalPath>,
    pub state_handle_id: Option<String>,
}

impl IncrementalHandle {
    pub fn state_size(&self) -> u64 {
        let files = self.shared.iter().chain(&self.private);
        delegate_size(&self.meta) + files.map(|f| delegate_size(&f.handle)).sum::<u64>()
    }

    pub fn push_files(&self, out: &mut Vec<FileRef>) {
        if let Some(m) = &self.meta {
            m.push_files(false, out);
        }
        for f in self.shared.iter().filter_map(|f| f.handle.as_ref()) {
            f.push_files(true, out);
        }
        for f in self.private.iter().filter_map(|f| f.handle.as_ref()) {
            f.push_files(false, out);
        }
    }
}

/// Tags 8 and 14: `ChangelogStateBackendHandleImpl`, materialized state plus state changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangelogHandle {
    /// True for tag 14 (Flink >= 1.16), which stores the checkpoint id separately.
    pub v2: bool,
    pub range: KeyGroupRange,
    pub checkpointed_size: i64,
    pub materialized: Vec<KeyedHandle>,
    pub non_materialized: Vec<KeyedHandle>,
    pub materialization_id: i64,
    /// Stored for tag 14; equal to `materialization_id` for tag 8.
    pub checkpoint_id: i64,
    pub state_handle_id: String,
}

/// One state change of an in-memory changelog handle; key group -1 marks a metadata change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateChange {
    pub key_group: i32,
    #[serde(serialize_with = "serde_hex::bytes")]
    pub data: Vec<u8>,
}

/// Tag 9: `InMemoryChangelogStateHandle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangelogBytesHandle {
    pub range: KeyGroupRange,
    pub from: i64,
    pub to: i64,
    pub changes: Vec<StateChange>,
    pub state_handle_id: String,
}

/// A stream handle with the offset where this handle's changes begin in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OffsetHandle {
    pub offset: i64,
    pub handle: Option<StreamHandle>,
}

/// Tags 10 and 13: `ChangelogStateHandleStreamImpl` (changes in DSTL files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangelogFilesHandle {
    /// True for tag 13 (Flink >= 1.16), which stores the storage identifier.
    pub v2: bool,
    pub range: KeyGroupRange,
    pub handles: Vec<OffsetHandle>,
    pub state_size: i64,
    pub checkpointed_size: i64,
    pub state_handle_id: String,
    /// Stored for tag 13; `"filesystem"` is implied for tag 10.
    pub storage_identifier: String,
}

/// A keyed-slot handle: the state of one key-group range (tag 0 = none is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "handle", rename_all = "snake_case")]
pub enum KeyedHandle {
    KeyGroups(KeyGroupsHandle),
    Incremental(IncrementalHandle),
    Changelog(ChangelogHandle),
    ChangelogBytes(ChangelogBytesHandle),
    ChangelogFiles(ChangelogFilesHandle),
}

impl KeyedHandle {
    pub fn tag(&self) -> u8 {
        match self {
            KeyedHandle::KeyGroups(k) => match k.kind {
                KeyGroupsKind::Checkpoint => 3,
                KeyGroupsKind::CheckpointV2 => 12,
                KeyGroupsKind::Savepoint => 7,
            },
            KeyedHandle::Incremental(h) => {
                if h.v2 {
                    11
                } else {
                    5
                }
            }
            KeyedHandle::Changelog(h) => {
                if h.v2 {
                    14
                } else {
                    8
                }
            }
            KeyedHandle::ChangelogBytes(_) => 9,
            KeyedHandle::ChangelogFiles(h) => {
                if h.v2 {
                    13
                } else {
                    10
                }
            }
        }
    }

    pub fn range(&self) -> KeyGroupRange {
        match self {
            KeyedHandle::KeyGroups(k) => k.range,
            KeyedHandle::Incremental(h) => h.range,
            KeyedHandle::Changelog(h) => h.range,
            KeyedHandle::ChangelogBytes(h) => h.range,
            KeyedHandle::ChangelogFiles(h) => h.range,
        }
    }

    /// Full size of the state this handle describes (Flink's `getStateSize`).
    pub fn state_size(&self) -> u64 {
        match self {
            KeyedHandle::KeyGroups(k) => k.state_size(),
            KeyedHandle::Incremental(h) => h.state_size(),
            KeyedHandle::Changelog(h) => h
                .materialized
                .iter()
                .chain(&h.non_materialized)
                .map(KeyedHandle::state_size)
                .sum(),
            KeyedHandle::ChangelogBytes(h) => h.changes.iter().map(|c| c.data.len() as u64).sum(),
            KeyedHandle::ChangelogFiles(h) => non_negative(h.state_size),
        }
    }

    /// Bytes this checkpoint added, when the handle tells it (Flink's `getCheckpointedSize`).
    /// Full snapshots (key-group handles, in-memory changes) checkpoint their whole size.
    pub fn checkpointed_size(&self) -> Option<u64> {
        match self {
            KeyedHandle::KeyGroups(k) => Some(k.state_size()),
            KeyedHandle::Incremental(h) => h
                .stored_checkpointed_size
                .filter(|s| *s >= 0)
                .map(|s| s as u64),
            KeyedHandle::Changelog(h) => Some(non_negative(h.checkpointed_size)),
            KeyedHandle::ChangelogBytes(_) => Some(self.state_size()),
            KeyedHandle::ChangelogFiles(h) => Some(non_negative(h.checkpointed_size)),
        }
    }

    /// The key-group offsets, for the key-group handle kinds (tags 3, 7, 12).
    pub fn key_groups(&self) -> Option<&KeyGroupsHandle> {
        match self {
            KeyedHandle::KeyGroups(k) => Some(k),
            _ => None,
        }
    }

    pub fn push_files(&self, out: &mut Vec<FileRef>) {
        match self {
            KeyedHandle::KeyGroups(k) => k.push_files(false, out),
            KeyedHandle::Incremental(h) => h.push_files(out),
            KeyedHandle::Changelog(h) => {
                for k in h.materialized.iter().chain(&h.non_materialized) {
                    k.push_files(out);
                }
            }
            KeyedHandle::ChangelogBytes(_) => {}
            KeyedHandle::ChangelogFiles(h) => {
                // DSTL files are shared between checkpoints by design.
                for f in h.handles.iter().filter_map(|f| f.handle.as_ref()) {
                    f.push_files(true, out);
                }
            }
        }
    }
}
