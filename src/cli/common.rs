//! Arguments every snapshot command shares, and opening a snapshot from them.

use std::sync::Arc;

use anyhow::{Context, Result, bail};

use flink_inspect::metadata::{self, Snapshot};
use flink_inspect::report::info::UidLabels;
use flink_inspect::store::{self, SnapshotLocation, StoreOptions, Stores};

#[derive(clap::Args, Clone)]
pub struct SnapshotArgs {
    /// A savepoint or checkpoint folder, its _metadata file, or a checkpoint base directory
    /// (the newest complete chk-N is used). Local path, file://, s3://, gs://, az://, abfs://,
    /// http(s)://.
    pub location: String,
    /// Map absolute paths recorded in the snapshot: OLD=NEW (repeatable, first match wins).
    #[arg(long, value_name = "OLD=NEW")]
    pub rebase: Vec<String>,
    /// A uid of the job, to label operators in files that store no uids (repeatable).
    #[arg(long, value_name = "UID")]
    pub uid: Vec<String>,
    /// A file with one uid per line (blank lines and # comments ignored).
    #[arg(long, value_name = "FILE")]
    pub uids_file: Option<String>,
    /// Requests in flight at once against object storage, per bucket or container (1 to
    /// 1024).
    #[arg(
        long,
        visible_alias = "io-concurrency",
        value_name = "N",
        default_value_t = StoreOptions::default().concurrency,
        value_parser = parse_concurrency
    )]
    pub concurrency: usize,
}

/// `--concurrency N`: at least one request, and not so many that a typo floods a bucket.
pub fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from 1 to 1024, got '{s}'")),
    }
}

pub struct Opened {
    pub stores: Stores,
    pub location: SnapshotLocation,
    pub snapshot: Snapshot,
    pub uids: UidLabels,
    pub rebase: Vec<(String, String)>,
}

impl SnapshotArgs {
    pub fn open(&self) -> Result<Opened> {
        let rebase = self
            .rebase
            .iter()
            .map(|r| match r.split_once('=') {
                Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                    Ok((a.to_string(), b.to_string()))
                }
                _ => bail!("--rebase takes OLD=NEW, got '{r}'"),
            })
            .collect::<Result<Vec<_>>>()?;
        let mut uid_list = self.uid.clone();
        if let Some(f) = &self.uids_file {
            let text = std::fs::read_to_string(f).with_context(|| format!("reading {f}"))?;
            uid_list.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(String::from),
            );
        }
        let stores = Stores::new(StoreOptions {
            concurrency: self.concurrency,
        });
        let location = store::resolve(&stores, &self.location)?;
        let file = location.backend.open(&location.metadata)?;
        let snapshot = metadata::read_metadata(Arc::as_ref(&file))?;
        Ok(Opened {
            stores,
            location,
            snapshot,
            uids: UidLabels::new(uid_list),
            rebase,
        })
    }
}

impl Opened {
    /// Notes from resolving the location (which checkpoint was picked), to put first.
    pub fn prepend_location_notes(&self, notes: &mut Vec<String>) {
        notes.splice(0..0, self.location.notes.iter().map(|n| n.0.clone()));
    }

    pub fn resolver(&self) -> store::PathResolver<'_> {
        store::PathResolver::new(&self.stores, &self.location, self.rebase.clone())
    }
}
