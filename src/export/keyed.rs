//! Keyed state and timers of one operator as a [`RowSource`]: the state catalog gives one
//! dataset per state, the keyed source's work units (a subtask's handle, a key-group range)
//! are the export's units, and each entry is decoded with the state's types.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use super::dataset::{ColumnTypes, DatasetKind, DatasetSpec, Row};
use super::{ExportError, RowSource};
use crate::keyed::header::{StateKind, StateMetaInfo};
use crate::keyed::source::{Filter, WorkUnit, catalog, plan, read_unit};
use crate::keyed::typed::{Decoded, DecodedValue, decode_entry_each};
use crate::metadata::OperatorState;
use crate::store::PathResolver;
use crate::types::{TypeInfo, Value};

/// Key-group ranges per handle: two, so both cores share a single big handle. Fixed (not the
/// thread count) so the output files do not depend on the machine.
const PIECES: u32 = 2;

pub struct KeyedSource<'a> {
    units: Vec<WorkUnit<'a>>,
    max_parallelism: u32,
    resolver: &'a PathResolver<'a>,
    filter: Filter,
    key_type: TypeInfo,
    specs: Vec<Arc<DatasetSpec>>,
    /// State name → (dataset index, meta info).
    states: HashMap<String, (usize, StateMetaInfo)>,
}

fn kind_name(k: &StateKind) -> String {
    match k {
        StateKind::Other(s) if !s.is_empty() => s.clone(),
        other => match serde_json::to_value(other) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(v) => v.to_string(),
            Err(_) => format!("{other:?}"),
        },
    }
}

fn not_void(t: Option<TypeInfo>) -> Option<TypeInfo> {
    t.filter(|t| !matches!(t, TypeInfo::VoidNamespace))
}

/// The dataset of one state (`None` for priority-queue state that is not timers).
pub fn state_spec(
    operator: &str,
    operator_id: &str,
    key_type: &TypeInfo,
    meta: &StateMetaInfo,
) -> Option<DatasetSpec> {
    let kind = kind_name(&meta.kind);
    if meta.kind == StateKind::PriorityQueue {
        let Some(TypeInfo::Timer { key, namespace }) = meta.value_type() else {
            return None;
        };
        let types = ColumnTypes {
            key_group: true,
            key: Some((**key).clone()),
            namespace: not_void(Some((**namespace).clone())),
            timestamp: true,
            ..Default::default()
        };
        return Some(DatasetSpec::new(
            DatasetKind::Timers,
            operator,
            operator_id,
            &meta.name,
            &kind,
            types,
        ));
    }
    let et = meta.entry_types();
    let types = ColumnTypes {
        key_group: true,
        key: Some(key_type.clone()),
        namespace: not_void(et.namespace),
        user_key: et.user_key,
        index: meta.kind == StateKind::List,
        value: Some(et.value.unwrap_or(TypeInfo::Opaque {
            class_name: "unknown value serializer".into(),
            snapshot: Vec::new(),
        })),
        ttl: et.ttl,
        timestamp: false,
    };
    Some(DatasetSpec::new(
        DatasetKind::Keyed,
        operator,
        operator_id,
        &meta.name,
        &kind,
        types,
    ))
}

impl<'a> KeyedSource<'a> {
    /// `Ok(None)` when the operator has no keyed state.
    pub fn new(
        op: &'a OperatorState,
        operator: &str,
        resolver: &'a PathResolver<'a>,
        states: Option<&[String]>,
    ) -> Result<Option<KeyedSource<'a>>, ExportError> {
        let Some(cat) = catalog(op, resolver).map_err(|e| ExportError::Read(e.to_string()))? else {
            return Ok(None);
        };
        let key_type = cat.header.key_serializer.ty.clone();
        let id = op.id_hex();
        let mut specs = Vec::new();
        let mut by_name = HashMap::new();
        for meta in &cat.header.states {
            if states.is_some_and(|w| !w.iter().any(|s| s == &meta.name)) {
                continue;
            }
            if let Some(spec) = state_spec(operator, &id, &key_type, meta) {
                by_name.insert(meta.name.clone(), (specs.len(), meta.clone()));
                specs.push(Arc::new(spec));
            }
        }
        let filter = Filter {
            states: Some(by_name.keys().cloned().collect()),
            ..Filter::default()
        };
        let units = if specs.is_empty() {
            Vec::new()
        } else {
            plan(op, &filter, PIECES)
        };
        Ok(Some(KeyedSource {
            units,
            max_parallelism: op.max_parallelism.max(1) as u32,
            resolver,
            filter,
            key_type,
            specs,
            states: by_name,
        }))
    }
}

impl RowSource for KeyedSource<'_> {
    fn datasets(&self) -> &[Arc<DatasetSpec>] {
        &self.specs
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn read(
        &self,
        unit: usize,
        sink: &mut dyn FnMut(usize, &Row) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        let Some(u) = self.units.get(unit) else {
            return Ok(());
        };
        let mut failed: Option<ExportError> = None;
        let result = read_unit(
            u,
            self.max_parallelism,
            self.resolver,
            &self.filter,
            &mut |e| {
                let Some((i, meta)) = self.states.get(&*e.state) else {
                    return ControlFlow::Continue(());
                };
                // Values are written as they are decoded: a list state value of millions of
                // elements is never held as decoded values.
                let mut emitted = 0usize;
                let mut sink_err: Option<ExportError> = None;
                // built from the entry's head on the first value, then only the value changes
                let mut row: Option<Row> = None;
                let mut each = |d: &Decoded, v: DecodedValue| {
                    emitted += 1;
                    let row = row.get_or_insert_with(|| Row {
                        key_group: Some(e.key_group),
                        subtask: e.subtask,
                        key: d.key.clone(),
                        namespace: d.namespace.clone(),
                        user_key: d.user_key.clone(),
                        index: None,
                        value: Value::Null,
                        ttl_timestamp: None,
                        timestamp: d.timestamp,
                    });
                    row.index = v.index;
                    row.value = v.value;
                    row.ttl_timestamp = v.ttl_timestamp;
                    match sink(*i, row) {
                        Ok(()) => ControlFlow::Continue(()),
                        Err(err) => {
                            sink_err = Some(err);
                            ControlFlow::Break(())
                        }
                    }
                };
                let d = match decode_entry_each(&self.key_type, meta, e, &mut each) {
                    Ok(d) => d,
                    Err(err) => {
                        failed = Some(ExportError::Read(format!(
                            "state '{}' key group {} (subtask {}): {err}",
                            e.state, e.key_group, e.subtask
                        )));
                        return ControlFlow::Break(());
                    }
                };
                let r = match sink_err {
                    Some(err) => Err(err),
                    // a timer is one row without a value
                    None if d.timestamp.is_some() && emitted == 0 => sink(
                        *i,
                        &Row {
                            key_group: Some(e.key_group),
                            subtask: e.subtask,
                            key: d.key,
                            namespace: d.namespace,
                            user_key: d.user_key,
                            index: None,
                            value: Value::Null,
                            ttl_timestamp: None,
                            timestamp: d.timestamp,
                        },
                    ),
                    None => Ok(()),
                };
                match r {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(err) => {
                        failed = Some(err);
                        ControlFlow::Break(())
                    }
                }
            },
        );
        if let Some(e) = failed {
            return Err(e);
        }
        if let Some(e) = result.errors.first() {
            return Err(ExportError::Read(e.to_string()));
        }
        Ok(())
    }
}
