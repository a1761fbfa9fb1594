//! `info` and `files` against the project's own real-Flink snapshots: the inventory the
//! generator recorded from Flink itself, uid labelling, damaged metadata, and proof that
//! `info` reads no state file.

mod common;

use common::{copy_dir, inventories, run, run_json};
use serde_json::Value;

fn snapshots() -> Vec<(std::path::PathBuf, Value, Value)> {
    let mut out = Vec::new();
    for (case, inv) in inventories() {
        for snap in inv["snapshots"].as_array().expect("snapshots[]") {
            let path = case.join(snap["path"].as_str().unwrap());
            out.push((path, snap.clone(), inv.clone()));
        }
    }
    assert!(
        out.len() >= 24,
        "expected the generator's snapshots, found {}",
        out.len()
    );
    out
}

fn find_op<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("operator {id} not in report"))
}

#[test]
fn info_matches_the_inventory_flink_recorded() {
    let mut checked_ops = 0;
    for (path, snap, inv) in snapshots() {
        let r = run_json(["info".as_ref(), path.as_os_str()]);
        let ctx = path.display();
        assert_eq!(r["checkpoint_id"], snap["checkpoint_id"], "{ctx}");
        assert_eq!(r["metadata_version"], snap["metadata_version"], "{ctx}");
        assert_eq!(r["kind"], snap["kind"], "{ctx}");
        if snap["kind"] == "savepoint" {
            assert_eq!(r["format"], snap["format"], "{ctx}");
        } else {
            assert_eq!(r["format"], Value::Null, "{ctx}");
        }
        let version = snap["metadata_version"].as_u64().unwrap();
        for op in inv["operators"].as_array().unwrap() {
            let got = find_op(&r, op["operator_id"].as_str().unwrap());
            if version >= 5 {
                assert_eq!(got["uid"], op["uid"], "{ctx}");
                assert_eq!(got["uid_source"], "stored", "{ctx}");
            } else {
                assert_eq!(
                    got["uid"],
                    Value::Null,
                    "{ctx}: version {version} stores no uid"
                );
            }
            assert_eq!(got["parallelism"], op["parallelism"], "{ctx}");
            if op["max_parallelism"].as_i64() != Some(-1) {
                assert_eq!(got["max_parallelism"], op["max_parallelism"], "{ctx}");
            }
            if op["stateful"] == true {
                assert!(
                    got["state_size"].as_u64().unwrap() > 0,
                    "{ctx}: {}",
                    op["uid"]
                );
            }
            checked_ops += 1;
        }
        assert_eq!(
            r["operators"].as_array().unwrap().len(),
            inv["operators"].as_array().unwrap().len(),
            "{ctx}: operator count"
        );
    }
    assert!(checked_ops >= 96, "{checked_ops}");
}

#[test]
fn given_uids_label_operators_of_files_without_uids() {
    let mut labelled = 0;
    for (path, snap, inv) in snapshots() {
        if snap["metadata_version"].as_u64().unwrap() >= 5 {
            continue;
        }
        let mut args: Vec<String> = vec!["info".into(), path.display().to_string()];
        for op in inv["operators"].as_array().unwrap() {
            args.push("--uid".into());
            args.push(op["uid"].as_str().unwrap().into());
        }
        args.push("--uid".into());
        args.push("no-such-operator".into());
        let r = run_json(&args);
        for op in inv["operators"].as_array().unwrap() {
            let got = find_op(&r, op["operator_id"].as_str().unwrap());
            assert_eq!(got["uid"], op["uid"]);
            assert_eq!(got["uid_source"], "given");
            labelled += 1;
        }
        assert_eq!(r["unmatched_uids"], serde_json::json!(["no-such-operator"]));
    }
    assert!(labelled > 0, "no version-4 snapshot in testdata");
}

fn a_canonical_savepoint() -> std::path::PathBuf {
    snapshots()
        .into_iter()
        .find(|(_, s, _)| s["format"] == "canonical")
        .map(|(p, _, _)| p)
        .expect("a canonical savepoint in testdata")
}

