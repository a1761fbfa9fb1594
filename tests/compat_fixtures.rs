//! Flink's own migration tests restore every older snapshot of a test job into the current
//! version of the same job, without allowNonRestoredState, and pass
//! (`StatefulJobSnapshotMigrationITCase`, `StatefulJobWBroadcastStateMigrationITCase`,
//! `AbstractOperatorRestoreTestBase`). So `compat` of each older snapshot against the newest
//! snapshot of the same job and backend must say restorable. None of these tests declares a
//! migration: their restore jobs use the same uids, descriptors and serializers.

mod common;
mod compat_common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::fixtures;
use compat_common::{describe, side};
use flink_inspect::compat::{Options, Verdict, compare, parse_version};
use flink_inspect::types::{Prim, TypeInfo};

/// `(family, backend)` → snapshots as `(version, kind, dir)`.
type Families = BTreeMap<(String, String), Vec<((u32, u32), String, PathBuf)>>;

/// Splits `new-stateful-udf-migration-itcase-flink1.15-rocksdb-savepoint-native` into family
/// `new-stateful-udf-migration-itcase`, version 1.15, backend `rocksdb`, kind
/// `savepoint-native`. Names without a backend are the heap backends of old releases.
fn classify(dir: &Path, root: &Path) -> Option<(String, (u32, u32), String, String)> {
    let rel = dir
        .strip_prefix(root)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    let name = rel.rsplit('/').next()?;
    let (family, rest) = name.split_once("-flink")?;
    let family = if rel.contains("/operatorstate/") {
        format!("operatorstate/{family}")
    } else {
        family.to_string()
    };
    if !(family.starts_with("new-stateful") || family.starts_with("operatorstate/")) {
        return None;
    }
    let (version, tail) = match rest.split_once('-') {
        Some((v, t)) => (v, t),
        None => (rest, ""),
    };
    let version = parse_version(version)?;
    let (backend, kind) = if let Some(k) = tail.strip_prefix("rocksdb-") {
        ("rocksdb", k)
    } else if let Some(k) = tail.strip_prefix("hashmap-") {
        ("heap", k)
    } else if tail.is_empty() {
        ("heap", "savepoint")
    } else {
        ("heap", tail)
    };
    Some((family, version, backend.to_string(), kind.to_string()))
}

fn families(root: &Path) -> Families {
    let dirs = fixtures::snapshot_dirs(root);
    let mut fam: Families = BTreeMap::new();
    for d in dirs {
        if let Some((family, version, backend, kind)) = classify(&d, root) {
            fam.entry((family, backend))
                .or_default()
                .push((version, kind, d));
        }
    }
    fam
}

