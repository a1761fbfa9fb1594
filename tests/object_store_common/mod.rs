//! Shared by the object-storage tests: the emulated services started by
//! tests/setup/storage.sh (moto for S3, Azurite for Azure Blob, fake-gcs-server for GCS), how to
//! put, list, fetch and delete objects there, and running the binary.
//!
//! The tests run only when FI_STORAGE_EMULATORS is set (`.ci/run` sets it); otherwise they say
//! SKIP, loudly, naming the variable.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt};

pub const BIN: &str = env!("CARGO_BIN_EXE_flink-inspect");

/// The schemes every cross-store test covers.
pub const SCHEMES: [&str; 3] = ["s3", "az", "gs"];

pub fn emulators() -> bool {
    if std::env::var_os("FI_STORAGE_EMULATORS").is_some() {
        return true;
    }
    eprintln!(
        "SKIP object-storage test: FI_STORAGE_EMULATORS is not set; run `bash .ci/run`, or \
         `source tests/setup/storage.sh && storage_start` first"
    );
    false
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir`, as paths relative to it, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
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

pub fn copy_dir(from: &Path, to: &Path) {
    for rel in walk(from) {
        let dst = to.join(&rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&rel), dst).unwrap();
    }
}

/// The AWS_/AZURE_/GOOGLE_ variables as object_store config keys.
pub fn env_options() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| {
            k.starts_with("AWS_") || k.starts_with("AZURE_") || k.starts_with("GOOGLE_")
        })
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// One emulated service: where the run's objects go, and how to put and delete them.
pub struct Remote {
    pub scheme: &'static str,
    pub bucket: String,
    /// Unique per test run, so reruns against a live emulator do not collide.
    pub run: String,
}

impl Remote {
    pub fn new(scheme: &'static str, test: &str) -> Remote {
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
    pub fn url(&self, name: &str) -> String {
        format!("{}://{}/{}/{name}", self.scheme, self.bucket, self.run)
    }

    pub fn store(&self) -> Arc<dyn ObjectStore> {
        let url = url::Url::parse(&format!("{}://{}", self.scheme, self.bucket)).unwrap();
        let (store, _) = object_store::parse_url_opts(&url, env_options()).unwrap();
        Arc::from(store)
    }

    pub fn key(&self, name: &str, rel: &Path) -> String {
        format!("{}/{name}/{}", self.run, rel.to_str().unwrap())
    }

    /// Copies every file under `dir` to `<run>/<name>/`.
    pub fn upload(&self, name: &str, dir: &Path) {
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

    pub fn delete(&self, name: &str, rel: &str) {
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

    /// Every object below `<run>/<name>/`: (path relative to it, bytes), sorted.
    pub fn download(&self, name: &str) -> Vec<(String, Vec<u8>)> {
        let store = self.store();
        let prefix = ObjPath::from(format!("{}/{name}", self.run));
        let strip = format!("{prefix}/");
        rt().block_on(async {
            let metas: Vec<_> = store.list(Some(&prefix)).try_collect().await.unwrap();
            let mut out = Vec::new();
            for m in metas {
                let bytes = store.get(&m.location).await.unwrap().bytes().await.unwrap();
                let rel = m
                    .location
                    .as_ref()
                    .strip_prefix(&strip)
                    .unwrap()
                    .to_string();
                out.push((rel, bytes.to_vec()));
            }
            out.sort();
            out
        })
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    run_env(args, &[])
}

/// Runs the binary with extra (or, with an empty value, removed) environment variables.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

pub fn join(base: &str, rel: &str) -> String {
    if rel.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{rel}")
    }
}
