//! Flink SQL's binary formats (`BinaryRowData`, `BinaryArrayData`, `BinaryMapData`), decoded
//! with the logical types from the snapshot. Multi-byte numbers inside are little-endian (the
//! JVM's native order on every platform Flink runs on in practice).
//!
//! Errors are `(offset within the bytes, what was expected)`; the caller adds file and base.

use super::tree::{SqlKind, SqlType};
use super::value::{Value, big_int_string, row_kind};

type R<T> = Result<T, (usize, String)>;

fn get<const N: usize>(b: &[u8], at: usize, what: &str) -> R<[u8; N]> {
    b.get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| {
            (
                at,
                format!("{what}: {N} bytes within the {}-byte binary row", b.len()),
            )
        })
}

fn le_i64(b: &[u8], at: usize, what: &str) -> R<i64> {
    Ok(i64::from_le_bytes(get(b, at, what)?))
}

fn le_i32(b: &[u8], at: usize, what: &str) -> R<i32> {
    Ok(i32::from_le_bytes(get(b, at, what)?))
}

/// Decimal text of `unscaled / 10^scale`.
pub(crate) fn decimal_string(unscaled: &str, scale: i32) -> String {
    // Scales from the data can be anything; plain notation only for sane ones.
    if !(-1000..=1000).contains(&scale) {
        return format!("{unscaled}E{}", -(scale as i64));
    }
    let (neg, digits) = match unscaled.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, unscaled),
    };
    let mut s = if scale <= 0 {
        let mut s = digits.to_string();
        if digits != "0" {
            s.extend(std::iter::repeat_n('0', (-scale) as usize));
        }
        s
    } else {
        let scale = scale as usize;
        let padded = if digits.len() <= scale {
            format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
        } else {
            digits.to_string()
        };
        let (int, frac) = padded.split_at(padded.len() - scale);
        format!("{int}.{frac}")
    };
    if neg {
        s.insert(0, '-');
    }
    s
}

/// Variable-length bytes of a slot at `slot` in `b` (inline if ≤ 7 bytes, else offset/length
/// relative to `base`).
fn var_bytes(b: &[u8], base: usize, slot: usize) -> R<&[u8]> {
    let raw: [u8; 8] = get(b, slot, "variable-length slot")?;
    let v = u64::from_le_bytes(raw);
    if v & (1 << 63) != 0 {
        let len = ((v >> 56) & 0x7F) as usize;
        return b
            .get(slot..slot + len.min(7))
            .ok_or_else(|| (slot, "inline bytes".to_string()));
    }
    let off = (v >> 32) as usize;
    let len = (v & 0xFFFF_FFFF) as usize;
    b.get(base + off..base + off + len).ok_or_else(|| {
        (
            slot,
            format!(
                "variable part [{}, {}) within the {}-byte binary row",
                base + off,
                base + off + len,
                b.len()
            ),
        )
    })
}

