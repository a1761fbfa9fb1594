//! A fast path for the commonest delimited values (a whole key, namespace or value that is a
//! `String`, `Long`, `Integer` or the void namespace): decoded straight from the slice, with
//! no [`crate::io::DataInput`], no file name and no per-character reads.
//!
//! It only answers when the bytes are well-formed and used up exactly; anything else (other
//! types, bad bytes) gets `None`, and the caller decodes with [`super::decode_bytes`], which
//! gives the same value or the error with file, offset and expectation.

use super::tree::{Prim, TypeInfo};
use super::value::Value;

/// Decodes `bytes` as one whole value of `t` when `t` is one of the simple cases above.
/// `Some` only with the same value [`super::decode_bytes`] would give.
pub fn decode_plain(t: &TypeInfo, bytes: &[u8]) -> Option<Value> {
    match t {
        TypeInfo::Primitive { ty: Prim::String } => string_value(bytes),
        TypeInfo::Primitive { ty: Prim::Long } => {
            let b: [u8; 8] = bytes.try_into().ok()?;
            Some(Value::Int(i64::from_be_bytes(b)))
        }
        TypeInfo::Primitive { ty: Prim::Int } => {
            let b: [u8; 4] = bytes.try_into().ok()?;
            Some(Value::Int(i32::from_be_bytes(b) as i64))
        }
        TypeInfo::VoidNamespace => (bytes.len() == 1).then_some(Value::Null),
        _ => None,
    }
}

/// One `StringValue` varint (7 bits per byte, low first) at the start of `b`: the value and
/// its length, `None` past 5 bytes or at the end of `b`.
fn varint(b: &[u8]) -> Option<(u32, usize)> {
    let mut v: u32 = 0;
    for (i, &x) in b.iter().enumerate().take(5) {
        v |= ((x & 0x7F) as u32).checked_shl(7 * i as u32)?;
        if x & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// A Flink `StringValue` filling all of `bytes` (see `crate::io::text::read_string_value`).
fn string_value(bytes: &[u8]) -> Option<Value> {
    let (len_plus_one, n) = varint(bytes)?;
    let rest = bytes.get(n..)?;
    if len_plus_one == 0 {
        return rest.is_empty().then_some(Value::Null);
    }
    let len = (len_plus_one - 1) as usize;
    if rest.len() < len {
        return None;
    }
    // ASCII: one byte per character, and the bytes are the UTF-8 text.
    if rest.len() == len && rest.is_ascii() {
        return std::str::from_utf8(rest)
            .ok()
            .map(|s| Value::String(s.into()));
    }
    let mut units: Vec<u16> = Vec::with_capacity(len);
    let mut at = 0;
    for _ in 0..len {
        let (c, k) = varint(rest.get(at..)?)?;
        units.push(u16::try_from(c).ok()?);
        at += k;
    }
    if at != rest.len() {
        return None;
    }
    Some(Value::String(crate::io::text::utf16_to_string(&units)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn slow(t: &TypeInfo, b: &[u8]) -> Option<Value> {
        let n: Arc<str> = Arc::from("t");
        super::super::decode_bytes(t, &n, b, 0).ok()
    }

    /// Flink's `StringValue` writer: length + 1, then each UTF-16 unit, as varints.
    fn write_string(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |mut v: u32| {
            while v >= 0x80 {
                out.push((v as u8) | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        };
        let units: Vec<u16> = s.encode_utf16().collect();
        put(units.len() as u32 + 1);
        for u in units {
            put(u as u32);
        }
        out
    }

    #[test]
    fn strings_match_the_stream_decoder() {
        let t = TypeInfo::prim(Prim::String);
        let long_ascii = "flink state ".repeat(100);
        for s in [
            "",
            "a",
            "hé",
            "naïve café",
            "\u{0}x",
            "日本",
            "\u{1F600}!",
            &long_ascii,
        ] {
            let b = write_string(s);
            assert_eq!(decode_plain(&t, &b), Some(Value::String(s.into())), "{s:?}");
            assert_eq!(decode_plain(&t, &b), slow(&t, &b), "{s:?}");
        }
        // null, an unpaired surrogate (legal in Java, U+FFFD here as in the stream decoder)
        for b in [vec![0u8], vec![2, 0x80, 0xB0, 0x03]] {
            assert!(decode_plain(&t, &b).is_some());
            assert_eq!(decode_plain(&t, &b), slow(&t, &b));
        }
    }

    #[test]
    fn bad_or_partial_bytes_fall_back() {
        let t = TypeInfo::prim(Prim::String);
        let mut b = write_string("abc");
        b.push(b'x'); // left over
        assert_eq!(decode_plain(&t, &b), None);
        assert_eq!(decode_plain(&t, &[4, b'a']), None); // short
        assert_eq!(decode_plain(&t, &[2, 0xFF, 0xFF, 0x7F]), None); // unit above 0xFFFF
        assert_eq!(
            decode_plain(&t, &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            None
        );
        assert_eq!(decode_plain(&t, &[]), None);
        assert_eq!(decode_plain(&TypeInfo::prim(Prim::Long), &[0; 7]), None);
        assert_eq!(decode_plain(&TypeInfo::VoidNamespace, &[0, 0]), None);
        assert_eq!(
            decode_plain(&TypeInfo::prim(Prim::Boolean), &[1]),
            None,
            "not a fast-path type"
        );
    }

    #[test]
    fn numbers_and_void() {
        let long = (-5i64).to_be_bytes();
        let t = TypeInfo::prim(Prim::Long);
        assert_eq!(decode_plain(&t, &long), Some(Value::Int(-5)));
        assert_eq!(decode_plain(&t, &long), slow(&t, &long));
        let int = 70_000i32.to_be_bytes();
        let t = TypeInfo::prim(Prim::Int);
        assert_eq!(decode_plain(&t, &int), slow(&t, &int));
        assert_eq!(
            decode_plain(&TypeInfo::VoidNamespace, &[0]),
            slow(&TypeInfo::VoidNamespace, &[0])
        );
    }
}
