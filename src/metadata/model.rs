//! What a `_metadata` file says: the snapshot, its operators, their subtasks' state handles.

use serde::Serialize;

use super::handles::{FileRef, KeyedHandle, StreamHandle};
use super::operator_handles::{ChannelHandle, OperatorHandle};
use super::serde_hex;
use super::trailer::CheckpointProperties;

/// A decoded `_metadata` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The format version from the header (2 to 6).
    pub metadata_version: u32,
    pub checkpoint_id: i64,
    pub master_states: Vec<MasterState>,
    /// In file order, which is Flink's hash-map order and carries no meaning.
    pub operators: Vec<OperatorState>,
    /// The Java-serialized trailer of version 4 and later; `None` for versions 2 and 3, and
    /// when the trailer holds a Java `null` (savepoints written by the State Processor API).
    pub properties: Option<CheckpointProperties>,
}

/// State of a `MasterTriggerRestoreHook` (rare; opaque bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MasterState {
    pub version: i32,
    pub name: String,
    #[serde(serialize_with = "serde_hex::bytes")]
    pub payload: Vec<u8>,
}

/// The state of one operator (one `OperatorID`) across its subtasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorState {
    /// The 16 bytes of the OperatorID exactly as stored (the hash bytes, in order).
    #[serde(serialize_with = "serde_hex::id")]
    pub id: [u8; 16],
    /// User-set uid (version 5+, `None` when the file stores an empty string).
    pub uid: Option<String>,
    /// Operator name (version 5+, `None` when empty).
    pub name: Option<String>,
    pub parallelism: i32,
    pub max_parallelism: i32,
    /// Operator-coordinator state (version 3+; always inline or none).
    pub coordinator_state: Option<StreamHandle>,
    /// Subtasks with state, as `(subtask index, state)` in file order. Subtasks without any
    /// state are not stored.
    pub subtasks: Vec<(u32, SubtaskState)>,
    /// The operator finished on all subtasks before the snapshot (version 3+, Flink 1.14+).
    pub fully_finished: bool,
}

impl OperatorState {
    /// The OperatorID as Flink prints it: 32 lowercase hex digits.
    pub fn id_hex(&self) -> String {
        crate::hash::hex(&self.id)
    }

    pub fn subtask(&self, index: u32) -> Option<&SubtaskState> {
        self.subtasks
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, s)| s)
    }

    /// Sum of the full state sizes of all handles of this operator.
    pub fn state_size(&self) -> u64 {
        let coord = self
            .coordinator_state
            .as_ref()
            .map_or(0, StreamHandle::state_size);
        coord
            + self
                .subtasks
                .iter()
                .map(|(_, s)| s.state_size())
                .sum::<u64>()
    }
}

/// The state one subtask reported. A subtask that had finished is stored with no handles and
/// `finished` set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SubtaskState {
    pub finished: bool,
    pub managed_operator_state: Option<OperatorHandle>,
    pub raw_operator_state: Option<OperatorHandle>,
    pub managed_keyed_state: Option<KeyedHandle>,
    pub raw_keyed_state: Option<KeyedHandle>,
    pub input_channel_state: Vec<ChannelHandle>,
    pub result_subpartition_state: Vec<ChannelHandle>,
}

/// Which field of a subtask (or operator) a handle sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Coordinator,
    ManagedOperatorState,
    RawOperatorState,
    ManagedKeyedState,
    RawKeyedState,
    InputChannelState,
    ResultSubpartitionState,
}

impl Slot {
    pub fn describe(self) -> &'static str {
        match self {
            Slot::Coordinator => "coordinator state",
            Slot::ManagedOperatorState => "managed operator state",
            Slot::RawOperatorState => "raw operator state",
            Slot::ManagedKeyedState => "managed keyed state",
            Slot::RawKeyedState => "raw keyed state",
            Slot::InputChannelState => "input channel state",
            Slot::ResultSubpartitionState => "result subpartition state",
        }
    }
}

impl SubtaskState {
    pub fn state_size(&self) -> u64 {
        let op = [&self.managed_operator_state, &self.raw_operator_state]
            .into_iter()
            .flatten()
            .map(OperatorHandle::state_size)
            .sum::<u64>();
        let keyed = [&self.managed_keyed_state, &self.raw_keyed_state]
            .into_iter()
            .flatten()
            .map(KeyedHandle::state_size)
            .sum::<u64>();
        let channels = self
            .input_channel_state
            .iter()
            .chain(&self.result_subpartition_state)
            .map(ChannelHandle::state_size)
            .sum::<u64>();
        op + keyed + channels
    }

    /// Every file (or inline blob) this subtask's handles reference, with the slot it is in.
    pub fn file_refs(&self) -> Vec<(Slot, FileRef)> {
        let mut out = Vec::new();
        let mut add = |slot: Slot, f: &dyn Fn(&mut Vec<FileRef>)| {
            let mut files = Vec::new();
            f(&mut files);
            out.extend(files.into_iter().map(|r| (slot, r)));
        };
        if let Some(h) = &self.managed_operator_state {
            add(Slot::ManagedOperatorState, &|v| h.push_files(v));
        }
        if let Some(h) = &self.raw_operator_state {
            add(Slot::RawOperatorState, &|v| h.push_files(v));
        }
        if let Some(h) = &self.managed_keyed_state {
            add(Slot::ManagedKeyedState, &|v| h.push_files(v));
        }
        if let Some(h) = &self.raw_keyed_state {
            add(Slot::RawKeyedState, &|v| h.push_files(v));
        }
        for h in &self.input_channel_state {
            add(Slot::InputChannelState, &|v| h.push_files(v));
        }
        for h in &self.result_subpartition_state {
            add(Slot::ResultSubpartitionState, &|v| h.push_files(v));
        }
        out
    }
}

/// A file reference with where in the snapshot it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocatedFileRef {
    /// Index into [`Snapshot::operators`].
    pub operator: usize,
    /// `None` for the coordinator state.
    pub subtask: Option<u32>,
    pub slot: Slot,
    pub file: FileRef,
}

impl Snapshot {
    /// Every file or inline blob referenced by any handle, in file order. The same shared file
    /// may appear several times (once per handle that references it).
    pub fn file_refs(&self) -> Vec<LocatedFileRef> {
        let mut out = Vec::new();
        for (oi, op) in self.operators.iter().enumerate() {
            if let Some(c) = &op.coordinator_state {
                let mut files = Vec::new();
                c.push_files(false, &mut files);
                out.extend(files.into_iter().map(|file| LocatedFileRef {
                    operator: oi,
                    subtask: None,
                    slot: Slot::Coordinator,
                    file,
                }));
            }
            for (si, st) in &op.subtasks {
                out.extend(
                    st.file_refs()
                        .into_iter()
                        .map(|(slot, file)| LocatedFileRef {
                            operator: oi,
                            subtask: Some(*si),
                            slot,
                            file,
                        }),
                );
            }
        }
        out
    }

    /// Sum of the full state sizes of every handle.
    pub fn state_size(&self) -> u64 {
        self.operators.iter().map(OperatorState::state_size).sum()
    }

    pub fn operator_by_uid(&self, uid: &str) -> Option<&OperatorState> {
        self.operators
            .iter()
            .find(|o| o.uid.as_deref() == Some(uid))
    }

    pub fn operator_by_id(&self, id: &[u8; 16]) -> Option<&OperatorState> {
        self.operators.iter().find(|o| &o.id == id)
    }
}
