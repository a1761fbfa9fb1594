//! Damaged state files: the error names the file, the key group and the byte offset, and the
//! other key groups still decode (library and CLI, canonical and heap).

mod common;
mod keyed_common;

use std::collections::BTreeMap;
use std::path::Path;

use flink_inspect::keyed::{Filter, find_operator};
use flink_inspect::metadata::{KeyedHandle, StreamHandle};

/// Per key group entry counts of `uid`, the first subtask's state file, and its key-group
/// offsets (non-zero only).
fn layout(dir: &Path, uid: &str) -> (BTreeMap<u32, usize>, String, Vec<(u32, u64)>) {
    let o = keyed_common::open(dir);
    let (_, op) = find_operator(&o.snapshot.operators, uid).expect("operator");
    let (_, entries, r) = keyed_common::read_all(op, &o.resolver(), &Filter::default());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let mut per_kg = BTreeMap::new();
    for (e, _) in &entries {
        *per_kg.entry(e.key_group).or_default() += 1;
    }
    let (_, st) = op.subtasks.first().expect("a subtask");
    let Some(KeyedHandle::KeyGroups(h)) = &st.managed_keyed_state else {
        panic!("key-group handle");
    };
    let relative_path = match &h.delegate {
        Some(StreamHandle::Relative { relative_path, .. }) => relative_path.clone(),
        // checkpoints record absolute paths: the file sits beside _metadata
        Some(StreamHandle::File { path, .. }) => path.rsplit('/').next().unwrap_or("").to_string(),
        _ => panic!("a state file"),
    };
    let offsets = h
        .key_group_offsets()
        .filter(|(_, o)| *o > 0)
        .map(|(k, o)| (k as u32, o as u64))
        .collect();
    (per_kg, relative_path, offsets)
}

fn check(case: &str, snap: &str, uid: &str) {
    let src = common::testdata().join(case);
    let tmp = tempfile::tempdir().unwrap();
    common::copy_dir(&src, tmp.path());
    let dir = &tmp.path().join(snap);
    let (clean, file, offsets) = layout(dir, uid);
    // a key group in the middle with entries
    let (kg, off) = offsets
        .iter()
        .copied()
        .filter(|(k, _)| clean.get(k).copied().unwrap_or(0) > 0)
        .nth(offsets.len() / 3)
        .expect("a non-empty key group");
    let path = dir.join(&file);
    let mut bytes = std::fs::read(&path).unwrap();
    // heap key groups start with the raw key-group number, canonical ones with a state id:
    // overwrite the first bytes of the key group either way
    for b in &mut bytes[off as usize..off as usize + 2] {
        *b = 0x77;
    }
    std::fs::write(&path, &bytes).unwrap();

    let o = keyed_common::open(dir);
    let (_, op) = find_operator(&o.snapshot.operators, uid).unwrap();
    let (_, entries, r) = keyed_common::read_all(op, &o.resolver(), &Filter::default());
    assert_eq!(r.errors.len(), 1, "{case}: {:?}", r.errors);
    let e = &r.errors[0];
    assert_eq!(e.key_group, Some(kg), "{e}");
    assert!(e.file.ends_with(&file), "{e}");
    assert_eq!(e.offset, Some(off), "{e}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("key group {kg}")) && text.contains(&file),
        "{text}"
    );
    let mut got = BTreeMap::new();
    for (en, d) in &entries {
        assert!(d.is_ok());
        *got.entry(en.key_group).or_insert(0usize) += 1;
    }
    let mut want = clean.clone();
    want.remove(&kg);
    assert_eq!(got, want, "{case}: the other key groups still decode");

    // the CLI prints the entries it could read, names the damage, exits 2
    let out = common::run(["state", dir.to_str().unwrap(), "--operator", uid, "--json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("key group {kg}"))
            && out.stderr.contains(&file)
            && out.stderr.contains(&format!("byte {off}")),
        "{}",
        out.stderr
    );
    assert!(out.stdout.lines().count() >= want.values().sum::<usize>());

    // truncation inside the last key group: that key group fails, the others do not
    let (last_kg, last_off) = *offsets.last().unwrap();
    let cut = (last_off as usize + bytes.len()) / 2;
    std::fs::write(&path, &bytes[..cut.max(last_off as usize + 1)]).unwrap();
    let o = keyed_common::open(dir);
    let (_, op) = find_operator(&o.snapshot.operators, uid).unwrap();
    let (_, entries, r) = keyed_common::read_all(op, &o.resolver(), &Filter::default());
    let kgs: Vec<Option<u32>> = r.errors.iter().map(|e| e.key_group).collect();
    assert!(kgs.contains(&Some(last_kg)), "{case}: {:?}", r.errors);
    assert!(
        r.errors
            .iter()
            .all(|e| e.file.ends_with(&file) && e.offset.is_some())
    );
    let survivors = entries
        .iter()
        .filter(|(e, _)| e.key_group != kg && e.key_group != last_kg)
        .count();
    let expect: usize = clean
        .iter()
        .filter(|(k, _)| **k != kg && **k != last_kg)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(survivors, expect, "{case}");
}

#[test]
fn damaged_canonical_savepoint_reports_key_group_and_offset() {
    check(
        "flink-2.3.0/keyed-hashmap-savepoint",
        "savepoint",
        "main-keyed",
    );
}

#[test]
fn damaged_heap_checkpoint_reports_key_group_and_offset() {
    let case = "flink-1.20.5/keyed-hashmap-checkpoint";
    let inv: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::testdata().join(case).join("inventory.json")).unwrap(),
    )
    .unwrap();
    let snap = inv["snapshots"][0]["path"].as_str().unwrap().to_string();
    check(case, &snap, "main-keyed");
}
