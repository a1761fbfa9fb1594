//! Flink's hashing rules: OperatorID from a uid, and key to key group to subtask.

/// OperatorID of a user-specified uid: Murmur3 x64 128, seed 0, over the UTF-8 bytes, in
/// Guava's `HashCode.asBytes()` order (h1 little-endian, then h2 little-endian).
pub fn operator_id_from_uid(uid: &str) -> [u8; 16] {
    let h = murmur3::murmur3_x64_128(&mut uid.as_bytes(), 0).expect("reading a slice cannot fail");
    h.to_le_bytes()
}

/// Flink's `MathUtils.murmurHash(int)`: Murmur3 32-bit of one int, seed 0, made non-negative.
pub fn murmur_hash_int(code: i32) -> i32 {
    let mut h: u32 = 0;
    let mut k = code as u32;
    k = k.wrapping_mul(0xcc9e_2d51);
    k = k.rotate_left(15);
    k = k.wrapping_mul(0x1b87_3593);
    h ^= k;
    h = h.rotate_left(13);
    h = h.wrapping_mul(5).wrapping_add(0xe654_6b64);
    h ^= 4;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    let h = h as i32;
    if h >= 0 {
        h
    } else if h != i32::MIN {
        -h
    } else {
        0
    }
}

/// Key group of a key whose Java `hashCode()` is `hash_code`.
pub fn key_group_for_hash(hash_code: i32, max_parallelism: u32) -> u32 {
    (murmur_hash_int(hash_code) as u32) % max_parallelism
}

/// Subtask that owns `key_group` at `parallelism` (Flink's
/// `computeOperatorIndexForKeyGroup`).
pub fn subtask_for_key_group(key_group: u32, max_parallelism: u32, parallelism: u32) -> u32 {
    ((key_group as u64 * parallelism as u64) / max_parallelism as u64) as u32
}

/// The inclusive key-group range of `subtask` at `parallelism`.
pub fn key_group_range(subtask: u32, max_parallelism: u32, parallelism: u32) -> (u32, u32) {
    let mp = max_parallelism as u64;
    let p = parallelism as u64;
    let i = subtask as u64;
    let start = (i * mp).div_ceil(p);
    let end = ((i + 1) * mp).div_ceil(p) - 1;
    (start as u32, end as u32)
}

/// Lower-case hex, as Flink prints ids.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_int_matches_reference_murmur3_32() {
        // Computed independently: murmur3_32 of the 4 little-endian bytes of the int.
        for code in [0i32, 1, -1, 42, i32::MAX, i32::MIN, 123_456_789] {
            let reference = murmur3::murmur3_32(&mut &code.to_le_bytes()[..], 0).unwrap() as i32;
            let expect = if reference >= 0 {
                reference
            } else if reference != i32::MIN {
                -reference
            } else {
                0
            };
            assert_eq!(murmur_hash_int(code), expect, "code {code}");
        }
    }

    #[test]
    fn ranges_cover_all_key_groups_once() {
        for (mp, p) in [(128u32, 1u32), (128, 3), (4096, 7), (300, 300)] {
            let mut next = 0;
            for s in 0..p {
                let (a, b) = key_group_range(s, mp, p);
                assert_eq!(a, next);
                for kg in a..=b {
                    assert_eq!(subtask_for_key_group(kg, mp, p), s);
                }
                next = b + 1;
            }
            assert_eq!(next, mp);
        }
    }
}
