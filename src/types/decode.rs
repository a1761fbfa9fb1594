//! The decoders: read one value of a [`TypeInfo`] from a stream, consuming exactly its bytes.
//! Layouts: `formats/serializers.md` §6.

use std::io::Read;

use super::binary_row::{decimal_string, decode_row_bytes};
use super::java_obj::{JavaValue, as_list, read_java_object};
use super::tree::{ArrayElem, Prim, TypeInfo};
use super::value::{Value, big_int_string, row_kind};
use crate::io::text::read_string_value;
use crate::io::{DataInput, DecodeResult};

fn cannot_delimit<R: Read>(d: &DataInput<R>, class: &str) -> crate::io::DecodeError {
    d.err(format!(
        "a value of known layout: cannot delimit opaque value of class {class} (written by \
         a serializer this tool does not know, without a length: it cannot be delimited \
         without the class, so the rest of this key group is not read)"
    ))
}

fn count<R: Read>(d: &mut DataInput<R>, what: &str) -> DecodeResult<u64> {
    let at = d.pos();
    let n = d.i32(what)?;
    if n < 0 {
        return Err(d.err_at(at, format!("{what}: a non-negative count, found {n}")));
    }
    // Elements take at least a byte (zero-width ones are absurd in a collection), so a count
    // far beyond the remaining bytes is corruption, not a reason to loop or allocate.
    let cap = d.remaining().map_or(1 << 24, |rem| rem.max(1 << 16));
    if n as u64 > cap {
        return Err(d.err_at(at, format!("{what}: a count of at most {cap}, found {n}")));
    }
    Ok(n as u64)
}

fn read_big_int<R: Read>(d: &mut DataInput<R>) -> DecodeResult<Option<String>> {
    let at = d.pos();
    let n = d.i32("BigInteger length")?;
    Ok(match n {
        0 => None,
        1 => Some("0".into()),
        2 => Some("1".into()),
        3 => Some("10".into()),
        _ => {
            let len = d.check_len(n as i64 - 4, at, "BigInteger length")?;
            Some(big_int_string(&d.bytes(len, "BigInteger bytes")?))
        }
    })
}

fn prim<R: Read>(p: Prim, d: &mut DataInput<R>) -> DecodeResult<Value> {
    Ok(match p {
        Prim::Boolean => Value::Bool(d.bool("boolean")?),
        Prim::Byte => Value::Int(d.i8("byte")? as i64),
        Prim::Short => Value::Int(d.i16("short")? as i64),
        Prim::Char => {
            let c = d.u16("char")?;
            Value::String(crate::io::text::utf16_to_string(&[c]))
        }
        Prim::Int => Value::Int(d.i32("int")? as i64),
        Prim::Long => Value::Int(d.i64("long")?),
        Prim::Float => Value::Float(d.f32("float")? as f64),
        Prim::Double => Value::Float(d.f64("double")?),
        Prim::String => match read_string_value(d, "string")? {
            Some(s) => Value::String(s),
            None => Value::Null,
        },
        Prim::Void => {
            d.u8("void")?;
            Value::Null
        }
        Prim::BigInteger => read_big_int(d)?.map_or(Value::Null, Value::String),
        Prim::BigDecimal => match read_big_int(d)? {
            None => Value::Null,
            Some(unscaled) => {
                let scale = d.i32("BigDecimal scale")?;
                Value::Decimal(decimal_string(&unscaled, scale))
            }
        },
        Prim::DateMillis => match d.i64("date millis")? {
            i64::MIN => Value::Null,
            millis => Value::Timestamp { millis, nanos: 0 },
        },
        Prim::SqlTimestamp => {
            let millis = d.i64("timestamp millis")?;
            let nanos = d.i32("timestamp nanos")?;
            if millis == i64::MIN {
                Value::Null
            } else {
                // java.sql.Timestamp: nanos is the whole fractional second
                Value::Timestamp {
                    millis,
                    nanos: nanos % 1_000_000,
                }
            }
        }
        Prim::Instant => {
            let secs = d.i64("instant seconds")?;
            let nanos = d.i32("instant nanos")?;
            if secs == i64::MIN {
                Value::Null
            } else {
                Value::Timestamp {
                    millis: secs.saturating_mul(1000) + (nanos / 1_000_000) as i64,
                    nanos: nanos % 1_000_000,
                }
            }
        }
        Prim::LocalDate => local_date(d)?,
        Prim::LocalTime => local_time(d)?,
        Prim::LocalDateTime => {
            let date = local_date(d)?;
            let time = local_time(d)?;
            match (date, time) {
                (Value::Null, _) | (_, Value::Null) => Value::Null,
                (date, time) => Value::Struct(vec![("date".into(), date), ("time".into(), time)]),
            }
        }
        Prim::StringData => {
            let b = d.int_len_bytes("StringData")?;
            Value::String(String::from_utf8_lossy(&b).into_owned())
        }
        Prim::SortedLong => Value::Int((d.u64("sorted long")? ^ (1 << 63)) as i64),
    })
}

