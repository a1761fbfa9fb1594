//! Column builders: decoded [`Value`]s appended to a tree of Arrow builders shaped by a
//! [`Field`] from [`super::schema`]. A value that does not fit its column is an error naming
//! the column, never a silent null.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder,
    Float64Builder, Int8Builder, Int16Builder, Int32Builder, Int64Builder, NullBufferBuilder,
    OffsetBufferBuilder, StringBuilder, Time32MillisecondBuilder, TimestampMillisecondBuilder,
    TimestampNanosecondBuilder,
};
use arrow_array::{ArrayRef, ListArray, MapArray, NullArray, StructArray};
use arrow_schema::{ArrowError, DataType, Field, FieldRef, Fields, TimeUnit};

use super::schema::META_ENCODING;
use crate::types::Value;

/// A value that does not fit its column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub column: String,
    pub expected: String,
    pub found: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "column {}: a {} value, found {}",
            self.column, self.expected, self.found
        )
    }
}

type R = Result<(), Mismatch>;

fn mismatch(name: &str, dt: &DataType, v: &Value) -> Mismatch {
    Mismatch {
        column: name.to_string(),
        expected: dt.to_string(),
        found: kind_name(v),
    }
}

fn nest(name: &str, e: Mismatch) -> Mismatch {
    Mismatch {
        column: format!("{name}.{}", e.column),
        ..e
    }
}

enum Kind {
    Null(usize),
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Utf8(StringBuilder),
    Json(StringBuilder),
    Binary(BinaryBuilder),
    TsMs(TimestampMillisecondBuilder),
    TsNs(TimestampNanosecondBuilder),
    Date(Date32Builder),
    Time(Time32MillisecondBuilder),
    Decimal(Decimal128Builder, i8),
    Struct {
        fields: Fields,
        children: Vec<Col>,
        nulls: NullBufferBuilder,
    },
    List {
        field: FieldRef,
        offsets: OffsetBufferBuilder<i32>,
        child: Box<Col>,
        nulls: NullBufferBuilder,
    },
    Map {
        entries: FieldRef,
        offsets: OffsetBufferBuilder<i32>,
        key: Box<Col>,
        value: Box<Col>,
        nulls: NullBufferBuilder,
    },
}

/// The builder of one column (or nested field).
pub struct Col {
    name: String,
    dt: DataType,
    kind: Kind,
}

fn kind_name(v: &Value) -> String {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Float(_) => "float",
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Struct(_) => "struct",
        Value::Row { .. } => "row",
        Value::Enum(_) => "enum",
        Value::Timestamp { .. } => "timestamp",
        Value::Date(_) => "date",
        Value::Decimal(_) => "decimal",
        Value::Opaque { .. } => "opaque value",
    }
    .to_string()
}

/// Parses plain decimal text into the unscaled integer at `scale`.
pub fn parse_decimal(s: &str, scale: i8) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let scale = usize::try_from(scale).ok()?;
    let frac = frac.trim_end_matches('0');
    if frac.len() > scale || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let mut v: i128 = 0;
    for c in int.chars().chain(frac.chars()) {
        let d = c.to_digit(10)? as i128;
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    for _ in frac.len()..scale {
        v = v.checked_mul(10)?;
    }
    Some(if neg { -v } else { v })
}

