//! The canonical ("unified") full-snapshot format: key groups at the offsets `_metadata`
//! records, each a run of `(kvStateId, (key, value)*)` blocks ended by `0xFFFF`, optionally
//! one Snappy frame stream per key group. Layout: `formats/keyed-canonical.md`.

use std::ops::ControlFlow;

use bytes::Bytes;

use super::composite::{KeyLayout, Split};
use super::entry::{Elided, Entry, ListElems, ValueLayout};
use super::header::{KeyedHeader, StateKind};
use super::states::{FileStates, KeyGroupRead};
use crate::io::{ChunkedRead, DataInput, DecodeResult};

const FIRST_BIT: u8 = 0x80;
const END_OF_KEY_GROUP: u16 = 0xFFFF;

/// Skipping long values instead of reading them (`Filter::elide_values_above`): the
/// threshold, and how to count the elements of each state's list values (by `kvStateId`).
pub(crate) struct Elide {
    above: u64,
    lists: Vec<Option<ListElems>>,
}

impl Elide {
    pub(crate) fn new(header: &KeyedHeader, above: u64) -> Elide {
        let lists = header
            .states
            .iter()
            .map(|s| {
                if s.kind != StateKind::List {
                    return None;
                }
                let t = s.entry_types();
                t.value.as_ref().map(|v| ListElems::for_type(v, t.ttl))
            })
            .collect();
        Elide { above, lists }
    }

    /// Skips the `len` value bytes at `d`, counting list elements on the way when the state
    /// holds delimited lists of a known element type.
    fn skip<R: ChunkedRead>(
        &self,
        d: &mut DataInput<R>,
        id: u16,
        layout: ValueLayout,
        len: u64,
    ) -> DecodeResult<Elided> {
        let elems = match layout {
            ValueLayout::DelimitedList => self.lists.get(id as usize).and_then(Option::as_ref),
            _ => None,
        };
        let start = d.pos();
        let list_elements = match elems {
            Some(e @ ListElems::Skip(_)) => d.within(len, |s| e.count_rest(s)),
            Some(e) => e.fixed_count(len),
            None => None,
        };
        let left = (start + len).saturating_sub(d.pos());
        d.skip_chunked(left, "state value")?;
        Ok(Elided { len, list_elements })
    }
}

/// The last key-value composite key split: consecutive entries of one key and namespace
/// (the elements of a map) share everything up to the user key, and splitting that part again
/// would give the same ranges, since a split reads nothing past it.
#[derive(Default)]
struct LastSplit {
    state: Option<u16>,
    /// The composite key's bytes up to the user key (map) or all of them, flag bit cleared.
    head: Vec<u8>,
    split: Option<Split>,
}

impl LastSplit {
    fn remember(&mut self, id: u16, layout: &KeyLayout, plain: &[u8], sp: &Split) {
        let KeyLayout::Kv { map, .. } = layout else {
            self.state = None;
            return;
        };
        let end = if *map {
            sp.extra.as_ref().map_or(plain.len(), |r| r.start)
        } else {
            plain.len()
        };
        self.head.clear();
        self.head
            .extend_from_slice(plain.get(..end).unwrap_or(plain));
        self.state = Some(id);
        self.split = Some(sp.clone());
    }

    /// The split of `key` (flag bit possibly set) when it starts with the remembered head.
    fn reuse(&self, id: u16, layout: &KeyLayout, key: &[u8]) -> Option<Split> {
        let KeyLayout::Kv { map, .. } = layout else {
            return None;
        };
        let sp = self.split.as_ref()?;
        let n = self.head.len();
        if self.state != Some(id) || n == 0 || key.len() < n || (!map && key.len() != n) {
            return None;
        }
        let (first, rest) = key.split_first()?;
        if first & !FIRST_BIT != self.head[0] || rest.get(..n - 1)? != &self.head[1..] {
            return None;
        }
        Some(Split {
            key_group: sp.key_group,
            key: sp.key.clone(),
            namespace: sp.namespace.clone(),
            extra: map.then(|| n..key.len()),
        })
    }
}

/// Reads one key group from `d` (positioned at its first byte, decompressed if needed),
/// handing every selected entry to `sink`. Keys and values are shared slices of the reader's
/// chunks where they lie in one (no copy); with `elide`, long values are skipped.
pub(crate) fn read_key_group<R: ChunkedRead>(
    d: &mut DataInput<R>,
    states: &FileStates,
    elide: Option<&Elide>,
    kg: u32,
    subtask: u32,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> DecodeResult<KeyGroupRead> {
    let mut out = KeyGroupRead::default();
    // the composite key with its flag bit cleared, for splitting (the parts handed out never
    // include the flagged first byte: it is the key-group prefix)
    let mut plain = Vec::new();
    let mut last_split = LastSplit::default();
    let mut id_at = d.pos();
    let mut id = d.fast_u16("kvStateId of the key group's first state")?;
    if id == END_OF_KEY_GROUP {
        return Ok(out);
    }
    loop {
        let st = states.get(id, d, id_at)?;
        let key_at = d.pos();
        let (key, last) = if st.selected {
            let key = d.int_len_shared("composite key")?;
            let last = key.first().is_some_and(|b| b & FIRST_BIT != 0);
            (Some((key, key_at + 4)), last)
        } else {
            // not wanted: read only the flag byte
            let len = d.fast_i32("composite key length")?;
            let len = d.check_len(len as i64, key_at, "composite key length")?;
            let mut last = false;
            if len > 0 {
                last = d.fast_u8("composite key first byte")? & FIRST_BIT != 0;
                d.skip_chunked(len - 1, "composite key")?;
            }
            (None, last)
        };
        let value_at = d.pos();
        match key {
            Some((key, at)) if st.key_may_match(&key) => {
                let len = d.fast_i32("state value")?;
                let len = d.check_len(len as i64, value_at, "state value")?;
                let (value, elided) = match elide {
                    Some(e) if len > e.above => {
                        (Bytes::new(), Some(e.skip(d, id, st.canonical_layout, len)?))
                    }
                    _ => (d.shared_bytes(len, "state value")?, None),
                };
                let layout = st.layout(d)?;
                let sp = match last_split.reuse(id, layout, &key) {
                    Some(sp) => sp,
                    None => {
                        plain.clear();
                        plain.extend_from_slice(&key);
                        if let Some(b) = plain.first_mut() {
                            *b &= !FIRST_BIT;
                        }
                        let sp = layout.split(d.file(), &plain, at)?;
                        last_split.remember(id, layout, &plain, &sp);
                        sp
                    }
                };
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
                        elided: if timer { None } else { elided },
                    };
                    out.entries += 1;
                    if sink(&entry).is_break() {
                        out.stopped = true;
                        return Ok(out);
                    }
                }
            }
            _ => {
                let len = d.fast_i32("state value length")?;
                let len = d.check_len(len as i64, value_at, "state value length")?;
                d.skip_chunked(len, "state value")?;
            }
        }
        if last {
            let next_at = d.pos();
            let next = d.fast_u16("next kvStateId or end-of-key-group mark 0xFFFF")?;
            if next == END_OF_KEY_GROUP {
                return Ok(out);
            }
            id = next;
            id_at = next_at;
        }
    }
}
