//! The operator states of one operator: name, distribution mode, serializers (types), and
//! per-subtask partition counts and sizes. Sizes come from `_metadata` alone; types from the
//! headers of as few subtask streams as needed.

use std::sync::Arc;

use serde::Serialize;

use crate::io::DecodeResult;
use crate::keyed::header::StateMetaInfo;
use crate::metadata::{DistributionMode, Snapshot, StreamHandle};
use crate::store::PathResolver;
use crate::types::{self, TypeInfo, Value};

use super::entry::{OperatorEntry, kind_name};
use super::error::Result;
use super::read::{SubtaskStream, boundaries, partition_end};

/// One subtask's share of a state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubtaskPartitions {
    pub subtask: u32,
    /// List elements (list and union state) or 1 (broadcast state).
    pub partitions: u32,
    /// Bytes of the state's partitions in this subtask's stream, as stored (compressed when
    /// the stream is).
    pub stored_bytes: u64,
}

/// One operator state (list, union or broadcast).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorStateInfo {
    pub name: String,
    pub mode: DistributionMode,
    /// `operator-list`, `operator-union` or `broadcast`.
    pub kind: &'static str,
    /// The state meta info from the header: serializer snapshots and their types. `None` only
    /// when no subtask stream could be opened (no bytes at all).
    pub meta: Option<StateMetaInfo>,
    /// Subtasks whose handle names this state, in `_metadata` order.
    pub subtasks: Vec<SubtaskPartitions>,
}

impl OperatorStateInfo {
    /// Element type (list and union state) or map value type (broadcast state).
    pub fn value_type(&self) -> Option<&TypeInfo> {
        self.meta.as_ref().and_then(|m| m.value_type())
    }

    /// Map key type (broadcast state).
    pub fn key_type(&self) -> Option<&TypeInfo> {
        self.meta
            .as_ref()
            .and_then(|m| m.serializer("KEY_SERIALIZER"))
            .map(|s| &s.ty)
    }

    /// Bytes as stored in the snapshot: every subtask's partitions once. Broadcast state is
    /// stored once per subtask (each subtask writes a full copy), and each copy is counted.
    pub fn stored_bytes(&self) -> u64 {
        self.subtasks.iter().map(|s| s.stored_bytes).sum()
    }

    /// Bytes a restore at `parallelism` reads: what a size report shows. A union state's
    /// elements are read by every subtask, so its stored bytes count once per copy
    /// (`stored × parallelism`); split lists are read once; broadcast state is read as one
    /// stored copy per subtask.
    pub fn restore_bytes(&self, parallelism: u32) -> u64 {
        match self.mode {
            DistributionMode::Union => self.stored_bytes() * u64::from(parallelism.max(1)),
            DistributionMode::SplitDistribute => self.stored_bytes(),
            DistributionMode::Broadcast => {
                let n = self.subtasks.len().max(1) as u64;
                self.stored_bytes() / n * u64::from(parallelism.max(1))
            }
        }
    }

    pub fn elements(&self) -> u64 {
        self.subtasks.iter().map(|s| u64::from(s.partitions)).sum()
    }

    /// Decodes an entry's value (list element or broadcast value) with this state's type.
    pub fn decode_value(&self, e: &OperatorEntry) -> DecodeResult<Value> {
        decode_with(self.value_type(), e, &e.value)
    }

    /// Decodes a broadcast entry's key (`Value::Null` for list elements).
    pub fn decode_key(&self, e: &OperatorEntry) -> DecodeResult<Value> {
        match &e.key {
            Some(k) => decode_with(self.key_type(), e, k),
            None => Ok(Value::Null),
        }
    }
}

fn decode_with(t: Option<&TypeInfo>, e: &OperatorEntry, bytes: &[u8]) -> DecodeResult<Value> {
    match t {
        Some(t) => types::decode_bytes(t, &e.file, bytes, e.offset),
        None => Ok(Value::Bytes(bytes.to_vec())),
    }
}

/// The operator states of `snapshot.operators[op_index]`, in first-seen order.
pub fn catalog(
    snapshot: &Snapshot,
    op_index: usize,
    resolver: &PathResolver<'_>,
) -> Result<Vec<OperatorStateInfo>> {
    let Some(op) = snapshot.operators.get(op_index) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<OperatorStateInfo> = Vec::new();
    for (subtask, st) in &op.subtasks {
        let Some(h) = &st.managed_operator_state else {
            continue;
        };
        let len = h.delegate.as_ref().map_or(0, StreamHandle::state_size);
        let name: Arc<str> = Arc::from(format!("subtask {subtask} operator state"));
        let b = boundaries(h, len, &name, 0)?;
        for s in &h.states {
            let stored: u64 = s
                .offsets
                .iter()
                .map(|&o| {
                    let o = o.max(0) as u64;
                    partition_end(&b, o) - o
                })
                .sum();
            let part = SubtaskPartitions {
                subtask: *subtask,
                partitions: s.offsets.len() as u32,
                stored_bytes: stored,
            };
            match out.iter_mut().find(|i| i.name == s.name) {
                Some(i) => i.subtasks.push(part),
                None => out.push(OperatorStateInfo {
                    name: s.name.clone(),
                    mode: s.mode,
                    kind: kind_name(s.mode),
                    meta: None,
                    subtasks: vec![part],
                }),
            }
        }
    }
    let label = format!("operator {}", op.uid.clone().unwrap_or_else(|| op.id_hex()));
    for (subtask, st) in &op.subtasks {
        if out.iter().all(|i| i.meta.is_some()) {
            break;
        }
        let Some(h) = &st.managed_operator_state else {
            continue;
        };
        if h.states
            .iter()
            .all(|s| out.iter().any(|i| i.name == s.name && i.meta.is_some()))
        {
            continue;
        }
        let Some(s) = SubtaskStream::open(*subtask, h, resolver, &label)? else {
            continue;
        };
        for m in s.header.all() {
            if let Some(i) = out
                .iter_mut()
                .find(|i| i.name == m.name && i.meta.is_none())
            {
                i.meta = Some(m.clone());
            }
        }
    }
    Ok(out)
}
