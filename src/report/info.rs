//! `info`: what a snapshot holds, from `_metadata` alone (no state file is read).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::hash;
use crate::metadata::{
    FileScope, KeyGroupsKind, KeyedHandle, OperatorState, SavepointFormat, Snapshot, SnapshotKind,
    SubtaskState,
};

/// Uids the user supplied, to label operators of files that store no uid (before metadata
/// version 5) and to find typos.
#[derive(Debug, Default, Clone)]
pub struct UidLabels {
    by_id: BTreeMap<[u8; 16], String>,
}

impl UidLabels {
    pub fn new<I: IntoIterator<Item = String>>(uids: I) -> Self {
        let by_id = uids
            .into_iter()
            .map(|u| (hash::operator_id_from_uid(&u), u))
            .collect();
        UidLabels { by_id }
    }

    pub fn get(&self, id: &[u8; 16]) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Given uids that hash to no operator of `snapshot`.
    pub fn unmatched(&self, snapshot: &Snapshot) -> Vec<String> {
        self.by_id
            .iter()
            .filter(|(id, _)| snapshot.operator_by_id(id).is_none())
            .map(|(_, u)| u.clone())
            .collect()
    }
}

/// Where an operator's uid came from.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UidSource {
    /// Stored in `_metadata` (version 5 and later).
    Stored,
    /// Given with `--uid` / `--uids-file` and matched through its hash.
    Given,
}

