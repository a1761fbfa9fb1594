//! The state contract: a JSON file, written by `contract` from a snapshot or by hand, that
//! says per operator which states a job version registers and with which types. Schema and
//! example: `formats/compatibility.md` ("Contract files").

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::hash;
use crate::io::DataInput;
use crate::types::{Parsed, TypeInfo, read_serializer_snapshot};

use super::model::{BackendKind, Kind, OperatorModel, Ser, Side, StateModel, parse_version};
use super::typexpr::{parse, render};

/// The value of `format` in every contract.
pub const FORMAT: &str = "flink-inspect-contract/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub format: String,
    /// Where it came from (a snapshot location), or a free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Flink version of the job (`major.minor`); decides version-dependent rules (TTL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_version: Option<String>,
    /// `rocksdb` or `hashmap`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    pub operators: Vec<OperatorContract>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorContract {
    /// 32 hex digits; derived from `uid` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_parallelism: Option<u32>,
    /// Bytes of state in the snapshot (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_bytes: Option<u64>,
    /// Key type of the keyed backend (all keyed states share it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_serializer: Option<SerializerContract>,
    #[serde(default)]
    pub states: Vec<StateContract>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateContract {
    pub name: String,
    /// VALUE, LIST, MAP, REDUCING, AGGREGATING, FOLDING, TIMERS, OPERATOR_LIST, UNION_LIST,
    /// BROADCAST.
    pub kind: String,
    /// Keyed states: the operator's key type (informational, must agree with the operator's);
    /// broadcast states: the map key type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The value type without the TTL wrapper (`ttl` says whether there is one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default)]
    pub ttl: bool,
    /// Per role: serializer snapshot class and bytes (optional; keeps what the type strings
    /// cannot say).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub serializers: BTreeMap<String, SerializerContract>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerializerContract {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Base64 of the top-level snapshot bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
}

const VALUE: &str = "VALUE_SERIALIZER";
const NAMESPACE: &str = "NAMESPACE_SERIALIZER";
const KEY: &str = "KEY_SERIALIZER";

/// Removes the TTL wrapper where Flink puts it for this kind.
fn strip_ttl(t: &TypeInfo) -> (TypeInfo, bool) {
    match t {
        TypeInfo::Ttl { inner } => ((**inner).clone(), true),
        TypeInfo::List { elem } => match &**elem {
            TypeInfo::Ttl { inner } => (
                TypeInfo::List {
                    elem: inner.clone(),
                },
                true,
            ),
            _ => (t.clone(), false),
        },
        TypeInfo::Map { key, value } => match &**value {
            TypeInfo::Ttl { inner } => (
                TypeInfo::Map {
                    key: key.clone(),
                    value: inner.clone(),
                },
                true,
            ),
            _ => (t.clone(), false),
        },
        _ => (t.clone(), false),
    }
}

/// Puts the TTL wrapper back as Flink's `TtlStateFactory` does for this kind.
fn add_ttl(kind: &Kind, t: TypeInfo) -> TypeInfo {
    let wrap = |t: Box<TypeInfo>| Box::new(TypeInfo::Ttl { inner: t });
    match (kind, t) {
        (Kind::List, TypeInfo::List { elem }) => TypeInfo::List { elem: wrap(elem) },
        (Kind::Map, TypeInfo::Map { key, value }) => TypeInfo::Map {
            key,
            value: wrap(value),
        },
        (_, t) => TypeInfo::Ttl { inner: Box::new(t) },
    }
}

fn ser_contract(s: &Ser) -> SerializerContract {
    SerializerContract {
        class: s.class.clone(),
        snapshot: s.raw.as_ref().map(|r| B64.encode(r)),
    }
}

