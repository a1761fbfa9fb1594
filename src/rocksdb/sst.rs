//! One SST file: footer, metaindex, properties, index, and a block-by-block entry iterator.

use std::sync::Arc;

use bytes::Bytes;

use super::block::{BlockIter, ValueFormat, read_block};
use super::coding::Cursor;
use super::footer::{BlockHandle, Footer};
use super::internal_key::{InternalKey, ValueType};
use super::properties::TableProperties;
use crate::io::{DecodeError, DecodeResult, ReadAt};

const PROPERTIES_BLOCK: &str = "rocksdb.properties";
const PROPERTIES_BLOCK_OLD: &str = "rocksdb.stats";
const RANGE_DEL_BLOCK: &str = "rocksdb.range_del";
const INDEX_BLOCK: &str = "rocksdb.index";

/// Index type values of the `rocksdb.block.based.table.index.type` property.
pub const INDEX_BINARY_SEARCH: u32 = 0;
pub const INDEX_HASH_SEARCH: u32 = 1;
pub const INDEX_TWO_LEVEL: u32 = 2;
pub const INDEX_BINARY_SEARCH_WITH_FIRST_KEY: u32 = 3;

/// A range tombstone: deletes user keys in `[start, end)` with sequence numbers below `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeTombstone {
    pub start: Vec<u8>,
    pub end: Vec<u8>,
    pub seq: u64,
}

struct Inner {
    src: Arc<dyn ReadAt>,
    footer: Footer,
    metaindex: Vec<(String, BlockHandle)>,
    properties: TableProperties,
    index: BlockHandle,
    range_del: Option<BlockHandle>,
}

/// An opened block-based table. Cheap to clone; iterators hold their own reference.
#[derive(Clone)]
pub struct SstFile {
    inner: Arc<Inner>,
}

impl SstFile {
    /// Reads footer, metaindex and properties (three small ranged reads).
    pub fn open(src: Arc<dyn ReadAt>) -> DecodeResult<SstFile> {
        let footer = Footer::read(src.as_ref())?;
        let meta_block = read_block(src.as_ref(), &footer, footer.metaindex, "metaindex block")?;
        let mut it = BlockIter::new(meta_block);
        let mut metaindex = Vec::new();
        while let Some((_, start, len)) = it.next_entry(ValueFormat::Sized)? {
            let len = len.unwrap_or(0);
            let value = it.entries().get(start..start + len).unwrap_or_default();
            let handle = BlockHandle::decode(&mut Cursor::new(value, 0))
                .ok_or_else(|| it.err("a block handle as metaindex value"))?;
            metaindex.push((String::from_utf8_lossy(&it.key).into_owned(), handle));
        }
        let find = |name: &str| metaindex.iter().find(|(n, _)| n == name).map(|(_, h)| *h);
        let name = src.name().clone();
        let props_handle = find(PROPERTIES_BLOCK)
            .or_else(|| find(PROPERTIES_BLOCK_OLD))
            .ok_or_else(|| {
                DecodeError::new(
                    &name,
                    footer.metaindex.offset,
                    "a metaindex entry rocksdb.properties",
                )
            })?;
        let props_block = read_block(src.as_ref(), &footer, props_handle, "properties block")?;
        let properties = TableProperties::parse(BlockIter::new(props_block))?;
        let index = match footer.index {
            Some(h) => h,
            None => find(INDEX_BLOCK).ok_or_else(|| {
                DecodeError::new(
                    &name,
                    footer.metaindex.offset,
                    "a metaindex entry rocksdb.index (format_version >= 6)",
                )
            })?,
        };
        let range_del = find(RANGE_DEL_BLOCK);
        Ok(SstFile {
            inner: Arc::new(Inner {
                src,
                footer,
                metaindex,
                properties,
                index,
                range_del,
            }),
        })
    }

    pub fn name(&self) -> &Arc<str> {
        self.inner.src.name()
    }

    pub fn footer(&self) -> &Footer {
        &self.inner.footer
    }

