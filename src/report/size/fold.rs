//! Folding a keyed entry stream into bounded counters: per state and (subtask, key group)
//! entry and byte counts, distinct keys, and per-key aggregates handed to top-K heaps.
//!
//! Values are never decoded. The only byte inspection beyond lengths is counting list
//! elements (the `int32` count of heap lists, or element boundaries of delimited lists, see
//! [`ListElems`]).
//!
//! ## Distinct keys, with bounded memory
//!
//! A key belongs to exactly one key group, so the distinct keys of a state are the sum over
//! key groups of the distinct keys of that (state, key group). Every reader hands out the
//! entries of one (state, key group) as one contiguous run (canonical and heap files store
//! them so; RocksDB sorts by key-group prefix inside a column family). The fold therefore
//! keeps a hash map of the keys of the *current* run only (key bytes → aggregate), and closes
//! the run when the state or key group changes: its map size is added to the distinct-key
//! count and its aggregates go to the top-K heaps. Inside a run keys may repeat in any order
//! (timers are sorted by timestamp, heap maps by hash), which the map handles exactly.
//!
//! Memory is bounded by [`KEYS_PER_RUN`] keys: past it the run's map is flushed early, and a
//! key seen again afterwards is counted twice; the state is then marked `keys_exact: false`.
//! A (state, key group) run that starts a second time (a reader that does not keep runs
//! contiguous) is flagged the same way.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::io::DataInput;
use crate::keyed::{Entry, ValueLayout};
use crate::types::{self, TypeInfo};

use super::super::skew::topk::{KeyStat, TopKeys};

/// Keys held at once for one (state, key group) run before it is flushed early.
pub const KEYS_PER_RUN: usize = 1 << 18;

/// Entry and byte counts of some set of entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub entries: u64,
    /// Distinct keys (see the module doc for how they are counted).
    pub keys: u64,
    pub key_bytes: u64,
    pub namespace_bytes: u64,
    pub user_key_bytes: u64,
    pub value_bytes: u64,
}

impl Counts {
    /// Serialized bytes: key + namespace + user key + value ([`Entry::serialized_len`]).
    pub fn serialized_bytes(&self) -> u64 {
        self.key_bytes + self.namespace_bytes + self.user_key_bytes + self.value_bytes
    }

    pub fn add_entry(&mut self, e: &Entry) {
        self.entries += 1;
        self.key_bytes += e.key.len() as u64;
        self.namespace_bytes += e.namespace.len() as u64;
        self.user_key_bytes += e.user_key.as_ref().map_or(0, |u| u.len() as u64);
        self.value_bytes += e.value.len() as u64;
    }

    pub fn add(&mut self, o: &Counts) {
        self.entries += o.entries;
        self.keys += o.keys;
        self.key_bytes += o.key_bytes;
        self.namespace_bytes += o.namespace_bytes;
        self.user_key_bytes += o.user_key_bytes;
        self.value_bytes += o.value_bytes;
    }
}

/// How to count the elements of a delimited list of one state.
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
}

/// Number of list elements in a list entry; `None` when it cannot be told without a type
/// (delimited list of unknown elements) or the bytes do not parse.
pub fn list_len(e: &Entry, elems: Option<&ListElems>) -> Option<u64> {
    match e.value_layout {
        ValueLayout::CountedList => {
            let b = e.value.get(..4)?;
            let n = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            u64::try_from(n).ok()
        }
        ValueLayout::DelimitedList => {
            let len = e.value.len() as u64;
            if len == 0 {
                return Some(0);
            }
            match elems? {
                ListElems::Fixed(n) => {
                    let step = *n as u64 + 1;
                    (len + 1).is_multiple_of(step).then_some((len + 1) / step)
                }
                ListElems::Skip(t) => {
                    let name: Arc<str> = Arc::from("list value");
                    let mut d = DataInput::from_slice(&name, &e.value, 0);
                    let mut count = 0u64;
                    loop {
                        types::skip(t, &mut d).ok()?;
                        count += 1;
                        if d.rest().is_empty() {
                            return Some(count);
                        }
                        if d.u8("list delimiter").ok()? != b',' {
                            return None;
                        }
                    }
                }
            }
        }
        _ => None,
    }
}

/// Per-key totals inside one (state, key group) run.
#[derive(Debug, Clone, Copy, Default)]
struct KeyAgg {
    entries: u64,
    bytes: u64,
    list_len: Option<u64>,
    map_entries: u64,
}

