//! One block: fetched by handle, checksum-verified, decompressed, and walked entry by entry.
//!
//! Block contents: entries, then the restart array (`num_restarts` fixed32 offsets), then for
//! data blocks with a hash index the hash buckets (1 byte each) and their count (fixed16), and
//! last a fixed32 whose low 28 bits are `num_restarts` and whose high bits are flags
//! (bit 31: hash index present; bit 29: "uniform keys" hint; bit 28: separated key/value
//! storage, not supported here).
//!
//! Entry: varint32 shared, varint32 non_shared, varint32 value_len (absent in delta-encoded
//! index blocks), key bytes `non_shared`, value bytes.

use std::sync::Arc;

use bytes::Bytes;

use super::checksum::{checksum_with_last_byte, context_modifier};
use super::coding::{Cursor, Origin, fixed32_at};
use super::compression::{CompressionType, decompress};
use super::footer::{BLOCK_TRAILER_LEN, BlockHandle, Footer};
use crate::io::{DecodeError, DecodeResult, ReadAt};

const HASH_INDEX_BIT: u32 = 1 << 31;
const UNIFORM_KEYS_BIT: u32 = 1 << 29;
const SEPARATED_KV_BIT: u32 = 1 << 28;
const MAX_RESTARTS: u32 = (1 << 28) - 1;

/// A decoded block and where it came from.
pub(crate) struct Block {
    pub data: Bytes,
    pub origin: Origin,
    /// End of the entries (start of the restart array).
    pub entries_end: usize,
    /// Number of restart points (each checked to lie inside the entries).
    pub restarts: usize,
}

/// Reads the block at `handle` with its trailer, verifies the checksum and decompresses.
pub(crate) fn read_block(
    src: &dyn ReadAt,
    footer: &Footer,
    handle: BlockHandle,
    what: &'static str,
) -> DecodeResult<Block> {
    let name = src.name();
    let total = handle
        .size
        .checked_add(BLOCK_TRAILER_LEN)
        .filter(|t| handle.offset.checked_add(*t).is_some_and(|end| end <= src.size()))
        .ok_or_else(|| {
            DecodeError::new(
                name,
                handle.offset,
                format!(
                    "a {what} of {} bytes plus a 5-byte trailer inside the file ({} bytes); the file is cut short or the handle is corrupt",
                    handle.size,
                    src.size()
                ),
            )
        })?;
    let len = usize::try_from(total).map_err(|_| {
        DecodeError::new(name, handle.offset, format!("a {what} that fits in memory"))
    })?;
    let raw = src.read_at(handle.offset, len)?;
    let body_len = handle.size as usize;
    let (body, trailer) = raw.split_at(body_len);
    let ctype_byte = trailer.first().copied().unwrap_or(0);
    let stored = fixed32_at(trailer, 1).unwrap_or(0);
    if footer.checksum != super::checksum::ChecksumType::None {
        let computed = checksum_with_last_byte(footer.checksum, body, ctype_byte).wrapping_add(
            context_modifier(footer.base_context_checksum, handle.offset),
        );
        if computed != stored {
            return Err(DecodeError::new(
                name,
                handle.offset,
                format!(
                    "{what} {} checksum {stored:#010x} (stored in its trailer at byte {}), computed {computed:#010x}: the block is corrupt",
                    footer.checksum.name(),
                    handle.offset + handle.size + 1
                ),
            ));
        }
    }
    let ctype = CompressionType::from_byte(ctype_byte);
    let (data, decompressed) = if ctype == CompressionType::None {
        (raw.slice(..body_len), false)
    } else {
        let v = decompress(ctype, body, footer.format_version).map_err(|e| {
            DecodeError::new(name, handle.offset, e)
                .with_context(format!("{what} compressed with {}", ctype.name()))
        })?;
        (Bytes::from(v), true)
    };
    let origin = Origin {
        file: Arc::clone(name),
        block_offset: handle.offset,
        what,
        decompressed,
    };
    let (entries_end, restarts) = entries_end(&data, &origin)?;
    Ok(Block {
        data,
        origin,
        entries_end,
        restarts,
    })
}

