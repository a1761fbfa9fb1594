//! The keyed-backend header (`KeyedBackendSerializationProxy`) at offset 0 of every canonical
//! savepoint file, heap checkpoint file, and RocksDB native meta file: version, compression
//! flag, key serializer snapshot, and one [`StateMetaInfo`] per registered state.
//! Layout: `formats/serializers.md` ("Keyed-backend header").

use std::io::Read;

use serde::Serialize;

use crate::io::{DataInput, DecodeResult};
use crate::types::{
    LegacySerializer, Parsed, TypeInfo, read_serializer_snapshot, read_serializers_and_configs,
};

/// `BackendStateType`, written as its Java enum ordinal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BackendType {
    KeyValue,
    Operator,
    Broadcast,
    /// Timers and other priority-queue state.
    PriorityQueue,
    /// Async (State V2) keyed state, Flink 2.0+.
    KeyValueV2,
}

impl BackendType {
    fn from_ordinal(o: i32) -> Option<BackendType> {
        Some(match o {
            0 => BackendType::KeyValue,
            1 => BackendType::Operator,
            2 => BackendType::Broadcast,
            3 => BackendType::PriorityQueue,
            4 => BackendType::KeyValueV2,
            _ => return None,
        })
    }
}

/// What kind of state this is, from the backend type and the `KEYED_STATE_TYPE` /
/// `OPERATOR_STATE_DISTRIBUTION_MODE` options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StateKind {
    Value,
    List,
    Map,
    Reducing,
    Aggregating,
    Folding,
    /// Timers (and other priority-queue state).
    PriorityQueue,
    /// Operator list state (`SPLIT_DISTRIBUTE`) or union list state (`UNION`).
    OperatorList {
        union: bool,
    },
    Broadcast,
    /// A keyed state whose type option is missing, `UNKNOWN`, or a name this reader does not
    /// know (kept verbatim).
    Other(String),
}

impl StateKind {
    fn derive(backend: BackendType, options: &[(String, String)]) -> StateKind {
        let opt = |k: &str| {
            options
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        match backend {
            BackendType::PriorityQueue => StateKind::PriorityQueue,
            BackendType::Broadcast => StateKind::Broadcast,
            BackendType::Operator => StateKind::OperatorList {
                union: opt("OPERATOR_STATE_DISTRIBUTION_MODE") == Some("UNION"),
            },
            BackendType::KeyValue | BackendType::KeyValueV2 => match opt("KEYED_STATE_TYPE") {
                Some("VALUE") => StateKind::Value,
                Some("LIST") => StateKind::List,
                Some("MAP") => StateKind::Map,
                Some("REDUCING") => StateKind::Reducing,
                Some("AGGREGATING") => StateKind::Aggregating,
                Some("FOLDING") => StateKind::Folding,
                other => StateKind::Other(other.unwrap_or("").to_string()),
            },
        }
    }
}

/// One serializer snapshot as written (top-level form), with the type tree read from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SerializerEntry {
    /// Snapshot class name (e.g. `...LongSerializer$LongSerializerSnapshot`).
    pub class_name: String,
    pub ty: TypeInfo,
    /// The exact bytes of the top-level snapshot, from its `int32 2` on (empty for Flink 1.6
    /// headers, which hold Java-serialized serializers instead).
    #[serde(skip)]
    pub raw: Vec<u8>,
}

/// One registered state (`StateMetaInfoSnapshot`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateMetaInfo {
    pub name: String,
    /// The backend state type as written.
    pub backend: BackendType,
    /// The state's kind, derived from `backend` and the options.
    pub kind: StateKind,
    /// Options in file order (`KEYED_STATE_TYPE`, `OPERATOR_STATE_DISTRIBUTION_MODE`).
    pub options: Vec<(String, String)>,
    /// Serializer snapshots by role (`KEY_SERIALIZER`, `NAMESPACE_SERIALIZER`,
    /// `VALUE_SERIALIZER`, `USER_KEY_SERIALIZER`) in file order.
    pub serializers: Vec<(String, SerializerEntry)>,
}

