//! Raw entries to values: the key, namespace, user key and value(s) of one [`Entry`], decoded
//! with the types of the state's meta info. List state gives one value per element (with its
//! index); TTL-wrapped values give the value and its last-access timestamp.

use std::ops::ControlFlow;
use std::sync::Arc;

use super::entry::{Entry, ValueLayout};
use super::header::StateMetaInfo;
use crate::io::{DataInput, DecodeResult};
use crate::types::{TypeInfo, Value, decode, decode_bytes, decode_plain};

/// One decoded value of an entry (a list gives one per element).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedValue {
    /// Position in the list (list state only).
    pub index: Option<u32>,
    pub value: Value,
    /// The TTL wrapper's last-access timestamp (epoch millis), when TTL is on.
    pub ttl_timestamp: Option<i64>,
}

/// A decoded entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub key: Value,
    pub namespace: Value,
    pub user_key: Option<Value>,
    /// Timers: the timer's timestamp (epoch millis).
    pub timestamp: Option<i64>,
    pub values: Vec<DecodedValue>,
}

fn name(e: &Entry, part: &str) -> Arc<str> {
    Arc::from(format!(
        "state '{}' key group {} {part}",
        e.state, e.key_group
    ))
}

/// Decodes delimited bytes. A value holding a part this tool cannot delimit (a Kryo field
/// inside a POJO, say) is kept whole as `Value::Opaque` with the outer type's class: its bytes
/// are known exactly, only their inside is not.
fn all(t: &TypeInfo, e: &Entry, part: &str, bytes: &[u8]) -> DecodeResult<Value> {
    // Strings, longs, ints and the void namespace: straight from the bytes (the common case;
    // anything unusual falls through to the full decoder and its errors).
    if let Some(v) = decode_plain(t, bytes) {
        return Ok(v);
    }
    match decode_bytes(t, &name(e, part), bytes, 0) {
        Err(err) if err.expected.contains("cannot delimit opaque value") => Ok(Value::Opaque {
            class: class_of(t),
            bytes: bytes.to_vec(),
        }),
        other => other,
    }
}

/// The class a type stands for, for opaque values.
pub fn class_of(t: &TypeInfo) -> String {
    match t {
        TypeInfo::Pojo { class, .. }
        | TypeInfo::Tuple { class, .. }
        | TypeInfo::Kryo { class }
        | TypeInfo::Enum { class, .. }
        | TypeInfo::Composite { class, .. } => class.clone(),
        TypeInfo::Opaque { class_name, .. } => class_name.clone(),
        other => other.to_string(),
    }
}

/// Splits a TTL wrapper off a value's bytes.
fn value_of(
    t: &TypeInfo,
    e: &Entry,
    bytes: &[u8],
    index: Option<u32>,
) -> DecodeResult<DecodedValue> {
    if let TypeInfo::Ttl { inner } = t
        && let Some((ts, rest)) = bytes.split_first_chunk::<8>()
    {
        return Ok(DecodedValue {
            index,
            value: all(inner, e, "value", rest)?,
            ttl_timestamp: Some(i64::from_be_bytes(*ts)),
        });
    }
    if let TypeInfo::Ttl { inner } = t {
        let n = name(e, "value");
        let mut d = DataInput::from_slice(&n, bytes, 0);
        let ts = d.i64("TTL last access timestamp")?;
        let rest = d.rest();
        return Ok(DecodedValue {
            index,
            value: all(inner, e, "value", rest)?,
            ttl_timestamp: Some(ts),
        });
    }
    Ok(DecodedValue {
        index,
        value: all(t, e, "value", bytes)?,
        ttl_timestamp: None,
    })
}

/// Reads one element from a stream, splitting the TTL wrapper.
fn element(t: &TypeInfo, d: &mut DataInput<&[u8]>, index: u32) -> DecodeResult<DecodedValue> {
    let (ttl, t) = match t {
        TypeInfo::Ttl { inner } => (Some(d.i64("TTL last access timestamp")?), &**inner),
        other => (None, other),
    };
    Ok(DecodedValue {
        index: Some(index),
        value: decode(t, d)?,
        ttl_timestamp: ttl,
    })
}

/// Decodes `e` with `key_type` (the header's key serializer) and the state's meta info.
pub fn decode_entry(key_type: &TypeInfo, meta: &StateMetaInfo, e: &Entry) -> DecodeResult<Decoded> {
    let mut values = Vec::new();
    let mut d = decode_entry_each(key_type, meta, e, &mut |_, v| {
        values.push(v);
        ControlFlow::Continue(())
    })?;
    d.values = values;
    Ok(d)
}

