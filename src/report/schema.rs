//! `schema`: per operator, its keyed states with kind, key / namespace / value types and
//! serializer classes, from the keyed-backend header alone.

use serde::Serialize;

use crate::keyed::header::{StateKind, StateMetaInfo};
use crate::keyed::source::{StateCatalog, handle_kind};
use crate::metadata::{KeyedHandle, OperatorState};
use crate::types::TypeInfo;

use super::state::kind_label;

#[derive(Debug, Clone, Serialize)]
pub struct StateSchema {
    pub name: String,
    pub kind: String,
    /// Readable one-line types.
    pub namespace_type: Option<String>,
    pub value_type: Option<String>,
    pub user_key_type: Option<String>,
    pub ttl: bool,
    /// `(role, snapshot class)` in file order.
    pub serializers: Vec<(String, String)>,
    /// The full type trees by role, for tools.
    pub types: Vec<(String, TypeInfo)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperatorSchema {
    pub operator: String,
    pub uid: Option<String>,
    pub name: Option<String>,
    /// Where the header was read (`None` when the operator has no keyed state).
    pub header_file: Option<String>,
    pub compressed: Option<bool>,
    pub key_type: Option<String>,
    pub key_serializer: Option<String>,
    pub key_type_tree: Option<TypeInfo>,
    pub states: Vec<StateSchema>,
    /// Operator (non-keyed) states: list, union, broadcast (filled by the caller from
    /// [`crate::report::operator_state::schema`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operator_states: Vec<crate::report::operator_state::OperatorStateSchema>,
    /// Why there is no schema (no keyed state, or a handle kind read elsewhere).
    pub note: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemaReport {
    pub location: String,
    pub operators: Vec<OperatorSchema>,
}

/// Labels the element, value and namespace types the way a reader expects to see them.
pub fn state_schema(s: &StateMetaInfo) -> StateSchema {
    let timer = s.kind == StateKind::PriorityQueue;
    let (ns, value) = match (timer, s.value_type()) {
        (true, Some(TypeInfo::Timer { namespace, .. })) => {
            (Some(namespace.to_string()), Some("timer".to_string()))
        }
        _ => (
            s.namespace_type().map(ToString::to_string),
            s.value_type().map(|t| match t {
                TypeInfo::List { elem } if s.kind == StateKind::List => elem.to_string(),
                TypeInfo::Map { value, .. } if s.kind == StateKind::Map => value.to_string(),
                other => other.to_string(),
            }),
        ),
    };
    StateSchema {
        name: s.name.clone(),
        kind: kind_label(s),
        namespace_type: ns,
        value_type: value,
        user_key_type: if s.kind == StateKind::Map {
            s.user_key_type()
                .map(ToString::to_string)
                .or_else(|| match s.value_type() {
                    Some(TypeInfo::Map { key, .. }) => Some(key.to_string()),
                    _ => None,
                })
        } else {
            None
        },
        ttl: s.has_ttl(),
        serializers: s
            .serializers
            .iter()
            .map(|(r, e)| (r.clone(), e.class_name.clone()))
            .collect(),
        types: s
            .serializers
            .iter()
            .map(|(r, e)| (r.clone(), e.ty.clone()))
            .collect(),
    }
}

/// The schema of one operator from its catalog (or why there is none).
pub fn operator_schema(
    op: &OperatorState,
    uid: Option<String>,
    catalog: Result<Option<StateCatalog>, String>,
) -> OperatorSchema {
    let mut out = OperatorSchema {
        operator: op.id_hex(),
        uid,
        name: op.name.clone(),
        header_file: None,
        compressed: None,
        key_type: None,
        key_serializer: None,
        key_type_tree: None,
        states: Vec::new(),
        operator_states: Vec::new(),
        note: None,
        error: None,
    };
    match catalog {
        Ok(Some(c)) => {
            out.header_file = Some(c.file.clone());
            out.compressed = Some(c.header.compressed);
            out.key_type = Some(c.header.key_serializer.ty.to_string());
            out.key_serializer = Some(c.header.key_serializer.class_name.clone());
            out.key_type_tree = Some(c.header.key_serializer.ty.clone());
            out.states = c.header.states.iter().map(state_schema).collect();
        }
        Ok(None) => {
            let kinds: Vec<&str> = op
                .subtasks
                .iter()
                .filter_map(|(_, s)| s.managed_keyed_state.as_ref())
                .map(handle_kind)
                .collect();
            out.note = Some(if kinds.is_empty() {
                "no keyed state".into()
            } else {
                format!("keyed state in {} handles: no header found", kinds[0])
            });
        }
        Err(e) => out.error = Some(e),
    }
    out
}

/// True if the operator has managed keyed state of any kind.
pub fn has_keyed_state(op: &OperatorState) -> bool {
    op.subtasks.iter().any(|(_, s)| {
        matches!(
            s.managed_keyed_state,
            Some(KeyedHandle::KeyGroups(_) | KeyedHandle::Incremental(_))
        )
    })
}
