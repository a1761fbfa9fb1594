//! The type tree rebuilt from serializer snapshots, and its readable rendering.

use std::fmt;

use serde::Serialize;

/// Fixed, parameterless serializers (Flink's `SimpleTypeSerializerSnapshot` family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Prim {
    Boolean,
    Byte,
    Short,
    Char,
    Int,
    Long,
    Float,
    Double,
    String,
    Void,
    BigInteger,
    BigDecimal,
    /// `java.util.Date`, `java.sql.Date`, `java.sql.Time`: `int64` millis.
    DateMillis,
    /// `java.sql.Timestamp`: millis + nanos.
    SqlTimestamp,
    Instant,
    LocalDate,
    LocalTime,
    LocalDateTime,
    /// Table runtime `StringData` (int32 length + UTF-8).
    StringData,
    /// Table runtime `SortedLongSerializer` (sign-flipped long).
    SortedLong,
}

/// Element type of a primitive-array serializer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ArrayElem {
    Boolean,
    Byte,
    Short,
    Char,
    Int,
    Long,
    Float,
    Double,
    String,
}

/// One POJO field in Flink's serialization order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PojoField {
    pub name: String,
    /// Class declaring the field, when the snapshot still knows it.
    pub declaring_class: Option<String>,
    pub ty: TypeInfo,
}

/// A logical SQL type (from a `LogicalType` stored in a RowData snapshot).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SqlType {
    pub nullable: bool,
    #[serde(flatten)]
    pub kind: SqlKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "root", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SqlKind {
    Boolean,
    #[serde(rename = "TINYINT")]
    TinyInt,
    #[serde(rename = "SMALLINT")]
    SmallInt,
    Integer,
    #[serde(rename = "BIGINT")]
    BigInt,
    Float,
    Double,
    Date,
    Time {
        precision: u32,
    },
    Timestamp {
        precision: u32,
    },
    TimestampLtz {
        precision: u32,
    },
    Char {
        length: u32,
    },
    #[serde(rename = "VARCHAR")]
    VarChar {
        length: u32,
    },
    Binary {
        length: u32,
    },
    #[serde(rename = "VARBINARY")]
    VarBinary {
        length: u32,
    },
    Decimal {
        precision: u32,
        scale: u32,
    },
    IntervalYearMonth,
    IntervalDayTime,
    Array {
        element: Box<SqlType>,
    },
    Multiset {
        element: Box<SqlType>,
    },
    Map {
        key: Box<SqlType>,
        value: Box<SqlType>,
    },
    Row {
        fields: Vec<(String, SqlType)>,
    },
    Raw {
        class: String,
    },
    Null,
    /// A type root this reader does not model (name as Flink spells the enum constant).
    Other {
        type_root: String,
    },
}

