//! Serializer snapshots (`TypeSerializerSnapshot`) to [`TypeInfo`].
//!
//! Two framings exist (see `formats/serializers.md`):
//! * top level (`TypeSerializerSnapshotSerializationUtil`): `int32 2`, `UTF class`,
//!   `int32 version`, payload;
//! * nested (`writeVersionedSnapshot`): `UTF class`, `int32 version`, payload.
//!
//! Payloads carry no length. A snapshot class this reader does not know therefore cannot be
//! skipped in general; [`Parsed::Unknown`] reports it to the caller, which may know how to find
//! the end (a length-framed POJO field, a following sibling snapshot, the end of the header).

use std::io::Read;

mod composite;
pub mod legacy;
mod optional_map;
mod sql;

use composite::{read_composite, read_delegate};
use optional_map::{read_kryo, read_pojo};
use sql::{read_avro, read_row_data};

use super::java_obj::{class_of, read_java_object};
use super::logical::sql_type;
use super::tree::{ArrayElem, Prim, SqlType, TypeInfo};
use crate::io::{DataInput, DecodeResult};

#[cfg(test)]
use composite::tail_class_name;

/// `TypeSerializerSnapshot.ADAPTER_VERSION` (Flink ≤1.16 legacy config snapshots).
const ADAPTER_VERSION: i32 = 0x7A53_C4F0;
pub(super) const COMPOSITE_MAGIC: i32 = 0x000D_E704;
pub(super) const DELEGATE_MAGIC: i32 = 0x0014_57FD;
pub(super) const OPTIONAL_MAP_HEADER: i64 = 0x0000_04F2_C69A_3D70;
const MAX_NESTING: usize = 48;
/// Longest run of unknown snapshot bytes scanned through when looking for what follows.
pub const MAX_SCAN: usize = 1 << 20;

/// Result of reading one snapshot.
#[derive(Debug)]
pub enum Parsed {
    Known(TypeInfo),
    /// A snapshot class whose payload layout is unknown. Everything up to `payload_at` (the
    /// class name and version) has been consumed; the payload has not (or only partly, when a
    /// nested unknown snapshot was the last child of a known composite).
    Unknown {
        class_name: String,
        version: i32,
        payload_at: u64,
        /// Payload bytes already consumed while probing (e.g. 4 bytes read as a possible
        /// composite magic).
        consumed: Vec<u8>,
    },
}

impl Parsed {
    /// The type, with an unknown snapshot as [`TypeInfo::Opaque`] (its payload not read).
    pub fn into_type(self) -> TypeInfo {
        match self {
            Parsed::Known(t) => t,
            Parsed::Unknown {
                class_name,
                consumed,
                ..
            } => TypeInfo::Opaque {
                class_name,
                snapshot: consumed,
            },
        }
    }
}

/// Reads a top-level snapshot (`int32 proxy version`, then the nested form).
pub fn read_serializer_snapshot<R: Read>(d: &mut DataInput<R>) -> DecodeResult<Parsed> {
    let at = d.pos();
    let proxy = d.i32("serializer snapshot proxy version")?;
    if proxy != 2 {
        return Err(d.err_at(
            at,
            format!(
                "serializer snapshot proxy version 2 (Flink 1.7+), found {proxy}{}",
                if proxy == 1 {
                    " (pre-1.7 layout, not supported)"
                } else {
                    ""
                }
            ),
        ));
    }
    read_nested_snapshot(d)
}

/// Reads a nested-form snapshot (`UTF class`, `int32 version`, payload).
pub fn read_nested_snapshot<R: Read>(d: &mut DataInput<R>) -> DecodeResult<Parsed> {
    read_nested_at(d, 0)
}

fn read_nested_at<R: Read>(d: &mut DataInput<R>, depth: usize) -> DecodeResult<Parsed> {
    let class = d.utf("serializer snapshot class name")?;
    read_with_class(d, class, depth)
}