fn local_date<R: Read>(d: &mut DataInput<R>) -> DecodeResult<Value> {
    let y = d.i32("LocalDate year")?;
    let m = d.i8("LocalDate month")?;
    let day = d.i8("LocalDate day")?;
    if y == i32::MIN {
        return Ok(Value::Null);
    }
    Ok(Value::String(format!("{y:04}-{m:02}-{day:02}")))
}

fn local_time<R: Read>(d: &mut DataInput<R>) -> DecodeResult<Value> {
    let h = d.i8("LocalTime hour")?;
    let m = d.i8("LocalTime minute")?;
    let s = d.i8("LocalTime second")?;
    let n = d.i32("LocalTime nano")?;
    if h == i8::MIN {
        return Ok(Value::Null);
    }
    Ok(Value::String(format!("{h:02}:{m:02}:{s:02}.{n:09}")))
}

fn prim_array<R: Read>(e: ArrayElem, d: &mut DataInput<R>) -> DecodeResult<Value> {
    let n = count(d, "array length")?;
    let mut out = Vec::with_capacity(n.min(4096) as usize);
    if e == ArrayElem::Byte {
        return Ok(Value::Bytes(d.bytes(n, "byte[]")?));
    }
    for _ in 0..n {
        out.push(match e {
            ArrayElem::Boolean => prim(Prim::Boolean, d)?,
            ArrayElem::Byte => prim(Prim::Byte, d)?,
            ArrayElem::Short => prim(Prim::Short, d)?,
            ArrayElem::Char => prim(Prim::Char, d)?,
            ArrayElem::Int => prim(Prim::Int, d)?,
            ArrayElem::Long => prim(Prim::Long, d)?,
            ArrayElem::Float => prim(Prim::Float, d)?,
            ArrayElem::Double => prim(Prim::Double, d)?,
            ArrayElem::String => prim(Prim::String, d)?,
        });
    }
    Ok(Value::List(out))
}

const POJO_IS_NULL: u8 = 1;
const POJO_NO_SUBCLASS: u8 = 2;
const POJO_IS_SUBCLASS: u8 = 4;
const POJO_IS_TAGGED_SUBCLASS: u8 = 8;

/// Reads one value of type `t`, consuming exactly its bytes.
pub fn decode<R: Read>(t: &TypeInfo, d: &mut DataInput<R>) -> DecodeResult<Value> {
    decode_at(t, d, 0)
}

/// Decodes a value whose bytes are already delimited (canonical and RocksDB entries carry
/// lengths). All bytes must be used. Types without a decoder (Kryo, opaque and unknown
/// composite serializers) give `Value::Opaque` with the bytes instead of an error.
pub fn decode_bytes(
    t: &TypeInfo,
    file: &std::sync::Arc<str>,
    bytes: &[u8],
    base: u64,
) -> DecodeResult<Value> {
    let opaque = |class: &str| Value::Opaque {
        class: class.to_string(),
        bytes: bytes.to_vec(),
    };
    match t {
        TypeInfo::Kryo { class } => return Ok(opaque(class)),
        TypeInfo::Opaque { class_name, .. } => return Ok(opaque(class_name)),
        TypeInfo::Composite { class, .. } => return Ok(opaque(class)),
        _ => {}
    }
    let mut d = DataInput::from_slice(file, bytes, base);
    let v = decode(t, &mut d)?;
    if !d.rest().is_empty() {
        return Err(d.err(format!(
            "the end of a {t} value ({} bytes left over)",
            d.rest().len()
        )));
    }
    Ok(v)
}

