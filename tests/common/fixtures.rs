//! Walking Flink's fixture snapshots (`super::fixtures()`): every `_metadata` below a folder,
//! each read straight from the local file.

use std::path::{Path, PathBuf};

use flink_inspect::io::LocalFile;
use flink_inspect::metadata::{Snapshot, read_metadata};

/// Every file below `dir` that `keep` accepts, in path order. An unreadable folder fails the
/// test: a walk that silently skips would let a test pass on less than it claims.
pub fn files_below(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, keep, &mut out);
    out
}

fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, keep, out);
        } else if keep(&p) {
            out.push(p);
        }
    }
}

/// Every `_metadata` file below `dir`, in path order.
pub fn metadata_files(dir: &Path) -> Vec<PathBuf> {
    files_below(dir, &|p| p.file_name().is_some_and(|n| n == "_metadata"))
}

/// Every `_metadata` file of Flink's fixtures.
pub fn all_metadata_files() -> Vec<PathBuf> {
    metadata_files(&super::fixtures())
}

/// The folders holding a `_metadata` below `dir` (the snapshot folders), in path order.
pub fn snapshot_dirs(dir: &Path) -> Vec<PathBuf> {
    metadata_files(dir)
        .into_iter()
        .filter_map(|m| m.parent().map(Path::to_path_buf))
        .collect()
}

/// Reads one `_metadata` file from the local disk.
pub fn read_snapshot(path: &Path) -> Result<Snapshot, String> {
    let file = LocalFile::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    read_metadata(&file).map_err(|e| e.to_string())
}
