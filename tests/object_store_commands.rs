//! `state`, `size`, `skew`, `schema`, `contract`, `compat` and `export` on `s3://`, `az://` and
//! `gs://` copies of a handful of testdata snapshots print exactly what they print on the
//! local copy, once the location string is normalized (the local root replaced by the URL).
//! The local outputs are checked against Flink's ground truth by the other test binaries; here
//! the remote ones must equal them byte for byte.
//!
//! The snapshots go up once per service for the whole binary. Runs only when
//! FI_STORAGE_EMULATORS is set (`.ci/run` sets it); otherwise it says SKIP.

mod object_store_common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use object_store_common::{Remote, SCHEMES, emulators, repo, run, walk};

const TD: &str = "testdata/flink-2.3.0";

/// (name in the bucket, folder below testdata/flink-2.3.0).
const CASES: [(&str, &str); 7] = [
    // canonical savepoint, relative file names
    ("hashmap-sp", "keyed-hashmap-savepoint/savepoint"),
    // heap checkpoint, given as its checkpoint base directory
    (
        "hashmap-chk",
        "keyed-hashmap-checkpoint/checkpoints/cba56f093f9f0f11dc552276308bc5a7",
    ),
    // RocksDB native savepoint (SST files)
    ("native-sp", "keyed-rocksdb-native-savepoint/savepoint"),
    // RocksDB incremental chain: chk-3 references files in shared/ by absolute paths recorded
    // on the generator's disk, which must resolve onto the bucket
    (
        "chain",
        "keyed-rocksdb-incremental-chain/checkpoints/d73b524ee02b1b033d6872c219013759",
    ),
    // operator state (list, union, broadcast)
    ("opstate", "opstate-hashmap-savepoint/savepoint"),
    // schema evolution: v1, and v2 with ValueState<Integer> → <Long>
    ("evo-v1", "evolution-v1/savepoint"),
    ("evo-change", "evolution-change-type/savepoint"),
];

fn local_dir(case: &str) -> PathBuf {
    let (_, rel) = CASES
        .iter()
        .find(|(n, _)| *n == case)
        .unwrap_or_else(|| panic!("no case {case}"));
    repo().join(TD).join(rel)
}

