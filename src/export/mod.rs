//! `export`: state to Parquet. The type tree of each state becomes an Arrow schema
//! ([`schema`]), decoded values are appended to Arrow builders ([`columns`]), each work unit
//! (a subtask's handle, a key-group range) writes its own part files on rayon's pool
//! ([`dataset`]), and the whole output becomes visible at once ([`commit`]) with
//! `_manifest.json` ([`manifest`]) as its last file.
//!
//! Output: `<out>/<uid or id>/<state>/part-NNNNN.parquet`, timers under
//! `<out>/<uid or id>/_timers/<name>/`, operator state under
//! `<out>/<uid or id>/_operator_state/<name>/`. Same input → same rows in the same files:
//! units are numbered in plan order and their files renamed in that order.

pub mod columns;
pub mod commit;
pub mod dataset;
pub mod encoding;
pub mod keyed;
pub mod manifest;
pub mod opstate;
pub mod run;
pub mod schema;

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

pub use commit::{Staging, Target};
pub use dataset::{ColumnTypes, DatasetKind, DatasetSpec, PartFile, PartWriter, Row, WriteOptions};
pub use manifest::{DatasetEntry, FileEntry, MANIFEST, Manifest, Source as ManifestSource};

/// Why an export failed. Any error fails the whole export; nothing is made visible.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("output {0} exists and is not empty (use --force to replace it)")]
    Exists(String),
    #[error("output {path}: {message}")]
    Output { path: String, message: String },
    #[error("writing {path}: {message}")]
    Write { path: String, message: String },
    #[error("dataset {dataset}: {message}")]
    Value { dataset: String, message: String },
    #[error("reading state: {0}")]
    Read(String),
}

pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    crate::store::runtime().block_on(f)
}

/// A producer of rows for some datasets, split into units that may run in parallel.
/// Unit `i` must produce the same rows in the same order every time.
pub trait RowSource: Sync {
    fn datasets(&self) -> &[Arc<DatasetSpec>];
    fn units(&self) -> usize;
    /// Reads unit `unit`, handing each row with the index of its dataset to `sink`.
    fn read(
        &self,
        unit: usize,
        sink: &mut dyn FnMut(usize, &Row) -> Result<(), ExportError>,
    ) -> Result<(), ExportError>;
}

/// Called after each finished unit (progress).
pub type Tick<'a> = &'a (dyn Fn() + Sync);

/// Writes every unit of `src` below `root` (the staging directory) and returns the datasets
/// with their files (renamed to `part-NNNNN.parquet` in unit order).
pub fn write_source(
    src: &dyn RowSource,
    root: &Path,
    opts: &Arc<WriteOptions>,
    tick: Tick<'_>,
) -> Result<Vec<DatasetEntry>, ExportError> {
    let specs = src.datasets();
    let per_unit: Vec<Result<Vec<Vec<PartFile>>, ExportError>> = (0..src.units())
        .into_par_iter()
        .map(|unit| {
            let mut writers: Vec<Option<PartWriter>> = specs.iter().map(|_| None).collect();
            let r = src.read(unit, &mut |i, row| {
                let Some(slot) = writers.get_mut(i) else {
                    return Err(ExportError::Read(format!("no dataset number {i}")));
                };
                let w = slot.get_or_insert_with(|| {
                    let spec = Arc::clone(&specs[i]);
                    let dir = root.join(&spec.rel_dir);
                    PartWriter::new(spec, Arc::clone(opts), dir, unit)
                });
                w.push(row)
            });
            let files = writers
                .into_iter()
                .map(|w| w.map_or(Ok(Vec::new()), |w| w.finish(false)))
                .collect::<Result<Vec<_>, _>>();
            tick();
            r.and(files)
        })
        .collect();
    let mut by_dataset: Vec<Vec<PartFile>> = specs.iter().map(|_| Vec::new()).collect();
    for unit in per_unit {
        for (i, files) in unit?.into_iter().enumerate() {
            if let Some(d) = by_dataset.get_mut(i) {
                d.extend(files);
            }
        }
    }
    let mut out = Vec::new();
    for (spec, mut files) in specs.iter().zip(by_dataset) {
        let dir = root.join(&spec.rel_dir);
        if files.is_empty() {
            // An empty dataset still gets one file, so its schema is on disk.
            files =
                PartWriter::new(Arc::clone(spec), Arc::clone(opts), dir.clone(), 0).finish(true)?;
        }
        let mut entries = Vec::new();
        for (n, f) in files.into_iter().enumerate() {
            let name = format!("part-{n:05}.parquet");
            let to = dir.join(&name);
            std::fs::rename(&f.path, &to).map_err(|e| ExportError::Write {
                path: to.display().to_string(),
                message: e.to_string(),
            })?;
            entries.push(FileEntry {
                path: format!("{}/{name}", spec.rel_dir),
                rows: f.rows,
            });
        }
        out.push(DatasetEntry::new(spec, entries));
    }
    Ok(out)
}

/// Writes the manifest into the staging directory (the last file written).
pub fn write_manifest(root: &Path, m: &Manifest) -> Result<(), ExportError> {
    let p = root.join(MANIFEST);
    let text = serde_json::to_vec_pretty(m).map_err(|e| ExportError::Write {
        path: p.display().to_string(),
        message: e.to_string(),
    })?;
    std::fs::write(&p, text).map_err(|e| ExportError::Write {
        path: p.display().to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
