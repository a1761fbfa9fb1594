//! Type tree → Arrow types. Every Flink type the decoders know maps to one Arrow type; values
//! whose shape is not fixed by the type (Java serialization, Avro, Either, stream elements,
//! raw values) become JSON text, and values the decoders cannot read (Kryo, unknown
//! serializers, SQL `RAW`) become bytes with the class name in the field metadata.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, TimeUnit};

use crate::types::{ArrayElem, Prim, SqlKind, SqlType, TypeInfo};

/// Field-metadata key naming the class of opaque (undecoded) bytes.
pub const META_CLASS: &str = "flink_inspect.class";
/// Field-metadata key saying how a column is encoded when its type is not structural
/// (`opaque`: serialized bytes; `json`: the decoded value as JSON text).
pub const META_ENCODING: &str = "flink_inspect.encoding";

/// A field of the given name and type; nullable (Flink values may be null almost anywhere).
/// A value whose type nests a serializer without a known byte layout (Kryo, unknown) cannot be
/// delimited, so the decoders hand it over whole as bytes: such a column is opaque as a whole.
pub fn field_for(name: &str, t: &TypeInfo) -> Field {
    let (dt, meta) = if nests_undelimited(t, 0) {
        opaque(&t.to_string())
    } else {
        map_type(t, 0)
    };
    Field::new(name, dt, true).with_metadata(meta)
}

fn undelimited(t: &TypeInfo) -> bool {
    matches!(
        t,
        TypeInfo::Kryo { .. } | TypeInfo::Opaque { .. } | TypeInfo::Composite { .. }
    ) || matches!(t, TypeInfo::Avro { parsed: None, .. })
}

/// True if a type strictly below `t` has no known byte layout.
fn nests_undelimited(t: &TypeInfo, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let below = |c: &TypeInfo| undelimited(c) || nests_undelimited(c, depth + 1);
    match t {
        TypeInfo::Pojo {
            fields, subclasses, ..
        } => fields.iter().any(|f| below(&f.ty)) || subclasses.iter().any(|(_, c)| below(c)),
        TypeInfo::Tuple { fields, .. } | TypeInfo::Row { fields, .. } => fields.iter().any(below),
        TypeInfo::List { elem }
        | TypeInfo::Set { elem }
        | TypeInfo::LinkedList { elem, .. }
        | TypeInfo::GenericArray { elem, .. }
        | TypeInfo::Nullable { inner: elem, .. }
        | TypeInfo::External { inner: elem }
        | TypeInfo::Ttl { inner: elem }
        | TypeInfo::StreamElement { inner: elem } => below(elem),
        TypeInfo::Map { key, value }
        | TypeInfo::Either {
            left: key,
            right: value,
        } => below(key) || below(value),
        TypeInfo::Timer { key, namespace } => below(key) || below(namespace),
        _ => false,
    }
}

fn opaque(class: &str) -> (DataType, HashMap<String, String>) {
    let mut m = HashMap::new();
    m.insert(META_ENCODING.to_string(), "opaque".to_string());
    m.insert(META_CLASS.to_string(), class.to_string());
    (DataType::Binary, m)
}

fn json(class: &str) -> (DataType, HashMap<String, String>) {
    let mut m = HashMap::new();
    m.insert(META_ENCODING.to_string(), "json".to_string());
    m.insert(META_CLASS.to_string(), class.to_string());
    (DataType::Utf8, m)
}

fn plain(dt: DataType) -> (DataType, HashMap<String, String>) {
    (dt, HashMap::new())
}

fn struct_of(fields: Vec<Field>) -> DataType {
    DataType::Struct(Fields::from(fields))
}

fn list_of(elem: Field) -> DataType {
    DataType::List(Arc::new(elem.with_name("element")))
}

/// The Arrow map type with key and value fields (keys are never null in Arrow maps).
pub fn map_of(key: Field, value: Field) -> DataType {
    let entries = Field::new(
        "entries",
        struct_of(vec![
            key.with_name("key").with_nullable(false),
            value.with_name("value"),
        ]),
        false,
    );
    DataType::Map(Arc::new(entries), false)
}

fn ms() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, None)
}

/// Flink's own times (window bounds, timers, TTL) are epoch milliseconds that use
/// `Long.MAX_VALUE` for "never"; Arrow timestamps in DuckDB (microseconds) cannot hold that, so
/// these stay int64 epoch milliseconds.
pub fn epoch_ms() -> DataType {
    DataType::Int64
}

