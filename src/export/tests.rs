//! Unit tests on synthetic sources whose values are decoded from hand-serialized bytes.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::*;
use crate::types::{Prim, TypeInfo, Value, decode_bytes};

fn long() -> TypeInfo {
    TypeInfo::Primitive { ty: Prim::Long }
}

fn string() -> TypeInfo {
    TypeInfo::Primitive { ty: Prim::String }
}

/// Flink `StringSerializer` bytes (StringValue: varint length+1, then chars; ASCII here).
fn string_bytes(s: &str) -> Vec<u8> {
    let mut b = vec![(s.len() + 1) as u8];
    b.extend(s.as_bytes());
    b
}

fn dec(t: &TypeInfo, b: &[u8]) -> Value {
    decode_bytes(t, &Arc::from("test"), b, 0).unwrap()
}

struct VecSource {
    specs: Vec<Arc<DatasetSpec>>,
    units: Vec<Vec<(usize, Row)>>,
    fail_unit: Option<usize>,
}

impl RowSource for VecSource {
    fn datasets(&self) -> &[Arc<DatasetSpec>] {
        &self.specs
    }
    fn units(&self) -> usize {
        self.units.len()
    }
    fn read(
        &self,
        unit: usize,
        sink: &mut dyn FnMut(usize, &Row) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        for (i, r) in &self.units[unit] {
            sink(*i, r)?;
        }
        if self.fail_unit == Some(unit) {
            return Err(ExportError::Read("corrupt key group".into()));
        }
        Ok(())
    }
}

fn source(rows_per_unit: usize, units: usize) -> VecSource {
    let list_spec = DatasetSpec::new(
        DatasetKind::Keyed,
        "main-keyed",
        "abc",
        "timestamps",
        "LIST",
        ColumnTypes {
            key_group: true,
            key: Some(string()),
            index: true,
            value: Some(long()),
            ttl: true,
            ..Default::default()
        },
    );
    let timer_spec = DatasetSpec::new(
        DatasetKind::Timers,
        "main-keyed",
        "abc",
        "user-timers",
        "PRIORITY_QUEUE",
        ColumnTypes {
            key_group: true,
            key: Some(string()),
            timestamp: true,
            ..Default::default()
        },
    );
    let empty_spec = DatasetSpec::new(
        DatasetKind::Keyed,
        "main-keyed",
        "abc",
        "never-written",
        "VALUE",
        ColumnTypes {
            key_group: true,
            key: Some(string()),
            value: Some(long()),
            ..Default::default()
        },
    );
    let mut all = Vec::new();
    for u in 0..units {
        let mut rows = Vec::new();
        for i in 0..rows_per_unit {
            let key = dec(&string(), &string_bytes(&format!("k{u}-{i}")));
            let v = dec(&long(), &((u * 1_000_000 + i) as i64).to_be_bytes());
            rows.push((
                0,
                Row {
                    key_group: Some(u as u32),
                    subtask: (u % 2) as u32,
                    key: key.clone(),
                    namespace: Value::Null,
                    user_key: None,
                    index: Some(i as u32),
                    value: v,
                    ttl_timestamp: Some(1_700_000_000_000 + i as i64),
                    timestamp: None,
                },
            ));
            if i % 10 == 0 {
                rows.push((
                    1,
                    Row {
                        key_group: Some(u as u32),
                        subtask: (u % 2) as u32,
                        key,
                        namespace: Value::Null,
                        user_key: None,
                        index: None,
                        value: Value::Null,
                        ttl_timestamp: None,
                        timestamp: Some(i as i64),
                    },
                ));
            }
        }
        all.push(rows);
    }
    VecSource {
        specs: vec![
            Arc::new(list_spec),
            Arc::new(timer_spec),
            Arc::new(empty_spec),
        ],
        units: all,
        fail_unit: None,
    }
}

