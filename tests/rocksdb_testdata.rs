//! Every RocksDB native savepoint, full checkpoint and incremental checkpoint in testdata/
//! decodes to exactly the state the generating job wrote and read back (multisets of lines),
//! and to the same rows as the canonical savepoint of the same job.

mod common;
mod rocksdb_common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::truth;

struct Case {
    dir: PathBuf,
    name: String,
    snap_dir: PathBuf,
    readback: PathBuf,
    written: PathBuf,
    uids: BTreeMap<String, String>,
}

fn native_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (dir, inv) in common::inventories() {
        if inv["backend"] != "rocksdb" {
            continue;
        }
        let uids: BTreeMap<String, String> = inv["operators"]
            .as_array()
            .unwrap()
            .iter()
            // SQL operators have no uid; their rows carry the operator name instead.
            .filter_map(|o| {
                Some((
                    o["operator_id"].as_str()?.to_string(),
                    o["uid"].as_str()?.to_string(),
                ))
            })
            .collect();
        for s in inv["snapshots"].as_array().unwrap() {
            if s["format"] == "canonical" {
                continue;
            }
            out.push(Case {
                name: format!(
                    "{}/{}",
                    dir.strip_prefix(common::testdata()).unwrap().display(),
                    s["name"].as_str().unwrap()
                ),
                snap_dir: dir.join(s["path"].as_str().unwrap()),
                readback: dir.join(s["readback"].as_str().unwrap()),
                written: dir.join(s["written"].as_str().unwrap()),
                dir: dir.clone(),
                uids: uids.clone(),
            });
        }
    }
    out
}

/// Our rendering of a snapshot, and the `(uid, state)` pairs whose values stayed opaque.
fn decode_case(c: &Case) -> (Vec<String>, Vec<(String, String)>) {
    let opened = rocksdb_common::open(&c.snap_dir);
    let reads = rocksdb_common::read_all(&opened).unwrap_or_else(|e| panic!("{}: {e}", c.name));
    assert!(!reads.is_empty(), "{}: no RocksDB native handle", c.name);
    let mut lines = Vec::new();
    let mut opaque = Vec::new();
    for r in &reads {
        let uid = c
            .uids
            .get(&r.operator_id)
            .unwrap_or_else(|| panic!("{}: operator {} not in inventory", c.name, r.operator_id));
        assert_eq!(r.read.counts.entries as usize, r.entries.len());
        let unmapped: Vec<_> = r
            .read
            .cf_bytes
            .iter()
            .filter(|(n, _)| !r.header.states.iter().any(|s| &s.name == n))
            .collect();
        assert!(
            unmapped.is_empty(),
            "{}: unmapped column families {unmapped:?}",
            c.name
        );
        for e in &r.entries {
            let state = r
                .header
                .states
                .iter()
                .find(|s| *s.name == *e.state)
                .unwrap();
            let line = truth::render(uid, &r.header, state, e)
                .unwrap_or_else(|err| panic!("{}: {} entry {e:?}: {err}", c.name, state.name));
            if line.contains(truth::OPAQUE) {
                // Only values with Kryo-serialized parts may stay undecoded.
                assert!(
                    format!("{:?}", state.value_type()).contains("Kryo"),
                    "{}: {} undecoded but not Kryo: {:?}",
                    c.name,
                    state.name,
                    state.value_type()
                );
                let id = (uid.clone(), state.name.clone());
                if !opaque.contains(&id) {
                    opaque.push(id);
                }
            }
            lines.push(line);
        }
    }
    lines.sort();
    (lines, opaque)
}

fn assert_same(case: &str, what: &str, ours: &[String], truth: &[String]) {
    if ours == truth {
        return;
    }
    let mut missing: Vec<&String> = truth.iter().filter(|l| !ours.contains(l)).collect();
    let mut extra: Vec<&String> = ours.iter().filter(|l| !truth.contains(l)).collect();
    missing.truncate(5);
    extra.truncate(5);
    panic!(
        "{case}: {} decoded lines vs {} in {what}\n missing (first 5): {missing:#?}\n extra (first 5): {extra:#?}",
        ours.len(),
        truth.len()
    );
}

