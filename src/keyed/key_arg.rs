//! A key given on the command line (`--key VALUE`), serialized as the key serializer writes
//! it, so entries can be matched by comparing bytes, and its key group computed with Java's
//! `hashCode()` the way Flink does.

use crate::hash::key_group_for_hash;
use crate::types::{Prim, TypeInfo, key_hash_code};

/// The serialized key and its key group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyArg {
    pub bytes: Vec<u8>,
    pub key_group: u32,
}

/// Flink `StringValue` variable-length int: 7 bits per byte, high bit = more follows.
fn varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7F) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// `StringSerializer` bytes of `s`: length + 1, then each UTF-16 unit, all as varints.
pub fn string_value_bytes(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut out = Vec::with_capacity(units.len() + 2);
    varint(&mut out, units.len() as u32 + 1);
    for u in units {
        varint(&mut out, u as u32);
    }
    out
}

fn parse<T: std::str::FromStr>(v: &str, what: &str) -> Result<T, String> {
    v.trim()
        .parse::<T>()
        .map_err(|_| format!("'{v}' is not a valid {what}"))
}

/// Serializes `value` for key type `t`. Supported: String, Long, Integer, Short, Byte,
/// Boolean, Character, Double, Float, and Tuples / POJO-free composites of those are not
/// (yet) parsed.
pub fn serialize_key(t: &TypeInfo, value: &str) -> Result<Vec<u8>, String> {
    let TypeInfo::Primitive { ty } = t else {
        return Err(format!(
            "--key supports keys of a basic type (String, Long, Integer, ...); this key is {t}"
        ));
    };
    Ok(match ty {
        Prim::String => string_value_bytes(value),
        Prim::Long => parse::<i64>(value, "Long")?.to_be_bytes().to_vec(),
        Prim::Int => parse::<i32>(value, "Integer")?.to_be_bytes().to_vec(),
        Prim::Short => parse::<i16>(value, "Short")?.to_be_bytes().to_vec(),
        Prim::Byte => parse::<i8>(value, "Byte")?.to_be_bytes().to_vec(),
        Prim::Boolean => vec![parse::<bool>(value, "Boolean")? as u8],
        Prim::Double => parse::<f64>(value, "Double")?.to_be_bytes().to_vec(),
        Prim::Float => parse::<f32>(value, "Float")?.to_be_bytes().to_vec(),
        Prim::Char => {
            let mut it = value.encode_utf16();
            match (it.next(), it.next()) {
                (Some(c), None) => c.to_be_bytes().to_vec(),
                _ => return Err(format!("'{value}' is not a single Character")),
            }
        }
        other => {
            return Err(format!("--key does not parse keys of type {other} yet"));
        }
    })
}

/// Serializes `value` and computes its key group for `max_parallelism`.
pub fn key_arg(t: &TypeInfo, value: &str, max_parallelism: u32) -> Result<KeyArg, String> {
    let bytes = serialize_key(t, value)?;
    let hash = key_hash_code(t, &bytes)
        .ok_or_else(|| format!("cannot compute the Java hashCode of a {t} key"))?;
    Ok(KeyArg {
        bytes,
        key_group: key_group_for_hash(hash, max_parallelism),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_bytes_round_trip_through_the_decoder() {
        let b = string_value_bytes("k0001é");
        let f: std::sync::Arc<str> = std::sync::Arc::from("t");
        let v = crate::types::decode_bytes(&TypeInfo::Primitive { ty: Prim::String }, &f, &b, 0)
            .unwrap();
        assert_eq!(v, crate::types::Value::String("k0001é".into()));
        // "hot": Java "hot".hashCode() = 103501
        let k = key_arg(&TypeInfo::Primitive { ty: Prim::String }, "hot", 128).unwrap();
        assert_eq!(k.key_group, key_group_for_hash(103_501, 128));
    }
}