/// What a serializer snapshot describes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeInfo {
    Primitive {
        ty: Prim,
    },
    PrimitiveArray {
        elem: ArrayElem,
    },
    Enum {
        class: String,
        constants: Vec<String>,
    },
    Pojo {
        class: String,
        fields: Vec<PojoField>,
        /// Registered subclasses in tag order.
        subclasses: Vec<(String, TypeInfo)>,
    },
    Tuple {
        class: String,
        fields: Vec<TypeInfo>,
    },
    Row {
        fields: Vec<TypeInfo>,
        supports_row_kind: bool,
    },
    /// Table runtime `RowDataSerializer` (values are `BinaryRowData`).
    RowData {
        fields: Vec<SqlType>,
        names: Option<Vec<String>>,
    },
    BinaryRowData {
        arity: u32,
    },
    /// Table runtime `TimestampData` serializer.
    TimestampData {
        precision: u32,
    },
    /// Table runtime `DecimalData` serializer.
    DecimalData {
        precision: u32,
        scale: u32,
    },
    List {
        elem: Box<TypeInfo>,
    },
    Set {
        elem: Box<TypeInfo>,
    },
    Map {
        key: Box<TypeInfo>,
        value: Box<TypeInfo>,
    },
    GenericArray {
        component_class: String,
        elem: Box<TypeInfo>,
    },
    Nullable {
        inner: Box<TypeInfo>,
        padding: u32,
    },
    /// State TTL wrapper: last access timestamp + user value.
    Ttl {
        inner: Box<TypeInfo>,
    },
    /// Timer (priority-queue element): sign-flipped timestamp, key, namespace.
    Timer {
        key: Box<TypeInfo>,
        namespace: Box<TypeInfo>,
    },
    VoidNamespace,
    TimeWindow,
    GlobalWindow,
    /// Table runtime window namespaces.
    SqlTimeWindow,
    CountWindow,
    Avro {
        runtime_type: Option<String>,
        schema: String,
        /// The schema parsed for decoding (`None` if it does not parse).
        #[serde(skip)]
        parsed: Option<std::sync::Arc<super::avro::AvroSchema>>,
    },
    /// `EitherSerializer`: `bool isLeft`, then the left or right value.
    Either {
        left: Box<TypeInfo>,
        right: Box<TypeInfo>,
    },
    /// Table `RawValueDataSerializer`: `i32` length + the inner serializer's bytes.
    RawValue {
        inner: Box<TypeInfo>,
    },
    /// `StreamElementSerializer` (buffered records of e.g. async I/O operators).
    StreamElement {
        inner: Box<TypeInfo>,
    },
    Kryo {
        class: String,
    },
    /// Table `LinkedListSerializer`: int32 size, optional null mask, non-null elements.
    LinkedList {
        elem: Box<TypeInfo>,
        null_mask: bool,
    },
    /// Table `MapDataSerializer` / `ArrayDataSerializer`: int32 length + binary map/array.
    SqlData {
        ty: SqlType,
    },
    /// Table `NullSerializer`: one byte, always null.
    NullMarker,
    /// `JavaSerializer`: one Java serialization stream per value.
    Java,
    /// Table `ExternalSerializer`: the value bytes are those of the internal serializer.
    External {
        inner: Box<TypeInfo>,
    },
    /// A composite serializer this reader knows only by its nested serializers.
    Composite {
        class: String,
        children: Vec<TypeInfo>,
    },
    /// A serializer whose snapshot this reader cannot interpret (or only partly).
    Opaque {
        class_name: String,
        #[serde(skip_serializing_if = "Vec::is_empty", with = "hex_bytes")]
        snapshot: Vec<u8>,
    },
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::hash::hex(b))
    }
}

impl TypeInfo {
    pub(crate) fn prim(ty: Prim) -> TypeInfo {
        TypeInfo::Primitive { ty }
    }

    /// Fixed serialized length as Flink's `getLength()` reports it (`None` = variable). This is
    /// what decides whether RocksDB/canonical composite keys carry length bytes. Note that
    /// Flink reports 0 for `VoidNamespace`, which writes one byte; see [`TypeInfo::byte_len`].
    pub fn fixed_len(&self) -> Option<u32> {
        self.len_with(0)
    }

    /// Number of bytes every value of this type occupies, if constant (`VoidNamespace` = 1).
    pub fn byte_len(&self) -> Option<u32> {
        self.len_with(1)
    }

    fn len_with(&self, void_ns: u32) -> Option<u32> {
        use Prim::*;
        match self {
            TypeInfo::Primitive { ty } => match ty {
                Boolean | Byte | Void => Some(1),
                Short | Char => Some(2),
                Int | Float => Some(4),
                Long | Double | DateMillis | SortedLong => Some(8),
                SqlTimestamp | Instant => Some(12),
                LocalDate => Some(6),
                LocalTime => Some(7),
                LocalDateTime => Some(13),
                String | BigInteger | BigDecimal | StringData => None,
            },
            TypeInfo::Enum { .. } => Some(4),
            TypeInfo::VoidNamespace => Some(void_ns),
            TypeInfo::TimeWindow | TypeInfo::SqlTimeWindow => Some(16),
            TypeInfo::GlobalWindow | TypeInfo::NullMarker => Some(1),
            TypeInfo::CountWindow => Some(8),
            // TupleSerializerBase: fixed only if every field is fixed and non-empty
            TypeInfo::Tuple { fields, .. } => {
                let mut sum = 0u32;
                for f in fields {
                    match f.len_with(void_ns) {
                        Some(n) if n > 0 => sum = sum.saturating_add(n),
                        _ => return None,
                    }
                }
                Some(sum)
            }
            // TimerSerializer and CompositeSerializer (TTL): 8 + the parts when all are fixed
            TypeInfo::Timer { key, namespace } => Some(
                8u32.saturating_add(key.len_with(void_ns)?)
                    .saturating_add(namespace.len_with(void_ns)?),
            ),
            TypeInfo::Ttl { inner } => Some(8u32.saturating_add(inner.len_with(void_ns)?)),
            // NullableSerializer: fixed only with null padding (flag + padded value)
            TypeInfo::Nullable { padding, .. } if *padding > 0 => Some(padding.saturating_add(1)),
            TypeInfo::External { inner } => inner.len_with(void_ns),
            _ => None,
        }
    }
}