/// The service with every case uploaded (once per binary).
fn uploaded(scheme: &'static str) -> &'static Remote {
    static DONE: [OnceLock<Remote>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let i = SCHEMES.iter().position(|s| *s == scheme).unwrap();
    DONE[i].get_or_init(|| {
        let remote = Remote::new(scheme, "cmds");
        for (name, _) in CASES {
            remote.upload(name, &local_dir(name));
        }
        remote
    })
}

/// Command arguments; `@case` stands for the case's location.
fn args_for(spec: &[&str], loc: &dyn Fn(&str) -> String) -> Vec<String> {
    spec.iter()
        .map(|a| match a.strip_prefix('@') {
            Some(case) => loc(case),
            None => a.to_string(),
        })
        .collect()
}

/// Runs `spec` against the local copies and the remote ones; same exit code, and the same
/// stdout once every local root is replaced by its URL. Returns the local exit code.
fn same(remote: &Remote, spec: &[&str]) -> i32 {
    let local_args = args_for(spec, &|c| local_dir(c).to_str().unwrap().to_string());
    let remote_args = args_for(spec, &|c| remote.url(c));
    let l = run(&local_args.iter().map(String::as_str).collect::<Vec<_>>());
    let r = run(&remote_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        l.code == 0 || l.code == 1,
        "local {spec:?}: exit {}: {}",
        l.code,
        l.stderr
    );
    assert!(!l.stdout.trim().is_empty(), "local {spec:?}: no output");
    assert_eq!(
        l.code, r.code,
        "{} {spec:?}: exit codes differ\nlocal stderr: {}\nremote stderr: {}",
        remote.scheme, l.stderr, r.stderr
    );
    let mut normalized = l.stdout.clone();
    for (name, _) in CASES {
        normalized = normalized.replace(local_dir(name).to_str().unwrap(), &remote.url(name));
    }
    assert!(
        normalized == r.stdout,
        "{} {spec:?}: output differs from local\n--- local (normalized)\n{normalized}\n--- {}\n{}",
        remote.scheme,
        remote.scheme,
        r.stdout
    );
    l.code
}

fn state_matches_local(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = uploaded(scheme);
    let specs: [&[&str]; 9] = [
        &["state", "--json", "--operator", "main-keyed", "@hashmap-sp"],
        &["state", "--operator", "main-keyed", "@hashmap-sp"],
        &[
            "state",
            "--json",
            "--operator",
            "main-keyed",
            "--key",
            "hot",
            "@hashmap-sp",
        ],
        &[
            "state",
            "--json",
            "--operator",
            "main-keyed",
            "@hashmap-chk",
        ],
        &["state", "--json", "--operator", "main-keyed", "@native-sp"],
        &["state", "--json", "--operator", "main-keyed", "@chain"],
        &[
            "state",
            "--json",
            "--operator",
            "main-keyed",
            "--key",
            "hot",
            "@chain",
        ],
        &["state", "--json", "--operator", "tracker", "@opstate"],
        &["state", "--json", "--operator", "evo-keyed", "@evo-v1"],
    ];
    for spec in specs {
        assert_eq!(same(remote, spec), 0, "{spec:?}");
    }
}

#[test]
fn s3_state_matches_local() {
    state_matches_local("s3");
}

#[test]
fn azure_state_matches_local() {
    state_matches_local("az");
}

#[test]
fn gcs_state_matches_local() {
    state_matches_local("gs");
}

fn reports_match_local(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = uploaded(scheme);
    let specs: [&[&str]; 12] = [
        &["size", "--json", "@hashmap-sp"],
        &["size", "--json", "--key-groups", "@native-sp"],
        &["size", "--json", "@chain"],
        &["size", "@hashmap-chk"],
        &["skew", "--json", "@hashmap-sp"],
        &["skew", "--json", "@chain"],
        &["skew", "@native-sp"],
        &["schema", "--json", "@hashmap-sp"],
        &["schema", "--json", "@native-sp"],
        &["schema", "--json", "@evo-v1"],
        &["schema", "@opstate"],
        &["contract", "@evo-v1"],
    ];
    for spec in specs {
        same(remote, spec);
    }
}

#[test]
fn s3_size_skew_schema_match_local() {
    reports_match_local("s3");
}

#[test]
fn azure_size_skew_schema_match_local() {
    reports_match_local("az");
}

#[test]
fn gcs_size_skew_schema_match_local() {
    reports_match_local("gs");
}

/// `compat` with the old snapshot on the store, against a second snapshot on the store and
/// against a contract file written from the local copy of that snapshot.
fn compat_matches_local(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = uploaded(scheme);
    let tmp = tempfile::tempdir().unwrap();
    let contract = tmp.path().join("v2.contract.json");
    let c = run(&["contract", local_dir("evo-change").to_str().unwrap()]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    std::fs::write(&contract, &c.stdout).unwrap();
    let contract = contract.to_str().unwrap();
    // Integer → Long is not restorable on a heap backend: exit 1 on both sides.
    assert_eq!(
        same(remote, &["compat", "--json", "@evo-v1", "@evo-change"]),
        1
    );
    assert_eq!(same(remote, &["compat", "@evo-v1", "@evo-change"]), 1);
    assert_eq!(same(remote, &["compat", "--json", "@evo-v1", contract]), 1);
    // A snapshot is compatible with itself.
    assert_eq!(same(remote, &["compat", "@evo-v1", "@evo-v1"]), 0);
}

#[test]
fn s3_compat_matches_local() {
    compat_matches_local("s3");
}

#[test]
fn azure_compat_matches_local() {
    compat_matches_local("az");
}

#[test]
fn gcs_compat_matches_local() {
    compat_matches_local("gs");
}

/// Files below `dir`: (relative path, bytes), sorted.
fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    walk(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            (rel.to_str().unwrap().to_string(), bytes)
        })
        .collect()
}

/// Two exports hold the same files with the same bytes, the manifests equal once their
/// `source.metadata` (where the snapshot was read from) is set aside.
fn assert_same_export(what: &str, local: &[(String, Vec<u8>)], other: &[(String, Vec<u8>)]) {
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(local), names(other), "{what}: file lists differ");
    assert!(
        local.iter().any(|f| f.0.ends_with(".parquet")),
        "{what}: no Parquet file in {:?}",
        names(local)
    );
    for ((name, a), (_, b)) in local.iter().zip(other) {
        if name == "_manifest.json" {
            let strip = |bytes: &[u8]| {
                let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                let src = v["source"].as_object_mut().unwrap();
                let m = src.remove("metadata").unwrap();
                assert!(m.as_str().unwrap().ends_with("/_metadata"), "{m}");
                v
            };
            assert_eq!(strip(a), strip(b), "{what}: manifests differ");
        } else {
            assert!(
                a == b,
                "{what}: {name} differs ({} vs {} bytes)",
                a.len(),
                b.len()
            );
        }
    }
}

