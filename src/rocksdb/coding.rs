//! Little-endian fixed integers and LEB128 varints over an in-memory slice, as RocksDB's
//! `util/coding.h` writes them. Every read is bounds-checked and reports where it failed.

use std::sync::Arc;

use crate::io::DecodeError;

/// Where a slice lives, so that errors can name it: the file, the file offset of the block the
/// slice belongs to, and what the slice is (e.g. "data block", "footer").
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub file: Arc<str>,
    /// File offset of the block (or footer) holding these bytes.
    pub block_offset: u64,
    pub what: &'static str,
    /// True when the bytes were decompressed, so positions are not file offsets.
    pub decompressed: bool,
}

impl Origin {
    /// An error at byte `pos` of the block's (possibly decompressed) contents.
    pub fn err(&self, pos: usize, expected: impl Into<String>) -> DecodeError {
        let ctx = if self.decompressed {
            format!(
                "{} at offset {}, byte {pos} of its decompressed contents",
                self.what, self.block_offset
            )
        } else {
            format!(
                "{} at offset {}, byte {pos} of its contents",
                self.what, self.block_offset
            )
        };
        DecodeError::new(&self.file, self.block_offset, expected).with_context(ctx)
    }
}

/// A read position in a byte slice.
pub(crate) struct Cursor<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Cursor { data, pos }
    }

    pub fn varint32(&mut self) -> Option<u32> {
        let v = self.varint64()?;
        u32::try_from(v).ok()
    }

    /// A LEB128 varint of at most 10 bytes; `None` when cut short or over-long.
    pub fn varint64(&mut self) -> Option<u64> {
        let mut result = 0u64;
        for i in 0..10 {
            let b = *self.data.get(self.pos)?;
            self.pos += 1;
            result |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Some(result);
            }
        }
        None
    }

    /// A zigzag-encoded signed varint (`PutVarsignedint64`).
    pub fn varsigned64(&mut self) -> Option<i64> {
        let u = self.varint64()?;
        Some(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    pub fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(len)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    pub fn fixed32(&mut self) -> Option<u32> {
        let b = self.bytes(4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }

    pub fn fixed64(&mut self) -> Option<u64> {
        let b = self.bytes(8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }
}

pub(crate) fn fixed32_at(data: &[u8], pos: usize) -> Option<u32> {
    Cursor::new(data, pos).fixed32()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_known_encodings() {
        // 300 = 0b1_0010_1100 -> AC 02
        let mut c = Cursor::new(&[0xAC, 0x02, 0x7f], 0);
        assert_eq!(c.varint64(), Some(300));
        assert_eq!(c.varint32(), Some(127));
        assert_eq!(c.varint64(), None);
        // zigzag: 1 -> -1, 2 -> 1, 3 -> -2
        let mut z = Cursor::new(&[1, 2, 3], 0);
        assert_eq!(z.varsigned64(), Some(-1));
        assert_eq!(z.varsigned64(), Some(1));
        assert_eq!(z.varsigned64(), Some(-2));
        // over-long (11 continuation bytes) is rejected
        let long = [0x80u8; 11];
        assert_eq!(Cursor::new(&long, 0).varint64(), None);
        // a varint32 above u32::MAX is rejected
        assert_eq!(
            Cursor::new(&[0xff, 0xff, 0xff, 0xff, 0x1f], 0).varint32(),
            None
        );
    }
}