/// What the fold keeps per state.
#[derive(Debug, Clone, Default)]
pub struct StateFold {
    /// `(subtask, key group)` → counts.
    pub cells: BTreeMap<(u32, u32), Counts>,
    /// False when distinct keys or per-key totals may be split (see the module doc).
    pub keys_exact: bool,
    /// Entries that are lists whose length could not be told.
    pub lists_unmeasured: u64,
    pub top: Option<TopKeys>,
    closed: HashSet<(u32, u32)>,
}

impl StateFold {
    /// A state with no entries.
    pub fn empty() -> StateFold {
        StateFold {
            keys_exact: true,
            ..StateFold::default()
        }
    }
}

/// Options of a fold.
#[derive(Debug, Clone, Default)]
pub struct FoldOptions {
    /// Keep the top K keys per state (by bytes, entries, list length, map entries).
    pub top_k: Option<usize>,
    /// Element framing of list states by state name.
    pub list_elems: HashMap<String, ListElems>,
    /// Keys held per run before an early flush (tests lower it).
    pub keys_per_run: Option<usize>,
}

/// The accumulator: feed entries with [`KeyedFold::add`], combine units with
/// [`KeyedFold::merge`], then read [`KeyedFold::states`].
#[derive(Debug, Clone)]
pub struct KeyedFold {
    opts: Arc<FoldOptions>,
    states: BTreeMap<Arc<str>, StateFold>,
    run: Option<(Arc<str>, u32, u32)>,
    keys: HashMap<Bytes, KeyAgg>,
}

impl KeyedFold {
    pub fn new(opts: Arc<FoldOptions>) -> KeyedFold {
        KeyedFold {
            opts,
            states: BTreeMap::new(),
            run: None,
            keys: HashMap::new(),
        }
    }

    pub fn add(&mut self, e: &Entry) {
        let same = matches!(&self.run, Some((s, t, g))
            if *t == e.subtask && *g == e.key_group && **s == *e.state);
        if !same {
            self.close_run();
            let st = self.state_mut(&e.state);
            if !st.closed.insert((e.subtask, e.key_group)) {
                st.keys_exact = false;
            }
            self.run = Some((e.state.clone(), e.subtask, e.key_group));
        }
        let list = match e.value_layout {
            ValueLayout::CountedList | ValueLayout::DelimitedList => {
                let n = list_len(e, self.opts.list_elems.get(&*e.state));
                if n.is_none() {
                    self.state_mut(&e.state).lists_unmeasured += 1;
                }
                n
            }
            _ => None,
        };
        self.state_mut(&e.state)
            .cells
            .entry((e.subtask, e.key_group))
            .or_default()
            .add_entry(e);
        let cap = self.opts.keys_per_run.unwrap_or(KEYS_PER_RUN);
        if !self.keys.contains_key(&e.key) && self.keys.len() >= cap {
            self.flush_keys();
            self.state_mut(&e.state).keys_exact = false;
        }
        let agg = self.keys.entry(Bytes::copy_from_slice(&e.key)).or_default();
        agg.entries += 1;
        agg.bytes += e.serialized_len();
        if let Some(n) = list {
            agg.list_len = Some(agg.list_len.unwrap_or(0) + n);
        }
        if e.value_layout == ValueLayout::MapValue {
            agg.map_entries += 1;
        }
    }

    fn state_mut(&mut self, name: &Arc<str>) -> &mut StateFold {
        let top = self.opts.top_k.map(TopKeys::new);
        self.states
            .entry(name.clone())
            .or_insert_with(|| StateFold {
                keys_exact: true,
                top,
                ..StateFold::default()
            })
    }

    fn flush_keys(&mut self) {
        let Some((state, subtask, kg)) = self.run.clone() else {
            self.keys.clear();
            return;
        };
        let keys = std::mem::take(&mut self.keys);
        let st = self.state_mut(&state);
        st.cells.entry((subtask, kg)).or_default().keys += keys.len() as u64;
        if let Some(top) = &mut st.top {
            for (key, a) in keys {
                top.push(KeyStat {
                    key,
                    key_group: kg,
                    subtask,
                    entries: a.entries,
                    bytes: a.bytes,
                    list_len: a.list_len,
                    map_entries: a.map_entries,
                });
            }
        }
    }

    fn close_run(&mut self) {
        self.flush_keys();
        self.run = None;
    }

    /// Adds another unit's fold (closing both open runs).
    pub fn merge(&mut self, mut other: KeyedFold) {
        self.close_run();
        other.close_run();
        for (name, o) in other.states {
            let st = self.state_mut(&name);
            st.keys_exact &= o.keys_exact;
            st.lists_unmeasured += o.lists_unmeasured;
            for (cell, c) in o.cells {
                st.cells.entry(cell).or_default().add(&c);
            }
            for cell in o.closed {
                if !st.closed.insert(cell) {
                    st.keys_exact = false;
                }
            }
            if let (Some(a), Some(b)) = (&mut st.top, o.top) {
                a.merge(b);
            }
        }
    }

