//! `skew` and `size` entry figures against the ground truth of the testdata snapshots: what
//! Flink read back after restoring (`<snap>.readback.jsonl`, one line per entry: a list is one
//! line, a map one line per user key, a timer one line).
//!
//! Key → key group → subtask is computed here again from Flink's published rules (Java
//! `String.hashCode`, `MathUtils.murmurHash`, `KeyGroupRangeAssignment`), without the crate's
//! `hash` module.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{inventories, run_json};
use serde_json::Value;

const UID: &str = "main-keyed";
const PARALLELISMS: [u32; 4] = [1, 3, 7, 128];

/// Java `String.hashCode` over UTF-16 code units.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// Flink `MathUtils.murmurHash(int)`: one Murmur3-32 block round, length 4, fmix, made
/// non-negative.
fn flink_murmur(code: i32) -> u32 {
    let mut k = code as u32;
    k = k
        .wrapping_mul(0xcc9e_2d51)
        .rotate_left(15)
        .wrapping_mul(0x1b87_3593);
    let mut h = k.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    h ^= 4;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    let h = h as i32;
    if h >= 0 {
        h as u32
    } else if h != i32::MIN {
        h.wrapping_neg() as u32
    } else {
        0
    }
}

fn key_group(key: &str, maxp: u32) -> u32 {
    flink_murmur(java_string_hash(key)) % maxp
}

fn subtask(kg: u32, maxp: u32, p: u32) -> u32 {
    (kg as u64 * p as u64 / maxp as u64) as u32
}

/// One truth line reduced to what counts: (state name as the snapshot stores it, key, list
/// length for lists).
struct Truth {
    state: String,
    key: String,
    list_len: Option<u64>,
    map: bool,
}

fn truth(path: &PathBuf) -> Vec<Truth> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["uid"] == UID)
        .map(|v| {
            let kind = v["kind"].as_str().unwrap();
            let state = v["state"].as_str().unwrap();
            // timers are stored as the timer service's queue state
            let state = match kind {
                "event_timer" => format!("_timer_state/event_{state}"),
                "processing_timer" => format!("_timer_state/processing_{state}"),
                _ => state.to_string(),
            };
            Truth {
                state,
                key: v["key"].as_str().expect("string keys").to_string(),
                list_len: (kind == "list").then(|| v["value"].as_array().unwrap().len() as u64),
                map: kind == "map",
            }
        })
        .collect()
}

struct Case {
    snapshot: PathBuf,
    readback: PathBuf,
    maxp: u32,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (dir, inv) in inventories() {
        let maxp = inv["max_parallelism"].as_u64().unwrap() as u32;
        for s in inv["snapshots"].as_array().unwrap() {
            let snapshot = dir.join(s["path"].as_str().unwrap());
            let Some(rb) = s["readback"].as_str() else {
                continue;
            };
            let readback = dir.join(rb);
            if truth(&readback).is_empty() || !readable_handles(&snapshot) {
                continue;
            }
            out.push(Case {
                snapshot,
                readback,
                maxp,
            });
        }
    }
    let native = out.iter().filter(|c| native_handles(&c.snapshot)).count();
    eprintln!(
        "truth cases: {} ({native} with RocksDB native handles)",
        out.len()
    );
    assert!(out.len() >= 28, "found {} cases", out.len());
    assert!(native >= 12, "cases with RocksDB native handles: {native}");
    out
}

/// Whether every keyed handle of the snapshot is of a kind with an entry reader: key-group
/// handles (canonical savepoints, heap checkpoints) and RocksDB native handles (native
/// savepoints, full and incremental checkpoints). Changelog handles are left out.
fn readable_handles(snapshot: &std::path::Path) -> bool {
    let info = run_json(["info", snapshot.to_str().unwrap(), "--subtasks"]);
    info["operators"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["subtasks"].as_array().unwrap())
        .all(|s| {
            matches!(
                s["keyed_handle"].as_str(),
                None | Some(
                    "canonical_savepoint"
                        | "heap_checkpoint"
                        | "rocksdb_incremental"
                        | "rocksdb_native"
                )
            )
        })
}

