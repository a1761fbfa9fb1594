//! Operator layout of versions 3 to 6 (Flink 1.11 to 2.x): coordinator state, finished
//! markers, channel state; version 5+ starts each operator with its name and uid.

use std::io::Read;

use crate::io::{DecodeError, DecodeResult};
use crate::metadata::handles::StreamHandle;
use crate::metadata::model::{OperatorState, Slot, SubtaskState};

use super::Reader;
use super::common::{operator_label, read_id_and_parallelism, read_subtask};

pub(crate) fn read_operator<R: Read>(
    r: &mut Reader<R>,
    index: usize,
) -> DecodeResult<OperatorState> {
    let (name, uid) = if r.version >= 5 {
        let name = r
            .input
            .utf("operator name")
            .map_err(|e| e.with_context(format!("operator {index}")))?;
        let uid = r
            .input
            .utf("operator uid")
            .map_err(|e| e.with_context(format!("operator {index}")))?;
        (non_empty(name), non_empty(uid))
    } else {
        (None, None)
    };
    let (id, parallelism, max_parallelism) =
        read_id_and_parallelism(r).map_err(|e| e.with_context(format!("operator {index}")))?;
    let label = operator_label(index, &id, uid.as_deref());
    let with = |e: DecodeError| e.with_context(label.clone());

    let at = r.input.pos();
    let coordinator_state = r
        .stream_handle()
        .map_err(|e| with(e.with_context(Slot::Coordinator.describe())))?;
    if !matches!(coordinator_state, None | Some(StreamHandle::Inline { .. })) {
        return Err(with(r.input.err_at(
            at,
            "coordinator state as an inline handle (tag 1) or none (tag 0)",
        )));
    }
    let cat = r.input.pos();
    let n = r.input.i32("number of subtask states").map_err(with)?;
    let mut op = OperatorState {
        id,
        uid,
        name,
        parallelism,
        max_parallelism,
        coordinator_state,
        subtasks: Vec::new(),
        fully_finished: false,
    };
    if n < 0 {
        if op.coordinator_state.is_some() {
            return Err(with(r.input.err_at(
                cat,
                "no coordinator state for a fully finished operator (negative subtask count)",
            )));
        }
        op.fully_finished = true;
        return Ok(op);
    }
    let n = r
        .check_count(n, cat, 4, "number of subtask states")
        .map_err(with)?;
    op.subtasks = Reader::<R>::vec_for(n);
    for _ in 0..n {
        let idx = r.input.i32("subtask index").map_err(with)?;
        if idx < 0 {
            // A finished subtask: -(index) - 1, no state follows.
            let i = (-(i64::from(idx)) - 1) as u32;
            op.subtasks.push((
                i,
                SubtaskState {
                    finished: true,
                    ..SubtaskState::default()
                },
            ));
            continue;
        }
        let st = read_subtask(r).map_err(|e| with(e.with_context(format!("subtask {idx}"))))?;
        op.subtasks.push((idx as u32, st));
    }
    Ok(op)
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}
