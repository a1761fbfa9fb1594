//! Reading a native (SST) handle split by key-group range gives the same entries, in the same
//! order, as reading it whole: `rocksdb::read_incremental_key_groups` for a range sends exactly
//! the entries `read_incremental` sends in those key groups, in its order; and the work units of
//! `keyed::plan_split` (one native handle in several key-group ranges, each seeking every SST)
//! together give the entries of `keyed::plan` (one unit per handle), with every state's entries
//! in the same order. On every native snapshot of testdata/ (savepoints, full and incremental
//! checkpoints) and every fixture snapshot with native keyed state.

mod common;
mod rocksdb_common;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use flink_inspect::keyed::{Filter, plan, plan_split, read_unit};
use flink_inspect::metadata::{IncrementalHandle, KeyedHandle};
use flink_inspect::rocksdb::{NativeSnapshot, read_incremental, read_incremental_key_groups};
use flink_inspect::store::PathResolver;

use common::cells::{Cell, cell};

/// `first..=last` cut into `pieces` contiguous ranges.
fn ranges(first: u32, last: u32, pieces: u32) -> Vec<(u32, u32)> {
    let step = (last - first + 1).div_ceil(pieces).max(1);
    let mut out = Vec::new();
    let mut s = first;
    while s <= last {
        let e = (s + step - 1).min(last);
        out.push((s, e));
        s = e + 1;
    }
    out
}

