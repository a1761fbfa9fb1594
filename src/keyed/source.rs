//! Reading the keyed state of one operator: the state catalog (from the headers), work units
//! (a subtask's handle and a key-group range), and the readers behind them, all producing the
//! one [`Entry`] stream.
//!
//! ```text
//! let units = plan(op, &filter);                       // no I/O
//! let results: Vec<_> = units.par_iter()                 // any order, any thread
//!     .map(|u| { let mut acc = init(); let r = read_unit(u, op, resolver, &filter,
//!                &mut |e| { fold(&mut acc, e); ControlFlow::Continue(()) }); (acc, r) })
//!     .collect();                                        // rayon keeps unit order
//! ```
//! [`read_operator`] does that sequentially in unit order; [`read_operator_par`] with rayon.
//!
//! Handle kinds: key-group handles (canonical savepoints, heap checkpoints, RocksDB full
//! checkpoints of 1.15) are read here. RocksDB/ForSt native and incremental handles and
//! changelog handles answer [`ReadError`] "not supported yet"; a reader for them plugs in as
//! another arm of the dispatch in [`read_unit`], producing the same entries.

use std::ops::ControlFlow;
use std::sync::Arc;

use bytes::Bytes;
use rayon::prelude::*;
use serde::Serialize;

use super::entry::Entry;
use super::header::{KeyedHeader, StateMetaInfo, read_keyed_header_until};
use super::states::{FileStates, KeyGroupRead};
use super::stream::{StateStream, open_stream};
use super::{canonical, heap};
use crate::io::{ChunkedRead, DataInput, DecodeError, SnappyFrames};
use crate::metadata::{KeyGroupsHandle, KeyGroupsKind, KeyedHandle, OperatorState};
use crate::store::PathResolver;

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// State names to read (`None` = all). Other states' bytes are skipped, not decoded.
    pub states: Option<Vec<String>>,
    /// Inclusive key-group range (`None` = all).
    pub key_groups: Option<(u32, u32)>,
    /// Only entries whose serialized key equals these bytes. Set `key_groups` to the key's
    /// group as well, so only that key group is read.
    pub key: Option<Bytes>,
    /// Values longer than this many bytes are skipped on the stream instead of read (canonical
    /// key groups): the entry carries their length and list element count in
    /// [`Entry::elided`] and an empty `value`. For consumers that only count (size, skew), so
    /// one huge value (a long list) is never held in memory. `None`: every value is read.
    pub elide_values_above: Option<u64>,
}

impl Filter {
    fn wants_key_group(&self, kg: u32) -> bool {
        self.key_groups.is_none_or(|(a, b)| kg >= a && kg <= b)
    }
}

/// The byte format behind a key-group handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Canonical (unified) full snapshot: `formats/keyed-canonical.md`.
    Canonical,
    /// Heap-backend checkpoint: `formats/heap-checkpoint.md`.
    HeapCheckpoint,
    /// RocksDB/ForSt native SST files: `formats/rocksdb-snapshots.md`.
    Native,
}

/// One piece of work: key groups `first..=last` of subtask `subtask`'s managed keyed handle.
#[derive(Debug, Clone, Copy)]
pub struct WorkUnit<'a> {
    pub subtask: u32,
    pub handle: &'a KeyedHandle,
    pub first: u32,
    pub last: u32,
}

/// An error while reading; the other key groups and units go on.
#[derive(Debug, Clone, Serialize)]
pub struct ReadError {
    pub subtask: u32,
    /// `None` when the error is not tied to a key group (header, opening the file).
    pub key_group: Option<u32>,
    pub file: String,
    pub offset: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(kg) = self.key_group {
            write!(f, ": key group {kg}")?;
        }
        if let Some(o) = self.offset {
            write!(f, ": byte {o}")?;
        }
        write!(f, ": {} (subtask {})", self.message, self.subtask)
    }
}

impl ReadError {
    fn decode(subtask: u32, key_group: Option<u32>, e: DecodeError) -> ReadError {
        let message = match e.context {
            Some(c) => format!("expected {} ({c})", e.expected),
            None => format!("expected {}", e.expected),
        };
        ReadError {
            subtask,
            key_group,
            file: e.file.to_string(),
            offset: Some(e.offset),
            message,
        }
    }

    fn other(subtask: u32, file: &str, message: impl Into<String>) -> ReadError {
        ReadError {
            subtask,
            key_group: None,
            file: file.to_string(),
            offset: None,
            message: message.into(),
        }
    }
}

