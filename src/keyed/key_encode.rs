//! Writing a key given as JSON in the key serializer's wire format, so `--key` can compare
//! serialized keys byte for byte. The inverse of `types::decode` for the types a key can
//! have: basic types, enums, Tuples, Rows, POJOs, Nullable wrappers, and SQL `RowData`
//! (written as a `BinaryRowData`, the way the key selectors of the SQL runtime build keys).

use serde_json::Value as J;

use crate::types::{Prim, SqlKind, SqlType, TypeInfo};

type R<T> = Result<T, String>;

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

/// The text of a scalar JSON value (numbers and booleans as written, strings unquoted).
fn scalar_text(j: &J) -> R<String> {
    match j {
        J::String(s) => Ok(s.clone()),
        J::Number(n) => Ok(n.to_string()),
        J::Bool(b) => Ok(b.to_string()),
        other => Err(format!("a scalar value, found {other}")),
    }
}

fn parse<T: std::str::FromStr>(v: &str, what: &str) -> R<T> {
    v.trim()
        .parse::<T>()
        .map_err(|_| format!("'{v}' is not a valid {what}"))
}

/// Appends the bytes of a basic-type value given as text.
pub fn write_prim(ty: Prim, value: &str, out: &mut Vec<u8>) -> R<()> {
    match ty {
        Prim::String => out.extend(string_value_bytes(value)),
        Prim::Long => out.extend(parse::<i64>(value, "Long")?.to_be_bytes()),
        Prim::Int => out.extend(parse::<i32>(value, "Integer")?.to_be_bytes()),
        Prim::Short => out.extend(parse::<i16>(value, "Short")?.to_be_bytes()),
        Prim::Byte => out.extend(parse::<i8>(value, "Byte")?.to_be_bytes()),
        Prim::Boolean => out.push(parse::<bool>(value, "Boolean")? as u8),
        Prim::Double => out.extend(parse::<f64>(value, "Double")?.to_be_bytes()),
        Prim::Float => out.extend(parse::<f32>(value, "Float")?.to_be_bytes()),
        Prim::Char => {
            let mut it = value.encode_utf16();
            match (it.next(), it.next()) {
                (Some(c), None) => out.extend(c.to_be_bytes()),
                _ => return Err(format!("'{value}' is not a single Character")),
            }
        }
        Prim::StringData => {
            out.extend((value.len() as i32).to_be_bytes());
            out.extend(value.as_bytes());
        }
        other => return Err(format!("keys of type {other} are not parsed by --key")),
    }
    Ok(())
}

/// The fields of a composite given as a JSON array (in order) or object (by `names`).
fn field_values<'a>(j: &'a J, names: &[String], what: &str) -> R<Vec<&'a J>> {
    static NULL: J = J::Null;
    match j {
        J::Array(items) if items.len() == names.len() => Ok(items.iter().collect()),
        J::Array(items) => Err(format!(
            "{what}: an array of {} values, found {}",
            names.len(),
            items.len()
        )),
        J::Object(m) => {
            if let Some(k) = m.keys().find(|k| !names.contains(k)) {
                return Err(format!("{what}: fields {}, found '{k}'", names.join(", ")));
            }
            Ok(names.iter().map(|n| m.get(n).unwrap_or(&NULL)).collect())
        }
        other => Err(format!("{what}: a JSON array or object, found {other}")),
    }
}

fn positional(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("f{i}")).collect()
}

