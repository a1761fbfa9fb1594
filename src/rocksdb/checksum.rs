//! Block and footer checksums: the algorithm named by the footer's checksum-type byte, computed
//! over a block's contents plus its one compression-type byte, and (format_version >= 6) shifted
//! by a per-file, per-offset "context" modifier.

/// Checksum type byte from the footer (`ChecksumType` in RocksDB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumType {
    None,
    Crc32c,
    XxHash,
    XxHash64,
    Xxh3,
}

impl ChecksumType {
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => ChecksumType::None,
            1 => ChecksumType::Crc32c,
            2 => ChecksumType::XxHash,
            3 => ChecksumType::XxHash64,
            4 => ChecksumType::Xxh3,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ChecksumType::None => "none",
            ChecksumType::Crc32c => "CRC32c",
            ChecksumType::XxHash => "xxHash",
            ChecksumType::XxHash64 => "xxHash64",
            ChecksumType::Xxh3 => "XXH3",
        }
    }
}

const CRC_MASK_DELTA: u32 = 0xa282_ead8;

/// LevelDB/RocksDB "masked" CRC: rotate right by 15, then add a constant.
pub fn mask_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(CRC_MASK_DELTA)
}

/// XXH3 checksums hash all but the last byte and fold the last byte in with this prime.
const XXH3_LAST_BYTE_PRIME: u32 = 0x6b90_83d9;

/// The checksum of `data` followed by `last` (the compression-type byte of a block trailer, or
/// the last byte of a footer), as stored in the file before any context modifier.
pub fn checksum_with_last_byte(kind: ChecksumType, data: &[u8], last: u8) -> u32 {
    match kind {
        ChecksumType::None => 0,
        ChecksumType::Crc32c => {
            let crc = crc32c::crc32c_append(crc32c::crc32c(data), &[last]);
            mask_crc(crc)
        }
        ChecksumType::XxHash => {
            let mut h = xxhash_rust::xxh32::Xxh32::new(0);
            h.update(data);
            h.update(&[last]);
            h.digest()
        }
        ChecksumType::XxHash64 => {
            let mut h = xxhash_rust::xxh64::Xxh64::new(0);
            h.update(data);
            h.update(&[last]);
            h.digest() as u32
        }
        ChecksumType::Xxh3 => {
            let v = xxhash_rust::xxh3::xxh3_64(data) as u32;
            v ^ u32::from(last).wrapping_mul(XXH3_LAST_BYTE_PRIME)
        }
    }
}

/// The checksum of a whole byte string (used for the format_version 6 footer): the same as
/// [`checksum_with_last_byte`] with the string's last byte split off; empty input gives 0.
pub fn checksum_of(kind: ChecksumType, data: &[u8]) -> u32 {
    match data.split_last() {
        Some((last, head)) => checksum_with_last_byte(kind, head, *last),
        None => 0,
    }
}

/// The value added (wrapping) to a stored checksum at file offset `offset` in format_version 6+
/// files, whose footer holds `base` (the "base context checksum"); 0 when `base` is 0.
pub fn context_modifier(base: u32, offset: u64) -> u32 {
    if base == 0 {
        return 0;
    }
    base ^ (offset as u32).wrapping_add((offset >> 32) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_mask_matches_leveldb_definition() {
        // crc32c("123456789") = 0xE3069283 (the standard check value)
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
        let m = mask_crc(0xE306_9283);
        // unmask: subtract delta, rotate left 15
        assert_eq!(m.wrapping_sub(CRC_MASK_DELTA).rotate_left(15), 0xE306_9283);
    }

    #[test]
    fn whole_string_checksum_splits_last_byte() {
        for kind in [
            ChecksumType::Crc32c,
            ChecksumType::XxHash,
            ChecksumType::XxHash64,
            ChecksumType::Xxh3,
        ] {
            assert_eq!(
                checksum_of(kind, b"abcd"),
                checksum_with_last_byte(kind, b"abc", b'd')
            );
        }
        // For the streaming hashes, extending by the last byte equals hashing the whole string.
        assert_eq!(
            checksum_of(ChecksumType::XxHash, b"abcd"),
            xxhash_rust::xxh32::xxh32(b"abcd", 0)
        );
        assert_eq!(context_modifier(0, 12345), 0);
        assert_eq!(context_modifier(7, (1u64 << 32) | 5), 7 ^ 6);
    }
}
