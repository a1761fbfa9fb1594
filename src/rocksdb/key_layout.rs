//! Flink's composite RocksDB key after the key-group prefix (`SerializedCompositeKeyBuilder`):
//!
//! ```text
//! key state:  key | [len(key)] | namespace | [len(namespace)] | [map user key]
//! timer:      timestamp (8, sign bit flipped) | key | namespace
//! ```
//!
//! The bracketed lengths are present only when key and namespace serializers are both of
//! variable length (`getLength() < 0`): "variable int bytes", little-endian, minimal, at least
//! one byte, no continuation bits. Boundaries are found from fixed lengths where the types
//! have them and by skipping over a value with [`crate::types::skip`] otherwise.

use std::sync::Arc;

use crate::io::{DataInput, DecodeError, DecodeResult};
use crate::types::{Prim, TypeInfo, skip};

/// Bytes one value of `t` takes when the length is fixed (`VoidNamespace` writes one byte
/// although Flink reports length 0).
fn serialized_fixed_len(t: &TypeInfo) -> Option<usize> {
    t.byte_len().map(|n| n as usize)
}

/// Flink's `getLength() < 0`.
fn variable(t: &TypeInfo) -> bool {
    t.fixed_len().is_none()
}

/// The key parts of one RocksDB key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts<'a> {
    pub key: &'a [u8],
    pub namespace: &'a [u8],
    pub user_key: Option<&'a [u8]>,
    /// Timers: the 8 stored timestamp bytes (sign bit flipped).
    pub timestamp: Option<&'a [u8]>,
}

/// How the keys of one column family are laid out.
#[derive(Debug, Clone)]
pub struct KeyLayout<'t> {
    key: &'t TypeInfo,
    namespace: &'t TypeInfo,
    ambiguous: bool,
    map: bool,
    timer: bool,
}

impl<'t> KeyLayout<'t> {
    /// Keyed state (value, list, reducing, aggregating; `map` adds a user key).
    pub fn state(key: &'t TypeInfo, namespace: &'t TypeInfo, map: bool) -> Self {
        KeyLayout {
            key,
            namespace,
            ambiguous: variable(key) && variable(namespace),
            map,
            timer: false,
        }
    }

    /// Timers (`TimerSerializer` elements).
    pub fn timer(key: &'t TypeInfo, namespace: &'t TypeInfo) -> Self {
        KeyLayout {
            key,
            namespace,
            ambiguous: false,
            map: false,
            timer: true,
        }
    }

    pub fn is_ambiguous(&self) -> bool {
        self.ambiguous
    }

    /// Splits `rest` (the key after its key-group prefix). `at` is the offset of `rest` for
    /// errors, which name `file`.
    pub fn split<'a>(&self, file: &Arc<str>, rest: &'a [u8], at: u64) -> DecodeResult<Parts<'a>> {
        let err = |off: usize, what: String| DecodeError::new(file, at + off as u64, what);
        let mut pos = 0usize;
        let mut timestamp = None;
        if self.timer {
            let (ts, _) = rest
                .split_at_checked(8)
                .ok_or_else(|| err(0, "an 8-byte timer timestamp".into()))?;
            timestamp = Some(ts);
            pos = 8;
        }
        let key_len = measure(self.key, file, rest, pos, at)
            .or_else(|e| self.key_len_from_end(rest, pos).ok_or(e))?;
        let key = slice(rest, pos, key_len).ok_or_else(|| err(pos, "the serialized key".into()))?;
        pos += key_len;
        if self.ambiguous {
            pos = check_len_suffix(rest, pos, key_len)
                .map_err(|o| err(o, format!("the key length {key_len} as variable int bytes")))?;
        }
        if self.timer || (!self.map && !self.ambiguous) {
            let namespace = rest.get(pos..).unwrap_or_default();
            return Ok(Parts {
                key,
                namespace,
                user_key: None,
                timestamp,
            });
        }
        let ns_len = measure(self.namespace, file, rest, pos, at)?;
        let namespace =
            slice(rest, pos, ns_len).ok_or_else(|| err(pos, "the serialized namespace".into()))?;
        pos += ns_len;
        if self.ambiguous {
            pos = check_len_suffix(rest, pos, ns_len).map_err(|o| {
                err(
                    o,
                    format!("the namespace length {ns_len} as variable int bytes"),
                )
            })?;
        }
        let tail = rest.get(pos..).unwrap_or_default();
        if self.map {
            Ok(Parts {
                key,
                namespace,
                user_key: Some(tail),
                timestamp,
            })
        } else if tail.is_empty() {
            Ok(Parts {
                key,
                namespace,
                user_key: None,
                timestamp,
            })
        } else {
            Err(err(
                pos,
                format!("the end of the key ({} bytes left over)", tail.len()),
            ))
        }
    }

    /// A key that cannot be skipped over (Kryo, unknown serializers) still has a known length
    /// when nothing variable follows it except a fixed namespace.
    fn key_len_from_end(&self, rest: &[u8], pos: usize) -> Option<usize> {
        if self.map || self.ambiguous {
            return None;
        }
        let ns = serialized_fixed_len(self.namespace)?;
        rest.len().checked_sub(pos)?.checked_sub(ns)
    }
}

fn slice(b: &[u8], pos: usize, len: usize) -> Option<&[u8]> {
    b.get(pos..pos.checked_add(len)?)
}