/// Appends the serialized form of `j` as a value of type `t`.
pub fn write_value(t: &TypeInfo, j: &J, out: &mut Vec<u8>) -> R<()> {
    match t {
        TypeInfo::Primitive { ty } => {
            if j.is_null() {
                return Err(format!("a {ty} value, found null"));
            }
            write_prim(*ty, &scalar_text(j)?, out)
        }
        TypeInfo::Enum { class, constants } => {
            let name = scalar_text(j)?;
            let i = constants.iter().position(|c| *c == name).ok_or_else(|| {
                format!(
                    "a constant of enum {class} ({}), found '{name}'",
                    constants.join(", ")
                )
            })?;
            out.extend((i as i32).to_be_bytes());
            Ok(())
        }
        TypeInfo::Tuple { class, fields } => {
            let vals = field_values(j, &positional(fields.len()), class)?;
            for (ft, v) in fields.iter().zip(vals) {
                write_value(ft, v, out)?;
            }
            Ok(())
        }
        TypeInfo::Row {
            fields,
            supports_row_kind,
        } => {
            let vals = field_values(j, &positional(fields.len()), "Row")?;
            let kind_bits = if *supports_row_kind { 2 } else { 0 };
            let mut mask = vec![0u8; (kind_bits + fields.len()).div_ceil(8)];
            for (i, v) in vals.iter().enumerate() {
                if v.is_null() {
                    let bit = kind_bits + i;
                    mask[bit / 8] |= 0x80 >> (bit % 8);
                }
            }
            out.extend(mask);
            for (ft, v) in fields.iter().zip(vals) {
                if !v.is_null() {
                    write_value(ft, v, out)?;
                }
            }
            Ok(())
        }
        TypeInfo::Pojo { class, fields, .. } => {
            if j.is_null() {
                out.push(1);
                return Ok(());
            }
            let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
            let vals = field_values(j, &names, class)?;
            out.push(2); // no subclass
            for (f, v) in fields.iter().zip(vals) {
                out.push(v.is_null() as u8);
                if !v.is_null() {
                    write_value(&f.ty, v, out)?;
                }
            }
            Ok(())
        }
        TypeInfo::Nullable { inner, padding } => {
            if j.is_null() {
                out.push(1);
                out.extend(std::iter::repeat_n(0u8, *padding as usize));
                Ok(())
            } else {
                out.push(0);
                write_value(inner, j, out)
            }
        }
        TypeInfo::External { inner } => write_value(inner, j, out),
        TypeInfo::RowData { fields, names } => {
            let row = binary_row(fields, names.as_deref(), j)?;
            out.extend((row.len() as i32).to_be_bytes());
            out.extend(row);
            Ok(())
        }
        other => Err(format!("keys of type {other} are not parsed by --key")),
    }
}

/// A `BinaryRowData` (row kind INSERT) holding `j` (a JSON array of column values, or an
/// object by column name — `f0`, `f1`, ... when the snapshot has no names — where a `$kind`
/// member, as `state --json` prints rows, is ignored), laid out as Flink's
/// `BinaryRowWriter` does: header byte and null bits, one 8-byte slot per field, then the
/// variable-length parts, each padded to 8 bytes. Multi-byte numbers are little-endian.
pub fn binary_row(fields: &[SqlType], names: Option<&[String]>, j: &J) -> R<Vec<u8>> {
    let names = match names {
        Some(n) if n.len() == fields.len() => n.to_vec(),
        _ => positional(fields.len()),
    };
    let mut j = j.clone();
    if let J::Object(m) = &mut j {
        m.remove("$kind");
    }
    let vals = field_values(&j, &names, "RowData key")?;
    let arity = fields.len();
    let null_bytes = (arity + 63 + 8) / 64 * 8;
    let fixed = null_bytes + 8 * arity;
    let mut row = vec![0u8; fixed];
    for (i, (t, v)) in fields.iter().zip(vals).enumerate() {
        let slot = null_bytes + 8 * i;
        if v.is_null() {
            let bit = i + 8;
            row[bit / 8] |= 1 << (bit % 8);
            continue;
        }
        let text = || scalar_text(v);
        let put = |row: &mut Vec<u8>, b: &[u8]| row[slot..slot + b.len()].copy_from_slice(b);
        match &t.kind {
            SqlKind::Boolean => put(&mut row, &[parse::<bool>(&text()?, "BOOLEAN")? as u8]),
            SqlKind::TinyInt => put(&mut row, &parse::<i8>(&text()?, "TINYINT")?.to_le_bytes()),
            SqlKind::SmallInt => put(&mut row, &parse::<i16>(&text()?, "SMALLINT")?.to_le_bytes()),
            SqlKind::Integer | SqlKind::Date | SqlKind::Time { .. } => {
                put(&mut row, &parse::<i32>(&text()?, "INT")?.to_le_bytes())
            }
            SqlKind::BigInt => put(&mut row, &parse::<i64>(&text()?, "BIGINT")?.to_le_bytes()),
            SqlKind::Timestamp { precision } | SqlKind::TimestampLtz { precision }
                if *precision <= 3 =>
            {
                put(
                    &mut row,
                    &parse::<i64>(&text()?, "epoch milliseconds")?.to_le_bytes(),
                )
            }
            SqlKind::Float => put(&mut row, &parse::<f32>(&text()?, "FLOAT")?.to_le_bytes()),
            SqlKind::Double => put(&mut row, &parse::<f64>(&text()?, "DOUBLE")?.to_le_bytes()),
            SqlKind::Char { .. } | SqlKind::VarChar { .. } => {
                let s = text()?;
                var_part(&mut row, slot, s.as_bytes());
            }
            other => {
                return Err(format!(
                    "RowData key column {i}: columns of type {other:?} are not parsed by --key"
                ));
            }
        }
    }
    Ok(row)
}