/// What reading one unit did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnitResult {
    pub entries: u64,
    /// Key groups whose bytes were read (non-empty ones), in order.
    pub key_groups_read: Vec<u32>,
    pub errors: Vec<ReadError>,
    /// The format found (`None` if the handle could not be opened).
    pub format: Option<Format>,
    /// The sink asked to stop.
    pub stopped: bool,
}

impl UnitResult {
    fn merge(&mut self, o: UnitResult) {
        self.entries += o.entries;
        self.key_groups_read.extend(o.key_groups_read);
        self.errors.extend(o.errors);
        self.format = self.format.or(o.format);
        self.stopped |= o.stopped;
    }
}

/// The states of an operator as its keyed-backend header lists them.
#[derive(Debug, Clone, Serialize)]
pub struct StateCatalog {
    /// File the header was read from.
    pub file: String,
    pub header: KeyedHeader,
}

impl StateCatalog {
    pub fn state(&self, name: &str) -> Option<&StateMetaInfo> {
        self.header.states.iter().find(|s| s.name == name)
    }
}

fn managed(op: &OperatorState) -> impl Iterator<Item = (u32, &KeyedHandle)> {
    op.subtasks
        .iter()
        .filter_map(|(i, s)| s.managed_keyed_state.as_ref().map(|h| (*i, h)))
}

/// Splits the operator's managed keyed handles into work units: each key-group handle's key
/// groups in up to `pieces` contiguous ranges (so two cores can share one big handle), filtered
/// by the key-group range; a native (SST) handle stays one unit. Units come in subtask order,
/// then key-group order.
pub fn plan<'a>(op: &'a OperatorState, filter: &Filter, pieces: u32) -> Vec<WorkUnit<'a>> {
    plan_split(op, filter, pieces, 1)
}

/// Like [`plan`], but a native (SST) handle is split too, into up to `native_pieces` key-group
/// ranges: each unit seeks every SST of the handle to its first key group and stops at the
/// next range's, so the units of one handle read disjoint data blocks (plus one index block
/// and one data block per file to find where the range starts). A unit's entries are the
/// handle's entries in its key groups, in the handle's order (column family by column family,
/// keys ascending); the units of a handle together give every entry once, but the whole
/// handle's order (all key groups of one column family before the next column family) only
/// when read as one unit. Every (state, key group) run stays within one unit.
pub fn plan_split<'a>(
    op: &'a OperatorState,
    filter: &Filter,
    pieces: u32,
    native_pieces: u32,
) -> Vec<WorkUnit<'a>> {
    let mut out = Vec::new();
    let mut handles: Vec<_> = managed(op).collect();
    handles.sort_by_key(|(i, _)| *i);
    for (subtask, handle) in handles {
        let r = handle.range();
        let Some(end) = r.end() else { continue };
        let (mut a, mut b) = (r.start.max(0) as u32, end.max(0) as u32);
        if let Some((fa, fb)) = filter.key_groups {
            a = a.max(fa);
            b = b.min(fb);
        }
        if a > b {
            continue;
        }
        let n = b - a + 1;
        let pieces = if matches!(handle, KeyedHandle::Incremental(_)) {
            native_pieces
        } else {
            pieces
        };
        let step = n.div_ceil(pieces.max(1)).max(1);
        let mut s = a;
        while s <= b {
            let e = s.saturating_add(step - 1).min(b);
            out.push(WorkUnit {
                subtask,
                handle,
                first: s,
                last: e,
            });
            if e == u32::MAX {
                break;
            }
            s = e + 1;
        }
    }
    out
}

