//! The generator's evolution pairs: a v1 job's savepoint, a v2 job (one change, or all of them)
//! and what Flink did when v2 was started from v1's savepoint, with and without
//! allowNonRestoredState (`restore-from-v1.json`). `compat v1 v2` must agree every time; v2 is
//! described by the savepoint the v2 job wrote (what a staging run would give).

mod common;
mod compat_common;

use std::path::{Path, PathBuf};

use common::testdata;
use compat_common::{describe, side};
use flink_inspect::compat::{Options, compare, read_contract, to_contract};
use serde_json::Value;

fn pairs() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    let Ok(versions) = std::fs::read_dir(testdata()) else {
        return out;
    };
    let mut versions: Vec<PathBuf> = versions.flatten().map(|e| e.path()).collect();
    versions.sort();
    for v in versions {
        let Ok(cases) = std::fs::read_dir(&v) else {
            continue;
        };
        let mut cases: Vec<PathBuf> = cases.flatten().map(|e| e.path()).collect();
        cases.sort();
        for c in cases {
            let f = c.join("restore-from-v1.json");
            if let Ok(text) = std::fs::read_to_string(&f) {
                let v: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                out.push((c, v));
            }
        }
    }
    out
}

fn restored(record: &Value, key: &str, case: &Path) -> bool {
    match record[key]["result"].as_str() {
        Some("restored") => true,
        Some("failed") => false,
        other => panic!("{}: {key}.result = {other:?}", case.display()),
    }
}

#[test]
fn every_evolution_pair_matches_what_flink_did() {
    let pairs = pairs();
    let mut mismatches = Vec::new();
    let mut checks = 0;
    for (case, record) in &pairs {
        let from = record["restored_from"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no restored_from", case.display()));
        let old_dir = case.join(from);
        let new_dir = case.join("savepoint");
        let old = side(&old_dir).unwrap_or_else(|e| panic!("{}: {e}", old_dir.display()));
        let new = side(&new_dir).unwrap_or_else(|e| panic!("{}: {e}", new_dir.display()));
        // The same new job described by its contract file must give the same answers.
        let text = serde_json::to_string_pretty(&to_contract(&new, None)).expect("serializes");
        let from_contract = read_contract(&text).unwrap_or_else(|e| panic!("{e}"));
        for (key, allow) in [
            ("without_allow_non_restored_state", false),
            ("with_allow_non_restored_state", true),
        ] {
            let flink = restored(record, key, case);
            let opts = Options {
                allow_non_restored_state: allow,
                ..Options::default()
            };
            let r = compare(&old, &new, ("v1", "v2"), &opts);
            let rc = compare(&old, &from_contract, ("v1", "v2 contract"), &opts);
            assert_eq!(
                (rc.exit_code, rc.worst, rc.operators.len()),
                (r.exit_code, r.worst, r.operators.len()),
                "{}: the contract of v2 judges differently from its snapshot",
                case.display()
            );
            checks += 1;
            if (r.exit_code == 0) != flink {
                mismatches.push(format!(
                    "{} ({}), {key}: Flink {}, compat exit {}\n  Flink: {}\n{}",
                    case.display(),
                    record["changes"].as_str().unwrap_or(""),
                    if flink { "restored" } else { "failed" },
                    r.exit_code,
                    record[key]["root_cause"]["message"].as_str().unwrap_or("-"),
                    describe(&r)
                ));
            }
        }
    }
    eprintln!(
        "{} evolution pairs, {checks} checks, {} mismatches",
        pairs.len(),
        mismatches.len()
    );
    assert!(
        !pairs.is_empty(),
        "no testdata/flink-*/*/restore-from-v1.json: the generator's evolution pairs are missing"
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