/// Writes variable-length bytes: inline in the slot when at most 7 bytes (length in the
/// slot's last byte with the high bit set), else appended word-aligned with (offset, length)
/// in the slot.
fn var_part(row: &mut Vec<u8>, slot: usize, b: &[u8]) {
    if b.len() <= 7 {
        row[slot..slot + b.len()].copy_from_slice(b);
        row[slot + 7] = 0x80 | b.len() as u8;
        return;
    }
    let off = row.len();
    row.extend(b);
    row.resize(off + b.len().div_ceil(8) * 8, 0);
    let v = ((off as u64) << 32) | b.len() as u64;
    row[slot..slot + 8].copy_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Value;
    use crate::types::decode_row_bytes;

    fn sql(kind: SqlKind) -> SqlType {
        SqlType {
            nullable: true,
            kind,
        }
    }

    #[test]
    fn binary_row_round_trips_through_the_decoder() {
        let fields = vec![
            sql(SqlKind::VarChar { length: 100 }),
            sql(SqlKind::BigInt),
            sql(SqlKind::VarChar { length: 100 }),
            sql(SqlKind::Integer),
        ];
        let j: J = serde_json::json!(["hot", 42, "a longer string", null]);
        let row = binary_row(&fields, None, &j).unwrap();
        assert_eq!(row.len() % 8, 0);
        let v = decode_row_bytes(&row, &fields, None).unwrap();
        let Value::Row { kind, fields: got } = v else {
            panic!("{v:?}")
        };
        assert_eq!(kind, "+I");
        let vals: Vec<Value> = got.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            vals,
            vec![
                Value::String("hot".into()),
                Value::Int(42),
                Value::String("a longer string".into()),
                Value::Null
            ]
        );
    }

    #[test]
    fn composites_round_trip_through_the_decoder() {
        use crate::types::{PojoField, decode_bytes};
        let f: std::sync::Arc<str> = std::sync::Arc::from("t");
        let t = TypeInfo::Tuple {
            class: "org.apache.flink.api.java.tuple.Tuple2".into(),
            fields: vec![TypeInfo::prim(Prim::String), TypeInfo::prim(Prim::Int)],
        };
        let mut b = Vec::new();
        write_value(&t, &serde_json::json!(["a", 7]), &mut b).unwrap();
        let v = decode_bytes(&t, &f, &b, 0).unwrap();
        assert_eq!(
            v,
            Value::Struct(vec![
                ("f0".into(), Value::String("a".into())),
                ("f1".into(), Value::Int(7))
            ])
        );
        let p = TypeInfo::Pojo {
            class: "x.P".into(),
            fields: vec![
                PojoField {
                    name: "a".into(),
                    declaring_class: None,
                    ty: TypeInfo::prim(Prim::Long),
                },
                PojoField {
                    name: "b".into(),
                    declaring_class: None,
                    ty: TypeInfo::prim(Prim::String),
                },
            ],
            subclasses: vec![],
        };
        let mut b = Vec::new();
        write_value(&p, &serde_json::json!({"a": 5}), &mut b).unwrap();
        let v = decode_bytes(&p, &f, &b, 0).unwrap();
        assert_eq!(
            v,
            Value::Struct(vec![("a".into(), Value::Int(5)), ("b".into(), Value::Null)])
        );
        let r = TypeInfo::Row {
            fields: vec![TypeInfo::prim(Prim::Int), TypeInfo::prim(Prim::String)],
            supports_row_kind: true,
        };
        let mut b = Vec::new();
        write_value(&r, &serde_json::json!([3, null]), &mut b).unwrap();
        let v = decode_bytes(&r, &f, &b, 0).unwrap();
        assert_eq!(
            v,
            Value::Row {
                kind: "+I",
                fields: vec![("f0".into(), Value::Int(3)), ("f1".into(), Value::Null)]
            }
        );
        assert!(write_value(&p, &serde_json::json!({"zz": 1}), &mut Vec::new()).is_err());
    }
}
