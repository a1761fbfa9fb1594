//! `state --key` for every key type in `testdata/`: Integer keys (types job), String keys
//! (window operator of the types job) and SQL `RowData` keys (the four SQL operators). For a
//! sample of keys, `--key` returns exactly the entries an unfiltered read returns for that
//! key, all from one key group, and that key group is the one Flink put the key in (where the
//! unfiltered read finds it) and the one `key_arg` computes. Integer keys are also compared
//! with the ground truth Flink read back.

mod common;
mod keyed_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value as J;

use flink_inspect::keyed::key_arg::key_arg;
use flink_inspect::keyed::{catalog, find_operator};

fn state_json(dir: &Path, op: &str, key: Option<&str>) -> Vec<J> {
    let mut args = vec!["state", dir.to_str().unwrap(), "--operator", op, "--json"];
    if let Some(k) = key {
        args.extend(["--key", k]);
    }
    let out = common::run(args);
    assert_eq!(out.code, 0, "{op} {key:?}: {}", out.stderr);
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The `--key` argument for a key as `state --json` prints it: strings as is, rows as their
/// object of columns (the `$kind` member is ignored by `--key`), numbers as text.
fn key_text(k: &J) -> String {
    match k {
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn sorted(v: &[J]) -> Vec<String> {
    let mut s: Vec<String> = v.iter().map(|j| j.to_string()).collect();
    s.sort();
    s
}

/// Checks `--key` for `samples` keys of operator `op` (uid or id); returns how many keys.
fn check_operator(dir: &Path, op: &str, samples: usize) -> usize {
    let all = state_json(dir, op, None);
    let mut by_key: BTreeMap<String, Vec<J>> = BTreeMap::new();
    for e in &all {
        by_key
            .entry(e["key"].to_string())
            .or_default()
            .push(e.clone());
    }
    assert!(!by_key.is_empty(), "{op}: no entries");
    // library: the key type and max parallelism, for key_arg's own key group
    let o = keyed_common::open(dir);
    let resolver = o.resolver();
    let (_, operator) = find_operator(&o.snapshot.operators, op).unwrap();
    let cat = catalog(operator, &resolver).unwrap().unwrap();
    let maxp = operator.max_parallelism as u32;
    let keys: Vec<&String> = by_key.keys().collect();
    let step = (keys.len() / samples).max(1);
    let mut n = 0;
    for k in keys.iter().step_by(step).take(samples) {
        let want = &by_key[*k];
        let groups: BTreeSet<u64> = want
            .iter()
            .map(|e| e["key_group"].as_u64().unwrap())
            .collect();
        assert_eq!(
            groups.len(),
            1,
            "{op} key {k}: Flink stored one key in one key group"
        );
        let kg = *groups.iter().next().unwrap();
        let arg = key_text(&want[0]["key"]);
        let ka = key_arg(&cat.header.key_serializer.ty, &arg, maxp).unwrap();
        assert_eq!(ka.key_group, Some(kg as u32), "{op} key {arg}: key group");
        let got = state_json(dir, op, Some(&arg));
        assert_eq!(sorted(&got), sorted(want), "{op} key {arg}");
        n += 1;
    }
    n
}

#[test]
fn integer_and_string_keys_of_the_types_job() {
    for v in ["flink-2.3.0", "flink-1.20.5"] {
        for case in ["types-hashmap-savepoint", "types-rocksdb-savepoint"] {
            let dir = common::testdata().join(v).join(case).join("savepoint");
            let n = check_operator(&dir, "types-keyed", 4) + check_operator(&dir, "window-sum", 3);
            assert!(n >= 6, "{v}/{case}: {n} keys");
            // Integer keys against what Flink read back: the same states per key
            let truth = std::fs::read_to_string(
                common::testdata()
                    .join(v)
                    .join(case)
                    .join("savepoint.readback.jsonl"),
            )
            .unwrap();
            for key in [0i64, 7, 19] {
                let want: BTreeSet<String> = truth
                    .lines()
                    .map(|l| serde_json::from_str::<J>(l).unwrap())
                    .filter(|j| j["uid"] == "types-keyed" && j["key"] == key)
                    .map(|j| j["state"].as_str().unwrap().to_string())
                    .collect();
                assert!(!want.is_empty());
                let got: BTreeSet<String> = state_json(&dir, "types-keyed", Some(&key.to_string()))
                    .iter()
                    .map(|j| j["state"].as_str().unwrap().to_string())
                    .collect();
                assert_eq!(got, want, "{v}/{case} key {key}");
            }
        }
    }
}

#[test]
fn sql_row_data_keys() {
    let mut total = 0;
    for v in ["flink-2.3.0", "flink-1.20.5"] {
        for case in ["sql-hashmap-savepoint", "sql-rocksdb-savepoint"] {
            let (case_dir, inv) = common::case(&format!("{v}/{case}"));
            let dir = case_dir.join("savepoint");
            for prefix in [
                "GroupAggregate[",
                "Deduplicate[",
                "Join[",
                "GlobalWindowAggregate[",
            ] {
                let id = inv["operators"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o["name"].as_str().unwrap().starts_with(prefix))
                    .map(|o| o["operator_id"].as_str().unwrap().to_string())
                    .unwrap_or_else(|| panic!("{v}/{case}: no {prefix} operator"));
                total += check_operator(&dir, &id, 3);
            }
            // the aggregate of key "hot" holds what the job wrote
            let written =
                std::fs::read_to_string(case_dir.join("savepoint.written.jsonl")).unwrap();
            let hot = written
                .lines()
                .map(|l| serde_json::from_str::<J>(l).unwrap())
                .find(|j| {
                    j["operator"] == "GroupAggregate"
                        && j["state"] == "accState"
                        && j["key"] == serde_json::json!(["hot"])
                })
                .unwrap_or_else(|| panic!("{v}/{case}: no written accState of key hot"));
            let agg = inv["operators"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["name"].as_str().unwrap().starts_with("GroupAggregate["))
                .unwrap()["operator_id"]
                .as_str()
                .unwrap()
                .to_string();
            let got = state_json(&dir, &agg, Some(r#"["hot"]"#));
            assert_eq!(got.len(), 1, "{got:?}");
            let text = got[0]["value"].to_string();
            for n in hot["value"]["fields"].as_array().unwrap() {
                assert!(text.contains(&n.to_string()), "{n} not in {text}");
            }
        }
    }
    assert!(total >= 40, "{total} keys checked");
}

/// Tuple keys (`Tuple1<Long>`, given as `{"f0": 0}`) of Flink's own migration-test snapshots:
/// canonical and heap, several Flink versions.
#[test]
fn tuple_keys_of_the_flink_fixtures() {
    let root = common::fixtures().join("flink-tests/src/test/resources");
    if !root.exists() {
        eprintln!("skipped: no fixtures (set FLINK_FIXTURES)");
        return;
    }
    let mut n = 0;
    for v in ["1.15", "1.20"] {
        for kind in ["savepoint", "checkpoint"] {
            let dir = root.join(format!(
                "new-stateful-udf-migration-itcase-flink{v}-hashmap-{kind}"
            ));
            let o = keyed_common::open(&dir);
            let resolver = o.resolver();
            for op in &o.snapshot.operators {
                if !keyed_common::key_group_operator(op) {
                    continue;
                }
                let Ok(Some(cat)) = catalog(op, &resolver) else {
                    continue;
                };
                if !cat
                    .header
                    .key_serializer
                    .ty
                    .to_string()
                    .starts_with("Tuple")
                {
                    continue;
                }
                n += check_operator(&dir, &op.id_hex(), 4);
            }
        }
    }
    assert!(n >= 8, "{n} Tuple keys checked");
}
