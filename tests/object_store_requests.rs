//! What the reader asks of object storage, request by request. A minimal S3 endpoint in this
//! test (HEAD and ranged GET of files from a local folder, path-style, on loopback) logs every
//! request and can inject failures; the real binary talks to it through `AWS_ENDPOINT`, as it
//! would to any S3. Checked here:
//! * `info` GETs only `_metadata`; `state --key` fetches byte ranges of the state files, a
//!   small part of what reading all keys fetches;
//! * transient errors (503) are retried with backoff, then succeed or give up after the
//!   configured number of retries with an error naming the path;
//! * permission (403) and authentication (401) errors are not retried and are said plainly
//!   with the path;
//! * a file that exists when opened but is gone when read is reported as having disappeared;
//! * `--concurrency N` bounds the requests in flight.
//!
//! Needs no emulator, so it always runs.

mod object_store_common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use object_store_common::{BIN, Run, repo, walk};

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    key: String,
    /// Inclusive byte range asked for.
    range: Option<(u64, u64)>,
    status: u16,
    /// Body bytes sent.
    sent: u64,
}

#[derive(Default)]
struct Rules {
    /// Statuses to answer the first requests with, whatever they ask (then serve normally).
    first: Vec<u16>,
    /// Answer every request with this status.
    always: Option<u16>,
    /// Keys that HEAD finds but GET does not (deleted between opening and reading).
    vanished: HashSet<String>,
}

struct FakeS3 {
    port: u16,
    log: Arc<Mutex<Vec<Req>>>,
    rules: Arc<Mutex<Rules>>,
    max_in_flight: Arc<AtomicUsize>,
}

const BUCKET: &str = "b";

impl FakeS3 {
    /// Serves `root` as bucket `b`.
    fn start(root: &Path) -> FakeS3 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let rules = Arc::new(Mutex::new(Rules::default()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let root = root.to_path_buf();
        {
            let (log, rules, max) = (
                Arc::clone(&log),
                Arc::clone(&rules),
                Arc::clone(&max_in_flight),
            );
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    let Ok(conn) = conn else { continue };
                    let ctx = Conn {
                        root: root.clone(),
                        log: Arc::clone(&log),
                        rules: Arc::clone(&rules),
                        in_flight: Arc::clone(&in_flight),
                        max: Arc::clone(&max),
                    };
                    std::thread::spawn(move || ctx.serve(conn));
                }
            });
        }
        FakeS3 {
            port,
            log,
            rules,
            max_in_flight,
        }
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{BUCKET}/{key}")
    }

    fn take_log(&self) -> Vec<Req> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    fn set(&self, f: impl FnOnce(&mut Rules)) {
        let mut r = self.rules.lock().unwrap();
        *r = Rules::default();
        f(&mut r);
    }

    /// Runs the binary against this endpoint, with no other AWS_ setting from the outside.
    fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args);
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("AWS_ENDPOINT", format!("http://127.0.0.1:{}", self.port))
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }
}

