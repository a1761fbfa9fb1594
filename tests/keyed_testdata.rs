//! Every keyed entry of every canonical and heap-checkpoint snapshot in `testdata/` equals
//! what the job wrote and what Flink read back (`<snap>.written.jsonl`,
//! `<snap>.readback.jsonl`), compared as multisets of whole entries.
//!
//! Normalizer: our decoded values are rendered in the generator's text form
//! (`testdata/gen/src/gen/Json.java`), driven by the type tree: POJOs get `"class"` (simple
//! name), tuples `f0..`, rows `{"row_kind", "fields": [...]}`, enums `{"enum": NAME}`, byte
//! arrays `{"bytes": hex}`, time windows `{"window_start", "window_end"}`, `VoidNamespace` its
//! name, lists one array per key and namespace, timers `{state: service, kind:
//! event_timer|processing_timer, timestamp}`. TTL timestamps are dropped (the generator prints
//! the user value). Kryo values stay opaque here: both sides become `{"opaque": SimpleName}`.
//! Float (f32) values are printed via f32 to match Java's `Float.toString`.

mod common;
mod keyed_common;

use std::collections::BTreeMap;

use serde_json::{Value as J, json};

use flink_inspect::keyed::header::StateKind;
use flink_inspect::keyed::typed::Decoded;
use flink_inspect::keyed::{Filter, find_operator};
use flink_inspect::types::{Prim, TypeInfo, Value};

fn simple(class: &str) -> String {
    class.rsplit(['.', '$']).next().unwrap_or(class).to_string()
}

/// Canonical text: objects with sorted keys.
fn canon(v: &J) -> String {
    match v {
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", J::String((*k).clone()), canon(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        J::Array(a) => format!("[{}]", a.iter().map(canon).collect::<Vec<_>>().join(",")),
        J::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => format!("{:?}", n.as_f64().unwrap_or(f64::NAN)),
        },
        other => other.to_string(),
    }
}

fn norm(t: &TypeInfo, v: &Value) -> J {
    match (t, v) {
        (TypeInfo::VoidNamespace, _) => json!("VoidNamespace"),
        (_, Value::Null) => J::Null,
        (TypeInfo::Nullable { inner, .. }, v) => norm(inner, v),
        (TypeInfo::Ttl { inner }, Value::Struct(f)) => norm(
            inner,
            f.iter()
                .find(|(n, _)| n == "value")
                .map_or(&Value::Null, |x| &x.1),
        ),
        (TypeInfo::Primitive { ty: Prim::Float }, Value::Float(f)) => {
            let s = format!("{}", *f as f32);
            json!(s.parse::<f64>().unwrap_or(*f))
        }
        (_, Value::Int(i)) => json!(i),
        (_, Value::Float(f)) => json!(f),
        (_, Value::Bool(b)) => json!(b),
        (_, Value::String(s)) => json!(s),
        (_, Value::Enum(s)) => json!({ "enum": s }),
        (_, Value::Bytes(b)) => json!({ "bytes": flink_inspect::hash::hex(b) }),
        (TypeInfo::TimeWindow, Value::Struct(f)) => {
            let g = |n: &str| {
                f.iter().find(|(k, _)| k == n).map_or(J::Null, |x| {
                    norm(&TypeInfo::Primitive { ty: Prim::Long }, &x.1)
                })
            };
            json!({ "window_start": g("start"), "window_end": g("end") })
        }
        (TypeInfo::Pojo { class, fields, .. }, Value::Struct(vals)) => {
            let mut m = serde_json::Map::new();
            m.insert("class".into(), json!(simple(class)));
            for (name, val) in vals {
                let ft = fields.iter().find(|f| &f.name == name).map(|f| &f.ty);
                m.insert(name.clone(), ft.map_or(J::Null, |ft| norm(ft, val)));
            }
            J::Object(m)
        }
        (TypeInfo::Tuple { fields, .. }, Value::Struct(vals)) => {
            let mut m = serde_json::Map::new();
            for (i, (name, val)) in vals.iter().enumerate() {
                m.insert(
                    name.clone(),
                    fields.get(i).map_or(J::Null, |ft| norm(ft, val)),
                );
            }
            J::Object(m)
        }
        (TypeInfo::Row { fields, .. }, Value::Row { kind, fields: vals }) => {
            let fs: Vec<J> = vals
                .iter()
                .enumerate()
                .map(|(i, (_, val))| fields.get(i).map_or(J::Null, |ft| norm(ft, val)))
                .collect();
            json!({ "row_kind": kind, "fields": fs })
        }
        (TypeInfo::List { elem }, Value::List(items)) => {
            J::Array(items.iter().map(|x| norm(elem, x)).collect())
        }
        (_, Value::Opaque { class, .. }) => json!({ "opaque": simple(class) }),
        (_, other) => serde_json::to_value(other).unwrap_or(J::Null),
    }
}

