//! `size`: where the bytes are. Storage figures (state size, bytes new in this checkpoint,
//! inline bytes, files) come from [`super::info`] so both commands agree to the byte; entry
//! figures (entries, distinct keys, serialized key/namespace/user-key/value bytes per operator,
//! state, subtask and key group) come from a [`fold::KeyedFold`] over the entry stream, which
//! never decodes values.
//!
//! Bytes on storage per key group are known for key-group handles (canonical savepoints, heap
//! checkpoints): the distance from a key group's offset to the next one (compressed bytes when
//! the file is Snappy-compressed). The file's bytes before the first key group are its
//! header.

pub mod fold;
pub mod storage;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::info::{self, Sizes, UidLabels};
use crate::metadata::{KeyGroupsHandle, KeyedHandle, OperatorState, Snapshot};
use crate::operator_state::OperatorStateInfo;
use fold::{Counts, StateFold};
use storage::KeyedStorage;

#[derive(Debug, Clone, Serialize)]
pub struct SizeReport {
    pub location: String,
    pub notes: Vec<String>,
    pub operators: Vec<OperatorSize>,
    /// The same totals `info` reports.
    pub totals: Sizes,
    /// Entry figures over all operators whose entries were read.
    pub entries: Counts,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperatorSize {
    pub id: String,
    pub uid: Option<String>,
    pub name: Option<String>,
    pub parallelism: i32,
    pub max_parallelism: i32,
    /// Storage figures, exactly as `info` computes them.
    pub storage: Sizes,
    /// Entry figures summed over states (`keys` there is the sum of per-state distinct keys).
    pub entries: Option<Counts>,
    pub states: Vec<StateSize>,
    pub subtasks: Vec<SubtaskStorage>,
    /// Keyed bytes on storage that belong to no state (headers, meta-state files, key-group
    /// framing, RocksDB's own files), summed over the subtasks whose per-state storage is
    /// known.
    pub backend_metadata_bytes: Option<u64>,
    /// Operator (non-keyed) states: list, union, broadcast.
    pub operator_states: Vec<OperatorStateSize>,
}

/// One operator state's size.
#[derive(Debug, Clone, Serialize)]
pub struct OperatorStateSize {
    pub state: String,
    /// `operator-list`, `operator-union` or `broadcast`.
    pub kind: &'static str,
    /// Elements (list, union) or map entries (broadcast) over all subtasks, as stored.
    pub elements: u64,
    /// Bytes as stored (every subtask's partitions once; each broadcast copy counted).
    pub stored_bytes: u64,
    /// Bytes a restore at the operator's parallelism reads: a union state's stored bytes
    /// once per copy (stored × parallelism).
    pub restore_bytes: u64,
    pub subtasks: Vec<OperatorStateSubtask>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OperatorStateSubtask {
    pub subtask: u32,
    /// Elements (list, union) or map entries (broadcast) this subtask stored.
    pub elements: u64,
    /// Bytes of this subtask's partitions of the state, as stored.
    pub stored_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateSize {
    pub state: String,
    pub kind: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
    pub serialized_bytes: u64,
    pub keys_exact: bool,
    /// Bytes on storage, over the subtasks whose per-state storage is known (see
    /// `size::storage`).
    pub storage_bytes: Option<u64>,
    /// False when any part is apportioned rather than measured.
    pub storage_bytes_exact: Option<bool>,
    /// Bytes of files not referenced by the previous checkpoint (`--previous`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_storage_bytes: Option<u64>,
    pub subtasks: Vec<StateSubtaskSize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateSubtaskSize {
    pub subtask: u32,
    #[serde(flatten)]
    pub counts: Counts,
    pub serialized_bytes: u64,
    pub storage_bytes: Option<u64>,
    /// With `--key-groups`: non-empty key groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_groups: Option<Vec<KeyGroupSize>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyGroupSize {
    pub key_group: u32,
    #[serde(flatten)]
    pub counts: Counts,
    pub serialized_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubtaskStorage {
    pub subtask: u32,
    pub key_groups: Option<(i32, i32)>,
    pub keyed_handle: Option<&'static str>,
    #[serde(flatten)]
    pub storage: Sizes,
    /// Bytes of the keyed state file before its first key group (key-group handles).
    pub header_bytes: Option<u64>,
    /// With `--key-groups`: bytes on storage per non-empty key group (key-group handles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_group_bytes: Option<Vec<(u32, u64)>>,
    /// Managed keyed bytes on storage per state (plus backend metadata), when known.
    pub keyed_storage: Option<KeyedStorage>,
}

/// What was read for one operator.
#[derive(Debug, Clone, Default)]
pub struct OperatorEntries {
    /// Whether keyed entries were read (false: only storage and operator state).
    pub keyed_read: bool,
    pub states: BTreeMap<Arc<str>, StateFold>,
    /// State kinds by name.
    pub kinds: BTreeMap<String, String>,
    /// Per-state bytes on storage by subtask.
    pub keyed_storage: BTreeMap<u32, KeyedStorage>,
    /// Operator states with per-subtask element counts (`(state, subtask)` → elements).
    pub operator_states: Vec<OperatorStateInfo>,
    pub operator_elements: BTreeMap<(String, u32), u64>,
}

/// Options of the report.
#[derive(Debug, Clone, Default)]
pub struct SizeOptions {
    pub key_groups: bool,
}

/// Bytes on storage of each non-empty key group of a key-group handle, and the header bytes
/// before the first one. `None` without a stream.
pub fn key_group_storage(h: &KeyGroupsHandle) -> Option<(u64, Vec<(u32, u64)>)> {
    let len = h.delegate.as_ref()?.state_size();
    let mut starts: Vec<(u64, u32)> = h
        .key_group_offsets()
        .filter(|(kg, o)| *o > 0 && *kg >= 0)
        .map(|(kg, o)| (o as u64, kg as u32))
        .collect();
    starts.sort_unstable();
    let header = starts.first().map_or(len, |s| s.0.min(len));
    let mut out = Vec::with_capacity(starts.len());
    for (i, (start, kg)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(len, |n| n.0).max(*start).min(len);
        out.push((*kg, end.saturating_sub(*start)));
    }
    out.sort_unstable();
    Some((header, out))
}

/// Builds the report. `entries[i]` holds what was read for `snapshot.operators[i]` (`None`:
/// not read, or filtered out). `keep[i]`: whether operator `i` is shown.
pub fn size(
    snapshot: &Snapshot,
    location: &str,
    uids: &UidLabels,
    entries: &[Option<OperatorEntries>],
    keep: &dyn Fn(&OperatorState) -> bool,
    opts: &SizeOptions,
) -> SizeReport {
    let inf = info::info(snapshot, location, uids);
    let mut operators = Vec::new();
    let mut all = Counts::default();
    for (i, (op, oi)) in snapshot.operators.iter().zip(&inf.operators).enumerate() {
        if !keep(op) {
            continue;
        }
        let read = entries.get(i).and_then(Option::as_ref);
        let keyed_read = read.filter(|r| r.keyed_read);
        let states = read.map_or_else(Vec::new, |r| state_sizes(r, opts));
        let op_counts = keyed_read.map(|_| {
            let mut c = Counts::default();
            for s in &states {
                c.add(&s.counts);
            }
            c
        });
        if let Some(c) = &op_counts {
            all.add(c);
        }
        let subtasks = oi
            .subtasks
            .iter()
            .map(|st| subtask_storage(op, st, read, opts))
            .collect();
        let backend_metadata_bytes = read.filter(|r| !r.keyed_storage.is_empty()).map(|r| {
            r.keyed_storage
                .values()
                .map(|k| k.backend_metadata_bytes)
                .sum()
        });
        let operator_states = read.map_or_else(Vec::new, |r| operator_state_sizes(r, op));
        operators.push(OperatorSize {
            id: oi.id.clone(),
            uid: oi.uid.clone(),
            name: oi.name.clone(),
            parallelism: oi.parallelism,
            max_parallelism: oi.max_parallelism,
            storage: oi.sizes.clone(),
            entries: op_counts,
            states,
            subtasks,
            backend_metadata_bytes,
            operator_states,
        });
    }
    SizeReport {
        location: inf.location,
        notes: inf.notes,
        operators,
        totals: inf.totals.sizes,
        entries: all,
        errors: Vec::new(),
    }
}

fn subtask_storage(
    op: &OperatorState,
    st: &info::SubtaskInfo,
    read: Option<&OperatorEntries>,
    opts: &SizeOptions,
) -> SubtaskStorage {
    let kg = op
        .subtask(st.index)
        .and_then(|s| s.managed_keyed_state.as_ref())
        .and_then(KeyedHandle::key_groups)
        .and_then(key_group_storage);
    SubtaskStorage {
        subtask: st.index,
        key_groups: st.key_groups,
        keyed_handle: st.keyed_handle,
        storage: st.sizes.clone(),
        header_bytes: kg.as_ref().map(|k| k.0),
        key_group_bytes: if opts.key_groups {
            kg.map(|k| k.1)
        } else {
            None
        },
        keyed_storage: read.and_then(|r| r.keyed_storage.get(&st.index).cloned()),
    }
}

fn operator_state_sizes(r: &OperatorEntries, op: &OperatorState) -> Vec<OperatorStateSize> {
    let parallelism = op.parallelism.max(1) as u32;
    r.operator_states
        .iter()
        .map(|i| {
            let subtasks: Vec<OperatorStateSubtask> = i
                .subtasks
                .iter()
                .map(|p| OperatorStateSubtask {
                    subtask: p.subtask,
                    elements: r
                        .operator_elements
                        .get(&(i.name.clone(), p.subtask))
                        .copied()
                        .unwrap_or(0),
                    stored_bytes: p.stored_bytes,
                })
                .collect();
            OperatorStateSize {
                state: i.name.clone(),
                kind: i.kind,
                elements: subtasks.iter().map(|s| s.elements).sum(),
                stored_bytes: i.stored_bytes(),
                restore_bytes: i.restore_bytes(parallelism),
                subtasks,
            }
        })
        .collect()
}

fn state_sizes(r: &OperatorEntries, opts: &SizeOptions) -> Vec<StateSize> {
    // states with bytes on storage but no live entry still show
    let mut names: Vec<Arc<str>> = r.states.keys().cloned().collect();
    for k in r.keyed_storage.values() {
        for s in &k.states {
            if s.bytes > 0 && !names.iter().any(|n| **n == *s.state) {
                names.push(Arc::from(s.state.as_str()));
            }
        }
    }
    names.sort();
    let empty = StateFold::empty();
    names
        .iter()
        .map(|name| {
            let f = r.states.get(name).unwrap_or(&empty);
            let mut by_subtask: BTreeMap<u32, StateSubtaskSize> = BTreeMap::new();
            let mut total = Counts::default();
            let storage_of = |subtask: u32| {
                let k = r.keyed_storage.get(&subtask)?;
                k.states
                    .iter()
                    .find(|s| *s.state == **name)
                    .map(|s| s.bytes)
            };
            for (&(subtask, kg), c) in &f.cells {
                total.add(c);
                let s = by_subtask
                    .entry(subtask)
                    .or_insert_with(|| StateSubtaskSize {
                        subtask,
                        counts: Counts::default(),
                        serialized_bytes: 0,
                        storage_bytes: storage_of(subtask),
                        key_groups: opts.key_groups.then(Vec::new),
                    });
                s.counts.add(c);
                s.serialized_bytes = s.counts.serialized_bytes();
                if let Some(k) = &mut s.key_groups {
                    k.push(KeyGroupSize {
                        key_group: kg,
                        counts: *c,
                        serialized_bytes: c.serialized_bytes(),
                    });
                }
            }
            for (&subtask, k) in &r.keyed_storage {
                if let Some(b) = k.states.iter().find(|s| *s.state == **name && s.bytes > 0) {
                    by_subtask
                        .entry(subtask)
                        .or_insert_with(|| StateSubtaskSize {
                            subtask,
                            counts: Counts::default(),
                            serialized_bytes: 0,
                            storage_bytes: Some(b.bytes),
                            key_groups: opts.key_groups.then(Vec::new),
                        });
                }
            }
            let parts: Vec<(&KeyedStorage, &storage::StateBytes)> = r
                .keyed_storage
                .values()
                .filter_map(|k| k.states.iter().find(|s| *s.state == **name).map(|s| (k, s)))
                .collect();
            let known = !parts.is_empty();
            let new_parts: Vec<u64> = parts.iter().filter_map(|(_, s)| s.new_bytes).collect();
            StateSize {
                state: name.to_string(),
                kind: r.kinds.get(&**name).cloned(),
                counts: total,
                serialized_bytes: total.serialized_bytes(),
                keys_exact: f.keys_exact,
                storage_bytes: known.then(|| parts.iter().map(|(_, s)| s.bytes).sum()),
                storage_bytes_exact: known
                    .then(|| parts.iter().all(|(k, _)| k.storage_bytes_exact)),
                new_storage_bytes: (!new_parts.is_empty()).then(|| new_parts.iter().sum()),
                subtasks: by_subtask.into_values().collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::{KeyGroupRange, KeyGroupsKind, StreamHandle};

    #[test]
    fn key_group_storage_splits_the_stream_at_offsets() {
        let h = KeyGroupsHandle {
            kind: KeyGroupsKind::Savepoint,
            range: KeyGroupRange { start: 4, count: 4 },
            offsets: vec![100, 0, 130, 180],
            delegate: Some(StreamHandle::Relative {
                relative_path: "x".into(),
                size: 200,
            }),
            state_handle_id: None,
        };
        let (header, kgs) = key_group_storage(&h).unwrap();
        assert_eq!(header, 100);
        assert_eq!(kgs, vec![(4, 30), (6, 50), (7, 20)]);
        assert_eq!(header + kgs.iter().map(|k| k.1).sum::<u64>(), 200);
    }
}