/// Like [`decode_entry`], but hands each value to `each` as it is decoded (with the entry's
/// key, namespace, user key and timestamp; its `values` stay empty) instead of collecting
/// them, so a list of millions of elements never sits in memory as values. `each` breaking
/// stops the decoding (`Ok` is still returned). A list element that fails to decode comes
/// after its predecessors were handed out.
pub fn decode_entry_each(
    key_type: &TypeInfo,
    meta: &StateMetaInfo,
    e: &Entry,
    each: &mut dyn FnMut(&Decoded, DecodedValue) -> ControlFlow<()>,
) -> DecodeResult<Decoded> {
    let missing = |role: &str| {
        crate::io::DecodeError::new(
            &name(e, "header"),
            0,
            format!("a {role} serializer for state '{}'", meta.name),
        )
    };
    if e.value_layout == ValueLayout::Timer {
        let Some(TypeInfo::Timer { key, namespace }) = meta.value_type() else {
            return Err(missing("timer element"));
        };
        let ts = e
            .value
            .get(..8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                (u64::from_be_bytes(a) ^ (1 << 63)) as i64
            })
            .ok_or_else(|| missing("8-byte timer timestamp"))?;
        return Ok(Decoded {
            key: all(key, e, "key", &e.key)?,
            namespace: all(namespace, e, "namespace", &e.namespace)?,
            user_key: None,
            timestamp: Some(ts),
            values: Vec::new(),
        });
    }
    let ns_t = meta.namespace_type().ok_or_else(|| missing("namespace"))?;
    let v_t = meta.value_type().ok_or_else(|| missing("value"))?;
    let key = all(key_type, e, "key", &e.key)?;
    let namespace = all(ns_t, e, "namespace", &e.namespace)?;
    let mut head = Decoded {
        key,
        namespace,
        user_key: None,
        timestamp: None,
        values: Vec::new(),
    };
    match e.value_layout {
        ValueLayout::Single => {
            let _ = each(&head, value_of(v_t, e, &e.value, None)?);
        }
        ValueLayout::MapValue => {
            let TypeInfo::Map {
                key: uk_t,
                value: uv_t,
            } = v_t
            else {
                return Err(missing("map"));
            };
            if let Some(uk) = &e.user_key {
                head.user_key = Some(all(uk_t, e, "user key", uk)?);
            }
            match e.value.split_first() {
                Some((0, rest)) => {
                    let _ = each(&head, value_of(uv_t, e, rest, None)?);
                }
                Some(_) => {
                    let null = DecodedValue {
                        index: None,
                        value: Value::Null,
                        ttl_timestamp: None,
                    };
                    let _ = each(&head, null);
                }
                None => {
                    // no null flag: the reader's error (file, offset, what was expected)
                    let n = name(e, "value");
                    DataInput::from_slice(&n, &e.value, 0).bool("map value null flag")?;
                }
            }
        }
        ValueLayout::DelimitedList | ValueLayout::CountedList => {
            let TypeInfo::List { elem } = v_t else {
                return Err(missing("list"));
            };
            let n = name(e, "value");
            let mut d = DataInput::from_slice(&n, &e.value, 0);
            if e.value_layout == ValueLayout::CountedList {
                let at = d.pos();
                let count = d.i32("list size")?;
                let count = d.check_len(count as i64, at, "list size")?;
                for i in 0..count {
                    if each(&head, element(elem, &mut d, i as u32)?).is_break() {
                        return Ok(head);
                    }
                }
            } else {
                let mut i = 0u32;
                while !d.rest().is_empty() {
                    if each(&head, element(elem, &mut d, i)?).is_break() {
                        return Ok(head);
                    }
                    i += 1;
                    if !d.rest().is_empty() {
                        let at = d.pos();
                        let b = d.u8("list delimiter")?;
                        if b != b',' {
                            return Err(d.err_at(at, format!("list delimiter ',', found {b:#04x}")));
                        }
                    }
                }
            }
            if !d.rest().is_empty() {
                return Err(d.err(format!(
                    "the end of the list ({} bytes left)",
                    d.rest().len()
                )));
            }
        }
        ValueLayout::Timer => {}
    }
    Ok(head)
}
