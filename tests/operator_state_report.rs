//! `report::operator_state` on the opstate cases: schema rows (kinds, types, sizes with union
//! bytes counted once per copy), decoded records, and damaged files naming file and offset.

mod common;
mod opstate_common;

use flink_inspect::metadata::{DistributionMode, Snapshot};
use flink_inspect::operator_state::{self, OperatorEntry};
use flink_inspect::report::operator_state::{RecordValue, records, schema};
use flink_inspect::types::Value;

use common::testdata;
use opstate_common::Opened;

fn case(version: &str) -> Opened {
    Opened::open(
        &testdata()
            .join(version)
            .join("opstate-hashmap-savepoint/savepoint"),
    )
    .unwrap()
}

fn entries(s: &Snapshot, o: &Opened, op: usize) -> Vec<OperatorEntry> {
    let mut v = Vec::new();
    operator_state::read(s, op, &o.resolver(), |e| v.push(e.clone())).unwrap();
    v
}

#[test]
fn schema_rows_and_sizes() {
    for version in ["flink-2.3.0", "flink-1.20.5"] {
        let o = case(version);
        let tracker = o.op_index("tracker").unwrap();
        let rows = schema(&o.snapshot, tracker, &o.resolver()).unwrap();
        let seen = rows.iter().find(|r| r.name == "seen_seqs").unwrap();
        assert_eq!(seen.kind, "operator-list");
        assert_eq!(seen.value_type.as_deref(), Some("Long"));
        // 600 events, one element each, over both subtasks.
        assert_eq!(seen.partitions, 600);
        assert_eq!(seen.stored_bytes, 600 * 8);
        assert_eq!(seen.restore_bytes, seen.stored_bytes);
        let union = rows.iter().find(|r| r.name == "union_counts").unwrap();
        assert_eq!(union.kind, "operator-union");
        assert_eq!(union.mode, DistributionMode::Union);
        // One Tuple2<Integer, Long> (12 bytes) per subtask; each of 2 subtasks restores both.
        assert_eq!(union.partitions, 2);
        assert_eq!(union.stored_bytes, 24);
        assert_eq!(union.restore_bytes, 48);

        let bcast = o.op_index("bcast").unwrap();
        let rows = schema(&o.snapshot, bcast, &o.resolver()).unwrap();
        let b = rows.iter().find(|r| r.name == "label_counts").unwrap();
        assert_eq!(b.kind, "broadcast");
        assert_eq!(b.key_type.as_deref(), Some("String"));
        assert_eq!(b.value_type.as_deref(), Some("Integer"));
        assert_eq!(b.subtasks, 2);
        // Sizes from _metadata offsets equal the entry bytes read (+ the 4-byte count).
        let es = entries(&o.snapshot, &o, bcast);
        let read: u64 = es.iter().map(OperatorEntry::serialized_len).sum::<u64>() + 2 * 4;
        assert_eq!(b.stored_bytes, read);
    }
}

#[test]
fn records_are_decoded_with_subtasks() {
    let o = case("flink-2.3.0");
    let tracker = o.op_index("tracker").unwrap();
    let mut recs = Vec::new();
    let n = records(
        &o.snapshot,
        tracker,
        &o.resolver(),
        &|s| s == "seen_seqs",
        &mut |r| recs.push(r),
    )
    .unwrap();
    assert_eq!(n, 600);
    // The job keys events round-robin by sequence parity (see seen_seqs ground truth).
    for r in &recs {
        assert_eq!(r.kind, "operator-list");
        match &r.value {
            RecordValue::Value(Value::Int(seq)) => assert_eq!(*seq as u32 % 2, r.subtask),
            other => panic!("{other:?}"),
        }
    }
    let bcast = o.op_index("bcast").unwrap();
    let mut keys = Vec::new();
    records(&o.snapshot, bcast, &o.resolver(), &|_| true, &mut |r| {
        assert_eq!(r.kind, "broadcast");
        keys.push(r.key.unwrap());
    })
    .unwrap();
    assert_eq!(keys.len(), 10, "5 labels × 2 copies");
}

#[test]
fn damaged_stream_names_file_and_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let src = testdata().join("flink-2.3.0/opstate-hashmap-savepoint/savepoint");
    let dst = tmp.path().join("savepoint");
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let mut bytes = std::fs::read(&p).unwrap();
        if p.file_name().unwrap() != "_metadata" {
            bytes.truncate(bytes.len() / 2);
        }
        std::fs::write(dst.join(p.file_name().unwrap()), bytes).unwrap();
    }
    let o = Opened::open(&dst).unwrap();
    let tracker = o.op_index("tracker").unwrap();
    let err = operator_state::read(&o.snapshot, tracker, &o.resolver(), |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&*dst.to_string_lossy()) && msg.contains("byte "),
        "{msg}"
    );
}
