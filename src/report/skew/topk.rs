//! Top-K keys of a state by bytes, entries, list length and map entries: four min-heaps of at
//! most K elements each, so memory does not grow with the state.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use bytes::Bytes;

/// Totals of one key in one state (raw key bytes; decoding is the report's business).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStat {
    pub key: Bytes,
    pub key_group: u32,
    /// Subtask whose handle held the key.
    pub subtask: u32,
    pub entries: u64,
    /// Serialized bytes (key, namespace, user key, value) over all its entries.
    pub bytes: u64,
    /// Total list elements over the key's list entries (list states; `None` if unknown).
    pub list_len: Option<u64>,
    /// Map entries (map states).
    pub map_entries: u64,
}

/// A key ranked by one score; larger score first, ties by smaller key bytes first.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranked {
    score: u64,
    stat: KeyStat,
}

impl Ord for Ranked {
    fn cmp(&self, o: &Self) -> Ordering {
        self.score
            .cmp(&o.score)
            .then_with(|| o.stat.key.cmp(&self.stat.key))
            .then_with(|| o.stat.key_group.cmp(&self.stat.key_group))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

#[derive(Debug, Clone, Default)]
struct Heap {
    k: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl Heap {
    fn push(&mut self, score: u64, stat: &KeyStat) {
        if self.k == 0 || score == 0 {
            return;
        }
        let r = Ranked {
            score,
            stat: stat.clone(),
        };
        if self.heap.len() < self.k {
            self.heap.push(Reverse(r));
        } else if self.heap.peek().is_some_and(|Reverse(min)| r > *min) {
            self.heap.pop();
            self.heap.push(Reverse(r));
        }
    }

    fn sorted(&self) -> Vec<KeyStat> {
        let mut v: Vec<Ranked> = self.heap.iter().map(|Reverse(r)| r.clone()).collect();
        v.sort_by(|a, b| b.cmp(a));
        v.into_iter().map(|r| r.stat).collect()
    }
}

/// The four rankings.
#[derive(Debug, Clone, Default)]
pub struct TopKeys {
    bytes: Heap,
    entries: Heap,
    list_len: Heap,
    map_entries: Heap,
}

impl TopKeys {
    pub fn new(k: usize) -> TopKeys {
        let h = || Heap {
            k,
            heap: BinaryHeap::new(),
        };
        TopKeys {
            bytes: h(),
            entries: h(),
            list_len: h(),
            map_entries: h(),
        }
    }

    pub fn push(&mut self, s: KeyStat) {
        self.bytes.push(s.bytes, &s);
        self.entries.push(s.entries, &s);
        if let Some(n) = s.list_len {
            self.list_len.push(n, &s);
        }
        self.map_entries.push(s.map_entries, &s);
    }

    pub fn merge(&mut self, o: TopKeys) {
        let pairs = [
            (&mut self.bytes, o.bytes),
            (&mut self.entries, o.entries),
            (&mut self.list_len, o.list_len),
            (&mut self.map_entries, o.map_entries),
        ];
        for (mine, theirs) in pairs {
            for Reverse(r) in theirs.heap {
                mine.push(r.score, &r.stat);
            }
        }
    }

    pub fn by_bytes(&self) -> Vec<KeyStat> {
        self.bytes.sorted()
    }
    pub fn by_entries(&self) -> Vec<KeyStat> {
        self.entries.sorted()
    }
    pub fn by_list_len(&self) -> Vec<KeyStat> {
        self.list_len.sorted()
    }
    pub fn by_map_entries(&self) -> Vec<KeyStat> {
        self.map_entries.sorted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(key: &str, entries: u64, bytes: u64) -> KeyStat {
        KeyStat {
            key: Bytes::copy_from_slice(key.as_bytes()),
            key_group: 0,
            subtask: 0,
            entries,
            bytes,
            list_len: None,
            map_entries: 0,
        }
    }

    #[test]
    fn keeps_the_k_largest_against_a_full_sort() {
        let mut t = TopKeys::new(3);
        let mut all = Vec::new();
        for i in 0..200u64 {
            // a scrambled but deterministic order
            let s = stat(&format!("k{i}"), (i * 37) % 101, (i * 53) % 97);
            all.push(s.clone());
            t.push(s);
        }
        let mut want: Vec<KeyStat> = all.clone();
        want.sort_by(|a, b| b.entries.cmp(&a.entries).then(a.key.cmp(&b.key)));
        assert_eq!(t.by_entries(), want[..3].to_vec());
        want.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.key.cmp(&b.key)));
        assert_eq!(t.by_bytes(), want[..3].to_vec());
        assert!(t.by_list_len().is_empty());
    }

    #[test]
    fn merge_equals_one_heap() {
        let mut a = TopKeys::new(2);
        let mut b = TopKeys::new(2);
        a.push(stat("a", 1, 10));
        a.push(stat("b", 5, 1));
        b.push(stat("c", 3, 30));
        b.push(stat("d", 9, 2));
        a.merge(b);
        let keys: Vec<_> = a.by_entries().iter().map(|s| s.key.clone()).collect();
        assert_eq!(keys, vec![Bytes::from("d"), Bytes::from("b")]);
        let keys: Vec<_> = a.by_bytes().iter().map(|s| s.key.clone()).collect();
        assert_eq!(keys, vec![Bytes::from("c"), Bytes::from("a")]);
    }
}
