//! Operator-state handles (tags 4 and 17) and unaligned-checkpoint channel handles.

use serde::Serialize;

use super::handles::{FileRef, StreamHandle};

/// How an operator state's list is redistributed on restore (`OperatorStateHandle.Mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DistributionMode {
    /// Ordinal 0: `ListState`, elements split among subtasks.
    SplitDistribute,
    /// Ordinal 1: union list state, every subtask gets all elements.
    Union,
    /// Ordinal 2: broadcast state.
    Broadcast,
}

impl DistributionMode {
    pub fn from_ordinal(o: i8) -> Option<Self> {
        match o {
            0 => Some(DistributionMode::SplitDistribute),
            1 => Some(DistributionMode::Union),
            2 => Some(DistributionMode::Broadcast),
            _ => None,
        }
    }
}

/// One named operator state inside an operator-state stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedOperatorState {
    pub name: String,
    pub mode: DistributionMode,
    /// Start of each list element partition inside the delegate's bytes (for a segment,
    /// relative to the segment start).
    pub offsets: Vec<i64>,
}

/// Directories recorded by a file-merging operator handle (tag 17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileMergingDirs {
    pub task_owned_dir: String,
    pub shared_dir: String,
    /// `EmptyFileMergingOperatorStreamStateHandle` when true.
    pub is_empty: bool,
}

/// Tag 4 `OperatorStreamStateHandle`, or tag 17 (file merging, `merging` set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorHandle {
    /// In file order (Flink wrote them from a hash map; the order carries no meaning).
    pub states: Vec<NamedOperatorState>,
    pub merging: Option<FileMergingDirs>,
    pub delegate: Option<StreamHandle>,
}

impl OperatorHandle {
    pub fn tag(&self) -> u8 {
        if self.merging.is_some() { 17 } else { 4 }
    }

    pub fn state(&self, name: &str) -> Option<&NamedOperatorState> {
        self.states.iter().find(|s| s.name == name)
    }

    pub fn state_size(&self) -> u64 {
        self.delegate.as_ref().map_or(0, StreamHandle::state_size)
    }

    pub fn push_files(&self, out: &mut Vec<FileRef>) {
        if let Some(d) = &self.delegate {
            d.push_files(false, out);
        }
    }
}

/// Which channel a channel-state handle covers: for input channels `(gate, channel)`, for
/// result subpartitions `(partition, subpartition)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChannelInfo {
    pub gate_or_partition: i32,
    pub channel_or_subpartition: i32,
}

/// The in-flight data of one channel: positions of its chunks in the delegate stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelContent {
    pub info: ChannelInfo,
    pub offsets: Vec<i64>,
    pub state_size: i64,
}

/// An unaligned-checkpoint channel handle (input channel or result subpartition; which one
/// is given by the list it sits in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "handle", rename_all = "snake_case")]
pub enum ChannelHandle {
    /// One channel (V3-V5 untagged, V6 tags 1 and 2).
    Single {
        subtask_index: i32,
        content: ChannelContent,
        delegate: Option<StreamHandle>,
    },
    /// All channels of one subtask that share a delegate (V6 tags 3 and 4).
    Merged {
        subtask_index: i32,
        state_size: i64,
        delegate: Option<StreamHandle>,
        channels: Vec<ChannelContent>,
    },
}

impl ChannelHandle {
    pub fn delegate(&self) -> Option<&StreamHandle> {
        match self {
            ChannelHandle::Single { delegate, .. } | ChannelHandle::Merged { delegate, .. } => {
                delegate.as_ref()
            }
        }
    }

    pub fn state_size(&self) -> u64 {
        let s = match self {
            ChannelHandle::Single { content, .. } => content.state_size,
            ChannelHandle::Merged { state_size, .. } => *state_size,
        };
        s.max(0) as u64
    }

    pub fn push_files(&self, out: &mut Vec<FileRef>) {
        if let Some(d) = self.delegate() {
            d.push_files(false, out);
        }
    }
}
