//! Helpers shared by the integration tests: where the data is, and running the binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The project's own real-Flink snapshots.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Flink's own test snapshots: `$FLINK_FIXTURES`, else `../shared/flink-fixtures`. Missing is
/// a failure, not a skip: these tests must not pass by reading nothing.
pub fn fixtures() -> PathBuf {
    let p = std::env::var_os("FLINK_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/flink-fixtures"));
    assert!(
        p.is_dir(),
        "Flink fixtures not found at {} (set FLINK_FIXTURES)",
        p.display()
    );
    // Without `..` in it, so the path compares equal to what the tool prints.
    p.canonicalize().expect("fixtures path canonicalizes")
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `flink-inspect ARGS`.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_flink-inspect"))
        .args(args)
        .output()
        .expect("the binary runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs with `--json` and parses stdout; panics with stderr on failure.
pub fn run_json<I, S>(args: I) -> serde_json::Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut v: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    v.push("--json".into());
    let out = run(&v);
    assert_eq!(out.code, 0, "flink-inspect {v:?} failed: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

/// Every `inventory.json` under testdata/, with its folder.
pub fn inventories() -> Vec<(PathBuf, serde_json::Value)> {
    let mut out = Vec::new();
    for version in std::fs::read_dir(testdata()).expect("testdata/") {
        let version = version.unwrap().path();
        if !version
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("flink-")
        {
            continue;
        }
        for case in std::fs::read_dir(&version).unwrap() {
            let case = case.unwrap().path();
            let inv = case.join("inventory.json");
            if inv.is_file() {
                let text = std::fs::read_to_string(&inv).unwrap();
                out.push((
                    case,
                    serde_json::from_str(&text).expect("inventory.json parses"),
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// The testdata case folder `name` (e.g. `keyed-rocksdb-incremental-chain`) of the first Flink
/// version that has it, with its inventory.
pub fn case(name: &str) -> (PathBuf, serde_json::Value) {
    inventories()
        .into_iter()
        .find(|(c, _)| c.ends_with(name))
        .unwrap_or_else(|| panic!("testdata case {name} not found"))
}

/// The one checkpoint base directory (`checkpoints/<job id>`) inside a checkpoint case folder.
pub fn checkpoint_base(case_dir: &Path) -> PathBuf {
    std::fs::read_dir(case_dir.join("checkpoints"))
        .expect("a checkpoints/ folder")
        .next()
        .expect("a job folder under checkpoints/")
        .unwrap()
        .path()
}

pub mod cells;
pub mod fixtures;
pub mod snapshot;
pub mod truth;
