//! The one entry stream every keyed reader produces and every consumer (state listing, size,
//! skew, export) reads. Bytes stay raw here; [`crate::types`] decodes them lazily, so size and
//! skew never decode values and a `--key` filter never decodes other keys.
//!
//! Readers normalise the layouts so consumers see one shape:
//! * map state: one entry per user key (heap checkpoints store a whole map per key and
//!   namespace; the heap reader splits it), `value` = `bool is_null` + user value when not null,
//!   exactly as canonical and RocksDB layouts store it;
//! * list state: one entry per key and namespace holding all elements; `value_layout` says how
//!   they are framed (comma-delimited in canonical and RocksDB layouts, count-prefixed in heap
//!   checkpoints);
//! * timers: one entry per timer; `key`, `namespace` set, `value` = the 8-byte timestamp as
//!   stored by the layout (see `formats/`), `state` = the timer service's state name.

use std::sync::Arc;

use bytes::Bytes;

/// How the `value` bytes of an entry are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueLayout {
    /// One value serialized with the state's value serializer.
    Single,
    /// List elements each serialized with the element serializer, separated by one `,` byte
    /// (Flink's `ListDelimitedSerializer`; canonical savepoints and RocksDB).
    DelimitedList,
    /// `int32 count` then the elements (Flink's `ListSerializer`; heap checkpoints).
    CountedList,
    /// Map state: `bool is_null`, then the user value when not null.
    MapValue,
    /// Timer: nothing beyond key, namespace and the timestamp in `value`.
    Timer,
}

/// One keyed-state entry, raw.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Subtask whose state handle held the entry.
    pub subtask: u32,
    pub key_group: u32,
    /// State name as in the keyed-backend header (timers: the timer service's state name).
    pub state: Arc<str>,
    /// Serialized key, without key-group prefix.
    pub key: Bytes,
    /// Serialized namespace (`VoidNamespace` is one byte in most layouts; see `formats/`).
    pub namespace: Bytes,
    /// Serialized map user key (map state only).
    pub user_key: Option<Bytes>,
    pub value: Bytes,
    pub value_layout: ValueLayout,
}

impl Entry {
    /// Serialized bytes of this entry as counted by size reports: key, namespace, user key and
    /// value.
    pub fn serialized_len(&self) -> u64 {
        (self.key.len()
            + self.namespace.len()
            + self.user_key.as_ref().map_or(0, |u| u.len())
            + self.value.len()) as u64
    }
}
