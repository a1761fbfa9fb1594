//! Operator layout of version 2 (Flink 1.3 to 1.10): a legacy chain length, then subtasks each
//! led by two legacy fields; no coordinator, finished markers or channel state.

use std::io::Read;

use crate::io::DecodeResult;
use crate::metadata::model::OperatorState;

use super::Reader;
use super::common::{operator_label, read_id_and_parallelism, read_subtask};

pub(crate) fn read_operator<R: Read>(
    r: &mut Reader<R>,
    index: usize,
) -> DecodeResult<OperatorState> {
    let (id, parallelism, max_parallelism) =
        read_id_and_parallelism(r).map_err(|e| e.with_context(format!("operator {index}")))?;
    let label = operator_label(index, &id, None);
    let body = |r: &mut Reader<R>| -> DecodeResult<Vec<(u32, _)>> {
        r.input.i32("legacy chain length")?;
        let n = r.count(4 + 8 + 4, "number of subtask states")?;
        let mut subtasks = Reader::<R>::vec_for(n);
        for _ in 0..n {
            let at = r.input.pos();
            let idx = r.input.i32("subtask index")?;
            if idx < 0 {
                return Err(r
                    .input
                    .err_at(at, format!("a non-negative subtask index, found {idx}")));
            }
            let st = (|| {
                r.input.i64("legacy duration")?;
                let lat = r.input.pos();
                let legacy = r.input.i32("number of legacy states")?;
                if legacy != 0 {
                    return Err(r.input.err_at(
                        lat,
                        format!(
                            "0 legacy (Flink <= 1.1 'Checkpointed') states, found {legacy}; those are not supported"
                        ),
                    ));
                }
                read_subtask(r)
            })()
            .map_err(|e| e.with_context(format!("subtask {idx}")))?;
            subtasks.push((idx as u32, st));
        }
        Ok(subtasks)
    };
    let subtasks = body(r).map_err(|e| e.with_context(label))?;
    Ok(OperatorState {
        id,
        uid: None,
        name: None,
        parallelism,
        max_parallelism,
        coordinator_state: None,
        subtasks,
        fully_finished: false,
    })
}
