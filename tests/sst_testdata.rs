//! The generated SSTs of testdata/sst (see its README and gen.py): every format_version 2–6,
//! checksum type and compression, partitioned / first-key / hash-indexed variants, and an LSM
//! scenario with deletes, single deletes, range deletions and merge operands. Oracles: sst_dump
//! (format_version <= 5), the generator's write log (format_version 6), and the live view RocksDB's
//! own iterator returned (`*.merged`).

mod common;
mod sst_common;

use std::path::{Path, PathBuf};

use flink_inspect::rocksdb::checksum::ChecksumType;
use flink_inspect::rocksdb::{MergedView, SstFile, ValueType};
use sst_common::*;

fn ssts(prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(testdata_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with(prefix) && n.ends_with(".sst")
        })
        .collect();
    v.sort();
    v
}

fn file_name(p: &Path) -> &str {
    p.file_name().unwrap().to_str().unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn read_merged(name: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    std::fs::read_to_string(testdata_dir().join(name))
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap();
            (unhex(k), unhex(v))
        })
        .collect()
}

fn merged(files: &[PathBuf]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let files: Vec<SstFile> = files
        .iter()
        .map(|p| SstFile::open(open_local(p)).unwrap())
        .collect();
    MergedView::new(&files)
        .unwrap()
        .map(|r| {
            let (k, v) = r.unwrap_or_else(|e| panic!("{e}"));
            (k, v.to_vec())
        })
        .collect()
}

/// Footer and properties agree with the generator's options, encoded in the file name.
#[test]
fn footer_and_properties_match_generator_options() {
    let all = ssts("");
    assert_eq!(all.len(), 16, "testdata/sst should hold 16 SSTs");
    for p in &all {
        let n = file_name(p);
        let f = SstFile::open(open_local(p)).unwrap_or_else(|e| panic!("{e}"));
        let fv: u32 = n[2..3].parse().unwrap_or(5); // "fvN-..." or "lsm-fv5-..."
        assert_eq!(f.footer().format_version, fv, "{n}");
        let want_ck = [
            ("nochecksum", ChecksumType::None),
            ("xxhash64", ChecksumType::XxHash64),
            ("xxh3", ChecksumType::Xxh3),
            ("xxhash", ChecksumType::XxHash),
        ]
        .iter()
        .find(|(s, _)| n.contains(s))
        .map(|(_, c)| *c)
        .unwrap_or(ChecksumType::Crc32c);
        assert_eq!(f.footer().checksum, want_ck, "{n}");
        let props = f.properties();
        let want_comp = [
            ("none", "NoCompression"),
            ("zstd", "ZSTD"),
            ("lz4", "LZ4"),
            ("zlib", "Zlib"),
        ]
        .iter()
        .find(|(s, _)| n.contains(s))
        .map(|(_, c)| *c)
        .unwrap_or("Snappy");
        assert_eq!(props.compression_name.as_deref(), Some(want_comp), "{n}");
        assert!(props.column_family_name.is_some(), "{n}");
        assert_eq!(
            props.comparator_name.as_deref(),
            Some("leveldb.BytewiseComparator"),
            "{n}"
        );
        if n.contains("partitioned") {
            assert_eq!(props.index_type, 2, "{n}");
            assert!(
                props.index_partitions > 1,
                "{n}: {} partitions",
                props.index_partitions
            );
        }
        if n.contains("firstkey") {
            assert_eq!(props.index_type, 3, "{n}");
        }
        assert!(props.num_data_blocks > 1, "{n}: want multi-block files");
        let handles: Vec<_> = f.data_block_handles().map(|h| h.unwrap()).collect();
        assert_eq!(handles.len() as u64, props.num_data_blocks, "{n}");
        let mut count = 0u64;
        for e in f.entries() {
            e.unwrap_or_else(|e| panic!("{e}"));
            count += 1;
        }
        let tombstones = f.range_tombstones().unwrap().len() as u64;
        assert_eq!(tombstones, props.num_range_deletions, "{n}");
        assert_eq!(count + tombstones, props.num_entries, "{n}");
    }
}

