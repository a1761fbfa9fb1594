//! An entry as a plain tuple of everything it holds, for comparing entry streams.

use flink_inspect::keyed::Entry;

/// Subtask, key group, state, key, namespace, user key, value, value layout; sortable.
pub type Cell = (
    u32,
    u32,
    String,
    Vec<u8>,
    Vec<u8>,
    Option<Vec<u8>>,
    Vec<u8>,
    String,
);

pub fn cell(e: &Entry) -> Cell {
    (
        e.subtask,
        e.key_group,
        e.state.to_string(),
        e.key.to_vec(),
        e.namespace.to_vec(),
        e.user_key.as_ref().map(|u| u.to_vec()),
        e.value.to_vec(),
        format!("{:?}", e.value_layout),
    )
}
