//! Internal keys: the user key followed by 8 bytes, a little-endian `u64` holding
//! `sequence << 8 | value_type`.

use std::cmp::Ordering;
use std::fmt;

/// Record kind (`ValueType` in RocksDB's `db/dbformat.h`), as found in SST files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    /// 0x0 `kTypeDeletion`
    Delete,
    /// 0x1 `kTypeValue`
    Put,
    /// 0x2 `kTypeMerge`
    Merge,
    /// 0x7 `kTypeSingleDeletion`
    SingleDelete,
    /// 0xF `kTypeRangeDeletion` (only in the range-deletion block)
    RangeDelete,
    /// 0x11 `kTypeBlobIndex` (value lives in a blob file)
    BlobIndex,
    /// 0x14 `kTypeDeletionWithTimestamp`
    DeleteWithTimestamp,
    /// 0x16 `kTypeWideColumnEntity`
    WideColumnEntity,
    /// 0x18 `kTypeValuePreferredSeqno`
    ValuePreferredSeqno,
    /// Any other byte.
    Other(u8),
}

impl ValueType {
    pub fn from_byte(b: u8) -> Self {
        match b {
            0x0 => ValueType::Delete,
            0x1 => ValueType::Put,
            0x2 => ValueType::Merge,
            0x7 => ValueType::SingleDelete,
            0xF => ValueType::RangeDelete,
            0x11 => ValueType::BlobIndex,
            0x14 => ValueType::DeleteWithTimestamp,
            0x16 => ValueType::WideColumnEntity,
            0x18 => ValueType::ValuePreferredSeqno,
            other => ValueType::Other(other),
        }
    }

    pub fn to_byte(self) -> u8 {
        match self {
            ValueType::Delete => 0x0,
            ValueType::Put => 0x1,
            ValueType::Merge => 0x2,
            ValueType::SingleDelete => 0x7,
            ValueType::RangeDelete => 0xF,
            ValueType::BlobIndex => 0x11,
            ValueType::DeleteWithTimestamp => 0x14,
            ValueType::WideColumnEntity => 0x16,
            ValueType::ValuePreferredSeqno => 0x18,
            ValueType::Other(b) => b,
        }
    }
}

/// Largest sequence number (56 bits).
pub const MAX_SEQUENCE: u64 = (1 << 56) - 1;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InternalKey {
    pub user_key: Vec<u8>,
    pub seq: u64,
    pub kind: ValueType,
}

impl InternalKey {
    /// Splits an encoded internal key; `None` when shorter than 8 bytes.
    pub fn decode(bytes: &[u8]) -> Option<InternalKey> {
        let split = bytes.len().checked_sub(8)?;
        let (user, tail) = bytes.split_at(split);
        let packed = u64::from_le_bytes(tail.try_into().ok()?);
        Some(InternalKey {
            user_key: user.to_vec(),
            seq: packed >> 8,
            kind: ValueType::from_byte(packed as u8),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = self.user_key.clone();
        let packed = (self.seq << 8) | u64::from(self.kind.to_byte());
        v.extend_from_slice(&packed.to_le_bytes());
        v
    }
}

/// RocksDB's internal-key order under the bytewise comparator: user key ascending, then
/// sequence number descending, then type byte descending.
pub fn compare_internal(
    a_user: &[u8],
    a_seq: u64,
    a_kind: u8,
    b_user: &[u8],
    b_seq: u64,
    b_kind: u8,
) -> Ordering {
    a_user
        .cmp(b_user)
        .then(b_seq.cmp(&a_seq))
        .then(b_kind.cmp(&a_kind))
}

impl Ord for InternalKey {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_internal(
            &self.user_key,
            self.seq,
            self.kind.to_byte(),
            &other.user_key,
            other.seq,
            other.kind.to_byte(),
        )
    }
}

impl PartialOrd for InternalKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for InternalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' seq:{} type:{}",
            crate::hash::hex(&self.user_key),
            self.seq,
            self.kind.to_byte()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_splits_trailer() {
        let mut raw = b"abc".to_vec();
        raw.extend_from_slice(&((42u64 << 8) | 2).to_le_bytes());
        let k = InternalKey::decode(&raw).unwrap();
        assert_eq!(k.user_key, b"abc");
        assert_eq!(k.seq, 42);
        assert_eq!(k.kind, ValueType::Merge);
        assert_eq!(k.encode(), raw);
        assert!(InternalKey::decode(&raw[..7]).is_none());
        let newer = InternalKey {
            seq: 43,
            ..k.clone()
        };
        assert!(newer < k, "newer versions sort first");
    }
}
