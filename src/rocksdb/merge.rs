//! The live key/value pairs of one column family spread over several SST files: a k-way merge in
//! internal-key order (user key ascending, sequence descending) that resolves each user key the
//! way a RocksDB read would:
//!
//! * the newest `Put` wins; `Delete` / `SingleDelete` hide everything older;
//! * a range tombstone `[start, end)` with sequence `s` hides every version of a key in the range
//!   whose sequence is below `s` (tombstones of every file apply to every file);
//! * `Merge` operands newer than the winning version are combined as Flink's list state needs
//!   (RocksDB's `StringAppendTESTOperator`, name `stringappendtest`): the base value (if a `Put`
//!   is reached) followed by the operands oldest first, joined with one `,` byte.
//!
//! Memory: index and one data block per *open* file (files are opened when the merge reaches
//! their first key and dropped when exhausted), the versions of the current user key, and all
//! range tombstones of the files (Flink writes few: they come from rescaling).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use bytes::Bytes;

use super::internal_key::{InternalKey, ValueType};
use super::sst::{RangeTombstone, SstEntries, SstFile};
use crate::io::{DecodeError, DecodeResult};

/// The delimiter of `stringappendtest`.
pub const LIST_DELIMITER: u8 = b',';

struct Head {
    key: InternalKey,
    value: Bytes,
    src: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the smallest internal key first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .key
            .cmp(&self.key)
            .then_with(|| other.src.cmp(&self.src))
    }
}

struct Source {
    file: SstFile,
    entries: SstEntries,
    last: Option<InternalKey>,
    /// Entries below this user key are skipped (the start of a seek).
    skip_below: Option<Vec<u8>>,
}

/// Files whose iterator stays open after [`MergedView::with_range`] found their first key in
/// range (the others are reopened when the merge reaches that key): saves reading the index
/// block twice for the few files a key-group range usually overlaps, with bounded memory.
const KEEP_OPEN: usize = 4;

/// Iterator over the live `(user key, value)` pairs of several SST files of one column family,
/// in ascending user-key order, optionally limited to user keys in `[lower, upper)`.
///
/// Files are opened lazily: [`MergedView::with_range`] finds each file's first user key in the
/// range (one index and one data block; the first [`KEEP_OPEN`] files with keys in range stay
/// open, the others are dropped), and the iterator (index block and current data block) of a
/// dropped file is opened again only when the merge reaches that key; every iterator is
/// dropped when its file is exhausted or past `upper`. Files of one LSM level do not overlap,
/// so beyond those few, about one file per level is open at a time.
pub struct MergedView {
    files: Vec<SstFile>,
    sources: Vec<Option<Source>>,
    /// Files not opened yet: (first user key in range, file index), largest key first.
    pending: Vec<(Vec<u8>, usize)>,
    upper: Option<Vec<u8>>,
    heap: BinaryHeap<Head>,
    tombstones: Vec<RangeTombstone>,
    next_tombstone: usize,
    active: Vec<RangeTombstone>,
    done: bool,
}

impl MergedView {
    /// Every live pair of `files`; reads all range tombstones.
    pub fn new(files: &[SstFile]) -> DecodeResult<MergedView> {
        MergedView::with_range(files, None, None)
    }

    /// The live pairs with user keys in `[lower, upper)` (`None`: unbounded); reads all range
    /// tombstones and, per file, where its keys in the range start.
    pub fn with_range(
        files: &[SstFile],
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
    ) -> DecodeResult<MergedView> {
        let mut tombstones = Vec::new();
        for f in files {
            tombstones.extend(f.range_tombstones()?);
        }
        tombstones.sort_by(|a, b| a.start.cmp(&b.start));
        let mut view = MergedView {
            files: files.to_vec(),
            sources: files.iter().map(|_| None).collect(),
            pending: Vec::with_capacity(files.len()),
            upper: upper.map(<[u8]>::to_vec),
            heap: BinaryHeap::new(),
            tombstones,
            next_tombstone: 0,
            active: Vec::new(),
            done: false,
        };
        let mut kept = 0;
        for i in 0..files.len() {
            view.install(i, lower)?;
            match view.next_of(i)? {
                Some(h) if kept < KEEP_OPEN => {
                    kept += 1;
                    view.heap.push(h);
                }
                Some(h) => {
                    view.pending.push((h.key.user_key, i));
                    if let Some(slot) = view.sources.get_mut(i) {
                        *slot = None;
                    }
                }
                None => {}
            }
        }
        view.pending
            .sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        Ok(view)
    }

