//! `export --out s3://…` / `az://…` is all-or-nothing on the store too: a failed export (a
//! corrupt state file in the snapshot on the store) exits 2 and leaves nothing under the
//! output prefix, neither `_manifest.json` nor parts nor temporary objects; `--force` over an
//! earlier export leaves exactly the new dataset.
//!
//! (fake-gcs-server does not accept object_store's uploads, so GCS is not an export target
//! here.) Runs only when FI_STORAGE_EMULATORS is set (`.ci/run` sets it); otherwise SKIP.

mod object_store_common;

use object_store_common::{Remote, copy_dir, emulators, repo, run, walk};

fn savepoint() -> std::path::PathBuf {
    repo().join("testdata/flink-2.3.0/keyed-hashmap-savepoint/savepoint")
}

fn failed_export_leaves_nothing(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = Remote::new(scheme, "export-fail");
    let tmp = tempfile::tempdir().unwrap();
    let sp = tmp.path().join("sp");
    copy_dir(&savepoint(), &sp);
    // Damage the second half of the largest state file: its header and early key groups read
    // fine, so datasets are being written when the damage is found.
    let victim = walk(&sp)
        .into_iter()
        .filter(|p| p.file_name().unwrap() != "_metadata")
        .max_by_key(|p| std::fs::metadata(sp.join(p)).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(sp.join(&victim)).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 2..n / 2 + 64] {
        *b = 0xff;
    }
    std::fs::write(sp.join(&victim), &bytes).unwrap();
    remote.upload("corrupt", &sp);

    // From the store to the store, and from a local copy to the store.
    let out = remote.url("out-remote-src");
    let r = run(&["export", &remote.url("corrupt"), "--out", &out]);
    assert_eq!(r.code, 2, "stdout {} stderr {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(victim.to_str().unwrap()),
        "the error names the corrupt file: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let out = remote.url("out-local-src");
    let r = run(&["export", sp.to_str().unwrap(), "--out", &out]);
    assert_eq!(r.code, 2, "stdout {} stderr {}", r.stdout, r.stderr);

    // Only the uploaded snapshot is in the run's prefix: no manifest, no part, no .tmp-*.
    let everything: Vec<String> = remote.download("").into_iter().map(|f| f.0).collect();
    let uploaded: Vec<String> = walk(&sp)
        .into_iter()
        .map(|p| format!("corrupt/{}", p.to_str().unwrap()))
        .collect();
    assert_eq!(everything, uploaded);
}

#[test]
fn s3_failed_export_leaves_nothing() {
    failed_export_leaves_nothing("s3");
}

#[test]
fn azure_failed_export_leaves_nothing() {
    failed_export_leaves_nothing("az");
}

/// A non-empty output prefix is refused without `--force`; with it, the new export replaces
/// the old objects entirely (no stale parts, manifest of the new export).
fn force_replaces(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = Remote::new(scheme, "export-force");
    let sp = savepoint();
    let out = remote.url("out");
    let first = run(&["export", sp.to_str().unwrap(), "--out", &out]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let full: Vec<String> = remote.download("out").into_iter().map(|f| f.0).collect();
    assert!(full.contains(&"_manifest.json".to_string()), "{full:?}");

    let again = run(&["export", sp.to_str().unwrap(), "--out", &out]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    let unchanged: Vec<String> = remote.download("out").into_iter().map(|f| f.0).collect();
    assert_eq!(unchanged, full);

    // One state only: fewer datasets than before.
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("one");
    let sp_s = sp.to_str().unwrap();
    let l = run(&[
        "export",
        sp_s,
        "--out",
        local.to_str().unwrap(),
        "--state",
        "avg_amount",
    ]);
    assert_eq!(l.code, 0, "{}", l.stderr);
    let r = run(&[
        "export",
        sp_s,
        "--out",
        &out,
        "--force",
        "--state",
        "avg_amount",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after: Vec<String> = remote.download("out").into_iter().map(|f| f.0).collect();
    let expected: Vec<String> = walk(&local)
        .into_iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    assert!(expected.len() < full.len(), "{expected:?} vs {full:?}");
    assert_eq!(after, expected, "stale objects left by the first export");
}

#[test]
fn s3_force_replaces() {
    force_replaces("s3");
}

#[test]
fn azure_force_replaces() {
    force_replaces("az");
}
