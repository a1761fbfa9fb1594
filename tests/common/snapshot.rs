//! Opening a snapshot folder the way the CLI does: stores, resolved location, `_metadata`.

use std::path::Path;

use flink_inspect::metadata::{Snapshot, read_metadata};
use flink_inspect::store::{self, PathResolver, SnapshotLocation, StoreOptions, Stores};

/// A snapshot opened through the store layer.
pub struct Opened {
    pub stores: Stores,
    pub location: SnapshotLocation,
    pub snapshot: Snapshot,
}

impl Opened {
    /// Opens the snapshot at `dir` (a folder holding `_metadata`, or the file itself).
    pub fn open(dir: &Path) -> Result<Opened, String> {
        let stores = Stores::new(StoreOptions { concurrency: 4 });
        let location =
            store::resolve(&stores, &dir.to_string_lossy()).map_err(|e| e.to_string())?;
        let file = location
            .backend
            .open(&location.metadata)
            .map_err(|e| e.to_string())?;
        let snapshot = read_metadata(file.as_ref()).map_err(|e| e.to_string())?;
        Ok(Opened {
            stores,
            location,
            snapshot,
        })
    }

    /// The resolver for the files the snapshot's handles name.
    pub fn resolver(&self) -> PathResolver<'_> {
        PathResolver::new(&self.stores, &self.location, Vec::new())
    }
}

/// [`Opened::open`], failing the test on error.
pub fn open(dir: &Path) -> Opened {
    Opened::open(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}