#[test]
fn testdata_up_to_fv5_matches_sst_dump() {
    let files: Vec<PathBuf> = ssts("")
        .into_iter()
        .filter(|p| !file_name(p).starts_with("fv6"))
        .collect();
    assert_eq!(files.len(), 12);
    if !have_sst_dump("testdata_up_to_fv5_matches_sst_dump") {
        return;
    }
    let dumps = sst_dump_all(&files, "testdata");
    let mut n = 0;
    for (f, d) in files.iter().zip(&dumps) {
        assert!(!d.entries.is_empty(), "{}", f.display());
        n += check_against_dump(f, d);
    }
    eprintln!(
        "compared {n} entries of {} generated SSTs with sst_dump",
        files.len()
    );
}

/// format_version 6 (which sst_dump 7.8 cannot read): entries equal the generator's write log.
#[test]
fn fv6_entries_match_generator_log() {
    let files = ssts("fv6");
    assert_eq!(files.len(), 4);
    for p in &files {
        let log = std::fs::read_to_string(p.with_extension("entries")).unwrap();
        let mut want = Vec::new();
        let mut want_range = Vec::new();
        for l in log.lines() {
            let parts: Vec<&str> = l.split(' ').collect();
            if parts[0] == "range" {
                want_range.push((
                    unhex(parts[1]),
                    parts[2].parse::<u64>().unwrap(),
                    unhex(parts[3]),
                ));
            } else {
                want.push((
                    unhex(parts[0]),
                    parts[1].parse::<u64>().unwrap(),
                    parts[2].parse::<u8>().unwrap(),
                    unhex(parts.get(3).copied().unwrap_or("")),
                ));
            }
        }
        let f = SstFile::open(open_local(p)).unwrap();
        let got: Vec<_> = f
            .entries()
            .map(|e| {
                let (k, v) = e.unwrap();
                (k.user_key, k.seq, k.kind.to_byte(), v.to_vec())
            })
            .collect();
        assert_eq!(got, want, "{}", p.display());
        let tomb: Vec<_> = f
            .range_tombstones()
            .unwrap()
            .into_iter()
            .map(|t| (t.start, t.seq, t.end))
            .collect();
        assert_eq!(tomb, want_range, "{}", p.display());
        assert!(f.footer().base_context_checksum != 0);
        assert!(f.footer().index.is_none());
    }
}

#[test]
fn merged_view_matches_rocksdb_iterator() {
    // The LSM scenario: three flushes of one column family.
    let lsm = ssts("lsm-fv5");
    assert_eq!(lsm.len(), 3);
    let want = read_merged("lsm-fv5.merged");
    assert!(want.len() > 200);
    assert_eq!(merged(&lsm), want);
    // Order of the input files must not matter.
    let rev: Vec<PathBuf> = lsm.iter().rev().cloned().collect();
    assert_eq!(merged(&rev), want);
    // Single-file option matrix (same writes each time).
    let matrix = read_merged("matrix.merged");
    for p in ssts("fv")
        .into_iter()
        .filter(|p| !file_name(p).starts_with("fv6"))
    {
        assert_eq!(merged(std::slice::from_ref(&p)), matrix, "{}", p.display());
    }
    for p in ssts("fv6") {
        let name = file_name(&p).trim_end_matches("-0.sst").to_string() + ".merged";
        assert_eq!(
            merged(std::slice::from_ref(&p)),
            read_merged(&name),
            "{}",
            p.display()
        );
    }
}

#[test]
fn lsm_scenario_holds_every_record_kind() {
    let mut kinds = std::collections::BTreeSet::new();
    let mut tombstones = Vec::new();
    for p in ssts("lsm-fv5") {
        let f = SstFile::open(open_local(&p)).unwrap();
        for e in f.entries() {
            kinds.insert(e.unwrap().0.kind);
        }
        tombstones.extend(f.range_tombstones().unwrap());
    }
    for k in [
        ValueType::Put,
        ValueType::Merge,
        ValueType::Delete,
        ValueType::SingleDelete,
    ] {
        assert!(kinds.contains(&k), "{k:?} missing");
    }
    // gen.py: delete_range(key(10,10), key(10,200)) and delete_range(key(40,0), key(41,0)).
    let key = |kg: u8, i: u32| {
        let mut k = vec![kg];
        k.extend_from_slice(format!("key-{i:05}").as_bytes());
        k.push(0);
        k
    };
    let got: Vec<_> = tombstones
        .iter()
        .map(|t| (t.start.clone(), t.end.clone()))
        .collect();
    assert_eq!(
        got,
        vec![(key(10, 10), key(10, 200)), (key(40, 0), key(41, 0))]
    );
}