fn window() -> DataType {
    struct_of(vec![
        Field::new("start", epoch_ms(), true),
        Field::new("end", epoch_ms(), true),
    ])
}

const MAX_DEPTH: usize = 48;

fn prim(p: Prim) -> DataType {
    match p {
        Prim::Boolean => DataType::Boolean,
        Prim::Byte => DataType::Int8,
        Prim::Short => DataType::Int16,
        Prim::Int => DataType::Int32,
        Prim::Long | Prim::SortedLong => DataType::Int64,
        Prim::Float => DataType::Float32,
        Prim::Double => DataType::Float64,
        // Arbitrary precision and scale: plain decimal text.
        Prim::Char | Prim::String | Prim::StringData | Prim::BigInteger | Prim::BigDecimal => {
            DataType::Utf8
        }
        // The decoders render java.time dates and times as ISO text.
        Prim::LocalDate | Prim::LocalTime => DataType::Utf8,
        Prim::LocalDateTime => struct_of(vec![
            Field::new("date", DataType::Utf8, true),
            Field::new("time", DataType::Utf8, true),
        ]),
        Prim::Void => DataType::Null,
        Prim::DateMillis => ms(),
        Prim::SqlTimestamp => DataType::Timestamp(TimeUnit::Nanosecond, None),
        Prim::Instant => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
    }
}

fn map_type(t: &TypeInfo, depth: usize) -> (DataType, HashMap<String, String>) {
    if depth > MAX_DEPTH {
        return json("nested too deep");
    }
    let (dt, meta) = map_type_inner(t, depth);
    match &dt {
        // Parquet cannot store a struct without fields: keep such values as JSON (`{}`).
        DataType::Struct(fs) if fs.is_empty() => json(&t.to_string()),
        _ => (dt, meta),
    }
}

fn map_type_inner(t: &TypeInfo, depth: usize) -> (DataType, HashMap<String, String>) {
    let d = depth + 1;
    let f = |name: &str, t: &TypeInfo| {
        let (dt, meta) = map_type(t, d);
        Field::new(name, dt, true).with_metadata(meta)
    };
    match t {
        TypeInfo::Primitive { ty } => plain(prim(*ty)),
        TypeInfo::PrimitiveArray { elem } => match elem {
            ArrayElem::Byte => plain(DataType::Binary),
            other => {
                let p = match other {
                    ArrayElem::Boolean => Prim::Boolean,
                    ArrayElem::Short => Prim::Short,
                    ArrayElem::Char => Prim::Char,
                    ArrayElem::Int => Prim::Int,
                    ArrayElem::Long => Prim::Long,
                    ArrayElem::Float => Prim::Float,
                    ArrayElem::Double => Prim::Double,
                    ArrayElem::String | ArrayElem::Byte => Prim::String,
                };
                plain(list_of(Field::new("element", prim(p), true)))
            }
        },
        TypeInfo::Enum { .. } => plain(DataType::Utf8),
        // Subclass values carry fields of their own: no fixed shape.
        TypeInfo::Pojo {
            class, subclasses, ..
        } if !subclasses.is_empty() => json(class),
        TypeInfo::Pojo { fields, .. } => plain(struct_of(
            fields.iter().map(|pf| f(&pf.name, &pf.ty)).collect(),
        )),
        TypeInfo::Tuple { fields, .. } | TypeInfo::Row { fields, .. } => plain(struct_of(
            fields
                .iter()
                .enumerate()
                .map(|(i, t)| f(&format!("f{i}"), t))
                .collect(),
        )),
        TypeInfo::RowData { fields, names } => plain(sql_row(
            fields.iter().enumerate().map(|(i, t)| {
                let n = names
                    .as_ref()
                    .and_then(|n| n.get(i))
                    .cloned()
                    .unwrap_or_else(|| format!("f{i}"));
                (n, t)
            }),
            d,
        )),
        TypeInfo::BinaryRowData { .. } => {
            opaque("org.apache.flink.table.data.binary.BinaryRowData")
        }
        TypeInfo::TimestampData { precision } => plain(sql_ts(*precision, None)),
        TypeInfo::DecimalData { precision, scale } => plain(decimal(*precision, *scale)),
        TypeInfo::List { elem }
        | TypeInfo::Set { elem }
        | TypeInfo::LinkedList { elem, .. }
        | TypeInfo::GenericArray { elem, .. } => plain(list_of(f("element", elem))),
        TypeInfo::Map { key, value } => plain(map_of(f("key", key), f("value", value))),
        TypeInfo::Nullable { inner, .. } | TypeInfo::External { inner } => map_type(inner, d),
        TypeInfo::Ttl { inner } => plain(struct_of(vec![
            Field::new("last_access", epoch_ms(), true),
            f("value", inner),
        ])),
        TypeInfo::Timer { key, namespace } => plain(struct_of(vec![
            Field::new("timestamp", epoch_ms(), true),
            f("key", key),
            f("namespace", namespace),
        ])),
        TypeInfo::VoidNamespace | TypeInfo::GlobalWindow | TypeInfo::NullMarker => {
            plain(DataType::Null)
        }
        TypeInfo::TimeWindow | TypeInfo::SqlTimeWindow => plain(window()),
        TypeInfo::CountWindow => plain(struct_of(vec![Field::new("id", DataType::Int64, true)])),
        TypeInfo::SqlData { ty } => sql(ty, d),
        TypeInfo::Kryo { class } => opaque(class),
        TypeInfo::Opaque { class_name, .. } => opaque(class_name),
        TypeInfo::Composite { class, .. } => opaque(class),
        TypeInfo::Java => json("java.io.Serializable"),
        TypeInfo::Avro { runtime_type, .. } => json(runtime_type.as_deref().unwrap_or("avro")),
        TypeInfo::Either { .. } => json("org.apache.flink.types.Either"),
        TypeInfo::StreamElement { .. } => {
            json("org.apache.flink.streaming.runtime.streamrecord.StreamElement")
        }
        TypeInfo::RawValue { inner } => json(&inner.to_string()),
    }
}

