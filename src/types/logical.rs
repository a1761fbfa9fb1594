//! Flink SQL `LogicalType` objects (read from Java serialization streams) to [`SqlType`].

use super::java_ser::JValue;
use super::tree::{SqlKind, SqlType};

fn int_field(v: &JValue, name: &str) -> u32 {
    v.field(name).and_then(JValue::as_int).unwrap_or(0).max(0) as u32
}

fn child(v: &JValue, name: &str, depth: usize) -> Box<SqlType> {
    Box::new(match v.field(name) {
        Some(c) => sql_type(c, depth + 1),
        None => SqlType {
            nullable: true,
            kind: SqlKind::Other {
                type_root: format!("missing field {name}"),
            },
        },
    })
}

/// Converts a deserialized `org.apache.flink.table.types.logical.*Type` object. Unknown shapes
/// become [`SqlKind::Other`] with the type-root name (or the class name).
pub fn sql_type(v: &JValue, depth: usize) -> SqlType {
    let nullable = !matches!(v.field("isNullable"), Some(JValue::Bool(false)));
    let root = v.field("typeRoot").and_then(JValue::as_str).unwrap_or("");
    if depth > 32 {
        return SqlType {
            nullable,
            kind: SqlKind::Other {
                type_root: root.to_string(),
            },
        };
    }
    let kind = match root {
        "BOOLEAN" => SqlKind::Boolean,
        "TINYINT" => SqlKind::TinyInt,
        "SMALLINT" => SqlKind::SmallInt,
        "INTEGER" => SqlKind::Integer,
        "BIGINT" => SqlKind::BigInt,
        "FLOAT" => SqlKind::Float,
        "DOUBLE" => SqlKind::Double,
        "DATE" => SqlKind::Date,
        "TIME_WITHOUT_TIME_ZONE" => SqlKind::Time {
            precision: int_field(v, "precision"),
        },
        "TIMESTAMP_WITHOUT_TIME_ZONE" => SqlKind::Timestamp {
            precision: int_field(v, "precision"),
        },
        "TIMESTAMP_WITH_LOCAL_TIME_ZONE" => SqlKind::TimestampLtz {
            precision: int_field(v, "precision"),
        },
        "CHAR" => SqlKind::Char {
            length: int_field(v, "length"),
        },
        "VARCHAR" => SqlKind::VarChar {
            length: int_field(v, "length"),
        },
        "BINARY" => SqlKind::Binary {
            length: int_field(v, "length"),
        },
        "VARBINARY" => SqlKind::VarBinary {
            length: int_field(v, "length"),
        },
        "DECIMAL" => SqlKind::Decimal {
            precision: int_field(v, "precision"),
            scale: int_field(v, "scale"),
        },
        "INTERVAL_YEAR_MONTH" => SqlKind::IntervalYearMonth,
        "INTERVAL_DAY_TIME" => SqlKind::IntervalDayTime,
        "ARRAY" => SqlKind::Array {
            element: child(v, "elementType", depth),
        },
        "MULTISET" => SqlKind::Multiset {
            element: child(v, "elementType", depth),
        },
        "MAP" => SqlKind::Map {
            key: child(v, "keyType", depth),
            value: child(v, "valueType", depth),
        },
        "ROW" => {
            let fields = v
                .field("fields")
                .and_then(JValue::as_list)
                .unwrap_or_default()
                .into_iter()
                .map(|rf| {
                    let name = rf.field("name").and_then(JValue::as_str).unwrap_or("?");
                    (name.to_string(), *child(rf, "type", depth))
                })
                .collect();
            SqlKind::Row { fields }
        }
        "RAW" => SqlKind::Raw {
            class: match v.field("clazz") {
                Some(JValue::Class(c)) => c.clone(),
                _ => String::new(),
            },
        },
        "NULL" => SqlKind::Null,
        "" => SqlKind::Other {
            type_root: v.class().unwrap_or("?").to_string(),
        },
        other => SqlKind::Other {
            type_root: other.to_string(),
        },
    };
    SqlType { nullable, kind }
}
