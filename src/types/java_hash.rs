//! Java `hashCode()` of serialized keys, so a key's key group can be computed
//! (`hash::key_group_for_hash`). Supported key types: `String`, boxed primitives (`Integer`,
//! `Long`, `Short`, `Byte`, `Character`, `Boolean`, `Double`, `Float`), Flink `Tuple1..N` of
//! supported types (`31 * h + field`), and SQL `RowData` keys (`BinaryRowData.hashCode()`:
//! Murmur3-32 with seed 42 over the row bytes, read as little-endian words: the row size is
//! always a multiple of 8), and `Row` (`RowUtils.deepHashCodeRow`). Everything else (POJOs,
//! enums, Kryo, ...) has a user- or identity-defined hash and returns `None`.

use std::sync::Arc;

use super::decode::decode;
use super::tree::{Prim, TypeInfo};
use super::value::Value;
use crate::io::DataInput;

/// Java `hashCode()` of the key serialized as `bytes` with type `t`, if computable.
pub fn key_hash_code(t: &TypeInfo, bytes: &[u8]) -> Option<i32> {
    if let TypeInfo::RowData { .. } | TypeInfo::BinaryRowData { .. } = t {
        // int32 length + BinaryRowData bytes
        let row = bytes.get(4..)?;
        return Some(murmur3::murmur3_32(&mut &row[..], 42).ok()? as i32);
    }
    let name: Arc<str> = Arc::from("key");
    let mut d = DataInput::from_slice(&name, bytes, 0);
    let v = decode(t, &mut d).ok()?;
    value_hash_code(t, &v)
}

/// Java `hashCode()` of a decoded value of type `t`, if computable.
pub fn value_hash_code(t: &TypeInfo, v: &Value) -> Option<i32> {
    if matches!(v, Value::Null) {
        return Some(0);
    }
    match (t, v) {
        (TypeInfo::Primitive { ty }, v) => prim_hash(*ty, v),
        (TypeInfo::Tuple { fields, .. }, Value::Struct(vals)) if fields.len() == vals.len() => {
            let mut h: i32 = 0;
            for (ft, (_, fv)) in fields.iter().zip(vals) {
                h = h.wrapping_mul(31).wrapping_add(value_hash_code(ft, fv)?);
            }
            Some(h)
        }
        // Row.hashCode (Flink 1.13+): 31 * kind byte + the fields' deep hash, where each
        // non-null field counts as Arrays.deepHashCode of a one-element array (31 + hash)
        (TypeInfo::Row { fields, .. }, Value::Row { kind, fields: vals })
            if fields.len() == vals.len() =>
        {
            let kind_byte: i32 = match *kind {
                "-U" => 1,
                "+U" => 2,
                "-D" => 3,
                _ => 0,
            };
            let mut h: i32 = 1;
            for (ft, (_, fv)) in fields.iter().zip(vals) {
                let e = match fv {
                    Value::Null => 0,
                    v => 31i32.wrapping_add(value_hash_code(ft, v)?),
                };
                h = h.wrapping_mul(31).wrapping_add(e);
            }
            Some(kind_byte.wrapping_mul(31).wrapping_add(h))
        }
        (TypeInfo::Nullable { inner, .. }, v) | (TypeInfo::External { inner }, v) => {
            value_hash_code(inner, v)
        }
        _ => None,
    }
}

fn string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

fn long_hash(v: i64) -> i32 {
    (v ^ ((v as u64) >> 32) as i64) as i32
}

fn prim_hash(p: Prim, v: &Value) -> Option<i32> {
    Some(match (p, v) {
        (Prim::String, Value::String(s)) | (Prim::StringData, Value::String(s)) => string_hash(s),
        (Prim::Char, Value::String(s)) => s.encode_utf16().next()? as i32,
        (Prim::Int | Prim::Short | Prim::Byte, Value::Int(i)) => *i as i32,
        (Prim::Long, Value::Int(i)) => long_hash(*i),
        (Prim::Boolean, Value::Bool(b)) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        (Prim::Double, Value::Float(f)) => {
            let bits = if f.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                f.to_bits() as i64
            };
            long_hash(bits)
        }
        (Prim::Float, Value::Float(f)) => {
            let f = *f as f32;
            if f.is_nan() {
                0x7fc0_0000
            } else {
                f.to_bits() as i32
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_reference_hashes() {
        // Values from the JDK: "hello".hashCode(), Long.hashCode(1L << 32 | 5), Double 1.5
        assert_eq!(string_hash("hello"), 99_162_322);
        assert_eq!(string_hash(""), 0);
        assert_eq!(long_hash((1 << 32) | 5), 4);
        assert_eq!(long_hash(-1), 0);
        assert_eq!(
            prim_hash(Prim::Double, &Value::Float(1.5)),
            Some(1_073_217_536)
        );
        assert_eq!(prim_hash(Prim::Boolean, &Value::Bool(true)), Some(1231));
    }

    #[test]
    fn tuple_combines_with_31() {
        let t = TypeInfo::Tuple {
            class: "org.apache.flink.api.java.tuple.Tuple2".into(),
            fields: vec![TypeInfo::prim(Prim::Int), TypeInfo::prim(Prim::Int)],
        };
        let mut b = 3i32.to_be_bytes().to_vec();
        b.extend(4i32.to_be_bytes());
        assert_eq!(key_hash_code(&t, &b), Some(31 * 3 + 4));
    }
}