/// One field whose fixed slot starts at `slot` (row/array base at `base`).
fn field(b: &[u8], base: usize, slot: usize, t: &SqlType, depth: usize) -> R<Value> {
    if depth > 32 {
        return Err((slot, "binary rows nested at most 32 deep".into()));
    }
    Ok(match &t.kind {
        SqlKind::Boolean => Value::Bool(get::<1>(b, slot, "boolean")?[0] != 0),
        SqlKind::TinyInt => Value::Int(get::<1>(b, slot, "tinyint")?[0] as i8 as i64),
        SqlKind::SmallInt => Value::Int(i16::from_le_bytes(get(b, slot, "smallint")?) as i64),
        SqlKind::Integer | SqlKind::IntervalYearMonth => Value::Int(le_i32(b, slot, "int")? as i64),
        SqlKind::Time { .. } => Value::Int(le_i32(b, slot, "time millis")? as i64),
        SqlKind::Date => Value::Date(le_i32(b, slot, "date")?),
        SqlKind::Float => Value::Float(f32::from_le_bytes(get(b, slot, "float")?) as f64),
        SqlKind::BigInt | SqlKind::IntervalDayTime => Value::Int(le_i64(b, slot, "bigint")?),
        SqlKind::Double => Value::Float(f64::from_le_bytes(get(b, slot, "double")?)),
        SqlKind::Char { .. } | SqlKind::VarChar { .. } => {
            Value::String(String::from_utf8_lossy(var_bytes(b, base, slot)?).into_owned())
        }
        SqlKind::Binary { .. } | SqlKind::VarBinary { .. } => {
            Value::Bytes(var_bytes(b, base, slot)?.to_vec())
        }
        SqlKind::Decimal { precision, scale } => {
            let unscaled = if *precision <= 18 {
                le_i64(b, slot, "compact decimal")?.to_string()
            } else {
                big_int_string(var_bytes(b, base, slot)?)
            };
            Value::Decimal(decimal_string(&unscaled, *scale as i32))
        }
        SqlKind::Timestamp { precision } | SqlKind::TimestampLtz { precision } => {
            if *precision <= 3 {
                Value::Timestamp {
                    millis: le_i64(b, slot, "compact timestamp")?,
                    nanos: 0,
                }
            } else {
                let v = le_i64(b, slot, "timestamp slot")? as u64;
                let off = (v >> 32) as usize;
                Value::Timestamp {
                    millis: le_i64(b, base + off, "timestamp millis")?,
                    nanos: (v & 0xFFFF_FFFF) as i32,
                }
            }
        }
        SqlKind::Row { fields } => {
            let inner = var_bytes(b, base, slot)?;
            let types: Vec<SqlType> = fields.iter().map(|(_, t)| t.clone()).collect();
            let names: Vec<String> = fields.iter().map(|(n, _)| n.clone()).collect();
            decode_row_at(inner, &types, Some(&names), depth + 1)
                .map_err(|(o, w)| (slot, format!("{w} (nested row byte {o})")))?
        }
        SqlKind::Array { element } => {
            let inner = var_bytes(b, base, slot)?;
            decode_array(inner, element, depth + 1)
                .map_err(|(o, w)| (slot, format!("{w} (array byte {o})")))?
        }
        SqlKind::Map { key, value } => {
            let inner = var_bytes(b, base, slot)?;
            decode_map(inner, key, value, depth + 1)
                .map_err(|(o, w)| (slot, format!("{w} (map byte {o})")))?
        }
        SqlKind::Multiset { element } => {
            let inner = var_bytes(b, base, slot)?;
            let count = SqlType {
                nullable: false,
                kind: SqlKind::Integer,
            };
            decode_map(inner, element, &count, depth + 1)
                .map_err(|(o, w)| (slot, format!("{w} (multiset byte {o})")))?
        }
        SqlKind::Raw { class } => Value::Opaque {
            class: class.clone(),
            bytes: var_bytes(b, base, slot)?.to_vec(),
        },
        SqlKind::Null => Value::Null,
        SqlKind::Other { type_root } => Value::Opaque {
            class: type_root.clone(),
            bytes: get::<8>(b, slot, "slot")?.to_vec(),
        },
    })
}

/// A `BinaryRowData`'s bytes.
pub fn decode_row_bytes(b: &[u8], fields: &[SqlType], names: Option<&[String]>) -> R<Value> {
    decode_row_at(b, fields, names, 0)
}

fn decode_row_at(b: &[u8], fields: &[SqlType], names: Option<&[String]>, depth: usize) -> R<Value> {
    let arity = fields.len();
    let null_bits = (arity + 63 + 8) / 64 * 8;
    let fixed_end = null_bits + 8 * arity;
    if b.len() < fixed_end {
        return Err((
            0,
            format!(
                "a binary row of at least {fixed_end} bytes for {arity} fields, found {}",
                b.len()
            ),
        ));
    }
    let kind = row_kind(b.first().copied().unwrap_or(0));
    let mut out = Vec::with_capacity(arity);
    for (i, t) in fields.iter().enumerate() {
        let bit = i + 8;
        let null = b.get(bit / 8).is_some_and(|x| x & (1 << (bit % 8)) != 0);
        let name = names
            .and_then(|n| n.get(i))
            .cloned()
            .unwrap_or_else(|| format!("f{i}"));
        let v = if null {
            Value::Null
        } else {
            field(b, 0, null_bits + 8 * i, t, depth)?
        };
        out.push((name, v));
    }
    Ok(Value::Row { kind, fields: out })
}