fn serializer_of(snapshot_class: &str) -> &str {
    // "pkg.LongSerializer$LongSerializerSnapshot" -> "pkg.LongSerializer"
    match snapshot_class.rfind('$') {
        Some(i) => &snapshot_class[..i],
        None => snapshot_class,
    }
}

fn simple(class: &str) -> Option<TypeInfo> {
    simple_serializer(serializer_of(class), class)
}

/// Type of a parameterless serializer class `ser` (snapshot class `class`, for messages).
fn simple_serializer(ser: &str, class: &str) -> Option<TypeInfo> {
    const BASE: &str = "org.apache.flink.api.common.typeutils.base.";
    const ARR: &str = "org.apache.flink.api.common.typeutils.base.array.";
    if let Some(n) = ser.strip_prefix(ARR) {
        let elem = match n {
            "BooleanPrimitiveArraySerializer" => ArrayElem::Boolean,
            "BytePrimitiveArraySerializer" => ArrayElem::Byte,
            "CharPrimitiveArraySerializer" => ArrayElem::Char,
            "DoublePrimitiveArraySerializer" => ArrayElem::Double,
            "FloatPrimitiveArraySerializer" => ArrayElem::Float,
            "IntPrimitiveArraySerializer" => ArrayElem::Int,
            "LongPrimitiveArraySerializer" => ArrayElem::Long,
            "ShortPrimitiveArraySerializer" => ArrayElem::Short,
            "StringArraySerializer" => ArrayElem::String,
            _ => return None,
        };
        return Some(TypeInfo::PrimitiveArray { elem });
    }
    if let Some(n) = ser.strip_prefix(BASE) {
        let p = match n {
            "BooleanSerializer" | "BooleanValueSerializer" => Prim::Boolean,
            "ByteSerializer" => Prim::Byte,
            "ShortSerializer" => Prim::Short,
            "CharSerializer" => Prim::Char,
            "IntSerializer" => Prim::Int,
            "LongSerializer" => Prim::Long,
            "FloatSerializer" => Prim::Float,
            "DoubleSerializer" => Prim::Double,
            "StringSerializer" => Prim::String,
            "VoidSerializer" => Prim::Void,
            "BigIntSerializer" => Prim::BigInteger,
            "BigDecSerializer" => Prim::BigDecimal,
            "DateSerializer" | "SqlDateSerializer" | "SqlTimeSerializer" => Prim::DateMillis,
            "SqlTimestampSerializer" => Prim::SqlTimestamp,
            "InstantSerializer" => Prim::Instant,
            "LocalDateSerializer" => Prim::LocalDate,
            "LocalTimeSerializer" => Prim::LocalTime,
            "LocalDateTimeSerializer" => Prim::LocalDateTime,
            _ => return None,
        };
        return Some(TypeInfo::prim(p));
    }
    Some(match ser {
        "org.apache.flink.runtime.state.VoidNamespaceSerializer" => TypeInfo::VoidNamespace,
        "org.apache.flink.streaming.api.windowing.windows.TimeWindow$Serializer" => {
            TypeInfo::TimeWindow
        }
        "org.apache.flink.streaming.api.windowing.windows.GlobalWindow$Serializer" => {
            TypeInfo::GlobalWindow
        }
        "org.apache.flink.table.runtime.operators.window.TimeWindow$Serializer" => {
            TypeInfo::SqlTimeWindow
        }
        "org.apache.flink.table.runtime.operators.window.CountWindow$Serializer" => {
            TypeInfo::CountWindow
        }
        "org.apache.flink.table.runtime.typeutils.StringDataSerializer" => {
            TypeInfo::prim(Prim::StringData)
        }
        "org.apache.flink.table.runtime.operators.sink.SortedLongSerializer" => {
            TypeInfo::prim(Prim::SortedLong)
        }
        "org.apache.flink.table.dataview.NullSerializer" => TypeInfo::NullMarker,
        "org.apache.flink.runtime.state.JavaSerializer" => TypeInfo::Java,
        // Simple snapshots whose value layout this reader does not decode.
        "org.apache.flink.cep.nfa.sharedbuffer.EventId$EventIdSerializer"
        | "org.apache.flink.cep.nfa.DeweyNumber$DeweyNumberSerializer" => TypeInfo::Opaque {
            class_name: class.to_string(),
            snapshot: Vec::new(),
        },
        _ => return None,
    })
}