impl StateMetaInfo {
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `VALUE`, `LIST`, `MAP`, `REDUCING`, `AGGREGATING`, ... for keyed state.
    pub fn state_type(&self) -> Option<&str> {
        self.option("KEYED_STATE_TYPE")
    }

    pub fn serializer(&self, role: &str) -> Option<&SerializerEntry> {
        self.serializers
            .iter()
            .find(|(k, _)| k == role)
            .map(|(_, v)| v)
    }

    pub fn namespace_type(&self) -> Option<&TypeInfo> {
        self.serializer("NAMESPACE_SERIALIZER").map(|s| &s.ty)
    }

    pub fn value_type(&self) -> Option<&TypeInfo> {
        self.serializer("VALUE_SERIALIZER").map(|s| &s.ty)
    }

    pub fn user_key_type(&self) -> Option<&TypeInfo> {
        self.serializer("USER_KEY_SERIALIZER").map(|s| &s.ty)
    }

    /// True when the value serializer is TTL-wrapped (directly, or the element of a list /
    /// value of a map).
    pub fn has_ttl(&self) -> bool {
        self.entry_types().ttl
    }
}

/// The types of one stored entry of a state, as RocksDB and canonical savepoints store it (one
/// entry per map user key, list elements delimited, TTL unwrapped and flagged).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryTypes {
    pub namespace: Option<TypeInfo>,
    /// MAP state: the user-key type.
    pub user_key: Option<TypeInfo>,
    /// VALUE/REDUCING/AGGREGATING: the value; LIST: one element; MAP: one user value;
    /// PRIORITY_QUEUE: the element (`Timer<K, N>` for timers).
    pub value: Option<TypeInfo>,
    /// The value (or each element / user value) is wrapped in `Ttl<..>` on disk.
    pub ttl: bool,
}

fn unwrap_ttl(t: &TypeInfo) -> (TypeInfo, bool) {
    match t {
        TypeInfo::Ttl { inner } => ((**inner).clone(), true),
        other => (other.clone(), false),
    }
}

impl StateMetaInfo {
    /// Entry-level types (see [`EntryTypes`]); `None` parts where the meta info lacks them.
    pub fn entry_types(&self) -> EntryTypes {
        let namespace = self.namespace_type().cloned();
        let value = self.value_type();
        let v2 = self.backend == BackendType::KeyValueV2;
        let (user_key, value, ttl) = match (&self.kind, value) {
            // V1 meta infos hold the whole List/Map serializer; V2 ones the element / user value.
            (StateKind::List, Some(TypeInfo::List { elem })) if !v2 => {
                let (v, ttl) = unwrap_ttl(elem);
                (None, Some(v), ttl)
            }
            (StateKind::Map, Some(TypeInfo::Map { key, value })) if !v2 => {
                let (v, ttl) = unwrap_ttl(value);
                (Some((**key).clone()), Some(v), ttl)
            }
            (StateKind::Map, Some(v)) => {
                let (v, ttl) = unwrap_ttl(v);
                (self.user_key_type().cloned(), Some(v), ttl)
            }
            (_, Some(v)) => {
                let (v, ttl) = unwrap_ttl(v);
                (None, Some(v), ttl)
            }
            (_, None) => (None, None, false),
        };
        EntryTypes {
            namespace,
            user_key,
            value,
            ttl,
        }
    }
}

/// The keyed-backend header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyedHeader {
    pub version: i32,
    /// Key groups after the header are Snappy-framed (the header itself never is).
    pub compressed: bool,
    pub key_serializer: SerializerEntry,
    /// States in file order; a state's index is its `kvStateId` in canonical/heap files.
    pub states: Vec<StateMetaInfo>,
    /// Offset one past the header's last byte.
    pub end: u64,
}

const ROLES: [&str; 4] = [
    "KEY_SERIALIZER",
    "NAMESPACE_SERIALIZER",
    "VALUE_SERIALIZER",
    "USER_KEY_SERIALIZER",
];