/// The contract of one side.
pub fn to_contract(side: &Side, source: Option<String>) -> Contract {
    let operators = side
        .operators
        .iter()
        .map(|op| {
            let key = op.key.as_ref().map(|k| render(&k.ty));
            let states = op
                .states
                .iter()
                .map(|s| {
                    let (value, ttl) = match s.value() {
                        Some(v) => {
                            let (v, ttl) = strip_ttl(v);
                            (Some(render(&v)), ttl)
                        }
                        None => (None, false),
                    };
                    let state_key = if s.kind.is_keyed() {
                        key.clone()
                    } else {
                        s.ser(KEY).map(|k| render(&k.ty))
                    };
                    StateContract {
                        name: s.name.clone(),
                        kind: s.kind.as_str().to_string(),
                        key: state_key,
                        namespace: s.namespace().map(render),
                        value,
                        ttl,
                        serializers: s
                            .serializers
                            .iter()
                            .map(|(r, ser)| (r.clone(), ser_contract(ser)))
                            .collect(),
                    }
                })
                .collect();
            OperatorContract {
                id: Some(op.id_hex()),
                uid: op.uid.clone(),
                name: op.name.clone(),
                parallelism: op.parallelism,
                max_parallelism: op.max_parallelism,
                state_bytes: Some(op.state_bytes),
                key,
                key_serializer: op.key.as_ref().map(ser_contract),
                states,
                notes: op.notes.clone(),
            }
        })
        .collect();
    Contract {
        format: FORMAT.into(),
        source,
        flink_version: side.flink_version.map(|(a, b)| format!("{a}.{b}")),
        backend: side.backend.map(|b| b.as_str().to_string()),
        operators,
    }
}

/// Reads a contract back into a side. Type strings are authoritative; a raw snapshot is used
/// in their place when it describes the same type (it keeps custom serializers' payloads).
pub fn from_contract(c: &Contract) -> Result<Side, String> {
    if c.format != FORMAT {
        return Err(format!(
            "contract format '{}', expected '{FORMAT}'",
            c.format
        ));
    }
    let flink_version = match &c.flink_version {
        Some(v) => Some(parse_version(v).ok_or_else(|| format!("flink_version '{v}'"))?),
        None => None,
    };
    let backend = match &c.backend {
        Some(b) => Some(
            BackendKind::parse(b).ok_or_else(|| format!("backend '{b}': rocksdb or hashmap"))?,
        ),
        None => None,
    };
    let mut operators = Vec::new();
    for (i, o) in c.operators.iter().enumerate() {
        let what = format!(
            "operator #{i} ({})",
            o.uid.as_deref().or(o.id.as_deref()).unwrap_or("no uid")
        );
        operators.push(operator(o).map_err(|e| format!("{what}: {e}"))?);
    }
    Ok(Side {
        operators,
        backend,
        flink_version,
    })
}

fn parse_id(s: &str) -> Result<[u8; 16], String> {
    let s = s.trim();
    if s.len() != 32 || !s.is_ascii() {
        return Err(format!("id '{s}': 32 hex digits"));
    }
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
            .map_err(|_| format!("id '{s}': 32 hex digits"))?;
    }
    Ok(id)
}

fn operator(o: &OperatorContract) -> Result<OperatorModel, String> {
    let id = match (&o.id, &o.uid) {
        (Some(id), uid) => {
            let id = parse_id(id)?;
            if let Some(u) = uid
                && hash::operator_id_from_uid(u) != id
            {
                return Err(format!(
                    "uid '{u}' hashes to {}, not to the given id {}",
                    hash::hex(&hash::operator_id_from_uid(u)),
                    hash::hex(&id)
                ));
            }
            id
        }
        (None, Some(uid)) => hash::operator_id_from_uid(uid),
        (None, None) => return Err("needs an id or a uid".into()),
    };
    let key = match &o.key {
        Some(k) => Some(ser(k, None, o.key_serializer.as_ref()).map_err(|e| format!("key: {e}"))?),
        None => None,
    };
    let mut states = Vec::new();
    for s in &o.states {
        states.push(state(s, key.as_ref()).map_err(|e| format!("state '{}': {e}", s.name))?);
    }
    let keyed = key.is_some() || states.iter().any(|s| s.kind.is_keyed());
    Ok(OperatorModel {
        id,
        uid: o.uid.clone(),
        name: o.name.clone(),
        parallelism: o.parallelism,
        max_parallelism: o.max_parallelism,
        state_bytes: o.state_bytes.unwrap_or(0),
        has_state: !states.is_empty() || o.state_bytes.is_some_and(|b| b > 0),
        keyed,
        key,
        raw_keyed: false,
        states,
        notes: o.notes.clone(),
    })
}

