//! `state` and `schema` on operator state, through the binary.

mod common;

use common::{run, testdata};

fn lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn state_lists_operator_state_with_subtasks() {
    let sp = testdata().join("flink-2.3.0/opstate-hashmap-savepoint/savepoint");
    let out = run([
        "state".as_ref(),
        sp.as_os_str(),
        "--operator".as_ref(),
        "tracker".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let recs = lines(&out.stdout);
    let list: Vec<_> = recs
        .iter()
        .filter(|r| r["kind"] == "operator-list")
        .collect();
    let union: Vec<_> = recs
        .iter()
        .filter(|r| r["kind"] == "operator-union")
        .collect();
    assert_eq!(list.len(), 600);
    assert_eq!(union.len(), 2);
    for r in &list {
        assert_eq!(r["uid"], "tracker");
        assert_eq!(
            r["value"].as_u64().unwrap() % 2,
            r["subtask"].as_u64().unwrap()
        );
    }
    let out = run([
        "state".as_ref(),
        sp.as_os_str(),
        "--operator".as_ref(),
        "src".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let recs = lines(&out.stdout);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["state"], "SourceReaderState");
    assert_eq!(recs[0]["value"]["split"], "number_sequence");
}

#[test]
fn schema_lists_operator_states() {
    let sp = testdata().join("flink-1.20.5/opstate-hashmap-savepoint/savepoint");
    let out = run([
        "schema".as_ref(),
        sp.as_os_str(),
        "--uid".as_ref(),
        "bcast".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let ops = v["operators"].as_array().unwrap();
    let b = ops
        .iter()
        .find(|o| o["uid"] == "bcast")
        .expect("bcast labelled through --uid");
    let s = &b["operator_states"][0];
    assert_eq!(s["name"], "label_counts");
    assert_eq!(s["kind"], "broadcast");
    assert_eq!(s["key_type"], "String");
    assert_eq!(s["value_type"], "Integer");
}
