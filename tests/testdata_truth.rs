//! The committed real-Flink snapshots carry their ground truth: for every snapshot in every
//! `inventory.json` (SQL savepoints included), what the job wrote and what Flink read back after
//! restoring it exist and agree (as multisets of lines: both sides are sorted by the generator,
//! but the order of equal keys is not part of the truth).

mod common;

use std::collections::BTreeMap;

fn multiset(path: &std::path::Path) -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("ground truth {} missing: {e}", path.display()));
    let mut m = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        // Each line must be a JSON object; compare its canonical form.
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", path.display()));
        *m.entry(v.to_string()).or_insert(0) += 1;
    }
    m
}

#[test]
fn every_snapshot_has_agreeing_written_and_readback_truth() {
    let mut snapshots = 0;
    let mut lines = 0;
    let mut behavioural = 0;
    for (case, inv) in common::inventories() {
        for snap in inv["snapshots"].as_array().expect("snapshots[]") {
            let path = case.join(snap["path"].as_str().unwrap());
            assert!(
                path.join("_metadata").is_file() || path.is_dir(),
                "{}: snapshot folder missing",
                path.display()
            );
            let written = multiset(&case.join(snap["written"].as_str().unwrap()));
            let readback = snap["readback"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: no read-back truth file", path.display()));
            assert_eq!(
                written,
                multiset(&case.join(readback)),
                "{}: what the job wrote differs from what Flink read back",
                path.display()
            );
            // SQL cases also carry a behavioural check: the changelog the job emitted after
            // restoring equals the one the written state implies.
            if let Some(expected) = snap["restore_expected"].as_str() {
                let observed = snap["restore_observed"].as_str().expect("restore_observed");
                let e = multiset(&case.join(expected));
                assert!(
                    !e.is_empty(),
                    "{}: empty expected changelog",
                    path.display()
                );
                assert_eq!(e, multiset(&case.join(observed)), "{}", path.display());
                behavioural += 1;
            }
            let n: usize = written.values().sum();
            if let Some(expected) = snap["lines"].as_u64() {
                assert_eq!(n as u64, expected, "{}: line count", path.display());
            }
            assert!(n > 0, "{}: empty ground truth", path.display());
            snapshots += 1;
            lines += n;
        }
    }
    // Two Flink versions, each with keyed, types, operator-state and evolution cases.
    assert!(
        snapshots >= 50,
        "only {snapshots} snapshots with ground truth"
    );
    // The SQL job's savepoints, one per backend and version.
    assert!(
        behavioural >= 4,
        "only {behavioural} SQL savepoints with a behavioural check"
    );
    eprintln!(
        "{snapshots} snapshots, {lines} ground-truth lines agree; {behavioural} changelogs after restore"
    );
}

#[test]
fn no_workstation_path_is_committed() {
    // Snapshots are written under a neutral root and moved; nothing should name /work or /home.
    let mut stack = vec![common::testdata()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == ".work" || n == "gen") {
                    continue;
                }
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "_metadata") {
                let bytes = std::fs::read(&p).unwrap();
                for bad in [&b"/work/"[..], b"/home/", b"/root/"] {
                    assert!(
                        !bytes.windows(bad.len()).any(|w| w == bad),
                        "{} records a workstation path",
                        p.display()
                    );
                }
            }
        }
    }
}