    pub fn properties(&self) -> &TableProperties {
        &self.inner.properties
    }

    /// The column family this file belongs to (Flink: one column family per state), from the
    /// `rocksdb.column.family.name` property; an error naming the file when it is absent.
    pub fn column_family_name(&self) -> DecodeResult<String> {
        self.inner
            .properties
            .column_family_name
            .clone()
            .ok_or_else(|| {
                DecodeError::new(
                    self.name(),
                    0,
                    "a rocksdb.column.family.name property (how an SST maps to a state)",
                )
            })
    }

    /// Metaindex entries (meta block name → handle), in file order.
    pub fn meta_blocks(&self) -> &[(String, BlockHandle)] {
        &self.inner.metaindex
    }

    pub fn index_handle(&self) -> BlockHandle {
        self.inner.index
    }

    /// Every entry in file order (internal-key order), one data block in memory at a time.
    pub fn entries(&self) -> SstEntries {
        SstEntries {
            handles: DataHandles {
                file: self.clone(),
                top: None,
                partition: None,
                started: false,
            },
            block: None,
            done: false,
            global_seqno: self.effective_global_seqno(),
        }
    }

    /// The entries from the first data block that may hold a user key `>= target` on (found
    /// by binary search in the index; two-level indexes are walked from their start). Entries
    /// below `target` at the start of that block are still returned: the caller skips them.
    pub fn entries_from(&self, target: &[u8]) -> DecodeResult<SstEntries> {
        let mut handles = self.data_block_handles();
        handles.seek(target)?;
        Ok(SstEntries {
            handles,
            block: None,
            done: false,
            global_seqno: self.effective_global_seqno(),
        })
    }

    /// Handles of all data blocks, in file order.
    pub fn data_block_handles(&self) -> DataHandles {
        DataHandles {
            file: self.clone(),
            top: None,
            partition: None,
            started: false,
        }
    }

    /// The range tombstones of the range-deletion block (empty if the file has none).
    pub fn range_tombstones(&self) -> DecodeResult<Vec<RangeTombstone>> {
        let Some(h) = self.inner.range_del else {
            return Ok(Vec::new());
        };
        let block = read_block(self.src(), &self.inner.footer, h, "range-deletion block")?;
        let mut it = BlockIter::new(block);
        let mut out = Vec::new();
        let gs = self.effective_global_seqno();
        while let Some((_, start, len)) = it.next_entry(ValueFormat::Sized)? {
            let len = len.unwrap_or(0);
            let ik = InternalKey::decode(&it.key)
                .ok_or_else(|| it.err("an internal key (at least 8 bytes) as tombstone start"))?;
            if ik.kind != ValueType::RangeDelete {
                return Err(it.err(format!(
                    "a range deletion (type 0xF) in the range-deletion block, found type {:#x}",
                    ik.kind.to_byte()
                )));
            }
            let end = it
                .entries()
                .get(start..start + len)
                .unwrap_or_default()
                .to_vec();
            out.push(RangeTombstone {
                start: ik.user_key,
                end,
                seq: gs.unwrap_or(ik.seq),
            });
        }
        Ok(out)
    }

    fn src(&self) -> &dyn ReadAt {
        self.inner.src.as_ref()
    }

    /// A global sequence number stored in an ingested (`SstFileWriter`) file, if any.
    fn effective_global_seqno(&self) -> Option<u64> {
        let p = &self.inner.properties;
        match (p.external_sst_file_version, p.global_seqno) {
            (Some(v), Some(s)) if v >= 2 && s != 0 => Some(s),
            _ => None,
        }
    }

    fn index_format(&self) -> (ValueFormat, bool) {
        let p = &self.inner.properties;
        let fmt = if p.index_value_is_delta_encoded {
            ValueFormat::IndexDelta
        } else {
            ValueFormat::Sized
        };
        (fmt, p.index_type == INDEX_BINARY_SEARCH_WITH_FIRST_KEY)
    }
}

