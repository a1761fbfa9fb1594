//! Layouts no fixture contains (file merging, changelog, absolute and incremental-shared
//! files, version 6 tagged and merged channel handles, finished operators), written here
//! field by field following Flink's serializer source (`MetadataV2V3SerializerBase`,
//! `ChannelStateHandleSerializerV2`, `AbstractMergedChannelStateHandle`).

use flink_inspect::hash::operator_id_from_uid;
use flink_inspect::io::MemFile;
use flink_inspect::metadata::*;

/// Java `DataOutputStream`, big-endian.
#[derive(Default)]
struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn i32(&mut self, v: i32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn utf(&mut self, s: &str) -> &mut Self {
        self.0.extend_from_slice(&(s.len() as u16).to_be_bytes());
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
}

fn synthetic_v6() -> Vec<u8> {
    let mut w = W::default();
    w.i32(0x4960_672d).i32(6).i64(7).i32(0).i32(2);
    // Operator 0.
    w.utf("op").utf("u").raw(&operator_id_from_uid("u"));
    w.i32(3).i32(128).u8(0).i32(3);
    w.i32(-2); // subtask 1 finished
    // Subtask 0.
    w.i32(0).i32(1);
    w.u8(17).i32(1).utf("s").u8(1).i32(2).i64(0).i64(10);
    w.utf("tod").utf("sd").u8(0);
    w.u8(15).i64(100).i64(50).i32(1).utf("s3://b/x").utf("lf");
    w.i32(0); // no raw operator state
    w.u8(11).i64(5).utf("be").i32(0).i32(43).i64(123);
    w.u8(2).i64(9).utf("s3://b/meta");
    w.i32(1)
        .utf("000010.sst")
        .u8(2)
        .i64(1000)
        .utf("s3://b/shared/a");
    w.i32(1).utf("CURRENT").u8(6).utf("cur").i64(16);
    w.utf("hid");
    w.u8(14).i32(0).i32(43).i64(77);
    w.i32(1)
        .u8(5)
        .i64(3)
        .utf("b")
        .i32(0)
        .i32(43)
        .u8(0)
        .i32(0)
        .i32(0);
    w.i32(2);
    w.u8(13)
        .i32(0)
        .i32(43)
        .i32(1)
        .i64(8)
        .u8(16)
        .i64(40)
        .i64(40)
        .utf("id13")
        .utf("fs2");
    w.u8(10).i32(0).i32(43).i32(0).i64(0).i64(0).utf("id10");
    w.i64(9).i64(10).utf("hid14");
    // Input channels: one merged handle over two channels.
    w.i32(1)
        .u8(3)
        .i32(0)
        .i64(30)
        .u8(1)
        .utf("n")
        .i32(3)
        .raw(&[1, 2, 3]);
    let mut blob = W::default();
    blob.i32(2).i32(0).i32(1).i64(10).i32(1).i64(4);
    blob.i32(0).i32(2).i64(20).i32(2).i64(14).i64(24);
    w.i32(blob.0.len() as i32).raw(&blob.0);
    // Output channels: one single handle.
    w.i32(1).u8(2).i32(0).i32(1).i32(0).i32(1).i64(4).i64(5);
    w.u8(6).utf("ch").i64(9);
    // Subtask 2.
    w.i32(2).i32(0).i32(0);
    w.u8(8).i32(86).i32(42).i64(5).i32(0).i32(1);
    w.u8(9).i32(86).i32(42).i64(1).i64(2).i32(2);
    w.i32(86).i32(3).raw(b"abc").i32(-1).i32(0).utf("id9");
    w.i64(4).utf("hid8");
    w.u8(12).i32(86).i32(2).i64(10).i64(20);
    w.u8(3)
        .i32(0)
        .i32(1)
        .i64(5)
        .u8(1)
        .utf("in")
        .i32(30)
        .raw(&[0; 30]);
    w.utf("h12");
    w.i32(0).i32(0);
    // Operator 1: fully finished.
    w.utf("")
        .utf("")
        .raw(&[0xab; 16])
        .i32(1)
        .i32(128)
        .u8(0)
        .i32(-1);
    // Java null properties.
    w.raw(&[0xac, 0xed, 0, 5, 0x70]);
    w.0
}

#[test]
fn reads_every_rare_handle() {
    let bytes = synthetic_v6();
    let s = read_metadata(&MemFile::new("synthetic", bytes)).unwrap();
    assert_eq!((s.metadata_version, s.checkpoint_id), (6, 7));
    assert!(s.properties.is_none());
    let op = &s.operators[0];
    assert_eq!(
        (op.name.as_deref(), op.uid.as_deref()),
        (Some("op"), Some("u"))
    );
    assert_eq!(op.subtasks.len(), 3);
    assert!(op.subtask(1).unwrap().finished);

    let st = op.subtask(0).unwrap();
    let oh = st.managed_operator_state.as_ref().unwrap();
    assert_eq!(oh.tag(), 17);
    assert_eq!(oh.states[0].mode, DistributionMode::Union);
    assert_eq!(oh.states[0].offsets, [0, 10]);
    assert_eq!(oh.merging.as_ref().unwrap().shared_dir, "sd");
    assert_eq!(oh.state_size(), 50);

    let k = st.managed_keyed_state.as_ref().unwrap();
    assert_eq!(k.tag(), 11);
    assert_eq!(k.state_size(), 9 + 1000 + 16);
    assert_eq!(k.checkpointed_size(), Some(123));
    assert_eq!(k.range().end(), Some(42));

    let KeyedHandle::Changelog(c) = st.raw_keyed_state.as_ref().unwrap() else {
        panic!()
    };
    assert!(c.v2);
    assert_eq!((c.materialization_id, c.checkpoint_id), (9, 10));
    assert_eq!(c.materialized[0].tag(), 5);
    assert_eq!(c.non_materialized[0].tag(), 13);
    assert_eq!(c.non_materialized[1].tag(), 10);
    let KeyedHandle::ChangelogFiles(f) = &c.non_materialized[1] else {
        panic!()
    };
    assert_eq!(f.storage_identifier, "filesystem");
    let raw = st.raw_keyed_state.as_ref().unwrap();
    assert_eq!(raw.state_size(), 40);
    assert_eq!(raw.checkpointed_size(), Some(77));

    let ChannelHandle::Merged { channels, .. } = &st.input_channel_state[0] else {
        panic!()
    };
    assert_eq!(channels.len(), 2);
    assert_eq!(channels[1].offsets, [14, 24]);
    assert_eq!(channels[1].info.channel_or_subpartition, 2);
    assert_eq!(st.result_subpartition_state[0].state_size(), 5);

    let st2 = op.subtask(2).unwrap();
    let KeyedHandle::Changelog(c8) = st2.managed_keyed_state.as_ref().unwrap() else {
        panic!()
    };
    assert!(!c8.v2);
    assert_eq!(c8.checkpoint_id, 4);
    let KeyedHandle::ChangelogBytes(b) = &c8.non_materialized[0] else {
        panic!()
    };
    assert_eq!(b.changes[0].data, b"abc");
    assert_eq!(b.changes[1].key_group, -1);
    let g = st2.raw_keyed_state.as_ref().unwrap().key_groups().unwrap();
    assert_eq!(g.kind, KeyGroupsKind::CheckpointV2);
    assert_eq!(g.offset_of(87), Some(20));
    assert_eq!(g.state_handle_id.as_deref(), Some("h12"));
    assert_eq!(
        g.delegate.as_ref().unwrap().inline_bytes().unwrap().len(),
        30
    );
    assert_eq!(g.state_size(), 30);
    assert_eq!(g.delegate.as_ref().unwrap().tag(), 3);

    let fin = &s.operators[1];
    assert!(fin.fully_finished && fin.subtasks.is_empty() && fin.uid.is_none());

    let refs = s.file_refs();
    let find = |p: &FilePath| refs.iter().find(|r| &r.file.path == p).unwrap();
    let seg = find(&FilePath::Absolute {
        path: "s3://b/x".into(),
    });
    assert_eq!(
        (seg.file.scope, seg.file.segment, seg.slot),
        (
            FileScope::Shared,
            Some((100, 50)),
            Slot::ManagedOperatorState
        )
    );
    let sst = find(&FilePath::Absolute {
        path: "s3://b/shared/a".into(),
    });
    assert_eq!(
        (sst.file.scope, sst.file.size),
        (FileScope::Shared, Some(1000))
    );
    let meta = find(&FilePath::Absolute {
        path: "s3://b/meta".into(),
    });
    assert_eq!(meta.file.scope, FileScope::Exclusive);
    let cur = find(&FilePath::Relative { path: "cur".into() });
    assert_eq!(
        (cur.file.scope, cur.subtask),
        (FileScope::Exclusive, Some(0))
    );
    let inline = find(&FilePath::Inline {
        name: "in".into(),
        len: 30,
    });
    assert_eq!(inline.slot, Slot::RawKeyedState);
    // seg, sst, meta, cur, merged-channel inline, channel relative, tag 12 inline.
    assert_eq!(refs.len(), 7, "{refs:#?}");

    // Serializes (the CLI's --json) without losing the tag names.
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"handle\":\"changelog_files\""));
}