#[test]
fn older_snapshots_restore_into_the_newest_job() {
    let root = common::fixtures();
    let fam = families(&root);
    let mut pairs = 0;
    let mut controls = 0;
    let mut failures = Vec::new();
    for ((family, backend), snaps) in &fam {
        let newest = snaps.iter().map(|(v, _, _)| *v).max().expect("non-empty");
        for (v, kind, dir) in snaps {
            if *v == newest {
                continue;
            }
            // The newest snapshot of the same kind, else its canonical savepoint.
            let target = snaps
                .iter()
                .filter(|(w, _, _)| *w == newest)
                .find(|(_, k, _)| k == kind)
                .or_else(|| {
                    snaps
                        .iter()
                        .find(|(w, k, _)| *w == newest && k == "savepoint")
                })
                .or_else(|| snaps.iter().find(|(w, _, _)| *w == newest))
                .expect("newest exists");
            let old = side(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let new = side(&target.2).unwrap_or_else(|e| panic!("{}: {e}", target.2.display()));
            let labels = (dir.display().to_string(), target.2.display().to_string());
            let r = compare(&old, &new, (&labels.0, &labels.1), &Options::default());
            pairs += 1;
            // Every operator with state must be matched: nothing dropped, nothing failing.
            let restored_states: usize = r
                .operators
                .iter()
                .flat_map(|o| &o.states)
                .filter(|s| s.verdict == flink_inspect::compat::Verdict::Restored)
                .count();
            // The same job registers the same states: none may be left unchecked.
            let carried = r
                .operators
                .iter()
                .flat_map(|o| &o.states)
                .filter(|s| s.verdict == Verdict::Carried)
                .count();
            // Negative control: the same pair with one state's value type changed must fail.
            let mut mutated = new.clone();
            let victim = mutated
                .operators
                .iter_mut()
                .filter(|o| old.operator(&o.id).is_some())
                .flat_map(|o| o.states.iter_mut())
                .find_map(|s| {
                    let name = s.name.clone();
                    s.serializers
                        .iter_mut()
                        .find(|(role, _)| role == "VALUE_SERIALIZER")
                        .map(|(_, ser)| (name, ser))
                });
            if let Some((name, ser)) = victim {
                let other = if ser.ty == (TypeInfo::Primitive { ty: Prim::Boolean }) {
                    Prim::Char
                } else {
                    Prim::Boolean
                };
                ser.ty = TypeInfo::Primitive { ty: other };
                let m = compare(&old, &mutated, (&labels.0, &labels.1), &Options::default());
                let hit = m
                    .operators
                    .iter()
                    .flat_map(|o| &o.states)
                    .any(|s| s.name == name && s.verdict == Verdict::Incompatible);
                if m.exit_code != 1 || !hit {
                    failures.push(format!(
                        "{family} {}.{}: changing state {name}'s type was not caught",
                        v.0, v.1
                    ));
                }
                controls += 1;
            }
            if r.exit_code != 0 || !r.restorable || restored_states == 0 || carried > 0 {
                failures.push(format!(
                    "{family} [{backend}] {}.{} {kind} -> {}.{} {}: exit {}, {} states restored, {carried} carried\n{}",
                    v.0,
                    v.1,
                    newest.0,
                    newest.1,
                    target.1,
                    r.exit_code,
                    restored_states,
                    describe(&r)
                ));
            }
        }
    }
    eprintln!(
        "{pairs} older→newest pairs in {} families, {controls} negative controls, {} unexpected",
        fam.len(),
        failures.len()
    );
    assert!(
        pairs >= 100,
        "only {pairs} pairs found under {}",
        root.display()
    );
    assert_eq!(controls, pairs, "every pair has a state to mutate");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every fixture's contract, written and read back, describes the same job: compared with the
/// snapshot itself, everything restores as is. Exercises the type expressions on every real
/// serializer snapshot in the fixtures (POJOs, Avro, RowData of the SQL operators, ...).
#[test]
fn every_fixture_contract_round_trips() {
    use flink_inspect::compat::{read_contract, to_contract};
    let dirs = fixtures::snapshot_dirs(&common::fixtures());
    let (mut ok, mut unreadable, mut states) = (0, Vec::new(), 0);
    let mut failures = Vec::new();
    for d in &dirs {
        let s = match side(d) {
            Ok(s) => s,
            Err(e) => {
                unreadable.push(format!("{}: {e}", d.display()));
                continue;
            }
        };
        let text = serde_json::to_string(&to_contract(&s, None)).expect("serializes");
        let back = match read_contract(&text) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{}: {e}", d.display()));
                continue;
            }
        };
        let r = compare(&s, &back, ("snapshot", "contract"), &Options::default());
        let all_restored = r
            .operators
            .iter()
            .flat_map(|o| &o.states)
            .all(|s| s.verdict == Verdict::Restored);
        states += r.operators.iter().map(|o| o.states.len()).sum::<usize>();
        if r.exit_code != 0 || !all_restored {
            failures.push(format!("{}:\n{}", d.display(), describe(&r)));
        } else {
            ok += 1;
        }
    }
    eprintln!(
        "{} snapshots: {ok} round-trip ({states} states), {} unreadable, {} failures",
        dirs.len(),
        unreadable.len(),
        failures.len()
    );
    for u in &unreadable {
        eprintln!("  unreadable: {u}");
    }
    assert!(ok >= 400, "only {ok} snapshots round-tripped");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