fn decimal(precision: u32, scale: u32) -> DataType {
    if (1..=38).contains(&precision) && scale <= precision {
        DataType::Decimal128(precision as u8, scale as i8)
    } else {
        DataType::Utf8
    }
}

fn sql_ts(precision: u32, tz: Option<&str>) -> DataType {
    let unit = if precision <= 3 {
        TimeUnit::Millisecond
    } else {
        TimeUnit::Nanosecond
    };
    DataType::Timestamp(unit, tz.map(Arc::from))
}

fn sql_row<'a>(fields: impl Iterator<Item = (String, &'a SqlType)>, depth: usize) -> DataType {
    struct_of(
        fields
            .map(|(n, t)| {
                let (dt, meta) = sql(t, depth);
                Field::new(n, dt, true).with_metadata(meta)
            })
            .collect(),
    )
}

fn sql(t: &SqlType, depth: usize) -> (DataType, HashMap<String, String>) {
    if depth > MAX_DEPTH {
        return json("nested too deep");
    }
    let (dt, meta) = sql_inner(t, depth);
    match &dt {
        DataType::Struct(fs) if fs.is_empty() => json(&t.to_string()),
        _ => (dt, meta),
    }
}

fn sql_inner(t: &SqlType, depth: usize) -> (DataType, HashMap<String, String>) {
    let d = depth + 1;
    let f = |name: &str, t: &SqlType| {
        let (dt, meta) = sql(t, d);
        Field::new(name, dt, true).with_metadata(meta)
    };
    plain(match &t.kind {
        SqlKind::Boolean => DataType::Boolean,
        SqlKind::TinyInt => DataType::Int8,
        SqlKind::SmallInt => DataType::Int16,
        SqlKind::Integer => DataType::Int32,
        SqlKind::BigInt => DataType::Int64,
        SqlKind::Float => DataType::Float32,
        SqlKind::Double => DataType::Float64,
        SqlKind::Date => DataType::Date32,
        SqlKind::Time { .. } => DataType::Time32(TimeUnit::Millisecond),
        SqlKind::Timestamp { precision } => sql_ts(*precision, None),
        SqlKind::TimestampLtz { precision } => sql_ts(*precision, Some("UTC")),
        SqlKind::Char { .. } | SqlKind::VarChar { .. } => DataType::Utf8,
        SqlKind::Binary { .. } | SqlKind::VarBinary { .. } => DataType::Binary,
        SqlKind::Decimal { precision, scale } => decimal(*precision, *scale),
        // Months, and milliseconds, as Flink stores them.
        SqlKind::IntervalYearMonth => DataType::Int32,
        SqlKind::IntervalDayTime => DataType::Int64,
        SqlKind::Array { element } => list_of(f("element", element)),
        SqlKind::Multiset { element } => map_of(
            f("key", element),
            Field::new("value", DataType::Int32, true),
        ),
        SqlKind::Map { key, value } => map_of(f("key", key), f("value", value)),
        SqlKind::Row { fields } => sql_row(fields.iter().map(|(n, t)| (n.clone(), t)), d),
        SqlKind::Null => DataType::Null,
        SqlKind::Raw { class } => return opaque(class),
        SqlKind::Other { type_root } => return opaque(type_root),
    })
}