    /// Closes the open run and gives the per-state results.
    pub fn finish(mut self) -> BTreeMap<Arc<str>, StateFold> {
        self.close_run();
        self.states
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn entry(state: &str, subtask: u32, kg: u32, key: &[u8], value: &[u8]) -> Entry {
        Entry {
            subtask,
            key_group: kg,
            state: Arc::from(state),
            key: Bytes::copy_from_slice(key),
            namespace: Bytes::from_static(&[0]),
            user_key: None,
            value: Bytes::copy_from_slice(value),
            value_layout: ValueLayout::Single,
        }
    }

    fn opts(top: Option<usize>, cap: Option<usize>) -> Arc<FoldOptions> {
        Arc::new(FoldOptions {
            top_k: top,
            keys_per_run: cap,
            ..FoldOptions::default()
        })
    }

    #[test]
    fn counts_bytes_and_distinct_keys_per_run() {
        let mut f = KeyedFold::new(opts(None, None));
        // timers-like run: keys interleave inside one key group
        for k in [b"a", b"b", b"a", b"c", b"b"] {
            f.add(&entry("t", 0, 5, k, &[0; 8]));
        }
        f.add(&entry("t", 0, 6, b"d", &[0; 8]));
        f.add(&entry("v", 0, 5, b"a", &[1, 2]));
        let s = f.finish();
        let t = &s["t"];
        assert!(t.keys_exact);
        let c5 = t.cells[&(0, 5)];
        assert_eq!((c5.entries, c5.keys), (5, 3));
        assert_eq!(c5.key_bytes, 5);
        assert_eq!(c5.namespace_bytes, 5);
        assert_eq!(c5.value_bytes, 40);
        assert_eq!(c5.serialized_bytes(), 50);
        assert_eq!(t.cells[&(0, 6)].keys, 1);
        assert_eq!(s["v"].cells[&(0, 5)].value_bytes, 2);
    }

    #[test]
    fn reopened_run_and_overflow_are_flagged() {
        let mut f = KeyedFold::new(opts(None, None));
        f.add(&entry("t", 0, 5, b"a", &[]));
        f.add(&entry("u", 0, 5, b"a", &[]));
        f.add(&entry("t", 0, 5, b"b", &[]));
        let s = f.finish();
        assert!(!s["t"].keys_exact);
        assert!(s["u"].keys_exact);

        let mut f = KeyedFold::new(opts(None, Some(2)));
        for k in [b"a", b"b", b"c", b"a"] {
            f.add(&entry("t", 0, 1, k, &[]));
        }
        let s = f.finish();
        assert!(!s["t"].keys_exact);
        assert_eq!(s["t"].cells[&(0, 1)].keys, 4); // 2 flushed + {c, a}
    }

    #[test]
    fn merge_adds_cells_of_disjoint_units() {
        let o = opts(Some(2), None);
        let mut a = KeyedFold::new(o.clone());
        let mut b = KeyedFold::new(o);
        a.add(&entry("s", 0, 1, b"x", &[0; 3]));
        b.add(&entry("s", 1, 9, b"y", &[0; 3]));
        b.add(&entry("s", 1, 9, b"y", &[0; 3]));
        a.merge(b);
        let s = a.finish();
        let st = &s["s"];
        assert!(st.keys_exact);
        assert_eq!(st.cells.len(), 2);
        let top = st.top.clone().unwrap().by_entries();
        assert_eq!(top[0].key.as_ref(), b"y");
        assert_eq!(top[0].entries, 2);
    }

    #[test]
    fn list_lengths() {
        let mut e = entry("l", 0, 0, b"k", &[]);
        e.value_layout = ValueLayout::CountedList;
        e.value = Bytes::from_static(&[0, 0, 0, 3, 9, 9]);
        assert_eq!(list_len(&e, None), Some(3));
        e.value_layout = ValueLayout::DelimitedList;
        e.value = Bytes::from(vec![1u8; 8 * 3 + 2]);
        assert_eq!(list_len(&e, None), None);
        assert_eq!(list_len(&e, Some(&ListElems::Fixed(8))), Some(3));
        assert_eq!(list_len(&e, Some(&ListElems::Fixed(7))), None);
        // variable elements: strings (StringValue: varint length + chars)
        let t = TypeInfo::Primitive {
            ty: crate::types::Prim::String,
        };
        e.value = Bytes::from_static(&[3, b'a', b'b', b',', 2, b'c']);
        assert_eq!(list_len(&e, Some(&ListElems::Skip(t))), Some(2));
    }
}