pub(super) fn read_with_class<R: Read>(
    d: &mut DataInput<R>,
    class: String,
    depth: usize,
) -> DecodeResult<Parsed> {
    if depth > MAX_NESTING {
        return Err(d.err(format!(
            "serializer snapshots nested at most {MAX_NESTING} deep"
        )));
    }
    let version = d.i32("serializer snapshot version")?;
    if version == ADAPTER_VERSION {
        return read_legacy_adapter(d, class);
    }
    let payload_at = d.pos();
    let unknown = |class: String| Parsed::Unknown {
        class_name: class,
        version,
        payload_at,
        consumed: Vec::new(),
    };
    if let Some(t) = simple(&class) {
        // SimpleTypeSerializerSnapshot: v3 empty, v1/v2 the serializer class name.
        if version < 3 {
            d.utf("simple snapshot serializer class name (version < 3)")?;
        }
        return Ok(Parsed::Known(t));
    }
    let ty = match class.as_str() {
        "org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot" if version == 2 => {
            read_pojo(d, depth)?
        }
        "org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializerSnapshot"
            if version == 2 =>
        {
            read_kryo(d)?
        }
        "org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot" => read_avro(d, version)?,
        "org.apache.flink.api.common.typeutils.base.EnumSerializer$EnumSerializerSnapshot" => {
            let class = d.utf("enum class")?;
            let n_at = d.pos();
            let n = d.i32("enum constant count")?;
            let n = d.check_len(n as i64, n_at, "enum constant count")?;
            let mut constants = Vec::with_capacity(n.min(1024) as usize);
            for _ in 0..n {
                constants.push(d.utf("enum constant name")?);
            }
            TypeInfo::Enum { class, constants }
        }
        "org.apache.flink.table.runtime.typeutils.RowDataSerializer$RowDataSerializerSnapshot" => {
            read_row_data(d, version, depth)?
        }
        "org.apache.flink.table.runtime.typeutils.BinaryRowDataSerializer$BinaryRowDataSerializerSnapshot" =>
        {
            let at = d.pos();
            let n = d.i32("BinaryRowData arity")?;
            if n < 0 {
                return Err(d.err_at(at, format!("a non-negative BinaryRowData arity, found {n}")));
            }
            TypeInfo::BinaryRowData { arity: n as u32 }
        }
        "org.apache.flink.table.runtime.typeutils.TimestampDataSerializer$TimestampDataSerializerSnapshot" => {
            TypeInfo::TimestampData {
                precision: d.i32("timestamp precision")?.max(0) as u32,
            }
        }
        "org.apache.flink.table.runtime.typeutils.DecimalDataSerializer$DecimalSerializerSnapshot" =>
        {
            let precision = d.i32("decimal precision")?.max(0) as u32;
            let scale = d.i32("decimal scale")?.max(0) as u32;
            TypeInfo::DecimalData { precision, scale }
        }
        "org.apache.flink.table.runtime.typeutils.MapDataSerializer$MapDataSerializerSnapshot" => {
            // key type, value type, key serializer, value serializer
            let k = read_java_object(d, "MapData key LogicalType")?;
            let v = read_java_object(d, "MapData value LogicalType")?;
            read_java_object(d, "MapData key serializer")?;
            read_java_object(d, "MapData value serializer")?;
            TypeInfo::SqlData {
                ty: SqlType {
                    nullable: true,
                    kind: super::tree::SqlKind::Map {
                        key: Box::new(sql_type(&k, 0)),
                        value: Box::new(sql_type(&v, 0)),
                    },
                },
            }
        }
        "org.apache.flink.table.runtime.typeutils.ArrayDataSerializer$ArrayDataSerializerSnapshot" =>
        {
            let e = read_java_object(d, "ArrayData element LogicalType")?;
            read_java_object(d, "ArrayData element serializer")?;
            TypeInfo::SqlData {
                ty: SqlType {
                    nullable: true,
                    kind: super::tree::SqlKind::Array {
                        element: Box::new(sql_type(&e, 0)),
                    },
                },
            }
        }
        // Flink 1.7-1.?: a plain nested-serializers delegate (left, right), before Either
        // became a CompositeTypeSerializerSnapshot (version 3+, read generically below)
        "org.apache.flink.api.java.typeutils.runtime.EitherSerializerSnapshot" if version == 2 => {
            match read_delegate(d, depth)? {
                Ok(mut ch) if ch.len() == 2 => {
                    let right = ch.pop().unwrap_or(TypeInfo::NullMarker);
                    let left = ch.pop().unwrap_or(TypeInfo::NullMarker);
                    TypeInfo::Either {
                        left: Box::new(left),
                        right: Box::new(right),
                    }
                }
                Ok(children) => TypeInfo::Composite { class, children },
                Err(_) => return Ok(unknown(class)),
            }
        }
        "org.apache.flink.runtime.state.ttl.TtlAwareSerializerSnapshot" => {
            // bool isTtlEnabled + the wrapped snapshot, whose serializer writes the values
            d.bool("TTL-aware flag")?;
            return read_nested_at(d, depth + 1);
        }
        "org.apache.flink.table.runtime.typeutils.SortedMapSerializerSnapshot" => {
            read_java_object(d, "sorted map comparator")?;
            match read_delegate(d, depth)? {
                Ok(mut ch) if ch.len() == 2 => {
                    let value = ch.pop().unwrap_or(TypeInfo::NullMarker);
                    let key = ch.pop().unwrap_or(TypeInfo::NullMarker);
                    TypeInfo::Map {
                        key: Box::new(key),
                        value: Box::new(value),
                    }
                }
                Ok(children) => TypeInfo::Composite { class, children },
                Err(_) => return Ok(unknown(class)),
            }
        }
        _ if version >= 3 => {
            // Maybe a CompositeTypeSerializerSnapshot: its payload starts with a magic number.
            // Reading it consumes 4 bytes of an unknown payload otherwise; the caller then
            // treats the snapshot as unknown from `payload_at` on either way.
            let at = d.pos();
            let magic = d.i32("composite snapshot magic or unknown payload")?;
            if magic != COMPOSITE_MAGIC {
                let _ = at;
                return Ok(Parsed::Unknown {
                    class_name: class,
                    version,
                    payload_at,
                    consumed: magic.to_be_bytes().to_vec(),
                });
            }
            return read_composite(d, class, version, payload_at, depth);
        }
        _ => return Ok(unknown(class)),
    };
    Ok(Parsed::Known(ty))
}

