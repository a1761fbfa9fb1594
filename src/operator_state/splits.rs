//! FLIP-27 source splits: the `SourceReaderState` list elements of a `SourceOperator`, and the
//! split layouts this crate knows (Kafka, file source, number sequence / data generator).
//!
//! A split's bytes do not name the split class; the layout is recognised by the serializer
//! version and by the bytes matching the layout exactly (every byte used). Anything else is
//! kept as versioned opaque bytes.

use std::sync::Arc;

use serde::Serialize;

use crate::io::text::read_string_value;
use crate::io::{DataInput, DecodeResult};

/// The operator list state a `SourceOperator` keeps its reader's splits in.
pub const SOURCE_READER_STATE: &str = "SourceReaderState";

/// Kafka's "no stopping offset" (`Long.MIN_VALUE`).
pub const KAFKA_NO_STOPPING_OFFSET: i64 = i64::MIN;

/// A decoded split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "split", rename_all = "snake_case")]
pub enum Split {
    /// `KafkaPartitionSplit` (serializer version 0). Starting offset: the next offset to read,
    /// or -2 earliest, -1 latest, -3 committed. Stopping offset `None` = unbounded.
    Kafka {
        topic: String,
        partition: i32,
        starting_offset: i64,
        stopping_offset: Option<i64>,
    },
    /// `FileSourceSplit` (serializer version 1). Modification time and file size are absent
    /// in splits written before Flink 1.15 (same version number, shorter layout).
    File {
        id: String,
        path: Option<String>,
        offset: i64,
        length: i64,
        modification_time: Option<i64>,
        file_size: Option<i64>,
        hosts: Vec<String>,
        /// Checkpointed reader position: (offset, records to skip after it).
        reader_position: Option<(i64, i64)>,
    },
    /// `NumberSequenceSource.NumberSequenceSplit` (serializer version 1), also used by the
    /// data generator source: the numbers `from..=to` still to emit.
    NumberSequence { id: String, from: i64, to: i64 },
    /// A split of unknown layout.
    Opaque {
        #[serde(serialize_with = "hex_bytes")]
        bytes: Vec<u8>,
    },
}

/// A split as stored: the split serializer's version and the split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionedSplit {
    pub serializer_version: i32,
    /// Length of the split's own bytes.
    pub len: u32,
    #[serde(flatten)]
    pub split: Split,
}

/// Decodes one `SourceReaderState` element as stored in the operator list state:
/// `int32 n` (byte-array serializer) then `n` bytes of `int32 version`, `int32 len`, split.
pub fn decode_reader_state_element(
    file: &Arc<str>,
    element: &[u8],
    base: u64,
) -> DecodeResult<VersionedSplit> {
    let mut d = DataInput::from_slice(file, element, base);
    let n_at = d.pos();
    let n = d.i32("byte array length")?;
    if n < 0 || n as usize != d.rest().len() {
        return Err(d.err_at(
            n_at,
            format!(
                "a byte array filling the element ({} bytes), found length {n}",
                d.rest().len()
            ),
        ));
    }
    decode_versioned(&mut d)
}

/// Decodes `int32 version`, `int32 len`, `len` split bytes (`SimpleVersionedSerialization`),
/// which must fill the input.
pub fn decode_versioned(d: &mut DataInput<&[u8]>) -> DecodeResult<VersionedSplit> {
    let serializer_version = d.i32("split serializer version")?;
    let len_at = d.pos();
    let len = d.i32("split length")?;
    if len < 0 || len as usize != d.rest().len() {
        return Err(d.err_at(
            len_at,
            format!(
                "a split length of {} (the rest), found {len}",
                d.rest().len()
            ),
        ));
    }
    let bytes = d.rest();
    Ok(VersionedSplit {
        serializer_version,
        len: len as u32,
        split: decode_split(d.file(), serializer_version, bytes, d.pos()),
    })
}

