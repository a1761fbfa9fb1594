//! Shared helpers of the operator-state tests: opening snapshots through the store layer and
//! walking every operator state.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use flink_inspect::metadata::Snapshot;
use flink_inspect::operator_state::{self, OperatorEntry, OperatorStateInfo};
use flink_inspect::store::{self, PathResolver, SnapshotLocation, StoreOptions, Stores};

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

pub fn fixtures() -> PathBuf {
    let p = std::env::var_os("FLINK_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/flink-fixtures"));
    assert!(
        p.is_dir(),
        "Flink fixtures not found at {} (set FLINK_FIXTURES)",
        p.display()
    );
    p
}

pub fn find_metadata(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            find_metadata(&p, out);
        } else if p.file_name().is_some_and(|n| n == "_metadata") {
            out.push(p);
        }
    }
}

/// A snapshot opened the way the CLI opens it.
pub struct Opened {
    pub stores: Stores,
    pub location: SnapshotLocation,
    pub snapshot: Snapshot,
}

impl Opened {
    pub fn open(dir: &Path) -> Result<Opened, String> {
        let stores = Stores::new(StoreOptions { concurrency: 4 });
        let location =
            store::resolve(&stores, &dir.to_string_lossy()).map_err(|e| e.to_string())?;
        let file = location
            .backend
            .open(&location.metadata)
            .map_err(|e| e.to_string())?;
        let snapshot =
            flink_inspect::metadata::read_metadata(file.as_ref()).map_err(|e| e.to_string())?;
        Ok(Opened {
            stores,
            location,
            snapshot,
        })
    }

    pub fn resolver(&self) -> PathResolver<'_> {
        PathResolver::new(&self.stores, &self.location, Vec::new())
    }

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
