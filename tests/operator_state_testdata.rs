//! The project's real-Flink snapshots: every operator state equals the generator's ground truth
//! (`<snap>.readback.jsonl`: what Flink read back after restoring, and `.written.jsonl`), and
//! every `src` source holds the split the job's source implies.

mod common;
mod opstate_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use flink_inspect::metadata::DistributionMode;
use flink_inspect::operator_state::coordinator::{Enumerator, coordinator_state};
use flink_inspect::operator_state::splits::{Split, decode_reader_state_element};
use flink_inspect::operator_state::{OperatorEntry, OperatorStateInfo, SOURCE_READER_STATE};
use serde_json::Value as Json;

use common::testdata;
use opstate_common::Opened;

struct Case {
    dir: PathBuf,
    inv: Json,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for v in std::fs::read_dir(testdata()).unwrap() {
        let v = v.unwrap().path();
        if !v
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("flink-")
        {
            continue;
        }
        for c in std::fs::read_dir(&v).unwrap() {
            let dir = c.unwrap().path();
            let inv = dir.join("inventory.json");
            if inv.is_file() {
                let inv = serde_json::from_str(&std::fs::read_to_string(inv).unwrap()).unwrap();
                out.push(Case { dir, inv });
            }
        }
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    out
}

fn lines(path: PathBuf) -> Vec<Json> {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn json(v: &flink_inspect::types::Value) -> Json {
    serde_json::to_value(v).unwrap()
}

fn info<'a>(cat: &'a [OperatorStateInfo], name: &str) -> &'a OperatorStateInfo {
    cat.iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("state {name} in the catalog"))
}

/// What the snapshot holds for one uid, in the ground truth's shape:
/// `(state, kind, subtask or None, user_key or None) -> value`.
fn actual(o: &Opened, uid: &str) -> BTreeMap<(String, String, Option<u64>, Option<String>), Json> {
    let op = o.op_index(uid).unwrap_or_else(|| panic!("operator {uid}"));
    let (cat, entries) = o.op_state(op).unwrap();
    let mut out = BTreeMap::new();
    let mut lists: BTreeMap<(String, u32), Vec<(u32, Json)>> = BTreeMap::new();
    let mut unions: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    let mut bcast: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut copies: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for e in &entries {
        let i = info(&cat, &e.state);
        assert_eq!(i.mode, e.mode);
        let v = json(&i.decode_value(e).unwrap());
        match e.mode {
            DistributionMode::SplitDistribute => lists
                .entry((e.state.to_string(), e.subtask))
                .or_default()
                .push((e.index, v)),
            DistributionMode::Union => unions.entry(e.state.to_string()).or_default().push(v),
            DistributionMode::Broadcast => {
                let k = match json(&i.decode_key(e).unwrap()) {
                    Json::String(s) => s,
                    other => other.to_string(),
                };
                copies
                    .entry(e.state.to_string())
                    .or_default()
                    .insert(e.subtask);
                bcast
                    .entry((e.state.to_string(), k))
                    .or_default()
                    .insert(v.to_string());
            }
        }
    }
    for ((s, sub), mut items) in lists {
        items.sort_by_key(|(i, _)| *i);
        let v = Json::Array(items.into_iter().map(|(_, v)| v).collect());
        out.insert((s, "operator_list".into(), Some(u64::from(sub)), None), v);
    }
    for (s, mut items) in unions {
        items.sort_by_key(|v| v.to_string());
        out.insert((s, "operator_union".into(), None, None), Json::Array(items));
    }
    for ((s, k), vals) in bcast {
        // Every subtask's copy must hold the same value.
        assert_eq!(vals.len(), 1, "{uid} {s} {k}: copies differ: {vals:?}");
        let v: Json = serde_json::from_str(vals.iter().next().unwrap()).unwrap();
        out.insert((s, "broadcast".into(), None, Some(k)), v);
    }
    let parallelism = o.snapshot.operators[op].parallelism as usize;
    for (s, subs) in copies {
        assert_eq!(
            subs.len(),
            parallelism,
            "{uid} {s}: one broadcast copy per subtask"
        );
    }
    out
}

