//! Per operator, the registered states of a snapshot, read from the headers at the start of
//! its state streams only (keyed-backend header, operator-backend header). No entries are read.

use std::io::Read;
use std::sync::Arc;

use crate::io::{DataInput, DecodeResult, MemFile, RangeReader, ReadAt};
use crate::keyed::header::{
    KeyedHeader, SerializerEntry, StateMetaInfo, read_keyed_header_until, read_state_meta_info,
};
use crate::metadata::{KeyedHandle, OperatorHandle, Snapshot, StreamHandle};
use crate::store::PathResolver;

use super::CompatError;

/// Bytes fetched per request while reading a header: headers are small.
const HEADER_CHUNK: usize = 64 * 1024;

/// What one operator of a snapshot registered, from its state headers.
#[derive(Debug, Clone)]
pub struct OperatorMetas {
    /// Index into [`Snapshot::operators`].
    pub index: usize,
    /// The key serializer of the keyed backend (same in every subtask).
    pub key: Option<SerializerEntry>,
    /// Keyed states (incl. timers), each once, in the order first seen.
    pub keyed: Vec<StateMetaInfo>,
    /// Operator list / union / broadcast states, each once.
    pub operator: Vec<StateMetaInfo>,
    /// Things the headers could not tell (e.g. states only in changelog files).
    pub notes: Vec<String>,
}

/// Reads the headers of every subtask of every operator with state.
pub fn collect(
    snapshot: &Snapshot,
    resolver: &PathResolver<'_>,
) -> Result<Vec<OperatorMetas>, CompatError> {
    let mut out = Vec::new();
    for (index, op) in snapshot.operators.iter().enumerate() {
        let mut m = OperatorMetas {
            index,
            key: None,
            keyed: Vec::new(),
            operator: Vec::new(),
            notes: Vec::new(),
        };
        for (sub, st) in &op.subtasks {
            let ctx = |e: CompatError| e.context(format!("operator {} subtask {sub}", op.id_hex()));
            if let Some(h) = &st.managed_keyed_state {
                keyed_handle(h, resolver, &mut m).map_err(ctx)?;
            }
            if let Some(h) = &st.managed_operator_state {
                operator_handle(h, resolver, &mut m).map_err(ctx)?;
            }
        }
        out.push(m);
    }
    Ok(out)
}

fn keyed_handle(
    h: &KeyedHandle,
    resolver: &PathResolver<'_>,
    m: &mut OperatorMetas,
) -> Result<(), CompatError> {
    match h {
        KeyedHandle::KeyGroups(k) => {
            let Some(stream) = &k.delegate else {
                return Ok(());
            };
            // The header ends where the first non-empty key group starts.
            let first = k.offsets.iter().copied().filter(|o| *o > 0).min();
            let header = read_stream(stream, resolver, |d, start| {
                let end = first.map(|o| start + o as u64);
                read_keyed_header_until(d, end)
            })?;
            if let Some(h) = header {
                merge_keyed(m, h);
            }
        }
        KeyedHandle::Incremental(i) => {
            let Some(meta) = &i.meta else {
                return Ok(());
            };
            let header = read_stream(meta, resolver, |d, _| {
                let end = d.remaining().map(|r| d.pos() + r);
                read_keyed_header_until(d, end)
            })?;
            if let Some(h) = header {
                merge_keyed(m, h);
            }
        }
        KeyedHandle::Changelog(c) => {
            for h in &c.materialized {
                keyed_handle(h, resolver, m)?;
            }
            if !c.non_materialized.is_empty() {
                note(
                    m,
                    "part of the keyed state is only in changelog files; states registered \
                     after the last materialization are not listed",
                );
            }
        }
        KeyedHandle::ChangelogBytes(_) | KeyedHandle::ChangelogFiles(_) => note(
            m,
            "keyed state only in changelog files: its states are not listed",
        ),
    }
    Ok(())
}

