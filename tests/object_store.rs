//! The same snapshots on local disk and on real storage APIs (moto for S3, Azurite for Azure
//! Blob, fake-gcs-server for GCS, started by tests/setup/storage.sh): every command must print
//! the same bytes, except for the location prefix.
//!
//! Runs only when FI_STORAGE_EMULATORS is set (`.ci/run` sets it); otherwise it says SKIP.

mod common;

mod object_store_common;

use std::path::PathBuf;

use object_store_common::{Remote, copy_dir, emulators, join, repo, run, walk};

fn fixtures() -> PathBuf {
    common::fixtures()
}

const CHAIN: &str = "testdata/flink-2.3.0/keyed-rocksdb-incremental-chain/checkpoints/d73b524ee02b1b033d6872c219013759";

/// Snapshots to compare: (name in the bucket, local folder, what to point the commands at,
/// relative to the folder).
fn cases() -> Vec<(&'static str, PathBuf, &'static str)> {
    let fx = fixtures().join("flink-tests/src/test/resources");
    vec![
        // A checkpoint base directory (newest chk-N picked), with absolute paths into shared/
        // recorded by the generator: a moved checkpoint.
        ("chain", repo().join(CHAIN), ""),
        // One retained checkpoint of it, named directly.
        ("chain-chk2", repo().join(CHAIN), "chk-2"),
        // A canonical savepoint with relative file names.
        (
            "savepoint",
            repo().join("testdata/flink-2.3.0/keyed-hashmap-savepoint/savepoint"),
            "",
        ),
        (
            "fx-rocksdb-chk",
            fx.join("new-stateful-udf-migration-itcase-flink1.20-rocksdb-checkpoint"),
            "",
        ),
        (
            "fx-hashmap-sp",
            fx.join("new-stateful-udf-migration-itcase-flink1.20-hashmap-savepoint"),
            "",
        ),
    ]
}

/// Uploads every case and compares `info` (JSON and table), `files --json` and
/// `files --check --json` with the local copy's output, the location prefix normalized.
fn matches_local(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = Remote::new(scheme, "same");
    let mut compared = 0;
    for (name, dir, target) in cases() {
        assert!(dir.is_dir(), "{} missing", dir.display());
        remote.upload(name, &dir);
        let local_root = dir.to_str().unwrap().to_string();
        let remote_root = remote.url(name);
        for cmd in [
            &["info", "--json"][..],
            &["files", "--json"][..],
            &["files", "--check", "--json"][..],
            // The info table has no paths in its cells (the files table pads its path
            // column to the path lengths, so only its JSON compares byte for byte).
            &["info"][..],
        ] {
            let local_loc = join(&local_root, target);
            let remote_loc = join(&remote_root, target);
            let mut l_args = cmd.to_vec();
            l_args.push(&local_loc);
            let mut r_args = cmd.to_vec();
            r_args.push(&remote_loc);
            let l = run(&l_args);
            let r = run(&r_args);
            assert_eq!(l.code, 0, "{name} local {cmd:?}: {}", l.stderr);
            assert_eq!(r.code, 0, "{name} {scheme} {cmd:?}: {}", r.stderr);
            assert!(
                l.stdout.contains(&local_root),
                "{name}: the local output names its location"
            );
            let normalized = l.stdout.replace(&local_root, &remote_root);
            assert!(
                normalized == r.stdout,
                "{name} {cmd:?}: {scheme} output differs from local\n--- local (normalized)\n{normalized}\n--- {scheme}\n{}",
                r.stdout
            );
            compared += 1;
        }
    }
    assert_eq!(compared, cases().len() * 4);
}

#[test]
fn s3_output_matches_local() {
    matches_local("s3");
}

#[test]
fn azure_output_matches_local() {
    matches_local("az");
}

#[test]
fn gcs_output_matches_local() {
    matches_local("gs");
}

