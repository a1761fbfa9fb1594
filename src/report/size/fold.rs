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

pub use crate::keyed::ListElems;
use crate::keyed::{Entry, ValueLayout};

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
        self.value_bytes += e.value_len();
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

/// Number of list elements in a list entry; `None` when it cannot be told without a type
/// (delimited list of unknown elements) or the bytes do not parse. A value the reader skipped
/// ([`Entry::elided`]) has the count the reader took on the stream.
pub fn list_len(e: &Entry, elems: Option<&ListElems>) -> Option<u64> {
    if !matches!(
        e.value_layout,
        ValueLayout::CountedList | ValueLayout::DelimitedList
    ) {
        return None;
    }
    if let Some(el) = e.elided {
        return el.list_elements;
    }
    match e.value_layout {
        ValueLayout::CountedList => {
            let b = e.value.get(..4)?;
            let n = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            u64::try_from(n).ok()
        }
        _ => {
            let elems = elems?;
            if let ListElems::Fixed(_) = elems {
                return elems.fixed_count(e.value.len() as u64);
            }
            let name: Arc<str> = Arc::from("list value");
            let mut d = crate::io::DataInput::from_slice(&name, &e.value, 0);
            elems.count_rest(&mut d)
        }
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

impl KeyAgg {
    fn add(&mut self, o: &KeyAgg) {
        self.entries += o.entries;
        self.bytes += o.bytes;
        if let Some(n) = o.list_len {
            self.list_len = Some(self.list_len.unwrap_or(0) + n);
        }
        self.map_entries += o.map_entries;
    }
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
    /// Values longer than this are skipped by the reader, which counts their bytes and list
    /// elements on the stream (`keyed::Filter::elide_values_above`); `None`: the reader's
    /// default (tests lower it to compare both paths).
    pub elide_values_above: Option<u64>,
}

/// The (state, subtask, key group) run being folded: its counters (added to the state's cell
/// when the run closes) and the key whose consecutive entries are being summed.
#[derive(Debug, Clone)]
struct Run {
    state: Arc<str>,
    subtask: u32,
    key_group: u32,
    counts: Counts,
    lists_unmeasured: u64,
    list_elems: Option<ListElems>,
    /// Set when the map overflowed during this run.
    split: bool,
    /// The current key (a shared slice, copied only when it goes into the map) and its totals.
    current: Option<(Bytes, KeyAgg)>,
}

impl Run {
    fn is(&self, e: &Entry) -> bool {
        self.subtask == e.subtask
            && self.key_group == e.key_group
            && (Arc::ptr_eq(&self.state, &e.state) || *self.state == *e.state)
    }
}

/// Keys of the run → index of their totals in `KeyedFold::aggs` (a compact map: its slots hold
/// a boxed key and an index, the totals sit densely in a `Vec`).
type KeyMap = HashMap<Box<[u8]>, usize, ahash::RandomState>;

/// The accumulator: feed entries with [`KeyedFold::add`], combine units with
/// [`KeyedFold::merge`], then read [`KeyedFold::states`].
#[derive(Debug, Clone)]
pub struct KeyedFold {
    opts: Arc<FoldOptions>,
    states: BTreeMap<Arc<str>, StateFold>,
    run: Option<Run>,
    keys: KeyMap,
    aggs: Vec<KeyAgg>,
}

impl KeyedFold {
    pub fn new(opts: Arc<FoldOptions>) -> KeyedFold {
        KeyedFold {
            opts,
            states: BTreeMap::new(),
            run: None,
            keys: KeyMap::default(),
            aggs: Vec::new(),
        }
    }

    pub fn add(&mut self, e: &Entry) {
        if !self.run.as_ref().is_some_and(|r| r.is(e)) {
            self.close_run();
            let st = self.state_mut(&e.state);
            if !st.closed.insert((e.subtask, e.key_group)) {
                st.keys_exact = false;
            }
            self.run = Some(Run {
                state: e.state.clone(),
                subtask: e.subtask,
                key_group: e.key_group,
                counts: Counts::default(),
                lists_unmeasured: 0,
                list_elems: self.opts.list_elems.get(&*e.state).cloned(),
                split: false,
                current: None,
            });
        }
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let list = match e.value_layout {
            ValueLayout::CountedList | ValueLayout::DelimitedList => {
                let n = list_len(e, run.list_elems.as_ref());
                if n.is_none() {
                    run.lists_unmeasured += 1;
                }
                n
            }
            _ => None,
        };
        run.counts.add_entry(e);
        let one = KeyAgg {
            entries: 1,
            bytes: e.serialized_len(),
            list_len: list,
            map_entries: (e.value_layout == ValueLayout::MapValue) as u64,
        };
        match &mut run.current {
            Some((k, agg)) if *k == e.key => agg.add(&one),
            _ => {
                let prev = run.current.replace((e.key.clone(), one));
                if let Some((k, agg)) = prev {
                    self.commit(k, agg);
                }
            }
        }
    }

    /// Adds a key's totals to the run's map (flushing it early when full).
    fn commit(&mut self, key: Bytes, agg: KeyAgg) {
        if let Some(&i) = self.keys.get(key.as_ref()) {
            if let Some(a) = self.aggs.get_mut(i) {
                a.add(&agg);
            }
            return;
        }
        let cap = self.opts.keys_per_run.unwrap_or(KEYS_PER_RUN);
        if self.keys.len() >= cap {
            self.flush_keys();
            if let Some(r) = self.run.as_mut() {
                r.split = true;
            }
        }
        self.keys.insert(Box::from(key.as_ref()), self.aggs.len());
        self.aggs.push(agg);
    }

    fn state_mut(&mut self, name: &Arc<str>) -> &mut StateFold {
        if !self.states.contains_key(name) {
            let top = self.opts.top_k.map(TopKeys::new);
            self.states.insert(
                name.clone(),
                StateFold {
                    keys_exact: true,
                    top,
                    ..StateFold::default()
                },
            );
        }
        self.states.entry(name.clone()).or_default()
    }

    fn flush_keys(&mut self) {
        let Some(run) = self.run.as_ref() else {
            self.keys.clear();
            self.aggs.clear();
            return;
        };
        let (state, subtask, kg) = (run.state.clone(), run.subtask, run.key_group);
        let keys = std::mem::take(&mut self.keys);
        let aggs = std::mem::take(&mut self.aggs);
        let st = self.state_mut(&state);
        st.cells.entry((subtask, kg)).or_default().keys += keys.len() as u64;
        match &mut st.top {
            Some(top) => {
                for (key, i) in keys {
                    let Some(a) = aggs.get(i) else { continue };
                    top.push(KeyStat {
                        key: Bytes::from(key.into_vec()),
                        key_group: kg,
                        subtask,
                        entries: a.entries,
                        bytes: a.bytes,
                        list_len: a.list_len,
                        map_entries: a.map_entries,
                    });
                }
            }
            None => drop(keys),
        }
        // the map's memory goes with it: folds of finished units wait for their merge, so
        // none of them should keep the capacity of its largest key group
    }

    fn close_run(&mut self) {
        let current = self.run.as_mut().and_then(|r| r.current.take());
        if let Some((k, agg)) = current {
            self.commit(k, agg);
        }
        self.flush_keys();
        if let Some(run) = self.run.take() {
            let st = self.state_mut(&run.state);
            st.cells
                .entry((run.subtask, run.key_group))
                .or_default()
                .add(&run.counts);
            st.lists_unmeasured += run.lists_unmeasured;
            if run.split {
                st.keys_exact = false;
            }
        }
    }

    /// Closes the open run (its key map is freed); call when a unit's entries end, so a fold
    /// waiting for its merge holds no map.
    pub fn close(&mut self) {
        self.close_run();
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
    use crate::types::TypeInfo;

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
            elided: None,
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