/// Reads the header and stops exactly at its end.
pub fn read_keyed_header<R: Read>(d: &mut DataInput<R>) -> DecodeResult<KeyedHeader> {
    read_keyed_header_until(d, None)
}

/// As [`read_keyed_header`]; `header_end`, when known (the smallest non-zero key-group offset,
/// or the end of a RocksDB meta file), lets an unknown serializer snapshot at the very end of
/// the header be kept as opaque bytes instead of failing.
pub fn read_keyed_header_until<R: Read>(
    d: &mut DataInput<R>,
    header_end: Option<u64>,
) -> DecodeResult<KeyedHeader> {
    let v_at = d.pos();
    let version = d.i32("keyed backend header version")?;
    if version == 5 {
        return read_v5(d, version);
    }
    if version != 6 {
        return Err(d.err_at(
            v_at,
            format!(
                "keyed backend header version 5 (Flink 1.6) or 6 (Flink 1.7+), found {version}"
            ),
        ));
    }
    let compressed = d.bool("key-group compression flag")?;
    let key_serializer = read_entry(d, &Follow::KeyState)?;
    let n_at = d.pos();
    let n = d.i16("number of states")?;
    if n < 0 {
        return Err(d.err_at(n_at, format!("a non-negative state count, found {n}")));
    }
    let mut states = Vec::with_capacity(n as usize);
    for i in 0..n {
        let last = i + 1 == n;
        let s = read_state_meta_info(d, if last { header_end } else { None })
            .map_err(|e| e.with_context(format!("state meta info #{i}")))?;
        states.push(s);
    }
    Ok(KeyedHeader {
        version,
        compressed,
        key_serializer,
        states,
        end: d.pos(),
    })
}

/// A Flink 1.6 serializer as an entry: named by the serializer class (the config snapshot
/// class, e.g. `ParameterlessTypeSerializerConfig`, says less). It has no top-level snapshot,
/// so `raw` stays empty.
fn legacy_entry(l: LegacySerializer) -> SerializerEntry {
    SerializerEntry {
        class_name: l.serializer_class.unwrap_or(l.config_class),
        ty: l.ty,
        raw: Vec::new(),
    }
}

/// Version 5 (Flink 1.6): the key serializer and each state's serializers are written as
/// Java-serialized serializers beside their config snapshots, in one offset-indexed buffer
/// per group; a state meta info lists its serializer roles before that buffer.
fn read_v5<R: Read>(d: &mut DataInput<R>, version: i32) -> DecodeResult<KeyedHeader> {
    let compressed = d.bool("key-group compression flag")?;
    let k_at = d.pos();
    let key = read_serializers_and_configs(d)
        .map_err(|e| e.with_context("key serializer (Flink 1.6 layout)"))?;
    let Some(key) = key.into_iter().next() else {
        return Err(d.err_at(k_at, "one key serializer, found none"));
    };
    let n_at = d.pos();
    let n = d.i16("number of states")?;
    if n < 0 {
        return Err(d.err_at(n_at, format!("a non-negative state count, found {n}")));
    }
    let mut states = Vec::with_capacity(n as usize);
    for i in 0..n {
        let s =
            read_v5_meta_info(d).map_err(|e| e.with_context(format!("state meta info #{i}")))?;
        states.push(s);
    }
    Ok(KeyedHeader {
        version,
        compressed,
        key_serializer: legacy_entry(key),
        states,
        end: d.pos(),
    })
}

