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
//! Memory: one data block per file, the versions of the current user key, and all range
//! tombstones of the files (Flink writes few: they come from rescaling).

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
}

/// Iterator over the live `(user key, value)` pairs of several SST files of one column family,
/// in ascending user-key order.
pub struct MergedView {
    sources: Vec<Source>,
    heap: BinaryHeap<Head>,
    tombstones: Vec<RangeTombstone>,
    next_tombstone: usize,
    active: Vec<RangeTombstone>,
    done: bool,
}

impl MergedView {
    /// Opens an entry iterator on every file and reads all range tombstones.
    pub fn new(files: &[SstFile]) -> DecodeResult<MergedView> {
        let mut tombstones = Vec::new();
        let mut sources = Vec::with_capacity(files.len());
        for f in files {
            tombstones.extend(f.range_tombstones()?);
            sources.push(Source {
                file: f.clone(),
                entries: f.entries(),
                last: None,
            });
        }
        tombstones.sort_by(|a, b| a.start.cmp(&b.start));
        let mut view = MergedView {
            sources,
            heap: BinaryHeap::new(),
            tombstones,
            next_tombstone: 0,
            active: Vec::new(),
            done: false,
        };
        for i in 0..view.sources.len() {
            view.refill(i)?;
        }
        Ok(view)
    }

    /// Pulls the next entry of source `i` into the heap, checking the file's key order.
    fn refill(&mut self, i: usize) -> DecodeResult<()> {
        let Some(src) = self.sources.get_mut(i) else {
            return Ok(());
        };
        let Some(next) = src.entries.next() else {
            return Ok(());
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
        src.last = Some(key.clone());
        self.heap.push(Head { key, value, src: i });
        Ok(())
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
            let Some(first) = self.heap.pop() else {
                return Ok(None);
            };
            self.refill(first.src)?;
            let user_key = first.key.user_key.clone();
            let mut versions = vec![first];
            while self.heap.peek().is_some_and(|h| h.key.user_key == user_key) {
                if let Some(h) = self.heap.pop() {
                    self.refill(h.src)?;
                    versions.push(h);
                }
            }
            let cover = self.covering_seq(&user_key);
            let mut operands: Vec<Bytes> = Vec::new();
            let mut base: Option<Bytes> = None;
            for v in versions {
                if v.key.seq < cover {
                    break;
                }
                match v.key.kind {
                    ValueType::Put => {
                        base = Some(v.value);
                        break;
                    }
                    ValueType::Delete
                    | ValueType::SingleDelete
                    | ValueType::DeleteWithTimestamp => {
                        break;
                    }
                    ValueType::Merge => operands.push(v.value),
                    other => {
                        let file: Arc<str> = self
                            .sources
                            .get(v.src)
                            .map(|s| s.file.name().clone())
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
            }
            if operands.is_empty() {
                match base {
                    Some(b) => return Ok(Some((user_key, b))),
                    None => continue,
                }
            }
            let mut out = Vec::new();
            if let Some(b) = base {
                out.extend_from_slice(&b);
                out.push(LIST_DELIMITER);
            }
            for (i, op) in operands.iter().rev().enumerate() {
                if i > 0 {
                    out.push(LIST_DELIMITER);
                }
                out.extend_from_slice(op);
            }
            return Ok(Some((user_key, Bytes::from(out))));
        }
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
