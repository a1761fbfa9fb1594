//! Operator state for the `state` and `schema` commands: decoded records (one per list
//! element or broadcast entry, with the subtask it came from) and per-state schema rows.
//! Rendering (tables, JSON Lines) stays with the CLI.

use serde::Serialize;

use crate::metadata::{DistributionMode, Snapshot};
use crate::operator_state::splits::{
    SOURCE_READER_STATE, VersionedSplit, decode_reader_state_element,
};
use crate::operator_state::{self, OperatorEntry, OperatorStateInfo, Result};
use crate::store::PathResolver;
use crate::types::Value;

/// A decoded operator-state value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RecordValue {
    Value(Value),
    /// A `SourceReaderState` element: the source split.
    Split(VersionedSplit),
}

/// One decoded list element or broadcast entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorStateRecord {
    pub state: String,
    /// `operator-list`, `operator-union` or `broadcast`.
    pub kind: &'static str,
    pub subtask: u32,
    /// Position in the subtask's list, or in the stored broadcast map.
    pub index: u32,
    /// Broadcast map key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Value>,
    pub value: RecordValue,
}

/// Decodes one raw entry with its state's types; `SourceReaderState` elements as splits.
pub fn decode_record(info: &OperatorStateInfo, e: &OperatorEntry) -> Result<OperatorStateRecord> {
    let value = if info.name == SOURCE_READER_STATE {
        RecordValue::Split(decode_reader_state_element(&e.file, &e.value, e.offset)?)
    } else {
        RecordValue::Value(info.decode_value(e)?)
    };
    let key = match e.mode {
        DistributionMode::Broadcast => Some(info.decode_key(e)?),
        _ => None,
    };
    Ok(OperatorStateRecord {
        state: e.state.to_string(),
        kind: e.kind(),
        subtask: e.subtask,
        index: e.index,
        key,
        value,
    })
}

/// Streams the decoded records of `snapshot.operators[op_index]`'s operator state, for the
/// states `want` accepts. Stops at the first error.
pub fn records(
    snapshot: &Snapshot,
    op_index: usize,
    resolver: &PathResolver<'_>,
    want: &dyn Fn(&str) -> bool,
    sink: &mut dyn FnMut(OperatorStateRecord),
) -> Result<u64> {
    let catalog = operator_state::catalog(snapshot, op_index, resolver)?;
    let mut first_err = None;
    let mut n = 0;
    operator_state::read_states(snapshot, op_index, resolver, want, &mut |e| {
        if first_err.is_some() {
            return;
        }
        let Some(info) = catalog.iter().find(|i| *i.name == *e.state) else {
            return;
        };
        match decode_record(info, e) {
            Ok(r) => {
                n += 1;
                sink(r);
            }
            Err(err) => first_err = Some(err),
        }
    })?;
    match first_err {
        Some(e) => Err(e),
        None => Ok(n),
    }
}

/// One operator state in `schema`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorStateSchema {
    pub name: String,
    /// `operator-list`, `operator-union` or `broadcast`.
    pub kind: &'static str,
    pub mode: DistributionMode,
    /// Element type (list, union) or map value type (broadcast), as text.
    pub value_type: Option<String>,
    /// Map key type (broadcast).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    /// Value serializer snapshot class.
    pub value_serializer: Option<String>,
    pub subtasks: usize,
    /// List elements (list, union) or copies (broadcast) over all subtasks.
    pub partitions: u64,
    /// Bytes as stored (each broadcast copy counted).
    pub stored_bytes: u64,
    /// Bytes a restore at the operator's parallelism reads: a union state's bytes count once
    /// per copy (stored × parallelism). Use this in size reports.
    pub restore_bytes: u64,
}

/// The operator states of `snapshot.operators[op_index]` (headers only, no elements read).
pub fn schema(
    snapshot: &Snapshot,
    op_index: usize,
    resolver: &PathResolver<'_>,
) -> Result<Vec<OperatorStateSchema>> {
    let parallelism = snapshot
        .operators
        .get(op_index)
        .map_or(1, |o| o.parallelism.max(1) as u32);
    Ok(operator_state::catalog(snapshot, op_index, resolver)?
        .into_iter()
        .map(|i| OperatorStateSchema {
            kind: i.kind,
            mode: i.mode,
            value_type: i.value_type().map(|t| t.to_string()),
            key_type: i.key_type().map(|t| t.to_string()),
            value_serializer: i
                .meta
                .as_ref()
                .and_then(|m| m.serializer("VALUE_SERIALIZER"))
                .map(|s| s.class_name.clone()),
            subtasks: i.subtasks.len(),
            partitions: i.elements(),
            stored_bytes: i.stored_bytes(),
            restore_bytes: i.restore_bytes(parallelism),
            name: i.name,
        })
        .collect())
}

/// True when any subtask of the operator has managed operator state.
pub fn has_operator_state(snapshot: &Snapshot, op_index: usize) -> bool {
    snapshot.operators.get(op_index).is_some_and(|o| {
        o.subtasks
            .iter()
            .any(|(_, s)| s.managed_operator_state.is_some())
    })
}