/// Flink ≤1.16 legacy `TypeSerializerConfigSnapshot`, behind the adapter version: a framed
/// Java-serialized serializer (`int32 1`, `int32 len`, bytes), the real version, then the
/// config's own payload. Only `ParameterlessTypeSerializerConfig` (a UTF identifier) is read;
/// the Java-serialized serializer's class then names the type.
fn read_legacy_adapter<R: Read>(d: &mut DataInput<R>, class: String) -> DecodeResult<Parsed> {
    let v_at = d.pos();
    let proxy = d.i32("legacy serializer proxy version")?;
    if proxy != 1 {
        return Err(d.err_at(
            v_at,
            format!("legacy serializer proxy version 1, found {proxy}"),
        ));
    }
    let java_at = d.pos() + 4;
    let java = d.int_len_bytes("legacy Java-serialized serializer")?;
    let version = d.i32("legacy config snapshot version")?;
    let payload_at = d.pos();
    let file = d.file().clone();
    let mut s = DataInput::from_slice(&file, &java, java_at);
    let object = read_java_object(&mut s, "legacy Java-serialized serializer").ok();
    let serializer = object
        .as_ref()
        .and_then(|v| class_of(v).map(str::to_string));
    if let Some(obj) = &object
        && let Some(tail) = legacy_composite_tail(&class)
    {
        // CompositeTypeSerializerConfigSnapshot: the nested serializers-and-configs block
        // (length-framed), then for Tuples the Java-serialized tuple class. The serializer
        // object itself describes the type.
        legacy::read_serializers_and_configs(d)
            .map_err(|e| e.with_context(format!("nested serializers of {class}")))?;
        if tail {
            read_java_object(d, "legacy tuple class")?;
        }
        return Ok(Parsed::Known(legacy::type_of_serializer(obj, 0)));
    }
    if class == "org.apache.flink.api.common.typeutils.ParameterlessTypeSerializerConfig" {
        d.utf("parameterless serializer identifier")?;
        if let Some(t) = serializer
            .as_deref()
            .and_then(|s| simple_serializer(s, &class))
        {
            return Ok(Parsed::Known(t));
        }
        return Ok(Parsed::Known(TypeInfo::Opaque {
            class_name: serializer.unwrap_or(class),
            snapshot: java,
        }));
    }
    Ok(Parsed::Unknown {
        class_name: class,
        version,
        payload_at,
        consumed: Vec::new(),
    })
}

