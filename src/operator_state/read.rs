//! Streaming the entries of one operator's managed operator state, and the catalog of its
//! states (names, modes, types, sizes) from the headers and `_metadata` alone.

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;

use crate::io::{DataInput, DecodeError, RangeReader};
use crate::metadata::{DistributionMode, OperatorHandle, Snapshot};
use crate::store::PathResolver;
use crate::types::{self, TypeInfo};

use super::entry::{OperatorEntry, ReadSummary};
use super::error::Result;
use super::header::{OperatorHeader, read_operator_header};
use super::open::{OpenedStream, open_stream};
use super::partition::{exhausted, partition_reader};

/// One subtask's managed operator-state stream, opened, with its header read.
pub struct SubtaskStream<'h> {
    pub subtask: u32,
    pub handle: &'h OperatorHandle,
    pub stream: OpenedStream,
    pub header: OperatorHeader,
    /// Every partition offset of the handle (relative to the stream start), sorted, without
    /// duplicates, followed by the stream length: a partition ends where the next begins.
    boundaries: Vec<u64>,
}

/// Partition offsets of a handle as validated stream-relative positions, sorted, plus `len`.
pub(crate) fn boundaries(
    handle: &OperatorHandle,
    len: u64,
    name: &Arc<str>,
    start: u64,
) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    for s in &handle.states {
        for &o in &s.offsets {
            match u64::try_from(o) {
                Ok(o) if o <= len => out.push(o),
                _ => {
                    return Err(DecodeError::new(
                        name,
                        start,
                        format!(
                            "partition offsets of state '{}' inside the stream's {len} bytes \
                             (_metadata says {o})",
                            s.name
                        ),
                    )
                    .into());
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out.push(len);
    Ok(out)
}

/// End (stream-relative) of the partition starting at `offset`.
pub(crate) fn partition_end(boundaries: &[u64], offset: u64) -> u64 {
    let i = boundaries.partition_point(|b| *b <= offset);
    boundaries
        .get(i)
        .or(boundaries.last())
        .copied()
        .unwrap_or(offset)
}

impl<'h> SubtaskStream<'h> {
    /// Opens the subtask's stream and reads its header. `None` when the handle has no bytes.
    pub fn open(
        subtask: u32,
        handle: &'h OperatorHandle,
        resolver: &PathResolver<'_>,
        label: &str,
    ) -> Result<Option<Self>> {
        let Some(delegate) = &handle.delegate else {
            return Ok(None);
        };
        let Some(stream) = open_stream(delegate, resolver, label)? else {
            return Ok(None);
        };
        let boundaries = boundaries(handle, stream.len(), stream.name(), stream.start)?;
        let first = boundaries
            .first()
            .filter(|f| **f < stream.len())
            .map(|f| stream.start + f);
        let reader = RangeReader::new(stream.file.as_ref(), stream.start, stream.end);
        let mut d = DataInput::new(stream.name(), reader, stream.start, Some(stream.end));
        let header = read_operator_header(&mut d, first)
            .map_err(|e| e.with_context(format!("operator state header of subtask {subtask}")))?;
        Ok(Some(SubtaskStream {
            subtask,
            handle,
            stream,
            header,
            boundaries,
        }))
    }

    /// Passes every entry of the states `want` accepts to `sink`, in handle order.
    pub fn entries(
        &self,
        want: &dyn Fn(&str) -> bool,
        sink: &mut dyn FnMut(&OperatorEntry),
    ) -> Result<u64> {
        let mut n = 0;
        for named in &self.handle.states {
            if !want(&named.name) {
                continue;
            }
            if self.header.state(&named.name).is_none() {
                return Err(DecodeError::new(
                    self.stream.name(),
                    self.stream.start,
                    format!(
                        "a meta info for state '{}' (named in _metadata) in the header",
                        named.name
                    ),
                )
                .into());
            }
            let state: Arc<str> = Arc::from(named.name.as_str());
            for (i, &off) in named.offsets.iter().enumerate() {
                // Offsets were validated by `boundaries`.
                let off = off.max(0) as u64;
                let end = partition_end(&self.boundaries, off);
                let ctx = || {
                    format!(
                        "state '{}', subtask {}, partition #{i}",
                        named.name, self.subtask
                    )
                };
                match named.mode {
                    DistributionMode::SplitDistribute | DistributionMode::Union => {
                        let value = self.element(off, end).map_err(|e| e.with_context(ctx()))?;
                        sink(&OperatorEntry {
                            subtask: self.subtask,
                            state: Arc::clone(&state),
                            mode: named.mode,
                            index: i as u32,
                            key: None,
                            value,
                            file: Arc::clone(self.stream.name()),
                            offset: self.stream.start + off,
                        });
                        n += 1;
                    }
                    DistributionMode::Broadcast => {
                        n += self
                            .broadcast(&state, off, end, sink)
                            .map_err(|e| e.with_context(ctx()))?;
                    }
                }
            }
        }
        Ok(n)
    }

    fn abs(&self, rel: u64) -> u64 {
        self.stream.start + rel
    }

    /// The bytes of one list element: the whole partition, decompressed if need be.
    fn element(&self, off: u64, end: u64) -> std::result::Result<Bytes, DecodeError> {
        let file = self.stream.file.as_ref();
        if !self.header.compressed {
            return file.read_at(self.abs(off), (end - off) as usize);
        }
        let mut out = Vec::new();
        partition_reader(file, true, self.abs(off), self.abs(end))
            .read_to_end(&mut out)
            .map_err(|e| {
                DecodeError::new(
                    self.stream.name(),
                    self.abs(off),
                    format!("Snappy-framed chunks up to offset {} ({e})", self.abs(end)),
                )
            })?;
        Ok(Bytes::from(out))
    }

    /// Streams a broadcast state's entries: `int32 count`, then `count` × (key, value).
    fn broadcast(
        &self,
        state: &Arc<str>,
        off: u64,
        end: u64,
        sink: &mut dyn FnMut(&OperatorEntry),
    ) -> std::result::Result<u64, DecodeError> {
        let meta = self.header.state(state).ok_or_else(|| {
            DecodeError::new(
                self.stream.name(),
                self.abs(off),
                "a broadcast state meta info",
            )
        })?;
        let (kt, vt) = match (meta.serializer("KEY_SERIALIZER"), meta.value_type()) {
            (Some(k), Some(v)) => (&k.ty, v),
            _ => {
                return Err(DecodeError::new(
                    self.stream.name(),
                    self.abs(off),
                    format!("key and value serializers for broadcast state '{state}'"),
                ));
            }
        };
        if [kt, vt].iter().any(|t| !delimitable(t)) {
            // Entries of a type without a decoder (Kryo, unknown serializers) cannot be told
            // apart: the whole partition (count and entries) becomes one entry without key.
            let value = self.element(off, end)?;
            sink(&OperatorEntry {
                subtask: self.subtask,
                state: Arc::clone(state),
                mode: DistributionMode::Broadcast,
                index: 0,
                key: None,
                value,
                file: Arc::clone(self.stream.name()),
                offset: self.abs(off),
            });
            return Ok(1);
        }
        let file = self.stream.file.as_ref();
        let compressed = self.header.compressed;
        let reader = partition_reader(file, compressed, self.abs(off), self.abs(end));
        let mut d = if compressed {
            let name: Arc<str> = Arc::from(format!(
                "{} (Snappy-framed partition at offset {}; offsets are within the decompressed bytes)",
                self.stream.name(),
                self.abs(off)
            ));
            DataInput::new(&name, reader, 0, None)
        } else {
            DataInput::new(
                self.stream.name(),
                reader,
                self.abs(off),
                Some(self.abs(end)),
            )
        };
        let n_at = d.pos();
        let n = d.i32("broadcast state entry count")?;
        if n < 0 || (!compressed && n as u64 > end - off) {
            return Err(d.err_at(n_at, format!("a plausible entry count, found {n}")));
        }
        for i in 0..n {
            d.start_capture();
            types::skip(kt, &mut d).map_err(|e| e.with_context(format!("key of entry #{i}")))?;
            let key = d.take_capture();
            d.start_capture();
            types::skip(vt, &mut d).map_err(|e| e.with_context(format!("value of entry #{i}")))?;
            let value = d.take_capture();
            sink(&OperatorEntry {
                subtask: self.subtask,
                state: Arc::clone(state),
                mode: DistributionMode::Broadcast,
                index: i as u32,
                key: Some(Bytes::from(key)),
                value: Bytes::from(value),
                file: Arc::clone(self.stream.name()),
                offset: self.abs(off),
            });
        }
        let left_over = match d.at_end() {
            Some(at_end) => !at_end,
            None => {
                !exhausted(d.get_mut()).map_err(|e| d.err(format!("the partition end ({e})")))?
            }
        };
        if left_over {
            return Err(d.err(format!(
                "the end of broadcast state '{state}' after {n} entries"
            )));
        }
        Ok(n as u64)
    }
}

/// False for types whose values have no known length (no decoder): Kryo, opaque and unknown
/// composite serializers.
fn delimitable(t: &TypeInfo) -> bool {
    !matches!(
        t,
        TypeInfo::Kryo { .. } | TypeInfo::Opaque { .. } | TypeInfo::Composite { .. }
    )
}

/// Reads every entry of the managed operator state of `snapshot.operators[op_index]`, subtask
/// by subtask, and passes each to `sink`. Values stay raw; decode them with the types from
/// [`super::catalog`] (`OperatorStateInfo::decode_value`).
pub fn read(
    snapshot: &Snapshot,
    op_index: usize,
    resolver: &PathResolver<'_>,
    mut sink: impl FnMut(&OperatorEntry),
) -> Result<ReadSummary> {
    read_states(snapshot, op_index, resolver, &|_| true, &mut sink)
}

/// As [`read`], for the states whose name `want` accepts only.
pub fn read_states(
    snapshot: &Snapshot,
    op_index: usize,
    resolver: &PathResolver<'_>,
    want: &dyn Fn(&str) -> bool,
    sink: &mut dyn FnMut(&OperatorEntry),
) -> Result<ReadSummary> {
    let mut summary = ReadSummary::default();
    let Some(op) = snapshot.operators.get(op_index) else {
        return Ok(summary);
    };
    let label = format!("operator {}", op.uid.clone().unwrap_or_else(|| op.id_hex()));
    for (subtask, st) in &op.subtasks {
        let Some(handle) = &st.managed_operator_state else {
            continue;
        };
        if !handle.states.iter().any(|s| want(&s.name)) {
            continue;
        }
        let Some(s) = SubtaskStream::open(*subtask, handle, resolver, &label)? else {
            continue;
        };
        summary.subtasks += 1;
        summary.entries += s.entries(want, sink)?;
    }
    Ok(summary)
}