/// Types holding a Kryo (or unknown) serializer: this tool keeps such values opaque, as a
/// whole (their bytes carry no inner lengths). Returns the simple class of the whole value.
fn kryo_class(t: &TypeInfo) -> Option<String> {
    fn has_kryo(t: &TypeInfo) -> bool {
        match t {
            TypeInfo::Kryo { .. } | TypeInfo::Opaque { .. } => true,
            TypeInfo::Pojo { fields, .. } => fields.iter().any(|f| has_kryo(&f.ty)),
            TypeInfo::Tuple { fields, .. } | TypeInfo::Row { fields, .. } => {
                fields.iter().any(has_kryo)
            }
            TypeInfo::Ttl { inner } | TypeInfo::Nullable { inner, .. } => has_kryo(inner),
            TypeInfo::List { elem } => has_kryo(elem),
            _ => false,
        }
    }
    match t {
        TypeInfo::Ttl { inner } | TypeInfo::Nullable { inner, .. } => kryo_class(inner),
        t if has_kryo(t) => Some(simple(&flink_inspect::keyed::typed::class_of(t))),
        _ => None,
    }
}

/// Our entries of one operator in the generator's form.
fn ours(
    uid: &str,
    cat: &flink_inspect::keyed::StateCatalog,
    entries: &[(flink_inspect::keyed::Entry, Result<Decoded, String>)],
) -> Vec<String> {
    let key_t = &cat.header.key_serializer.ty;
    let mut out = Vec::new();
    for (e, d) in entries {
        let d = d
            .as_ref()
            .unwrap_or_else(|x| panic!("{uid} {}: {x}", e.state));
        let meta = cat.state(&e.state).expect("state in catalog");
        let mut m = serde_json::Map::new();
        m.insert("uid".into(), json!(uid));
        if let Some(ts) = d.timestamp {
            let Some(TypeInfo::Timer { key, namespace }) = meta.value_type() else {
                panic!("timer type");
            };
            let rest = e.state.strip_prefix("_timer_state/").expect("timer name");
            let (domain, service) = rest.split_once('_').expect("domain_service");
            m.insert("state".into(), json!(service));
            m.insert("kind".into(), json!(format!("{domain}_timer")));
            m.insert("key".into(), norm(key, &d.key));
            m.insert("namespace".into(), norm(namespace, &d.namespace));
            m.insert("timestamp".into(), json!(ts));
            out.push(canon(&J::Object(m)));
            continue;
        }
        let ns_t = meta.namespace_type().expect("namespace type");
        let v_t = meta.value_type().expect("value type");
        m.insert("state".into(), json!(e.state.to_string()));
        m.insert("key".into(), norm(key_t, &d.key));
        m.insert("namespace".into(), norm(ns_t, &d.namespace));
        let kind = match meta.kind {
            StateKind::Value => "value",
            StateKind::List => "list",
            StateKind::Map => "map",
            StateKind::Reducing => "reducing",
            StateKind::Aggregating => "aggregating",
            _ => "other",
        };
        m.insert("kind".into(), json!(kind));
        let value = match (&meta.kind, v_t) {
            (StateKind::List, TypeInfo::List { elem }) => {
                J::Array(d.values.iter().map(|x| norm(elem, &x.value)).collect())
            }
            (StateKind::Map, TypeInfo::Map { key, value }) => {
                m.insert(
                    "user_key".into(),
                    norm(key, d.user_key.as_ref().unwrap_or(&Value::Null)),
                );
                norm(value, &d.values[0].value)
            }
            (_, t) => norm(t, &d.values[0].value),
        };
        m.insert("value".into(), value);
        out.push(canon(&J::Object(m)));
    }
    out
}