    /// Opens file `i` at user key `from` and pulls its first entry into the heap.
    fn open(&mut self, i: usize, from: Option<&[u8]>) -> DecodeResult<()> {
        self.install(i, from)?;
        self.refill(i)
    }

    /// Opens an iterator on file `i` at user key `from` (nothing read from it yet).
    fn install(&mut self, i: usize, from: Option<&[u8]>) -> DecodeResult<()> {
        let Some(file) = self.files.get(i) else {
            return Ok(());
        };
        let entries = match from {
            Some(k) => file.entries_from(k)?,
            None => file.entries(),
        };
        if let Some(slot) = self.sources.get_mut(i) {
            *slot = Some(Source {
                file: file.clone(),
                entries,
                last: None,
                skip_below: from.map(<[u8]>::to_vec),
            });
        }
        Ok(())
    }

    /// Opens the pending files whose first key in range is not above the smallest key in the
    /// heap (or all of them up to the first one with a key, when the heap is empty).
    fn open_due(&mut self) -> DecodeResult<()> {
        while let Some((start, _)) = self.pending.last() {
            let due = self
                .heap
                .peek()
                .is_none_or(|h| start.as_slice() <= h.key.user_key.as_slice());
            if !due {
                break;
            }
            let Some((start, i)) = self.pending.pop() else {
                break;
            };
            self.open(i, Some(&start))?;
        }
        Ok(())
    }

    /// Pulls the next entry of source `i` into the heap.
    fn refill(&mut self, i: usize) -> DecodeResult<()> {
        if let Some(h) = self.next_of(i)? {
            self.heap.push(h);
        }
        Ok(())
    }

    /// Takes the smallest entry off the heap and puts the next entry of its file in its place
    /// (one sift instead of a pop and a push).
    fn pop_refill(&mut self) -> DecodeResult<Option<Head>> {
        let Some(src) = self.heap.peek().map(|h| h.src) else {
            return Ok(None);
        };
        match self.next_of(src)? {
            Some(next) => Ok(self
                .heap
                .peek_mut()
                .map(|mut top| std::mem::replace(&mut *top, next))),
            None => Ok(self.heap.pop()),
        }
    }

    /// The next entry of source `i`, checking the file's key order; drops the source when it
    /// is exhausted or past the upper bound.
    fn next_of(&mut self, i: usize) -> DecodeResult<Option<Head>> {
        let Some(slot) = self.sources.get_mut(i) else {
            return Ok(None);
        };
        let Some(src) = slot.as_mut() else {
            return Ok(None);
        };
        let (key, value) = loop {
            let Some(next) = src.entries.next() else {
                *slot = None;
                return Ok(None);
            };
            let (key, value) = next?;
            if let Some(last) = &src.last
                && key <= *last
            {
                return Err(DecodeError::new(
                    src.file.name(),
                    0,
                    format!(
                        "keys in bytewise internal-key order, but {key:?} follows {last:?} (comparator {:?})",
                        src.file.properties().comparator_name
                    ),
                ));
            }
            match &mut src.last {
                Some(last) => {
                    last.user_key.clear();
                    last.user_key.extend_from_slice(&key.user_key);
                    last.seq = key.seq;
                    last.kind = key.kind;
                }
                None => src.last = Some(key.clone()),
            }
            if let Some(below) = &src.skip_below {
                if key.user_key.as_slice() < below.as_slice() {
                    continue;
                }
                src.skip_below = None;
            }
            break (key, value);
        };
        if self
            .upper
            .as_deref()
            .is_some_and(|u| key.user_key.as_slice() >= u)
        {
            *slot = None;
            return Ok(None);
        }
        Ok(Some(Head { key, value, src: i }))
    }

    /// The highest sequence number of a tombstone covering `user_key` (0 if none). Keys must be
    /// asked for in ascending order.
    fn covering_seq(&mut self, user_key: &[u8]) -> u64 {
        while let Some(t) = self.tombstones.get(self.next_tombstone) {
            if t.start.as_slice() > user_key {
                break;
            }
            self.active.push(t.clone());
            self.next_tombstone += 1;
        }
        self.active.retain(|t| t.end.as_slice() > user_key);
        self.active.iter().map(|t| t.seq).max().unwrap_or(0)
    }

