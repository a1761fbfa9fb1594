//! One test per restore rule, with hand-written contracts on both sides (the form a user writes
//! to describe a job version that has not run yet).

use flink_inspect::compat::{
    BackendKind, CompatReport, Options, Verdict, compare, read_contract, to_contract,
};
use serde_json::{Value, json};

fn contract(flink: &str, backend: Option<&str>, operators: Value) -> String {
    let mut c = json!({
        "format": "flink-inspect-contract/1",
        "flink_version": flink,
        "operators": operators,
    });
    if let Some(b) = backend {
        c["backend"] = json!(b);
    }
    c.to_string()
}

/// One keyed operator `main` with one VALUE state `s`.
fn keyed(key: &str, state: Value) -> Value {
    json!([{ "uid": "main", "parallelism": 2, "max_parallelism": 128, "key": key,
             "states": [state] }])
}

fn value_state(value: &str) -> Value {
    json!({ "name": "s", "kind": "VALUE", "namespace": "VoidNamespace", "value": value })
}

fn cmp_with(old: &str, new: &str, opts: &Options) -> CompatReport {
    let o = read_contract(old).unwrap_or_else(|e| panic!("old: {e}"));
    let n = read_contract(new).unwrap_or_else(|e| panic!("new: {e}"));
    compare(&o, &n, ("old", "new"), opts)
}

fn cmp(old: &str, new: &str) -> CompatReport {
    cmp_with(old, new, &Options::default())
}