/// Length of the value of type `t` starting at `rest[pos..]`.
fn measure(t: &TypeInfo, file: &Arc<str>, rest: &[u8], pos: usize, at: u64) -> DecodeResult<usize> {
    if let Some(n) = serialized_fixed_len(t) {
        return Ok(n);
    }
    let tail = rest.get(pos..).unwrap_or_default();
    if matches!(t, TypeInfo::Primitive { ty: Prim::String })
        && let Some(n) = string_value_len(tail)
    {
        return Ok(n);
    }
    let mut d = DataInput::from_slice(file, tail, at + pos as u64);
    skip(t, &mut d).map_err(|e| e.with_context(format!("measuring a {t} inside a RocksDB key")))?;
    Ok(tail.len() - d.rest().len())
}

/// Bytes of the Flink `StringValue` string (varint `length + 1`, then one varint per UTF-16
/// unit, each below 0x10000) at the start of `b`, counted without decoding it; `None` when it
/// is not one (then the full decoder says why).
fn string_value_len(b: &[u8]) -> Option<usize> {
    fn varint(b: &[u8], pos: &mut usize) -> Option<u32> {
        let mut v = 0u32;
        for shift in (0..35).step_by(7) {
            let byte = *b.get(*pos)?;
            *pos += 1;
            v |= u32::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let mut pos = 0;
    let len_plus_one = varint(b, &mut pos)?;
    for _ in 1..len_plus_one {
        // one byte per ASCII unit, the common case
        match b.get(pos) {
            Some(c) if *c < 0x80 => pos += 1,
            _ => {
                if varint(b, &mut pos)? > 0xFFFF {
                    return None;
                }
            }
        }
    }
    Some(pos)
}

/// Checks Flink's "variable int bytes" encoding of `len` at `pos`; returns the position after
/// it, or the offset of the mismatch.
fn check_len_suffix(b: &[u8], mut pos: usize, len: usize) -> Result<usize, usize> {
    let mut v = len;
    loop {
        match b.get(pos) {
            Some(&byte) if byte as usize == v & 0xff => {}
            _ => return Err(pos),
        }
        pos += 1;
        v >>= 8;
        if v == 0 {
            return Ok(pos);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> Arc<str> {
        Arc::from("t")
    }

    #[test]
    fn fixed_key_void_namespace() {
        let long = TypeInfo::Primitive { ty: Prim::Long };
        let l = KeyLayout::state(&long, &TypeInfo::VoidNamespace, false);
        let rest = [0, 0, 0, 0, 0, 0, 0, 7, 0];
        let p = l.split(&name(), &rest, 1).unwrap();
        assert_eq!(p.key, &rest[..8]);
        assert_eq!(p.namespace, &[0]);
        assert!(!l.is_ambiguous());
    }

    #[test]
    fn ambiguous_string_key_and_namespace_with_map_user_key() {
        let s = TypeInfo::Primitive { ty: Prim::String };
        let l = KeyLayout::state(&s, &s, true);
        assert!(l.is_ambiguous());
        // Flink String: varint length+1, then chars. "ab" = 03 61 62; "x" = 02 78.
        let rest = [3, b'a', b'b', 3, 2, b'x', 2, 9, 9];
        let p = l.split(&name(), &rest, 0).unwrap();
        assert_eq!(p.key, &[3, b'a', b'b']);
        assert_eq!(p.namespace, &[2, b'x']);
        assert_eq!(p.user_key, Some(&[9u8, 9][..]));
        // a wrong length suffix is reported at its offset
        let bad = [3, b'a', b'b', 4, 2, b'x', 2];
        let e = l.split(&name(), &bad, 100).unwrap_err();
        assert_eq!(e.offset, 103);
    }

    #[test]
    fn string_lengths_counted_as_the_decoder_reads_them() {
        let s = TypeInfo::Primitive { ty: Prim::String };
        let name = name();
        // "hot" (4 = length + 1), "é" (0xE9: two-byte unit), null (0), "" (1), cut short
        let cases: [&[u8]; 5] = [
            &[4, b'h', b'o', b't', 9],
            &[2, 0xE9, 0x01, 9],
            &[0, 9],
            &[1, 9],
            &[4, b'h'],
        ];
        for b in cases {
            let slow = {
                let mut d = DataInput::from_slice(&name, b, 0);
                skip(&s, &mut d).map(|_| b.len() - d.rest().len()).ok()
            };
            assert_eq!(string_value_len(b), slow, "{b:?}");
        }
        assert_eq!(string_value_len(&[4, b'h', b'o', b't']), Some(4));
        // a unit above 0xFFFF is left to the decoder
        assert_eq!(string_value_len(&[2, 0x80, 0x80, 0x04]), None);
    }

    #[test]
    fn suffix_of_long_lengths() {
        let mut b = vec![0u8; 300];
        b.extend([0x2c, 0x01]);
        assert_eq!(check_len_suffix(&b, 300, 300), Ok(302));
        assert_eq!(check_len_suffix(&[0], 0, 0), Ok(1));
        assert_eq!(check_len_suffix(&[0x2c], 0, 300), Err(1));
    }

    #[test]
    fn timer_with_string_key() {
        let s = TypeInfo::Primitive { ty: Prim::String };
        let l = KeyLayout::timer(&s, &TypeInfo::VoidNamespace);
        let rest = [0x80, 0, 0, 0, 0, 0, 0, 5, 2, b'k', 0];
        let p = l.split(&name(), &rest, 0).unwrap();
        assert_eq!(p.timestamp, Some(&rest[..8]));
        assert_eq!(p.key, &[2, b'k']);
        assert_eq!(p.namespace, &[0]);
        assert!(l.split(&name(), &rest[..5], 0).is_err());
    }
}
