//! `flink-inspect state` for operator (non-keyed) state: list, union and broadcast elements
//! with the subtask each came from, source splits decoded.

use std::io::Write;

use anyhow::{Result, bail};
use serde_json::{Map, Value as J, json};

use super::common::Opened;
use super::render::table;
use flink_inspect::operator_state::catalog;
use flink_inspect::report::operator_state::{OperatorStateRecord, RecordValue, records};
use flink_inspect::report::state::{cell, value_json};

/// True when the listing of `op_index` should show operator state: the operator has no keyed
/// state, or every requested state is an operator state.
pub fn wanted(opened: &Opened, op_index: usize, keyed: bool, states: &[String]) -> Result<bool> {
    if !flink_inspect::report::operator_state::has_operator_state(&opened.snapshot, op_index) {
        return Ok(false);
    }
    if !keyed {
        return Ok(true);
    }
    if states.is_empty() {
        return Ok(false);
    }
    let cat = catalog(&opened.snapshot, op_index, &opened.resolver())?;
    Ok(states.iter().all(|s| cat.iter().any(|c| &c.name == s)))
}

fn record_json(id: &str, uid: &Option<String>, r: &OperatorStateRecord) -> J {
    let mut m = Map::new();
    m.insert("operator".into(), J::String(id.to_string()));
    m.insert("uid".into(), uid.clone().map_or(J::Null, J::String));
    m.insert("state".into(), J::String(r.state.clone()));
    m.insert("kind".into(), J::String(r.kind.to_string()));
    m.insert("subtask".into(), json!(r.subtask));
    m.insert("index".into(), json!(r.index));
    if let Some(k) = &r.key {
        m.insert("user_key".into(), value_json(k));
    }
    let v = match &r.value {
        RecordValue::Value(v) => value_json(v),
        RecordValue::Split(s) => serde_json::to_value(s).unwrap_or(J::Null),
    };
    m.insert("value".into(), v);
    J::Object(m)
}

/// Lists the operator state of `op_index`; `states` empty = all.
pub fn run(
    opened: &Opened,
    op_index: usize,
    uid: Option<String>,
    states: &[String],
    key: Option<&str>,
    limit: Option<u64>,
    json: bool,
) -> Result<i32> {
    if key.is_some() {
        bail!("--key applies to keyed state; this operator state has no keys");
    }
    let resolver = opened.resolver();
    let cat = catalog(&opened.snapshot, op_index, &resolver)?;
    let id = opened.snapshot.operators[op_index].id_hex();
    for s in states {
        if !cat.iter().any(|c| &c.name == s) {
            let names: Vec<&str> = cat.iter().map(|c| c.name.as_str()).collect();
            bail!(
                "no state '{s}' in operator {id}; states: {}",
                names.join(", ")
            );
        }
    }
    let limit = limit.unwrap_or(u64::MAX);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut rows = Vec::new();
    let mut shown = 0u64;
    let mut write_err = None;
    let want = |s: &str| states.is_empty() || states.iter().any(|w| w == s);
    records(&opened.snapshot, op_index, &resolver, &want, &mut |r| {
        if shown >= limit || write_err.is_some() {
            return;
        }
        shown += 1;
        let j = record_json(&id, &uid, &r);
        if json {
            if let Err(e) = writeln!(out, "{j}") {
                write_err = Some(e);
            }
        } else {
            rows.push(vec![
                cell(j.get("state")),
                cell(j.get("kind")),
                cell(j.get("subtask")),
                cell(j.get("user_key").or(j.get("index"))),
                cell(j.get("value")),
            ]);
        }
    })?;
    if let Some(e) = write_err {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
        return Ok(0);
    }
    if !json {
        let mut t = table(&["state", "kind", "subtask", "user key / index", "value"]);
        for r in rows {
            t.add_row(r);
        }
        let _ = writeln!(out, "{t}");
    }
    let _ = out.flush();
    Ok(0)
}
