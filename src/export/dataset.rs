//! One dataset (a state of an operator, a timer service, an operator state): its columns,
//! rows, and the Parquet part files one work unit writes for it. Rows are buffered in small
//! batches, handed to the Parquet writer, and row groups are flushed as they fill, so memory
//! stays bounded whatever the state's size.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use serde::Serialize;

use super::ExportError;
use super::columns::Col;
use super::encoding::no_dictionary_columns;
use super::schema::field_for;
use crate::types::{TypeInfo, Value};

/// What a dataset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    Keyed,
    Timers,
    OperatorState,
}

/// Where a column's values come from in a [`Row`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    KeyGroup,
    Subtask,
    Key,
    Namespace,
    UserKey,
    Index,
    Value,
    TtlTimestamp,
    Timestamp,
}

/// One output row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key_group: Option<u32>,
    pub subtask: u32,
    pub key: Value,
    pub namespace: Value,
    pub user_key: Option<Value>,
    /// Position in a list (list state, operator list state).
    pub index: Option<u32>,
    pub value: Value,
    pub ttl_timestamp: Option<i64>,
    /// Timers: the timer's timestamp (epoch millis).
    pub timestamp: Option<i64>,
}

/// The types a dataset's columns are made from (`None` = no such column).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ColumnTypes {
    /// Keyed datasets carry `key_group`; operator state does not.
    pub key_group: bool,
    pub key: Option<TypeInfo>,
    /// Omitted for `VoidNamespace`.
    pub namespace: Option<TypeInfo>,
    pub user_key: Option<TypeInfo>,
    pub index: bool,
    pub value: Option<TypeInfo>,
    pub ttl: bool,
    pub timestamp: bool,
}

/// A dataset's identity and columns.
#[derive(Debug, Clone)]
pub struct DatasetSpec {
    pub kind: DatasetKind,
    /// Operator uid (when known) or hex id: the top directory.
    pub operator: String,
    pub operator_id: String,
    pub state: String,
    /// `KEYED_STATE_TYPE` and friends, for the manifest.
    pub state_kind: String,
    /// Directory relative to the output root (`/`-separated).
    pub rel_dir: String,
    pub types: ColumnTypes,
    pub schema: SchemaRef,
    pub roles: Vec<Role>,
}

fn ts_ms() -> DataType {
    super::schema::epoch_ms()
}

/// A directory-name-safe form of a state or operator name.
pub fn dir_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| match c {
            '/' | '\\' | '\0' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    if out.is_empty() || out == "." || out == ".." || out.starts_with('.') {
        out.insert(0, '_');
    }
    out
}

impl DatasetSpec {
    pub fn new(
        kind: DatasetKind,
        operator: &str,
        operator_id: &str,
        state: &str,
        state_kind: &str,
        types: ColumnTypes,
    ) -> DatasetSpec {
        let op = dir_name(operator);
        let st = dir_name(state);
        let rel_dir = match kind {
            DatasetKind::Keyed => format!("{op}/{st}"),
            DatasetKind::Timers => format!("{op}/_timers/{st}"),
            DatasetKind::OperatorState => format!("{op}/_operator_state/{st}"),
        };
        let mut fields = Vec::new();
        let mut roles = Vec::new();
        let mut add = |f: Field, r: Role| {
            fields.push(f);
            roles.push(r);
        };
        if types.key_group {
            add(
                Field::new("key_group", DataType::Int32, false),
                Role::KeyGroup,
            );
        }
        add(Field::new("subtask", DataType::Int32, false), Role::Subtask);
        if let Some(k) = &types.key {
            add(field_for("key", k), Role::Key);
        }
        if let Some(n) = &types.namespace {
            add(field_for("namespace", n), Role::Namespace);
        }
        if let Some(u) = &types.user_key {
            add(field_for("user_key", u), Role::UserKey);
        }
        if types.index {
            add(Field::new("index", DataType::Int32, true), Role::Index);
        }
        if types.timestamp {
            add(Field::new("timestamp", ts_ms(), true), Role::Timestamp);
        }
        if let Some(v) = &types.value {
            add(field_for("value", v), Role::Value);
        }
        if types.ttl {
            add(
                Field::new("ttl_timestamp", ts_ms(), true),
                Role::TtlTimestamp,
            );
        }
        DatasetSpec {
            kind,
            operator: operator.to_string(),
            operator_id: operator_id.to_string(),
            state: state.to_string(),
            state_kind: state_kind.to_string(),
            rel_dir,
            types,
            schema: Arc::new(Schema::new(fields)),
            roles,
        }
    }
}

/// Output knobs shared by all part writers.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub compression: Compression,
    /// Rows per Arrow batch handed to the Parquet writer.
    pub batch_rows: usize,
    /// Row-group limits: rows, and in-progress bytes.
    pub row_group_rows: usize,
    pub row_group_bytes: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            compression: Compression::SNAPPY,
            batch_rows: 8192,
            row_group_rows: 65_536,
            row_group_bytes: 32 << 20,
        }
    }
}