struct Conn {
    root: PathBuf,
    log: Arc<Mutex<Vec<Req>>>,
    rules: Arc<Mutex<Rules>>,
    in_flight: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 3 <= b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

impl Conn {
    fn serve(self, conn: TcpStream) {
        let mut writer = conn.try_clone().unwrap();
        let mut reader = BufReader::new(conn);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let target = parts.next().unwrap_or("").to_string();
            let mut range = None;
            let mut body_len = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 {
                    return;
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (name, value) = h.split_once(':').unwrap_or((h, ""));
                let value = value.trim();
                if name.eq_ignore_ascii_case("range") {
                    let (a, b) = value.trim_start_matches("bytes=").split_once('-').unwrap();
                    range = Some((a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap()));
                } else if name.eq_ignore_ascii_case("content-length") {
                    body_len = value.parse().unwrap_or(0);
                }
            }
            let mut sink = vec![0u8; body_len];
            if std::io::Read::read_exact(&mut reader, &mut sink).is_err() {
                return;
            }
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max.fetch_max(now, Ordering::SeqCst);
            // Long enough that parallel readers overlap, so the in-flight bound is exercised.
            std::thread::sleep(std::time::Duration::from_millis(5));
            let path = target.split('?').next().unwrap_or("");
            let key = decode(
                path.trim_start_matches('/')
                    .strip_prefix(BUCKET)
                    .unwrap_or("")
                    .trim_start_matches('/'),
            );
            let (status, headers, body) = self.answer(&method, &key, range);
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n{headers}\r\n",
                body.len()
            );
            if method == "HEAD" {
                head = format!("HTTP/1.1 {status} X\r\n{headers}\r\n");
            }
            let sent = if method == "HEAD" {
                0
            } else {
                body.len() as u64
            };
            self.log.lock().unwrap().push(Req {
                method: method.clone(),
                key,
                range,
                status,
                sent,
            });
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let ok = writer.write_all(head.as_bytes()).is_ok()
                && (method == "HEAD" || writer.write_all(&body).is_ok())
                && writer.flush().is_ok();
            if !ok {
                return;
            }
        }
    }

    /// (status, extra header lines, body).
    fn answer(&self, method: &str, key: &str, range: Option<(u64, u64)>) -> (u16, String, Vec<u8>) {
        let error = |status: u16, code: &str| {
            let body = format!("<Error><Code>{code}</Code><Message>{code}</Message></Error>");
            (
                status,
                "Content-Type: application/xml\r\n".to_string(),
                body.into_bytes(),
            )
        };
        {
            let mut rules = self.rules.lock().unwrap();
            if let Some(s) = rules.always {
                return error(s, "Injected");
            }
            if !rules.first.is_empty() {
                let s = rules.first.remove(0);
                return error(s, "Injected");
            }
            if method == "GET" && rules.vanished.contains(key) {
                return error(404, "NoSuchKey");
            }
        }
        let file = self.root.join(key);
        let Ok(bytes) = std::fs::read(&file)
            .map_err(|_| ())
            .and_then(|b| if file.is_file() { Ok(b) } else { Err(()) })
        else {
            return error(404, "NoSuchKey");
        };
        let total = bytes.len() as u64;
        let mut headers =
            format!("ETag: \"{total}\"\r\nLast-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n");
        match (method, range) {
            ("HEAD", _) => {
                headers.push_str(&format!("Content-Length: {total}\r\n"));
                (200, headers, Vec::new())
            }
            ("GET", Some((a, b))) => {
                let b = b.min(total.saturating_sub(1));
                headers.push_str(&format!("Content-Range: bytes {a}-{b}/{total}\r\n"));
                (206, headers, bytes[a as usize..=b as usize].to_vec())
            }
            ("GET", None) => (200, headers, bytes),
            _ => error(405, "MethodNotAllowed"),
        }
    }
}

const SP: &str = "testdata/flink-2.3.0/keyed-hashmap-savepoint/savepoint";
const NATIVE: &str = "testdata/flink-2.3.0/keyed-rocksdb-native-savepoint/savepoint";

/// A folder holding the savepoints as `sp/` and `native/` (the bucket's root).
fn bucket_root() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("bucket");
    object_store_common::copy_dir(&repo().join(SP), &root.join("sp"));
    object_store_common::copy_dir(&repo().join(NATIVE), &root.join("native"));
    (tmp, root)
}

fn local(args: &[&str]) -> Run {
    object_store_common::run(args)
}

fn gets(log: &[Req]) -> Vec<&Req> {
    log.iter().filter(|r| r.method == "GET").collect()
}

/// Sum of the bytes of every file under `dir` except `_metadata`.
fn state_bytes(dir: &Path) -> u64 {
    walk(dir)
        .iter()
        .filter(|p| p.file_name().unwrap() != "_metadata")
        .map(|p| std::fs::metadata(dir.join(p)).unwrap().len())
        .sum()
}

