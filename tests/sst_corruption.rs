//! Damaged SST files must give a `DecodeError` naming the file and the block, never a panic.

mod common;
mod sst_common;

use std::path::PathBuf;
use std::sync::Arc;

use flink_inspect::io::{DecodeResult, MemFile, ReadAt};
use flink_inspect::rocksdb::{MergedView, SstFile};
use sst_common::testdata_dir;

fn checksummed_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(testdata_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .filter(|p| !p.to_str().unwrap().contains("nochecksum"))
        .collect();
    v.sort();
    assert!(v.len() >= 15);
    v
}

fn mem(name: &str, bytes: Vec<u8>) -> Arc<dyn ReadAt> {
    Arc::new(MemFile::new(name, bytes))
}

/// Opens and reads everything; the first error, if any.
fn read_all(src: Arc<dyn ReadAt>) -> DecodeResult<usize> {
    let f = SstFile::open(src)?;
    let mut n = 0;
    for e in f.entries() {
        e?;
        n += 1;
    }
    n += f.range_tombstones()?.len();
    for e in MergedView::new(std::slice::from_ref(&f))? {
        e?;
    }
    Ok(n)
}

#[test]
fn flipped_byte_in_each_data_block_names_file_and_block() {
    let mut blocks = 0;
    for p in checksummed_files() {
        let bytes = std::fs::read(&p).unwrap();
        let f = SstFile::open(mem("orig", bytes.clone())).unwrap();
        for h in f.data_block_handles() {
            let h = h.unwrap();
            for at in [h.offset, h.offset + h.size / 2, h.offset + h.size - 1] {
                let mut bad = bytes.clone();
                bad[at as usize] ^= 0x40;
                let name = format!("{}@{at}", p.display());
                let err = read_all(mem(&name, bad)).expect_err(&name);
                assert_eq!(&*err.file, name.as_str());
                assert_eq!(err.offset, h.offset, "{name}: {err}");
                assert!(err.expected.contains("checksum"), "{name}: {err}");
            }
            blocks += 1;
        }
    }
    assert!(blocks > 100, "only {blocks} data blocks");
}

#[test]
fn truncated_files_give_errors_not_panics() {
    for p in checksummed_files() {
        let bytes = std::fs::read(&p).unwrap();
        let len = bytes.len();
        let cuts = (0..len).step_by(97).chain(len.saturating_sub(80)..len);
        for cut in cuts {
            let name = format!("{}[..{cut}]", p.display());
            let err = read_all(mem(&name, bytes[..cut].to_vec())).expect_err(&name);
            assert_eq!(&*err.file, name.as_str());
        }
    }
}

#[test]
fn random_damage_never_panics() {
    // Deterministic xorshift; flips 1-3 bytes anywhere (footer, index, properties, data).
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut errors = 0;
    let mut runs = 0;
    for p in std::fs::read_dir(testdata_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
    {
        if p.extension().is_none_or(|e| e != "sst") {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        for _ in 0..150 {
            let mut bad = bytes.clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() % bad.len() as u64) as usize;
                bad[at] ^= (next() % 255 + 1) as u8;
            }
            runs += 1;
            if read_all(mem("damaged", bad)).is_err() {
                errors += 1;
            }
        }
    }
    // Nearly every flip lands in checksummed bytes; padding or unchecked footer bytes may not.
    assert!(
        errors * 10 > runs * 7,
        "{errors} errors in {runs} damaged reads"
    );
}
