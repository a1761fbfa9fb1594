//! The same snapshots on local disk and on real storage APIs (moto for S3, Azurite for Azure
//! Blob, fake-gcs-server for GCS, started by tests/setup/storage.sh): every command must print
//! the same bytes, except for the location prefix.
//!
//! Runs only when FI_STORAGE_EMULATORS is set (`.ci/run` sets it); otherwise it says SKIP.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt};

const BIN: &str = env!("CARGO_BIN_EXE_flink-inspect");

fn emulators() -> bool {
    if std::env::var_os("FI_STORAGE_EMULATORS").is_some() {
        return true;
    }
    eprintln!(
        "SKIP object_store tests: FI_STORAGE_EMULATORS is not set; run `bash .ci/run`, or \
         `source tests/setup/storage.sh && storage_start` first"
    );
    false
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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

/// Every file under `dir`, as paths relative to it.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn env_options() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| {
            k.starts_with("AWS_") || k.starts_with("AZURE_") || k.starts_with("GOOGLE_")
        })
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// One emulated service: where the run's objects go, and how to put and delete them.
struct Remote {
    scheme: &'static str,
    bucket: String,
    /// Unique per test run, so reruns against a live emulator do not collide.
    run: String,
}

impl Remote {
    fn new(scheme: &'static str, test: &str) -> Remote {
        let var = match scheme {
            "s3" => "FI_S3_BUCKET",
            "az" => "FI_AZ_CONTAINER",
            _ => "FI_GCS_BUCKET",
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Remote {
            scheme,
            bucket: std::env::var(var).unwrap_or_else(|_| panic!("{var} not set")),
            run: format!("run-{}-{nanos}-{test}", std::process::id()),
        }
    }

    /// `s3://bucket/run-.../name`.
    fn url(&self, name: &str) -> String {
        format!("{}://{}/{}/{name}", self.scheme, self.bucket, self.run)
    }

    fn store(&self) -> Arc<dyn ObjectStore> {
        let url = url::Url::parse(&format!("{}://{}", self.scheme, self.bucket)).unwrap();
        let (store, _) = object_store::parse_url_opts(&url, env_options()).unwrap();
        Arc::from(store)
    }

    fn key(&self, name: &str, rel: &Path) -> String {
        format!("{}/{name}/{}", self.run, rel.to_str().unwrap())
    }

    /// Copies every file under `dir` to `<run>/<name>/`.
    fn upload(&self, name: &str, dir: &Path) {
        let files = walk(dir);
        if self.scheme == "gs" {
            // object_store's upload is not understood by fake-gcs-server: use its JSON API.
            let endpoint = std::env::var("FI_GCS_ENDPOINT").expect("FI_GCS_ENDPOINT");
            for rel in &files {
                let key = self.key(name, rel);
                let url = format!(
                    "{endpoint}/upload/storage/v1/b/{}/o?uploadType=media&name={}",
                    self.bucket,
                    encode(&key)
                );
                let out = Command::new("curl")
                    .args(["-sf", "-o", "/dev/null", "-X", "POST"])
                    .args(["-H", "Content-Type: application/octet-stream"])
                    .arg("--data-binary")
                    .arg(format!("@{}", dir.join(rel).display()))
                    .arg(&url)
                    .status()
                    .unwrap();
                assert!(out.success(), "uploading {key} to fake-gcs-server failed");
            }
            return;
        }
        let store = self.store();
        rt().block_on(async {
            let puts = files.iter().map(|rel| {
                let store = Arc::clone(&store);
                let key = ObjPath::from(self.key(name, rel));
                let bytes = std::fs::read(dir.join(rel)).unwrap();
                async move { store.put(&key, bytes.into()).await.map(|_| ()) }
            });
            let results: Vec<_> = futures::stream::iter(puts)
                .buffer_unordered(8)
                .collect()
                .await;
            for r in results {
                r.unwrap();
            }
        });
    }

    fn delete(&self, name: &str, rel: &str) {
        let key = self.key(name, Path::new(rel));
        if self.scheme == "gs" {
            let endpoint = std::env::var("FI_GCS_ENDPOINT").unwrap();
            let url = format!("{endpoint}/storage/v1/b/{}/o/{}", self.bucket, encode(&key));
            let ok = Command::new("curl")
                .args(["-sf", "-o", "/dev/null", "-X", "DELETE"])
                .arg(&url)
                .status()
                .unwrap();
            assert!(ok.success(), "deleting {key} from fake-gcs-server failed");
            return;
        }
        rt().block_on(self.store().delete(&ObjPath::from(key)))
            .unwrap();
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(BIN).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn join(base: &str, rel: &str) -> String {
    if rel.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{rel}")
    }
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

/// A referenced file deleted after `info`: `files --check` exits 1 naming it; and a location
/// without `_metadata` exits 2 with a plain not-found message naming the path.
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
    let victim = walk(&dir)
        .into_iter()
        .find(|p| p.file_name().unwrap() != "_metadata")
        .unwrap();
    let victim = victim.to_str().unwrap();
    remote.delete("sp", victim);
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

fn copy_dir(from: &Path, to: &Path) {
    for rel in walk(from) {
        let dst = to.join(&rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&rel), dst).unwrap();
    }
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