fn read_all(path: &std::path::Path) -> Vec<RecordBatch> {
    let f = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

fn small_opts() -> Arc<WriteOptions> {
    Arc::new(WriteOptions {
        batch_rows: 100,
        row_group_rows: 1000,
        ..Default::default()
    })
}

#[test]
fn writes_parts_in_unit_order_with_row_groups() {
    let src = source(2500, 3);
    let dir = tempfile::tempdir().unwrap();
    let entries = write_source(&src, dir.path(), &small_opts(), &|| {}).unwrap();
    assert_eq!(entries.len(), 3);
    let list = &entries[0];
    assert_eq!(list.path, "main-keyed/timestamps");
    assert_eq!(list.rows, 7500);
    assert_eq!(list.files.len(), 3);
    assert_eq!(
        list.files[1].path,
        "main-keyed/timestamps/part-00001.parquet"
    );
    // part 1 holds unit 1's rows, in order, in several row groups
    let p = dir.path().join(&list.files[1].path);
    let meta = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&p).unwrap())
        .unwrap()
        .metadata()
        .clone();
    assert_eq!(meta.num_row_groups(), 3);
    let batches = read_all(&p);
    let mut i = 0i64;
    for b in &batches {
        let names: Vec<_> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(
            names,
            [
                "key_group",
                "subtask",
                "key",
                "index",
                "value",
                "ttl_timestamp"
            ]
        );
        let kg = b.column(0).as_primitive::<Int32Type>();
        let key = b.column(2).as_string::<i32>();
        let idx = b.column(3).as_primitive::<Int32Type>();
        let v = b.column(4).as_primitive::<Int64Type>();
        let ttl = b.column(5).as_primitive::<Int64Type>();
        for r in 0..b.num_rows() {
            assert_eq!(kg.value(r), 1);
            assert_eq!(key.value(r), format!("k1-{i}"));
            assert_eq!(idx.value(r) as i64, i);
            assert_eq!(v.value(r), 1_000_000 + i);
            assert_eq!(ttl.value(r), 1_700_000_000_000 + i);
            i += 1;
        }
    }
    assert_eq!(i, 2500);
    // timers: 250 per unit
    assert_eq!(entries[1].rows, 750);
    assert_eq!(entries[1].path, "main-keyed/_timers/user-timers");
    // a dataset without rows still has one (empty) file with its schema
    assert_eq!(entries[2].rows, 0);
    assert_eq!(entries[2].files.len(), 1);
    let empty = read_all(&dir.path().join(&entries[2].files[0].path));
    assert!(empty.iter().all(|b| b.num_rows() == 0));
}

#[test]
fn same_input_same_files() {
    let src = source(300, 4);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_source(&src, a.path(), &small_opts(), &|| {}).unwrap();
    write_source(&src, b.path(), &small_opts(), &|| {}).unwrap();
    let files = commit::staged_files(a.path()).unwrap();
    assert_eq!(files, commit::staged_files(b.path()).unwrap());
    assert!(files.len() >= 9);
    for f in files {
        let (x, y) = (
            std::fs::read(a.path().join(&f)).unwrap(),
            std::fs::read(b.path().join(&f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two runs");
    }
}

#[test]
fn failing_unit_fails_the_export_and_staging_is_removed() {
    let mut src = source(50, 3);
    src.fail_unit = Some(2);
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    let staging = Staging::create(Target::Local(out.clone()), false).unwrap();
    let staged_dir = staging.dir.clone();
    let r = write_source(&src, &staging.dir, &small_opts(), &|| {});
    assert!(matches!(r, Err(ExportError::Read(_))));
    assert!(staged_dir.exists());
    drop(staging);
    assert!(!staged_dir.exists());
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 0);
}

#[test]
fn commit_renames_into_place_and_refuses_non_empty_output() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("out");
    let staging = Staging::create(Target::Local(out.clone()), false).unwrap();
    std::fs::write(staging.dir.join("x"), b"1").unwrap();
    staging.commit(MANIFEST).unwrap();
    assert_eq!(std::fs::read(out.join("x")).unwrap(), b"1");
    assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 1);
    // non-empty: refused without --force
    assert!(matches!(
        Staging::create(Target::Local(out.clone()), false),
        Err(ExportError::Exists(_))
    ));
    // with --force the old content is replaced
    let staging = Staging::create(Target::Local(out.clone()), true).unwrap();
    std::fs::write(staging.dir.join("y"), b"2").unwrap();
    staging.commit(MANIFEST).unwrap();
    assert!(!out.join("x").exists());
    assert_eq!(std::fs::read(out.join("y")).unwrap(), b"2");
    assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 1);
    // an existing empty directory is fine
    let empty = parent.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let staging = Staging::create(Target::Local(empty.clone()), false).unwrap();
    std::fs::write(staging.dir.join("z"), b"3").unwrap();
    staging.commit(MANIFEST).unwrap();
    assert!(empty.join("z").exists());
}

#[test]
fn value_that_does_not_fit_names_dataset_and_column() {
    let mut src = source(5, 1);
    src.units[0][0].1.value = Value::String("not a long".into());
    let dir = tempfile::tempdir().unwrap();
    let e = write_source(&src, dir.path(), &small_opts(), &|| {}).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("main-keyed/timestamps") && msg.contains("column value"),
        "{msg}"
    );
}
