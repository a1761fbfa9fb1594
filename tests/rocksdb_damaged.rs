//! A damaged SST inside a native snapshot is reported by file name and offset, never a panic.

mod common;
mod rocksdb_common;

use std::path::{Path, PathBuf};

use flink_inspect::metadata::{KeyedHandle, StreamHandle};

const MAGIC: [u8; 8] = [0xf7, 0xcf, 0xf4, 0x85, 0xb7, 0x41, 0xe2, 0x88];

/// A copy of the 2.3.0 native savepoint and its largest SST.
fn copy_with_largest_sst(tmp: &Path) -> PathBuf {
    let src = common::testdata().join("flink-2.3.0/keyed-rocksdb-native-savepoint/savepoint");
    common::copy_dir(&src, tmp);
    let mut ssts: Vec<(u64, PathBuf)> = std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read(p).unwrap().ends_with(&MAGIC))
        .map(|p| (std::fs::metadata(&p).unwrap().len(), p))
        .collect();
    ssts.sort();
    ssts.pop().unwrap().1
}

#[test]
fn flipped_byte_in_a_data_block_names_file_and_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let sst = copy_with_largest_sst(tmp.path());
    let mut bytes = std::fs::read(&sst).unwrap();
    bytes[20] ^= 0x40; // inside the first data block
    std::fs::write(&sst, &bytes).unwrap();
    let o = rocksdb_common::open(tmp.path());
    let e = match rocksdb_common::read_all(&o) {
        Ok(_) => panic!("a damaged SST read without error"),
        Err(e) => e,
    };
    let name = sst.file_name().unwrap().to_string_lossy().to_string();
    assert!(e.file.contains(&name), "{e}");
    assert_eq!(e.offset, 0, "first data block starts at 0: {e}");
    assert!(e.to_string().contains("checksum"), "{e}");
}

#[test]
fn cut_short_sst_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let sst = copy_with_largest_sst(tmp.path());
    let bytes = std::fs::read(&sst).unwrap();
    std::fs::write(&sst, &bytes[..bytes.len() / 2]).unwrap();
    let o = rocksdb_common::open(tmp.path());
    let e = match rocksdb_common::read_all(&o) {
        Ok(_) => panic!("a cut SST read without error"),
        Err(e) => e,
    };
    let name = sst.file_name().unwrap().to_string_lossy().to_string();
    assert!(e.file.contains(&name), "{e}");
}

#[test]
fn damaged_meta_state_file_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    copy_with_largest_sst(tmp.path());
    // the meta-state files, as the handles name them
    let before = rocksdb_common::open(tmp.path());
    let mut metas: Vec<PathBuf> = Vec::new();
    for op in &before.snapshot.operators {
        for (_, st) in &op.subtasks {
            if let Some(KeyedHandle::Incremental(h)) = &st.managed_keyed_state
                && let Some(StreamHandle::Relative { relative_path, .. }) = &h.meta
            {
                metas.push(tmp.path().join(relative_path));
            }
        }
    }
    assert_eq!(metas.len(), 2, "one meta-state file per subtask");
    for m in &metas {
        let b = std::fs::read(m).unwrap();
        std::fs::write(m, &b[..b.len() / 3]).unwrap();
    }
    let o = rocksdb_common::open(tmp.path());
    let e = match rocksdb_common::read_all(&o) {
        Ok(_) => panic!("a cut meta file read without error"),
        Err(e) => e,
    };
    assert!(
        metas
            .iter()
            .any(|m| e.file.contains(&*m.file_name().unwrap().to_string_lossy())),
        "{e}"
    );
}