fn note(m: &mut OperatorMetas, s: &str) {
    if !m.notes.iter().any(|n| n == s) {
        m.notes.push(s.to_string());
    }
}

fn merge_keyed(m: &mut OperatorMetas, h: KeyedHeader) {
    if m.key.is_none() {
        m.key = Some(h.key_serializer);
    }
    for s in h.states {
        if !m.keyed.iter().any(|k| k.name == s.name) {
            m.keyed.push(s);
        }
    }
}

fn operator_handle(
    h: &OperatorHandle,
    resolver: &PathResolver<'_>,
    m: &mut OperatorMetas,
) -> Result<(), CompatError> {
    let Some(stream) = &h.delegate else {
        return Ok(());
    };
    if h.states.is_empty() {
        return Ok(());
    }
    let states = read_stream(stream, resolver, |d, _| read_operator_header(d))?;
    for s in states.into_iter().flatten() {
        if !m.operator.iter().any(|k| k.name == s.name) {
            m.operator.push(s);
        }
    }
    Ok(())
}

/// The operator-backend header (`OperatorBackendSerializationProxy`, versions 5 and 6): the
/// meta infos of list/union states, then of broadcast states. Layout in
/// `formats/compatibility.md`.
pub fn read_operator_header<R: Read>(d: &mut DataInput<R>) -> DecodeResult<Vec<StateMetaInfo>> {
    let at = d.pos();
    let version = d.i32("operator backend header version")?;
    if !(5..=6).contains(&version) {
        return Err(d.err_at(
            at,
            format!("operator backend header version 5 or 6 (Flink 1.8+), found {version}"),
        ));
    }
    if version >= 6 {
        d.bool("operator state compression flag")?;
    }
    let mut out = Vec::new();
    for what in ["operator list state", "broadcast state"] {
        let n_at = d.pos();
        let n = d.i16("number of states")?;
        if n < 0 {
            return Err(d.err_at(n_at, format!("a non-negative {what} count, found {n}")));
        }
        for i in 0..n {
            let s = read_state_meta_info(d, None)
                .map_err(|e| e.with_context(format!("{what} meta info #{i}")))?;
            out.push(s);
        }
    }
    Ok(out)
}

/// Opens the bytes behind `stream` and runs `read` over a chunked reader from its first byte;
/// `read` gets the reader and the stream's start offset in its file. `None` for a stream with
/// no bytes.
fn read_stream<T>(
    stream: &StreamHandle,
    resolver: &PathResolver<'_>,
    read: impl FnOnce(&mut DataInput<RangeReader<'_>>, u64) -> DecodeResult<T>,
) -> Result<Option<T>, CompatError> {
    let (file, start, end): (Arc<dyn ReadAt>, u64, Option<u64>) = match stream {
        StreamHandle::Inline { name, data } => (
            Arc::new(MemFile::new(
                format!("inline bytes of {name}"),
                data.clone(),
            )),
            0,
            None,
        ),
        StreamHandle::Relative { relative_path, .. } => {
            let f = resolver.relative(relative_path)?;
            (f.backend.open(&f.path)?, 0, None)
        }
        StreamHandle::File { path, .. } => {
            let f = resolver.absolute(path)?;
            (f.backend.open(&f.path)?, 0, None)
        }
        StreamHandle::Segment {
            path, start, size, ..
        } => {
            let f = resolver.absolute(path)?;
            let s = (*start).max(0) as u64;
            (f.backend.open(&f.path)?, s, Some(s + (*size).max(0) as u64))
        }
        StreamHandle::KeyGroups(k) => match &k.delegate {
            Some(d) => return read_stream(d, resolver, read),
            None => return Ok(None),
        },
        StreamHandle::EmptySegment => return Ok(None),
    };
    let end = end.unwrap_or_else(|| file.size()).min(file.size());
    let reader = RangeReader::new(file.as_ref(), start, end).with_chunk(HEADER_CHUNK);
    let mut d = DataInput::new(file.name(), reader, start, Some(end));
    Ok(Some(read(&mut d, start)?))
}
