//! Shared helpers of the operator-state tests: walking every operator state of a snapshot
//! opened with `common::snapshot`.
#![allow(dead_code)]

use flink_inspect::operator_state::{self, OperatorEntry, OperatorStateInfo};

pub use crate::common::snapshot::Opened;

impl Opened {
    pub fn op_index(&self, uid: &str) -> Option<usize> {
        let id = flink_inspect::hash::operator_id_from_uid(uid);
        self.snapshot.operators.iter().position(|o| o.id == id)
    }

    /// Catalog and all entries of one operator.
    pub fn op_state(
        &self,
        op: usize,
    ) -> Result<(Vec<OperatorStateInfo>, Vec<OperatorEntry>), String> {
        let r = self.resolver();
        let cat = operator_state::catalog(&self.snapshot, op, &r).map_err(|e| e.to_string())?;
        let mut entries = Vec::new();
        operator_state::read(&self.snapshot, op, &r, |e| entries.push(e.clone()))
            .map_err(|e| e.to_string())?;
        Ok((cat, entries))
    }
}