fn elem_size(t: &SqlType) -> usize {
    match t.kind {
        SqlKind::Boolean | SqlKind::TinyInt => 1,
        SqlKind::SmallInt => 2,
        SqlKind::Integer
        | SqlKind::Float
        | SqlKind::Date
        | SqlKind::Time { .. }
        | SqlKind::IntervalYearMonth => 4,
        _ => 8,
    }
}

fn decode_array(b: &[u8], elem: &SqlType, depth: usize) -> R<Value> {
    let n = le_i32(b, 0, "array element count")?;
    if n < 0 || n as usize > b.len() {
        return Err((
            0,
            format!("an array element count within the bytes, found {n}"),
        ));
    }
    let n = n as usize;
    let header = 4 + n.div_ceil(32) * 4;
    let size = elem_size(elem);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let null = b.get(4 + i / 8).is_some_and(|x| x & (1 << (i % 8)) != 0);
        out.push(if null {
            Value::Null
        } else {
            field(b, 0, header + i * size, elem, depth)?
        });
    }
    Ok(Value::List(out))
}

fn decode_map(b: &[u8], key: &SqlType, value: &SqlType, depth: usize) -> R<Value> {
    let kn = le_i32(b, 0, "map key array size")?;
    if kn < 0 || 4 + kn as usize > b.len() {
        return Err((0, format!("a key array size within the bytes, found {kn}")));
    }
    let kn = kn as usize;
    let keys = decode_array(&b[4..4 + kn], key, depth)?;
    let values = decode_array(&b[4 + kn..], value, depth).map_err(|(o, w)| (o + 4 + kn, w))?;
    match (keys, values) {
        (Value::List(k), Value::List(v)) => Ok(Value::Map(k.into_iter().zip(v).collect())),
        _ => Ok(Value::Null),
    }
}

/// A standalone `BinaryArrayData` / `BinaryMapData` (Map/ArrayData serializers).
pub fn decode_standalone(b: &[u8], t: &SqlType) -> R<Value> {
    match &t.kind {
        SqlKind::Array { element } => decode_array(b, element, 0),
        SqlKind::Map { key, value } => decode_map(b, key, value, 0),
        _ => Ok(Value::Bytes(b.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: SqlKind) -> SqlType {
        SqlType {
            nullable: true,
            kind,
        }
    }

    #[test]
    fn row_with_inline_and_outlined_strings_and_null() {
        // 3 fields: BIGINT 7, VARCHAR "hi" (inline), VARCHAR "longer text" (var part), + null 4th
        let fields = vec![
            t(SqlKind::BigInt),
            t(SqlKind::VarChar { length: 10 }),
            t(SqlKind::VarChar { length: 20 }),
            t(SqlKind::Integer),
        ];
        let null_bits = 8;
        let mut b = vec![0u8; null_bits + 8 * 4];
        b[1] |= 1 << 3; // field 3 null: bit 11
        b[null_bits..null_bits + 8].copy_from_slice(&7i64.to_le_bytes());
        let slot1 = null_bits + 8;
        b[slot1] = b'h';
        b[slot1 + 1] = b'i';
        b[slot1 + 7] = 0x80 | 2;
        let text = b"longer text";
        let off = b.len();
        b.extend_from_slice(text);
        b.extend([0u8; 5]); // pad to 8
        let slot2 = null_bits + 16;
        let v = ((off as u64) << 32) | text.len() as u64;
        b[slot2..slot2 + 8].copy_from_slice(&v.to_le_bytes());
        let row = decode_row_bytes(&b, &fields, None).unwrap();
        assert_eq!(
            row,
            Value::Row {
                kind: "+I",
                fields: vec![
                    ("f0".into(), Value::Int(7)),
                    ("f1".into(), Value::String("hi".into())),
                    ("f2".into(), Value::String("longer text".into())),
                    ("f3".into(), Value::Null),
                ]
            }
        );
        assert!(decode_row_bytes(&b[..20], &fields, None).is_err());
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal_string("12345", 2), "123.45");
        assert_eq!(decimal_string("-5", 3), "-0.005");
        assert_eq!(decimal_string("7", 0), "7");
        assert_eq!(decimal_string("7", -2), "700");
    }
}