#[test]
fn native_snapshots_decode_to_ground_truth() {
    let cases = native_cases();
    // 2 Flink versions x (native savepoint, full checkpoint, chain chk-1..3, maxp300,
    // types checkpoint, opstate checkpoint without keyed state)
    assert!(cases.len() >= 14, "only {} cases found", cases.len());
    let mut checked = 0;
    let mut lines_checked = 0;
    for c in &cases {
        let opened = rocksdb_common::open(&c.snap_dir);
        if rocksdb_common::read_all(&opened).unwrap().is_empty() {
            // an operator-state-only job: nothing keyed in RocksDB
            let readback = std::fs::read_to_string(&c.readback).unwrap();
            assert!(
                !readback.contains("\"namespace\""),
                "{}: keyed truth but no RocksDB handle",
                c.name
            );
            continue;
        }
        let (ours, opaque) = decode_case(c);
        let readback = truth::load(&c.readback, &opaque);
        let written = truth::load(&c.written, &opaque);
        assert_same(&c.name, "readback", &ours, &readback);
        assert_same(&c.name, "written", &ours, &written);
        checked += 1;
        lines_checked += ours.len();
        eprintln!("{}: {} entries equal the truth", c.name, ours.len());
    }
    assert!(checked >= 12, "only {checked} snapshots compared");
    eprintln!("{checked} snapshots, {lines_checked} entries");
}

#[test]
fn native_rows_equal_the_canonical_savepoint_of_the_same_job() {
    let mut compared = 0;
    for c in native_cases() {
        // chain chk-1/chk-2 hold less state than the final one
        if !c.dir.to_string_lossy().contains("keyed-rocksdb-")
            || c.name.ends_with("chk-1") && c.name.contains("incremental-chain")
            || c.name.ends_with("chk-2")
        {
            continue;
        }
        let canonical: &Path = &c.dir.with_file_name("keyed-rocksdb-savepoint");
        let (ours, opaque) = decode_case(&c);
        let want = truth::load(&canonical.join("savepoint.readback.jsonl"), &opaque);
        assert_same(&c.name, "the canonical savepoint's readback", &ours, &want);
        compared += 1;
    }
    assert_eq!(
        compared, 8,
        "native savepoint, full, chk-3, maxp300 per version"
    );
}

/// A RocksDB instance restored after rescaling can hold keys of key groups it no longer owns:
/// reading a handle whose range is narrower than the keys present keeps exactly the keys of
/// the range (simulated by narrowing the recorded range of a real handle).
#[test]
fn keys_outside_the_handle_range_are_skipped() {
    use flink_inspect::metadata::KeyedHandle;
    use flink_inspect::rocksdb::read_incremental;
    use flink_inspect::store::PathResolver;

    let dir = common::testdata().join("flink-2.3.0/keyed-rocksdb-native-savepoint/savepoint");
    let o = rocksdb_common::open(&dir);
    let resolver = PathResolver::new(&o.stores, &o.location, Vec::new());
    let op = o
        .snapshot
        .operators
        .iter()
        .find(|op| {
            op.subtasks
                .iter()
                .any(|(_, s)| s.managed_keyed_state.is_some())
        })
        .unwrap();
    let (subtask, st) = &op.subtasks[0];
    let Some(KeyedHandle::Incremental(h)) = &st.managed_keyed_state else {
        panic!("not a native handle")
    };
    let read = |h: &flink_inspect::metadata::IncrementalHandle| {
        let mut groups = Vec::new();
        let r = read_incremental(h, *subtask, 128, &resolver, &|_| true, &mut |e| {
            groups.push(e.key_group);
            Ok(())
        })
        .unwrap();
        (groups, r.counts)
    };
    let (all, full_counts) = read(h);
    assert_eq!(full_counts.out_of_range, 0);
    let mut narrow = h.clone();
    narrow.range.count = h.range.count / 2;
    let end = narrow.range.start + narrow.range.count;
    let (kept, counts) = read(&narrow);
    let want: Vec<u32> = all.iter().copied().filter(|g| (*g as i32) < end).collect();
    assert!(!want.is_empty() && want.len() < all.len());
    assert_eq!(kept.len(), want.len());
    assert!(kept.iter().all(|g| (*g as i32) < end));
    assert_eq!(counts.out_of_range as usize, all.len() - kept.len());
}
