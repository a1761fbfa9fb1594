//! The SQL savepoints in testdata (GROUP BY aggregation, deduplication, join, window TVF;
//! hashmap and RocksDB; Flink 2.3 and 1.20) decode with `flink-inspect state --json` to exactly
//! what Flink read back when the generator restored them into a bounded job standing in for
//! each SQL operator (`savepoint.readback.jsonl`, equal to the shadow model's
//! `savepoint.written.jsonl`): every key, namespace, value, map entry, timer and union-state
//! element, and nothing else in any operator but the source's split state.
//!
//! The truth names an operator by its JobGraph vertex name without the planner's counter and by
//! OperatorID; rows are `{"row_kind": "+I", "fields": [..]}` with fields in RowType order, key
//! rows a plain array, timestamps epoch milliseconds.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value as J, json};

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]` to epoch milliseconds; None for any other string.
fn iso_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(n(0..4)?, n(5..7)?, n(8..10)?);
    let secs = days * 86_400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?;
    let ms: i64 = match s.get(19..) {
        Some("") => 0,
        Some(f) => match f.strip_prefix('.') {
            Some(d) if !d.is_empty() && d.len() <= 3 => format!("{d:0<3}").parse().ok()?,
            _ => return None,
        },
        None => return None,
    };
    Some(secs * 1000 + ms)
}

/// A decoded row (`{"$kind": .., "f0": .., "f1": ..}`) as its fields in order.
fn fields(row: &J, ctx: &str) -> Vec<J> {
    let o = row
        .as_object()
        .unwrap_or_else(|| panic!("{ctx}: a row, found {row}"));
    let mut out: Vec<(usize, J)> = o
        .iter()
        .filter(|(k, _)| k.as_str() != "$kind")
        .map(|(k, v)| {
            // the RowDataSerializer snapshot stores types only: fields are named by position
            let i = k
                .strip_prefix('f')
                .and_then(|i| i.parse().ok())
                .unwrap_or_else(|| panic!("{ctx}: field name {k} is not f<index>"));
            let v = match v.as_str().and_then(iso_millis) {
                Some(ms) => json!(ms),
                None => v.clone(),
            };
            (i, v)
        })
        .collect();
    out.sort_by_key(|(i, _)| *i);
    assert!(
        out.iter().enumerate().all(|(n, (i, _))| n == *i),
        "{ctx}: field indexes of {row}"
    );
    out.into_iter().map(|(_, v)| v).collect()
}

fn row(row: &J, ctx: &str) -> J {
    let kind = row["$kind"].clone();
    let fields = fields(row, ctx);
    json!({"row_kind": kind, "fields": fields})
}

/// One `state --json` record of a keyed SQL state in the truth's form.
fn keyed_line(name: &str, r: &J, ctx: &str) -> String {
    let mut m = Map::new();
    m.insert("operator".into(), json!(name));
    m.insert("operator_id".into(), r["operator"].clone());
    m.insert("key".into(), J::Array(fields(&r["key"], ctx)));
    m.insert("namespace".into(), r["namespace"].clone());
    if let Some(err) = r.get("error") {
        panic!("{ctx}: undecodable entry: {err}");
    }
    if r["kind"] == "timer" {
        let domain = r["time_domain"].as_str().expect("time_domain");
        m.insert("kind".into(), json!(format!("{domain}_timer")));
        m.insert("state".into(), r["timer_service"].clone());
        m.insert("timestamp".into(), r["timestamp"].clone());
    } else {
        m.insert("kind".into(), r["kind"].clone());
        m.insert("state".into(), r["state"].clone());
        if let Some(uk) = r.get("user_key") {
            m.insert("user_key".into(), row(uk, ctx));
        }
        let v = &r["value"];
        m.insert(
            "value".into(),
            if v.is_object() {
                row(v, ctx)
            } else {
                v.clone()
            },
        );
    }
    J::Object(m).to_string()
}

fn load(path: &Path) -> Vec<J> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", path.display())))
        .collect()
}

fn jsonl(out: &str, ctx: &str) -> Vec<J> {
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{ctx}: {e}: {l}")))
        .collect()
}

fn multiset(lines: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry(l).or_insert(0) += 1;
    }
    m
}

#[test]
fn sql_savepoints_decode_to_what_flink_read_back() {
    let mut snapshots = 0;
    let mut compared = 0;
    let mut states_seen = BTreeSet::new();
    for (case, inv) in common::inventories() {
        if inv["job"] != "sql" {
            continue;
        }
        let label = case.display().to_string();
        // operator id -> vertex name without the planner's "[n]"
        let names: BTreeMap<String, String> = inv["operators"]
            .as_array()
            .expect("operators")
            .iter()
            .map(|o| {
                let n = o["name"].as_str().expect("name");
                let short = n.split_once('[').map_or(n, |(a, _)| a);
                (
                    o["operator_id"].as_str().expect("id").to_string(),
                    short.to_string(),
                )
            })
            .collect();
        for snap in inv["snapshots"].as_array().expect("snapshots") {
            let dir = case.join(snap["path"].as_str().expect("path"));
            let readback_file = snap["readback"]
                .as_str()
                .unwrap_or_else(|| panic!("{label}: SQL snapshot without readback"));
            let truth = load(&case.join(readback_file));
            let want = multiset(truth.iter().map(|j| j.to_string()));
            let mut got = Vec::new();
            for (id, name) in &names {
                let ctx = format!("{label} {name} {id}");
                let out = common::run([
                    "--json",
                    "state",
                    dir.to_str().unwrap(),
                    "--operator",
                    id.as_str(),
                ]);
                if out.code == 2 && out.stderr.contains("has no keyed state") {
                    continue;
                }
                assert_eq!(out.code, 0, "{ctx}: {}", out.stderr);
                let records = jsonl(&out.stdout, &ctx);
                if name == "Source: src" {
                    // the DataStream source's split state: not SQL state, not in the truth
                    assert!(
                        records.iter().all(|r| r["state"] == "SourceReaderState"),
                        "{ctx}"
                    );
                    continue;
                }
                for r in &records {
                    got.push(keyed_line(name, r, &ctx));
                    states_seen.insert(format!("{name}/{}", r["state"].as_str().unwrap_or("?")));
                }
            }
            // union list state, named by the truth (all subtasks' elements, sorted)
            for t in truth.iter().filter(|t| t["kind"] == "operator_union") {
                let id = t["operator_id"].as_str().expect("operator_id");
                let state = t["state"].as_str().expect("state");
                let ctx = format!("{label} {id} {state}");
                let out = common::run([
                    "--json",
                    "state",
                    dir.to_str().unwrap(),
                    "--operator",
                    id,
                    "--state",
                    state,
                ]);
                assert_eq!(out.code, 0, "{ctx}: {}", out.stderr);
                let mut elems: Vec<J> = jsonl(&out.stdout, &ctx)
                    .into_iter()
                    .map(|r| r["value"].clone())
                    .collect();
                elems.sort_by_key(|v| v.to_string());
                let line = json!({
                    "operator": names.get(id).expect("operator in inventory"),
                    "operator_id": id,
                    "state": state,
                    "kind": "operator_union",
                    "value": elems,
                });
                got.push(line.to_string());
                states_seen.insert(format!("{}/{state}", names[id]));
            }
            let got = multiset(got);
            let missing: Vec<_> = want
                .iter()
                .filter(|(l, n)| got.get(l.as_str()) != Some(*n))
                .take(5)
                .collect();
            let extra: Vec<_> = got
                .iter()
                .filter(|(l, n)| want.get(l.as_str()) != Some(*n))
                .take(5)
                .collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{label}: flink-inspect and Flink's read-back differ\n  read back, not decoded: {missing:#?}\n  decoded, not read back: {extra:#?}"
            );
            compared += want.values().sum::<usize>();
            snapshots += 1;
        }
    }
    // both versions, hashmap and RocksDB
    assert!(snapshots >= 4, "only {snapshots} SQL snapshots");
    for s in [
        "GroupAggregate/accState",
        "Deduplicate/deduplicate-state",
        "Join/left-records",
        "Join/right-records",
        "GlobalWindowAggregate/window-aggs",
        "GlobalWindowAggregate/_timer_state/event_window-timers",
        "GlobalWindowAggregate/watermark",
    ] {
        assert!(
            states_seen.contains(s),
            "no {s} in any SQL snapshot: {states_seen:?}"
        );
    }
    eprintln!("{snapshots} SQL snapshots, {compared} read-back lines equal flink-inspect's");
}

#[test]
fn iso_timestamps_parse() {
    assert_eq!(iso_millis("1970-01-01T00:00:00"), Some(0));
    assert_eq!(iso_millis("2023-11-14T22:13:20"), Some(1_700_000_000_000));
    assert_eq!(
        iso_millis("2023-11-14T22:13:20.25"),
        Some(1_700_000_000_250)
    );
    assert_eq!(iso_millis("hot"), None);
}
