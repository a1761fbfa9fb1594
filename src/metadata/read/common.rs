//! Pieces every operator layout shares: the id and parallelism fields, the subtask state
//! fields, and how an operator is named in error context.

use std::io::Read;

use crate::io::{DecodeError, DecodeResult};
use crate::metadata::model::{Slot, SubtaskState};

use super::Reader;
use super::channels::Direction;

/// OperatorID (two big-endian longs: exactly the 16 id bytes), parallelism, max parallelism.
pub(crate) fn read_id_and_parallelism<R: Read>(
    r: &mut Reader<R>,
) -> DecodeResult<([u8; 16], i32, i32)> {
    let mut id = [0u8; 16];
    r.input.read_exact_into(&mut id, "operator id")?;
    let parallelism = r.input.i32("parallelism")?;
    let max_parallelism = r.input.i32("max parallelism")?;
    Ok((id, parallelism, max_parallelism))
}

pub(crate) fn operator_label(index: usize, id: &[u8; 16], uid: Option<&str>) -> String {
    match uid {
        Some(u) => format!("operator {index} (id {}, uid {u:?})", crate::hash::hex(id)),
        None => format!("operator {index} (id {})", crate::hash::hex(id)),
    }
}

/// The subtask fields shared by all versions, then (version 3+) the channel state lists.
pub(crate) fn read_subtask<R: Read>(r: &mut Reader<R>) -> DecodeResult<SubtaskState> {
    let mut st = SubtaskState::default();
    let slot_err = |slot: Slot| move |e: DecodeError| e.with_context(slot.describe());
    if r.input.i32("managed operator state flag")? != 0 {
        st.managed_operator_state = r
            .operator_handle()
            .map_err(slot_err(Slot::ManagedOperatorState))?;
    }
    if r.input.i32("raw operator state flag")? != 0 {
        st.raw_operator_state = r
            .operator_handle()
            .map_err(slot_err(Slot::RawOperatorState))?;
    }
    st.managed_keyed_state = r
        .keyed_handle()
        .map_err(slot_err(Slot::ManagedKeyedState))?;
    st.raw_keyed_state = r.keyed_handle().map_err(slot_err(Slot::RawKeyedState))?;
    if r.version >= 3 {
        st.input_channel_state = r
            .channel_list(Direction::Input)
            .map_err(slot_err(Slot::InputChannelState))?;
        st.result_subpartition_state = r
            .channel_list(Direction::Output)
            .map_err(slot_err(Slot::ResultSubpartitionState))?;
    }
    Ok(st)
}