fn read_v5_meta_info<R: Read>(d: &mut DataInput<R>) -> DecodeResult<StateMetaInfo> {
    let (name, backend, options) = read_meta_info_head(d)?;
    let ns_at = d.pos();
    let n_ser = d.i32("serializer role count")?;
    if !(0..=16).contains(&n_ser) {
        return Err(d.err_at(
            ns_at,
            format!("a serializer role count 0..16, found {n_ser}"),
        ));
    }
    let mut roles = Vec::with_capacity(n_ser as usize);
    for _ in 0..n_ser {
        roles.push(d.utf("serializer role")?);
    }
    let b_at = d.pos();
    let sers = read_serializers_and_configs(d)
        .map_err(|e| e.with_context(format!("state '{name}' serializers (Flink 1.6 layout)")))?;
    if sers.len() != roles.len() {
        return Err(d.err_at(
            b_at,
            format!(
                "{} serializers for the {} roles, found {}",
                roles.len(),
                roles.len(),
                sers.len()
            ),
        ));
    }
    let serializers = roles
        .into_iter()
        .zip(sers.into_iter().map(legacy_entry))
        .collect();
    Ok(StateMetaInfo {
        name,
        backend,
        kind: StateKind::derive(backend, &options),
        options,
        serializers,
    })
}

/// Name, backend type and options: the start of a state meta info (versions 5 to 7).
type MetaInfoHead = (String, BackendType, Vec<(String, String)>);

fn read_meta_info_head<R: Read>(d: &mut DataInput<R>) -> DecodeResult<MetaInfoHead> {
    let name = d.utf("state name")?;
    let k_at = d.pos();
    let ord = d.i32("backend state type")?;
    let backend = BackendType::from_ordinal(ord).ok_or_else(|| {
        d.err_at(
            k_at,
            format!("a backend state type ordinal 0..4, found {ord}"),
        )
    })?;
    let no_at = d.pos();
    let n_opts = d.i32("option count")?;
    if !(0..=64).contains(&n_opts) {
        return Err(d.err_at(no_at, format!("an option count 0..64, found {n_opts}")));
    }
    let mut options = Vec::with_capacity(n_opts as usize);
    for _ in 0..n_opts {
        let k = d.utf("option key")?;
        let v = d.utf("option value")?;
        options.push((k, v));
    }
    Ok((name, backend, options))
}

/// What follows a top-level snapshot, used to find the end of one of unknown layout.
enum Follow {
    /// Another `(UTF role, snapshot)` entry of the same state.
    Role,
    /// The end of the header at a known offset.
    End(u64),
    /// The state count and meta infos (key serializer): not searchable.
    KeyState,
    /// The next state meta info: not searchable.
    NextState,
}

/// Reads one `StateMetaInfoSnapshot` (meta-info versions 6 and 7). `end`, when known, is where
/// the enclosing header ends (only meaningful for the last state).
pub fn read_state_meta_info<R: Read>(
    d: &mut DataInput<R>,
    end: Option<u64>,
) -> DecodeResult<StateMetaInfo> {
    let (name, backend, options) = read_meta_info_head(d)?;
    let ns_at = d.pos();
    let n_ser = d.i32("serializer snapshot count")?;
    if !(0..=16).contains(&n_ser) {
        return Err(d.err_at(
            ns_at,
            format!("a serializer snapshot count 0..16, found {n_ser}"),
        ));
    }
    let mut serializers = Vec::with_capacity(n_ser as usize);
    let mut pending_role: Option<String> = None;
    for i in 0..n_ser {
        let role = match pending_role.take() {
            Some(r) => r,
            None => d.utf("serializer role")?,
        };
        let follow = if i + 1 < n_ser {
            Follow::Role
        } else {
            match end {
                Some(e) => Follow::End(e),
                None => Follow::NextState,
            }
        };
        let (entry, next) = read_entry_resync(d, &follow)
            .map_err(|e| e.with_context(format!("state '{name}', {role}")))?;
        pending_role = next;
        serializers.push((role, entry));
    }
    Ok(StateMetaInfo {
        name,
        backend,
        kind: StateKind::derive(backend, &options),
        options,
        serializers,
    })
}

fn read_entry<R: Read>(d: &mut DataInput<R>, follow: &Follow) -> DecodeResult<SerializerEntry> {
    Ok(read_entry_resync(d, follow)?.0)
}

