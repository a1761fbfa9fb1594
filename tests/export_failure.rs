//! All-or-nothing: an export that fails midway exits 2 and leaves no complete-looking dataset;
//! a non-empty output is refused without --force.

mod common;
mod export_common;

use common::{case, copy_dir, run};
use export_common::files_below;

fn savepoint() -> std::path::PathBuf {
    case("flink-2.3.0/keyed-hashmap-savepoint")
        .0
        .join("savepoint")
}

/// The largest state file of a savepoint copy (not `_metadata`).
fn largest_state_file(dir: &std::path::Path) -> std::path::PathBuf {
    files_below(dir)
        .into_iter()
        .filter(|f| !f.ends_with("_metadata"))
        .map(|f| dir.join(f))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .expect("a state file")
}

#[test]
fn corrupt_state_file_fails_with_nothing_visible() {
    let tmp = tempfile::tempdir().unwrap();
    let sp = tmp.path().join("sp");
    copy_dir(&savepoint(), &sp);
    let victim = largest_state_file(&sp);
    let mut bytes = std::fs::read(&victim).unwrap();
    let n = bytes.len();
    // Damage the second half: the header and early key groups read fine, so datasets are
    // already being written when the damage is found.
    for b in &mut bytes[n / 2..n / 2 + 64] {
        *b = 0xff;
    }
    std::fs::write(&victim, &bytes).unwrap();
    let parent = tmp.path().join("outparent");
    std::fs::create_dir(&parent).unwrap();
    let out = parent.join("out");
    let r = run([
        "export".as_ref(),
        sp.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "stdout {} stderr {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("error"), "{}", r.stderr);
    assert!(!out.exists(), "a failed export left {out:?}");
    assert!(
        files_below(&parent).is_empty(),
        "leftovers: {:?}",
        files_below(&parent)
    );
}

#[test]
fn truncated_state_file_fails_with_nothing_visible() {
    let tmp = tempfile::tempdir().unwrap();
    let sp = tmp.path().join("sp");
    copy_dir(&savepoint(), &sp);
    let victim = largest_state_file(&sp);
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = tmp.path().join("out");
    let r = run([
        "export".as_ref(),
        sp.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!out.exists());
}

#[test]
fn non_empty_output_is_refused_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let sp = savepoint();
    let r = run([
        "export".as_ref(),
        sp.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(files_below(&out), vec!["keep.txt".to_string()]);
    let r = run([
        "export".as_ref(),
        sp.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--force".as_ref(),
        "--compression".as_ref(),
        "snappy".as_ref(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let files = files_below(&out);
    assert!(!files.contains(&"keep.txt".to_string()));
    assert!(files.contains(&"_manifest.json".to_string()));
    assert!(files.iter().any(|f| f.ends_with("part-00000.parquet")));
    // nothing but the output next to it
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn same_snapshot_gives_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let sp = savepoint();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let r = run([
            "export".as_ref(),
            sp.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let files = files_below(&a);
    assert_eq!(files, files_below(&b));
    assert!(files.len() > 5);
    for f in files {
        assert!(
            std::fs::read(a.join(&f)).unwrap() == std::fs::read(b.join(&f)).unwrap(),
            "{f} differs"
        );
    }
}

/// The codecs of every column chunk of every part file below `out`.
fn codecs(out: &std::path::Path) -> std::collections::BTreeSet<String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let mut seen = std::collections::BTreeSet::new();
    for f in files_below(out).iter().filter(|f| f.ends_with(".parquet")) {
        let file = std::fs::File::open(out.join(f)).unwrap();
        let r = SerializedFileReader::new(file).unwrap();
        for rg in r.metadata().row_groups() {
            for c in rg.columns() {
                seen.insert(format!("{:?}", c.compression()));
            }
        }
    }
    seen
}

#[test]
fn compression_default_level_and_misuse() {
    let tmp = tempfile::tempdir().unwrap();
    let sp = savepoint();
    let export = |out: &std::path::Path, extra: &[&str]| {
        let mut args: Vec<std::ffi::OsString> = vec![
            "export".into(),
            sp.clone().into(),
            "--out".into(),
            out.into(),
        ];
        args.extend(extra.iter().map(|a| a.into()));
        run(args.iter().map(|a| a.as_os_str()))
    };
    let manifest_codec = |out: &std::path::Path| {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("_manifest.json")).unwrap()).unwrap();
        m["compression"].as_str().unwrap().to_string()
    };
    let plain = tmp.path().join("default");
    let r = export(&plain, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(manifest_codec(&plain), "snappy");
    assert_eq!(codecs(&plain), ["SNAPPY".to_string()].into());

    let z = tmp.path().join("zstd9");
    let r = export(&z, &["--compression", "zstd", "--compression-level", "9"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(manifest_codec(&z), "zstd");
    // the file records the codec, not the level
    let zc = codecs(&z);
    assert!(
        zc.len() == 1 && zc.iter().all(|c| c.starts_with("ZSTD")),
        "{zc:?}"
    );

    // a level without zstd, or out of range: refused, nothing written
    for (out, extra) in [
        (
            "bad1",
            &["--compression", "snappy", "--compression-level", "3"][..],
        ),
        (
            "bad2",
            &["--compression", "zstd", "--compression-level", "23"][..],
        ),
    ] {
        let out = tmp.path().join(out);
        let r = export(&out, extra);
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stderr);
        assert!(r.stderr.contains("--compression-level"), "{}", r.stderr);
        assert!(!out.exists());
    }
}
