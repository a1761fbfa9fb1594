//! Every keyed state in the SQL restore-test savepoints of Flink's own fixtures exports, and
//! DuckDB and pyarrow read every file with the manifest's row counts.

mod common;
mod export_common;

use std::path::{Path, PathBuf};

use common::{fixtures, run};
use export_common::{check, python};

fn savepoints(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        if p.file_name().is_some_and(|n| n == "savepoint") && p.join("_metadata").is_file() {
            out.push(p);
        } else {
            savepoints(&p, out);
        }
    }
}

#[test]
fn sql_restore_test_savepoints_export_and_read_back() {
    let py = python();
    let root = fixtures().join("flink-table");
    let mut found = Vec::new();
    savepoints(&root, &mut found);
    found.retain(|p| p.to_string_lossy().contains("restore-tests"));
    found.sort();
    assert!(
        found.len() >= 200,
        "only {} restore-test savepoints found",
        found.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut exports = Vec::new();
    let mut failures = Vec::new();
    let (mut datasets, mut keyed, mut rows) = (0u64, 0u64, 0u64);
    for (i, sp) in found.iter().enumerate() {
        let out = tmp.path().join(format!("e{i:04}"));
        let r = run([
            "export".as_ref(),
            sp.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--json".as_ref(),
        ]);
        if r.code != 0 {
            failures.push(format!(
                "{}: exit {}: {}",
                sp.display(),
                r.code,
                r.stderr.trim()
            ));
            continue;
        }
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("_manifest.json")).unwrap()).unwrap();
        for d in m["datasets"].as_array().unwrap() {
            datasets += 1;
            keyed += (d["kind"] == "keyed") as u64;
            rows += d["rows"].as_u64().unwrap();
        }
        exports.push((out, None));
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        found.len(),
        failures.join("\n")
    );
    eprintln!(
        "exported {} SQL restore-test savepoints: {datasets} datasets ({keyed} keyed states), \
         {rows} rows",
        found.len()
    );
    assert!(keyed > 100, "only {keyed} keyed states exported");
    let Some(py) = py else { return };
    let mut files = 0;
    for s in check(&py, &exports) {
        assert!(
            s["mismatches"].as_array().is_some_and(|m| m.is_empty()),
            "{s}"
        );
        files += s["files"].as_u64().unwrap();
    }
    eprintln!("DuckDB and pyarrow read all {files} files");
}
