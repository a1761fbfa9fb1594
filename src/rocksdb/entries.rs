//! From the live key/value pairs of column families to [`Entry`]s: key-group prefix, key parts
//! ([`super::key_layout`]), value layout by state kind, and the handle's key-group range.

use std::sync::Arc;

use bytes::Bytes;

use super::key_layout::KeyLayout;
use super::keys::{key_group_prefix_len, split_key_group};
use super::merge::MergedView;
use super::native::{ColumnFamily, NativeSnapshot};
use super::sst::SstFile;
use crate::io::{DecodeError, DecodeResult};
use crate::keyed::header::{KeyedHeader, StateKind, StateMetaInfo};
use crate::keyed::{Entry, ValueLayout};
use crate::metadata::{IncrementalHandle, KeyGroupRange};
use crate::store::PathResolver;
use crate::types::TypeInfo;

/// Receives entries; an error stops the read and is returned as is.
pub type Sink<'s> = dyn FnMut(Entry) -> DecodeResult<()> + 's;

/// What one column family's entries need besides the files.
pub struct CfReader<'a> {
    pub subtask: u32,
    pub max_parallelism: u32,
    /// Keys outside this range are skipped (a RocksDB instance restored after rescaling may
    /// still hold them).
    pub key_groups: KeyGroupRange,
    pub header: &'a KeyedHeader,
    pub state: &'a StateMetaInfo,
}

/// Counts of one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCounts {
    pub entries: u64,
    /// Live keys outside the handle's key-group range, skipped.
    pub out_of_range: u64,
}

fn layout_of(kind: &StateKind) -> ValueLayout {
    match kind {
        StateKind::List => ValueLayout::DelimitedList,
        StateKind::Map => ValueLayout::MapValue,
        StateKind::PriorityQueue => ValueLayout::Timer,
        _ => ValueLayout::Single,
    }
}