    fn next_live(&mut self) -> DecodeResult<Option<(Vec<u8>, Bytes)>> {
        loop {
            self.open_due()?;
            let Some(first) = self.pop_refill()? else {
                return Ok(None);
            };
            let single = self
                .heap
                .peek()
                .is_none_or(|h| h.key.user_key != first.key.user_key);
            // the common case: one version, a Put, no range tombstones
            if single && first.key.kind == ValueType::Put && self.tombstones.is_empty() {
                return Ok(Some((first.key.user_key, first.value)));
            }
            let cover = if self.tombstones.is_empty() {
                0
            } else {
                self.covering_seq(&first.key.user_key)
            };
            // Versions come newest first and are resolved one by one, so a key with many
            // versions (a list built from many merge operands) holds no more than its value.
            let mut value = Resolved::default();
            let mut next = Some(first);
            let mut user_key = Vec::new();
            while let Some(v) = next.take() {
                if !value.done {
                    self.resolve(&mut value, v.key.seq < cover, &v)?;
                }
                if user_key.is_empty() {
                    user_key = v.key.user_key;
                }
                if self.heap.peek().is_some_and(|h| h.key.user_key == user_key) {
                    next = self.pop_refill()?;
                }
            }
            if let Some(v) = value.finish() {
                return Ok(Some((user_key, v)));
            }
        }
    }

    /// Applies one version (newest first) of the current user key.
    fn resolve(&self, value: &mut Resolved, covered: bool, v: &Head) -> DecodeResult<()> {
        if covered {
            value.done = true;
            return Ok(());
        }
        match v.key.kind {
            ValueType::Put => {
                value.base = Some(v.value.clone());
                value.done = true;
            }
            ValueType::Delete | ValueType::SingleDelete | ValueType::DeleteWithTimestamp => {
                value.done = true;
            }
            ValueType::Merge => value.operand(&v.value),
            other => {
                let file: Arc<str> = self
                    .files
                    .get(v.src)
                    .map(|f| f.name().clone())
                    .unwrap_or_else(|| Arc::from("?"));
                return Err(DecodeError::new(
                    &file,
                    0,
                    format!(
                        "a Put, Delete, SingleDelete or Merge record, found value type {:#x} ({other:?}) for key {:?} (not supported)",
                        other.to_byte(),
                        v.key
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The value of one user key while its versions are applied, newest first: `stringappendtest`
/// gives the base value (if a `Put` is reached) followed by the operands oldest first, joined
/// by [`LIST_DELIMITER`]. Operands arrive newest first, so they are appended byte-reversed and
/// the whole is reversed once at the end; a lone operand is kept as it is, without a copy.
#[derive(Default)]
struct Resolved {
    /// A `Put`, `Delete` or range tombstone was reached: older versions do not count.
    done: bool,
    base: Option<Bytes>,
    /// The only operand so far.
    one: Option<Bytes>,
    /// Two or more operands, byte-reversed, newest first.
    reversed: Vec<u8>,
    operands: usize,
}

impl Resolved {
    fn operand(&mut self, op: &Bytes) {
        self.operands += 1;
        match self.operands {
            1 => self.one = Some(op.clone()),
            _ => {
                if let Some(first) = self.one.take() {
                    self.reversed.extend(first.iter().rev());
                }
                self.reversed.push(LIST_DELIMITER);
                self.reversed.extend(op.iter().rev());
            }
        }
    }

    /// The resolved value, `None` when the key is deleted.
    fn finish(self) -> Option<Bytes> {
        if self.operands == 0 {
            return self.base;
        }
        let mut out = match (self.one, self.base.is_some()) {
            (Some(op), false) => return Some(op),
            (Some(op), true) => op.iter().rev().copied().collect(),
            (None, _) => self.reversed,
        };
        if let Some(b) = self.base {
            out.push(LIST_DELIMITER);
            out.extend(b.iter().rev());
        }
        out.reverse();
        Some(Bytes::from(out))
    }
}

impl Iterator for MergedView {
    type Item = DecodeResult<(Vec<u8>, Bytes)>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut done = self.done;
        let item = crate::io::fused_step(&mut done, || self.next_live());
        self.done = done;
        item
    }
}