#[test]
fn damaged_metadata_exits_2_naming_file_and_offset() {
    let src = a_canonical_savepoint().join("_metadata");
    let bytes = std::fs::read(&src).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let meta = dir.path().join("_metadata");
    // Cut at several places, and break the magic.
    let mut variants: Vec<Vec<u8>> = [3, 8, 20, bytes.len() / 2, bytes.len() - 1]
        .iter()
        .map(|&n| bytes[..n].to_vec())
        .collect();
    let mut bad_magic = bytes.clone();
    bad_magic[0] ^= 0xff;
    variants.push(bad_magic);
    for v in variants {
        std::fs::write(&meta, &v).unwrap();
        let out = run(["info".as_ref(), meta.as_os_str()]);
        assert_eq!(out.code, 2, "len {}: {}", v.len(), out.stderr);
        assert!(
            out.stderr.contains(&meta.display().to_string()),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("byte "), "{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

#[test]
fn info_reads_no_state_file() {
    let mut compared = 0;
    for (path, _, _) in snapshots() {
        let full = run_json(["info".as_ref(), path.as_os_str()]);
        // A copy with nothing but the _metadata file(s): every state file is gone.
        let dir = tempfile::tempdir().unwrap();
        let meta = if path.join("_metadata").is_file() {
            path.join("_metadata")
        } else {
            let loc = full["location"].as_str().unwrap();
            std::path::PathBuf::from(loc)
        };
        let copy = dir.path().join("_metadata");
        std::fs::copy(&meta, &copy).unwrap();
        let bare = run_json(["info".as_ref(), copy.as_os_str()]);
        assert_eq!(full["operators"], bare["operators"], "{}", path.display());
        assert_eq!(full["totals"], bare["totals"], "{}", path.display());
        compared += 1;
    }
    assert!(compared >= 24);
}

#[test]
fn files_check_passes_on_testdata_and_finds_missing_and_short_files() {
    for (path, _, _) in snapshots() {
        let out = run(["files".as_ref(), "--check".as_ref(), path.as_os_str()]);
        assert_eq!(
            out.code,
            0,
            "{}: {}{}",
            path.display(),
            out.stdout,
            out.stderr
        );
    }
    // A moved incremental chain: delete a shared file and shorten another.
    let (case, _) = common::case("keyed-rocksdb-incremental-chain");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&case, dir.path());
    let base = common::checkpoint_base(dir.path());
    let report = run_json(["files".as_ref(), base.as_os_str()]);
    let shared: Vec<&Value> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["scope"] == "shared")
        .collect();
    assert!(shared.len() >= 2);
    let gone = shared[0]["resolved"].as_str().unwrap().to_string();
    let short = shared[1]["resolved"].as_str().unwrap().to_string();
    assert!(
        gone.starts_with(&dir.path().display().to_string()),
        "mapped onto the copy: {gone}"
    );
    std::fs::remove_file(&gone).unwrap();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&short)
        .unwrap();
    f.set_len(1).unwrap();
    let out = run(["files".as_ref(), "--check".as_ref(), base.as_os_str()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("MISSING"), "{}", out.stdout);
    assert!(out.stdout.contains("WRONG SIZE"), "{}", out.stdout);
    assert!(
        out.stdout.contains("the snapshot was moved"),
        "{}",
        out.stdout
    );
    let j = run([
        "files".as_ref(),
        "--check".as_ref(),
        "--json".as_ref(),
        base.as_os_str(),
    ]);
    let j: Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(j["totals"]["missing"], 1);
    assert_eq!(j["totals"]["wrong_size"], 1);
}

#[test]
fn rebase_overrides_the_moved_mapping() {
    let (case, _) = common::case("keyed-rocksdb-incremental-chain");
    let base = common::checkpoint_base(&case);
    let report = run_json(["files".as_ref(), base.as_os_str()]);
    let recorded = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["scope"] == "shared")
        .unwrap()["recorded"]
        .as_str()
        .unwrap()
        .to_string();
    // Everything before "/shared/" is the recorded base directory.
    let old = &recorded[..recorded.find("/shared/").unwrap()];
    let rule = format!("{old}={}", base.display());
    let out = run([
        "files".as_ref(),
        "--check".as_ref(),
        "--rebase".as_ref(),
        rule.as_ref(),
        base.as_os_str(),
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("the snapshot was moved"));
    // A rule to nowhere makes the shared files missing.
    let out = run([
        "files".as_ref(),
        "--check".as_ref(),
        "--rebase".as_ref(),
        format!("{old}=/nonexistent/place").as_ref(),
        base.as_os_str(),
    ]);
    assert_eq!(out.code, 1);
}

#[test]
fn a_checkpoint_base_directory_resolves_to_the_newest_complete_checkpoint() {
    let (case, inv) = common::case("keyed-rocksdb-incremental-chain");
    let newest = inv["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["checkpoint_id"].as_i64().unwrap())
        .max()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&case, dir.path());
    let base = common::checkpoint_base(dir.path());
    let r = run_json(["info".as_ref(), base.as_os_str()]);
    assert_eq!(r["checkpoint_id"], newest);
    assert!(
        r["notes"][0]
            .as_str()
            .unwrap()
            .contains(&format!("chk-{newest}"))
    );
    // An incomplete newer checkpoint (no _metadata) is skipped, and said so.
    std::fs::create_dir_all(base.join(format!("chk-{}", newest + 1))).unwrap();
    let r = run_json(["info".as_ref(), base.as_os_str()]);
    assert_eq!(r["checkpoint_id"], newest);
    assert!(
        r["notes"].to_string().contains("incomplete"),
        "{}",
        r["notes"]
    );
}

#[test]
fn info_totals_reconcile_on_every_flink_fixture() {
    use flink_inspect::io::LocalFile;
    use flink_inspect::report::info::{UidLabels, info};
    let mut n = 0;
    let mut stack = vec![common::fixtures()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|f| f == "_metadata") {
                let f = LocalFile::open(&p).unwrap();
                let snap =
                    flink_inspect::metadata::read_metadata(&f).unwrap_or_else(|e| panic!("{e}"));
                let r = info(&snap, &p.display().to_string(), &UidLabels::default());
                assert_eq!(
                    r.totals.sizes.state_size,
                    snap.state_size(),
                    "{}",
                    p.display()
                );
                let by_ops: u64 = r.operators.iter().map(|o| o.sizes.state_size).sum();
                assert_eq!(by_ops, r.totals.sizes.state_size);
                let parts = r.totals.sizes.keyed_state_size
                    + r.totals.sizes.operator_state_size
                    + r.totals.sizes.channel_state_size
                    + r.totals.sizes.coordinator_state_size;
                assert_eq!(parts, r.totals.sizes.state_size, "{}", p.display());
                n += 1;
            }
        }
    }
    assert_eq!(n, 489);
}

#[test]
fn uids_file_labels_like_uid_flags() {
    let (case, inv) = common::case("keyed-hashmap-savepoint");
    let v4 = case
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("flink-1.20.5/keyed-hashmap-savepoint");
    let path = if v4.is_dir() { v4 } else { case.clone() };
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("uids.txt");
    let mut text = String::from("# uids of the job\n\n");
    for op in inv["operators"].as_array().unwrap() {
        text.push_str(op["uid"].as_str().unwrap());
        text.push('\n');
    }
    text.push_str("typo-uid\n");
    std::fs::write(&list, text).unwrap();
    let r = run_json([
        "info".as_ref(),
        path.join("savepoint").as_os_str(),
        "--uids-file".as_ref(),
        list.as_os_str(),
    ]);
    assert_eq!(
        r["metadata_version"], 4,
        "the test needs a file without stored uids"
    );
    for op in inv["operators"].as_array().unwrap() {
        let got = find_op(&r, op["operator_id"].as_str().unwrap());
        assert_eq!(got["uid"], op["uid"]);
        assert_eq!(got["uid_source"], "given");
    }
    assert_eq!(r["unmatched_uids"], serde_json::json!(["typo-uid"]));
}
