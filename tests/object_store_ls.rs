//! `flink-inspect ls` on local copies of the incremental-chain testdata. The truth for "which
//! shared files does chk-N reference" is computed independently: a shared file's name (a UUID)
//! occurs in the bytes of every `_metadata` whose handles reference it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_flink-inspect");
const CHAIN: &str = "testdata/flink-2.3.0/keyed-rocksdb-incremental-chain/checkpoints/d73b524ee02b1b033d6872c219013759";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn chain_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("job");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CHAIN), &base);
    (tmp, base)
}

fn ls(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).arg("ls").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ls_json(base: &Path) -> (i32, Value) {
    let (code, out, err) = ls(&["--json", base.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    (code, serde_json::from_str(&out).unwrap())
}

/// chk-N name → shared file names whose bytes occur in its `_metadata`.
fn truth(base: &Path) -> Vec<(String, Vec<String>)> {
    let shared: Vec<String> = std::fs::read_dir(base.join("shared"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut out = Vec::new();
    let mut chks: Vec<String> = std::fs::read_dir(base)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("chk-"))
        .collect();
    chks.sort();
    for chk in chks {
        let meta = std::fs::read(base.join(&chk).join("_metadata")).unwrap();
        let mut refs: Vec<String> = shared
            .iter()
            .filter(|s| meta.windows(s.len()).any(|w| w == s.as_bytes()))
            .map(|s| format!("shared/{s}"))
            .collect();
        refs.sort();
        out.push((chk, refs));
    }
    out
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn intact_chain_matches_independent_truth() {
    let (_tmp, base) = chain_copy();
    let (code, v) = ls_json(&base);
    assert_eq!(code, 0, "{v:#}");
    let truth = truth(&base);
    assert_eq!(truth.len(), 3);
    let snaps = v["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 3);
    for s in snaps {
        assert_eq!(s["complete"], true, "{s:#}");
        assert_eq!(s["kind"], "checkpoint");
        assert!(s["bytes"].as_u64().unwrap() > 0);
        assert!(s["metadata_time"].as_str().unwrap().ends_with('Z'));
    }
    let bases = v["bases"].as_array().unwrap();
    assert_eq!(bases.len(), 1);
    let b = &bases[0];
    assert_eq!(b["location"], base.to_str().unwrap());
    let cps = b["checkpoints"].as_array().unwrap();
    for ((chk, refs), cp) in truth.iter().zip(cps) {
        assert_eq!(cp["name"], chk.as_str());
        assert_eq!(&strs(&cp["shared"]), refs, "{chk}");
        assert_eq!(cp["restorable"], true);
    }
    // Orphans: shared files no _metadata names.
    let referenced: std::collections::BTreeSet<&String> =
        truth.iter().flat_map(|(_, r)| r.iter()).collect();
    let all = std::fs::read_dir(base.join("shared")).unwrap().count();
    assert_eq!(
        b["orphans"].as_array().unwrap().len(),
        all - referenced.len()
    );
    assert_eq!(b["missing"].as_array().unwrap().len(), 0);
}

#[test]
fn deleted_shared_file_and_stray_orphan() {
    let (_tmp, base) = chain_copy();
    let truth = truth(&base);
    // The shared file referenced by the most checkpoints, but not by all (when possible).
    let mut counts: std::collections::BTreeMap<&String, Vec<&String>> = Default::default();
    for (chk, refs) in &truth {
        for r in refs {
            counts.entry(r).or_default().push(chk);
        }
    }
    let (victim, needers) = counts
        .iter()
        .max_by_key(|(_, c)| (c.len() < truth.len(), c.len()))
        .unwrap();
    std::fs::remove_file(base.join(victim)).unwrap();
    let stray = base.join("shared/stray-left-by-a-crash");
    std::fs::write(&stray, vec![7u8; 1234]).unwrap();
    // Files now in shared/ that no _metadata names (the stray among them).
    let expected_orphans = {
        let referenced: std::collections::BTreeSet<&String> =
            truth.iter().flat_map(|(_, r)| r.iter()).collect();
        std::fs::read_dir(base.join("shared"))
            .unwrap()
            .map(|e| format!("shared/{}", e.unwrap().file_name().into_string().unwrap()))
            .filter(|n| !referenced.contains(n))
            .count()
    };
    assert!(expected_orphans >= 1);

    let (code, v) = ls_json(&base);
    assert_eq!(code, 1, "{v:#}");
    let b = &v["bases"][0];
    let victim_path = format!("{}/{victim}", base.display());
    let missing = b["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["path"], victim_path.as_str());
    let expected_needers: Vec<String> = needers.iter().map(|s| s.to_string()).collect();
    assert_eq!(strs(&missing[0]["checkpoints"]), expected_needers);
    for cp in b["checkpoints"].as_array().unwrap() {
        let name = cp["name"].as_str().unwrap().to_string();
        assert_eq!(
            cp["restorable"],
            !expected_needers.contains(&name),
            "{name}"
        );
    }
    for s in v["snapshots"].as_array().unwrap() {
        let needs = expected_needers.contains(&s["name"].as_str().unwrap().to_string());
        assert_eq!(s["complete"], !needs);
        if needs {
            assert_eq!(s["problems"][0]["path"], victim_path.as_str());
            assert_eq!(s["problems"][0]["status"], "missing");
        }
    }
    let orphans = b["orphans"].as_array().unwrap();
    // The deleted file is not an orphan (it is gone); the stray is, with its size.
    assert_eq!(orphans.len(), expected_orphans);
    let o = orphans
        .iter()
        .find(|o| o["path"] == stray.to_str().unwrap())
        .expect("stray file listed as orphan");
    assert_eq!(o["size"], 1234);
    assert!(b["orphan_bytes"].as_u64().unwrap() >= 1234);

    // The table says the same in words.
    let (code, out, _) = ls(&[base.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!("missing {victim_path} (needed by")),
        "{out}"
    );
    assert!(out.contains("orphan ") && out.contains("stray-left-by-a-crash"));
}

#[test]
fn wrong_size_makes_incomplete() {
    let (_tmp, base) = chain_copy();
    let truth = truth(&base);
    let (chk, refs) = truth.last().unwrap();
    let f = base.join(&refs[0]);
    let mut bytes = std::fs::read(&f).unwrap();
    bytes.push(0);
    std::fs::write(&f, bytes).unwrap();
    let (code, v) = ls_json(&base);
    assert_eq!(code, 1);
    let s = v["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == chk.as_str())
        .unwrap();
    assert_eq!(s["complete"], false);
    assert_eq!(s["problems"][0]["status"], "wrong_size");
}

#[test]
fn savepoints_under_a_prefix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/flink-2.3.0");
    let (code, out, err) = ls(&["--json", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let snaps = v["snapshots"].as_array().unwrap();
    // Independent count: every _metadata file below the prefix.
    let mut count = 0;
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() == "_metadata" {
                count += 1;
            }
        }
    }
    assert_eq!(snaps.len(), count);
    let sp = snaps
        .iter()
        .find(|s| {
            s["location"]
                .as_str()
                .unwrap()
                .ends_with("keyed-hashmap-savepoint/savepoint")
        })
        .unwrap();
    assert_eq!(sp["kind"], "savepoint");
    assert_eq!(sp["format"], "canonical");
    assert_eq!(sp["complete"], true);
}

#[test]
fn nothing_there_is_trouble() {
    let tmp = tempfile::tempdir().unwrap();
    let gone = tmp.path().join("nope");
    let (code, out, err) = ls(&[gone.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains(gone.to_str().unwrap()) && err.contains("not found"),
        "{err}"
    );
}