fn state_verdict(r: &CompatReport, name: &str) -> (Verdict, String) {
    let s = r
        .operators
        .iter()
        .flat_map(|o| &o.states)
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no state {name}: {r:#?}"));
    (s.verdict, s.reasons.join("; "))
}

fn one(flink: &str, old_value: &str, new_value: &str) -> CompatReport {
    cmp(
        &contract(
            flink,
            Some("rocksdb"),
            keyed("String", value_state(old_value)),
        ),
        &contract(
            flink,
            Some("rocksdb"),
            keyed("String", value_state(new_value)),
        ),
    )
}

#[test]
fn unchanged_job_restores() {
    let r = one("1.20", "Long", "Long");
    assert_eq!(r.exit_code, 0);
    assert!(r.restorable);
    assert_eq!(state_verdict(&r, "s").0, Verdict::Restored);
}

#[test]
fn value_type_change_is_incompatible() {
    let r = one("1.20", "Integer", "Long");
    assert_eq!(r.exit_code, 1);
    let (v, why) = state_verdict(&r, "s");
    assert_eq!(v, Verdict::Incompatible);
    assert!(why.contains("Integer to Long"), "{why}");
}

#[test]
fn pojo_field_added_migrates() {
    let r = one(
        "1.20",
        "Pojo(com.acme.E){id: Long}",
        "Pojo(com.acme.E){id: Long, note: String}",
    );
    assert_eq!(r.exit_code, 0);
    let (v, why) = state_verdict(&r, "s");
    assert_eq!(v, Verdict::Migration);
    assert!(why.contains("added: note"), "{why}");
}

#[test]
fn state_kind_change_is_incompatible() {
    let old = contract("1.20", None, keyed("String", value_state("Long")));
    let new = contract(
        "1.20",
        None,
        keyed(
            "String",
            json!({"name": "s", "kind": "LIST", "namespace": "VoidNamespace", "value": "List<Long>"}),
        ),
    );
    let r = cmp(&old, &new);
    let (v, why) = state_verdict(&r, "s");
    assert_eq!(v, Verdict::Incompatible);
    assert!(why.contains("VALUE to LIST"), "{why}");
}

#[test]
fn namespace_change_is_incompatible() {
    let old = contract("1.20", None, keyed("String", value_state("Long")));
    let new = contract(
        "1.20",
        None,
        keyed(
            "String",
            json!({"name": "s", "kind": "VALUE", "namespace": "TimeWindow", "value": "Long"}),
        ),
    );
    let (v, why) = state_verdict(&cmp(&old, &new), "s");
    assert_eq!(v, Verdict::Incompatible);
    assert!(why.contains("namespace"), "{why}");
}

#[test]
fn key_type_change_fails_the_operator() {
    let old = contract("1.20", None, keyed("String", value_state("Long")));
    let new = contract("1.20", None, keyed("Long", value_state("Long")));
    let r = cmp(&old, &new);
    assert_eq!(r.exit_code, 1);
    assert_eq!(r.operators[0].verdict, Verdict::Incompatible);
    assert!(r.operators[0].reasons[0].contains("key type String → Long"));
    // Adding a POJO field to the key needs migration, which keys never get.
    let old = contract(
        "1.20",
        None,
        keyed("Pojo(a.K){x: Long}", value_state("Long")),
    );
    let new = contract(
        "1.20",
        None,
        keyed("Pojo(a.K){x: Long, y: Long}", value_state("Long")),
    );
    assert_eq!(cmp(&old, &new).operators[0].verdict, Verdict::Incompatible);
}

#[test]
fn ttl_switch_depends_on_flink_version() {
    let old_state = value_state("Long");
    let mut ttl_state = value_state("Long");
    ttl_state["ttl"] = json!(true);
    for (flink, want) in [("1.20", Verdict::Incompatible), ("2.1", Verdict::Migration)] {
        let r = cmp(
            &contract(flink, None, keyed("String", old_state.clone())),
            &contract(flink, None, keyed("String", ttl_state.clone())),
        );
        let (v, why) = state_verdict(&r, "s");
        assert_eq!(v, want, "Flink {flink}: {why}");
        assert!(why.contains("TTL switched on"), "{why}");
        let r = cmp(
            &contract(flink, None, keyed("String", ttl_state.clone())),
            &contract(flink, None, keyed("String", old_state.clone())),
        );
        assert_eq!(state_verdict(&r, "s").0, want);
    }
}

#[test]
fn map_key_migration_fails_only_on_rocksdb() {
    let m = |k: &str| {
        json!({"name": "s", "kind": "MAP", "namespace": "VoidNamespace",
               "value": format!("Map<{k}, Pojo(a.V){{x: Long}}>")})
    };
    let old_key = "Pojo(a.K){x: Long}";
    let new_key = "Pojo(a.K){x: Long, y: Long}";
    for (backend, want) in [
        ("rocksdb", Verdict::Incompatible),
        ("hashmap", Verdict::Migration),
    ] {
        let r = cmp(
            &contract("1.20", Some(backend), keyed("String", m(old_key))),
            &contract("1.20", Some(backend), keyed("String", m(new_key))),
        );
        let (v, why) = state_verdict(&r, "s");
        assert_eq!(v, want, "{backend}: {why}");
    }
    // A value-only migration is fine on RocksDB.
    let mv = |v: &str| {
        json!({"name": "s", "kind": "MAP", "namespace": "VoidNamespace",
               "value": format!("Map<String, {v}>")})
    };
    let r = cmp(
        &contract(
            "1.20",
            Some("rocksdb"),
            keyed("String", mv("Pojo(a.V){x: Long}")),
        ),
        &contract(
            "1.20",
            Some("rocksdb"),
            keyed("String", mv("Pojo(a.V){x: Long, y: Long}")),
        ),
    );
    assert_eq!(state_verdict(&r, "s").0, Verdict::Migration);
    // --backend decides when the new side does not say.
    let r = cmp_with(
        &contract("1.20", None, keyed("String", m(old_key))),
        &contract("1.20", None, keyed("String", m(new_key))),
        &Options {
            backend: Some(BackendKind::Heap),
            ..Options::default()
        },
    );
    assert_eq!(state_verdict(&r, "s").0, Verdict::Migration);
}

#[test]
fn row_data_columns_cannot_change() {
    let r = one(
        "2.1",
        "RowData<id BIGINT NOT NULL, cnt BIGINT>",
        "RowData<id BIGINT NOT NULL, cnt INT>",
    );
    let (v, why) = state_verdict(&r, "s");
    assert_eq!(v, Verdict::Incompatible);
    assert!(
        why.contains("(cnt)") && why.contains("BIGINT to INT"),
        "{why}"
    );
}

#[test]
fn avro_follows_reader_writer_rules() {
    let schema = |fields: &str| {
        format!(
            r#"Avro(com.acme.U)'{{"type":"record","name":"U","namespace":"com.acme","fields":[{fields}]}}'"#
        )
    };
    let v1 = schema(r#"{"name":"id","type":"int"}"#);
    let v2 = schema(r#"{"name":"id","type":"long"},{"name":"e","type":"string","default":""}"#);
    let v3 = schema(r#"{"name":"id","type":"int"},{"name":"e","type":"string"}"#);
    assert_eq!(
        state_verdict(&one("1.20", &v1, &v2), "s").0,
        Verdict::Migration
    );
    let (v, why) = state_verdict(&one("1.20", &v1, &v3), "s");
    assert_eq!(v, Verdict::Incompatible);
    assert!(why.contains("no default"), "{why}");
}

#[test]
fn kryo_and_custom_serializers() {
    let r = one("1.20", "Kryo(com.acme.Blob)", "Kryo(com.acme.Blob)");
    assert_eq!(r.exit_code, 0);
    let s = &r.operators[0].states[0];
    assert!(!s.caveats.is_empty());
    let r = one("1.20", "Kryo(com.acme.Blob)", "Kryo(com.acme.Other)");
    assert_eq!(state_verdict(&r, "s").0, Verdict::Incompatible);
    let r = one(
        "1.20",
        "Opaque(com.acme.MySerializer$Snap)",
        "Opaque(com.acme.OtherSerializer$Snap)",
    );
    assert_eq!(state_verdict(&r, "s").0, Verdict::Undecidable);
    assert_eq!(r.exit_code, 1);
}

#[test]
fn dropped_operator_needs_allow_non_restored_state() {
    let old = contract(
        "1.20",
        None,
        json!([
            { "uid": "main", "key": "String", "states": [value_state("Long")] },
            { "uid": "gone", "state_bytes": 1234, "states": [
                { "name": "buf", "kind": "OPERATOR_LIST", "value": "Long" }] }
        ]),
    );
    let new = contract(
        "1.20",
        None,
        json!([{ "uid": "main", "key": "String", "states": [value_state("Long")] }]),
    );
    let r = cmp(&old, &new);
    assert_eq!(r.exit_code, 1);
    assert!(r.needs_allow_non_restored_state);
    let gone = &r.operators[0];
    assert_eq!(gone.uid.as_deref(), Some("gone"));
    assert_eq!(gone.verdict, Verdict::Dropped);
    assert_eq!(gone.state_bytes, 1234);
    assert_eq!(gone.states[0].name, "buf");
    let r = cmp_with(
        &old,
        &new,
        &Options {
            allow_non_restored_state: true,
            ..Options::default()
        },
    );
    assert_eq!(r.exit_code, 0);
}

#[test]
fn unregistered_state_is_carried_and_new_state_starts_empty() {
    let old = contract("1.20", None, keyed("String", value_state("Long")));
    let new = contract(
        "1.20",
        None,
        keyed(
            "String",
            json!({"name": "t", "kind": "VALUE", "namespace": "VoidNamespace", "value": "Integer"}),
        ),
    );
    let r = cmp(&old, &new);
    assert_eq!(r.exit_code, 0);
    assert_eq!(state_verdict(&r, "s").0, Verdict::Carried);
    assert_eq!(state_verdict(&r, "t").0, Verdict::New);
    // A new operator.
    let new = contract(
        "1.20",
        None,
        json!([{ "uid": "main", "key": "String", "states": [value_state("Long")] },
               { "uid": "extra", "states": [{"name": "x", "kind": "UNION_LIST", "value": "Long"}] }]),
    );
    let r = cmp(&old, &new);
    assert_eq!(r.exit_code, 0);
    assert!(r.operators.iter().any(|o| o.verdict == Verdict::New));
}

#[test]
fn max_parallelism_and_rescale() {
    let op = |p: u32, maxp: u32| {
        json!([{ "uid": "main", "parallelism": p, "max_parallelism": maxp, "key": "String",
                 "states": [value_state("Long")] }])
    };
    let r = cmp(
        &contract("1.20", None, op(2, 128)),
        &contract("1.20", None, op(4, 128)),
    );
    assert_eq!(r.exit_code, 0);
    assert!(
        r.operators[0]
            .notes
            .iter()
            .any(|n| n.contains("rescaled from parallelism 2 to 4"))
    );
    let r = cmp(
        &contract("1.20", None, op(2, 128)),
        &contract("1.20", None, op(2, 256)),
    );
    assert_eq!(r.exit_code, 1);
    assert!(r.operators[0].reasons[0].contains("max parallelism changed from 128 to 256"));
}

#[test]
fn operator_state_mode_and_broadcast() {
    let ops = |kind: &str, v: &str| {
        json!([{ "uid": "src", "states": [
            { "name": "offsets", "kind": kind, "value": v },
            { "name": "rules", "kind": "BROADCAST", "key": "String", "value": "Pojo(a.R){x: Long}" }
        ]}])
    };
    let r = cmp(
        &contract("1.20", None, ops("OPERATOR_LIST", "Long")),
        &contract("1.20", None, ops("UNION_LIST", "Long")),
    );
    let (v, why) = state_verdict(&r, "offsets");
    assert_eq!(v, Verdict::Incompatible);
    assert!(why.contains("distribution mode"), "{why}");
    assert_eq!(state_verdict(&r, "rules").0, Verdict::Restored);
    let r = cmp(
        &contract("1.20", None, ops("OPERATOR_LIST", "Long")),
        &contract("1.20", None, ops("OPERATOR_LIST", "Integer")),
    );
    assert_eq!(state_verdict(&r, "offsets").0, Verdict::Incompatible);
}

#[test]
fn contracts_round_trip_and_reject_mistakes() {
    let text = contract(
        "2.1",
        Some("rocksdb"),
        keyed(
            "Tuple1<Long>",
            json!({"name": "s", "kind": "LIST", "namespace": "TimeWindow",
                   "value": "List<Pojo(a.E){id: Long, tags: Map<String, Enum(a.C)[A, B]>}>",
                   "ttl": true}),
        ),
    );
    let side = read_contract(&text).unwrap();
    let again = serde_json::to_string(&to_contract(&side, None)).unwrap();
    let back = read_contract(&again).unwrap();
    assert_eq!(side.operators[0].states, back.operators[0].states);
    assert_eq!(side.operators[0].key, back.operators[0].key);
    let v: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(v["operators"][0]["states"][0]["ttl"], json!(true));
    // The id is derived from the uid; a contradicting id is an error.
    let bad = contract(
        "2.1",
        None,
        json!([{ "uid": "main", "id": "00000000000000000000000000000000" }]),
    );
    assert!(
        read_contract(&bad)
            .unwrap_err()
            .to_string()
            .contains("hashes to")
    );
    // Misspelt fields are errors, not silently ignored.
    let bad = contract("2.1", None, json!([{ "uid": "main", "stats": [] }]));
    assert!(
        read_contract(&bad)
            .unwrap_err()
            .to_string()
            .contains("stats")
    );
    let bad = contract("2.1", None, keyed("String", value_state("Lnog")));
    assert!(
        read_contract(&bad)
            .unwrap_err()
            .to_string()
            .contains("Lnog")
    );
}