/// A part file written by one unit.
#[derive(Debug, Clone)]
pub struct PartFile {
    pub path: PathBuf,
    pub rows: u64,
}

/// Writes one unit's rows of one dataset into `dir/.u<unit>-<seq>.parquet` files.
pub struct PartWriter {
    spec: Arc<DatasetSpec>,
    opts: Arc<WriteOptions>,
    dir: PathBuf,
    unit: usize,
    cols: Vec<Col>,
    pending: usize,
    writer: Option<(ArrowWriter<File>, PathBuf, u64)>,
    pub files: Vec<PartFile>,
}

fn pq(path: &Path, e: impl std::fmt::Display) -> ExportError {
    ExportError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

impl PartWriter {
    pub fn new(
        spec: Arc<DatasetSpec>,
        opts: Arc<WriteOptions>,
        dir: PathBuf,
        unit: usize,
    ) -> PartWriter {
        let cols = spec.schema.fields().iter().map(|f| Col::new(f)).collect();
        PartWriter {
            spec,
            opts,
            dir,
            unit,
            cols,
            pending: 0,
            writer: None,
            files: Vec::new(),
        }
    }

    pub fn spec(&self) -> &Arc<DatasetSpec> {
        &self.spec
    }

    /// Appends one row; writes a batch when enough rows are buffered.
    pub fn push(&mut self, row: &Row) -> Result<(), ExportError> {
        for (c, role) in self.cols.iter_mut().zip(&self.spec.roles) {
            let r = match role {
                Role::KeyGroup => c.append(&opt_int(row.key_group.map(i64::from))),
                Role::Subtask => c.append(&Value::Int(row.subtask as i64)),
                Role::Key => c.append(&row.key),
                Role::Namespace => c.append(&row.namespace),
                Role::UserKey => c.append(row.user_key.as_ref().unwrap_or(&Value::Null)),
                Role::Index => c.append(&opt_int(row.index.map(i64::from))),
                Role::Value => c.append(&row.value),
                Role::TtlTimestamp => c.append(&opt_int(row.ttl_timestamp)),
                Role::Timestamp => c.append(&opt_int(row.timestamp)),
            };
            r.map_err(|m| ExportError::Value {
                dataset: self.spec.rel_dir.clone(),
                message: m.to_string(),
            })?;
        }
        self.pending += 1;
        if self.pending >= self.opts.batch_rows {
            self.write_batch()?;
        }
        Ok(())
    }

    fn open(&mut self, first: &[ArrayRef]) -> Result<(), ExportError> {
        let seq = self.files.len();
        let path = self
            .dir
            .join(format!(".u{:06}-{:04}.parquet", self.unit, seq));
        std::fs::create_dir_all(&self.dir).map_err(|e| pq(&self.dir, e))?;
        let file = File::create(&path).map_err(|e| pq(&path, e))?;
        let mut props = WriterProperties::builder();
        for name in no_dictionary_columns(&self.spec.schema, first) {
            props = props.set_column_dictionary_enabled(ColumnPath::from(name), false);
        }
        let props = props
            .set_compression(self.opts.compression)
            .set_max_row_group_row_count(Some(self.opts.row_group_rows))
            .set_max_row_group_bytes(Some(self.opts.row_group_bytes))
            .set_created_by(format!("flink-inspect {}", env!("CARGO_PKG_VERSION")))
            .build();
        let w = ArrowWriter::try_new(file, Arc::clone(&self.spec.schema), Some(props))
            .map_err(|e| pq(&path, e))?;
        self.writer = Some((w, path, 0));
        Ok(())
    }

    fn write_batch(&mut self) -> Result<(), ExportError> {
        let arrays = self
            .cols
            .iter_mut()
            .map(Col::finish)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pq(&self.dir, e))?;
        if self.writer.is_none() {
            self.open(&arrays)?;
        }
        let batch = RecordBatch::try_new(Arc::clone(&self.spec.schema), arrays)
            .map_err(|e| pq(&self.dir, e))?;
        let rows = self.pending as u64;
        self.pending = 0;
        if let Some((w, path, n)) = self.writer.as_mut() {
            w.write(&batch).map_err(|e| pq(path, e))?;
            *n += rows;
        }
        Ok(())
    }

    /// Writes what is buffered and closes the file. With `always`, a file is written even
    /// without rows (so an empty dataset still has its schema on disk).
    pub fn finish(mut self, always: bool) -> Result<Vec<PartFile>, ExportError> {
        if self.pending > 0 || (always && self.writer.is_none()) {
            self.write_batch()?;
        }
        if let Some((w, path, rows)) = self.writer.take() {
            w.close().map_err(|e| pq(&path, e))?;
            self.files.push(PartFile { path, rows });
        }
        Ok(self.files)
    }
}

fn opt_int(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::Int)
}