/// Recognises a split's layout from its serializer version and bytes.
pub fn decode_split(file: &Arc<str>, version: i32, bytes: &[u8], base: u64) -> Split {
    let whole = |f: &dyn Fn(&mut DataInput<&[u8]>) -> DecodeResult<Split>| {
        let mut d = DataInput::from_slice(file, bytes, base);
        f(&mut d).ok().filter(|_| d.rest().is_empty())
    };
    let found = match version {
        0 => whole(&kafka),
        1 => whole(&number_sequence)
            .or_else(|| whole(&|d| file_split(d, true)))
            .or_else(|| whole(&|d| file_split(d, false))),
        _ => None,
    };
    found.unwrap_or_else(|| Split::Opaque {
        bytes: bytes.to_vec(),
    })
}

fn kafka(d: &mut DataInput<&[u8]>) -> DecodeResult<Split> {
    let topic = d.utf("topic")?;
    let partition = d.i32("partition")?;
    let starting_offset = d.i64("starting offset")?;
    let stop = d.i64("stopping offset")?;
    if partition < 0 {
        return Err(d.err("a non-negative partition"));
    }
    Ok(Split::Kafka {
        topic,
        partition,
        starting_offset,
        stopping_offset: (stop != KAFKA_NO_STOPPING_OFFSET).then_some(stop),
    })
}

fn number_sequence(d: &mut DataInput<&[u8]>) -> DecodeResult<Split> {
    let id = d.utf("split id")?;
    let from = d.i64("from")?;
    let to = d.i64("to")?;
    Ok(Split::NumberSequence { id, from, to })
}

fn file_split(d: &mut DataInput<&[u8]>, with_file_info: bool) -> DecodeResult<Split> {
    let id = d.utf("split id")?;
    let path = read_path(d)?;
    let offset = d.i64("offset")?;
    let length = d.i64("length")?;
    let (modification_time, file_size) = if with_file_info {
        (Some(d.i64("modification time")?), Some(d.i64("file size")?))
    } else {
        (None, None)
    };
    let n_at = d.pos();
    let n = d.i32("host count")?;
    d.check_len(i64::from(n), n_at, "host count")?;
    let mut hosts = Vec::new();
    for _ in 0..n {
        hosts.push(d.utf("host")?);
    }
    let reader_position = if d.bool("has reader position")? {
        Some((d.i64("position offset")?, d.i64("records after offset")?))
    } else {
        None
    };
    Ok(Split::File {
        id,
        path,
        offset,
        length,
        modification_time,
        file_size,
        hosts,
        reader_position,
    })
}

fn nullable(d: &mut DataInput<&[u8]>, what: &str) -> DecodeResult<Option<String>> {
    if d.bool(what)? {
        read_string_value(d, what)
    } else {
        Ok(None)
    }
}

/// Flink's `Path` serialization: `bool not_null`, then the URI parts (nullable strings and the
/// port), rebuilt into URI text.
fn read_path(d: &mut DataInput<&[u8]>) -> DecodeResult<Option<String>> {
    if !d.bool("path present")? {
        return Ok(None);
    }
    let scheme = nullable(d, "path scheme")?;
    let user = nullable(d, "path user info")?;
    let host = nullable(d, "path host")?;
    let port = d.i32("path port")?;
    let path = nullable(d, "path")?;
    let query = nullable(d, "path query")?;
    let fragment = nullable(d, "path fragment")?;
    let mut s = String::new();
    if let Some(sc) = scheme {
        s.push_str(&sc);
        s.push(':');
    }
    if let Some(h) = host {
        s.push_str("//");
        if let Some(u) = user {
            s.push_str(&u);
            s.push('@');
        }
        s.push_str(&h);
        if port >= 0 {
            s.push_str(&format!(":{port}"));
        }
    }
    s.push_str(path.as_deref().unwrap_or(""));
    if let Some(q) = query {
        s.push('?');
        s.push_str(&q);
    }
    if let Some(f) = fragment {
        s.push('#');
        s.push_str(&f);
    }
    Ok(Some(s))
}

pub(crate) fn hex_bytes<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::hash::hex(b))
}