/// Walks an index block and yields the block handles of its values.
struct IndexIter {
    it: BlockIter,
    fmt: ValueFormat,
    have_first_key: bool,
    /// Index keys are user keys (`index_key_is_user_key`), not internal keys.
    user_keys: bool,
    prev: Option<BlockHandle>,
    /// A handle found by [`IndexIter::seek`], returned next.
    pending: Option<BlockHandle>,
}

impl IndexIter {
    /// The user-key part of the current index key (a separator `>=` every key of its block
    /// and `<` every key of the next block).
    fn user_key(&self) -> &[u8] {
        let k = self.it.key.as_slice();
        if self.user_keys {
            k
        } else {
            k.get(..k.len().saturating_sub(8)).unwrap_or(k)
        }
    }

    /// Positions the iterator on the first entry whose separator's user key is `>= target`:
    /// every block before it holds only user keys below `target`.
    fn seek(&mut self, target: &[u8]) -> DecodeResult<()> {
        self.pending = None;
        // the first restart point whose key is >= target; the entry sought lies after the
        // restart point before it
        let (mut lo, mut hi) = (0usize, self.it.restarts());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            self.it.seek_restart(mid)?;
            self.prev = None;
            if self.read_handle()?.is_none() {
                return Err(self.it.err("an index entry at a restart point"));
            }
            if self.user_key() < target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if self.it.restarts() == 0 {
            return Ok(());
        }
        self.it.seek_restart(lo.saturating_sub(1))?;
        self.prev = None;
        while let Some(h) = self.read_handle()? {
            if self.user_key() >= target {
                self.pending = Some(h);
                return Ok(());
            }
        }
        Ok(())
    }

    fn next_handle(&mut self) -> DecodeResult<Option<BlockHandle>> {
        if let Some(h) = self.pending.take() {
            return Ok(Some(h));
        }
        self.read_handle()
    }

    fn read_handle(&mut self) -> DecodeResult<Option<BlockHandle>> {
        let Some((shared, start, len)) = self.it.next_entry(self.fmt)? else {
            return Ok(None);
        };
        let entries = self.it.entries();
        let mut c = match len {
            Some(len) => Cursor::new(entries.get(..start + len).unwrap_or_default(), start),
            None => Cursor::new(entries, start),
        };
        let handle = match (self.fmt, self.prev) {
            (ValueFormat::IndexDelta, Some(prev)) if shared != 0 => {
                let delta = c
                    .varsigned64()
                    .ok_or_else(|| self.it.err("a signed varint block-size delta"))?;
                let size = (prev.size as i64)
                    .checked_add(delta)
                    .and_then(|s| u64::try_from(s).ok())
                    .ok_or_else(|| {
                        self.it.err(format!(
                            "a non-negative block size, previous {} + delta {delta}",
                            prev.size
                        ))
                    })?;
                BlockHandle {
                    offset: prev.end_with_trailer(),
                    size,
                }
            }
            (ValueFormat::IndexDelta, None) if shared != 0 => {
                return Err(self
                    .it
                    .err("a full block handle at the start of a delta-encoded index block"));
            }
            _ => BlockHandle::decode(&mut c)
                .ok_or_else(|| self.it.err("a block handle (two varint64) as index value"))?,
        };
        if self.have_first_key {
            let n = c.varint32().ok_or_else(|| {
                self.it
                    .err("a length-prefixed first key after the block handle")
            })?;
            c.bytes(n as usize)
                .ok_or_else(|| self.it.err(format!("{n} bytes of first key")))?;
        }
        if self.fmt == ValueFormat::IndexDelta {
            let end = c.pos;
            self.it.consume_value(end);
        }
        self.prev = Some(handle);
        Ok(Some(handle))
    }
}

/// Iterator over data-block handles, descending into index partitions for two-level indexes.
pub struct DataHandles {
    file: SstFile,
    top: Option<IndexIter>,
    partition: Option<IndexIter>,
    started: bool,
}

