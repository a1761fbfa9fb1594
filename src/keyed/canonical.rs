//! The canonical ("unified") full-snapshot format: key groups at the offsets `_metadata`
//! records, each a run of `(kvStateId, (key, value)*)` blocks ended by `0xFFFF`, optionally
//! one Snappy frame stream per key group. Layout: `formats/keyed-canonical.md`.

use std::io::Read;
use std::ops::ControlFlow;

use bytes::Bytes;

use super::entry::Entry;
use super::states::{FileStates, KeyGroupRead};
use crate::io::{DataInput, DecodeResult};

const FIRST_BIT: u8 = 0x80;
const END_OF_KEY_GROUP: u16 = 0xFFFF;

/// Reads one key group from `d` (positioned at its first byte, decompressed if needed),
/// handing every selected entry to `sink`.
pub(crate) fn read_key_group<R: Read>(
    d: &mut DataInput<R>,
    states: &FileStates,
    kg: u32,
    subtask: u32,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> DecodeResult<KeyGroupRead> {
    let mut out = KeyGroupRead::default();
    let mut id_at = d.pos();
    let mut id = d.u16("kvStateId of the key group's first state")?;
    if id == END_OF_KEY_GROUP {
        return Ok(out);
    }
    loop {
        let st = states.get(id, d, id_at)?;
        let key_at = d.pos();
        let (key, last) = if st.selected {
            let mut key = d.int_len_bytes("composite key")?;
            let last = key.first().is_some_and(|b| b & FIRST_BIT != 0);
            if let Some(b) = key.first_mut() {
                *b &= !FIRST_BIT;
            }
            (Some((Bytes::from(key), key_at + 4)), last)
        } else {
            // not wanted: read only the flag byte
            let len = d.i32("composite key length")?;
            let len = d.check_len(len as i64, key_at, "composite key length")?;
            let mut last = false;
            if len > 0 {
                last = d.u8("composite key first byte")? & FIRST_BIT != 0;
                d.skip(len - 1, "composite key")?;
            }
            (None, last)
        };
        let value_at = d.pos();
        match key {
            Some((key, at)) if st.key_may_match(&key) => {
                let value = Bytes::from(d.int_len_bytes("state value")?);
                let layout = st.layout(d)?;
                let sp = layout.split(d.file(), &key, at)?;
                if sp.key_group != kg {
                    return Err(
                        d.err_at(at, format!("key-group prefix {kg}, found {}", sp.key_group))
                    );
                }
                let key_bytes = key.slice(sp.key.clone());
                if states.key_matches(&key_bytes) {
                    let timer = st.timer;
                    let entry = Entry {
                        subtask,
                        key_group: kg,
                        state: st.name.clone(),
                        key: key_bytes,
                        namespace: key.slice(sp.namespace.clone()),
                        user_key: if timer {
                            None
                        } else {
                            sp.extra.clone().map(|r| key.slice(r))
                        },
                        value: if timer {
                            sp.extra.map_or_else(Bytes::new, |r| key.slice(r))
                        } else {
                            value
                        },
                        value_layout: st.canonical_layout,
                    };
                    out.entries += 1;
                    if sink(&entry).is_break() {
                        out.stopped = true;
                        return Ok(out);
                    }
                }
            }
            _ => {
                let len = d.i32("state value length")?;
                let len = d.check_len(len as i64, value_at, "state value length")?;
                d.skip(len, "state value")?;
            }
        }
        if last {
            let next_at = d.pos();
            let next = d.u16("next kvStateId or end-of-key-group mark 0xFFFF")?;
            if next == END_OF_KEY_GROUP {
                return Ok(out);
            }
            id = next;
            id_at = next_at;
        }
    }
}
