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

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;

use crate::io::DataInput;
use crate::types::{self, TypeInfo};

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
    /// The value's bytes; empty when the reader skipped them (see `elided`).
    pub value: Bytes,
    pub value_layout: ValueLayout,
    /// Set when the reader skipped the value on the stream instead of keeping its bytes (only
    /// when asked to, by `Filter::elide_values_above`, for consumers that only count).
    pub elided: Option<Elided>,
}

/// What is known of a value the reader skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elided {
    /// Bytes of the value as stored.
    pub len: u64,
    /// Elements of a delimited list value, counted on the stream ([`ListElems`]); `None` for
    /// other values, or when they cannot be told.
    pub list_elements: Option<u64>,
}

/// How to count the elements of a delimited list (canonical and RocksDB list values) of one
/// state.
#[derive(Debug, Clone)]
pub enum ListElems {
    /// Every element has this many bytes.
    Fixed(u32),
    /// Variable elements: skipped one by one with this (on-disk, TTL-wrapped if so) type.
    Skip(TypeInfo),
}

impl ListElems {
    /// From the element type of a list state (`ttl`: elements are `Ttl<elem>` on disk).
    pub fn for_type(elem: &TypeInfo, ttl: bool) -> ListElems {
        let on_disk = if ttl {
            TypeInfo::Ttl {
                inner: Box::new(elem.clone()),
            }
        } else {
            elem.clone()
        };
        match on_disk.byte_len() {
            Some(n) => ListElems::Fixed(n),
            None => ListElems::Skip(on_disk),
        }
    }

    /// Elements of a delimited list of `len` bytes of fixed-size elements (`None` when `len`
    /// is not a whole number of them); `None` for variable elements, which must be read.
    pub fn fixed_count(&self, len: u64) -> Option<u64> {
        match self {
            ListElems::Fixed(n) => {
                if len == 0 {
                    return Some(0);
                }
                let step = *n as u64 + 1;
                (len + 1).is_multiple_of(step).then_some((len + 1) / step)
            }
            ListElems::Skip(_) => None,
        }
    }

    /// Counts the elements of the delimited list that fills what `d` has left (its end must be
    /// known): each element skipped with its type, one `,` between two. `None` when the bytes
    /// do not parse as such a list; `d` may then stand anywhere before its end.
    pub fn count_rest<R: Read>(&self, d: &mut DataInput<R>) -> Option<u64> {
        if d.remaining()? == 0 {
            return Some(0);
        }
        let t = match self {
            ListElems::Fixed(_) => return self.fixed_count(d.remaining()?),
            ListElems::Skip(t) => t,
        };
        let mut count = 0u64;
        loop {
            types::skip(t, d).ok()?;
            count += 1;
            if d.remaining()? == 0 {
                return Some(count);
            }
            if d.u8("list delimiter").ok()? != b',' {
                return None;
            }
        }
    }
}

impl Entry {
    /// Serialized bytes of this entry as counted by size reports: key, namespace, user key and
    /// value.
    pub fn serialized_len(&self) -> u64 {
        (self.key.len() + self.namespace.len() + self.user_key.as_ref().map_or(0, |u| u.len()))
            as u64
            + self.value_len()
    }

    /// Bytes of the value as stored, whether kept or skipped.
    pub fn value_len(&self) -> u64 {
        self.elided.map_or(self.value.len() as u64, |e| e.len)
    }
}
