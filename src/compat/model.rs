//! One side of a comparison: per operator, what it registered. Built from a snapshot (its
//! `_metadata` and state headers) or from a contract file; the rules only see this.

use crate::hash;
use crate::keyed::header::{SerializerEntry, StateKind, StateMetaInfo};
use crate::metadata::{KeyedHandle, Snapshot};
use crate::report::info::UidLabels;
use crate::types::TypeInfo;

use super::collect::OperatorMetas;

/// State kinds as the contract spells them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Value,
    List,
    Map,
    Reducing,
    Aggregating,
    Folding,
    /// Priority-queue state (timers).
    Timers,
    OperatorList,
    UnionList,
    Broadcast,
    /// A keyed state whose type the header leaves unknown (kept verbatim).
    Other(String),
}

impl Kind {
    pub fn as_str(&self) -> &str {
        match self {
            Kind::Value => "VALUE",
            Kind::List => "LIST",
            Kind::Map => "MAP",
            Kind::Reducing => "REDUCING",
            Kind::Aggregating => "AGGREGATING",
            Kind::Folding => "FOLDING",
            Kind::Timers => "TIMERS",
            Kind::OperatorList => "OPERATOR_LIST",
            Kind::UnionList => "UNION_LIST",
            Kind::Broadcast => "BROADCAST",
            Kind::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Kind {
        match s {
            "VALUE" => Kind::Value,
            "LIST" => Kind::List,
            "MAP" => Kind::Map,
            "REDUCING" => Kind::Reducing,
            "AGGREGATING" => Kind::Aggregating,
            "FOLDING" => Kind::Folding,
            "TIMERS" => Kind::Timers,
            "OPERATOR_LIST" => Kind::OperatorList,
            "UNION_LIST" => Kind::UnionList,
            "BROADCAST" => Kind::Broadcast,
            other => Kind::Other(other.to_string()),
        }
    }

    /// State of the keyed backend (incl. timers).
    pub fn is_keyed(&self) -> bool {
        !matches!(self, Kind::OperatorList | Kind::UnionList | Kind::Broadcast)
    }

    fn from_header(k: &StateKind) -> Kind {
        match k {
            StateKind::Value => Kind::Value,
            StateKind::List => Kind::List,
            StateKind::Map => Kind::Map,
            StateKind::Reducing => Kind::Reducing,
            StateKind::Aggregating => Kind::Aggregating,
            StateKind::Folding => Kind::Folding,
            StateKind::PriorityQueue => Kind::Timers,
            StateKind::OperatorList { union: false } => Kind::OperatorList,
            StateKind::OperatorList { union: true } => Kind::UnionList,
            StateKind::Broadcast => Kind::Broadcast,
            StateKind::Other(s) => Kind::Other(if s.is_empty() {
                "UNKNOWN".into()
            } else {
                s.clone()
            }),
        }
    }
}

/// One serializer: its type tree, and where known the snapshot class and exact bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Ser {
    pub ty: TypeInfo,
    pub class: Option<String>,
    /// The top-level snapshot bytes (`int32 2`, class, version, payload).
    pub raw: Option<Vec<u8>>,
}

impl Ser {
    fn of(e: &SerializerEntry) -> Ser {
        Ser {
            ty: e.ty.clone(),
            class: Some(e.class_name.clone()),
            raw: (!e.raw.is_empty()).then(|| e.raw.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StateModel {
    pub name: String,
    pub kind: Kind,
    /// By role (`VALUE_SERIALIZER`, `NAMESPACE_SERIALIZER`, `KEY_SERIALIZER`, ...).
    pub serializers: Vec<(String, Ser)>,
}

impl StateModel {
    pub fn ser(&self, role: &str) -> Option<&Ser> {
        self.serializers
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, s)| s)
    }

    pub fn value(&self) -> Option<&TypeInfo> {
        self.ser("VALUE_SERIALIZER").map(|s| &s.ty)
    }

    pub fn namespace(&self) -> Option<&TypeInfo> {
        self.ser("NAMESPACE_SERIALIZER").map(|s| &s.ty)
    }

    fn of(m: &StateMetaInfo) -> StateModel {
        StateModel {
            name: m.name.clone(),
            kind: Kind::from_header(&m.kind),
            serializers: m
                .serializers
                .iter()
                .map(|(r, e)| (r.clone(), Ser::of(e)))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OperatorModel {
    pub id: [u8; 16],
    pub uid: Option<String>,
    pub name: Option<String>,
    pub parallelism: Option<u32>,
    pub max_parallelism: Option<u32>,
    /// Bytes of state the snapshot holds for it (0 from a hand-written contract).
    pub state_bytes: u64,
    /// Whether Flink counts it as holding state (any handle or coordinator state).
    pub has_state: bool,
    /// Whether it has keyed state (a keyed backend).
    pub keyed: bool,
    /// Key serializer of its keyed backend.
    pub key: Option<Ser>,
    /// It has raw keyed state (written by the operator itself, e.g. legacy timers).
    pub raw_keyed: bool,
    pub states: Vec<StateModel>,
    /// What the headers could not tell.
    pub notes: Vec<String>,
}

impl OperatorModel {
    pub fn id_hex(&self) -> String {
        hash::hex(&self.id)
    }

    /// `uid` when known, else the id.
    pub fn label(&self) -> String {
        match (&self.uid, &self.name) {
            (Some(u), _) => u.clone(),
            (None, Some(n)) => format!("{} ({n})", self.id_hex()),
            (None, None) => self.id_hex(),
        }
    }
}

/// Which keyed backend a side uses, when it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    RocksDb,
    Heap,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::RocksDb => "rocksdb",
            BackendKind::Heap => "hashmap",
        }
    }

    pub fn parse(s: &str) -> Option<BackendKind> {
        match s.to_ascii_lowercase().as_str() {
            "rocksdb" | "forst" => Some(BackendKind::RocksDb),
            "hashmap" | "heap" | "memory" | "filesystem" => Some(BackendKind::Heap),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub operators: Vec<OperatorModel>,
    pub backend: Option<BackendKind>,
    /// `major.minor` of the Flink version, when known.
    pub flink_version: Option<(u32, u32)>,
}

impl Side {
    pub fn operator(&self, id: &[u8; 16]) -> Option<&OperatorModel> {
        self.operators.iter().find(|o| &o.id == id)
    }
}

/// `"1.20.5"`, `"2.3"` → `(major, minor)`.
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let mut it = s.trim().trim_start_matches(['v', 'V']).split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

/// The side a snapshot describes. `metas` come from [`super::collect::collect`].
pub fn from_snapshot(snapshot: &Snapshot, metas: &[OperatorMetas], uids: &UidLabels) -> Side {
    let mut operators = Vec::new();
    let mut backend = None;
    for (index, op) in snapshot.operators.iter().enumerate() {
        let m = metas.iter().find(|m| m.index == index);
        let mut keyed = false;
        let raw_keyed = op
            .subtasks
            .iter()
            .any(|(_, st)| st.raw_keyed_state.is_some());
        let mut has_state = op.coordinator_state.is_some();
        for (_, st) in &op.subtasks {
            has_state |= st.state_size() > 0
                || st.managed_operator_state.is_some()
                || st.raw_operator_state.is_some();
            for h in [&st.managed_keyed_state, &st.raw_keyed_state]
                .into_iter()
                .flatten()
            {
                keyed = true;
                has_state = true;
                if let KeyedHandle::Incremental(_) = h {
                    backend = Some(BackendKind::RocksDb);
                }
                // Key-group handles of checkpoints are heap checkpoints from Flink 1.16 on
                // (metadata version 4); before, RocksDB full snapshots used them too.
                if let KeyedHandle::KeyGroups(k) = h
                    && k.kind != crate::metadata::KeyGroupsKind::Savepoint
                    && snapshot.metadata_version >= 4
                    && backend.is_none()
                {
                    backend = Some(BackendKind::Heap);
                }
            }
        }
        let mut states: Vec<StateModel> = Vec::new();
        let mut notes = Vec::new();
        let mut key = None;
        if let Some(m) = m {
            key = m.key.as_ref().map(Ser::of);
            states.extend(m.keyed.iter().map(StateModel::of));
            states.extend(m.operator.iter().map(StateModel::of));
            notes.extend(m.notes.iter().cloned());
        }
        let uid = op
            .uid
            .clone()
            .or_else(|| uids.get(&op.id).map(String::from));
        operators.push(OperatorModel {
            id: op.id,
            uid,
            name: op.name.clone(),
            parallelism: u32::try_from(op.parallelism).ok(),
            max_parallelism: u32::try_from(op.max_parallelism).ok(),
            state_bytes: op.state_size(),
            has_state,
            keyed,
            key,
            raw_keyed,
            states,
            notes,
        });
    }
    Side {
        operators,
        backend,
        flink_version: version_of_metadata(snapshot.metadata_version),
    }
}

/// The oldest Flink release writing this `_metadata` version (see `formats/metadata.md`).
fn version_of_metadata(v: u32) -> Option<(u32, u32)> {
    match v {
        2 => Some((1, 3)),
        3 => Some((1, 11)),
        4 => Some((1, 16)),
        5 => Some((2, 0)),
        6 => Some((2, 1)),
        _ => None,
    }
}