impl DataHandles {
    fn open_index(&self, h: BlockHandle, what: &'static str) -> DecodeResult<IndexIter> {
        let block = read_block(self.file.src(), &self.file.inner.footer, h, what)?;
        let (fmt, have_first_key) = self.file.index_format();
        Ok(IndexIter {
            it: BlockIter::new(block),
            fmt,
            have_first_key,
            user_keys: self.file.properties().index_key_is_user_key,
            prev: None,
            pending: None,
        })
    }

    fn start(&mut self) -> DecodeResult<()> {
        if !self.started {
            self.started = true;
            let what = if self.file.properties().index_type == INDEX_TWO_LEVEL {
                "top-level index block"
            } else {
                "index block"
            };
            self.top = Some(self.open_index(self.file.inner.index, what)?);
        }
        Ok(())
    }

    /// Skips the data blocks that hold only user keys below `target` (binary search in a
    /// one-level index; a two-level index is searched in its top level, then in the
    /// partition found).
    fn seek(&mut self, target: &[u8]) -> DecodeResult<()> {
        self.start()?;
        let Some(top) = self.top.as_mut() else {
            return Ok(());
        };
        top.seek(target)?;
        if self.file.properties().index_type == INDEX_TWO_LEVEL {
            self.partition = None;
            if let Some(ph) = top.next_handle()? {
                let mut p = self.open_index(ph, "index partition block")?;
                p.seek(target)?;
                self.partition = Some(p);
            }
        }
        Ok(())
    }

    fn next_handle(&mut self) -> DecodeResult<Option<BlockHandle>> {
        self.start()?;
        let two_level = self.file.properties().index_type == INDEX_TWO_LEVEL;
        loop {
            if !two_level {
                return match self.top.as_mut() {
                    Some(t) => t.next_handle(),
                    None => Ok(None),
                };
            }
            if let Some(p) = self.partition.as_mut() {
                if let Some(h) = p.next_handle()? {
                    return Ok(Some(h));
                }
                self.partition = None;
            }
            let Some(top) = self.top.as_mut() else {
                return Ok(None);
            };
            match top.next_handle()? {
                Some(ph) => self.partition = Some(self.open_index(ph, "index partition block")?),
                None => return Ok(None),
            }
        }
    }
}

impl Iterator for DataHandles {
    type Item = DecodeResult<BlockHandle>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.next_handle() {
            Ok(Some(h)) => Some(Ok(h)),
            Ok(None) => None,
            Err(e) => {
                self.top = None;
                self.partition = None;
                Some(Err(e))
            }
        }
    }
}

/// Iterator over all `(internal key, value)` entries of one file, in file order.
pub struct SstEntries {
    handles: DataHandles,
    block: Option<BlockIter>,
    done: bool,
    global_seqno: Option<u64>,
}

impl SstEntries {
    fn next_entry(&mut self) -> DecodeResult<Option<(InternalKey, Bytes)>> {
        loop {
            if let Some(b) = self.block.as_mut() {
                if let Some((_, start, len)) = b.next_entry(ValueFormat::Sized)? {
                    let len = len.unwrap_or(0);
                    let mut ik = InternalKey::decode(&b.key).ok_or_else(|| {
                        b.err(format!(
                            "an internal key of at least 8 bytes, found {}",
                            b.key.len()
                        ))
                    })?;
                    if let Some(gs) = self.global_seqno {
                        ik.seq = gs;
                    }
                    let value = b.block.data.slice(start..start + len);
                    return Ok(Some((ik, value)));
                }
                self.block = None;
            }
            let Some(h) = self.handles.next().transpose()? else {
                return Ok(None);
            };
            let f = &self.handles.file;
            let block = read_block(f.src(), &f.inner.footer, h, "data block")?;
            self.block = Some(BlockIter::new(block));
        }
    }
}

impl Iterator for SstEntries {
    type Item = DecodeResult<(InternalKey, Bytes)>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut done = self.done;
        let item = crate::io::fused_step(&mut done, || self.next_entry());
        self.done = done;
        item
    }
}
