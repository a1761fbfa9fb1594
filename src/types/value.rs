//! Decoded values ([`Value`]) and how they print: JSON via serde, timestamps and dates as
//! ISO-8601 text, decimals and big integers as plain decimal text.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// One decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    /// Entries in stored order.
    Map(Vec<(Value, Value)>),
    /// Named fields in serialization order.
    Struct(Vec<(String, Value)>),
    /// A SQL row with its change kind (`+I`, `-U`, `+U`, `-D`).
    Row {
        kind: &'static str,
        fields: Vec<(String, Value)>,
    },
    Enum(String),
    /// Epoch milliseconds plus nanoseconds within the millisecond.
    Timestamp {
        millis: i64,
        nanos: i32,
    },
    /// Days since 1970-01-01.
    Date(i32),
    /// Decimal number in plain notation.
    Decimal(String),
    Opaque {
        class: String,
        bytes: Vec<u8>,
    },
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::String(v) | Value::Enum(v) | Value::Decimal(v) => s.serialize_str(v),
            Value::Bytes(b) => s.serialize_str(&crate::hash::hex(b)),
            Value::List(items) => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    q.serialize_element(i)?;
                }
                q.end()
            }
            Value::Map(entries) => {
                let mut q = s.serialize_seq(Some(entries.len()))?;
                for (k, v) in entries {
                    q.serialize_element(&[k, v])?;
                }
                q.end()
            }
            Value::Struct(fields) => {
                let mut m = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Value::Row { kind, fields } => {
                let mut m = s.serialize_map(Some(fields.len() + 1))?;
                m.serialize_entry("$kind", kind)?;
                for (k, v) in fields {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Value::Timestamp { millis, nanos } => {
                s.serialize_str(&format_timestamp(*millis, *nanos))
            }
            Value::Date(days) => s.serialize_str(&format_date(*days as i64)),
            Value::Opaque { class, bytes } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("class", class)?;
                m.serialize_entry("bytes", &crate::hash::hex(bytes))?;
                m.end()
            }
        }
    }
}

/// Civil date from days since the epoch (proleptic Gregorian).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn format_date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// ISO-8601 local date-time (no zone) of epoch millis + nanos within the milli.
pub(crate) fn format_timestamp(millis: i64, nanos: i32) -> String {
    let days = millis.div_euclid(86_400_000);
    let ms = millis.rem_euclid(86_400_000);
    let (h, mi, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    let frac = (ms % 1000) * 1_000_000 + nanos.max(0) as i64;
    let mut out = format!("{}T{h:02}:{mi:02}:{s:02}", format_date(days));
    if frac != 0 {
        let f = format!("{frac:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

/// Two's-complement big-endian bytes to a decimal string.
pub(crate) fn big_int_string(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "0".into();
    }
    let neg = bytes[0] & 0x80 != 0;
    let mut mag: Vec<u8> = bytes.to_vec();
    if neg {
        // negate: invert and add one
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    let mut digits = Vec::new();
    while mag.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for b in mag.iter_mut() {
            let cur = (rem << 8) | *b as u32;
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    if neg {
        digits.push(b'-');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

pub(crate) fn row_kind(k: u8) -> &'static str {
    match k {
        0 => "+I",
        1 => "-U",
        2 => "+U",
        _ => "-D",
    }
}
