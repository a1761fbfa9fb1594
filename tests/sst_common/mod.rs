//! Shared helpers of the SST tests: finding SST files, and running Debian's `sst_dump` (RocksDB
//! 7.8) as the oracle.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use flink_inspect::io::{LocalFile, ReadAt};
use flink_inspect::rocksdb::{SstFile, TableProperties};

pub fn testdata_dir() -> PathBuf {
    crate::common::testdata().join("sst")
}

/// True if `sst_dump` runs; otherwise prints a loud skip message.
pub fn have_sst_dump(test: &str) -> bool {
    let ok = Command::new("sst_dump")
        .arg("--help")
        .output()
        .map(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
        .unwrap_or(false);
    if !ok {
        eprintln!(
            "\n*** SKIPPING {test}: `sst_dump` not found (apt-get install rocksdb-tools) ***\n"
        );
    }
    ok
}

/// Every file under `dir` whose last 8 bytes are the block-based table magic number.
pub fn find_ssts(dir: &Path) -> Vec<PathBuf> {
    crate::common::fixtures::files_below(dir, &has_sst_magic)
}

fn has_sst_magic(p: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    let Ok(len) = f.metadata().map(|m| m.len()) else {
        return false;
    };
    if len < 48 || f.seek(SeekFrom::Start(len - 8)).is_err() {
        return false;
    }
    let mut b = [0u8; 8];
    f.read_exact(&mut b).is_ok() && u64::from_le_bytes(b) == 0x88e2_41b7_85f4_cff7
}

pub fn open_local(p: &Path) -> Arc<dyn ReadAt> {
    Arc::new(LocalFile::open(p).unwrap())
}

/// What `sst_dump --command=scan --output_hex --show_properties` printed for one file.
#[derive(Debug, Default)]
pub struct Dump {
    /// (key hex, seq, type, value hex)
    pub entries: Vec<(String, u64, u8, String)>,
    /// "label: value" lines of the properties section.
    pub props: BTreeMap<String, String>,
    /// Any line that looked like an error.
    pub errors: Vec<String>,
}

/// Runs `sst_dump` once over all `files` (symlinked as `N.sst` into a fresh temporary
/// directory, because sst_dump only accepts `.sst` names) and returns one dump per file.
pub fn sst_dump_all(files: &[PathBuf], tag: &str) -> Vec<Dump> {
    let dir = std::env::temp_dir().join(format!("flink-inspect-sst-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, f) in files.iter().enumerate() {
        std::os::unix::fs::symlink(
            std::fs::canonicalize(f).unwrap(),
            dir.join(format!("{i}.sst")),
        )
        .unwrap();
    }
    let out = Command::new("sst_dump")
        .arg(format!("--file={}", dir.display()))
        .args(["--command=scan", "--output_hex", "--show_properties"])
        .output()
        .expect("run sst_dump");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let mut dumps: Vec<Dump> = (0..files.len()).map(|_| Dump::default()).collect();
    let mut cur: Option<usize> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Process ") {
            let name = Path::new(rest.trim())
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("");
            cur = name.parse().ok();
            continue;
        }
        let Some(d) = cur.and_then(|i| dumps.get_mut(i)) else {
            continue;
        };
        if let Some(e) = parse_scan_line(line) {
            d.entries.push(e);
        } else if let Some((k, v)) = line.trim_start().split_once(": ") {
            if line.starts_with("  ") {
                d.props.insert(k.trim().to_string(), v.trim().to_string());
            } else if k.contains("rror") || k.contains("orrupt") {
                d.errors.push(line.to_string());
            }
        } else if line.contains("rror") || line.contains("orrupt") || line.contains("not a valid") {
            d.errors.push(line.to_string());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    dumps
}

/// `'KEYHEX' seq:N, type:T => VALUEHEX`
fn parse_scan_line(line: &str) -> Option<(String, u64, u8, String)> {
    let rest = line.strip_prefix('\'')?;
    let (key, rest) = rest.split_once("' seq:")?;
    let (seq, rest) = rest.split_once(", type:")?;
    let (ty, value) = rest.split_once(" => ")?;
    Some((
        key.to_ascii_lowercase(),
        seq.parse().ok()?,
        ty.trim().parse().ok()?,
        value.trim().to_ascii_lowercase(),
    ))
}

/// Compares one file's entries and key properties with sst_dump's output; returns the number
/// of entries compared.
pub fn check_against_dump(path: &Path, dump: &Dump) -> usize {
    assert!(
        dump.errors.is_empty(),
        "{}: sst_dump errors {:?}",
        path.display(),
        dump.errors
    );
    let file = SstFile::open(open_local(path)).unwrap_or_else(|e| panic!("{e}"));
    let ours: Vec<(String, u64, u8, String)> = file
        .entries()
        .map(|r| {
            let (k, v) = r.unwrap_or_else(|e| panic!("{e}"));
            (hex(&k.user_key), k.seq, k.kind.to_byte(), hex(&v))
        })
        .collect();
    assert_eq!(
        ours,
        dump.entries,
        "{}: entries differ from sst_dump",
        path.display()
    );
    check_props(path, file.properties(), dump);
    ours.len()
}

fn hex(b: &[u8]) -> String {
    flink_inspect::hash::hex(b)
}

fn check_props(path: &Path, p: &TableProperties, dump: &Dump) {
    let get = |k: &str| {
        dump.props
            .get(k)
            .unwrap_or_else(|| panic!("{}: sst_dump printed no {k:?}", path.display()))
            .clone()
    };
    let num = |k: &str| -> u64 { get(k).parse().unwrap_or_else(|_| panic!("{k}: {}", get(k))) };
    let ctx = path.display();
    assert_eq!(p.num_data_blocks, num("# data blocks"), "{ctx}");
    assert_eq!(p.num_entries, num("# entries"), "{ctx}");
    assert_eq!(p.num_deletions, num("# deletions"), "{ctx}");
    assert_eq!(p.num_merge_operands, num("# merge operands"), "{ctx}");
    assert_eq!(p.num_range_deletions, num("# range deletions"), "{ctx}");
    assert_eq!(p.raw_key_size, num("raw key size"), "{ctx}");
    assert_eq!(p.raw_value_size, num("raw value size"), "{ctx}");
    assert_eq!(p.data_size, num("data block size"), "{ctx}");
    assert_eq!(p.filter_size, num("filter block size"), "{ctx}");
    assert_eq!(p.creation_time, num("creation time"), "{ctx}");
    assert_eq!(p.file_creation_time, num("file creation time"), "{ctx}");
    assert_eq!(p.original_file_number, num("original file number"), "{ctx}");
    assert_eq!(
        p.oldest_key_time,
        num("time stamp of earliest key"),
        "{ctx}"
    );
    assert_eq!(p.num_filter_entries, num("# entries for filter"), "{ctx}");
    let index_label = format!(
        "index block size (user-key? {}, delta-value? {})",
        p.index_key_is_user_key as u8, p.index_value_is_delta_encoded as u8
    );
    assert_eq!(p.index_size, num(&index_label), "{ctx}: {:?}", dump.props);
    let cf_id = p
        .column_family_id
        .map(|i| i.to_string())
        .unwrap_or_else(|| "N/A".into());
    assert_eq!(cf_id, get("column family ID"), "{ctx}");
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    assert_eq!(s(&p.column_family_name), get("column family name"), "{ctx}");
    assert_eq!(s(&p.comparator_name), get("comparator name"), "{ctx}");
    assert_eq!(
        s(&p.merge_operator_name),
        get("merge operator name"),
        "{ctx}"
    );
    assert_eq!(
        s(&p.compression_name),
        get("SST file compression algo"),
        "{ctx}"
    );
    assert_eq!(s(&p.db_id), get("DB identity"), "{ctx}");
    assert_eq!(s(&p.db_session_id), get("DB session identity"), "{ctx}");
    assert_eq!(s(&p.db_host_id), get("DB host id"), "{ctx}");
    assert_eq!(
        s(&p.compression_options).trim_end(),
        get("SST file compression options"),
        "{ctx}"
    );
    let collectors = p
        .property_collectors_names
        .clone()
        .unwrap_or_else(|| "N/A".into());
    assert_eq!(collectors, get("property collectors names"), "{ctx}");
}