/// Consumes one value of type `t` without keeping it (same byte rules as [`decode`]).
pub fn skip<R: Read>(t: &TypeInfo, d: &mut DataInput<R>) -> DecodeResult<()> {
    if let Some(n) = t.byte_len() {
        return d.skip(n as u64, "fixed-length value");
    }
    if let TypeInfo::Primitive { ty: Prim::String } = t {
        // the most common key type: consumed without decoding (same bytes, same errors)
        return crate::io::text::skip_string_value(d, "string");
    }
    decode_at(t, d, 0).map(|_| ())
}

fn decode_at<R: Read>(t: &TypeInfo, d: &mut DataInput<R>, depth: usize) -> DecodeResult<Value> {
    if depth > 64 {
        return Err(d.err("values nested at most 64 deep"));
    }
    let depth = depth + 1;
    Ok(match t {
        TypeInfo::Primitive { ty } => prim(*ty, d)?,
        TypeInfo::PrimitiveArray { elem } => prim_array(*elem, d)?,
        TypeInfo::Enum { class, constants } => {
            let at = d.pos();
            let i = d.i32("enum ordinal")?;
            match usize::try_from(i).ok().and_then(|i| constants.get(i)) {
                Some(c) => Value::Enum(c.clone()),
                None => {
                    return Err(d.err_at(
                        at,
                        format!(
                            "an ordinal below {} of enum {class}, found {i}",
                            constants.len()
                        ),
                    ));
                }
            }
        }
        TypeInfo::Pojo {
            class,
            fields,
            subclasses,
        } => {
            let at = d.pos();
            let flags = d.u8("POJO flags")?;
            if flags & POJO_IS_NULL != 0 {
                Value::Null
            } else if flags & POJO_NO_SUBCLASS != 0 {
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    let v = if d.bool("POJO field null flag")? {
                        Value::Null
                    } else {
                        decode_at(&f.ty, d, depth)?
                    };
                    out.push((f.name.clone(), v));
                }
                Value::Struct(out)
            } else if flags & POJO_IS_TAGGED_SUBCLASS != 0 {
                let tag = d.u8("POJO subclass tag")?;
                match subclasses.get(tag as usize) {
                    Some((_, st)) => decode_at(st, d, depth)?,
                    None => {
                        return Err(d.err_at(
                            at,
                            format!("a registered subclass tag of {class}, found {tag}"),
                        ));
                    }
                }
            } else if flags & POJO_IS_SUBCLASS != 0 {
                let sub = d.utf("POJO subclass name")?;
                return Err(cannot_delimit(d, &sub));
            } else {
                return Err(d.err_at(at, format!("POJO flags 1, 2, 4 or 8, found {flags}")));
            }
        }
        TypeInfo::Tuple { fields, .. } => {
            let mut out = Vec::with_capacity(fields.len());
            for (i, f) in fields.iter().enumerate() {
                out.push((format!("f{i}"), decode_at(f, d, depth)?));
            }
            Value::Struct(out)
        }
        TypeInfo::Row {
            fields,
            supports_row_kind,
        } => {
            let kind_bits = if *supports_row_kind { 2 } else { 0 };
            let bits = kind_bits + fields.len();
            let mask = d.bytes(bits.div_ceil(8) as u64, "row null mask")?;
            let bit = |i: usize| mask.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0);
            let kind = if *supports_row_kind {
                row_kind((bit(0) as u8) | ((bit(1) as u8) << 1))
            } else {
                "+I"
            };
            let mut out = Vec::with_capacity(fields.len());
            for (i, f) in fields.iter().enumerate() {
                let v = if bit(kind_bits + i) {
                    Value::Null
                } else {
                    decode_at(f, d, depth)?
                };
                out.push((format!("f{i}"), v));
            }
            Value::Row { kind, fields: out }
        }
        TypeInfo::RowData { fields, names } => {
            let at = d.pos() + 4;
            let bytes = d.int_len_bytes("BinaryRowData")?;
            decode_row_bytes(&bytes, fields, names.as_deref())
                .map_err(|(off, what)| d.err_at(at + off as u64, what))?
        }
        TypeInfo::BinaryRowData { .. } => Value::Bytes(d.int_len_bytes("BinaryRowData")?),
        TypeInfo::TimestampData { precision } => {
            let millis = d.i64("timestamp millis")?;
            let nanos = if *precision > 3 {
                d.i32("timestamp nanos of milli")?
            } else {
                0
            };
            Value::Timestamp { millis, nanos }
        }
        TypeInfo::DecimalData { precision, scale } => {
            let unscaled = if *precision <= 18 {
                d.i64("decimal unscaled long")?.to_string()
            } else {
                big_int_string(&d.int_len_bytes("decimal unscaled bytes")?)
            };
            Value::Decimal(decimal_string(&unscaled, *scale as i32))
        }
        TypeInfo::List { elem } => {
            let n = count(d, "list size")?;
            let mut out = Vec::with_capacity(n.min(4096) as usize);
            for _ in 0..n {
                out.push(decode_at(elem, d, depth)?);
            }
            Value::List(out)
        }
        TypeInfo::Set { elem } => {
            let n = count(d, "set size")?;
            let mut out = Vec::with_capacity(n.min(4096) as usize);
            for _ in 0..n {
                out.push(if d.bool("set element null flag")? {
                    Value::Null
                } else {
                    decode_at(elem, d, depth)?
                });
            }
            Value::List(out)
        }
        TypeInfo::Map { key, value } => {
            let n = count(d, "map size")?;
            let mut out = Vec::with_capacity(n.min(4096) as usize);
            for _ in 0..n {
                let k = decode_at(key, d, depth)?;
                let v = if d.bool("map value null flag")? {
                    Value::Null
                } else {
                    decode_at(value, d, depth)?
                };
                out.push((k, v));
            }
            Value::Map(out)
        }
        TypeInfo::GenericArray { elem, .. } => {
            let n = count(d, "array length")?;
            let mut out = Vec::with_capacity(n.min(4096) as usize);
            for _ in 0..n {
                // true = element present
                out.push(if d.bool("array element present flag")? {
                    decode_at(elem, d, depth)?
                } else {
                    Value::Null
                });
            }
            Value::List(out)
        }
        TypeInfo::Nullable { inner, padding } => {
            if d.bool("nullable null flag")? {
                d.skip(*padding as u64, "nullable padding")?;
                Value::Null
            } else {
                decode_at(inner, d, depth)?
            }
        }
        TypeInfo::Ttl { inner } => {
            let ts = d.i64("TTL last access timestamp")?;
            let v = decode_at(inner, d, depth)?;
            Value::Struct(vec![
                ("last_access".into(), Value::Int(ts)),
                ("value".into(), v),
            ])
        }
        TypeInfo::Timer { key, namespace } => {
            let ts = (d.u64("timer timestamp")? ^ (1 << 63)) as i64;
            let k = decode_at(key, d, depth)?;
            let ns = decode_at(namespace, d, depth)?;
            Value::Struct(vec![
                ("timestamp".into(), Value::Int(ts)),
                ("key".into(), k),
                ("namespace".into(), ns),
            ])
        }
        TypeInfo::VoidNamespace | TypeInfo::GlobalWindow | TypeInfo::NullMarker => {
            d.u8("marker byte")?;
            Value::Null
        }
        TypeInfo::TimeWindow | TypeInfo::SqlTimeWindow => {
            let start = d.i64("window start")?;
            let end = d.i64("window end")?;
            Value::Struct(vec![
                ("start".into(), Value::Int(start)),
                ("end".into(), Value::Int(end)),
            ])
        }
        TypeInfo::CountWindow => {
            Value::Struct(vec![("id".into(), Value::Int(d.i64("count window id")?))])
        }
        TypeInfo::External { inner } => decode_at(inner, d, depth)?,
        TypeInfo::LinkedList { elem, null_mask } => {
            let n = count(d, "linked list size")?;
            let mask = if *null_mask {
                d.bytes(n.div_ceil(8), "linked list null mask")?
            } else {
                Vec::new()
            };
            let mut out = Vec::with_capacity(n.min(4096) as usize);
            for i in 0..n as usize {
                let null = mask.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0);
                out.push(if null {
                    Value::Null
                } else {
                    decode_at(elem, d, depth)?
                });
            }
            Value::List(out)
        }
        TypeInfo::SqlData { ty } => {
            let at = d.pos() + 4;
            let bytes = d.int_len_bytes("binary array/map")?;
            super::binary_row::decode_standalone(&bytes, ty)
                .map_err(|(off, what)| d.err_at(at + off as u64, what))?
        }
        TypeInfo::Java => java_value(&read_java_object(d, "Java-serialized value")?, 0),
        TypeInfo::Avro {
            parsed: Some(schema),
            ..
        } => super::avro::decode_avro(schema, d)?,
        TypeInfo::Avro { runtime_type, .. } => {
            return Err(cannot_delimit(
                d,
                runtime_type
                    .as_deref()
                    .unwrap_or("Avro record with an unparsable schema"),
            ));
        }
        TypeInfo::StreamElement { inner } => stream_element(inner, d, depth)?,
        TypeInfo::Either { left, right } => {
            if d.bool("either isLeft")? {
                Value::Struct(vec![("left".into(), decode_at(left, d, depth)?)])
            } else {
                Value::Struct(vec![("right".into(), decode_at(right, d, depth)?)])
            }
        }
        TypeInfo::RawValue { inner } => {
            let at = d.pos() + 4;
            let bytes = d.int_len_bytes("raw value")?;
            let mut inner_d = DataInput::from_slice(d.file(), &bytes, at);
            match decode_at(inner, &mut inner_d, depth) {
                Ok(v) if inner_d.rest().is_empty() => v,
                _ => Value::Opaque {
                    class: inner.to_string(),
                    bytes,
                },
            }
        }
        TypeInfo::Kryo { class } => return Err(cannot_delimit(d, class)),
        TypeInfo::Composite { class, .. } => return Err(cannot_delimit(d, class)),
        TypeInfo::Opaque { class_name, .. } => return Err(cannot_delimit(d, class_name)),
    })
}

