//! `size` and `skew` with long values skipped on the stream instead of read (the hidden
//! `--elide-values-above BYTES`; the default skips values above 64 KiB). With every non-empty
//! value skipped (`0`) the reports must equal those with none skipped, on every testdata
//! snapshot with canonical savepoint handles; list lengths counted on the stream must match
//! what Flink read back; and the entries behind them must carry the skipped value's length.

mod common;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use common::{inventories, run_json};
use flink_inspect::keyed::{Entry, Filter, ListElems, ValueLayout, catalog, read_operator};
use flink_inspect::report::size::fold::list_len;
use serde_json::Value;

const NEVER: &str = "18446744073709551615";
const UID: &str = "main-keyed";

/// Testdata snapshots with at least one canonical savepoint handle, with their read-back
/// truth when there is one.
fn canonical_cases() -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut out = Vec::new();
    for (dir, inv) in inventories() {
        for s in inv["snapshots"].as_array().unwrap() {
            let snapshot = dir.join(s["path"].as_str().unwrap());
            let info = run_json(["info", snapshot.to_str().unwrap(), "--subtasks"]);
            let canonical = info["operators"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|o| o["subtasks"].as_array().unwrap())
                .any(|s| s["keyed_handle"] == "canonical_savepoint");
            if canonical {
                out.push((snapshot, s["readback"].as_str().map(|r| dir.join(r))));
            }
        }
    }
    assert!(out.len() >= 10, "canonical savepoints found: {}", out.len());
    out
}

fn with(args: &[&str], snapshot: &Path, elide: &str) -> Value {
    let mut v: Vec<String> = vec![args[0].into(), snapshot.display().to_string()];
    v.extend(args[1..].iter().map(|a| a.to_string()));
    v.extend(["--elide-values-above".into(), elide.into()]);
    run_json(&v)
}

#[test]
fn reports_are_the_same_with_every_value_skipped() {
    let mut lists = 0;
    for (snapshot, _) in canonical_cases() {
        let ctx = snapshot.display().to_string();
        let size = ["size", "--key-groups"];
        assert_eq!(
            with(&size, &snapshot, "0"),
            with(&size, &snapshot, NEVER),
            "{ctx}: size"
        );
        let skew = ["skew", "--top", "100", "--parallelism", "3"];
        let skipped = with(&skew, &snapshot, "0");
        assert_eq!(skipped, with(&skew, &snapshot, NEVER), "{ctx}: skew");
        // the reports do show list lengths (counted on the stream in the first run)
        lists += skipped["operators"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|o| o["states"].as_array().unwrap())
            .filter(|s| {
                s["top_by_list_length"]
                    .as_array()
                    .is_some_and(|t| !t.is_empty())
            })
            .count();
    }
    assert!(lists >= 10, "list states with lengths: {lists}");
}

/// List lengths per key of the truth's list states: state → key → elements.
fn truth_lists(path: &Path) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for l in std::fs::read_to_string(path).unwrap().lines() {
        if l.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(l).unwrap();
        if v["uid"] != UID || v["kind"] != "list" {
            continue;
        }
        let (Some(key), Some(elems)) = (v["key"].as_str(), v["value"].as_array()) else {
            continue;
        };
        *out.entry(v["state"].as_str().unwrap().to_string())
            .or_default()
            .entry(key.to_string())
            .or_default() += elems.len() as u64;
    }
    out
}

#[test]
fn list_lengths_counted_on_the_stream_match_the_truth() {
    let mut keys_checked = 0;
    for (snapshot, readback) in canonical_cases() {
        let Some(readback) = readback else { continue };
        let truth = truth_lists(&readback);
        if truth.is_empty() {
            continue;
        }
        let ctx = snapshot.display().to_string();
        let r = with(
            &["skew", "--operator", UID, "--top", "1000"],
            &snapshot,
            "0",
        );
        let states = r["operators"][0]["states"].as_array().unwrap();
        for (state, want) in &truth {
            let s = states
                .iter()
                .find(|s| s["state"] == state.as_str())
                .unwrap_or_else(|| panic!("{ctx}: state {state} not in the report"));
            let got: BTreeMap<String, u64> = s["top_by_list_length"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| {
                    (
                        k["key"].as_str().unwrap().to_string(),
                        k["list_length"].as_u64().unwrap(),
                    )
                })
                .collect();
            let want: BTreeMap<String, u64> = want
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| (k.clone(), *n))
                .collect();
            assert_eq!(got, want, "{ctx}: state {state}");
            keys_checked += want.len();
        }
    }
    assert!(keys_checked >= 100, "keys checked: {keys_checked}");
}

fn entries(snapshot: &Path, filter: &Filter) -> (Vec<Entry>, BTreeMap<String, ListElems>) {
    let o = common::snapshot::open(snapshot);
    let resolver = o.resolver();
    let mut all = Vec::new();
    let mut lists = BTreeMap::new();
    for op in &o.snapshot.operators {
        let Some(cat) = catalog(op, &resolver).unwrap() else {
            continue;
        };
        for s in &cat.header.states {
            let t = s.entry_types();
            if let Some(v) = &t.value {
                lists.insert(s.name.clone(), ListElems::for_type(v, t.ttl));
            }
        }
        let r = read_operator(op, &resolver, filter, &mut |e| {
            all.push(e.clone());
            ControlFlow::Continue(())
        });
        assert!(
            r.errors.is_empty(),
            "{}: {:?}",
            snapshot.display(),
            r.errors
        );
    }
    (all, lists)
}

#[test]
fn skipped_values_carry_their_length_and_list_elements() {
    let (mut skipped_values, mut counted_lists) = (0, 0);
    for (snapshot, _) in canonical_cases() {
        let ctx = snapshot.display().to_string();
        let (full, lists) = entries(&snapshot, &Filter::default());
        let skip = Filter {
            elide_values_above: Some(0),
            ..Filter::default()
        };
        let (skipped, _) = entries(&snapshot, &skip);
        assert_eq!(full.len(), skipped.len(), "{ctx}");
        for (a, b) in full.iter().zip(&skipped) {
            assert_eq!(
                (&a.state, a.key_group, &a.key, &a.namespace, &a.user_key),
                (&b.state, b.key_group, &b.key, &b.namespace, &b.user_key),
                "{ctx}"
            );
            assert!(a.elided.is_none(), "{ctx}");
            assert_eq!(b.value_len(), a.value.len() as u64, "{ctx}");
            if a.value.is_empty() || a.value_layout == ValueLayout::Timer {
                assert_eq!((&b.value, b.elided), (&a.value, None), "{ctx}");
                continue;
            }
            let e = b
                .elided
                .unwrap_or_else(|| panic!("{ctx}: value not skipped"));
            assert!(b.value.is_empty(), "{ctx}");
            skipped_values += 1;
            if a.value_layout == ValueLayout::DelimitedList {
                let want = list_len(a, lists.get(&*a.state));
                assert_eq!(e.list_elements, want, "{ctx}: state {}", a.state);
                counted_lists += want.is_some() as u64;
            } else {
                assert_eq!(e.list_elements, None, "{ctx}");
            }
        }
    }
    assert!(skipped_values >= 1000, "values skipped: {skipped_values}");
    assert!(counted_lists >= 100, "lists counted: {counted_lists}");
}
