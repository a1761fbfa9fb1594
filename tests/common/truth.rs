//! Ground truth of the generated snapshots (`<snap>.written.jsonl`, `<snap>.readback.jsonl`)
//! and a renderer of our decoded entries into the same text form, so both compare as
//! multisets of canonical lines.
//!
//! The generator (`testdata/gen/src/gen/Json.java`, `Truth.java`) writes one JSON object per
//! state cell: `uid`, `state`, `kind` (`value`, `list`, `map`, `reducing`, `aggregating`,
//! `event_timer`, `processing_timer`), `key`, `namespace`, `user_key` (map), then `value`, or
//! `timestamp` for timers. Values: tuples `{"f0":..}`, POJOs `{"class":SimpleName, fields..}`,
//! rows `{"row_kind":"+I","fields":[..]}`, enums `{"enum":NAME}`, `byte[]` `{"bytes":hex}`,
//! maps `{"map":[[k,v],..]}` (entries sorted as text), `VoidNamespace` as that string,
//! windows `{"window_start":..,"window_end":..}`. TTL-wrapped values show the user value only.
//!
//! Canonical form: keys sorted (serde_json's map), floats written as the shortest text of
//! their `f32` when they are one (Java prints a `float` that way), else of the `f64`.
#![allow(dead_code)]

use std::path::Path;

use serde_json::{Map, Value as J, json};

use flink_inspect::io::DataInput;
use flink_inspect::keyed::header::{KeyedHeader, StateKind, StateMetaInfo};
use flink_inspect::keyed::{Entry, ValueLayout};
use flink_inspect::types::{self, TypeInfo, Value};

/// Marker put in place of a value we cannot decode (Kryo, opaque serializers).
pub const OPAQUE: &str = "$opaque";

/// Canonical text of a JSON value.
pub fn canonical(v: &J) -> String {
    canon(v).to_string()
}

fn canon(v: &J) -> J {
    match v {
        J::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            let s = if (f as f32) as f64 == f {
                format!("{}", f as f32)
            } else {
                format!("{f}")
            };
            J::String(format!("float:{s}"))
        }
        J::Array(a) => J::Array(a.iter().map(canon).collect()),
        J::Object(o) => J::Object(o.iter().map(|(k, v)| (k.clone(), canon(v))).collect()),
        other => other.clone(),
    }
}

/// The lines of a truth file, canonical, sorted. `opaque` lists `(uid, state)` whose values we
/// cannot decode: their `value` becomes [`OPAQUE`].
pub fn load(path: &Path, opaque: &[(String, String)]) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut v: J = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}: bad line {l}: {e}", path.display()));
            let id = (
                v["uid"].as_str().unwrap_or("").to_string(),
                v["state"].as_str().unwrap_or("").to_string(),
            );
            if opaque.contains(&id)
                && let Some(o) = v.as_object_mut()
            {
                o.insert("value".into(), J::String(OPAQUE.into()));
            }
            canonical(&v)
        })
        .collect();
    out.sort();
    out
}

fn short_class(c: &str) -> &str {
    c.rsplit(['.', '$']).next().unwrap_or(c)
}