/// Parses the block footer and returns where the entries end and the number of restart points.
fn entries_end(data: &[u8], origin: &Origin) -> DecodeResult<(usize, usize)> {
    let n = data.len();
    let footer_at = n
        .checked_sub(4)
        .ok_or_else(|| origin.err(0, format!("a block of at least 4 bytes, found {n}")))?;
    let packed = fixed32_at(data, footer_at).unwrap_or(0);
    if packed & SEPARATED_KV_BIT != 0 {
        return Err(origin.err(
            footer_at,
            "a block without separated key/value storage (RocksDB 11 feature, not supported)",
        ));
    }
    let restarts = packed & !(HASH_INDEX_BIT | UNIFORM_KEYS_BIT);
    if restarts > MAX_RESTARTS {
        return Err(origin.err(
            footer_at,
            format!("a block footer without unknown flag bits, found {packed:#010x}"),
        ));
    }
    let mut end = footer_at;
    if packed & HASH_INDEX_BIT != 0 {
        let at = end
            .checked_sub(2)
            .ok_or_else(|| origin.err(0, "room for the hash index bucket count"))?;
        let buckets = data
            .get(at..end)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .unwrap_or(0) as usize;
        end = at
            .checked_sub(buckets)
            .ok_or_else(|| origin.err(at, format!("room for {buckets} hash index buckets")))?;
    }
    let restart_bytes = restarts as usize * 4;
    let entries_end = end.checked_sub(restart_bytes).ok_or_else(|| {
        origin.err(
            footer_at,
            format!("room for {restarts} restart points in a {n}-byte block"),
        )
    })?;
    if restarts == 0 && entries_end > 0 {
        return Err(origin.err(footer_at, "at least one restart point in a non-empty block"));
    }
    // Every restart point must point into the entries.
    for i in 0..restarts as usize {
        let at = entries_end + 4 * i;
        let r = fixed32_at(data, at).unwrap_or(u32::MAX) as usize;
        if r >= entries_end.max(1) {
            return Err(origin.err(
                at,
                format!("restart point {i} inside the entries (< {entries_end}), found {r}"),
            ));
        }
    }
    Ok((entries_end, restarts as usize))
}

/// How values are stored in a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueFormat {
    /// varint32 value length after the key lengths (data, meta, properties, range-del blocks,
    /// and index blocks without delta-encoded values).
    Sized,
    /// Index block with `index_value_is_delta_encoded`: no value length; the value is a block
    /// handle (full when `shared == 0`, else a signed size delta), optionally followed by a
    /// length-prefixed first key.
    IndexDelta,
}

/// A forward cursor over a block's entries. The current key is rebuilt in `key`.
pub(crate) struct BlockIter {
    pub block: Block,
    pos: usize,
    pub key: Vec<u8>,
    /// Entry start of the current entry (for errors).
    pub entry_at: usize,
}

impl BlockIter {
    pub fn new(block: Block) -> Self {
        BlockIter {
            block,
            pos: 0,
            key: Vec::new(),
            entry_at: 0,
        }
    }

    pub fn err(&self, expected: impl Into<String>) -> DecodeError {
        self.block.origin.err(self.entry_at, expected)
    }

    /// Advances to the next entry: rebuilds `key`, returns `(shared, value_start, value_len)`,
    /// where `value_len` is `None` in [`ValueFormat::IndexDelta`] blocks (the caller decodes the
    /// value and calls [`BlockIter::consume_value`]). `Ok(None)` at the end.
    pub fn next_entry(
        &mut self,
        fmt: ValueFormat,
    ) -> DecodeResult<Option<(u32, usize, Option<usize>)>> {
        if self.pos >= self.block.entries_end {
            return Ok(None);
        }
        self.entry_at = self.pos;
        let data = &self.block.data[..self.block.entries_end];
        let mut c = Cursor::new(data, self.pos);
        let shared = c.varint32();
        let non_shared = c.varint32();
        let value_len = match fmt {
            ValueFormat::Sized => c.varint32().map(Some),
            ValueFormat::IndexDelta => Some(None),
        };
        let (Some(shared), Some(non_shared), Some(value_len)) = (shared, non_shared, value_len)
        else {
            return Err(self.err("an entry header (varint32 shared, non-shared, value length)"));
        };
        if shared as usize > self.key.len() {
            return Err(self.err(format!(
                "a shared key prefix of at most {} bytes (the previous key), found {shared}",
                self.key.len()
            )));
        }
        let Some(delta) = c.bytes(non_shared as usize) else {
            return Err(self.err(format!("{non_shared} key bytes inside the block's entries")));
        };
        self.key.truncate(shared as usize);
        self.key.extend_from_slice(delta);
        let value_start = c.pos;
        if let Some(len) = value_len {
            let len = len as usize;
            if c.bytes(len).is_none() {
                return Err(self.err(format!("{len} value bytes inside the block's entries")));
            }
            self.pos = c.pos;
            Ok(Some((shared, value_start, Some(len))))
        } else {
            self.pos = value_start;
            Ok(Some((shared, value_start, None)))
        }
    }

    /// In [`ValueFormat::IndexDelta`] blocks: the value just decoded ended at `end`.
    pub fn consume_value(&mut self, end: usize) {
        self.pos = end;
    }

    /// Number of restart points (entries stored with their full key).
    pub fn restarts(&self) -> usize {
        self.block.restarts
    }

    /// Moves to restart point `i` (the next entry read is the one stored there). `i` must be
    /// below [`BlockIter::restarts`]; restart offsets were checked when the block was read.
    pub fn seek_restart(&mut self, i: usize) -> DecodeResult<()> {
        let at = self.block.entries_end + 4 * i;
        let off = (i < self.block.restarts)
            .then(|| fixed32_at(&self.block.data, at))
            .flatten()
            .ok_or_else(|| self.err(format!("restart point {i} of {}", self.block.restarts)))?;
        self.pos = off as usize;
        self.key.clear();
        Ok(())
    }

    /// The block's entry bytes (up to the restart array).
    pub fn entries(&self) -> &[u8] {
        &self.block.data[..self.block.entries_end]
    }
}
