//! `ls`: every snapshot under a prefix, whether each is complete, and for checkpoint base
//! directories which `shared/` files each retained checkpoint needs, which files nobody needs
//! (orphans) and which needed files are gone (checkpoints that cannot be restored).
//!
//! One recursive listing of the prefix answers existence and size for every file inside it;
//! only files resolved outside the prefix cost a HEAD each.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use object_store::path::Path as ObjPath;
use serde::Serialize;

use super::files::{Check, FileRow, files};
use super::info::{UidLabels, info};
use crate::metadata;
use crate::store::{Backend, Entry, PathResolver, SnapshotLocation, StoreError, Stores};

#[derive(Debug, Clone, Serialize)]
pub struct LsReport {
    pub prefix: String,
    pub snapshots: Vec<SnapshotRow>,
    /// Checkpoint base directories found (folders holding `chk-N`, `shared/` or `taskowned/`).
    pub bases: Vec<BaseDir>,
    pub totals: LsTotals,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct LsTotals {
    pub snapshots: usize,
    pub incomplete: usize,
    pub unreadable: usize,
    pub orphans: usize,
    pub orphan_bytes: u64,
    pub missing: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotRow {
    /// The folder holding `_metadata`.
    pub location: String,
    /// `chk-7`, `savepoint-1a2b3c-...`.
    pub name: String,
    pub checkpoint_id: Option<i64>,
    pub kind: Option<String>,
    pub format: Option<String>,
    /// Last-modified time of `_metadata`, UTC.
    pub metadata_time: Option<String>,
    /// Distinct files referenced (inline blobs not counted) and their recorded bytes.
    pub files: usize,
    pub bytes: u64,
    /// Every referenced file present with the recorded size.
    pub complete: bool,
    /// Referenced files that are absent, or present with another size.
    pub problems: Vec<FileProblem>,
    /// `_metadata` could not be read: why.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    pub path: String,
    #[serde(flatten)]
    pub check: Check,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaseDir {
    pub location: String,
    pub checkpoints: Vec<BaseCheckpoint>,
    /// Files under `shared/` and `taskowned/` that no retained checkpoint references.
    pub orphans: Vec<Orphan>,
    pub orphan_bytes: u64,
    /// Referenced files that do not exist, with the checkpoints that need them.
    pub missing: Vec<MissingFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaseCheckpoint {
    pub name: String,
    pub checkpoint_id: Option<i64>,
    /// Files under this base's `shared/` (and `taskowned/`) that the checkpoint references,
    /// relative to the base directory.
    pub shared: Vec<String>,
    pub shared_bytes: u64,
    /// All its referenced files are present with the right size (and `_metadata` is readable).
    pub restorable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Orphan {
    pub path: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MissingFile {
    pub path: String,
    pub checkpoints: Vec<String>,
}

impl LsReport {
    /// Something is missing or a snapshot is incomplete or unreadable.
    pub fn has_findings(&self) -> bool {
        self.totals.incomplete > 0 || self.totals.unreadable > 0 || self.totals.missing > 0
    }
}

/// Lists the snapshots under `prefix` (a path or URL). `rebase` as for the other commands.
pub fn ls(
    stores: &Stores,
    prefix: &str,
    rebase: &[(String, String)],
) -> Result<LsReport, StoreError> {
    let (backend, mut root) = stores.locate(prefix)?;
    if root.filename() == Some("_metadata") {
        root = parent(&root);
    }
    let listing = backend.list(&root)?;
    let root_shown = backend.display(&root);
    if listing.is_empty() {
        return Err(StoreError::NotFound {
            path: format!("{root_shown} (nothing stored under it)"),
        });
    }
    let by_display: HashMap<String, &Entry> = listing
        .iter()
        .map(|e| (backend.display(&e.path), e))
        .collect();
    let inside = |shown: &str| shown.starts_with(&format!("{}/", root_shown.trim_end_matches('/')));

    let mut snapshots = Vec::new();
    // Per snapshot folder: referenced files (resolved display → size known from the listing).
    let mut referenced: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for meta in listing
        .iter()
        .filter(|e| e.path.filename() == Some("_metadata"))
    {
        let dir = parent(&meta.path);
        let loc = SnapshotLocation {
            backend: Arc::clone(&backend),
            metadata: meta.path.clone(),
            dir: dir.clone(),
            notes: vec![],
        };
        let (row, refs) = snapshot_row(stores, &loc, meta, rebase, &by_display, &inside);
        referenced.insert(row.location.clone(), refs);
        snapshots.push(row);
    }

    let bases = base_dirs(&backend, &listing, &snapshots, &referenced, &by_display);
    let mut totals = LsTotals {
        snapshots: snapshots.len(),
        ..Default::default()
    };
    for s in &snapshots {
        if s.error.is_some() {
            totals.unreadable += 1;
        } else if !s.complete {
            totals.incomplete += 1;
        }
    }
    for b in &bases {
        totals.orphans += b.orphans.len();
        totals.orphan_bytes += b.orphan_bytes;
        totals.missing += b.missing.len();
    }
    Ok(LsReport {
        prefix: root_shown,
        snapshots,
        bases,
        totals,
    })
}

/// One snapshot's row and the resolved locations of the files it references.
fn snapshot_row(
    stores: &Stores,
    loc: &SnapshotLocation,
    meta: &Entry,
    rebase: &[(String, String)],
    by_display: &HashMap<String, &Entry>,
    inside: &dyn Fn(&str) -> bool,
) -> (SnapshotRow, Vec<String>) {
    let mut row = SnapshotRow {
        location: loc.dir_display(),
        name: loc.dir_name().unwrap_or_default().to_string(),
        checkpoint_id: None,
        kind: None,
        format: None,
        metadata_time: meta.last_modified.map(utc_time),
        files: 0,
        bytes: 0,
        complete: false,
        problems: vec![],
        error: None,
    };
    let snapshot = match loc
        .backend
        .open(&loc.metadata)
        .map_err(|e| e.to_string())
        .and_then(|f| metadata::read_metadata(Arc::as_ref(&f)).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            row.error = Some(e);
            return (row, vec![]);
        }
    };
    let summary = info(&snapshot, &loc.metadata_display(), &UidLabels::default());
    row.checkpoint_id = Some(snapshot.checkpoint_id);
    row.kind = summary.kind;
    row.format = summary.format;
    let resolver = PathResolver::new(stores, loc, rebase.to_vec());
    let report = files(&snapshot, &loc.metadata_display(), &resolver, false);
    let mut refs = Vec::new();
    for f in report.files.iter().filter(|f| f.path_kind != "inline") {
        row.files += 1;
        row.bytes += f.size.unwrap_or(0);
        let Some(shown) = f.resolved.clone() else {
            continue;
        };
        let check = if inside(&shown) {
            compare(f, by_display.get(&shown).map(|e| e.size))
        } else {
            head_check(f, &resolver)
        };
        if check.is_problem() {
            row.problems.push(FileProblem {
                path: shown.clone(),
                check,
            });
        }
        refs.push(shown);
    }
    row.complete = row.problems.is_empty();
    (row, refs)
}

/// The check `files --check` makes, from a size already known (`None`: absent).
fn compare(f: &FileRow, found: Option<u64>) -> Check {
    let Some(found) = found else {
        return Check::Missing;
    };
    if let Some(at_least) = f.min_file_size {
        if found < at_least {
            return Check::TooShort { at_least, found };
        }
    } else if let Some(expected) = f.size
        && expected != found
    {
        return Check::WrongSize { expected, found };
    }
    Check::Ok { size: found }
}

/// A file outside the listed prefix: ask the store.
fn head_check(f: &FileRow, resolver: &PathResolver) -> Check {
    let resolved = match f.path_kind {
        "absolute" => resolver.absolute(&f.recorded),
        _ => resolver.relative(&f.recorded),
    };
    match resolved.and_then(|r| r.backend.head(&r.path)) {
        Ok(found) => compare(f, found),
        Err(StoreError::NotFound { .. }) => Check::Missing,
        Err(e) => Check::Error {
            message: e.to_string(),
        },
    }
}

/// Checkpoint base directories: folders with `chk-N` snapshot folders, or with `shared/` or
/// `taskowned/` below them.
fn base_dirs(
    backend: &Backend,
    listing: &[Entry],
    snapshots: &[SnapshotRow],
    referenced: &BTreeMap<String, Vec<String>>,
    by_display: &HashMap<String, &Entry>,
) -> Vec<BaseDir> {
    let mut bases: BTreeSet<String> = BTreeSet::new();
    for s in snapshots {
        if is_chk(&s.name)
            && let Some((base, _)) = s.location.rsplit_once('/')
        {
            bases.insert(base.to_string());
        }
    }
    for e in listing {
        let parts: Vec<_> = e.path.parts().collect();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 && (p.as_ref() == "shared" || p.as_ref() == "taskowned") && i + 1 < parts.len()
            {
                let base = ObjPath::from_iter(parts[..i].iter().cloned());
                bases.insert(backend.display(&base));
                break;
            }
        }
    }
    bases
        .into_iter()
        .map(|base| one_base(&base, listing, backend, snapshots, referenced, by_display))
        .collect()
}

fn one_base(
    base: &str,
    listing: &[Entry],
    backend: &Backend,
    snapshots: &[SnapshotRow],
    referenced: &BTreeMap<String, Vec<String>>,
    by_display: &HashMap<String, &Entry>,
) -> BaseDir {
    let shared_prefix = format!("{base}/shared/");
    let owned_prefix = format!("{base}/taskowned/");
    let in_shared = |p: &str| p.starts_with(&shared_prefix) || p.starts_with(&owned_prefix);
    let mut checkpoints = Vec::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut chks: Vec<&SnapshotRow> = snapshots
        .iter()
        .filter(|s| is_chk(&s.name) && s.location.rsplit_once('/').map(|x| x.0) == Some(base))
        .collect();
    chks.sort_by_key(|s| {
        s.name
            .strip_prefix("chk-")
            .and_then(|n| n.parse::<u64>().ok())
    });
    for s in chks {
        let refs = referenced
            .get(&s.location)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut shared = Vec::new();
        let mut shared_bytes = 0;
        for r in refs {
            if in_shared(r) {
                used.insert(r.clone());
                let rel = r.strip_prefix(base).unwrap_or(r).trim_start_matches('/');
                shared.push(rel.to_string());
                shared_bytes += by_display.get(r).map_or(0, |e| e.size);
            }
        }
        for p in &s.problems {
            if matches!(p.check, Check::Missing) {
                missing
                    .entry(p.path.clone())
                    .or_default()
                    .push(s.name.clone());
            }
        }
        shared.sort();
        checkpoints.push(BaseCheckpoint {
            name: s.name.clone(),
            checkpoint_id: s.checkpoint_id,
            shared,
            shared_bytes,
            restorable: s.complete && s.error.is_none(),
        });
    }
    let orphans: Vec<Orphan> = listing
        .iter()
        .map(|e| (backend.display(&e.path), e.size))
        .filter(|(p, _)| in_shared(p) && !used.contains(p))
        .map(|(path, size)| Orphan { path, size })
        .collect();
    BaseDir {
        location: base.to_string(),
        checkpoints,
        orphan_bytes: orphans.iter().map(|o| o.size).sum(),
        orphans,
        missing: missing
            .into_iter()
            .map(|(path, checkpoints)| MissingFile { path, checkpoints })
            .collect(),
    }
}

fn is_chk(name: &str) -> bool {
    name.strip_prefix("chk-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn parent(p: &ObjPath) -> ObjPath {
    let parts: Vec<_> = p.parts().collect();
    match parts.split_last() {
        Some((_, init)) => ObjPath::from_iter(init.iter().cloned()),
        None => ObjPath::default(),
    }
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn utc_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from a day count (Howard Hinnant's algorithm, re-derived).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc_time;

    #[test]
    fn utc_times() {
        assert_eq!(utc_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_time(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc_time(-1), "1969-12-31T23:59:59Z");
    }
}