fn short_class(c: &str) -> &str {
    c.rsplit(['.', '$']).next().unwrap_or(c)
}

fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

impl fmt::Display for Prim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Prim::Boolean => "Boolean",
            Prim::Byte => "Byte",
            Prim::Short => "Short",
            Prim::Char => "Character",
            Prim::Int => "Integer",
            Prim::Long => "Long",
            Prim::Float => "Float",
            Prim::Double => "Double",
            Prim::String => "String",
            Prim::Void => "Void",
            Prim::BigInteger => "BigInteger",
            Prim::BigDecimal => "BigDecimal",
            Prim::DateMillis => "Date",
            Prim::SqlTimestamp => "Timestamp",
            Prim::Instant => "Instant",
            Prim::LocalDate => "LocalDate",
            Prim::LocalTime => "LocalTime",
            Prim::LocalDateTime => "LocalDateTime",
            Prim::StringData => "StringData",
            Prim::SortedLong => "SortedLong",
        };
        f.write_str(s)
    }
}

impl fmt::Display for ArrayElem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ArrayElem::Boolean => "boolean[]",
            ArrayElem::Byte => "byte[]",
            ArrayElem::Short => "short[]",
            ArrayElem::Char => "char[]",
            ArrayElem::Int => "int[]",
            ArrayElem::Long => "long[]",
            ArrayElem::Float => "float[]",
            ArrayElem::Double => "double[]",
            ArrayElem::String => "String[]",
        };
        f.write_str(s)
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SqlKind::Boolean => f.write_str("BOOLEAN")?,
            SqlKind::TinyInt => f.write_str("TINYINT")?,
            SqlKind::SmallInt => f.write_str("SMALLINT")?,
            SqlKind::Integer => f.write_str("INT")?,
            SqlKind::BigInt => f.write_str("BIGINT")?,
            SqlKind::Float => f.write_str("FLOAT")?,
            SqlKind::Double => f.write_str("DOUBLE")?,
            SqlKind::Date => f.write_str("DATE")?,
            SqlKind::Time { precision } => write!(f, "TIME({precision})")?,
            SqlKind::Timestamp { precision } => write!(f, "TIMESTAMP({precision})")?,
            SqlKind::TimestampLtz { precision } => write!(f, "TIMESTAMP_LTZ({precision})")?,
            SqlKind::Char { length } => write!(f, "CHAR({length})")?,
            SqlKind::VarChar { length } if *length == i32::MAX as u32 => f.write_str("STRING")?,
            SqlKind::VarChar { length } => write!(f, "VARCHAR({length})")?,
            SqlKind::Binary { length } => write!(f, "BINARY({length})")?,
            SqlKind::VarBinary { length } if *length == i32::MAX as u32 => f.write_str("BYTES")?,
            SqlKind::VarBinary { length } => write!(f, "VARBINARY({length})")?,
            SqlKind::Decimal { precision, scale } => write!(f, "DECIMAL({precision}, {scale})")?,
            SqlKind::IntervalYearMonth => f.write_str("INTERVAL YEAR TO MONTH")?,
            SqlKind::IntervalDayTime => f.write_str("INTERVAL DAY TO SECOND")?,
            SqlKind::Array { element } => write!(f, "ARRAY<{element}>")?,
            SqlKind::Multiset { element } => write!(f, "MULTISET<{element}>")?,
            SqlKind::Map { key, value } => write!(f, "MAP<{key}, {value}>")?,
            SqlKind::Row { fields } => {
                f.write_str("ROW<")?;
                for (i, (n, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n} {t}")?;
                }
                f.write_str(">")?;
            }
            SqlKind::Raw { class } => write!(f, "RAW('{class}')")?,
            SqlKind::Null => f.write_str("NULL")?,
            SqlKind::Other { type_root } => f.write_str(type_root)?,
        }
        if !self.nullable {
            f.write_str(" NOT NULL")?;
        }
        Ok(())
    }
}