/// Legacy config snapshots laid out as `CompositeTypeSerializerConfigSnapshot` (Flink <= 1.16):
/// `Some(true)` when a Java-serialized class follows the nested block (Tuples).
fn legacy_composite_tail(config_class: &str) -> Option<bool> {
    Some(match config_class {
        "org.apache.flink.api.java.typeutils.runtime.TupleSerializerConfigSnapshot" => true,
        "org.apache.flink.api.java.typeutils.runtime.EitherSerializerConfigSnapshot"
        | "org.apache.flink.api.common.typeutils.base.CollectionSerializerConfigSnapshot"
        | "org.apache.flink.api.common.typeutils.base.MapSerializerConfigSnapshot"
        | "org.apache.flink.api.common.typeutils.CompositeTypeSerializerConfigSnapshot" => false,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    pub(crate) fn utf(s: &str) -> Vec<u8> {
        let mut v = (s.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    }

    fn simple_snap(class: &str) -> Vec<u8> {
        let mut v = utf(class);
        v.extend(3i32.to_be_bytes());
        v
    }

    fn composite(class: &str, outer_v: i32, outer: &[u8], kids: &[Vec<u8>]) -> Vec<u8> {
        let mut v = utf(class);
        v.extend(3i32.to_be_bytes());
        v.extend(COMPOSITE_MAGIC.to_be_bytes());
        v.extend(outer_v.to_be_bytes());
        v.extend_from_slice(outer);
        v.extend(DELEGATE_MAGIC.to_be_bytes());
        v.extend(1i32.to_be_bytes());
        v.extend((kids.len() as i32).to_be_bytes());
        for k in kids {
            v.extend_from_slice(k);
        }
        v
    }

    const LONG: &str =
        "org.apache.flink.api.common.typeutils.base.LongSerializer$LongSerializerSnapshot";
    const STR: &str =
        "org.apache.flink.api.common.typeutils.base.StringSerializer$StringSerializerSnapshot";

    fn parse(b: &[u8]) -> (TypeInfo, usize) {
        let f: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&f, b, 0);
        match read_nested_snapshot(&mut d).unwrap() {
            Parsed::Known(t) => (t, d.rest().len()),
            Parsed::Unknown { class_name, .. } => panic!("unknown {class_name}"),
        }
    }

    #[test]
    fn map_of_string_to_tuple() {
        let tuple = composite(
            "org.apache.flink.api.java.typeutils.runtime.TupleSerializerSnapshot",
            2,
            &utf("org.apache.flink.api.java.tuple.Tuple2"),
            &[simple_snap(LONG), simple_snap(STR)],
        );
        let map = composite(
            "org.apache.flink.api.common.typeutils.base.MapSerializerSnapshot",
            1,
            &[],
            &[simple_snap(STR), tuple],
        );
        let mut b = map.clone();
        b.push(0xEE);
        let (t, rest) = parse(&b);
        assert_eq!(rest, 1);
        assert_eq!(t.to_string(), "Map<String, Tuple2<Long, String>>");
    }

    #[test]
    fn unknown_child_before_a_sibling_degrades_only_itself() {
        let mut unknown = utf("com.acme.FancySerializer$FancySnapshot");
        unknown.extend(1i32.to_be_bytes());
        unknown.extend(utf("configPayload"));
        let tuple = composite(
            "org.apache.flink.api.java.typeutils.runtime.TupleSerializerSnapshot",
            2,
            &utf("org.apache.flink.api.java.tuple.Tuple2"),
            &[unknown, simple_snap(LONG)],
        );
        let (t, rest) = parse(&tuple);
        assert_eq!(rest, 0);
        assert_eq!(
            t.to_string(),
            "Tuple2<Opaque(com.acme.FancySerializer$FancySnapshot), Long>"
        );
        match t {
            TypeInfo::Tuple { fields, .. } => match &fields[0] {
                TypeInfo::Opaque { snapshot, .. } => assert_eq!(snapshot, &utf("configPayload")),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_composite_keeps_children() {
        let c = composite(
            "com.acme.Wrapper$WrapperSnapshot",
            7,
            &[1, 2, 3],
            &[simple_snap(LONG)],
        );
        let (t, rest) = parse(&c);
        assert_eq!(rest, 0);
        assert_eq!(t.to_string(), "WrapperSnapshot<Long>");
    }

    #[test]
    fn enum_and_pojo() {
        let mut e =
            utf("org.apache.flink.api.common.typeutils.base.EnumSerializer$EnumSerializerSnapshot");
        e.extend(3i32.to_be_bytes());
        e.extend(utf("com.acme.Color"));
        e.extend(2i32.to_be_bytes());
        e.extend(utf("RED"));
        e.extend(utf("GREEN"));
        let mut p = utf("org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot");
        p.extend(2i32.to_be_bytes());
        p.extend(utf("com.acme.Order"));
        p.extend(OPTIONAL_MAP_HEADER.to_be_bytes());
        p.extend(2i32.to_be_bytes());
        for (name, snap) in [("color", e), ("id", simple_snap(LONG))] {
            p.extend(utf(name));
            let mut key = utf("com.acme.Order");
            key.extend(utf(name));
            p.push(1);
            p.extend((key.len() as i32).to_be_bytes());
            p.extend(key);
            p.push(1);
            p.extend((snap.len() as i32).to_be_bytes());
            p.extend(snap);
        }
        for _ in 0..2 {
            p.extend(OPTIONAL_MAP_HEADER.to_be_bytes());
            p.extend(0i32.to_be_bytes());
        }
        let (t, rest) = parse(&p);
        assert_eq!(rest, 0);
        assert_eq!(
            t.to_string(),
            "Pojo com.acme.Order{color: Enum Color{RED, GREEN}, id: Long}"
        );
    }

    #[test]
    fn ttl_aware_wrapper_is_transparent_and_either_is_read() {
        let either = composite(
            "org.apache.flink.api.java.typeutils.runtime.JavaEitherSerializerSnapshot",
            1,
            &[],
            &[simple_snap(LONG), simple_snap(STR)],
        );
        let mut b = utf("org.apache.flink.runtime.state.ttl.TtlAwareSerializerSnapshot");
        b.extend(1i32.to_be_bytes());
        b.push(0);
        b.extend(either);
        let (t, rest) = parse(&b);
        assert_eq!(rest, 0);
        assert_eq!(t.to_string(), "Either<Long, String>");
    }

    #[test]
    fn tail_class_name_needs_matching_length() {
        let mut b = vec![9, 9];
        b.extend(utf("a.BSnapshot"));
        assert_eq!(tail_class_name(&b), Some(2));
        let mut c = vec![0, 3];
        c.extend(b"a.BSnapshot");
        assert_eq!(tail_class_name(&c), None);
    }
}