/// A Java-serialized object as a value: objects become structs of their fields.
fn java_value(v: &JavaValue, depth: usize) -> Value {
    if depth > 32 {
        return Value::Null;
    }
    match v {
        JavaValue::Null | JavaValue::Cycle(_) => Value::Null,
        JavaValue::Bool(b) => Value::Bool(*b),
        JavaValue::Byte(i) => Value::Int(*i as i64),
        JavaValue::Short(i) => Value::Int(*i as i64),
        JavaValue::Int(i) => Value::Int(*i as i64),
        JavaValue::Long(i) => Value::Int(*i),
        JavaValue::Float(f) => Value::Float(*f as f64),
        JavaValue::Double(f) => Value::Float(*f),
        JavaValue::Char(c) => Value::String(crate::io::text::utf16_to_string(&[*c])),
        JavaValue::String(s) | JavaValue::Class(s) => Value::String(s.to_string()),
        JavaValue::Enum { constant, .. } => Value::Enum(constant.to_string()),
        JavaValue::BlockData(b) => Value::Bytes(b.clone()),
        JavaValue::Array { elements, .. } => {
            Value::List(elements.iter().map(|i| java_value(i, depth + 1)).collect())
        }
        JavaValue::Object(o) => match &*o.class {
            "java.lang.Integer"
            | "java.lang.Long"
            | "java.lang.Short"
            | "java.lang.Byte"
            | "java.lang.Double"
            | "java.lang.Float"
            | "java.lang.Boolean"
            | "java.lang.Character" => o
                .field("value")
                .map_or(Value::Null, |x| java_value(x, depth + 1)),
            class => match as_list(v) {
                Some(items) if class.starts_with("java.util.") => Value::List(
                    items
                        .into_iter()
                        .map(|i| java_value(i, depth + 1))
                        .collect(),
                ),
                _ => Value::Struct(
                    o.fields
                        .iter()
                        .map(|(_, n, x)| (n.to_string(), java_value(x, depth + 1)))
                        .collect(),
                ),
            },
        },
    }
}