impl fmt::Display for TypeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeInfo::Primitive { ty } => write!(f, "{ty}"),
            TypeInfo::PrimitiveArray { elem } => write!(f, "{elem}"),
            TypeInfo::Enum { class, constants } => {
                write!(f, "Enum {}{{{}}}", short_class(class), constants.join(", "))
            }
            TypeInfo::Pojo {
                class,
                fields,
                subclasses,
            } => {
                write!(f, "Pojo {class}{{")?;
                for (i, fl) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", fl.name, fl.ty)?;
                }
                f.write_str("}")?;
                if !subclasses.is_empty() {
                    f.write_str(" subclasses [")?;
                    for (i, (c, t)) in subclasses.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{c}: {t}")?;
                    }
                    f.write_str("]")?;
                }
                Ok(())
            }
            TypeInfo::Tuple { class, fields } => {
                write!(f, "{}<", short_class(class))?;
                list(f, fields)?;
                f.write_str(">")
            }
            TypeInfo::Row { fields, .. } => {
                f.write_str("Row<")?;
                list(f, fields)?;
                f.write_str(">")
            }
            TypeInfo::RowData { fields, names } => {
                f.write_str("RowData<")?;
                for (i, t) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match names.as_ref().and_then(|n| n.get(i)) {
                        Some(n) => write!(f, "{n} {t}")?,
                        None => write!(f, "{t}")?,
                    }
                }
                f.write_str(">")
            }
            TypeInfo::BinaryRowData { arity } => write!(f, "BinaryRowData({arity} fields)"),
            TypeInfo::TimestampData { precision } => write!(f, "TimestampData({precision})"),
            TypeInfo::DecimalData { precision, scale } => {
                write!(f, "DecimalData({precision}, {scale})")
            }
            TypeInfo::List { elem } => write!(f, "List<{elem}>"),
            TypeInfo::Set { elem } => write!(f, "Set<{elem}>"),
            TypeInfo::Map { key, value } => write!(f, "Map<{key}, {value}>"),
            TypeInfo::GenericArray { elem, .. } => write!(f, "{elem}[]"),
            TypeInfo::Nullable { inner, .. } => write!(f, "Nullable<{inner}>"),
            TypeInfo::Ttl { inner } => write!(f, "Ttl<{inner}>"),
            TypeInfo::Timer { key, namespace } => write!(f, "Timer<{key}, {namespace}>"),
            TypeInfo::VoidNamespace => f.write_str("VoidNamespace"),
            TypeInfo::TimeWindow => f.write_str("TimeWindow"),
            TypeInfo::GlobalWindow => f.write_str("GlobalWindow"),
            TypeInfo::SqlTimeWindow => f.write_str("TimeWindow(sql)"),
            TypeInfo::CountWindow => f.write_str("CountWindow"),
            TypeInfo::Avro { runtime_type, .. } => match runtime_type {
                Some(t) => write!(f, "Avro {t}"),
                None => f.write_str("Avro"),
            },
            TypeInfo::Kryo { class } => write!(f, "Kryo {class}"),
            TypeInfo::StreamElement { inner } => write!(f, "StreamElement<{inner}>"),
            TypeInfo::Either { left, right } => write!(f, "Either<{left}, {right}>"),
            TypeInfo::RawValue { inner } => write!(f, "Raw<{inner}>"),
            TypeInfo::External { inner } => write!(f, "External<{inner}>"),
            TypeInfo::LinkedList { elem, .. } => write!(f, "LinkedList<{elem}>"),
            TypeInfo::SqlData { ty } => write!(f, "{ty}"),
            TypeInfo::NullMarker => f.write_str("Null"),
            TypeInfo::Java => f.write_str("JavaSerialized"),
            TypeInfo::Composite { class, children } => {
                write!(f, "{}<", short_class(class))?;
                list(f, children)?;
                f.write_str(">")
            }
            TypeInfo::Opaque { class_name, .. } => write!(f, "Opaque({class_name})"),
        }
    }
}
