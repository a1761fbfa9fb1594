//! Flink's RocksDB key prefix: every key of a keyed-state column family starts with the key
//! group, big-endian, in 1 byte when max parallelism ≤ 128 and in 2 bytes otherwise
//! (`CompositeKeySerializationUtils`). The rest (key, namespace, map user key) is the lead's
//! `keyed` module's business.

/// Number of key-group prefix bytes for a max parallelism (number of key groups).
pub fn key_group_prefix_len(max_parallelism: u32) -> usize {
    if max_parallelism > 128 { 2 } else { 1 }
}

/// A key split into its key group and the bytes after the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitKey<'a> {
    pub key_group: u32,
    pub rest: &'a [u8],
}

/// Splits `key` for a job with `max_parallelism` key groups. `None` when the key is shorter
/// than the prefix or its key group is not below `max_parallelism` (not a Flink keyed-state
/// key of that job).
pub fn split_key_group(key: &[u8], max_parallelism: u32) -> Option<SplitKey<'_>> {
    let n = key_group_prefix_len(max_parallelism);
    let (prefix, rest) = key.split_at_checked(n)?;
    let key_group = prefix
        .iter()
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    (key_group < max_parallelism).then_some(SplitKey { key_group, rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_width_and_order() {
        assert_eq!(key_group_prefix_len(128), 1);
        assert_eq!(key_group_prefix_len(129), 2);
        assert_eq!(key_group_prefix_len(32768), 2);
        let s = split_key_group(&[0x7f, 9, 9], 128).unwrap();
        assert_eq!((s.key_group, s.rest), (127, &[9u8, 9][..]));
        assert!(split_key_group(&[0x80, 1], 128).is_none());
        let s = split_key_group(&[0x01, 0x02, 7], 1000).unwrap();
        assert_eq!((s.key_group, s.rest), (258, &[7u8][..]));
        assert!(split_key_group(&[0x03, 0xe8], 1000).is_none()); // 1000 is out of range
        assert!(split_key_group(&[0x01], 1000).is_none());
    }
}
