//! The raw entry stream of operator state, the counterpart of [`crate::keyed::Entry`].

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::metadata::DistributionMode;

/// One element of an operator list or union state, or one entry of a broadcast state, raw.
#[derive(Debug, Clone)]
pub struct OperatorEntry {
    /// Subtask whose state handle held the entry. For union state every subtask holds only
    /// the elements it wrote (each gets all of them on restore); for broadcast state every
    /// subtask holds a full copy.
    pub subtask: u32,
    pub state: Arc<str>,
    pub mode: DistributionMode,
    /// List and union state: the element's position in the subtask's list. Broadcast state:
    /// the entry's position in the stored map.
    pub index: u32,
    /// Broadcast state: the serialized map key (`KEY_SERIALIZER`). `None` for a broadcast
    /// state whose key or value type has no decoder (Kryo, unknown serializers): then the
    /// state is one entry whose `value` is the whole stored map (`int32 count` + entries).
    pub key: Option<Bytes>,
    /// The serialized element (`VALUE_SERIALIZER`), or the broadcast entry's value.
    pub value: Bytes,
    /// Where the partition holding the entry starts: file name and absolute raw offset.
    pub file: Arc<str>,
    pub offset: u64,
}

impl OperatorEntry {
    /// The `kind` a state listing shows: `operator-list`, `operator-union` or `broadcast`.
    pub fn kind(&self) -> &'static str {
        kind_name(self.mode)
    }

    /// Serialized bytes of this entry as counted by size reports (key and value).
    pub fn serialized_len(&self) -> u64 {
        (self.key.as_ref().map_or(0, |k| k.len()) + self.value.len()) as u64
    }
}

/// `operator-list`, `operator-union` or `broadcast`.
pub fn kind_name(mode: DistributionMode) -> &'static str {
    match mode {
        DistributionMode::SplitDistribute => "operator-list",
        DistributionMode::Union => "operator-union",
        DistributionMode::Broadcast => "broadcast",
    }
}

/// What [`super::read`] went through.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    /// Subtasks whose managed operator state was read.
    pub subtasks: u32,
    /// Entries passed to the sink.
    pub entries: u64,
}