/// The operator's states: the keyed-backend headers of its managed keyed handles merged by
/// state name (first seen wins; subtasks may register different states, e.g. a subtask that
/// never created a lazily registered state). Reads only header bytes, one header per subtask.
/// `Ok(None)`: the operator has no keyed state with a header.
pub fn catalog(
    op: &OperatorState,
    resolver: &PathResolver,
) -> Result<Option<StateCatalog>, ReadError> {
    let mut out: Option<StateCatalog> = None;
    for (subtask, h) in managed(op) {
        let Some(c) = handle_header(subtask, h, resolver)? else {
            continue;
        };
        match &mut out {
            None => out = Some(c),
            Some(o) => {
                for s in c.header.states {
                    if o.state(&s.name).is_none() {
                        o.header.states.push(s);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The header of one handle.
fn handle_header(
    subtask: u32,
    h: &KeyedHandle,
    resolver: &PathResolver,
) -> Result<Option<StateCatalog>, ReadError> {
    // The stream holding the header: a key-group stream, or a native snapshot's meta stream.
    let stream = match h {
        KeyedHandle::KeyGroups(k) => k.delegate.as_ref(),
        KeyedHandle::Incremental(i) => i.meta.as_ref(),
        _ => None,
    };
    let Some(d) = stream else {
        return Ok(None);
    };
    let s = open_stream(d, resolver)
        .map_err(|e| ReadError::other(subtask, &describe_stream(d), format!("cannot open: {e}")))?;
    let end = match h {
        KeyedHandle::KeyGroups(k) => header_end(k, &s),
        _ => s.len,
    };
    let header = read_header(&s, end).map_err(|e| ReadError::decode(subtask, None, e))?;
    Ok(Some(StateCatalog {
        file: s.name().to_string(),
        header,
    }))
}

/// Where the header ends at the latest: the smallest non-zero key-group offset, or the end.
fn header_end(h: &KeyGroupsHandle, s: &StateStream) -> u64 {
    h.offsets
        .iter()
        .filter(|o| **o > 0)
        .map(|o| *o as u64)
        .min()
        .unwrap_or(s.len)
        .min(s.len)
}

fn read_header(s: &StateStream, end: u64) -> Result<KeyedHeader, DecodeError> {
    let mut d = DataInput::new(s.name(), s.range(0, end), 0, Some(end));
    read_keyed_header_until(&mut d, Some(end))
}

/// Reads one unit, handing entries to `sink` in key-group order. Errors are collected per key
/// group; the other key groups are still read.
pub fn read_unit(
    unit: &WorkUnit,
    max_parallelism: u32,
    resolver: &PathResolver,
    filter: &Filter,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> UnitResult {
    match unit.handle {
        KeyedHandle::KeyGroups(h) => {
            let Some(d) = &h.delegate else {
                return UnitResult::default();
            };
            match open_stream(d, resolver) {
                Ok(s) => read_key_groups(&s, h, unit, max_parallelism, filter, sink),
                Err(e) => UnitResult {
                    errors: vec![ReadError::other(
                        unit.subtask,
                        &describe_stream(d),
                        format!("cannot open the state file: {e}"),
                    )],
                    ..UnitResult::default()
                },
            }
        }
        KeyedHandle::Incremental(h) => {
            read_native(h, unit, max_parallelism, resolver, filter, sink)
        }
        other => UnitResult {
            errors: vec![ReadError::other(
                unit.subtask,
                &format!("{} handle", handle_kind(other)),
                format!(
                    "reading {} keyed state is not supported yet",
                    handle_kind(other)
                ),
            )],
            ..UnitResult::default()
        },
    }
}

/// A RocksDB/ForSt native handle (full or incremental): the SSTs of every column family,
/// merged, from the unit's first key group to its last
/// (`crate::rocksdb::read_incremental_key_groups`).
fn read_native(
    h: &crate::metadata::IncrementalHandle,
    unit: &WorkUnit,
    max_parallelism: u32,
    resolver: &PathResolver,
    filter: &Filter,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> UnitResult {
    const STOP: &str = "the reader of the entries asked to stop";
    let mut result = UnitResult {
        format: Some(Format::Native),
        ..UnitResult::default()
    };
    let mut groups = std::collections::BTreeSet::new();
    let wants_state = |m: &crate::keyed::header::StateMetaInfo| {
        filter
            .states
            .as_ref()
            .is_none_or(|names| names.contains(&m.name))
    };
    let mut entries = 0u64;
    let mut last_group = None;
    let mut each = |e: Entry| -> crate::io::DecodeResult<()> {
        if e.key_group < unit.first || e.key_group > unit.last {
            return Ok(());
        }
        if filter.key.as_ref().is_some_and(|k| *k != e.key) {
            return Ok(());
        }
        // entries come key group by key group within a column family
        if last_group != Some(e.key_group) {
            groups.insert(e.key_group);
            last_group = Some(e.key_group);
        }
        entries += 1;
        match sink(&e) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(DecodeError::new(&std::sync::Arc::from(""), 0, STOP)),
        }
    };
    let read = crate::rocksdb::read_incremental_key_groups(
        h,
        unit.subtask,
        max_parallelism,
        resolver,
        &wants_state,
        Some((unit.first, unit.last)),
        &mut each,
    );
    match read {
        Ok(_) => {}
        Err(e) if e.expected == STOP => result.stopped = true,
        Err(e) => result.errors.push(ReadError {
            subtask: unit.subtask,
            key_group: None,
            file: e.file.to_string(),
            offset: Some(e.offset),
            message: match &e.context {
                Some(c) => format!("{} ({c})", e.expected),
                None => e.expected.clone(),
            },
        }),
    }
    result.entries = entries;
    result.key_groups_read = groups.into_iter().collect();
    result
}

fn describe_stream(d: &crate::metadata::StreamHandle) -> String {
    use crate::metadata::StreamHandle as S;
    match d {
        S::Inline { name, .. } => format!("inline:{name}"),
        S::File { path, .. } | S::Segment { path, .. } => path.clone(),
        S::Relative { relative_path, .. } => relative_path.clone(),
        S::KeyGroups(_) => "key-group stream".into(),
        S::EmptySegment => "empty segment".into(),
    }
}

/// A short name for a keyed handle's kind, for messages.
pub fn handle_kind(h: &KeyedHandle) -> &'static str {
    match h {
        KeyedHandle::KeyGroups(k) => match k.kind {
            KeyGroupsKind::Savepoint => "canonical savepoint",
            _ => "key-group checkpoint",
        },
        KeyedHandle::Incremental(_) => "RocksDB/ForSt native (incremental or full)",
        KeyedHandle::Changelog(_)
        | KeyedHandle::ChangelogBytes(_)
        | KeyedHandle::ChangelogFiles(_) => "changelog",
    }
}

/// Decides canonical vs heap for a key-group handle. Tag 7 is always canonical. Tags 3 and 12
/// hold heap checkpoints (every key group has an offset and starts with its own number as
/// `int32`) or canonical bytes (RocksDB savepoints <= 1.12 and full checkpoints of 1.15:
/// empty key groups have offset 0, and a key group starts with `int16 kvStateId`, `int32 len`).
pub fn detect_format(
    h: &KeyGroupsHandle,
    s: &StateStream,
    header: &KeyedHeader,
) -> Result<Format, DecodeError> {
    if h.kind == KeyGroupsKind::Savepoint {
        return Ok(Format::Canonical);
    }
    let offsets: Vec<(i32, i64)> = h.key_group_offsets().collect();
    if offsets.iter().any(|(_, o)| *o <= 0) {
        return Ok(Format::Canonical);
    }
    let mut only_zero = true;
    for (kg, off) in offsets.iter().take(8) {
        let b = s.peek(*off as u64, 6)?;
        let Some(first) = b.get(..4) else {
            return Ok(Format::Canonical);
        };
        if i32::from_be_bytes([first[0], first[1], first[2], first[3]]) != *kg {
            return Ok(Format::Canonical);
        }
        if *kg != 0 {
            only_zero = false;
        } else if let Some(next) = b.get(4..6) {
            // kg 0 reads as (state id 0, key length < 65536) in canonical bytes too: heap
            // follows with a state id or a Snappy stream identifier
            let v = u16::from_be_bytes([next[0], next[1]]);
            let heapish = (v as usize) < header.states.len() || (header.compressed && v == 0xFF06);
            if !heapish {
                return Ok(Format::Canonical);
            }
        }
    }
    let _ = only_zero;
    Ok(Format::HeapCheckpoint)
}

/// Reads key groups `unit.first..=unit.last` of the stream `s` of handle `h`. Public so a
/// caller can pass a stream of its own (a counting or failing `ReadAt` in tests).
pub fn read_key_groups(
    s: &StateStream,
    h: &KeyGroupsHandle,
    unit: &WorkUnit,
    max_parallelism: u32,
    filter: &Filter,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> UnitResult {
    let mut out = UnitResult::default();
    let name = s.name().to_string();
    let header = match read_header(s, header_end(h, s)) {
        Ok(hd) => hd,
        Err(e) => {
            out.errors.push(ReadError::decode(
                unit.subtask,
                None,
                e.with_context("keyed-backend header"),
            ));
            return out;
        }
    };
    let format = match detect_format(h, s, &header) {
        Ok(f) => f,
        Err(e) => {
            out.errors.push(ReadError::decode(unit.subtask, None, e));
            return out;
        }
    };
    out.format = Some(format);
    let elide = filter
        .elide_values_above
        .map(|above| canonical::Elide::new(&header, above));
    let compressed = header.compressed;
    let header_len = header.end;
    let states = FileStates::new(
        header,
        max_parallelism,
        filter.states.as_deref(),
        filter.key.clone(),
    );
    // key-group starts, sorted, to find where each ends
    let mut starts: Vec<u64> = h
        .offsets
        .iter()
        .filter(|o| **o > 0)
        .map(|o| *o as u64)
        .collect();
    starts.sort_unstable();
    starts.dedup();
    for (kg, off) in h.key_group_offsets() {
        if kg < 0 {
            continue;
        }
        let kg = kg as u32;
        if kg < unit.first || kg > unit.last || !filter.wants_key_group(kg) || off <= 0 {
            continue;
        }
        let start = off as u64;
        if start < header_len || start >= s.len {
            out.errors.push(ReadError {
                subtask: unit.subtask,
                key_group: Some(kg),
                file: name.clone(),
                offset: Some(s.base + start),
                message: format!(
                    "expected a key-group offset between the header end {header_len} and the \
                     stream end {}",
                    s.len
                ),
            });
            continue;
        }
        let end = starts
            .iter()
            .find(|o| **o > start)
            .copied()
            .unwrap_or(s.len);
        out.key_groups_read.push(kg);
        let r = read_one(
            s,
            &states,
            (format, elide.as_ref()),
            compressed,
            kg,
            start,
            end,
            unit.subtask,
            sink,
        );
        match r {
            Ok(read) => {
                out.entries += read.entries;
                if read.stopped {
                    out.stopped = true;
                    break;
                }
            }
            Err(e) => out.errors.push(ReadError::decode(
                unit.subtask,
                Some(kg),
                e.with_context(format!("key group {kg} at offset {}", s.base + start)),
            )),
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn read_one(
    s: &StateStream,
    states: &FileStates,
    (format, elide): (Format, Option<&canonical::Elide>),
    compressed: bool,
    kg: u32,
    start: u64,
    end: u64,
    subtask: u32,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> Result<KeyGroupRead, DecodeError> {
    let name = s.name();
    let base = s.base;
    let mut raw = DataInput::new(name, s.range(start, end), base + start, Some(base + end));
    if format == Format::HeapCheckpoint {
        heap::read_key_group_number(&mut raw, kg)?;
    }
    if compressed {
        let at = raw.pos();
        let dec = SnappyFrames::new(raw.into_inner());
        let ctx = format!(
            "offset inside the Snappy-decompressed key group whose frames start at file offset {at}"
        );
        let mut d = DataInput::new(name, dec, 0, None);
        body(&mut d, states, (format, elide), kg, subtask, sink)
            .map_err(|e| e.with_context(ctx.clone()))
    } else {
        let r = body(&mut raw, states, (format, elide), kg, subtask, sink)?;
        if !r.stopped && raw.remaining().is_some_and(|n| n > 0) {
            return Err(raw.err(format!(
                "the end of the key group at the next key group's offset {} ({} bytes left)",
                base + end,
                raw.remaining().unwrap_or(0)
            )));
        }
        Ok(r)
    }
}

fn body<R: ChunkedRead>(
    d: &mut DataInput<R>,
    states: &FileStates,
    (format, elide): (Format, Option<&canonical::Elide>),
    kg: u32,
    subtask: u32,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> Result<KeyGroupRead, DecodeError> {
    match format {
        Format::Canonical => canonical::read_key_group(d, states, elide, kg, subtask, sink),
        Format::HeapCheckpoint => heap::read_key_group_body(d, states, kg, subtask, sink),
        Format::Native => Err(d.err("a key-group stream (native SST handles have none)")),
    }
}

/// Reads the operator's keyed state sequentially, in unit order (subtask, key group).
pub fn read_operator(
    op: &OperatorState,
    resolver: &PathResolver,
    filter: &Filter,
    sink: &mut dyn FnMut(&Entry) -> ControlFlow<()>,
) -> UnitResult {
    let maxp = op.max_parallelism.max(1) as u32;
    let mut total = UnitResult::default();
    for u in plan(op, filter, 1) {
        let r = read_unit(&u, maxp, resolver, filter, sink);
        let stop = r.stopped;
        total.merge(r);
        if stop {
            break;
        }
    }
    total
}

/// Key-group ranges [`read_operator_par`] asks [`plan`] for per handle, per thread.
const PIECES_PER_THREAD: u32 = 4;

/// Reads the operator's keyed state on rayon's pool: each unit folds its entries into its own
/// accumulator (`init`, `fold`); results come back in unit order, so merging them in order is
/// deterministic whatever the scheduling.
pub fn read_operator_par<T, I, F>(
    op: &OperatorState,
    resolver: &PathResolver,
    filter: &Filter,
    init: I,
    fold: F,
) -> Vec<(T, UnitResult)>
where
    T: Send,
    I: Fn() -> T + Sync,
    F: Fn(&mut T, &Entry) + Sync,
{
    read_operator_par_with(op, resolver, filter, init, fold, |_| {})
}

/// [`read_operator_par`] with `finish` called on each unit's accumulator as soon as the unit
/// is read (on the worker thread), e.g. to release per-unit buffers before the accumulators
/// wait for the final merge.
pub fn read_operator_par_with<T, I, F, G>(
    op: &OperatorState,
    resolver: &PathResolver,
    filter: &Filter,
    init: I,
    fold: F,
    finish: G,
) -> Vec<(T, UnitResult)>
where
    T: Send,
    I: Fn() -> T + Sync,
    F: Fn(&mut T, &Entry) + Sync,
    G: Fn(&mut T) + Sync,
{
    let maxp = op.max_parallelism.max(1) as u32;
    // several units per thread: a key group far larger than the others (a hot key) then
    // leaves the other threads units to take
    let threads = rayon::current_num_threads().max(1) as u32;
    let units = plan_split(
        op,
        filter,
        threads * PIECES_PER_THREAD,
        threads * NATIVE_PIECES_PER_THREAD,
    );
    let mut results: Vec<(T, UnitResult)> = units
        .par_iter()
        .map(|u| {
            let mut acc = init();
            let r = read_unit(u, maxp, resolver, filter, &mut |e| {
                fold(&mut acc, e);
                ControlFlow::Continue(())
            });
            finish(&mut acc);
            (acc, r)
        })
        .collect();
    dedup_handle_errors(&units, &mut results);
    results
}

/// Units per thread a native handle is split into by [`read_operator_par`]: one hot key
/// group (a skewed key) then holds a small share of the handle's other work, and rayon has
/// several units per core to balance.
const NATIVE_PIECES_PER_THREAD: u32 = 4;

/// The units of one split native handle all open the same files, so an error not tied to a
/// key group (a missing or unreadable file) would be reported once per unit: keep the first.
fn dedup_handle_errors<T>(units: &[WorkUnit], results: &mut [(T, UnitResult)]) {
    let mut seen = std::collections::HashSet::new();
    for (u, (_, r)) in units.iter().zip(results.iter_mut()) {
        let handle = std::ptr::from_ref(u.handle) as usize;
        r.errors.retain(|e| {
            e.key_group.is_some()
                || seen.insert((
                    handle,
                    e.subtask,
                    e.file.clone(),
                    e.offset,
                    e.message.clone(),
                ))
        });
    }
}

/// Merges unit results (in the order given).
pub fn merge_results<'a>(results: impl IntoIterator<Item = &'a UnitResult>) -> UnitResult {
    let mut total = UnitResult::default();
    for r in results {
        total.merge(r.clone());
    }
    total
}

/// The operator with the given uid or hex id: the uid is matched against the stored uids,
/// then through its hash (`hash::operator_id_from_uid`) for files that store none.
pub fn find_operator<'a>(
    ops: &'a [OperatorState],
    wanted: &str,
) -> Option<(usize, &'a OperatorState)> {
    if let Some(found) = ops
        .iter()
        .enumerate()
        .find(|(_, o)| o.uid.as_deref() == Some(wanted))
    {
        return Some(found);
    }
    let hashed = crate::hash::operator_id_from_uid(wanted);
    if let Some(found) = ops.iter().enumerate().find(|(_, o)| o.id == hashed) {
        return Some(found);
    }
    let lower = wanted.to_ascii_lowercase();
    ops.iter().enumerate().find(|(_, o)| o.id_hex() == lower)
}

/// Convenience for callers holding only `Arc<str>` names.
pub fn state_names(c: &StateCatalog) -> Vec<Arc<str>> {
    c.header
        .states
        .iter()
        .map(|s| Arc::from(s.name.as_str()))
        .collect()
}
