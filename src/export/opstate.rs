//! Operator (non-keyed) state of one operator as a [`RowSource`]: one dataset per state
//! (list, union list, broadcast), read in one unit (operator state is small and its reader
//! goes subtask by subtask).

use std::collections::HashMap;
use std::sync::Arc;

use super::dataset::{ColumnTypes, DatasetKind, DatasetSpec, Row};
use super::{ExportError, RowSource};
use crate::metadata::Snapshot;
use crate::operator_state::{OperatorStateInfo, catalog, read_states};
use crate::store::PathResolver;
use crate::types::{TypeInfo, Value};

pub struct OperatorStateSource<'a> {
    snapshot: &'a Snapshot,
    op_index: usize,
    resolver: &'a PathResolver<'a>,
    specs: Vec<Arc<DatasetSpec>>,
    states: HashMap<String, (usize, OperatorStateInfo)>,
}

impl<'a> OperatorStateSource<'a> {
    /// `Ok(None)` when the operator has no operator state.
    pub fn new(
        snapshot: &'a Snapshot,
        op_index: usize,
        operator: &str,
        resolver: &'a PathResolver<'a>,
        states: Option<&[String]>,
    ) -> Result<Option<OperatorStateSource<'a>>, ExportError> {
        let infos =
            catalog(snapshot, op_index, resolver).map_err(|e| ExportError::Read(e.to_string()))?;
        let id = snapshot
            .operators
            .get(op_index)
            .map(|o| o.id_hex())
            .unwrap_or_default();
        let mut specs = Vec::new();
        let mut by_name = HashMap::new();
        for info in infos {
            if states.is_some_and(|w| !w.iter().any(|s| s == &info.name)) {
                continue;
            }
            let broadcast = info.kind == "broadcast";
            let types = ColumnTypes {
                key: broadcast.then(|| {
                    info.key_type().cloned().unwrap_or(TypeInfo::Opaque {
                        class_name: "unknown key serializer".into(),
                        snapshot: Vec::new(),
                    })
                }),
                index: !broadcast,
                value: Some(info.value_type().cloned().unwrap_or(TypeInfo::Opaque {
                    class_name: "unknown value serializer".into(),
                    snapshot: Vec::new(),
                })),
                ..Default::default()
            };
            let spec = DatasetSpec::new(
                DatasetKind::OperatorState,
                operator,
                &id,
                &info.name,
                info.kind,
                types,
            );
            by_name.insert(info.name.clone(), (specs.len(), info));
            specs.push(Arc::new(spec));
        }
        if specs.is_empty() {
            return Ok(None);
        }
        Ok(Some(OperatorStateSource {
            snapshot,
            op_index,
            resolver,
            specs,
            states: by_name,
        }))
    }
}

impl RowSource for OperatorStateSource<'_> {
    fn datasets(&self) -> &[Arc<DatasetSpec>] {
        &self.specs
    }

    fn units(&self) -> usize {
        1
    }

    fn read(
        &self,
        _unit: usize,
        sink: &mut dyn FnMut(usize, &Row) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        let mut failed: Option<ExportError> = None;
        let want = |name: &str| self.states.contains_key(name);
        read_states(
            self.snapshot,
            self.op_index,
            self.resolver,
            &want,
            &mut |e| {
                if failed.is_some() {
                    return;
                }
                let Some((i, info)) = self.states.get(&*e.state) else {
                    return;
                };
                let broadcast = info.kind == "broadcast";
                let r = info
                    .decode_value(e)
                    .and_then(|v| {
                        Ok((
                            v,
                            if broadcast {
                                info.decode_key(e)?
                            } else {
                                Value::Null
                            },
                        ))
                    })
                    .map_err(|err| {
                        ExportError::Read(format!("operator state '{}': {err}", e.state))
                    })
                    .and_then(|(value, key)| {
                        sink(
                            *i,
                            &Row {
                                key_group: None,
                                subtask: e.subtask,
                                key,
                                namespace: Value::Null,
                                user_key: None,
                                index: (!broadcast).then_some(e.index),
                                value,
                                ttl_timestamp: None,
                                timestamp: None,
                            },
                        )
                    });
                if let Err(err) = r {
                    failed = Some(err);
                }
            },
        )
        .map_err(|e| ExportError::Read(e.to_string()))?;
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
