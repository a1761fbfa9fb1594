//! Shared by the `keyed_*` tests: reading all keyed entries of an operator decoded (snapshots
//! are opened with `common::snapshot`).
#![allow(dead_code)]

use std::ops::ControlFlow;

use flink_inspect::keyed::typed::{Decoded, decode_entry};
use flink_inspect::keyed::{Entry, Filter, StateCatalog, UnitResult, catalog, read_operator};
use flink_inspect::metadata::{KeyedHandle, OperatorState};
use flink_inspect::store::PathResolver;

pub use crate::common::snapshot::open;

/// The operator's managed keyed handles are all key-group handles (the formats read here).
pub fn key_group_operator(op: &OperatorState) -> bool {
    let mut any = false;
    for (_, s) in &op.subtasks {
        match &s.managed_keyed_state {
            Some(KeyedHandle::KeyGroups(_)) => any = true,
            Some(_) => return false,
            None => {}
        }
    }
    any
}

/// Raw entries with their decoded form (decode errors as text).
pub type Read = Vec<(Entry, Result<Decoded, String>)>;

/// Every entry of `op`, raw and decoded (decode errors as `Err`).
pub fn read_all(
    op: &OperatorState,
    resolver: &PathResolver,
    filter: &Filter,
) -> (StateCatalog, Read, UnitResult) {
    let cat = catalog(op, resolver)
        .unwrap_or_else(|e| panic!("header: {e}"))
        .expect("a header");
    let key_t = cat.header.key_serializer.ty.clone();
    let mut out = Vec::new();
    let r = read_operator(op, resolver, filter, &mut |e| {
        let d = match cat.state(&e.state) {
            Some(meta) => decode_entry(&key_t, meta, e).map_err(|x| x.to_string()),
            None => Err(format!("state '{}' not in the catalog", e.state)),
        };
        out.push((e.clone(), d));
        ControlFlow::Continue(())
    });
    (cat, out, r)
}