#[test]
fn every_truncation_of_the_synthetic_file_fails_inside_it() {
    let full = synthetic_v6();
    for cut in 0..full.len() {
        let e = read_metadata(&MemFile::new("s", full[..cut].to_vec())).unwrap_err();
        assert!(e.offset <= cut as u64, "cut {cut}: {e}");
    }
}

#[test]
fn wrong_channel_tag_for_the_list() {
    let mut b = synthetic_v6();
    // The merged input handle's tag 3 follows the input count; make it an output tag.
    let at = b
        .windows(9)
        .position(|w| w == [0, 0, 0, 1, 3, 0, 0, 0, 0])
        .unwrap()
        + 4;
    b[at] = 4;
    let e = read_metadata(&MemFile::new("s", b)).unwrap_err();
    assert_eq!(e.offset, at as u64);
    assert!(e.expected.contains("input channel handle tag"), "{e}");
    assert!(e.context.unwrap().contains("input channel state"));
}

#[test]
fn deep_nesting_is_refused() {
    let mut w = W::default();
    w.i32(0x4960_672d).i32(3).i64(1).i32(0).i32(1);
    w.raw(&[1; 16])
        .i32(1)
        .i32(128)
        .u8(0)
        .i32(1)
        .i32(0)
        .i32(0)
        .i32(0);
    for _ in 0..100 {
        // changelog handle whose one materialized handle is another changelog handle
        w.u8(14).i32(0).i32(1).i64(0).i32(1);
    }
    let e = read_metadata(&MemFile::new("s", w.0)).unwrap_err();
    assert!(e.expected.contains("nested"), "{e}");
}