/// A decoded value as the generator writes it, guided by its type.
pub fn to_json(t: &TypeInfo, v: &Value) -> J {
    match (t, v) {
        (_, Value::Opaque { .. }) => J::String(OPAQUE.into()),
        (_, Value::Null) => J::Null,
        (TypeInfo::Ttl { inner }, Value::Struct(f)) => f
            .iter()
            .find(|(n, _)| n == "value")
            .map_or(J::Null, |(_, v)| to_json(inner, v)),
        (TypeInfo::Nullable { inner, .. }, v) => to_json(inner, v),
        (TypeInfo::Pojo { class, fields, .. }, Value::Struct(vals)) => {
            let mut m = Map::new();
            m.insert("class".into(), J::String(short_class(class).into()));
            for (name, val) in vals {
                let ft = fields.iter().find(|f| &f.name == name).map(|f| &f.ty);
                m.insert(
                    name.clone(),
                    ft.map_or_else(|| plain(val), |ft| to_json(ft, val)),
                );
            }
            J::Object(m)
        }
        (TypeInfo::Tuple { fields, .. }, Value::Struct(vals)) => J::Object(
            vals.iter()
                .enumerate()
                .map(|(i, (n, val))| {
                    let j = fields
                        .get(i)
                        .map_or_else(|| plain(val), |ft| to_json(ft, val));
                    (n.clone(), j)
                })
                .collect(),
        ),
        (TypeInfo::Row { fields, .. }, Value::Row { kind, fields: vals }) => json!({
            "row_kind": kind,
            "fields": vals.iter().enumerate().map(|(i, (_, val))| {
                fields.get(i).map_or_else(|| plain(val), |ft| to_json(ft, val))
            }).collect::<Vec<_>>(),
        }),
        (TypeInfo::TimeWindow | TypeInfo::SqlTimeWindow, Value::Struct(f)) => {
            let get = |n: &str| {
                f.iter()
                    .find(|(k, _)| k == n)
                    .map_or(J::Null, |(_, v)| plain(v))
            };
            json!({"window_start": get("start"), "window_end": get("end")})
        }
        (TypeInfo::List { elem } | TypeInfo::Set { elem }, Value::List(xs))
        | (TypeInfo::GenericArray { elem, .. }, Value::List(xs)) => {
            J::Array(xs.iter().map(|x| to_json(elem, x)).collect())
        }
        (TypeInfo::Map { key, value }, Value::Map(es)) => {
            let mut items: Vec<(String, J)> = es
                .iter()
                .map(|(k, v)| {
                    let j = json!([to_json(key, k), to_json(value, v)]);
                    (j.to_string(), j)
                })
                .collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            json!({"map": items.into_iter().map(|(_, j)| j).collect::<Vec<_>>()})
        }
        (_, v) => plain(v),
    }
}

/// A value without type guidance.
fn plain(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::String(s) => J::String(s.clone()),
        Value::Bytes(b) => json!({"bytes": flink_inspect::hash::hex(b)}),
        Value::Enum(e) => json!({"enum": e}),
        Value::List(xs) => J::Array(xs.iter().map(plain).collect()),
        Value::Map(es) => {
            json!({"map": es.iter().map(|(k, v)| json!([plain(k), plain(v)])).collect::<Vec<_>>()})
        }
        Value::Struct(f) => J::Object(f.iter().map(|(k, v)| (k.clone(), plain(v))).collect()),
        Value::Row { kind, fields } => {
            json!({"row_kind": kind, "fields": fields.iter().map(|(_, v)| plain(v)).collect::<Vec<_>>()})
        }
        Value::Timestamp { millis, .. } => json!(millis),
        Value::Date(d) => json!(d),
        Value::Decimal(d) => J::String(d.clone()),
        Value::Opaque { .. } => J::String(OPAQUE.into()),
    }
}

fn decode(t: &TypeInfo, bytes: &[u8], what: &str) -> Result<Value, String> {
    let name = std::sync::Arc::from(what);
    match types::decode_bytes(t, &name, bytes, 0) {
        Ok(v) => Ok(v),
        // A Kryo-serialized part inside a known layout (e.g. a POJO field of interface type):
        // the types module keeps such values opaque.
        Err(e) if e.expected.contains("cannot delimit opaque value") => Ok(Value::Opaque {
            class: e.expected.clone(),
            bytes: bytes.to_vec(),
        }),
        Err(e) => Err(e.to_string()),
    }
}

fn namespace_json(t: Option<&TypeInfo>, bytes: &[u8]) -> Result<J, String> {
    match t {
        None | Some(TypeInfo::VoidNamespace) => Ok(J::String("VoidNamespace".into())),
        Some(t) => Ok(to_json(t, &decode(t, bytes, "namespace")?)),
    }
}

/// Elements of a `,`-delimited list (Flink's `ListDelimitedSerializer`).
pub fn delimited_list(elem: &TypeInfo, bytes: &[u8]) -> Result<Vec<Value>, String> {
    let name = std::sync::Arc::from("list");
    let mut d = DataInput::from_slice(&name, bytes, 0);
    let mut out = Vec::new();
    while !d.rest().is_empty() {
        out.push(types::decode(elem, &mut d).map_err(|e| e.to_string())?);
        if !d.rest().is_empty() {
            let b = d.u8("delimiter").map_err(|e| e.to_string())?;
            if b != b',' {
                return Err(format!("list delimiter ',' expected, found {b:#x}"));
            }
        }
    }
    Ok(out)
}

