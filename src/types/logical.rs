//! Flink SQL `LogicalType` objects (read from Java serialization streams) to [`SqlType`].

use super::java_obj::{JavaValue, as_int, as_list, as_str, class_of, field};
use super::tree::{SqlKind, SqlType};

fn int_field(v: &JavaValue, name: &str) -> u32 {
    field(v, name).and_then(as_int).unwrap_or(0).max(0) as u32
}

fn child(v: &JavaValue, name: &str, depth: usize) -> Box<SqlType> {
    Box::new(match field(v, name) {
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
pub fn sql_type(v: &JavaValue, depth: usize) -> SqlType {
    let nullable = !matches!(field(v, "isNullable"), Some(JavaValue::Bool(false)));
    let root = field(v, "typeRoot").and_then(as_str).unwrap_or("");
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
            let fields = field(v, "fields")
                .and_then(as_list)
                .unwrap_or_default()
                .into_iter()
                .map(|rf| {
                    let name = field(rf, "name").and_then(as_str).unwrap_or("?");
                    (name.to_string(), *child(rf, "type", depth))
                })
                .collect();
            SqlKind::Row { fields }
        }
        // Structured types are stored as rows of their attributes.
        "STRUCTURED_TYPE" => {
            let fields = field(v, "attributes")
                .and_then(as_list)
                .unwrap_or_default()
                .into_iter()
                .map(|a| {
                    let name = field(a, "name").and_then(as_str).unwrap_or("?");
                    (name.to_string(), *child(a, "type", depth))
                })
                .collect();
            SqlKind::Row { fields }
        }
        // A distinct type is stored as its source type.
        "DISTINCT_TYPE" => child(v, "sourceType", depth).kind,
        "RAW" => SqlKind::Raw {
            class: match field(v, "clazz") {
                Some(JavaValue::Class(c)) => c.to_string(),
                _ => String::new(),
            },
        },
        "NULL" => SqlKind::Null,
        "" => SqlKind::Other {
            type_root: class_of(v).unwrap_or("?").to_string(),
        },
        other => SqlKind::Other {
            type_root: other.to_string(),
        },
    };
    SqlType { nullable, kind }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_type_json_uses_flink_names() {
        let t = SqlType {
            nullable: false,
            kind: SqlKind::VarChar { length: 5 },
        };
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            serde_json::json!({"nullable": false, "root": "VARCHAR", "length": 5})
        );
        assert_eq!(t.to_string(), "VARCHAR(5) NOT NULL");
    }
}
