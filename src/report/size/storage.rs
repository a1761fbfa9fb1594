//! Bytes on storage per keyed state, for one subtask's managed keyed handle.
//!
//! * SST snapshots (RocksDB native savepoints, full and incremental checkpoints): every SST
//!   file belongs to one column family, named by its `rocksdb.column.family.name` property,
//!   and a column family is one state. Only footer, metaindex and properties blocks are read
//!   (three small ranged reads per file). Exact.
//! * Uncompressed canonical key-group files: the byte ranges of each state's section inside
//!   each key group, found by walking the length-prefixed framing (no key or value is
//!   decoded). Exact.
//! * Snappy-compressed key groups and heap checkpoints (whose records carry no lengths):
//!   each key group's bytes on storage are apportioned over the states by their share of the
//!   key group's serialized (uncompressed) entry bytes. Not exact, and marked so.
//!
//! What belongs to no state is `backend_metadata_bytes`: the keyed-backend header (or the
//! meta-state file), key-group framing (exact walks only), RocksDB's own files (`MANIFEST`,
//! `OPTIONS`, `CURRENT`, ...) and SSTs of column families no state is named after (`default`).
//! State bytes plus backend metadata equal the handle's size as `info` counts it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use super::fold::StateFold;
use crate::io::{DataInput, DecodeError, DecodeResult};
use crate::keyed::Format;
use crate::keyed::header::read_keyed_header_until;
use crate::keyed::source::detect_format;
use crate::keyed::stream::{StateStream, open_stream};
use crate::metadata::{IncrementalHandle, KeyGroupsHandle, KeyedHandle, StreamHandle};
use crate::rocksdb::SstFile;
use crate::rocksdb::chain::file_identity;
use crate::rocksdb::handle_files;
use crate::store::PathResolver;

/// How state bytes on storage were attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribution {
    /// Each SST file counted whole for its column family's state.
    SstColumnFamily,
    /// Byte ranges of each state's section within each key group.
    KeyGroupSections,
    /// Each key group's bytes split by the states' share of its serialized bytes.
    ApportionedBySerializedBytes,
}

/// One state's bytes on storage in one subtask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateBytes {
    pub state: String,
    pub bytes: u64,
    /// SST files of the state's column family (SST snapshots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
    /// Bytes of files not referenced by the previous checkpoint given (`--previous`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_bytes: Option<u64>,
}

/// Bytes on storage per state of one subtask's keyed handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyedStorage {
    pub attribution: Attribution,
    /// False when the bytes are apportioned (see [`Attribution`]).
    pub storage_bytes_exact: bool,
    pub states: Vec<StateBytes>,
    /// Bytes that belong to no state (header, meta-state file, key-group framing, RocksDB's
    /// own files, SSTs of the `default` column family).
    pub backend_metadata_bytes: u64,
    /// Of `backend_metadata_bytes`, those in files the previous checkpoint given does not
    /// reference (`--previous`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_backend_metadata_bytes: Option<u64>,
    /// SST column families no state of the header is named after (their bytes are in
    /// `backend_metadata_bytes`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_column_families: Vec<String>,
}

impl KeyedStorage {
    pub fn total(&self) -> u64 {
        self.backend_metadata_bytes + self.states.iter().map(|s| s.bytes).sum::<u64>()
    }
}

/// Per-state storage of `handle` (subtask `subtask`). `folds`: the operator's entry fold, used
/// to apportion compressed and heap key groups; `previous`: handles of the same subtask in an
/// earlier checkpoint (files they reference are not new). `Ok(None)`: a handle kind without
/// per-state attribution (changelog).
pub fn keyed_storage(
    subtask: u32,
    handle: &KeyedHandle,
    resolver: &PathResolver<'_>,
    folds: Option<&BTreeMap<Arc<str>, StateFold>>,
    previous: Option<&BTreeSet<String>>,
) -> DecodeResult<Option<KeyedStorage>> {
    match handle {
        KeyedHandle::Incremental(h) => sst_storage(h, resolver, previous).map(Some),
        KeyedHandle::KeyGroups(h) => key_group_storage(subtask, h, resolver, folds),
        _ => Ok(None),
    }
}

/// Identities of every file an incremental handle references.
pub fn handle_identities(h: &IncrementalHandle, out: &mut BTreeSet<String>) {
    let files = h.shared.iter().chain(&h.private);
    for f in files.filter_map(|f| f.handle.as_ref()) {
        if let Some(id) = file_identity(f) {
            out.insert(id);
        }
    }
    if let Some(id) = h.meta.as_ref().and_then(file_identity) {
        out.insert(id);
    }
}