/// Elements of a count-prefixed list (heap checkpoints).
pub fn counted_list(elem: &TypeInfo, bytes: &[u8]) -> Result<Vec<Value>, String> {
    let list = TypeInfo::List {
        elem: Box::new(elem.clone()),
    };
    match decode(&list, bytes, "list")? {
        Value::List(xs) => Ok(xs),
        other => Err(format!("a list, found {other:?}")),
    }
}

fn kind_name(k: &StateKind) -> String {
    match k {
        StateKind::Value => "value".into(),
        StateKind::List => "list".into(),
        StateKind::Map => "map".into(),
        StateKind::Reducing => "reducing".into(),
        StateKind::Aggregating => "aggregating".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// One entry in the generator's text form (canonical), or why it cannot be rendered.
pub fn render(
    uid: &str,
    header: &KeyedHeader,
    state: &StateMetaInfo,
    e: &Entry,
) -> Result<String, String> {
    let mut m = Map::new();
    m.insert("uid".into(), J::String(uid.into()));
    if e.value_layout == ValueLayout::Timer {
        let (kind, service) = if let Some(s) = state.name.strip_prefix("_timer_state/event_") {
            ("event_timer", s)
        } else if let Some(s) = state.name.strip_prefix("_timer_state/processing_") {
            ("processing_timer", s)
        } else {
            return Err(format!("timer state with an unknown name {:?}", state.name));
        };
        let Some(TypeInfo::Timer { key, namespace }) = state.value_type() else {
            return Err("timer state without a TimerSerializer".into());
        };
        m.insert("state".into(), J::String(service.into()));
        m.insert("kind".into(), J::String(kind.into()));
        m.insert("key".into(), to_json(key, &decode(key, &e.key, "key")?));
        m.insert(
            "namespace".into(),
            namespace_json(Some(namespace), &e.namespace)?,
        );
        let ts: [u8; 8] = e
            .value
            .as_ref()
            .try_into()
            .map_err(|_| "8-byte timestamp")?;
        m.insert(
            "timestamp".into(),
            json!((u64::from_be_bytes(ts) ^ (1 << 63)) as i64),
        );
        return Ok(canonical(&J::Object(m)));
    }
    m.insert("state".into(), J::String(state.name.clone()));
    m.insert("kind".into(), J::String(kind_name(&state.kind)));
    let kt = &header.key_serializer.ty;
    m.insert("key".into(), to_json(kt, &decode(kt, &e.key, "key")?));
    m.insert(
        "namespace".into(),
        namespace_json(state.namespace_type(), &e.namespace)?,
    );
    let vt = state.value_type().ok_or("no value serializer")?;
    let value = match (e.value_layout, vt) {
        (ValueLayout::Single, t) => to_json(t, &decode(t, &e.value, "value")?),
        (ValueLayout::DelimitedList, TypeInfo::List { elem }) => J::Array(
            delimited_list(elem, &e.value)?
                .iter()
                .map(|x| to_json(elem, x))
                .collect(),
        ),
        (ValueLayout::CountedList, TypeInfo::List { elem }) => J::Array(
            counted_list(elem, &e.value)?
                .iter()
                .map(|x| to_json(elem, x))
                .collect(),
        ),
        (ValueLayout::MapValue, TypeInfo::Map { key, value }) => {
            let uk = e.user_key.as_ref().ok_or("map entry without user key")?;
            m.insert(
                "user_key".into(),
                to_json(key, &decode(key, uk, "user key")?),
            );
            match e.value.split_first() {
                Some((1, _)) => J::Null,
                Some((0, rest)) => to_json(value, &decode(value, rest, "map value")?),
                _ => return Err(format!("map value with null flag, found {:?}", e.value)),
            }
        }
        (layout, t) => return Err(format!("layout {layout:?} with value type {t}")),
    };
    m.insert("value".into(), value);
    Ok(canonical(&J::Object(m)))
}