/// Whether any keyed handle is a RocksDB native one.
fn native_handles(snapshot: &std::path::Path) -> bool {
    let info = run_json(["info", snapshot.to_str().unwrap(), "--subtasks"]);
    info["operators"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["subtasks"].as_array().unwrap())
        .any(|s| {
            matches!(
                s["keyed_handle"].as_str(),
                Some("rocksdb_incremental" | "rocksdb_native")
            )
        })
}

fn skew(c: &Case) -> Value {
    let mut args: Vec<String> = vec![
        "skew".into(),
        c.snapshot.display().to_string(),
        "--operator".into(),
        UID.into(),
        // more than the 61 keys of the job: every key's totals are listed
        "--top".into(),
        "100".into(),
    ];
    for p in PARALLELISMS {
        args.push("--parallelism".into());
        args.push(p.to_string());
    }
    let r = run_json(&args);
    assert!(
        r["errors"].as_array().unwrap().is_empty(),
        "{}: {}",
        c.snapshot.display(),
        r["errors"]
    );
    r
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn skew_matches_the_ground_truth() {
    let mut checked_states = 0;
    let mut map_states = 0;
    for c in cases() {
        let ctx = c.snapshot.display().to_string();
        let truth = truth(&c.readback);
        let r = skew(&c);
        let ops = r["operators"].as_array().unwrap();
        assert_eq!(ops.len(), 1, "{ctx}: {}", r["notes"]);
        let op = &ops[0];
        assert_eq!(u(&op["max_parallelism"]) as u32, c.maxp, "{ctx}");
        let states = op["states"].as_array().unwrap();
        let mut by_state: BTreeMap<&str, Vec<&Truth>> = BTreeMap::new();
        for t in &truth {
            by_state.entry(&t.state).or_default().push(t);
        }
        for (name, lines) in &by_state {
            let ctx = format!("{ctx}: state {name}");
            let s = states
                .iter()
                .find(|s| s["state"] == *name)
                .unwrap_or_else(|| panic!("{ctx}: not in the report"));
            // per-state entry count
            assert_eq!(u(&s["entries"]), lines.len() as u64, "{ctx}");
            // per-subtask sums at every parallelism, against a brute-force count
            let current = u(&op["parallelism"]) as u32;
            let mut wanted: Vec<u32> = vec![current];
            wanted.extend(PARALLELISMS.iter().filter(|p| **p != current));
            let dists = s["distributions"].as_array().unwrap();
            assert_eq!(dists.len(), wanted.len(), "{ctx}");
            for (d, p) in dists.iter().zip(&wanted) {
                assert_eq!(u(&d["parallelism"]) as u32, *p, "{ctx}");
                let mut want = vec![0u64; *p as usize];
                for t in lines {
                    want[subtask(key_group(&t.key, c.maxp), c.maxp, *p) as usize] += 1;
                }
                let got: Vec<u64> = d["subtasks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| u(&s["entries"]))
                    .collect();
                assert_eq!(got, want, "{ctx}: parallelism {p}");
                assert_eq!(d["exceeds_max_parallelism"], *p > c.maxp, "{ctx}");
            }
            // key-group histogram
            let mut kgs: BTreeMap<u32, u64> = BTreeMap::new();
            for t in lines {
                *kgs.entry(key_group(&t.key, c.maxp)).or_default() += 1;
            }
            let got: BTreeMap<u32, u64> = s["key_groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| (u(&k["key_group"]) as u32, u(&k["entries"])))
                .collect();
            assert_eq!(got, kgs, "{ctx}: key groups");
            // top key by entries
            let mut per_key: BTreeMap<&str, u64> = BTreeMap::new();
            for t in lines {
                *per_key.entry(&t.key).or_default() += 1;
            }
            let max = per_key.values().copied().max().unwrap();
            let tops: Vec<&str> = per_key
                .iter()
                .filter(|(_, n)| **n == max)
                .map(|(k, _)| *k)
                .collect();
            let top = &s["top_by_entries"][0];
            assert_eq!(u(&top["entries"]), max, "{ctx}");
            let key = top["key"].as_str().unwrap();
            assert!(tops.contains(&key), "{ctx}: top key {key}, truth {tops:?}");
            if tops.len() == 1 {
                assert_eq!(key, tops[0], "{ctx}");
            }
            let kg = key_group(key, c.maxp);
            assert_eq!(u(&top["key_group"]) as u32, kg, "{ctx}");
            assert_eq!(
                u(&top["subtask"]) as u32,
                subtask(kg, c.maxp, current),
                "{ctx}"
            );
            // list lengths
            if lines[0].list_len.is_some() {
                let longest = lines.iter().map(|t| t.list_len.unwrap()).max().unwrap();
                let top = &s["top_by_list_length"][0];
                assert_eq!(u(&top["list_length"]), longest, "{ctx}");
                let k = top["key"].as_str().unwrap();
                assert!(
                    lines
                        .iter()
                        .any(|t| t.key == k && t.list_len == Some(longest)),
                    "{ctx}"
                );
            }
            // map entries (one truth line per user key)
            if lines[0].map {
                let top = &s["top_by_map_entries"][0];
                assert_eq!(u(&top["map_entries"]), max, "{ctx}");
                assert!(tops.contains(&top["key"].as_str().unwrap()), "{ctx}");
                map_states += 1;
            }
            checked_states += 1;
        }
        // the planted hot key is the operator's top key, with the truth's entry count
        let mut per_key: BTreeMap<String, u64> = BTreeMap::new();
        for k in states
            .iter()
            .flat_map(|s| s["top_by_entries"].as_array().unwrap())
        {
            *per_key
                .entry(k["key"].as_str().unwrap().to_string())
                .or_default() += u(&k["entries"]);
        }
        let hot: u64 = truth.iter().filter(|t| t.key == "hot").count() as u64;
        assert_eq!(per_key.get("hot"), Some(&hot), "{ctx}");
        let (top, n) = per_key.iter().max_by_key(|(_, n)| **n).unwrap();
        assert_eq!((top.as_str(), *n), ("hot", hot), "{ctx}");
        assert!(
            per_key.iter().filter(|(_, m)| **m == hot).count() == 1,
            "{ctx}"
        );
    }
    assert!(checked_states >= 28 * 8, "states checked: {checked_states}");
    assert!(map_states >= 28, "map states checked: {map_states}");
}

#[test]
fn size_entry_counts_match_the_ground_truth() {
    for c in cases() {
        let ctx = c.snapshot.display().to_string();
        let truth = truth(&c.readback);
        let r = run_json([
            "size",
            c.snapshot.to_str().unwrap(),
            "--operator",
            UID,
            "--key-groups",
        ]);
        let op = &r["operators"][0];
        let states = op["states"].as_array().unwrap();
        let mut want: BTreeMap<(String, u32), (u64, std::collections::BTreeSet<&str>)> =
            BTreeMap::new();
        for t in &truth {
            let e = want
                .entry((t.state.clone(), key_group(&t.key, c.maxp)))
                .or_default();
            e.0 += 1;
            e.1.insert(&t.key);
        }
        let mut got = BTreeMap::new();
        for s in states {
            for sub in s["subtasks"].as_array().unwrap() {
                for kg in sub["key_groups"].as_array().unwrap() {
                    got.insert(
                        (
                            s["state"].as_str().unwrap().to_string(),
                            u(&kg["key_group"]) as u32,
                        ),
                        (u(&kg["entries"]), u(&kg["keys"])),
                    );
                }
            }
        }
        let want: BTreeMap<_, _> = want
            .into_iter()
            .map(|(k, (n, keys))| (k, (n, keys.len() as u64)))
            .collect();
        assert_eq!(
            got, want,
            "{ctx}: (entries, distinct keys) per state and key group"
        );
        let entries: u64 = states.iter().map(|s| u(&s["entries"])).sum();
        assert_eq!(entries, truth.len() as u64, "{ctx}");
    }
}
