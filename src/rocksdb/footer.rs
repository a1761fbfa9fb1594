//! The fixed-size footer at the end of a block-based table: where the metaindex and index
//! blocks are, the checksum algorithm, and the format version.

use super::checksum::{ChecksumType, checksum_of, context_modifier};
use super::coding::{Cursor, Origin};
use crate::io::{DecodeError, DecodeResult, ReadAt};

/// `kBlockBasedTableMagicNumber`, stored little-endian in the last 8 bytes.
pub const BLOCK_BASED_MAGIC: u64 = 0x88e2_41b7_85f4_cff7;
/// `kLegacyBlockBasedTableMagicNumber` (format_version 0 footers, 48 bytes).
pub const LEGACY_BLOCK_BASED_MAGIC: u64 = 0xdb47_7524_8b80_fb57;
/// Footer size for format_version >= 1.
pub const FOOTER_LEN: usize = 53;
/// Footer size for format_version 0 (legacy magic).
pub const LEGACY_FOOTER_LEN: usize = 48;
/// Every block is followed by 1 compression-type byte and a 4-byte checksum.
pub const BLOCK_TRAILER_LEN: u64 = 5;
/// Part 2 of a format_version >= 6 footer starts with these 4 bytes.
const EXTENDED_MAGIC: [u8; 4] = [0x3e, 0x00, 0x7a, 0x00];

/// Offset and size (without trailer) of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BlockHandle {
    pub offset: u64,
    pub size: u64,
}

impl BlockHandle {
    pub(crate) fn decode(c: &mut Cursor<'_>) -> Option<BlockHandle> {
        let offset = c.varint64()?;
        let size = c.varint64()?;
        Some(BlockHandle { offset, size })
    }

    /// Offset one past this block's trailer.
    pub fn end_with_trailer(&self) -> u64 {
        self.offset
            .saturating_add(self.size)
            .saturating_add(BLOCK_TRAILER_LEN)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footer {
    pub format_version: u32,
    pub checksum: ChecksumType,
    pub metaindex: BlockHandle,
    /// The index handle; `None` for format_version >= 6, where the metaindex entry
    /// `rocksdb.index` holds it instead.
    pub index: Option<BlockHandle>,
    /// format_version >= 6: seed of the per-offset checksum modifier (0 otherwise).
    pub base_context_checksum: u32,
    /// File offset where the footer starts.
    pub offset: u64,
}

impl Footer {
    pub fn read(src: &dyn ReadAt) -> DecodeResult<Footer> {
        let size = src.size();
        let name = src.name();
        if size < LEGACY_FOOTER_LEN as u64 {
            return Err(DecodeError::new(
                name,
                0,
                format!(
                    "an SST file of at least {LEGACY_FOOTER_LEN} bytes (a table footer), the file has {size}"
                ),
            ));
        }
        let tail = src.read_at(size - 8, 8)?;
        let magic = Cursor::new(&tail, 0).fixed64().unwrap_or(0);
        if magic == LEGACY_BLOCK_BASED_MAGIC {
            let off = size - LEGACY_FOOTER_LEN as u64;
            let buf = src.read_at(off, LEGACY_FOOTER_LEN)?;
            let origin = origin(src, off);
            let mut c = Cursor::new(&buf, 0);
            let (metaindex, index) = two_handles(&mut c, &origin)?;
            return Ok(Footer {
                format_version: 0,
                checksum: ChecksumType::Crc32c,
                metaindex,
                index: Some(index),
                base_context_checksum: 0,
                offset: off,
            });
        }
        if magic != BLOCK_BASED_MAGIC {
            return Err(DecodeError::new(
                name,
                size - 8,
                format!(
                    "the block-based table magic number {BLOCK_BASED_MAGIC:#018x}, found {magic:#018x} (not a RocksDB block-based SST, or cut short)"
                ),
            ));
        }
        if size < FOOTER_LEN as u64 {
            return Err(DecodeError::new(
                name,
                0,
                format!("an SST file of at least {FOOTER_LEN} bytes, the file has {size}"),
            ));
        }
        let off = size - FOOTER_LEN as u64;
        let buf = src.read_at(off, FOOTER_LEN)?;
        let origin = origin(src, off);
        let mut c = Cursor::new(&buf, 0);
        let checksum_byte = buf.first().copied().unwrap_or(0xff);
        let checksum = ChecksumType::from_byte(checksum_byte).ok_or_else(|| {
            origin.err(0, format!("a checksum type 0..=4, found {checksum_byte}"))
        })?;
        c.pos = 1;
        let format_version = Cursor::new(&buf, FOOTER_LEN - 12).fixed32().unwrap_or(0);
        if format_version > 7 {
            return Err(origin.err(
                FOOTER_LEN - 12,
                format!("a format_version of at most 7, found {format_version}"),
            ));
        }
        if format_version < 6 {
            let (metaindex, index) = two_handles(&mut c, &origin)?;
            return Ok(Footer {
                format_version,
                checksum,
                metaindex,
                index: Some(index),
                base_context_checksum: 0,
                offset: off,
            });
        }
        // format_version >= 6: extended magic, footer checksum, base context checksum,
        // metaindex size (the metaindex block ends right before the footer).
        let ext = c.bytes(4).unwrap_or_default();
        if ext != EXTENDED_MAGIC {
            return Err(origin.err(
                1,
                format!(
                    "the extended footer magic 3e007a00, found {}",
                    crate::hash::hex(ext)
                ),
            ));
        }
        let stored = c.fixed32().unwrap_or(0);
        let base = c.fixed32().unwrap_or(0);
        let metaindex_size = c.fixed32().unwrap_or(0);
        if checksum != ChecksumType::None {
            let mut copy = buf.to_vec();
            if let Some(field) = copy.get_mut(5..9) {
                field.fill(0);
            }
            let computed = checksum_of(checksum, &copy).wrapping_add(context_modifier(base, off));
            if computed != stored {
                return Err(origin.err(
                    5,
                    format!(
                        "footer {} checksum {stored:#010x}, computed {computed:#010x}",
                        checksum.name()
                    ),
                ));
            }
        }
        let meta_end = off
            .checked_sub(BLOCK_TRAILER_LEN)
            .ok_or_else(|| origin.err(0, "room for a metaindex block before the footer"))?;
        let meta_off = meta_end
            .checked_sub(u64::from(metaindex_size))
            .ok_or_else(|| {
                origin.err(
                    13,
                    format!("a metaindex size that fits before the footer, found {metaindex_size}"),
                )
            })?;
        Ok(Footer {
            format_version,
            checksum,
            metaindex: BlockHandle {
                offset: meta_off,
                size: u64::from(metaindex_size),
            },
            index: None,
            base_context_checksum: base,
            offset: off,
        })
    }
}

fn origin(src: &dyn ReadAt, off: u64) -> Origin {
    Origin {
        file: src.name().clone(),
        block_offset: off,
        what: "footer",
        decompressed: false,
    }
}

fn two_handles(c: &mut Cursor<'_>, origin: &Origin) -> DecodeResult<(BlockHandle, BlockHandle)> {
    let at = c.pos;
    let metaindex = BlockHandle::decode(c)
        .ok_or_else(|| origin.err(at, "a metaindex block handle (two varint64)"))?;
    let at = c.pos;
    let index = BlockHandle::decode(c)
        .ok_or_else(|| origin.err(at, "an index block handle (two varint64)"))?;
    Ok((metaindex, index))
}