/// Reads one top-level snapshot. When its layout is unknown, finds its end from what must
/// follow; returns the role name consumed while doing so, if any.
fn read_entry_resync<R: Read>(
    d: &mut DataInput<R>,
    follow: &Follow,
) -> DecodeResult<(SerializerEntry, Option<String>)> {
    let at = d.pos();
    d.start_capture();
    let parsed = read_serializer_snapshot(d);
    let mut raw = d.take_capture();
    let parsed = parsed?;
    match parsed {
        Parsed::Known(ty) => {
            let class_name = class_of(&raw);
            Ok((
                SerializerEntry {
                    class_name,
                    ty,
                    raw,
                },
                None,
            ))
        }
        Parsed::Unknown {
            class_name,
            payload_at,
            ..
        } => {
            let mut next_role = None;
            match follow {
                Follow::Role => {
                    let (bytes, role) = scan_to_role(d)?;
                    raw.extend(bytes);
                    next_role = Some(role);
                }
                Follow::End(end) if *end >= d.pos() => {
                    let len = end - d.pos();
                    raw.extend(d.bytes(len, "unknown serializer snapshot payload")?);
                }
                _ => {
                    return Err(d.err_at(
                        payload_at,
                        format!(
                            "a serializer snapshot of known layout: cannot find the end of \
                             snapshot class {class_name} (its payload has no length)"
                        ),
                    ));
                }
            }
            let snapshot = raw
                .get((payload_at - at) as usize..)
                .unwrap_or_default()
                .to_vec();
            Ok((
                SerializerEntry {
                    class_name: class_name.clone(),
                    ty: TypeInfo::Opaque {
                        class_name,
                        snapshot,
                    },
                    raw,
                },
                next_role,
            ))
        }
    }
}

/// Class name from raw top-level snapshot bytes (`int32 2`, `UTF class`, ...).
fn class_of(raw: &[u8]) -> String {
    let len = match raw.get(4..6) {
        Some(b) => u16::from_be_bytes([b[0], b[1]]) as usize,
        None => return String::new(),
    };
    raw.get(6..6 + len)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default()
}