fn multiset(v: Vec<String>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for s in v {
        *m.entry(s).or_default() += 1;
    }
    m
}

#[test]
fn every_canonical_and_heap_entry_equals_the_ground_truth() {
    let mut compared_snapshots = 0;
    let mut compared_entries = 0usize;
    let mut skipped = Vec::new();
    for (case, inv) in common::inventories() {
        for snap in inv["snapshots"].as_array().expect("snapshots") {
            let dir = case.join(snap["path"].as_str().expect("path"));
            let label = format!(
                "{}/{}",
                case.display(),
                snap["name"].as_str().unwrap_or("?")
            );
            let o = keyed_common::open(&dir);
            let resolver = o.resolver();
            let truth_files = [snap["readback"].as_str(), snap["written"].as_str()];
            let truths: Vec<Vec<J>> = truth_files
                .iter()
                .flatten()
                .map(|f| {
                    std::fs::read_to_string(case.join(f))
                        .expect("truth file")
                        .lines()
                        .map(|l| serde_json::from_str::<J>(l).expect("truth line"))
                        .filter(|j| j.get("key").is_some())
                        .collect()
                })
                .collect();
            let uids: std::collections::BTreeSet<String> = truths
                .iter()
                .flatten()
                .filter_map(|j| j["uid"].as_str().map(String::from))
                .collect();
            for uid in uids {
                let (_, op) = find_operator(&o.snapshot.operators, &uid)
                    .unwrap_or_else(|| panic!("{label}: operator {uid}"));
                if !keyed_common::key_group_operator(op) {
                    skipped.push(format!("{label} {uid}"));
                    continue;
                }
                let (cat, entries, r) = keyed_common::read_all(op, &resolver, &Filter::default());
                assert!(r.errors.is_empty(), "{label} {uid}: {:?}", r.errors);
                let got = multiset(ours(&uid, &cat, &entries));
                let n: usize = got.values().sum();
                for (i, truth) in truths.iter().enumerate() {
                    let want: Vec<String> = truth
                        .iter()
                        .filter(|j| j["uid"] == json!(uid))
                        .map(|j| {
                            let mut j = j.clone();
                            // Kryo values are opaque to us: compare their class only
                            let st = j["state"].as_str().unwrap_or("").to_string();
                            if let Some(c) = cat
                                .state(&st)
                                .and_then(|m| m.value_type())
                                .and_then(kryo_class)
                            {
                                j["value"] = json!({ "opaque": c });
                            }
                            canon(&j)
                        })
                        .collect();
                    let want = multiset(want);
                    if got != want {
                        let missing: Vec<_> = want
                            .keys()
                            .filter(|k| !got.contains_key(*k))
                            .take(3)
                            .collect();
                        let extra: Vec<_> = got
                            .keys()
                            .filter(|k| !want.contains_key(*k))
                            .take(3)
                            .collect();
                        panic!(
                            "{label} {uid} ({}): {} entries vs {} expected\n missing e.g. {missing:#?}\n unexpected e.g. {extra:#?}",
                            truth_files[i].unwrap_or(""),
                            n,
                            want.values().sum::<usize>()
                        );
                    }
                }
                compared_entries += n;
                eprintln!("{label} {uid}: {n} entries equal ({:?})", r.format);
                compared_snapshots += 1;
            }
        }
    }
    eprintln!(
        "{compared_snapshots} operator snapshots, {compared_entries} entries compared; not key-group format: {skipped:?}"
    );
    assert!(
        compared_entries > 20_000,
        "only {compared_entries} entries compared"
    );
}