fn sst_storage(
    h: &IncrementalHandle,
    resolver: &PathResolver<'_>,
    previous: Option<&BTreeSet<String>>,
) -> DecodeResult<KeyedStorage> {
    let meta = h.meta.as_ref().ok_or_else(|| {
        DecodeError::new(
            &Arc::from(format!(
                "incremental handle of checkpoint {}",
                h.checkpoint_id
            )),
            0,
            "a meta-state handle (the keyed-backend header), found none",
        )
    })?;
    let header = {
        let src = handle_files::open_stream(resolver, meta, "RocksDB meta state")?;
        let end = src.size();
        let mut d = DataInput::new(
            src.name(),
            crate::io::RangeReader::new(src.as_ref(), 0, end),
            0,
            Some(end),
        );
        read_keyed_header_until(&mut d, Some(end))
            .map_err(|e| e.with_context("RocksDB native meta-state file"))?
    };
    let is_new =
        |s: &StreamHandle| previous.map(|p| file_identity(s).is_none_or(|i| !p.contains(&i)));
    let mut states: Vec<StateBytes> = header
        .states
        .iter()
        .map(|s| StateBytes {
            state: s.name.clone(),
            bytes: 0,
            files: Some(0),
            new_bytes: previous.map(|_| 0),
        })
        .collect();
    let mut backend = meta.state_size();
    let mut new_backend = previous.map(|_| 0u64);
    if let (Some(n), Some(true)) = (&mut new_backend, is_new(meta)) {
        *n += meta.state_size();
    }
    let mut add_backend = |size: u64, h: &StreamHandle, backend: &mut u64| {
        *backend += size;
        if let (Some(n), Some(true)) = (&mut new_backend, is_new(h)) {
            *n += size;
        }
    };
    let mut others = BTreeSet::new();
    for f in h.shared.iter().chain(&h.private) {
        let Some(sh) = &f.handle else { continue };
        let size = sh.state_size();
        if !f.local_path.ends_with(".sst") {
            add_backend(size, sh, &mut backend);
            continue;
        }
        let src = handle_files::open_stream(resolver, sh, &f.local_path)?;
        let file = SstFile::open(src).map_err(|e| e.with_context(f.local_path.clone()))?;
        let cf = file.column_family_name()?;
        match states.iter_mut().find(|s| s.state == cf) {
            Some(s) => {
                s.bytes += size;
                s.files = Some(s.files.unwrap_or(0) + 1);
                if let (Some(n), Some(true)) = (&mut s.new_bytes, is_new(sh)) {
                    *n += size;
                }
            }
            None => {
                add_backend(size, sh, &mut backend);
                others.insert(cf);
            }
        }
    }
    Ok(KeyedStorage {
        attribution: Attribution::SstColumnFamily,
        storage_bytes_exact: true,
        states,
        backend_metadata_bytes: backend,
        new_backend_metadata_bytes: new_backend,
        other_column_families: others.into_iter().collect(),
    })
}

fn key_group_storage(
    subtask: u32,
    h: &KeyGroupsHandle,
    resolver: &PathResolver<'_>,
    folds: Option<&BTreeMap<Arc<str>, StateFold>>,
) -> DecodeResult<Option<KeyedStorage>> {
    let Some(d) = &h.delegate else {
        return Ok(None);
    };
    let len = d.state_size();
    let s = open_stream(d, resolver).map_err(|e| {
        DecodeError::new(
            &Arc::from(format!("keyed state of subtask {subtask}")),
            0,
            format!("a readable state file ({e})"),
        )
    })?;
    let mut starts: Vec<(u64, u32)> = h
        .key_group_offsets()
        .filter(|(kg, o)| *o > 0 && *kg >= 0)
        .map(|(kg, o)| (o as u64, kg as u32))
        .collect();
    starts.sort_unstable();
    let header_end = starts.first().map_or(s.len, |f| f.0).min(s.len);
    let header = {
        let mut d = DataInput::new(s.name(), s.range(0, header_end), 0, Some(header_end));
        read_keyed_header_until(&mut d, Some(header_end))
            .map_err(|e| e.with_context("keyed-backend header"))?
    };
    let names: Vec<String> = header.states.iter().map(|s| s.name.clone()).collect();
    let mut bytes = vec![0u64; names.len()];
    let format = detect_format(h, &s, &header)?;
    let exact = format == Format::Canonical && !header.compressed;
    let mut backend = header_end;
    for (i, (start, kg)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(len, |n| n.0).max(*start).min(len);
        if exact {
            let framing = canonical_sections(&s, *start, end, &mut bytes)?;
            backend += framing;
        } else {
            backend += apportion(folds, subtask, *kg, end - start, &names, &mut bytes);
        }
    }
    // bytes past the stream's end as recorded (a short file) are nobody's
    let states = names
        .into_iter()
        .zip(bytes)
        .map(|(state, bytes)| StateBytes {
            state,
            bytes,
            files: None,
            new_bytes: None,
        })
        .collect();
    Ok(Some(KeyedStorage {
        attribution: if exact {
            Attribution::KeyGroupSections
        } else {
            Attribution::ApportionedBySerializedBytes
        },
        storage_bytes_exact: exact,
        states,
        backend_metadata_bytes: backend,
        new_backend_metadata_bytes: None,
        other_column_families: Vec::new(),
    }))
}