/// Reads an export back with DuckDB and pyarrow (row counts as in the manifest), when the
/// venv of tests/setup/python.sh is there.
fn read_back(dir: &Path) {
    let Some(py) = std::env::var_os("FI_PYTHON") else {
        eprintln!("object_store_commands: FI_PYTHON not set, exported files not read back");
        return;
    };
    let out = std::process::Command::new(py)
        .arg(repo().join("tests/export_check.py"))
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "export_check.py {}: {}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `export` from the store: to a local directory (every service), and to the store itself
/// (S3 and Azure; fake-gcs-server does not take object_store's uploads). Same files, same
/// bytes as an export of the local copy.
fn export_matches_local(scheme: &'static str) {
    if !emulators() {
        return;
    }
    let remote = uploaded(scheme);
    let tmp = tempfile::tempdir().unwrap();
    for case in ["hashmap-sp", "native-sp", "opstate", "chain"] {
        let local_out = tmp.path().join(format!("{case}-local"));
        let l = run(&[
            "export",
            local_dir(case).to_str().unwrap(),
            "--out",
            local_out.to_str().unwrap(),
        ]);
        assert_eq!(l.code, 0, "local export {case}: {}", l.stderr);
        let local_files = read_tree(&local_out);

        let fetched_out = tmp.path().join(format!("{case}-{scheme}"));
        let r = run(&[
            "export",
            &remote.url(case),
            "--out",
            fetched_out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "export {scheme} {case} to disk: {}", r.stderr);
        assert_eq!(
            l.stdout
                .replace(local_out.to_str().unwrap(), fetched_out.to_str().unwrap()),
            r.stdout
        );
        assert_same_export(
            &format!("{case} from {scheme}"),
            &local_files,
            &read_tree(&fetched_out),
        );

        if scheme != "gs" {
            let out_name = format!("export-{case}");
            let out_url = remote.url(&out_name);
            let r = run(&["export", &remote.url(case), "--out", &out_url]);
            assert_eq!(
                r.code, 0,
                "export {scheme} {case} to {out_url}: {}",
                r.stderr
            );
            assert_eq!(
                l.stdout.replace(local_out.to_str().unwrap(), &out_url),
                r.stdout
            );
            let stored = remote.download(&out_name);
            assert_same_export(&format!("{case} to {scheme}"), &local_files, &stored);
            // Nothing but the dataset: the temporary prefix is gone.
            assert!(
                stored.iter().all(|(n, _)| !n.contains(".tmp-")),
                "{:?}",
                stored.iter().map(|f| &f.0).collect::<Vec<_>>()
            );
        }
        if case == "hashmap-sp" {
            read_back(&fetched_out);
        }
    }
}

#[test]
fn s3_export_matches_local() {
    export_matches_local("s3");
}

#[test]
fn azure_export_matches_local() {
    export_matches_local("az");
}

#[test]
fn gcs_export_matches_local() {
    export_matches_local("gs");
}
