//! `state`: decoded keyed-state entries of one operator, as rows or JSON Lines objects.

use std::sync::Arc;

use serde_json::{Map, Value as J, json};

use crate::keyed::header::{StateKind, StateMetaInfo};
use crate::keyed::typed::{Decoded, decode_entry};
use crate::keyed::{Entry, StateCatalog};
use crate::types::{TypeInfo, Value};

/// Prefix of timer state names (`_timer_state/event_<service>`).
const TIMER_PREFIX: &str = "_timer_state/";

/// The kind label of a state: `value`, `list`, `map`, `reducing`, `aggregating`, `timer`, ...
pub fn kind_label(s: &StateMetaInfo) -> String {
    match &s.kind {
        StateKind::Value => "value".into(),
        StateKind::List => "list".into(),
        StateKind::Map => "map".into(),
        StateKind::Reducing => "reducing".into(),
        StateKind::Aggregating => "aggregating".into(),
        StateKind::Folding => "folding".into(),
        StateKind::PriorityQueue if s.name.starts_with(TIMER_PREFIX) => "timer".into(),
        StateKind::PriorityQueue => "priority_queue".into(),
        StateKind::OperatorList { union: true } => "union_list".into(),
        StateKind::OperatorList { union: false } => "operator_list".into(),
        StateKind::Broadcast => "broadcast".into(),
        StateKind::Other(o) if o.is_empty() => "unknown".into(),
        StateKind::Other(o) => o.to_ascii_lowercase(),
    }
}

/// `(time domain, service)` of a timer state name: `_timer_state/event_user-timers` →
/// `("event", "user-timers")`.
pub fn timer_service(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix(TIMER_PREFIX)?;
    rest.split_once('_')
}

/// Standard base64 (RFC 4648, padded).
pub fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A value as natural JSON: numbers, strings, objects with field names (POJOs, tuples, rows;
/// rows carry their change kind as `$kind`), arrays (lists; maps as `[key, value]` pairs),
/// `{"opaque": CLASS, "base64": ...}` for values this tool cannot decode.
pub fn value_json(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => json!(i),
        Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or_else(|| J::String(f.to_string()), J::Number)
        }
        Value::String(s) | Value::Enum(s) | Value::Decimal(s) => J::String(s.clone()),
        Value::Bytes(b) => json!({ "base64": base64(b) }),
        Value::List(items) => J::Array(items.iter().map(value_json).collect()),
        Value::Map(entries) => J::Array(
            entries
                .iter()
                .map(|(k, v)| J::Array(vec![value_json(k), value_json(v)]))
                .collect(),
        ),
        Value::Struct(fields) => {
            let mut m = Map::new();
            for (k, v) in fields {
                m.insert(k.clone(), value_json(v));
            }
            J::Object(m)
        }
        Value::Row { kind, fields } => {
            let mut m = Map::new();
            m.insert("$kind".into(), J::String(kind.to_string()));
            for (k, v) in fields {
                m.insert(k.clone(), value_json(v));
            }
            J::Object(m)
        }
        Value::Opaque { class, bytes } => json!({ "opaque": class, "base64": base64(bytes) }),
        // timestamps, dates: their ISO text
        other => serde_json::to_value(other).unwrap_or(J::Null),
    }
}

/// Labels that go with every entry of one operator.
#[derive(Debug, Clone)]
pub struct OperatorLabel {
    pub id: String,
    pub uid: Option<String>,
}

/// One output record: an entry, or one element of a list entry.
#[derive(Debug, Clone)]
pub struct Record {
    pub json: Map<String, J>,
}

/// Decodes `e` into records (one per list element, else one). A decode error gives one record
/// with an `error` field and the raw bytes.
pub fn records(
    op: &OperatorLabel,
    catalog_key: &TypeInfo,
    meta: &StateMetaInfo,
    e: &Entry,
) -> Vec<Record> {
    let mut base = Map::new();
    base.insert("operator".into(), J::String(op.id.clone()));
    base.insert("uid".into(), op.uid.clone().map_or(J::Null, J::String));
    base.insert("state".into(), J::String(e.state.to_string()));
    base.insert("kind".into(), J::String(kind_label(meta)));
    base.insert("subtask".into(), json!(e.subtask));
    base.insert("key_group".into(), json!(e.key_group));
    match decode_entry(catalog_key, meta, e) {
        Ok(d) => build(base, meta, d),
        Err(err) => {
            base.insert("error".into(), J::String(err.to_string()));
            base.insert("key_base64".into(), J::String(base64(&e.key)));
            base.insert("value_base64".into(), J::String(base64(&e.value)));
            vec![Record { json: base }]
        }
    }
}

fn build(mut base: Map<String, J>, meta: &StateMetaInfo, d: Decoded) -> Vec<Record> {
    base.insert("key".into(), value_json(&d.key));
    base.insert("namespace".into(), namespace_json(meta, &d.namespace));
    if let Some(ts) = d.timestamp {
        if let Some((domain, service)) = timer_service(&meta.name) {
            base.insert("timer_service".into(), J::String(service.into()));
            base.insert("time_domain".into(), J::String(domain.into()));
        }
        base.insert("timestamp".into(), json!(ts));
        return vec![Record { json: base }];
    }
    if let Some(uk) = &d.user_key {
        base.insert("user_key".into(), value_json(uk));
    }
    let ttl = meta.has_ttl();
    let list = meta.kind == StateKind::List;
    d.values
        .into_iter()
        .map(|v| {
            let mut m = base.clone();
            if list {
                m.insert("index".into(), json!(v.index.unwrap_or(0)));
            }
            m.insert("value".into(), value_json(&v.value));
            if ttl {
                m.insert(
                    "ttl_timestamp".into(),
                    v.ttl_timestamp.map_or(J::Null, |t| json!(t)),
                );
            }
            Record { json: m }
        })
        .collect()
}

/// `VoidNamespace` prints as its name; windows as `{start, end}`.
fn namespace_json(meta: &StateMetaInfo, v: &Value) -> J {
    let void = match meta.namespace_type() {
        Some(TypeInfo::VoidNamespace) => true,
        Some(TypeInfo::Timer { .. }) | None => false,
        _ => false,
    };
    let timer_void = matches!(meta.value_type(), Some(TypeInfo::Timer { namespace, .. }) if **namespace == TypeInfo::VoidNamespace);
    if void || timer_void {
        J::String("VoidNamespace".into())
    } else {
        value_json(v)
    }
}

/// Finds the meta info for an entry's state in the catalog (by name).
pub fn meta_for<'a>(c: &'a StateCatalog, state: &Arc<str>) -> Option<&'a StateMetaInfo> {
    c.state(state)
}

/// Short text of a JSON value for table cells.
pub fn cell(v: Option<&J>) -> String {
    match v {
        None | Some(J::Null) => "-".into(),
        Some(J::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }
}