/// Checks every split of one handle against the whole read; returns the number of entries.
fn check_handle(
    name: &str,
    h: &IncrementalHandle,
    subtask: u32,
    max_parallelism: u32,
    resolver: &PathResolver,
    splits: &[u32],
) -> usize {
    let read = |groups: Option<(u32, u32)>| {
        let mut cells = Vec::new();
        read_incremental_key_groups(
            h,
            subtask,
            max_parallelism,
            resolver,
            &|_| true,
            groups,
            &mut |e| {
                cells.push(cell(&e));
                Ok(())
            },
        )
        .unwrap_or_else(|e| panic!("{name} subtask {subtask} {groups:?}: {e}"));
        cells
    };
    let mut whole = Vec::new();
    read_incremental(h, subtask, max_parallelism, resolver, &|_| true, &mut |e| {
        whole.push(cell(&e));
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{name} subtask {subtask}: {e}"));
    assert_eq!(read(None), whole, "{name} subtask {subtask}: no range");
    let last = max_parallelism - 1;
    for &pieces in splits {
        let mut total = 0;
        for (a, b) in ranges(0, last, pieces.min(max_parallelism)) {
            let want: Vec<Cell> = whole
                .iter()
                .filter(|c| c.1 >= a && c.1 <= b)
                .cloned()
                .collect();
            let got = read(Some((a, b)));
            assert_eq!(
                got.len(),
                want.len(),
                "{name} subtask {subtask}: key groups {a}..={b} of {pieces} pieces"
            );
            assert!(
                got == want,
                "{name} subtask {subtask}: key groups {a}..={b}: other entries or order"
            );
            total += got.len();
        }
        assert_eq!(
            total,
            whole.len(),
            "{name} subtask {subtask}: {pieces} pieces"
        );
    }
    whole.len()
}

/// SST files of the handle with more than one data block (where a seek uses the index).
fn multi_block_files(h: &IncrementalHandle, resolver: &PathResolver) -> usize {
    let snap = NativeSnapshot::open(h, resolver).unwrap();
    snap.column_families(resolver)
        .unwrap()
        .iter()
        .flat_map(|cf| cf.files.iter())
        .filter(|f| f.properties().num_data_blocks > 1)
        .count()
}

/// Every native handle of the snapshot in `dir`, checked; `(handles, entries, SST files with
/// several data blocks)`.
fn check_snapshot(dir: &Path, splits: &[u32]) -> (usize, usize, usize) {
    let o = rocksdb_common::open(dir);
    let resolver = o.resolver();
    let name = dir.display().to_string();
    let (mut handles, mut entries, mut multi) = (0, 0, 0);
    for op in &o.snapshot.operators {
        for (subtask, st) in &op.subtasks {
            let Some(KeyedHandle::Incremental(h)) = &st.managed_keyed_state else {
                continue;
            };
            handles += 1;
            multi += multi_block_files(h, &resolver);
            entries += check_handle(
                &name,
                h,
                *subtask,
                op.max_parallelism as u32,
                &resolver,
                splits,
            );
        }
    }
    (handles, entries, multi)
}

fn testdata_native_dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (dir, inv) in common::inventories() {
        if inv["backend"] != "rocksdb" {
            continue;
        }
        for s in inv["snapshots"].as_array().unwrap() {
            if s["format"] != "canonical" {
                out.push(dir.join(s["path"].as_str().unwrap()));
            }
        }
    }
    out
}

#[test]
fn key_group_ranges_of_testdata_handles_equal_the_whole_read() {
    let dirs = testdata_native_dirs();
    assert!(dirs.len() >= 4, "{} native snapshots", dirs.len());
    let (mut handles, mut entries, mut multi) = (0, 0, 0);
    for dir in &dirs {
        // 128 pieces: every key group alone (max parallelism 128 in testdata)
        let (h, e, m) = check_snapshot(dir, &[2, 3, 8, 128]);
        handles += h;
        entries += e;
        multi += m;
    }
    assert!(handles >= dirs.len(), "{handles} handles");
    assert!(entries > 1000, "{entries} entries");
    assert!(
        multi > 0,
        "no SST with several data blocks: the seek is not exercised"
    );
}

#[test]
fn key_group_ranges_of_fixture_handles_equal_the_whole_read() {
    let dirs = common::fixtures::snapshot_dirs(&common::fixtures());
    let (mut snapshots, mut handles, mut entries, mut multi) = (0, 0, 0, 0);
    for dir in &dirs {
        let (h, e, m) = check_snapshot(dir, &[2, 7]);
        if h > 0 {
            snapshots += 1;
        }
        handles += h;
        entries += e;
        multi += m;
    }
    assert!(
        snapshots >= 20,
        "{snapshots} fixture snapshots with native state"
    );
    assert!(handles >= snapshots && entries > 0, "{handles} {entries}");
    eprintln!(
        "{snapshots} snapshots, {handles} handles, {entries} entries, {multi} multi-block SSTs"
    );
}

/// Entries of a list of units, read one after the other.
fn read_units(
    units: &[flink_inspect::keyed::WorkUnit],
    max_parallelism: u32,
    resolver: &PathResolver,
) -> Vec<Cell> {
    let mut cells = Vec::new();
    for u in units {
        let r = read_unit(u, max_parallelism, resolver, &Filter::default(), &mut |e| {
            cells.push(cell(e));
            ControlFlow::Continue(())
        });
        assert!(r.errors.is_empty(), "{:?}", r.errors);
    }
    cells
}

/// Per (subtask, state): its entries in reading order.
fn by_state(cells: Vec<Cell>) -> BTreeMap<(u32, String), Vec<Cell>> {
    let mut m: BTreeMap<(u32, String), Vec<Cell>> = BTreeMap::new();
    for c in cells {
        m.entry((c.0, c.2.clone())).or_default().push(c);
    }
    m
}

#[test]
fn split_work_units_read_what_one_unit_per_handle_reads() {
    let mut compared = 0;
    for dir in testdata_native_dirs() {
        let o = rocksdb_common::open(&dir);
        let resolver = o.resolver();
        for op in &o.snapshot.operators {
            let maxp = op.max_parallelism as u32;
            let filter = Filter::default();
            let one = plan(op, &filter, 4);
            let split = plan_split(op, &filter, 4, 5);
            let natives = one
                .iter()
                .filter(|u| matches!(u.handle, KeyedHandle::Incremental(_)))
                .count();
            if natives == 0 {
                continue;
            }
            assert!(split.len() > one.len(), "{}: not split", dir.display());
            let whole = read_units(&one, maxp, &resolver);
            let parts = read_units(&split, maxp, &resolver);
            assert_eq!(parts.len(), whole.len(), "{}", dir.display());
            assert!(
                by_state(parts) == by_state(whole),
                "{}: other entries or order within a state",
                dir.display()
            );
            compared += natives;
        }
    }
    assert!(compared >= 4, "{compared} handles compared");
}