/// Paths (dot-separated field names) of the opaque and JSON columns below `field`.
pub fn special_columns(field: &Field, prefix: &str, out: &mut Vec<(String, String, String)>) {
    let path = if prefix.is_empty() {
        field.name().clone()
    } else {
        format!("{prefix}.{}", field.name())
    };
    if let Some(enc) = field.metadata().get(META_ENCODING) {
        let class = field
            .metadata()
            .get(META_CLASS)
            .cloned()
            .unwrap_or_default();
        out.push((path.clone(), enc.clone(), class));
    }
    match field.data_type() {
        DataType::Struct(fs) => fs.iter().for_each(|c| special_columns(c, &path, out)),
        DataType::List(c) => special_columns(c, &path, out),
        DataType::Map(e, _) => {
            if let DataType::Struct(fs) = e.data_type() {
                fs.iter().for_each(|c| special_columns(c, &path, out))
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PojoField;

    fn p(ty: Prim) -> TypeInfo {
        TypeInfo::Primitive { ty }
    }

    #[test]
    fn pojo_tuple_list_map_and_opaque() {
        let t = TypeInfo::Pojo {
            class: "x.Order".into(),
            fields: vec![
                PojoField {
                    name: "id".into(),
                    declaring_class: None,
                    ty: p(Prim::Long),
                },
                PojoField {
                    name: "tags".into(),
                    declaring_class: None,
                    ty: TypeInfo::List {
                        elem: Box::new(p(Prim::String)),
                    },
                },
                PojoField {
                    name: "blob".into(),
                    declaring_class: None,
                    ty: TypeInfo::Kryo {
                        class: "x.Blob".into(),
                    },
                },
            ],
            subclasses: vec![],
        };
        let (dt, meta) = map_type(&t, 0);
        let f = Field::new("value", dt, true).with_metadata(meta);
        let DataType::Struct(fs) = f.data_type() else {
            panic!("struct expected, got {}", f.data_type())
        };
        assert_eq!(fs[0].name(), "id");
        assert_eq!(fs[0].data_type(), &DataType::Int64);
        assert!(matches!(fs[1].data_type(), DataType::List(e) if e.data_type() == &DataType::Utf8));
        assert_eq!(fs[2].data_type(), &DataType::Binary);
        assert_eq!(fs[2].metadata().get(META_CLASS).unwrap(), "x.Blob");
        let mut special = Vec::new();
        special_columns(&f, "", &mut special);
        assert_eq!(
            special,
            vec![("value.blob".into(), "opaque".into(), "x.Blob".into())]
        );
        // as a column, a value nesting Kryo cannot be delimited: opaque as a whole
        let col = field_for("value", &t);
        assert_eq!(col.data_type(), &DataType::Binary);
        assert_eq!(col.metadata().get(META_ENCODING).unwrap(), "opaque");
        let m = field_for(
            "m",
            &TypeInfo::Map {
                key: Box::new(p(Prim::String)),
                value: Box::new(p(Prim::Int)),
            },
        );
        assert!(matches!(m.data_type(), DataType::Map(..)));
        assert_eq!(field_for("w", &TypeInfo::TimeWindow).data_type(), &window());
    }

    #[test]
    fn sql_row_types() {
        let t = |kind| SqlType {
            nullable: true,
            kind,
        };
        let row = TypeInfo::RowData {
            fields: vec![
                t(SqlKind::Decimal {
                    precision: 10,
                    scale: 2,
                }),
                t(SqlKind::Timestamp { precision: 3 }),
                t(SqlKind::Date),
                t(SqlKind::VarChar { length: 5 }),
            ],
            names: Some(vec!["amount".into(), "ts".into(), "d".into(), "s".into()]),
        };
        let DataType::Struct(fs) = field_for("value", &row).data_type().clone() else {
            panic!("struct expected")
        };
        let types: Vec<_> = fs
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect();
        assert_eq!(
            types,
            vec![
                ("amount".into(), DataType::Decimal128(10, 2)),
                ("ts".into(), ms()),
                ("d".into(), DataType::Date32),
                ("s".into(), DataType::Utf8),
            ]
        );
    }
}
