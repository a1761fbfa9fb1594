//! A key given on the command line (`--key VALUE`), serialized as the key serializer writes
//! it, so entries can be matched by comparing bytes, and its key group computed from the
//! key's Java `hashCode()` the way Flink does (`KeyGroupRangeAssignment`: murmur of the hash
//! code, modulo the max parallelism).
//!
//! The value is the plain text for a basic-type key (`--key k0001`, `--key 42`) and JSON for
//! a composite one: an array (fields in order) or an object (by field name) for Tuple, Row
//! and POJO keys, an array of column values for SQL `RowData` keys (`--key '["hot"]'`).

use serde_json::Value as J;

use super::key_encode::{write_prim, write_value};
use crate::hash::key_group_for_hash;
use crate::types::{TypeInfo, key_hash_code};

pub use super::key_encode::string_value_bytes;

/// The serialized key and its key group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyArg {
    pub bytes: Vec<u8>,
    /// `None` when the key's `hashCode()` is user-defined (POJOs) or identity-based (enums
    /// inside a composite), so every key group has to be searched.
    pub key_group: Option<u32>,
    /// Why the key group is unknown, when it is.
    pub note: Option<String>,
}

/// Serializes `value` for key type `t`.
pub fn serialize_key(t: &TypeInfo, value: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut inner = t;
    while let TypeInfo::External { inner: i } = inner {
        inner = i;
    }
    match inner {
        // basic types: the text as is (a String key needs no JSON quotes)
        TypeInfo::Primitive { ty } => write_prim(*ty, value, &mut out)?,
        TypeInfo::Enum { .. } => write_value(inner, &J::String(value.to_string()), &mut out)?,
        _ => {
            let j: J = serde_json::from_str(value).map_err(|e| {
                format!("--key for a {t} key takes JSON (an array or object of the fields): {e}")
            })?;
            write_value(inner, &j, &mut out)?;
        }
    }
    Ok(out)
}

/// Serializes `value` and computes its key group for `max_parallelism`.
pub fn key_arg(t: &TypeInfo, value: &str, max_parallelism: u32) -> Result<KeyArg, String> {
    let bytes = serialize_key(t, value)?;
    Ok(match key_hash_code(t, &bytes) {
        Some(hash) => KeyArg {
            bytes,
            key_group: Some(key_group_for_hash(hash, max_parallelism)),
            note: None,
        },
        None => KeyArg {
            bytes,
            key_group: None,
            note: Some(format!(
                "the hashCode() of a {t} key is defined by its class, so its key group is \
                 unknown: every key group is searched"
            )),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Prim;

    #[test]
    fn string_bytes_round_trip_through_the_decoder() {
        let b = string_value_bytes("k0001é");
        let f: std::sync::Arc<str> = std::sync::Arc::from("t");
        let v = crate::types::decode_bytes(&TypeInfo::Primitive { ty: Prim::String }, &f, &b, 0)
            .unwrap();
        assert_eq!(v, crate::types::Value::String("k0001é".into()));
        // "hot": Java "hot".hashCode() = 103501
        let k = key_arg(&TypeInfo::Primitive { ty: Prim::String }, "hot", 128).unwrap();
        assert_eq!(k.key_group, Some(key_group_for_hash(103_501, 128)));
    }

    #[test]
    fn tuple_keys_take_json_and_hash_like_java() {
        let t = TypeInfo::Tuple {
            class: "org.apache.flink.api.java.tuple.Tuple2".into(),
            fields: vec![TypeInfo::prim(Prim::String), TypeInfo::prim(Prim::Int)],
        };
        let k = key_arg(&t, r#"["hot", 3]"#, 128).unwrap();
        // Tuple2.hashCode = 31 * "hot".hashCode() + 3
        assert_eq!(k.key_group, Some(key_group_for_hash(31 * 103_501 + 3, 128)));
        assert!(key_arg(&t, "hot", 128).is_err());
    }
}
