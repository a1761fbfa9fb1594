//! `files`: every file a snapshot references, who owns it, and (with a check) whether it is
//! there with the recorded size.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::metadata::{FilePath, FileScope, Snapshot};
use crate::store::{PathResolver, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct FilesReport {
    pub location: String,
    pub files: Vec<FileRow>,
    pub totals: FileTotals,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct FileTotals {
    pub files: usize,
    pub shared: usize,
    pub exclusive: usize,
    pub inline: usize,
    /// Sum of recorded sizes of distinct files (segments: their lengths).
    pub bytes: u64,
    pub missing: usize,
    pub wrong_size: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileRow {
    /// The path as `_metadata` records it (relative names as they are; inline blobs by name).
    pub recorded: String,
    /// Where it was looked for: relative names resolved, absolute paths mapped.
    pub resolved: Option<String>,
    pub path_kind: &'static str,
    pub scope: FileScope,
    /// Recorded size; for file-merging segments, the bytes of state in the segments.
    pub size: Option<u64>,
    /// For file-merging segments: the file must be at least this long.
    pub min_file_size: Option<u64>,
    pub owners: Vec<Owner>,
    pub check: Option<Check>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Owner {
    pub operator: String,
    pub uid: Option<String>,
    pub subtask: Option<u32>,
    pub slot: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Check {
    Ok { size: u64 },
    Missing,
    WrongSize { expected: u64, found: u64 },
    TooShort { at_least: u64, found: u64 },
    Error { message: String },
}

impl Check {
    pub fn is_problem(&self) -> bool {
        !matches!(self, Check::Ok { .. })
    }
}

struct Acc {
    path_kind: &'static str,
    scope: FileScope,
    size: Option<u64>,
    segments: BTreeMap<(u64, u64), ()>,
    owners: Vec<Owner>,
}

/// Lists the referenced files. `resolver` maps them onto storage; with `check`, each one is
/// looked up (in parallel).
pub fn files(
    snapshot: &Snapshot,
    location: &str,
    resolver: &PathResolver,
    check: bool,
) -> FilesReport {
    let mut by_path: BTreeMap<(String, &'static str), Acc> = BTreeMap::new();
    for r in snapshot.file_refs() {
        let op = &snapshot.operators[r.operator];
        let (recorded, kind) = match &r.file.path {
            FilePath::Absolute { path } => (path.clone(), "absolute"),
            FilePath::Relative { path } => (path.clone(), "relative"),
            FilePath::Inline { name, .. } => (name.clone(), "inline"),
        };
        let acc = by_path.entry((recorded, kind)).or_insert_with(|| Acc {
            path_kind: kind,
            scope: r.file.scope,
            size: None,
            segments: BTreeMap::new(),
            owners: Vec::new(),
        });
        if r.file.scope == FileScope::Shared {
            acc.scope = FileScope::Shared;
        }
        match r.file.segment {
            Some((start, len)) => {
                acc.segments.insert((start, len), ());
            }
            None => acc.size = r.file.size.or(acc.size),
        }
        let owner = Owner {
            operator: op.id_hex(),
            uid: op.uid.clone(),
            subtask: r.subtask,
            slot: r.slot.describe(),
        };
        if !acc.owners.contains(&owner) {
            acc.owners.push(owner);
        }
    }

    let mut rows: Vec<FileRow> = by_path
        .into_iter()
        .map(|((recorded, _), mut acc)| {
            let resolved = match acc.path_kind {
                "absolute" => resolver.absolute(&recorded).ok().map(|f| f.display()),
                "relative" => resolver.relative(&recorded).ok().map(|f| f.display()),
                _ => None,
            };
            let (size, min_file_size) = if acc.segments.is_empty() {
                (acc.size, None)
            } else {
                let bytes = acc.segments.keys().map(|(_, l)| l).sum();
                let end = acc.segments.keys().map(|(s, l)| s + l).max();
                (Some(bytes), end)
            };
            acc.owners.sort();
            FileRow {
                recorded,
                resolved,
                path_kind: acc.path_kind,
                scope: acc.scope,
                size,
                min_file_size,
                owners: acc.owners,
                check: None,
            }
        })
        .collect();

    if check {
        rows.par_iter_mut()
            .filter(|r| r.path_kind != "inline")
            .for_each(|row| row.check = Some(check_one(row, resolver)));
    }

    let mut totals = FileTotals {
        files: rows.len(),
        ..Default::default()
    };
    for r in &rows {
        match r.scope {
            FileScope::Shared => totals.shared += 1,
            FileScope::Exclusive => totals.exclusive += 1,
            FileScope::Inline => totals.inline += 1,
        }
        totals.bytes += r.size.unwrap_or(0);
        match &r.check {
            Some(Check::Missing) | Some(Check::Error { .. }) => totals.missing += 1,
            Some(Check::WrongSize { .. }) | Some(Check::TooShort { .. }) => totals.wrong_size += 1,
            _ => {}
        }
    }
    FilesReport {
        location: location.to_string(),
        files: rows,
        totals,
        notes: resolver.notes().into_iter().map(|n| n.0).collect(),
    }
}

fn check_one(row: &FileRow, resolver: &PathResolver) -> Check {
    let resolved = match row.path_kind {
        "absolute" => resolver.absolute(&row.recorded),
        _ => resolver.relative(&row.recorded),
    };
    let file = match resolved {
        Ok(f) => f,
        Err(e) => {
            return Check::Error {
                message: e.to_string(),
            };
        }
    };
    match file.backend.head(&file.path) {
        Ok(None) => Check::Missing,
        Ok(Some(found)) => {
            if let Some(at_least) = row.min_file_size {
                if found < at_least {
                    return Check::TooShort { at_least, found };
                }
            } else if let Some(expected) = row.size
                && expected != found
            {
                return Check::WrongSize { expected, found };
            }
            Check::Ok { size: found }
        }
        Err(StoreError::NotFound { .. }) => Check::Missing,
        Err(e) => Check::Error {
            message: e.to_string(),
        },
    }
}
