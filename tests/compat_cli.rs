//! `contract` and `compat` through the binary: exit codes, table, JSON, contract files as NEW.

mod common;

use common::{run, testdata};

fn pair(case: &str) -> (String, String) {
    let base = testdata().join("flink-2.3.0");
    (
        base.join("evolution-v1/savepoint").display().to_string(),
        base.join(case).join("savepoint").display().to_string(),
    )
}

#[test]
fn exit_codes_follow_what_flink_would_do() {
    let (v1, v2) = pair("evolution-pojo-add-field");
    let out = run(["compat", &v1, &v2]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("verdict  restorable"), "{}", out.stdout);
    assert!(
        out.stdout.contains("POJO fields added: c"),
        "{}",
        out.stdout
    );

    let (v1, v2) = pair("evolution-rename-uid");
    let out = run(["compat", &v1, &v2]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("dropped"));
    let out = run(["compat", &v1, &v2, "--allow-non-restored-state"]);
    assert_eq!(out.code, 0, "{}", out.stdout);

    let (v1, v2) = pair("evolution-change-type");
    let out = run(["compat", &v1, &v2, "--json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["worst"], "incompatible");
    assert_eq!(v["restorable"], false);
    let states: Vec<&serde_json::Value> = v["operators"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["states"].as_array().unwrap())
        .filter(|s| s["verdict"] == "incompatible")
        .collect();
    assert_eq!(states.len(), 1, "{}", out.stdout);
    assert_eq!(states[0]["name"], "amount");
    assert_eq!(states[0]["old_type"], "Integer");
    assert_eq!(states[0]["new_type"], "Long");
}

#[test]
fn contract_file_stands_in_for_the_new_snapshot() {
    let (v1, v2) = pair("evolution-change-type");
    let out = run(["contract", &v2]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let c: serde_json::Value = serde_json::from_str(&out.stdout).expect("contract JSON");
    assert_eq!(c["format"], "flink-inspect-contract/1");
    assert_eq!(c["flink_version"], "2.1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v2.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let out = run(["compat", &v1, &file.display().to_string(), "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["worst"], "incompatible");

    // Hand-edit the contract back to v1's type: now it restores.
    let edited = std::fs::read_to_string(&file).unwrap();
    let mut c: serde_json::Value = serde_json::from_str(&edited).unwrap();
    for op in c["operators"].as_array_mut().unwrap() {
        for s in op["states"].as_array_mut().unwrap() {
            if s["name"] == "amount" {
                s["value"] = "Integer".into();
            }
        }
    }
    std::fs::write(&file, serde_json::to_string_pretty(&c).unwrap()).unwrap();
    let out = run(["compat", &v1, &file.display().to_string()]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn trouble_exits_2() {
    let (v1, _) = pair("evolution-v1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    std::fs::write(&file, r#"{"format": "flink-inspect-contract/1", "operators": [{"uid": "x", "states": [{"name": "s", "kind": "VALUE", "value": "Lnog"}]}]}"#).unwrap();
    let out = run(["compat", &v1, &file.display().to_string()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Lnog"), "{}", out.stderr);
    let out = run(["compat", &v1, "/nonexistent/savepoint"]);
    assert_eq!(out.code, 2);
}