/// A referenced file deleted after `info` (retention racing the reader): `files --check` exits
/// 1 naming it, `state` exits 2 with an error naming it; and a location without `_metadata`
/// exits 2 with a plain not-found message naming the path.
fn deleted_and_missing(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = Remote::new(scheme, "deleted");
    let dir = repo().join("testdata/flink-2.3.0/keyed-rocksdb-savepoint/savepoint");
    remote.upload("sp", &dir);
    let loc = remote.url("sp");
    let info = run(&["info", &loc]);
    assert_eq!(info.code, 0, "{}", info.stderr);
    // The largest state file: one of main-keyed's subtask files.
    let victim = walk(&dir)
        .into_iter()
        .filter(|p| p.file_name().unwrap() != "_metadata")
        .max_by_key(|p| std::fs::metadata(dir.join(p)).unwrap().len())
        .unwrap();
    let victim = victim.to_str().unwrap();
    let before = run(&["state", "--json", "--operator", "main-keyed", &loc]);
    assert_eq!(before.code, 0, "{}", before.stderr);
    remote.delete("sp", victim);
    let state = run(&["state", "--json", "--operator", "main-keyed", &loc]);
    assert_eq!(state.code, 2, "{}", state.stderr);
    let gone = format!("{loc}/{victim}");
    let line = state
        .stderr
        .lines()
        .find(|l| l.contains(&gone))
        .unwrap_or_else(|| panic!("no error naming {gone}:\n{}", state.stderr));
    assert!(line.contains("not found"), "{line}");
    assert!(!state.stderr.contains("panicked"), "{}", state.stderr);
    let check = run(&["files", "--check", &loc]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    let line = check
        .stdout
        .lines()
        .find(|l| l.contains("MISSING"))
        .unwrap_or_else(|| panic!("no MISSING row:\n{}", check.stdout));
    // The table names files relative to the root it prints first.
    assert!(
        check.stdout.contains(&format!("files under {loc}/")) && line.contains(victim),
        "{}",
        check.stdout
    );
    assert_eq!(check.stdout.matches("MISSING").count(), 1);

    let nowhere = remote.url("no-such-snapshot");
    let r = run(&["info", &nowhere]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(&nowhere), "{}", r.stderr);
    assert!(r.stderr.contains("not found"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn s3_deleted_and_missing() {
    deleted_and_missing("s3");
}

#[test]
fn azure_deleted_and_missing() {
    deleted_and_missing("az");
}

#[test]
fn gcs_deleted_and_missing() {
    deleted_and_missing("gs");
}

/// `ls --json` with the `_metadata` times removed (upload time differs from the local copy's).
fn ls_json_without_times(loc: &str) -> (i32, serde_json::Value) {
    let r = run(&["ls", "--json", loc]);
    assert!(
        r.code == 0 || r.code == 1,
        "ls {loc}: exit {}: {}",
        r.code,
        r.stderr
    );
    let mut v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for s in v["snapshots"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("metadata_time");
    }
    (r.code, v)
}

/// `ls` on a remote checkpoint base directory with a deleted shared file says what it says on
/// a local copy with the same file deleted.
fn ls_matches_local(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = Remote::new(scheme, "ls");
    let src = repo().join(CHAIN);
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("job");
    copy_dir(&src, &local);
    // A shared file the newest checkpoint references (its name is in the _metadata bytes).
    let meta = std::fs::read(src.join("chk-3/_metadata")).unwrap();
    let victim = walk(&src.join("shared"))
        .into_iter()
        .map(|p| p.to_str().unwrap().to_string())
        .find(|n| meta.windows(n.len()).any(|w| w == n.as_bytes()))
        .unwrap();
    remote.upload("job", &src);
    remote.delete("job", &format!("shared/{victim}"));
    std::fs::remove_file(local.join("shared").join(&victim)).unwrap();

    let (lcode, lv) = ls_json_without_times(local.to_str().unwrap());
    let (rcode, rv) = ls_json_without_times(&remote.url("job"));
    assert_eq!((lcode, rcode), (1, 1));
    let normalized = serde_json::to_string_pretty(&lv)
        .unwrap()
        .replace(local.to_str().unwrap(), &remote.url("job"));
    let remote_text = serde_json::to_string_pretty(&rv).unwrap();
    assert!(
        normalized == remote_text,
        "ls differs\n--- local (normalized)\n{normalized}\n--- {scheme}\n{remote_text}"
    );
    let missing = &rv["bases"][0]["missing"];
    assert_eq!(
        missing[0]["path"],
        format!("{}/shared/{victim}", remote.url("job")).as_str()
    );
    // chk-3 references it, so chk-3 cannot be restored.
    let chk3 = rv["bases"][0]["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "chk-3")
        .unwrap();
    assert_eq!(chk3["restorable"], false, "{chk3:#}");
    assert!(
        strs_contain(&missing[0]["checkpoints"], "chk-3"),
        "{missing:#}"
    );
}

#[test]
fn s3_ls_matches_local() {
    ls_matches_local("s3");
}

#[test]
fn azure_ls_matches_local() {
    ls_matches_local("az");
}

#[test]
fn gcs_ls_matches_local() {
    ls_matches_local("gs");
}

fn strs_contain(v: &serde_json::Value, want: &str) -> bool {
    v.as_array()
        .is_some_and(|a| a.iter().any(|s| s.as_str() == Some(want)))
}

/// Wrong credentials against Azurite (which checks SharedKey signatures): exit 2 at once, the
/// path named, said to be a permission or authentication problem; no panic, no retry loop.
#[test]
fn azure_wrong_key_is_a_plain_error() {
    if !emulators() {
        return;
    }
    let remote = Remote::new("az", "wrong-key");
    remote.upload(
        "sp",
        &repo().join("testdata/flink-2.3.0/evolution-v1/savepoint"),
    );
    let loc = remote.url("sp");
    // A well-formed key that is not the account's.
    let wrong = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleS0=";
    let r = object_store_common::run_env(&["info", &loc], &[("AZURE_STORAGE_ACCOUNT_KEY", wrong)]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains(&loc), "{}", r.stderr);
    assert!(
        r.stderr.contains("permission denied") || r.stderr.contains("not authenticated"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    // The right key still reads it.
    assert_eq!(run(&["info", &loc]).code, 0);
}