#[derive(Debug, Clone, Serialize)]
pub struct InfoReport {
    pub location: String,
    pub checkpoint_id: i64,
    pub metadata_version: u32,
    /// `savepoint`, `checkpoint`, `sync_savepoint`, or null when the file does not say.
    pub kind: Option<String>,
    /// `canonical`, `native`, or null (checkpoints, and files before version 4).
    pub format: Option<String>,
    /// The state backend as far as the handles tell it.
    pub backend: Option<String>,
    /// Flink releases that write this metadata version.
    pub written_by: &'static str,
    pub notes: Vec<String>,
    pub operators: Vec<OperatorInfo>,
    pub totals: Totals,
    /// `--uid` values that match no operator (a typo, or a renamed operator).
    pub unmatched_uids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Sizes {
    /// Full size of the state, as restoring it would read.
    pub state_size: u64,
    /// Bytes this checkpoint wrote (smaller than `state_size` for incremental checkpoints).
    pub checkpointed_size: u64,
    pub keyed_state_size: u64,
    pub keyed_checkpointed_size: u64,
    pub operator_state_size: u64,
    pub channel_state_size: u64,
    pub coordinator_state_size: u64,
    /// Bytes stored inside `_metadata` rather than in files.
    pub inline_size: u64,
    /// Distinct files referenced.
    pub files: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperatorInfo {
    pub id: String,
    pub uid: Option<String>,
    pub uid_source: Option<UidSource>,
    pub name: Option<String>,
    pub parallelism: i32,
    pub max_parallelism: i32,
    pub subtasks_with_state: usize,
    pub finished_subtasks: usize,
    pub fully_finished: bool,
    #[serde(flatten)]
    pub sizes: Sizes,
    pub subtasks: Vec<SubtaskInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubtaskInfo {
    pub index: u32,
    pub finished: bool,
    /// Inclusive key-group range of the keyed state, when there is keyed state.
    pub key_groups: Option<(i32, i32)>,
    /// Handle kind of the managed keyed state (`canonical_savepoint`, `heap_checkpoint`,
    /// `rocksdb_incremental`, `rocksdb_native`, `changelog`).
    pub keyed_handle: Option<&'static str>,
    #[serde(flatten)]
    pub sizes: Sizes,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Totals {
    pub operators: usize,
    pub operators_with_state: usize,
    #[serde(flatten)]
    pub sizes: Sizes,
}

/// Builds the report. `location` is what to print as the snapshot's place.
pub fn info(snapshot: &Snapshot, location: &str, uids: &UidLabels) -> InfoReport {
    let mut notes = Vec::new();
    let (kind, format) = kind_and_format(snapshot, &mut notes);
    let operators: Vec<OperatorInfo> = snapshot
        .operators
        .iter()
        .map(|op| operator_info(op, uids))
        .collect();
    let mut totals = Totals {
        operators: operators.len(),
        operators_with_state: operators
            .iter()
            .filter(|o| o.sizes.state_size > 0 || o.subtasks_with_state > 0)
            .count(),
        sizes: Sizes::default(),
    };
    for o in &operators {
        add(&mut totals.sizes, &o.sizes);
    }
    totals.sizes.files = distinct_files(snapshot, None);
    InfoReport {
        location: location.to_string(),
        checkpoint_id: snapshot.checkpoint_id,
        metadata_version: snapshot.metadata_version,
        kind,
        format,
        backend: backend(snapshot),
        written_by: written_by(snapshot.metadata_version),
        notes,
        operators,
        totals,
        unmatched_uids: uids.unmatched(snapshot),
    }
}

fn kind_and_format(s: &Snapshot, notes: &mut Vec<String>) -> (Option<String>, Option<String>) {
    if let Some(p) = &s.properties {
        let kind = match p.kind {
            SnapshotKind::Checkpoint => "checkpoint",
            SnapshotKind::Savepoint => "savepoint",
            SnapshotKind::SyncSavepoint => "sync_savepoint",
            _ => "unknown",
        };
        let format = p.format.map(|f| match f {
            SavepointFormat::Canonical => "canonical".to_string(),
            SavepointFormat::Native => "native".to_string(),
        });
        return (Some(kind.to_string()), format);
    }
    // Before version 4 the file does not record its kind; canonical savepoint handles tell.
    let canonical = keyed_handles(s)
        .any(|h| matches!(h, KeyedHandle::KeyGroups(k) if k.kind == KeyGroupsKind::Savepoint));
    if canonical {
        notes.push(
            "kind and format inferred from the handles (savepoint key-group handles); \
             this metadata version does not record them"
                .into(),
        );
        return (Some("savepoint".into()), Some("canonical".into()));
    }
    if s.metadata_version < 4 {
        notes.push("metadata version below 4 does not record savepoint or checkpoint".into());
    }
    (None, None)
}

fn keyed_handles(s: &Snapshot) -> impl Iterator<Item = &KeyedHandle> {
    s.operators
        .iter()
        .flat_map(|o| o.subtasks.iter())
        .flat_map(|(_, st)| [&st.managed_keyed_state, &st.raw_keyed_state])
        .flatten()
}

fn handle_kind(h: &KeyedHandle) -> &'static str {
    match h {
        KeyedHandle::KeyGroups(k) => match k.kind {
            KeyGroupsKind::Savepoint => "canonical_savepoint",
            KeyGroupsKind::Checkpoint | KeyGroupsKind::CheckpointV2 => "heap_checkpoint",
        },
        KeyedHandle::Incremental(i) if i.shared.is_empty() => "rocksdb_native",
        KeyedHandle::Incremental(_) => "rocksdb_incremental",
        KeyedHandle::Changelog(_)
        | KeyedHandle::ChangelogBytes(_)
        | KeyedHandle::ChangelogFiles(_) => "changelog",
    }
}

fn backend(s: &Snapshot) -> Option<String> {
    let mut kinds: Vec<&'static str> = keyed_handles(s).map(handle_kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let text: Vec<String> = kinds
        .iter()
        .map(|k| match *k {
            "canonical_savepoint" => "any (canonical format, backend-neutral)".to_string(),
            "heap_checkpoint" if s.metadata_version <= 3 => {
                "hashmap (or a RocksDB full checkpoint of Flink 1.15)".to_string()
            }
            "heap_checkpoint" => "hashmap".to_string(),
            "rocksdb_native" => "rocksdb (native, full)".to_string(),
            "rocksdb_incremental" => "rocksdb (incremental)".to_string(),
            _ => "changelog".to_string(),
        })
        .collect();
    if text.is_empty() {
        None
    } else {
        Some(text.join(" + "))
    }
}

fn written_by(version: u32) -> &'static str {
    match version {
        2 => "Flink 1.3–1.10",
        3 => "Flink 1.11–1.15",
        4 => "Flink 1.16–1.20",
        5 => "Flink 2.0",
        6 => "Flink 2.1–2.3",
        _ => "unknown",
    }
}

fn operator_info(op: &OperatorState, uids: &UidLabels) -> OperatorInfo {
    let (uid, uid_source) = match (&op.uid, uids.get(&op.id)) {
        (Some(u), _) => (Some(u.clone()), Some(UidSource::Stored)),
        (None, Some(u)) => (Some(u.to_string()), Some(UidSource::Given)),
        (None, None) => (None, None),
    };
    let subtasks: Vec<SubtaskInfo> = op
        .subtasks
        .iter()
        .map(|(i, st)| subtask_info(*i, st))
        .collect();
    let mut sizes = Sizes::default();
    for s in &subtasks {
        add(&mut sizes, &s.sizes);
    }
    if let Some(c) = &op.coordinator_state {
        let n = c.state_size();
        sizes.coordinator_state_size += n;
        sizes.state_size += n;
        sizes.checkpointed_size += n;
        sizes.inline_size += c.inline_bytes().map_or(0, |b| b.len() as u64);
    }
    sizes.files = 0; // recomputed as distinct files below
    let mut o = OperatorInfo {
        id: op.id_hex(),
        uid,
        uid_source,
        name: op.name.clone(),
        parallelism: op.parallelism,
        max_parallelism: op.max_parallelism,
        subtasks_with_state: subtasks
            .iter()
            .filter(|s| !s.finished && s.sizes.state_size > 0)
            .count(),
        finished_subtasks: subtasks.iter().filter(|s| s.finished).count(),
        fully_finished: op.fully_finished,
        sizes,
        subtasks,
    };
    o.sizes.files = distinct_files_of(op);
    o
}

fn subtask_info(index: u32, st: &SubtaskState) -> SubtaskInfo {
    let mut sizes = Sizes::default();
    let mut key_groups = None;
    let mut keyed_handle = None;
    for h in [&st.managed_keyed_state, &st.raw_keyed_state]
        .into_iter()
        .flatten()
    {
        let full = h.state_size();
        let new = h.checkpointed_size().unwrap_or(full);
        sizes.keyed_state_size += full;
        sizes.keyed_checkpointed_size += new;
        sizes.state_size += full;
        sizes.checkpointed_size += new;
        let r = h.range();
        if r.count > 0 {
            key_groups = Some((r.start, r.start + r.count - 1));
        }
        keyed_handle.get_or_insert(handle_kind(h));
    }
    for h in [&st.managed_operator_state, &st.raw_operator_state]
        .into_iter()
        .flatten()
    {
        let n = h.state_size();
        sizes.operator_state_size += n;
        sizes.state_size += n;
        sizes.checkpointed_size += n;
    }
    for h in st
        .input_channel_state
        .iter()
        .chain(&st.result_subpartition_state)
    {
        let n = h.state_size();
        sizes.channel_state_size += n;
        sizes.state_size += n;
        sizes.checkpointed_size += n;
    }
    let mut files = std::collections::BTreeSet::new();
    for (_, f) in st.file_refs() {
        if f.scope == FileScope::Inline {
            sizes.inline_size += f.size.unwrap_or(0);
        } else {
            files.insert(format!("{:?}", f.path));
        }
    }
    sizes.files = files.len() as u64;
    SubtaskInfo {
        index,
        finished: st.finished,
        key_groups,
        keyed_handle,
        sizes,
    }
}

fn add(total: &mut Sizes, s: &Sizes) {
    total.state_size += s.state_size;
    total.checkpointed_size += s.checkpointed_size;
    total.keyed_state_size += s.keyed_state_size;
    total.keyed_checkpointed_size += s.keyed_checkpointed_size;
    total.operator_state_size += s.operator_state_size;
    total.channel_state_size += s.channel_state_size;
    total.coordinator_state_size += s.coordinator_state_size;
    total.inline_size += s.inline_size;
    total.files += s.files;
}

fn distinct_files_of(op: &OperatorState) -> u64 {
    let mut set = std::collections::BTreeSet::new();
    for (_, st) in &op.subtasks {
        for (_, f) in st.file_refs() {
            if f.scope != FileScope::Inline {
                set.insert(format!("{:?}", f.path));
            }
        }
    }
    set.len() as u64
}

fn distinct_files(s: &Snapshot, operator: Option<usize>) -> u64 {
    let set: std::collections::BTreeSet<String> = s
        .file_refs()
        .into_iter()
        .filter(|f| operator.is_none_or(|o| o == f.operator))
        .filter(|f| f.file.scope != FileScope::Inline)
        .map(|f| format!("{:?}", f.file.path))
        .collect();
    set.len() as u64
}
