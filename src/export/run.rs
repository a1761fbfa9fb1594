//! A whole snapshot export: pick operators, build their row sources, write every dataset into
//! the staging directory, write the manifest, commit.

use std::sync::Arc;

use parquet::basic::Compression;
use serde::Serialize;

use super::commit::{Staging, Target};
use super::dataset::{WriteOptions, dir_name};
use super::keyed::KeyedSource;
use super::manifest::{DatasetEntry, MANIFEST, MANIFEST_VERSION, Manifest, Source};
use super::opstate::OperatorStateSource;
use super::{ExportError, RowSource, write_manifest, write_source};
use crate::metadata::{OperatorState, Snapshot};
use crate::report::info::UidLabels;
use crate::store::PathResolver;

/// What to export and where.
pub struct Request<'a> {
    pub snapshot: &'a Snapshot,
    /// The `_metadata` file as shown to the user.
    pub metadata_display: String,
    pub resolver: &'a PathResolver<'a>,
    pub uids: &'a UidLabels,
    /// Operators by uid or hex id (empty = all).
    pub operators: Vec<String>,
    /// State names (empty = all).
    pub states: Vec<String>,
    pub target: Target,
    pub force: bool,
    pub compression: Compression,
}

/// Progress callbacks (the CLI draws a bar; the library never touches the terminal).
pub trait Progress: Sync {
    fn start(&self, units: u64);
    fn tick(&self);
}

/// No progress reporting.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: u64) {}
    fn tick(&self) {}
}

/// What was exported.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub out: String,
    pub datasets: usize,
    pub files: usize,
    pub rows: u64,
    /// Operators with state that no reader here exports yet (id and why).
    pub skipped: Vec<String>,
}

fn compression_name(c: Compression) -> String {
    match c {
        Compression::UNCOMPRESSED => "none".into(),
        Compression::SNAPPY => "snappy".into(),
        Compression::ZSTD(_) => "zstd".into(),
        other => other.to_string().to_lowercase(),
    }
}

/// The directory name of an operator: its uid if known, else its hex id.
pub fn operator_name(op: &OperatorState, uids: &UidLabels) -> String {
    op.uid
        .clone()
        .or_else(|| uids.get(&op.id).map(str::to_string))
        .unwrap_or_else(|| op.id_hex())
}

fn selected<'s>(req: &Request<'s>) -> Result<Vec<(String, &'s OperatorState)>, ExportError> {
    let mut ops: Vec<(String, &OperatorState)> = req
        .snapshot
        .operators
        .iter()
        .map(|op| (dir_name(&operator_name(op, req.uids)), op))
        .filter(|(name, op)| {
            req.operators.is_empty()
                || req
                    .operators
                    .iter()
                    .any(|w| w == name || w.eq_ignore_ascii_case(&op.id_hex()))
        })
        .collect();
    for w in &req.operators {
        if !ops
            .iter()
            .any(|(n, op)| w == n || w.eq_ignore_ascii_case(&op.id_hex()))
        {
            return Err(ExportError::Read(format!(
                "no operator with uid or id '{w}' in the snapshot"
            )));
        }
    }
    ops.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
    Ok(ops)
}

/// Exports the snapshot; nothing is visible at the target unless this returns `Ok`.
pub fn export_snapshot(req: Request<'_>, progress: &dyn Progress) -> Result<Summary, ExportError> {
    let ops = selected(&req)?;
    let out = req.target.display();
    let staging = Staging::create(req.target, req.force)?;
    let states = (!req.states.is_empty()).then_some(req.states.as_slice());
    let mut sources: Vec<Box<dyn RowSource + '_>> = Vec::new();
    let mut skipped = Vec::new();
    for (name, op) in &ops {
        let op_index = req
            .snapshot
            .operators
            .iter()
            .position(|o| std::ptr::eq(o, *op))
            .unwrap_or(usize::MAX);
        if let Some(s) =
            OperatorStateSource::new(req.snapshot, op_index, name, req.resolver, states)?
        {
            sources.push(Box::new(s));
        }
        match KeyedSource::new(op, name, req.resolver, states)? {
            Some(s) => sources.push(Box::new(s)),
            None => {
                if op
                    .subtasks
                    .iter()
                    .any(|(_, s)| s.managed_keyed_state.is_some())
                {
                    skipped.push(format!("{name}: keyed state in a layout not exported yet"));
                }
            }
        }
    }
    let opts = Arc::new(WriteOptions {
        compression: req.compression,
        ..WriteOptions::default()
    });
    progress.start(sources.iter().map(|s| s.units() as u64).sum());
    let tick = || progress.tick();
    let mut datasets: Vec<DatasetEntry> = Vec::new();
    for s in &sources {
        datasets.extend(write_source(s.as_ref(), &staging.dir, &opts, &tick)?);
    }
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        created_by: format!("flink-inspect {}", env!("CARGO_PKG_VERSION")),
        source: Source {
            metadata: req.metadata_display.clone(),
            checkpoint_id: req.snapshot.checkpoint_id,
            metadata_version: req.snapshot.metadata_version as i32,
        },
        compression: compression_name(req.compression),
        datasets,
    };
    write_manifest(&staging.dir, &manifest)?;
    staging.commit(MANIFEST)?;
    Ok(Summary {
        out,
        datasets: manifest.datasets.len(),
        files: manifest.datasets.iter().map(|d| d.files.len()).sum(),
        rows: manifest.datasets.iter().map(|d| d.rows).sum(),
        skipped,
    })
}
