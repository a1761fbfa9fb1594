//! The heap-backend checkpoint format (HashMap backend checkpoints and native savepoints, heap
//! savepoints of Flink <= 1.12): per key group the raw key-group number, then one record per
//! registered state with its entries back to back, without lengths. Entries are delimited by
//! skipping each part with its serializer. Layout: `formats/heap-checkpoint.md`.

use std::io::Read;
use std::ops::ControlFlow;

use bytes::Bytes;

use super::entry::Entry;
use super::states::{FileStates, KeyGroupRead, StateInfo, missing_type};
use crate::io::{DataInput, DecodeResult};
use crate::types::{TypeInfo, skip};

/// Reads the raw `int32` key-group number that opens every heap key group and checks it.
pub(crate) fn read_key_group_number<R: Read>(d: &mut DataInput<R>, kg: u32) -> DecodeResult<()> {
    let at = d.pos();
    let got = d.i32("key-group number")?;
    if got as i64 != kg as i64 {
        return Err(d.err_at(
            at,
            format!("key-group number {kg} at the key group's offset, found {got}"),
        ));
    }
    Ok(())
}

/// Consumes one value of `t`, returning its bytes.
fn capture<R: Read>(d: &mut DataInput<R>, t: &TypeInfo) -> DecodeResult<Bytes> {
    d.start_capture();
    let r = skip(t, d);
    let b = d.take_capture();
    r?;
    Ok(Bytes::from(b))
}

fn count<R: Read>(d: &mut DataInput<R>, what: &str) -> DecodeResult<u64> {
    let at = d.pos();
    let n = d.i32(what)?;
    if n < 0 {
        return Err(d.err_at(at, format!("{what}: a non-negative count, found {n}")));
    }
    if let Some(rem) = d.remaining()
        && n as u64 > rem
    {
        return Err(d.err_at(
            at,
            format!("{what}: a count within the {rem} bytes that remain, found {n}"),
        ));
    }
    Ok(n as u64)
}

/// Reads the state records of one key group (after its number; decompressed if needed).
pub(crate) fn read_key_group_body<R: Read>(
    d: &mut DataInput<R>,
    states: &FileStates,
    kg: u32,
    subtask: u32,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> DecodeResult<KeyGroupRead> {
    let mut out = KeyGroupRead::default();
    for _ in 0..states.states.len() {
        let id_at = d.pos();
        let id = d.i16("state id")?;
        let st = states.get(id as u16, d, id_at)?;
        let n = count(d, "entry count")?;
        let read = if st.timer {
            timers(d, states, st, n, kg, subtask, sink)
        } else {
            kv_entries(d, states, st, n, kg, subtask, sink)
        }
        .map_err(|e| e.with_context(format!("state '{}'", st.name)))?;
        out.entries += read.entries;
        if read.stopped {
            out.stopped = true;
            return Ok(out);
        }
    }
    Ok(out)
}

fn emit(
    entry: Entry,
    out: &mut KeyGroupRead,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> bool {
    out.entries += 1;
    if sink(&entry).is_break() {
        out.stopped = true;
    }
    out.stopped
}

fn timers<R: Read>(
    d: &mut DataInput<R>,
    states: &FileStates,
    st: &StateInfo,
    n: u64,
    kg: u32,
    subtask: u32,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> DecodeResult<KeyGroupRead> {
    let mut out = KeyGroupRead::default();
    let Some(TypeInfo::Timer { key, namespace }) = &st.value else {
        return Err(missing_type(d, &st.name, "timer element"));
    };
    for _ in 0..n {
        d.start_capture();
        let r = d.skip(8, "timer timestamp");
        let ts = d.take_capture();
        r?;
        let k = capture(d, key)?;
        let ns = capture(d, namespace)?;
        if st.selected && states.key_matches(&k) {
            let e = Entry {
                subtask,
                key_group: kg,
                state: st.name.clone(),
                key: k,
                namespace: ns,
                user_key: None,
                value: Bytes::from(ts),
                value_layout: st.heap_layout,
                elided: None,
            };
            if emit(e, &mut out, sink) {
                break;
            }
        }
    }
    Ok(out)
}

fn kv_entries<R: Read>(
    d: &mut DataInput<R>,
    states: &FileStates,
    st: &StateInfo,
    n: u64,
    kg: u32,
    subtask: u32,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> DecodeResult<KeyGroupRead> {
    let mut out = KeyGroupRead::default();
    let Some(ns_t) = &st.namespace else {
        return Err(missing_type(d, &st.name, "namespace"));
    };
    let Some(v_t) = &st.value else {
        return Err(missing_type(d, &st.name, "value"));
    };
    let key_t = states.key_type().clone();
    for _ in 0..n {
        if !st.selected {
            skip(ns_t, d)?;
            skip(&key_t, d)?;
            skip(v_t, d)?;
            continue;
        }
        let ns = capture(d, ns_t)?;
        let key = capture(d, &key_t)?;
        let wanted = states.key_matches(&key);
        if !wanted {
            skip(v_t, d)?;
            continue;
        }
        match (st.map, v_t) {
            (
                true,
                TypeInfo::Map {
                    key: uk_t,
                    value: uv_t,
                },
            ) => {
                let m = count(d, "map size")?;
                for _ in 0..m {
                    let uk = capture(d, uk_t)?;
                    d.start_capture();
                    let r = (|| {
                        if !d.bool("map value null flag")? {
                            skip(uv_t, d)?;
                        }
                        Ok(())
                    })();
                    let v = d.take_capture();
                    r?;
                    if out.stopped {
                        continue; // keep the stream aligned
                    }
                    let e = Entry {
                        subtask,
                        key_group: kg,
                        state: st.name.clone(),
                        key: key.clone(),
                        namespace: ns.clone(),
                        user_key: Some(uk),
                        value: Bytes::from(v),
                        value_layout: st.heap_layout,
                        elided: None,
                    };
                    emit(e, &mut out, sink);
                }
            }
            _ => {
                let v = capture(d, v_t)?;
                let e = Entry {
                    subtask,
                    key_group: kg,
                    state: st.name.clone(),
                    key,
                    namespace: ns,
                    user_key: None,
                    value: v,
                    value_layout: st.heap_layout,
                    elided: None,
                };
                emit(e, &mut out, sink);
            }
        }
        if out.stopped {
            break;
        }
    }
    Ok(out)
}