/// `StreamElementSerializer`: a tag byte, then a record (with or without timestamp) or a
/// control element.
fn stream_element<R: Read>(
    inner: &TypeInfo,
    d: &mut DataInput<R>,
    depth: usize,
) -> DecodeResult<Value> {
    let at = d.pos();
    let tag = d.u8("stream element tag")?;
    let f = |k: &str, v: Value| (k.to_string(), v);
    Ok(match tag {
        0 => {
            let ts = d.i64("record timestamp")?;
            let v = decode_at(inner, d, depth)?;
            Value::Struct(vec![f("timestamp", Value::Int(ts)), f("value", v)])
        }
        1 => Value::Struct(vec![f("value", decode_at(inner, d, depth)?)]),
        2 => Value::Struct(vec![f("watermark", Value::Int(d.i64("watermark")?))]),
        3 => {
            let t = d.i64("latency marker time")?;
            d.skip(20, "latency marker operator id and subtask")?;
            Value::Struct(vec![f("latency_marker", Value::Int(t))])
        }
        4 => Value::Struct(vec![f(
            "watermark_status",
            Value::Int(d.i32("status")? as i64),
        )]),
        5 => Value::Struct(vec![f(
            "backlog",
            Value::Bool(d.bool("record attributes")?),
        )]),
        6 => {
            let sub = d.i32("watermark subpartition")?;
            let w = d.i64("watermark")?;
            Value::Struct(vec![
                f("subpartition", Value::Int(sub as i64)),
                f("watermark", Value::Int(w)),
            ])
        }
        other => return Err(d.err_at(at, format!("a stream element tag 0..6, found {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::tree::PojoField;
    use crate::types::value::{format_date, format_timestamp};
    use std::sync::Arc;

    fn run(t: &TypeInfo, b: &[u8]) -> (DecodeResult<Value>, usize) {
        let n: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&n, b, 0);
        let v = decode(t, &mut d);
        (v, d.rest().len())
    }

    fn long() -> TypeInfo {
        TypeInfo::prim(Prim::Long)
    }

    #[test]
    fn timer_ttl_and_map_with_null_value() {
        let timer = TypeInfo::Timer {
            key: Box::new(TypeInfo::prim(Prim::String)),
            namespace: Box::new(TypeInfo::VoidNamespace),
        };
        let mut b = (5u64 ^ (1 << 63)).to_be_bytes().to_vec();
        b.extend([3, b'a', b'b', 0]); // "ab", VoidNamespace byte
        let (v, rest) = run(&timer, &b);
        assert_eq!(rest, 0);
        assert_eq!(
            v.unwrap(),
            Value::Struct(vec![
                ("timestamp".into(), Value::Int(5)),
                ("key".into(), Value::String("ab".into())),
                ("namespace".into(), Value::Null),
            ])
        );
        let map = TypeInfo::Map {
            key: Box::new(TypeInfo::prim(Prim::Int)),
            value: Box::new(TypeInfo::Ttl {
                inner: Box::new(long()),
            }),
        };
        let mut b = 2i32.to_be_bytes().to_vec();
        b.extend(1i32.to_be_bytes());
        b.push(1); // null value
        b.extend(2i32.to_be_bytes());
        b.push(0);
        b.extend(100i64.to_be_bytes());
        b.extend(7i64.to_be_bytes());
        let (v, rest) = run(&map, &b);
        assert_eq!(rest, 0);
        let Value::Map(entries) = v.unwrap() else {
            panic!()
        };
        assert_eq!(entries[0], (Value::Int(1), Value::Null));
        assert_eq!(
            entries[1].1,
            Value::Struct(vec![
                ("last_access".into(), Value::Int(100)),
                ("value".into(), Value::Int(7))
            ])
        );
    }

    #[test]
    fn pojo_flags_and_row_mask() {
        let pojo = TypeInfo::Pojo {
            class: "P".into(),
            fields: vec![
                PojoField {
                    name: "a".into(),
                    declaring_class: None,
                    ty: long(),
                },
                PojoField {
                    name: "b".into(),
                    declaring_class: None,
                    ty: TypeInfo::prim(Prim::String),
                },
            ],
            subclasses: vec![],
        };
        let mut b = vec![POJO_NO_SUBCLASS, 0];
        b.extend(9i64.to_be_bytes());
        b.push(1); // b is null
        let (v, rest) = run(&pojo, &b);
        assert_eq!(rest, 0);
        assert_eq!(
            v.unwrap(),
            Value::Struct(vec![("a".into(), Value::Int(9)), ("b".into(), Value::Null)])
        );
        assert_eq!(run(&pojo, &[POJO_IS_NULL]).0.unwrap(), Value::Null);
        // Row with kind bits: -D (3) -> bits 1,1; field 0 null, field 1 = 4
        let row = TypeInfo::Row {
            fields: vec![long(), TypeInfo::prim(Prim::Int)],
            supports_row_kind: true,
        };
        let mut b = vec![0b1110_0000];
        b.extend(4i32.to_be_bytes());
        let (v, rest) = run(&row, &b);
        assert_eq!(rest, 0);
        assert_eq!(
            v.unwrap(),
            Value::Row {
                kind: "-D",
                fields: vec![("f0".into(), Value::Null), ("f1".into(), Value::Int(4))]
            }
        );
    }

    #[test]
    fn big_numbers_and_opaque() {
        assert_eq!(big_int_string(&[0xFF]), "-1");
        assert_eq!(big_int_string(&[0x01, 0x00]), "256");
        assert_eq!(big_int_string(&[0x80, 0x00]), "-32768");
        let mut b = 6i32.to_be_bytes().to_vec(); // 2 bytes follow
        b.extend([0x30, 0x39]); // 12345
        b.extend(2i32.to_be_bytes());
        let (v, _) = run(&TypeInfo::prim(Prim::BigDecimal), &b);
        assert_eq!(v.unwrap(), Value::Decimal("123.45".into()));
        let (e, _) = run(
            &TypeInfo::Kryo {
                class: "com.acme.X".into(),
            },
            &[1, 2],
        );
        let e = e.unwrap_err();
        assert!(
            e.expected
                .contains("cannot delimit opaque value of class com.acme.X"),
            "{e}"
        );
        assert_eq!(format_timestamp(1_500, 250), "1970-01-01T00:00:01.50000025");
        // Flink reports Timer<Long, VoidNamespace> as 16 bytes; it writes 17
        let timer = TypeInfo::Timer {
            key: Box::new(long()),
            namespace: Box::new(TypeInfo::VoidNamespace),
        };
        assert_eq!(timer.fixed_len(), Some(16));
        assert_eq!(timer.byte_len(), Some(17));
        let n17: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&n17, &[0u8; 18], 0);
        skip(&timer, &mut d).unwrap();
        assert_eq!(d.rest().len(), 1);
        let n: Arc<str> = Arc::from("t");
        let kryo = TypeInfo::Kryo {
            class: "com.acme.X".into(),
        };
        assert_eq!(
            decode_bytes(&kryo, &n, &[1, 2], 0).unwrap(),
            Value::Opaque {
                class: "com.acme.X".into(),
                bytes: vec![1, 2]
            }
        );
        let e = decode_bytes(&long(), &n, &[0; 9], 100).unwrap_err();
        assert_eq!(e.offset, 108);
        assert_eq!(format_date(-1), "1969-12-31");
    }
}