impl CfReader<'_> {
    /// Streams the live entries of `files` (all SSTs of the state's column family) into `sink`,
    /// one data block per open file in memory.
    pub fn read(&self, files: &[SstFile], sink: &mut Sink<'_>) -> DecodeResult<ReadCounts> {
        self.read_key_groups(files, None, sink)
    }

    /// Like [`CfReader::read`], limited to key groups `first..=last` (`None`: all): each file
    /// is entered by a seek to the first key-group prefix, and left at the prefix after the
    /// last. The entries are those of [`CfReader::read`] in those key groups, in the same order.
    pub fn read_key_groups(
        &self,
        files: &[SstFile],
        groups: Option<(u32, u32)>,
        sink: &mut Sink<'_>,
    ) -> DecodeResult<ReadCounts> {
        let state_name: Arc<str> = Arc::from(self.state.name.as_str());
        let first: Arc<str> = files
            .first()
            .map(|f| Arc::clone(f.name()))
            .unwrap_or_else(|| Arc::from(self.state.name.as_str()));
        let value_layout = layout_of(&self.state.kind);
        let void = TypeInfo::VoidNamespace;
        let layout = match (&self.state.kind, self.state.value_type()) {
            (StateKind::PriorityQueue, Some(TypeInfo::Timer { key, namespace })) => {
                KeyLayout::timer(key, namespace)
            }
            (StateKind::PriorityQueue, other) => {
                return Err(DecodeError::new(
                    &first,
                    0,
                    format!(
                        "timer elements (TimerSerializer) in priority-queue state {:?}, found {}",
                        self.state.name,
                        other.map_or("no element serializer".to_string(), |t| t.to_string())
                    ),
                ));
            }
            (kind, _) => KeyLayout::state(
                &self.header.key_serializer.ty,
                self.state.namespace_type().unwrap_or(&void),
                *kind == StateKind::Map,
            ),
        };
        let prefix = key_group_prefix_len(self.max_parallelism);
        let mut counts = ReadCounts::default();
        let (lower, upper) = match groups {
            Some((a, b)) => (
                Some(key_group_prefix(a, prefix)),
                b.checked_add(1)
                    .filter(|end| *end < self.max_parallelism)
                    .map(|end| key_group_prefix(end, prefix)),
            ),
            None => (None, None),
        };
        for item in MergedView::with_range(files, lower.as_deref(), upper.as_deref())? {
            let (user_key, value) = item?;
            let user_key = Bytes::from(user_key);
            let split = split_key_group(&user_key, self.max_parallelism).ok_or_else(|| {
                DecodeError::new(
                    &first,
                    0,
                    format!(
                        "a key starting with a key group below {} ({prefix} prefix bytes), found key {}",
                        self.max_parallelism,
                        crate::hash::hex(&user_key)
                    ),
                )
                .with_context(format!("column family {:?}", self.state.name))
            })?;
            if !self.key_groups.contains(split.key_group as i32) {
                counts.out_of_range += 1;
                continue;
            }
            let parts = layout
                .split(&first, split.rest, prefix as u64)
                .map_err(|e| {
                    e.with_context(format!(
                        "column family {:?}, key {} (offsets inside the key; files {})",
                        self.state.name,
                        crate::hash::hex(&user_key),
                        files
                            .iter()
                            .map(|f| f.name().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            // slices of the one merged key, no copies
            let key = user_key.slice_ref(parts.key);
            let namespace = user_key.slice_ref(parts.namespace);
            let user_key_bytes = parts.user_key.map(|u| user_key.slice_ref(u));
            let value = match parts.timestamp {
                Some(ts) => user_key.slice_ref(ts),
                None => value,
            };
            counts.entries += 1;
            sink(Entry {
                subtask: self.subtask,
                key_group: split.key_group,
                state: Arc::clone(&state_name),
                key,
                namespace,
                user_key: user_key_bytes,
                value,
                value_layout,
                elided: None,
            })?;
        }
        Ok(counts)
    }
}

/// The first `len` bytes of every key of key group `kg` (big-endian).
fn key_group_prefix(kg: u32, len: usize) -> Vec<u8> {
    let b = kg.to_be_bytes();
    b.get(b.len().saturating_sub(len)..).unwrap_or(&b).to_vec()
}

/// Which states to read.
pub type StateFilter<'f> = dyn Fn(&StateMetaInfo) -> bool + 'f;

/// What [`read_incremental`] read, besides the entries it sent.
pub struct NativeRead {
    pub snapshot: NativeSnapshot,
    /// Column family name, bytes of its SSTs on storage.
    pub cf_bytes: Vec<(String, u64)>,
    pub counts: ReadCounts,
}

/// Reads one subtask's native RocksDB handle: header, SSTs grouped by column family, and the
/// entries of every state `filter` accepts, sent to `sink` state by state (column families
/// in header order, keys ascending within one). A column family named after no state is an
/// error.
pub fn read_incremental(
    handle: &IncrementalHandle,
    subtask: u32,
    max_parallelism: u32,
    resolver: &PathResolver<'_>,
    filter: &StateFilter<'_>,
    sink: &mut Sink<'_>,
) -> DecodeResult<NativeRead> {
    read_incremental_key_groups(
        handle,
        subtask,
        max_parallelism,
        resolver,
        filter,
        None,
        sink,
    )
}

/// [`read_incremental`] limited to key groups `first..=last` (`None`: all): the entries it
/// would send in those key groups, in the same order (column families in header order, keys
/// ascending within one), reading only the data blocks that may hold them. `counts.out_of_range`
/// then counts only the skipped keys inside `first..=last`.
pub fn read_incremental_key_groups(
    handle: &IncrementalHandle,
    subtask: u32,
    max_parallelism: u32,
    resolver: &PathResolver<'_>,
    filter: &StateFilter<'_>,
    groups: Option<(u32, u32)>,
    sink: &mut Sink<'_>,
) -> DecodeResult<NativeRead> {
    let snapshot = NativeSnapshot::open(handle, resolver)?;
    let cfs = snapshot.column_families(resolver)?;
    let mut counts = ReadCounts::default();
    let mut cf_bytes = Vec::with_capacity(cfs.len());
    for cf in &cfs {
        cf_bytes.push((cf.name.clone(), cf.bytes));
        let c = read_cf(
            &snapshot,
            cf,
            subtask,
            max_parallelism,
            filter,
            groups,
            sink,
        )?;
        counts.entries += c.entries;
        counts.out_of_range += c.out_of_range;
    }
    Ok(NativeRead {
        snapshot,
        cf_bytes,
        counts,
    })
}

fn read_cf(
    snapshot: &NativeSnapshot,
    cf: &ColumnFamily,
    subtask: u32,
    max_parallelism: u32,
    filter: &StateFilter<'_>,
    groups: Option<(u32, u32)>,
    sink: &mut Sink<'_>,
) -> DecodeResult<ReadCounts> {
    let Some(state) = cf.state.and_then(|i| snapshot.header.states.get(i)) else {
        let file = cf
            .files
            .first()
            .map(|f| Arc::clone(f.name()))
            .unwrap_or_else(|| Arc::from(cf.name.as_str()));
        return Err(DecodeError::new(
            &file,
            0,
            format!(
                "a column family named after a state of the meta file, found {:?}",
                cf.name
            ),
        ));
    };
    if !filter(state) {
        return Ok(ReadCounts::default());
    }
    CfReader {
        subtask,
        max_parallelism,
        key_groups: snapshot.key_groups,
        header: &snapshot.header,
        state,
    }
    .read_key_groups(&cf.files, groups, sink)
}
