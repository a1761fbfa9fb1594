//! `schema` and `state` on the command line: the schema lists the states the ground truth
//! has, with their kinds; `--limit`, `--state` and unknown operators behave.

mod common;

use std::collections::BTreeSet;

use serde_json::Value as J;

#[test]
fn schema_lists_the_states_of_the_ground_truth() {
    for v in ["flink-2.3.0", "flink-1.20.5"] {
        let case = common::testdata().join(v).join("keyed-hashmap-savepoint");
        let dir = case.join("savepoint");
        let s = common::run_json(["schema", dir.to_str().unwrap(), "--operator", "main-keyed"]);
        let op = &s["operators"][0];
        assert_eq!(op["uid"], "main-keyed");
        assert_eq!(op["key_type"], "String");
        let got: BTreeSet<(String, String)> = op["states"]
            .as_array()
            .unwrap()
            .iter()
            .map(|st| {
                let name = st["name"].as_str().unwrap().to_string();
                let kind = st["kind"].as_str().unwrap().to_string();
                // timers as the generator names them: service + domain
                match name
                    .strip_prefix("_timer_state/")
                    .and_then(|r| r.split_once('_'))
                {
                    Some((domain, service)) => (service.to_string(), format!("{domain}_timer")),
                    None => (name, kind),
                }
            })
            .collect();
        let want: BTreeSet<(String, String)> =
            std::fs::read_to_string(case.join("savepoint.readback.jsonl"))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str::<J>(l).unwrap())
                .map(|j| {
                    (
                        j["state"].as_str().unwrap().to_string(),
                        j["kind"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
        assert_eq!(got, want, "{v}");
    }
}

#[test]
fn state_limit_filter_and_unknown_operator() {
    let dir = common::testdata().join("flink-2.3.0/keyed-hashmap-savepoint/savepoint");
    let d = dir.to_str().unwrap();
    let out = common::run([
        "state",
        d,
        "--operator",
        "main-keyed",
        "--limit",
        "5",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 5);
    let out = common::run([
        "state",
        d,
        "--operator",
        "main-keyed",
        "--state",
        "per_label",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<J> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|j| j["state"] == "per_label"
            && j["kind"] == "map"
            && j.get("user_key").is_some())
    );
    // the operator by hex id gives the same entries
    let id = lines[0]["operator"].as_str().unwrap().to_string();
    let by_id = common::run([
        "state",
        d,
        "--operator",
        &id,
        "--state",
        "per_label",
        "--json",
    ]);
    assert_eq!(by_id.stdout.lines().count(), lines.len());
    let bad = common::run(["state", d, "--operator", "no-such-uid"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-uid"));
    let bad = common::run(["state", d, "--operator", "main-keyed", "--state", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("per_label"),
        "lists the states: {}",
        bad.stderr
    );
    // table output
    let t = common::run([
        "state",
        d,
        "--operator",
        "main-keyed",
        "--key",
        "hot",
        "--state",
        "count",
    ]);
    assert_eq!(t.code, 0);
    assert!(
        t.stdout.contains("hot") && t.stdout.contains("221"),
        "{}",
        t.stdout
    );
}
