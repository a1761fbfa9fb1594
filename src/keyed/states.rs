//! What a reader needs to know about the states of one state file: names, which are wanted,
//! how their composite keys and values are laid out. Built from the file's own header, since
//! `kvStateId`s index that header's list.

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;

use super::composite::{KeyLayout, key_group_prefix_len};
use super::entry::ValueLayout;
use super::header::{KeyedHeader, StateKind, StateMetaInfo};
use crate::io::{DataInput, DecodeError, DecodeResult};
use crate::types::TypeInfo;

/// Entries seen in one key group.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeyGroupRead {
    /// Entries handed to the sink.
    pub entries: u64,
    /// The sink asked to stop.
    pub stopped: bool,
}

pub(crate) struct StateInfo {
    pub name: Arc<str>,
    pub selected: bool,
    pub timer: bool,
    pub map: bool,
    layout: Result<KeyLayout, String>,
    pub canonical_layout: ValueLayout,
    pub heap_layout: ValueLayout,
    /// Heap: namespace type, and value type as a whole (list and map included).
    pub namespace: Option<TypeInfo>,
    pub value: Option<TypeInfo>,
    key_start: usize,
    key_filter: Option<Bytes>,
}

impl StateInfo {
    pub fn layout<R: Read>(&self, d: &DataInput<R>) -> DecodeResult<&KeyLayout> {
        self.layout
            .as_ref()
            .map_err(|e| d.err(format!("a state with known key and namespace types ({e})")))
    }

    /// Cheap pre-check on a composite key (flag bit cleared): can its key equal the filter?
    /// Serialized keys delimit themselves, so "starts with" is exact once the key is split.
    pub fn key_may_match(&self, composite: &[u8]) -> bool {
        match &self.key_filter {
            None => true,
            Some(k) => composite
                .get(self.key_start..)
                .is_some_and(|rest| rest.starts_with(k)),
        }
    }
}

pub(crate) struct FileStates {
    pub header: KeyedHeader,
    pub states: Vec<StateInfo>,
    key_filter: Option<Bytes>,
}

impl FileStates {
    /// `wanted`: state names to keep (`None` = all); `key`: serialized key to keep (`None` =
    /// all).
    pub fn new(
        header: KeyedHeader,
        max_parallelism: u32,
        wanted: Option<&[String]>,
        key: Option<Bytes>,
    ) -> FileStates {
        let prefix = key_group_prefix_len(max_parallelism);
        let key_type = header.key_serializer.ty.clone();
        let states = header
            .states
            .iter()
            .map(|s| state_info(s, &key_type, prefix, wanted, key.clone()))
            .collect();
        FileStates {
            header,
            states,
            key_filter: key,
        }
    }

    pub fn get<R: Read>(&self, id: u16, d: &DataInput<R>, at: u64) -> DecodeResult<&StateInfo> {
        self.states.get(id as usize).ok_or_else(|| {
            d.err_at(
                at,
                format!(
                    "a state id below {} (the header's state count), found {id}",
                    self.states.len()
                ),
            )
        })
    }

    pub fn key_matches(&self, key: &[u8]) -> bool {
        self.key_filter.as_ref().is_none_or(|k| k.as_ref() == key)
    }

    pub fn key_type(&self) -> &TypeInfo {
        &self.header.key_serializer.ty
    }
}

fn state_info(
    s: &StateMetaInfo,
    key_type: &TypeInfo,
    prefix: usize,
    wanted: Option<&[String]>,
    key_filter: Option<Bytes>,
) -> StateInfo {
    let selected = wanted.is_none_or(|w| w.contains(&s.name));
    let timer = s.kind == StateKind::PriorityQueue;
    let map = s.kind == StateKind::Map;
    let layout = if timer {
        match s.value_type() {
            Some(TypeInfo::Timer { key, namespace }) => Ok(KeyLayout::Timer {
                prefix,
                key: (**key).clone(),
                namespace: (**namespace).clone(),
            }),
            Some(other) => Err(format!(
                "priority-queue state '{}' holds {other}, not timers",
                s.name
            )),
            None => Err(format!("state '{}' has no element serializer", s.name)),
        }
    } else {
        match s.namespace_type() {
            Some(ns) => Ok(KeyLayout::Kv {
                prefix,
                key: key_type.clone(),
                namespace: ns.clone(),
                ambiguous: key_type.fixed_len().is_none() && ns.fixed_len().is_none(),
                map,
            }),
            None => Err(format!("state '{}' has no namespace serializer", s.name)),
        }
    };
    let (canonical_layout, heap_layout) = match &s.kind {
        StateKind::PriorityQueue => (ValueLayout::Timer, ValueLayout::Timer),
        StateKind::List => (ValueLayout::DelimitedList, ValueLayout::CountedList),
        StateKind::Map => (ValueLayout::MapValue, ValueLayout::MapValue),
        _ => (ValueLayout::Single, ValueLayout::Single),
    };
    let key_start = if timer { prefix + 8 } else { prefix };
    StateInfo {
        name: Arc::from(s.name.as_str()),
        selected,
        timer,
        map,
        layout,
        canonical_layout,
        heap_layout,
        namespace: s.namespace_type().cloned(),
        value: s.value_type().cloned(),
        key_start,
        key_filter,
    }
}

/// An error for a state whose types are missing from the header.
pub(crate) fn missing_type<R: Read>(d: &DataInput<R>, state: &str, role: &str) -> DecodeError {
    d.err(format!(
        "state '{state}' to have a {role} serializer in the header"
    ))
}
