//! Reads every real `_metadata` fixture written by Flink 1.6 to 2.1 and checks what is read
//! against facts taken independently: raw header bytes, the files beside `_metadata`, the
//! OperatorID hash of each uid, key-group range arithmetic, and the directory names.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use flink_inspect::hash::{key_group_range, operator_id_from_uid};
mod common;

use common::fixtures::{all_metadata_files, read_snapshot};
use flink_inspect::metadata::{
    self, ChannelHandle, DistributionMode, FilePath, FileScope, KeyGroupsKind, KeyedHandle,
    SavepointFormat, Slot, Snapshot, SnapshotKind, StreamHandle,
};

fn read(rel: &str) -> Snapshot {
    read_snapshot(&common::fixtures().join(rel)).unwrap_or_else(|e| panic!("{e}"))
}

fn all_snapshots() -> Vec<(PathBuf, Snapshot)> {
    all_metadata_files()
        .into_iter()
        .map(|p| {
            let s = read_snapshot(&p).unwrap_or_else(|e| panic!("{e}"));
            (p, s)
        })
        .collect()
}

/// A reader that counts the bytes handed out.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

#[test]
fn every_fixture_parses_to_its_last_byte() {
    let files = all_metadata_files();
    assert_eq!(files.len(), 489, "number of _metadata fixtures");
    let mut errors = Vec::new();
    let mut versions = BTreeMap::new();
    let mut header_versions = BTreeMap::new();
    let mut masters = 0;
    for p in &files {
        let raw = std::fs::read(p).unwrap();
        *header_versions.entry(be_u32(&raw, 4)).or_insert(0) += 1;
        let mut counting = Counting {
            inner: std::fs::File::open(p).unwrap(),
            count: 0,
        };
        let name = p.display().to_string();
        match metadata::read_metadata_from(&name, &mut counting, raw.len() as u64) {
            Ok(s) => {
                *versions.entry(s.metadata_version).or_insert(0) += 1;
                assert_eq!(counting.count, raw.len() as u64, "{name}: bytes consumed");
                // Header facts straight from the bytes.
                let cid = i64::from_be_bytes(raw[8..16].try_into().unwrap());
                assert_eq!(s.checkpoint_id, cid, "{name}");
                assert_eq!(s.master_states.len() as u32, be_u32(&raw, 16), "{name}");
                if s.master_states.is_empty() {
                    assert_eq!(s.operators.len() as u32, be_u32(&raw, 20), "{name}");
                } else {
                    masters += 1;
                }
                // Version 4+ ends with a Java serialization stream: find its magic by
                // position: it must start where the reader said the operators end, which we
                // cannot see here, but it must at least occur in the file.
                if s.metadata_version >= 4 {
                    assert!(raw.windows(4).any(|w| w == [0xac, 0xed, 0, 5]), "{name}");
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    assert_eq!(versions, header_versions);
    assert_eq!(versions.values().sum::<u32>(), 489);
    // The State Processor API `table-state*` savepoints carry one master-hook state each.
    assert_eq!(masters, 3);
    // All five versions are present in the corpus.
    assert_eq!(
        versions.keys().copied().collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
}

#[test]
fn operator_ids_are_the_hash_of_their_uid() {
    let mut checked = 0;
    for (p, s) in all_snapshots() {
        for op in &s.operators {
            if s.metadata_version < 5 {
                assert!(op.uid.is_none() && op.name.is_none());
            }
            if let Some(uid) = &op.uid {
                assert_eq!(
                    op.id,
                    operator_id_from_uid(uid),
                    "{}: uid {uid:?}",
                    p.display()
                );
                checked += 1;
            }
        }
    }
    // V5 and V6 fixtures name hundreds of operators by uid.
    assert!(checked > 200, "only {checked} operators with a uid");
}

#[test]
fn relative_files_exist_beside_metadata_with_the_stated_size() {
    let (mut relative, mut inline) = (0, 0);
    for (p, s) in all_snapshots() {
        let dir = p.parent().unwrap();
        for r in s.file_refs() {
            match &r.file.path {
                FilePath::Relative { path } => {
                    let len = std::fs::metadata(dir.join(path))
                        .unwrap_or_else(|e| panic!("{}: {path}: {e}", p.display()))
                        .len();
                    assert_eq!(Some(len), r.file.size, "{}: {path}", p.display());
                    assert_eq!(r.file.scope, FileScope::Exclusive);
                    relative += 1;
                }
                FilePath::Inline { len, .. } => {
                    assert_eq!(r.file.size, Some(*len));
                    assert_eq!(r.file.scope, FileScope::Inline);
                    inline += 1;
                }
                FilePath::Absolute { path } => {
                    panic!("{}: no fixture has absolute paths: {path}", p.display())
                }
            }
        }
    }
    assert!(relative > 1000 && inline > 1000, "{relative} {inline}");
}

#[test]
fn key_group_handles_are_consistent() {
    let mut handles = 0;
    for (p, s) in all_snapshots() {
        for op in &s.operators {
            for (idx, st) in &op.subtasks {
                for k in [&st.managed_keyed_state, &st.raw_keyed_state]
                    .into_iter()
                    .flatten()
                {
                    let range = k.range();
                    // No fixture was rescaled: each subtask holds exactly its own range.
                    let (a, b) =
                        key_group_range(*idx, op.max_parallelism as u32, op.parallelism as u32);
                    assert_eq!(
                        (range.start, range.end()),
                        (a as i32, Some(b as i32)),
                        "{}",
                        p.display()
                    );
                    let Some(g) = k.key_groups() else { continue };
                    handles += 1;
                    assert_eq!(g.offsets.len() as i32, range.count);
                    let size = g.delegate.as_ref().unwrap().state_size() as i64;
                    // Offset 0 marks a key group without data (the full/canonical writers
                    // record only the groups they wrote); the others ascend inside the stream.
                    let written: Vec<i64> = g.offsets.iter().copied().filter(|o| *o != 0).collect();
                    assert!(written.windows(2).all(|w| w[0] < w[1]), "{}", p.display());
                    assert!(written.iter().all(|o| *o > 0 && *o < size));
                    assert_eq!(g.offset_of(range.start), g.offsets.first().copied());
                    assert_eq!(g.offset_of(range.start - 1), None);
                    if let Some(end) = range.end() {
                        assert_eq!(g.offset_of(end), g.offsets.last().copied());
                        assert_eq!(g.offset_of(end + 1), None);
                    }
                    assert_eq!(k.checkpointed_size(), Some(k.state_size()));
                }
                for o in [&st.managed_operator_state, &st.raw_operator_state]
                    .into_iter()
                    .flatten()
                {
                    let size = o.state_size() as i64;
                    for n in &o.states {
                        assert!(n.offsets.iter().all(|x| *x >= 0 && *x <= size));
                    }
                }
            }
        }
    }
    assert!(handles > 1000, "{handles}");
}

#[test]
fn properties_agree_with_directory_names() {
    let mut checked = 0;
    for (p, s) in all_snapshots() {
        let dir = p.parent().unwrap().file_name().unwrap().to_string_lossy();
        if s.metadata_version < 4 {
            assert!(s.properties.is_none());
            continue;
        }
        let Some(props) = &s.properties else {
            // Only the State Processor API writes a null trailer.
            assert!(p.to_string_lossy().contains("flink-state-processing-api"));
            continue;
        };
        assert_eq!(
            props.raw_class_name,
            "org.apache.flink.runtime.checkpoint.CheckpointProperties"
        );
        if dir.ends_with("-savepoint-native") {
            assert_eq!(props.format, Some(SavepointFormat::Native), "{dir}");
            checked += 1;
        } else if dir.ends_with("-savepoint") {
            assert_eq!(props.format, Some(SavepointFormat::Canonical), "{dir}");
            checked += 1;
        } else if dir.ends_with("-checkpoint") {
            assert_eq!(props.kind, SnapshotKind::Checkpoint, "{dir}");
            assert_eq!(props.format, None);
            assert_eq!(props.type_name.as_deref(), Some("Checkpoint"));
            checked += 1;
        }
        // Savepoints never discard; the fixture checkpoints are never retained.
        let discard = [
            props.discard_subsumed,
            props.discard_finished,
            props.discard_cancelled,
            props.discard_failed,
            props.discard_suspended,
        ];
        let want = Some(props.kind == SnapshotKind::Checkpoint);
        assert!(discard.iter().all(|d| *d == want), "{dir}: {props:?}");
        match props.kind {
            SnapshotKind::SyncSavepoint => {
                assert_eq!(props.type_name.as_deref(), Some("Suspend Savepoint"));
                assert_eq!(props.post_checkpoint_action.as_deref(), Some("SUSPEND"));
            }
            SnapshotKind::Savepoint => {
                assert_eq!(props.post_checkpoint_action.as_deref(), Some("NONE"))
            }
            SnapshotKind::Checkpoint => assert_eq!(
                props.sharing_files_strategy.as_deref(),
                Some("FORWARD_BACKWARD")
            ),
            k => panic!("{dir}: unexpected kind {k:?}"),
        }
    }
    assert!(checked > 50, "{checked}");
}

/// `operatorstate/complexKeyed-flink2.0`, the file annotated byte by byte in the reference
/// (§12); the values below were read off `xxd` of the file.
#[test]
fn annotated_v5_file() {
    let s = read("flink-tests/src/test/resources/operatorstate/complexKeyed-flink2.0/_metadata");
    assert_eq!(s.metadata_version, 5);
    assert_eq!(s.checkpoint_id, 382);
    assert_eq!(s.operators.len(), 4);
    let op = &s.operators[0];
    assert_eq!(op.name.as_deref(), Some("Map"));
    assert_eq!(op.uid.as_deref(), Some("second"));
    assert_eq!(op.id_hex(), "6730ef7375fb60f9d9bbdfdfd174d803");
    assert_eq!((op.parallelism, op.max_parallelism), (4, 128));
    assert!(op.coordinator_state.is_none());
    assert_eq!(op.subtasks.len(), 4);
    let (idx, st) = &op.subtasks[0];
    assert_eq!(*idx, 0);
    let h = st.managed_operator_state.as_ref().unwrap();
    assert_eq!(h.tag(), 4);
    let d = h.state("_default_").unwrap();
    assert_eq!(d.mode, DistributionMode::SplitDistribute);
    assert_eq!(d.offsets, [180]);
    match &h.delegate {
        Some(StreamHandle::Inline { name, data }) => {
            assert_eq!(name, "28fb2be9-8db5-4cf4-82cc-ea5a4d14c08a");
            assert_eq!(data.len(), 0xc2);
        }
        other => panic!("{other:?}"),
    }
    let window = s.operator_by_uid("window").unwrap();
    assert_eq!(window.id_hex(), "01203aa9a12dc1ec725e03853dd7c8f2");
    for (_, st) in &window.subtasks {
        let k = st.managed_keyed_state.as_ref().unwrap();
        assert_eq!(k.tag(), 7);
        assert_eq!(k.key_groups().unwrap().kind, KeyGroupsKind::Savepoint);
        assert_eq!(k.range().count, 32);
    }
    let p = s.properties.unwrap();
    assert_eq!(p.kind, SnapshotKind::Savepoint);
    assert_eq!(p.format, Some(SavepointFormat::Canonical));
}

/// Version 2 (Flink 1.6); checkpoint id 0x6c and 2 operators read off `xxd`.
#[test]
fn v2_flink_1_6_savepoint() {
    let s = read("flink-end-to-end-tests/flink-state-evolution-test/savepoints/1.6/_metadata");
    assert_eq!((s.metadata_version, s.checkpoint_id), (2, 108));
    assert_eq!(s.operators.len(), 2);
    assert_eq!(s.operators[0].id_hex(), "08d61ee4306bec6e8142e563f528e3bd");
    let keyed: Vec<_> = s
        .operators
        .iter()
        .flat_map(|o| &o.subtasks)
        .filter_map(|(_, st)| st.managed_keyed_state.as_ref())
        .collect();
    assert_eq!(keyed.len(), 1);
    assert_eq!(keyed[0].tag(), 3);
    assert_eq!(keyed[0].range().count, 128);
    assert!(s.properties.is_none());
}

/// Version 3: the unified-sink savepoint has an operator coordinator whose inline state is
/// named after the OperatorID (checked with `xxd`: the name at 0x32 is the id at 0x18).
#[test]
fn v3_coordinator_state_is_named_after_the_operator() {
    let s = read(
        "flink-tests/src/test/resources/unified-sink-migration-test/savepoint-7bd90b-3a2cda6957cb/_metadata",
    );
    assert_eq!((s.metadata_version, s.checkpoint_id), (3, 3));
    let op = &s.operators[0];
    assert_eq!(op.id_hex(), "cbc357ccb763df2852fee8c4fc7d55f2");
    assert_eq!((op.parallelism, op.max_parallelism), (1, 128));
    match &op.coordinator_state {
        Some(StreamHandle::Inline { name, .. }) => assert_eq!(name, &op.id_hex()),
        other => panic!("{other:?}"),
    }
    let refs = s.file_refs();
    assert!(
        refs.iter()
            .any(|r| r.slot == Slot::Coordinator && r.operator == 0 && r.subtask.is_none())
    );
}

/// Version 4, Flink 1.17 RocksDB checkpoint with unaligned-checkpoint channel state, and the
/// 1.17 heap checkpoint taken with the changelog backend (tag 14 wrapping tag 9).
#[test]
fn v4_channel_state_and_changelog() {
    let base = "flink-tests/src/test/resources/new-stateful-udf-migration-itcase-flink1.17";
    let s = read(&format!("{base}-rocksdb-checkpoint/_metadata"));
    assert_eq!(s.metadata_version, 4);
    let channels: Vec<&ChannelHandle> = s
        .operators
        .iter()
        .flat_map(|o| &o.subtasks)
        .flat_map(|(_, st)| {
            st.result_subpartition_state
                .iter()
                .chain(&st.input_channel_state)
        })
        .collect();
    assert!(!channels.is_empty());
    for c in &channels {
        let ChannelHandle::Single { content, .. } = c else {
            panic!("merged handles only exist from version 6")
        };
        assert!(c.delegate().is_some());
        assert!(
            content
                .offsets
                .iter()
                .all(|o| *o as u64 <= c.delegate().unwrap().state_size())
        );
    }
    let mut sst = 0;
    for (_, st) in s.operators.iter().flat_map(|o| &o.subtasks) {
        if let Some(KeyedHandle::Incremental(h)) = &st.managed_keyed_state {
            // Full native RocksDB checkpoint: no shared files, MANIFEST/CURRENT/OPTIONS private.
            assert!(h.v2 && h.shared.is_empty());
            assert!(h.private.iter().any(|f| f.local_path == "CURRENT"));
            sst += h
                .private
                .iter()
                .filter(|f| f.local_path.ends_with(".sst"))
                .count();
            assert_eq!(
                h.state_size(),
                h.private
                    .iter()
                    .map(|f| f.handle.as_ref().unwrap().state_size())
                    .sum::<u64>()
                    + h.meta.as_ref().unwrap().state_size()
            );
        }
    }
    assert!(sst > 0);

    let s = read(&format!("{base}-hashmap-checkpoint/_metadata"));
    let mut changelog = 0;
    for (_, st) in s.operators.iter().flat_map(|o| &o.subtasks) {
        if let Some(KeyedHandle::Changelog(c)) = &st.managed_keyed_state {
            changelog += 1;
            assert!(c.v2);
            assert!(c.materialized.is_empty());
            assert!(
                c.non_materialized
                    .iter()
                    .all(|h| matches!(h, KeyedHandle::ChangelogBytes(_)))
            );
        }
    }
    assert!(changelog > 0);
}

/// Master-hook state of a State Processor API savepoint (V5), read off `xxd`: magic at 0x14,
/// blob of 0x53 bytes: version 1, a 0x41-byte class name, 8 payload bytes holding the long 42;
/// then 7 operators. Its sibling `table-state-nulls` (checkpoint id 0) has a Java `null` trailer.
#[test]
fn v5_master_state_and_null_properties() {
    let s =
        read("flink-libraries/flink-state-processing-api/src/test/resources/table-state/_metadata");
    assert_eq!((s.metadata_version, s.checkpoint_id), (5, 10));
    assert_eq!(s.master_states.len(), 1);
    let m = &s.master_states[0];
    assert_eq!(m.version, 1);
    assert_eq!(
        m.name,
        "com.example.state.writer.job.masterstate.MasterTriggerRestoreHook"
    );
    assert_eq!(m.payload, 42i64.to_be_bytes());
    assert_eq!(s.operators.len(), 7);
    assert_eq!(s.properties.unwrap().kind, SnapshotKind::Checkpoint);
    let s = read(
        "flink-libraries/flink-state-processing-api/src/test/resources/table-state-nulls/_metadata",
    );
    assert_eq!((s.metadata_version, s.checkpoint_id), (5, 0));
    assert!(s.properties.is_none());
}