const FIRST_BIT: u8 = 0x80;
const END_OF_KEY_GROUP: u16 = 0xFFFF;

/// Walks one uncompressed canonical key group `[start, end)`: adds each state section's bytes
/// (its `kvStateId` and its length-prefixed key/value pairs) to `bytes[id]`; returns the
/// framing bytes (the end-of-key-group mark, anything left before `end`).
fn canonical_sections(
    s: &StateStream,
    start: u64,
    end: u64,
    bytes: &mut [u64],
) -> DecodeResult<u64> {
    let base = s.base;
    let mut d = DataInput::new(
        s.name(),
        s.range(start, end),
        base + start,
        Some(base + end),
    );
    loop {
        let at = d.pos();
        let id = d.u16("kvStateId or end-of-key-group mark 0xFFFF")?;
        if id == END_OF_KEY_GROUP {
            return Ok(base + end - at);
        }
        let slot = bytes
            .get_mut(id as usize)
            .ok_or_else(|| d.err_at(at, "a state id below the header's state count".to_string()))?;
        loop {
            let key_at = d.pos();
            let klen = d.i32("composite key length")?;
            let klen = d.check_len(klen as i64, key_at, "composite key length")?;
            let mut last = false;
            if klen > 0 {
                last = d.u8("composite key first byte")? & FIRST_BIT != 0;
                d.skip(klen - 1, "composite key")?;
            }
            let value_at = d.pos();
            let vlen = d.i32("state value length")?;
            let vlen = d.check_len(vlen as i64, value_at, "state value length")?;
            d.skip(vlen, "state value")?;
            if last {
                break;
            }
        }
        *slot += d.pos() - at;
    }
}

/// Splits `total` bytes of key group `kg` over the states by their serialized bytes there
/// (largest remainder, so the parts add up to `total`); returns the part no state takes (all
/// of it for a key group with no entries).
fn apportion(
    folds: Option<&BTreeMap<Arc<str>, StateFold>>,
    subtask: u32,
    kg: u32,
    total: u64,
    names: &[String],
    bytes: &mut [u64],
) -> u64 {
    let Some(folds) = folds else { return total };
    let shares: Vec<u64> = names
        .iter()
        .map(|n| {
            folds
                .get(n.as_str())
                .and_then(|f| f.cells.get(&(subtask, kg)))
                .map_or(0, |c| c.serialized_bytes())
        })
        .collect();
    let sum: u64 = shares.iter().sum();
    if sum == 0 {
        return total;
    }
    let mut parts: Vec<(u64, u128, usize)> = shares
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            let p = total as u128 * w as u128;
            ((p / sum as u128) as u64, p % sum as u128, i)
        })
        .collect();
    let mut left = total - parts.iter().map(|p| p.0).sum::<u64>();
    parts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    for p in &mut parts {
        if left == 0 {
            break;
        }
        if shares[p.2] > 0 {
            p.0 += 1;
            left -= 1;
        }
    }
    for (b, _, i) in parts {
        if let Some(slot) = bytes.get_mut(i) {
            *slot += b;
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::size::fold::Counts;

    #[test]
    fn apportion_adds_up_and_follows_shares() {
        let mut folds = BTreeMap::new();
        for (name, b) in [("a", 1u64), ("b", 2)] {
            let mut f = StateFold::default();
            f.cells.insert(
                (0, 7),
                Counts {
                    value_bytes: b,
                    ..Counts::default()
                },
            );
            folds.insert(Arc::<str>::from(name), f);
        }
        let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let mut bytes = vec![0; 3];
        assert_eq!(apportion(Some(&folds), 0, 7, 100, &names, &mut bytes), 0);
        assert_eq!(bytes, vec![33, 67, 0]);
        // a key group without entries is nobody's
        assert_eq!(apportion(Some(&folds), 0, 8, 5, &names, &mut bytes), 5);
        assert_eq!(bytes, vec![33, 67, 0]);
    }
}
