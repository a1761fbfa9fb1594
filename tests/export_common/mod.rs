//! Helpers for the export tests: running the checker (`tests/export_check.py`) with the
//! Python from `FI_PYTHON` (set by `.ci/run` through `tests/setup/python.sh`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python with duckdb and pyarrow, or `None` (with a loud message) when FI_PYTHON is unset.
pub fn python() -> Option<PathBuf> {
    match std::env::var_os("FI_PYTHON") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            eprintln!(
                "\n!!!!! FI_PYTHON is not set: SKIPPING the DuckDB/pyarrow read-back checks. \
                 Run `export FI_PYTHON=$(bash tests/setup/python.sh)` (.ci/run does). !!!!!\n"
            );
            None
        }
    }
}

/// Runs the checker over `(export dir, optional readback file)` pairs; returns one summary
/// per export. Panics if the checker itself cannot run.
pub fn check(py: &Path, exports: &[(PathBuf, Option<PathBuf>)]) -> Vec<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export_check.py");
    let args: Vec<String> = exports
        .iter()
        .map(|(d, t)| match t {
            Some(t) => format!("{}={}", d.display(), t.display()),
            None => d.display().to_string(),
        })
        .collect();
    let out = Command::new(py)
        .arg(&script)
        .args(&args)
        .output()
        .expect("the checker runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summaries: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("checker line {l}: {e}")))
        .collect();
    assert_eq!(
        summaries.len(),
        exports.len(),
        "checker output:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    summaries
}

/// Every file below `dir`, relative.
pub fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}