impl Col {
    pub fn new(field: &Field) -> Col {
        let dt = field.data_type().clone();
        let json = field.metadata().get(META_ENCODING).map(String::as_str) == Some("json");
        let kind = match &dt {
            DataType::Utf8 if json => Kind::Json(StringBuilder::new()),
            DataType::Boolean => Kind::Bool(BooleanBuilder::new()),
            DataType::Int8 => Kind::I8(Int8Builder::new()),
            DataType::Int16 => Kind::I16(Int16Builder::new()),
            DataType::Int32 => Kind::I32(Int32Builder::new()),
            DataType::Int64 => Kind::I64(Int64Builder::new()),
            DataType::Float32 => Kind::F32(Float32Builder::new()),
            DataType::Float64 => Kind::F64(Float64Builder::new()),
            DataType::Utf8 => Kind::Utf8(StringBuilder::new()),
            DataType::Binary => Kind::Binary(BinaryBuilder::new()),
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                Kind::TsMs(TimestampMillisecondBuilder::new().with_data_type(dt.clone()))
            }
            DataType::Timestamp(_, _) => {
                Kind::TsNs(TimestampNanosecondBuilder::new().with_data_type(dt.clone()))
            }
            DataType::Date32 => Kind::Date(Date32Builder::new()),
            DataType::Time32(_) => Kind::Time(Time32MillisecondBuilder::new()),
            DataType::Decimal128(_, s) => {
                Kind::Decimal(Decimal128Builder::new().with_data_type(dt.clone()), *s)
            }
            DataType::Struct(fields) => Kind::Struct {
                fields: fields.clone(),
                children: fields.iter().map(|f| Col::new(f)).collect(),
                nulls: NullBufferBuilder::new(0),
            },
            DataType::List(f) => Kind::List {
                field: f.clone(),
                offsets: OffsetBufferBuilder::new(0),
                child: Box::new(Col::new(f)),
                nulls: NullBufferBuilder::new(0),
            },
            DataType::Map(entries, _) => {
                let (k, v) = match entries.data_type() {
                    DataType::Struct(fs) if fs.len() == 2 => (Col::new(&fs[0]), Col::new(&fs[1])),
                    // schema.rs only makes two-field entries
                    _ => (
                        Col::new(&Field::new("key", DataType::Utf8, false)),
                        Col::new(&Field::new("value", DataType::Utf8, true)),
                    ),
                };
                Kind::Map {
                    entries: entries.clone(),
                    offsets: OffsetBufferBuilder::new(0),
                    key: Box::new(k),
                    value: Box::new(v),
                    nulls: NullBufferBuilder::new(0),
                }
            }
            _ => Kind::Null(0),
        };
        Col {
            name: field.name().clone(),
            dt,
            kind,
        }
    }

    pub fn append_null(&mut self) {
        match &mut self.kind {
            Kind::Null(n) => *n += 1,
            Kind::Bool(b) => b.append_null(),
            Kind::I8(b) => b.append_null(),
            Kind::I16(b) => b.append_null(),
            Kind::I32(b) => b.append_null(),
            Kind::I64(b) => b.append_null(),
            Kind::F32(b) => b.append_null(),
            Kind::F64(b) => b.append_null(),
            Kind::Utf8(b) | Kind::Json(b) => b.append_null(),
            Kind::Binary(b) => b.append_null(),
            Kind::TsMs(b) => b.append_null(),
            Kind::TsNs(b) => b.append_null(),
            Kind::Date(b) => b.append_null(),
            Kind::Time(b) => b.append_null(),
            Kind::Decimal(b, _) => b.append_null(),
            Kind::Struct {
                children, nulls, ..
            } => {
                children.iter_mut().for_each(Col::append_null);
                nulls.append_null();
            }
            Kind::List { offsets, nulls, .. } | Kind::Map { offsets, nulls, .. } => {
                offsets.push_length(0);
                nulls.append_null();
            }
        }
    }

    /// Appends one value. On a mismatch the column may hold a partial row: callers abandon
    /// the whole batch.
    pub fn append(&mut self, v: &Value) -> R {
        if matches!(v, Value::Null) {
            self.append_null();
            return Ok(());
        }
        let name = &self.name;
        let bad = || mismatch(name, &self.dt, v);
        let int = |v: &Value| match v {
            Value::Int(i) => Some(*i),
            _ => None,
        };
        match (&mut self.kind, v) {
            (Kind::Json(b), v) => {
                b.append_value(serde_json::to_string(v).unwrap_or_default());
            }
            (Kind::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (Kind::I8(b), Value::Int(i)) => b.append_value(i8::try_from(*i).map_err(|_| bad())?),
            (Kind::I16(b), Value::Int(i)) => b.append_value(i16::try_from(*i).map_err(|_| bad())?),
            (Kind::I32(b), Value::Int(i)) => b.append_value(i32::try_from(*i).map_err(|_| bad())?),
            (Kind::I64(b), Value::Int(i)) => b.append_value(*i),
            (Kind::F32(b), Value::Float(f)) => b.append_value(*f as f32),
            (Kind::F64(b), Value::Float(f)) => b.append_value(*f),
            (Kind::Utf8(b), Value::String(s) | Value::Enum(s) | Value::Decimal(s)) => {
                b.append_value(s)
            }
            (Kind::Binary(b), Value::Bytes(x)) => b.append_value(x),
            (Kind::Binary(b), Value::Opaque { bytes, .. }) => b.append_value(bytes),
            (Kind::TsMs(b), Value::Timestamp { millis, .. }) => b.append_value(*millis),
            (Kind::TsMs(b), Value::Int(i)) => b.append_value(*i),
            (Kind::TsNs(b), Value::Timestamp { millis, nanos }) => b.append_value(
                millis
                    .checked_mul(1_000_000)
                    .and_then(|n| n.checked_add(*nanos as i64))
                    .ok_or_else(bad)?,
            ),
            (Kind::Date(b), Value::Date(d)) => b.append_value(*d),
            (Kind::Time(b), v) => {
                b.append_value(int(v).and_then(|i| i32::try_from(i).ok()).ok_or_else(bad)?)
            }
            (Kind::Decimal(b, scale), Value::Decimal(s)) => {
                b.append_value(parse_decimal(s, *scale).ok_or_else(bad)?)
            }
            (
                Kind::Struct {
                    children, nulls, ..
                },
                Value::Struct(fs) | Value::Row { fields: fs, .. },
            ) => {
                if fs.len() != children.len() {
                    return Err(bad());
                }
                for (c, (_, fv)) in children.iter_mut().zip(fs) {
                    if let Err(e) = c.append(fv) {
                        return Err(nest(name, e));
                    }
                }
                nulls.append_non_null();
            }
            (
                Kind::List {
                    offsets,
                    child,
                    nulls,
                    ..
                },
                Value::List(items),
            ) => {
                for it in items {
                    if let Err(e) = child.append(it) {
                        return Err(nest(name, e));
                    }
                }
                offsets.push_length(items.len());
                nulls.append_non_null();
            }
            (
                Kind::Map {
                    offsets,
                    key,
                    value,
                    nulls,
                    ..
                },
                Value::Map(entries),
            ) => {
                for (k, val) in entries {
                    if matches!(k, Value::Null) {
                        return Err(Mismatch {
                            found: "null map key".into(),
                            ..bad()
                        });
                    }
                    if let Err(e) = key.append(k).and_then(|_| value.append(val)) {
                        return Err(nest(name, e));
                    }
                }
                offsets.push_length(entries.len());
                nulls.append_non_null();
            }
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// The array of everything appended so far; the builder starts over empty.
    pub fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        Ok(match &mut self.kind {
            Kind::Null(n) => {
                let a = NullArray::new(*n);
                *n = 0;
                Arc::new(a)
            }
            Kind::Bool(b) => Arc::new(b.finish()),
            Kind::I8(b) => Arc::new(b.finish()),
            Kind::I16(b) => Arc::new(b.finish()),
            Kind::I32(b) => Arc::new(b.finish()),
            Kind::I64(b) => Arc::new(b.finish()),
            Kind::F32(b) => Arc::new(b.finish()),
            Kind::F64(b) => Arc::new(b.finish()),
            Kind::Utf8(b) | Kind::Json(b) => Arc::new(b.finish()),
            Kind::Binary(b) => Arc::new(b.finish()),
            Kind::TsMs(b) => Arc::new(b.finish()),
            Kind::TsNs(b) => Arc::new(b.finish()),
            Kind::Date(b) => Arc::new(b.finish()),
            Kind::Time(b) => Arc::new(b.finish()),
            Kind::Decimal(b, _) => Arc::new(b.finish()),
            Kind::Struct {
                fields,
                children,
                nulls,
            } => {
                let arrays = children
                    .iter_mut()
                    .map(Col::finish)
                    .collect::<Result<Vec<_>, _>>()?;
                let len = nulls.len();
                Arc::new(StructArray::try_new_with_length(
                    fields.clone(),
                    arrays,
                    nulls.finish(),
                    len,
                )?)
            }
            Kind::List {
                field,
                offsets,
                child,
                nulls,
            } => {
                let offs = std::mem::replace(offsets, OffsetBufferBuilder::new(0)).finish();
                Arc::new(ListArray::try_new(
                    field.clone(),
                    offs,
                    child.finish()?,
                    nulls.finish(),
                )?)
            }
            Kind::Map {
                entries,
                offsets,
                key,
                value,
                nulls,
            } => {
                let offs = std::mem::replace(offsets, OffsetBufferBuilder::new(0)).finish();
                let DataType::Struct(fs) = entries.data_type() else {
                    return Err(ArrowError::SchemaError(
                        "map entries must be a struct".into(),
                    ));
                };
                let ks = key.finish()?;
                let n = ks.len();
                let st = StructArray::try_new_with_length(
                    fs.clone(),
                    vec![ks, value.finish()?],
                    None,
                    n,
                )?;
                Arc::new(MapArray::try_new(
                    entries.clone(),
                    offs,
                    st,
                    nulls.finish(),
                    false,
                )?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::schema::map_of;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Decimal128Type, Int64Type};

    #[test]
    fn decimals_parse_at_scale() {
        assert_eq!(parse_decimal("123.45", 2), Some(12345));
        assert_eq!(parse_decimal("-0.005", 3), Some(-5));
        assert_eq!(parse_decimal("7", 2), Some(700));
        assert_eq!(parse_decimal("1.5000", 1), Some(15));
        assert_eq!(parse_decimal("1.55", 1), None);
        assert_eq!(parse_decimal("x", 1), None);
        assert_eq!(parse_decimal("", 1), None);
    }

    #[test]
    fn nested_struct_list_map_round_trip() {
        let f = Field::new(
            "v",
            DataType::Struct(Fields::from(vec![
                Field::new("id", DataType::Int64, true),
                Field::new(
                    "xs",
                    DataType::List(Arc::new(Field::new("element", DataType::Utf8, true))),
                    true,
                ),
                Field::new(
                    "m",
                    map_of(
                        Field::new("key", DataType::Utf8, false),
                        Field::new("value", DataType::Decimal128(5, 2), true),
                    ),
                    true,
                ),
            ])),
            true,
        );
        let mut c = Col::new(&f);
        let s = |x: &str| Value::String(x.into());
        let good = Value::Struct(vec![
            ("id".into(), Value::Int(7)),
            ("xs".into(), Value::List(vec![s("a"), Value::Null, s("b")])),
            (
                "m".into(),
                Value::Map(vec![(s("k"), Value::Decimal("1.25".into()))]),
            ),
        ]);
        c.append(&good).unwrap();
        c.append(&Value::Null).unwrap();
        let bad = c.append(&Value::Struct(vec![
            ("id".into(), s("no")),
            ("xs".into(), Value::Null),
            ("m".into(), Value::Null),
        ]));
        assert_eq!(bad.unwrap_err().column, "v.id");
        // a fresh builder for the good rows only
        let mut c = Col::new(&f);
        c.append(&good).unwrap();
        c.append(&Value::Null).unwrap();
        let a = c.finish().unwrap();
        let st = a.as_struct();
        assert_eq!(st.len(), 2);
        assert!(st.is_null(1));
        assert_eq!(st.column(0).as_primitive::<Int64Type>().value(0), 7);
        let xs = st.column(1).as_list::<i32>();
        assert_eq!(xs.value_length(0), 3);
        let m = st.column(2).as_map();
        let vals = m.values().as_primitive::<Decimal128Type>();
        assert_eq!(vals.value(0), 125);
    }
}
