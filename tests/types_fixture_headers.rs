//! Every keyed-backend header in the Flink fixtures parses, and the type trees make sense.
//!
//! Keyed state streams are found without `_metadata` parsing: a keyed header starts with
//! `int32 6`, a compression byte, `int32 2` (top-level snapshot proxy) and the UTF class name of
//! a serializer snapshot. State files starting so, and such byte runs inside `_metadata`
//! (inline `ByteStreamStateHandle`s), are all parsed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use flink_inspect::io::DataInput;
use flink_inspect::keyed::header::{KeyedHeader, read_keyed_header};

fn fixtures() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/flink-fixtures");
    if p.is_dir() {
        return Some(p);
    }
    std::env::var_os("FLINK_FIXTURES")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Offsets in `b` where a keyed header seems to start.
fn header_starts(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 11 <= b.len() {
        if b[i..i + 4] == [0, 0, 0, 6] && b[i + 4] <= 1 && b[i + 5..i + 9] == [0, 0, 0, 2] {
            let len = u16::from_be_bytes([b[i + 9], b[i + 10]]) as usize;
            if let Some(name) = b.get(i + 11..i + 11 + len)
                && name.ends_with(b"Snapshot")
                && name.starts_with(b"org.")
            {
                out.push(i);
            }
        }
        i += 1;
    }
    out
}

pub struct Found {
    pub file: PathBuf,
    pub offset: usize,
    pub header: Result<KeyedHeader, String>,
}

fn all_headers() -> Vec<Found> {
    let Some(root) = fixtures() else {
        return Vec::new();
    };
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut found = Vec::new();
    for f in files {
        let is_meta = f.file_name().is_some_and(|n| n == "_metadata");
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let starts = if is_meta {
            header_starts(&bytes)
        } else if header_starts(bytes.get(..bytes.len().min(400)).unwrap_or(&[])).first()
            == Some(&0)
        {
            vec![0]
        } else {
            vec![]
        };
        let name: Arc<str> = Arc::from(f.display().to_string());
        for off in starts {
            let mut d = DataInput::from_slice(&name, &bytes[off..], off as u64);
            let header = read_keyed_header(&mut d).map_err(|e| e.to_string());
            found.push(Found {
                file: f.clone(),
                offset: off,
                header,
            });
        }
    }
    found
}

#[test]
fn every_fixture_header_parses() {
    let found = all_headers();
    if found.is_empty() {
        eprintln!("fixtures not found; set FLINK_FIXTURES");
        return;
    }
    let mut errors = 0;
    let mut states = 0;
    for f in &found {
        match &f.header {
            Ok(h) => states += h.states.len(),
            Err(e) => {
                errors += 1;
                eprintln!("{e}");
            }
        }
    }
    eprintln!("{} headers, {states} states, {errors} errors", found.len());
    if std::env::var_os("DUMP_TYPES").is_some() {
        let mut seen = std::collections::BTreeMap::new();
        for f in &found {
            if let Ok(h) = &f.header {
                *seen
                    .entry(format!("key {}", h.key_serializer.ty))
                    .or_insert(0) += 1;
                for s in &h.states {
                    for (role, e) in &s.serializers {
                        *seen.entry(format!("{role} {}", e.ty)).or_insert(0) += 1;
                    }
                }
            }
        }
        for (k, v) in seen {
            eprintln!("{v:5} {k}");
        }
    }
    assert_eq!(errors, 0);
}
