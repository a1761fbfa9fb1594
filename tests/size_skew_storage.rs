//! `size` storage figures against the disk and against `info`: on every testdata snapshot the
//! totals equal `info`'s, and for savepoints (every state file belongs to the one savepoint
//! folder) the bytes on storage equal the file sizes on disk; per key-group handle, header
//! bytes plus the per-key-group bytes equal the state file's size.

mod common;

use std::path::{Path, PathBuf};

use common::{inventories, run_json};
use serde_json::Value;

fn snapshots() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for (case, inv) in inventories() {
        for snap in inv["snapshots"].as_array().expect("snapshots[]") {
            out.push((case.join(snap["path"].as_str().unwrap()), snap.clone()));
        }
    }
    assert!(out.len() >= 24, "found {} snapshots", out.len());
    out
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Sum of the sizes of the files in `dir` (recursively), without `_metadata`.
fn disk_bytes(dir: &Path) -> (u64, usize) {
    let mut total = 0;
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            let (t, k) = disk_bytes(&p);
            total += t;
            n += k;
        } else if e.file_name() != "_metadata" {
            total += e.metadata().unwrap().len();
            n += 1;
        }
    }
    (total, n)
}

#[test]
fn size_totals_reconcile_with_info() {
    for (path, _) in snapshots() {
        let ctx = path.display();
        let info = run_json(["info".as_ref(), path.as_os_str()]);
        let size = run_json(["size".as_ref(), path.as_os_str()]);
        for k in [
            "state_size",
            "checkpointed_size",
            "keyed_state_size",
            "operator_state_size",
            "inline_size",
            "files",
        ] {
            assert_eq!(size["totals"][k], info["totals"][k], "{ctx}: {k}");
        }
        let ops = size["operators"].as_array().unwrap();
        assert_eq!(ops.len(), info["operators"].as_array().unwrap().len());
        for (s, i) in ops.iter().zip(info["operators"].as_array().unwrap()) {
            assert_eq!(s["id"], i["id"]);
            assert_eq!(s["storage"]["state_size"], i["state_size"], "{ctx}");
            assert_eq!(
                s["storage"]["checkpointed_size"], i["checkpointed_size"],
                "{ctx}"
            );
            let sub: u64 = s["subtasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| u(&t["state_size"]))
                .sum();
            // coordinator state is the operator's, not a subtask's
            assert_eq!(
                sub + u(&i["coordinator_state_size"]),
                u(&i["state_size"]),
                "{ctx}"
            );
        }
    }
}

#[test]
fn savepoint_storage_equals_the_files_on_disk() {
    let mut checked = 0;
    for (path, snap) in snapshots() {
        if snap["kind"] != "savepoint" {
            continue;
        }
        let size = run_json(["size".as_ref(), path.as_os_str()]);
        let t = &size["totals"];
        let (on_disk, files) = disk_bytes(&path);
        assert_eq!(
            u(&t["state_size"]) - u(&t["inline_size"]),
            on_disk,
            "{}: file bytes",
            path.display()
        );
        assert_eq!(u(&t["files"]), files as u64, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 12, "savepoints checked: {checked}");
}

#[test]
fn key_group_bytes_add_up_to_each_state_file() {
    let mut files = 0;
    for (path, _) in snapshots() {
        let size = run_json(["size".as_ref(), path.as_os_str(), "--key-groups".as_ref()]);
        let listed = run_json(["files".as_ref(), path.as_os_str()]);
        for op in size["operators"].as_array().unwrap() {
            for st in op["subtasks"].as_array().unwrap() {
                let Some(kgs) = st["key_group_bytes"].as_array() else {
                    continue;
                };
                let header = u(&st["header_bytes"]);
                let sum: u64 = kgs.iter().map(|k| u(&k[1])).sum();
                assert!(kgs.iter().all(|k| u(&k[1]) > 0));
                // the subtask's one keyed file, found on disk through `files`
                let file = keyed_file(&listed, op["id"].as_str().unwrap(), u(&st["subtask"]));
                let Some(file) = file else { continue };
                let len = std::fs::metadata(&file).unwrap().len();
                assert_eq!(header + sum, len, "{}", file.display());
                files += 1;
            }
        }
    }
    assert!(files >= 20, "state files checked: {files}");
}

/// The local path of the managed keyed state file of (operator, subtask), from `files --json`.
fn keyed_file(files: &Value, op: &str, subtask: u64) -> Option<PathBuf> {
    let list = files["files"].as_array()?;
    let mine: Vec<&Value> = list
        .iter()
        .filter(|f| {
            f["owners"].as_array().is_some_and(|o| {
                o.iter().any(|o| {
                    o["operator"] == op
                        && o["subtask"] == subtask
                        && o["slot"] == "managed keyed state"
                })
            })
        })
        .collect();
    match mine.as_slice() {
        [one] => one["resolved"].as_str().map(PathBuf::from),
        _ => None,
    }
}