/// Consumes bytes until they end with `UTF role` + `int32 2` (the next serializer entry);
/// returns the bytes before it and the role.
fn scan_to_role<R: Read>(d: &mut DataInput<R>) -> DecodeResult<(Vec<u8>, String)> {
    let tokens: Vec<(Vec<u8>, &str)> = ROLES
        .iter()
        .map(|r| {
            let mut t = (r.len() as u16).to_be_bytes().to_vec();
            t.extend_from_slice(r.as_bytes());
            (t, *r)
        })
        .collect();
    let at = d.pos();
    let mut buf = Vec::new();
    while buf.len() < crate::types::MAX_SCAN {
        buf.push(d.u8("unknown serializer snapshot payload")?);
        for (t, role) in &tokens {
            if buf.ends_with(t) {
                buf.truncate(buf.len() - t.len());
                return Ok((buf, role.to_string()));
            }
        }
    }
    Err(d.err_at(at, "the next serializer role within 1 MiB"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn utf(s: &str) -> Vec<u8> {
        let mut v = (s.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    }

    fn top(class: &str, payload: &[u8]) -> Vec<u8> {
        let mut v = 2i32.to_be_bytes().to_vec();
        v.extend(utf(class));
        v.extend(3i32.to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    const STR: &str =
        "org.apache.flink.api.common.typeutils.base.StringSerializer$StringSerializerSnapshot";
    const LONG: &str =
        "org.apache.flink.api.common.typeutils.base.LongSerializer$LongSerializerSnapshot";
    const VOID: &str =
        "org.apache.flink.runtime.state.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot";

    /// The worked example of the reference notes (§4.4), header part, plus one byte after.
    fn example(value_class: &str, value_payload: &[u8]) -> Vec<u8> {
        let mut b = 6i32.to_be_bytes().to_vec();
        b.push(0);
        b.extend(top(STR, &[]));
        b.extend(1i16.to_be_bytes());
        b.extend(utf("count"));
        b.extend(0i32.to_be_bytes());
        b.extend(1i32.to_be_bytes());
        b.extend(utf("KEYED_STATE_TYPE"));
        b.extend(utf("VALUE"));
        b.extend(2i32.to_be_bytes());
        b.extend(utf("VALUE_SERIALIZER"));
        b.extend(top(value_class, value_payload));
        b.extend(utf("NAMESPACE_SERIALIZER"));
        b.extend(top(VOID, &[]));
        b
    }

    #[test]
    fn reads_example_and_stops_at_end() {
        let mut b = example(LONG, &[]);
        let header_len = b.len() as u64;
        b.extend([0x00, 0x00]); // first kvStateId of a key group
        let f: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&f, &b, 0);
        let h = read_keyed_header(&mut d).unwrap();
        assert_eq!(h.end, header_len);
        assert_eq!(d.pos(), header_len);
        assert!(!h.compressed);
        assert_eq!(h.key_serializer.ty.to_string(), "String");
        assert_eq!(h.key_serializer.class_name, STR);
        assert_eq!(h.states.len(), 1);
        let s = &h.states[0];
        assert_eq!(s.name, "count");
        assert_eq!(s.backend, BackendType::KeyValue);
        assert_eq!(s.kind, StateKind::Value);
        assert_eq!(s.state_type(), Some("VALUE"));
        assert_eq!(s.value_type().unwrap().to_string(), "Long");
        assert_eq!(s.namespace_type(), Some(&TypeInfo::VoidNamespace));
        assert_eq!(
            s.serializer("VALUE_SERIALIZER").unwrap().raw,
            top(LONG, &[])
        );
    }

    #[test]
    fn unknown_value_snapshot_before_another_role_is_opaque() {
        let b = example("com.acme.Custom$CustomSnapshot", &utf("configPayload"));
        let f: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&f, &b, 0);
        let h = read_keyed_header(&mut d).unwrap();
        let s = &h.states[0];
        match s.value_type().unwrap() {
            TypeInfo::Opaque {
                class_name,
                snapshot,
            } => {
                assert_eq!(class_name, "com.acme.Custom$CustomSnapshot");
                assert_eq!(snapshot, &utf("configPayload"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.namespace_type(), Some(&TypeInfo::VoidNamespace));
        assert_eq!(d.pos(), b.len() as u64);
    }

    #[test]
    fn entry_types_unwrap_map_and_ttl() {
        let long = TypeInfo::Primitive {
            ty: crate::types::Prim::Long,
        };
        let ttl_map = TypeInfo::Map {
            key: Box::new(long.clone()),
            value: Box::new(TypeInfo::Ttl {
                inner: Box::new(long.clone()),
            }),
        };
        let entry = |ty: TypeInfo| SerializerEntry {
            class_name: String::new(),
            ty,
            raw: Vec::new(),
        };
        let s = StateMetaInfo {
            name: "m".into(),
            backend: BackendType::KeyValue,
            kind: StateKind::Map,
            options: vec![("KEYED_STATE_TYPE".into(), "MAP".into())],
            serializers: vec![
                ("VALUE_SERIALIZER".into(), entry(ttl_map)),
                (
                    "NAMESPACE_SERIALIZER".into(),
                    entry(TypeInfo::VoidNamespace),
                ),
            ],
        };
        let et = s.entry_types();
        assert_eq!(et.user_key, Some(long.clone()));
        assert_eq!(et.value, Some(long));
        assert!(et.ttl && s.has_ttl());
        assert_eq!(et.namespace, Some(TypeInfo::VoidNamespace));
    }

    #[test]
    fn truncated_header_reports_offset() {
        let b = example(LONG, &[]);
        let f: Arc<str> = Arc::from("t");
        let cut = &b[..b.len() - 3];
        let mut d = DataInput::from_slice(&f, cut, 0);
        let e = read_keyed_header(&mut d).unwrap_err();
        assert!(e.offset > 0 && e.offset <= cut.len() as u64, "{e}");
        assert!(e.context.unwrap_or_default().contains("state meta info #0"));
    }
}
