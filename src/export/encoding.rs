//! Which columns of a part file are written without a Parquet dictionary.
//!
//! The Parquet writer tries a dictionary for every column and falls back to plain encoding
//! only once the dictionary page is full, hashing every value until then (for each row group
//! anew). For long, mostly distinct text (payloads, JSON, serialized objects) or mostly
//! distinct numbers (sequence numbers, timestamps as user keys) that is pure cost. The choice
//! is made from a part file's first batch, so the same rows always give the same files.

use std::collections::HashSet;
use std::hash::Hash;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, Schema};

/// Mean length (bytes) above which a top-level text or binary column gets no dictionary.
/// Repeated values that long are rare in state; short ones (ids, names, enums) keep it.
pub const LONG_VALUE_BYTES: usize = 128;

/// A first batch with fewer rows says too little about cardinality: keep the dictionary.
pub const MIN_SAMPLE_ROWS: usize = 1024;

/// Bytes between the first and the last offset (right for sliced arrays too).
fn span(offsets: &[i32]) -> usize {
    match (offsets.first(), offsets.last()) {
        (Some(a), Some(b)) => usize::try_from(b - a).unwrap_or(0),
        _ => 0,
    }
}

fn mostly_distinct<T: Hash + Eq>(values: impl Iterator<Item = T>, n: usize) -> bool {
    if n < MIN_SAMPLE_ROWS {
        return false;
    }
    let mut seen = HashSet::with_capacity(n);
    let mut distinct = 0;
    for v in values {
        if seen.insert(v) {
            distinct += 1;
        }
    }
    // more than half distinct: a dictionary would not pay for itself
    distinct * 2 > n
}

/// The top-level columns of `schema` whose values in `first` (a part file's first batch) are
/// long text/binary ([`LONG_VALUE_BYTES`]) or mostly distinct (`Utf8`, `Binary`, `Int32`,
/// `Int64`; at least [`MIN_SAMPLE_ROWS`] non-null values).
pub fn no_dictionary_columns(schema: &Schema, first: &[ArrayRef]) -> Vec<String> {
    let mut out = Vec::new();
    for (f, a) in schema.fields().iter().zip(first) {
        let n = a.len() - a.null_count();
        if n == 0 {
            continue;
        }
        let skip = match a.data_type() {
            DataType::Utf8 => {
                let s = a.as_string::<i32>();
                span(s.value_offsets()) / n > LONG_VALUE_BYTES
                    || mostly_distinct(s.iter().flatten(), n)
            }
            DataType::Binary => {
                let b = a.as_binary::<i32>();
                span(b.value_offsets()) / n > LONG_VALUE_BYTES
                    || mostly_distinct(b.iter().flatten(), n)
            }
            DataType::Int32 => mostly_distinct(a.as_primitive::<Int32Type>().iter().flatten(), n),
            DataType::Int64 => mostly_distinct(a.as_primitive::<Int64Type>().iter().flatten(), n),
            _ => false,
        };
        if skip {
            out.push(f.name().clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int32Array, Int64Array, StringArray};
    use arrow_schema::Field;
    use std::sync::Arc;

    #[test]
    fn long_or_distinct_columns_lose_the_dictionary() {
        let schema = Schema::new(vec![
            Field::new("key_group", DataType::Int32, false),
            Field::new("key", DataType::Utf8, true),
            Field::new("user_key", DataType::Int64, true),
            Field::new("value", DataType::Utf8, true),
            Field::new("short", DataType::Utf8, true),
        ]);
        let n = 2000;
        let payload = "x".repeat(200);
        let first: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from_iter_values((0..n).map(|i| i % 128))),
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("k{}", i % 10)),
            )),
            Arc::new(Int64Array::from_iter_values(0..n as i64)),
            // long but all equal: still no dictionary (length decides)
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|_| payload.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("id-{i}")),
            )),
        ];
        assert_eq!(
            no_dictionary_columns(&schema, &first),
            ["user_key", "value", "short"]
        );
        // a small first batch keeps dictionaries for short values
        let small: Vec<ArrayRef> = first.iter().map(|a| a.slice(0, 100)).collect();
        assert_eq!(no_dictionary_columns(&schema, &small), ["value"]);
    }
}