#[test]
fn info_gets_only_the_metadata() {
    let (_tmp, root) = bucket_root();
    let s3 = FakeS3::start(&root);
    let r = s3.run(&["info", "--json", &s3.url("sp")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let l = local(&["info", "--json", repo().join(SP).to_str().unwrap()]);
    assert_eq!(
        l.stdout
            .replace(repo().join(SP).to_str().unwrap(), &s3.url("sp")),
        r.stdout
    );
    let log = s3.take_log();
    let g = gets(&log);
    assert!(!g.is_empty());
    assert!(
        g.iter().all(|r| r.key == "sp/_metadata"),
        "info fetched more than _metadata: {g:?}"
    );
    let meta = std::fs::metadata(root.join("sp/_metadata")).unwrap().len();
    let fetched: u64 = g.iter().map(|r| r.sent).sum();
    assert_eq!(fetched, meta, "{g:?}");
    eprintln!(
        "info: {} requests, {} GETs, {fetched} bytes (_metadata is {meta})",
        log.len(),
        g.len()
    );
}

/// Bytes fetched from state files (not `_metadata`) by one command, and that all were ranged.
fn state_file_gets(log: &[Req], prefix: &str) -> (usize, u64) {
    let g: Vec<&Req> = gets(log)
        .into_iter()
        .filter(|r| r.key.starts_with(prefix) && !r.key.ends_with("_metadata"))
        .collect();
    assert!(
        g.iter().all(|r| r.range.is_some() && r.status == 206),
        "{g:?}"
    );
    (g.len(), g.iter().map(|r| r.sent).sum())
}

#[test]
fn state_key_fetches_ranges_not_whole_files() {
    let (_tmp, root) = bucket_root();
    let s3 = FakeS3::start(&root);
    let total = state_bytes(&root.join("sp"));
    let mut fetched = Vec::new();
    for key in [None, Some("hot"), Some("k0001")] {
        let mut args = vec!["state", "--json", "--operator", "main-keyed"];
        if let Some(k) = key {
            args.extend(["--key", k]);
        }
        let url = s3.url("sp");
        let r = s3.run(&[&args[..], &[url.as_str()][..]].concat());
        assert_eq!(r.code, 0, "{}", r.stderr);
        let l = local(&[&args[..], &[repo().join(SP).to_str().unwrap()][..]].concat());
        assert_eq!(l.stdout, r.stdout, "{key:?}");
        assert!(!r.stdout.is_empty());
        let (n, bytes) = state_file_gets(&s3.take_log(), "sp/");
        eprintln!("state --key {key:?}: {n} ranged GETs, {bytes} of {total} state-file bytes");
        fetched.push(bytes);
    }
    // Reading every key touches every key group of every file.
    assert!(fetched[0] >= total * 9 / 10, "{fetched:?} of {total}");
    // The headers alone (what `schema` reads): the baseline every keyed read pays.
    let r = s3.run(&["schema", "--json", &s3.url("sp")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (n, headers) = state_file_gets(&s3.take_log(), "sp/");
    eprintln!("schema: {n} ranged GETs, {headers} of {total} state-file bytes");
    assert!(headers < total / 2, "{headers} of {total}");
    // One key: beyond the headers, one key group (of 128) of one file; a small part of what
    // reading all keys fetches beyond the headers.
    for one in &fetched[1..] {
        assert!(
            one.saturating_sub(headers) * 4 < fetched[0] - headers,
            "{fetched:?}, headers {headers}, of {total}"
        );
    }

    // RocksDB native: the measurement is reported; the output must match.
    let total = state_bytes(&root.join("native"));
    let args = [
        "state",
        "--json",
        "--operator",
        "main-keyed",
        "--key",
        "hot",
    ];
    let url = s3.url("native");
    let r = s3.run(&[&args[..], &[url.as_str()][..]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let l = local(&[&args[..], &[repo().join(NATIVE).to_str().unwrap()][..]].concat());
    assert_eq!(l.stdout, r.stdout);
    let (n, bytes) = state_file_gets(&s3.take_log(), "native/");
    eprintln!("native state --key hot: {n} ranged GETs, {bytes} of {total} state-file bytes");
}

#[test]
fn transient_errors_are_retried_then_succeed() {
    let (_tmp, root) = bucket_root();
    let s3 = FakeS3::start(&root);
    s3.set(|r| r.first = vec![503, 500, 503]);
    let r = s3.run(&["info", "--json", &s3.url("sp")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let l = local(&["info", "--json", repo().join(SP).to_str().unwrap()]);
    assert_eq!(
        l.stdout
            .replace(repo().join(SP).to_str().unwrap(), &s3.url("sp")),
        r.stdout
    );
    let log = s3.take_log();
    // The first request (HEAD of _metadata) failed three times, the fourth try answered.
    assert!(log.len() >= 4, "{log:?}");
    assert!(log[..3].iter().all(|q| q.status >= 500), "{log:?}");
    assert_eq!(
        log[..4]
            .iter()
            .map(|q| q.key.as_str())
            .collect::<HashSet<_>>()
            .len(),
        1
    );
}

#[test]
fn persistent_server_errors_give_up_naming_the_path() {
    let (_tmp, root) = bucket_root();
    let s3 = FakeS3::start(&root);
    s3.set(|r| r.always = Some(503));
    let url = s3.url("sp/_metadata");
    let r = s3.run(&["info", &url]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&url), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    // One try and MAX_RETRIES retries, then it stops.
    let log = s3.take_log();
    assert_eq!(
        log.len(),
        1 + flink_inspect::store::MAX_RETRIES,
        "{log:?}\n{}",
        r.stderr
    );
}

#[test]
fn permission_and_auth_errors_are_plain_and_not_retried() {
    let (_tmp, root) = bucket_root();
    let s3 = FakeS3::start(&root);
    for (status, words) in [(403, "permission denied"), (401, "not authenticated")] {
        s3.set(|r| r.always = Some(status));
        let url = s3.url("sp/_metadata");
        let r = s3.run(&["info", &url]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{url}: {words}")),
            "{status}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert_eq!(s3.take_log().len(), 1, "{status} was retried");
    }
}

#[test]
fn a_file_gone_while_reading_is_reported_as_such() {
    let (_tmp, root) = bucket_root();
    let s3 = FakeS3::start(&root);
    let victim = walk(&root.join("sp"))
        .into_iter()
        .filter(|p| p.file_name().unwrap() != "_metadata")
        .max_by_key(|p| std::fs::metadata(root.join("sp").join(p)).unwrap().len())
        .unwrap();
    let key = format!("sp/{}", victim.to_str().unwrap());
    s3.set(|r| {
        r.vanished.insert(key.clone());
    });
    let r = s3.run(&["state", "--json", "--operator", "main-keyed", &s3.url("sp")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains(&s3.url(&key)))
        .unwrap_or_else(|| panic!("no error naming {key}: {}", r.stderr));
    assert!(line.contains("disappeared while being read"), "{line}");
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn concurrency_flag_bounds_requests_in_flight() {
    let (_tmp, root) = bucket_root();
    let s3 = FakeS3::start(&root);
    for n in [1usize, 2] {
        s3.max_in_flight.store(0, Ordering::SeqCst);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let n_s = n.to_string();
        let r = s3.run(&[
            "export",
            "--concurrency",
            &n_s,
            &s3.url("native"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let max = s3.max_in_flight.load(Ordering::SeqCst);
        let log = s3.take_log();
        eprintln!(
            "--concurrency {n}: {} requests, at most {max} in flight",
            log.len()
        );
        assert!((1..=n).contains(&max), "--concurrency {n}: {max} in flight");
    }
}