/// The smallest encodings must pass the count checks: a version 3 file whose operators are
/// all fully finished (29 bytes each), and a version 6 merged channel handle of 18 bytes.
#[test]
fn smallest_entries_fit_the_count_checks() {
    let mut w = W::default();
    w.i32(0x4960_672d).i32(3).i64(1).i32(0).i32(3);
    for i in 0..3u8 {
        w.raw(&[i; 16]).i32(1).i32(128).u8(0).i32(-1);
    }
    let s = read_metadata(&MemFile::new("s", w.0)).unwrap();
    assert_eq!(s.operators.len(), 3);
    assert!(s.operators.iter().all(|o| o.fully_finished));

    let mut w = W::default();
    w.i32(0x4960_672d).i32(6).i64(1).i32(0).i32(1);
    w.utf("").utf("").raw(&[1; 16]).i32(1).i32(128).u8(0).i32(1);
    w.i32(0).i32(0).i32(0).u8(0).u8(0);
    w.i32(1).u8(3).i32(0).i64(0).u8(0).i32(4).i32(0); // merged, no channels
    w.i32(0);
    w.raw(&[0xac, 0xed, 0, 5, 0x70]);
    let s = read_metadata(&MemFile::new("s", w.0)).unwrap();
    let st = s.operators[0].subtask(0).unwrap();
    assert!(matches!(
        &st.input_channel_state[0],
        ChannelHandle::Merged { channels, delegate: None, .. } if channels.is_empty()
    ));
}