fn expected(
    truth: &[Json],
    uid: &str,
) -> BTreeMap<(String, String, Option<u64>, Option<String>), Json> {
    let mut out = BTreeMap::new();
    for l in truth.iter().filter(|l| l["uid"] == uid) {
        let kind = l["kind"].as_str().unwrap().to_string();
        let mut v = l["value"].clone();
        if kind == "operator_union"
            && let Json::Array(items) = &mut v
        {
            items.sort_by_key(|v| v.to_string());
        }
        out.insert(
            (
                l["state"].as_str().unwrap().to_string(),
                kind,
                l["subtask"].as_u64(),
                l["user_key"].as_str().map(String::from),
            ),
            v,
        );
    }
    out
}

#[test]
fn opstate_cases_match_ground_truth() {
    let mut checked = 0;
    let mut values = 0;
    for c in cases().iter().filter(|c| c.inv["job"] == "opstate") {
        for s in c.inv["snapshots"].as_array().unwrap() {
            let o = Opened::open(&c.dir.join(s["path"].as_str().unwrap())).unwrap();
            for file in ["readback", "written"] {
                let truth = lines(c.dir.join(s[file].as_str().unwrap()));
                let uids: BTreeSet<&str> =
                    truth.iter().map(|l| l["uid"].as_str().unwrap()).collect();
                assert!(!uids.is_empty());
                for uid in uids {
                    let want = expected(&truth, uid);
                    let got = actual(&o, uid);
                    assert_eq!(got, want, "{} {} {uid}", c.dir.display(), file);
                    values += want.len();
                }
            }
            checked += 1;
        }
    }
    eprintln!("{checked} opstate snapshots, {values} ground-truth lines matched");
    assert_eq!(
        checked, 4,
        "two opstate cases for each of two Flink versions"
    );
}

/// The `src` source is a data generator (`NumberSequenceSource` from 0 to `Long.MAX_VALUE - 1`)
/// at parallelism 1: its reader state is one number-sequence split whose `from` is at least the
/// events the job emitted, and its enumerator has no split left to assign.
#[test]
fn source_reader_and_enumerator_state() {
    let mut checked = 0;
    let mut compressed = 0;
    for c in cases() {
        for s in c.inv["snapshots"].as_array().unwrap() {
            let o = Opened::open(&c.dir.join(s["path"].as_str().unwrap())).unwrap();
            let Some(op) = o.op_index("src") else {
                continue;
            };
            let (cat, entries) = o.op_state(op).unwrap();
            let i = info(&cat, SOURCE_READER_STATE);
            assert_eq!(i.mode, DistributionMode::SplitDistribute);
            let readers: Vec<&OperatorEntry> = entries
                .iter()
                .filter(|e| &*e.state == SOURCE_READER_STATE)
                .collect();
            assert_eq!(readers.len(), 1, "{}", c.dir.display());
            let split =
                decode_reader_state_element(&readers[0].file, &readers[0].value, 0).unwrap();
            assert_eq!(split.serializer_version, 1);
            match split.split {
                Split::NumberSequence { id, from, to } => {
                    // Split ids count from 1 (`NumberSequenceSource.splitNumberRange`).
                    assert_eq!(id, "1");
                    assert_eq!(to, i64::MAX - 1);
                    // A single-snapshot case was taken after all events were emitted.
                    let single = c.inv["snapshots"].as_array().unwrap().len() == 1;
                    let events = c.inv["events"].as_i64().unwrap();
                    assert!(from > 0 && (!single || from >= events), "{from}");
                }
                other => panic!("{}: {other:?}", c.dir.display()),
            }
            let coord = coordinator_state(&o.snapshot.operators[op]).expect("coordinator state");
            let src = coord.source.expect("source coordinator framing");
            assert_eq!(src.serde_version, 1);
            assert_eq!(src.enumerator_version, 1);
            assert_eq!(
                src.enumerator,
                Enumerator::NumberSequence { remaining: vec![] }
            );
            assert_eq!(coord.size, 16);
            if c.inv["compression"] == "snappy" {
                compressed += 1;
            }
            checked += 1;
        }
    }
    eprintln!("{checked} source states ({compressed} Snappy-compressed)");
    assert!(checked >= 30, "{checked}");
    assert!(compressed >= 4, "{compressed}");
}