fn state(s: &StateContract, op_key: Option<&Ser>) -> Result<StateModel, String> {
    let kind = Kind::parse(&s.kind);
    let mut serializers = Vec::new();
    if let Some(v) = &s.value {
        let t = parse(v)?;
        let t = if s.ttl { add_ttl(&kind, t) } else { t };
        serializers.push((VALUE.to_string(), ser_typed(t, s.serializers.get(VALUE))?));
    } else if s.ttl {
        return Err("ttl without a value type".into());
    }
    if let Some(n) = &s.namespace {
        serializers.push((
            NAMESPACE.to_string(),
            ser(n, None, s.serializers.get(NAMESPACE))?,
        ));
    }
    if let Some(k) = &s.key {
        if kind.is_keyed() {
            if let Some(op) = op_key
                && parse(k)? != op.ty
            {
                return Err(format!(
                    "key '{k}' differs from the operator's key '{}'; keyed states share the \
                     operator's key type",
                    render(&op.ty)
                ));
            }
        } else {
            serializers.push((KEY.to_string(), ser(k, None, s.serializers.get(KEY))?));
        }
    }
    // Roles only given as raw snapshots (e.g. USER_KEY_SERIALIZER of old files).
    for (role, sc) in &s.serializers {
        if serializers.iter().any(|(r, _)| r == role) || (role == KEY && kind.is_keyed()) {
            continue;
        }
        if let Some(t) = decode(sc)? {
            serializers.push((role.clone(), t));
        }
    }
    Ok(StateModel {
        name: s.name.clone(),
        kind,
        serializers,
    })
}

fn ser(text: &str, _kind: Option<&Kind>, sc: Option<&SerializerContract>) -> Result<Ser, String> {
    ser_typed(parse(text)?, sc)
}

fn ser_typed(t: TypeInfo, sc: Option<&SerializerContract>) -> Result<Ser, String> {
    if let Some(sc) = sc
        && let Some(decoded) = decode(sc)?
        && render(&decoded.ty) == render(&t)
    {
        return Ok(decoded);
    }
    Ok(Ser {
        ty: t,
        class: sc.and_then(|s| s.class.clone()),
        raw: None,
    })
}

/// The type a raw snapshot describes (`None` without bytes).
fn decode(sc: &SerializerContract) -> Result<Option<Ser>, String> {
    let Some(b64) = &sc.snapshot else {
        return Ok(None);
    };
    let raw = B64
        .decode(b64.trim())
        .map_err(|e| format!("snapshot is not base64: {e}"))?;
    let name: Arc<str> = Arc::from("contract snapshot");
    let mut d = DataInput::from_slice(&name, &raw, 0);
    let ty = match read_serializer_snapshot(&mut d).map_err(|e| e.to_string())? {
        Parsed::Known(t) => t,
        Parsed::Unknown {
            class_name,
            payload_at,
            ..
        } => TypeInfo::Opaque {
            class_name,
            snapshot: raw.get(payload_at as usize..).unwrap_or_default().to_vec(),
        },
    };
    Ok(Some(Ser {
        ty,
        class: sc.class.clone(),
        raw: Some(raw),
    }))
}

/// Whether `text` looks like a contract (a JSON object with the contract's `format`).
pub fn looks_like_contract(text: &[u8]) -> bool {
    let head = &text[..text.len().min(4096)];
    let s = String::from_utf8_lossy(head);
    s.trim_start().starts_with('{') && s.contains(FORMAT)
}
