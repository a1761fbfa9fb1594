//! `_manifest.json`: what an export holds. Written last; its presence marks a complete
//! export. Schema: `formats/export-manifest.md`.

use arrow_schema::{DataType, Field};
use serde::Serialize;
use serde_json::{Value as Json, json};

use super::dataset::{ColumnTypes, DatasetKind, DatasetSpec};
use super::schema::special_columns;

pub const MANIFEST: &str = "_manifest.json";
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub created_by: String,
    pub source: Source,
    pub compression: String,
    pub datasets: Vec<DatasetEntry>,
}

/// The snapshot exported.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// The `_metadata` file as given (after resolution).
    pub metadata: String,
    pub checkpoint_id: i64,
    pub metadata_version: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    /// Relative to the export root, `/`-separated.
    pub path: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpecialColumn {
    /// Dot-separated column path (`value.payload`).
    pub column: String,
    /// `opaque` (serialized bytes) or `json` (decoded value as JSON text).
    pub encoding: String,
    pub class: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatasetEntry {
    pub path: String,
    pub kind: DatasetKind,
    pub operator: String,
    pub operator_id: String,
    pub state: String,
    pub state_kind: String,
    pub rows: u64,
    pub files: Vec<FileEntry>,
    /// The Arrow schema of every file.
    pub schema: Json,
    /// The Flink type tree the columns come from.
    pub types: ColumnTypes,
    /// Columns whose values are not structural (undecoded bytes or JSON text).
    pub special_columns: Vec<SpecialColumn>,
}

impl DatasetEntry {
    pub fn new(spec: &DatasetSpec, files: Vec<FileEntry>) -> DatasetEntry {
        let mut special = Vec::new();
        for f in spec.schema.fields() {
            special_columns(f, "", &mut special);
        }
        DatasetEntry {
            path: spec.rel_dir.clone(),
            kind: spec.kind,
            operator: spec.operator.clone(),
            operator_id: spec.operator_id.clone(),
            state: spec.state.clone(),
            state_kind: spec.state_kind.clone(),
            rows: files.iter().map(|f| f.rows).sum(),
            files,
            schema: Json::Array(spec.schema.fields().iter().map(|f| field_json(f)).collect()),
            types: spec.types.clone(),
            special_columns: special
                .into_iter()
                .map(|(column, encoding, class)| SpecialColumn {
                    column,
                    encoding,
                    class,
                })
                .collect(),
        }
    }
}

/// An Arrow field as JSON: `{name, type, nullable, children?, metadata?}`.
pub fn field_json(f: &Field) -> Json {
    let (ty, children): (String, Vec<&Field>) = match f.data_type() {
        DataType::Struct(fs) => ("struct".into(), fs.iter().map(|c| c.as_ref()).collect()),
        DataType::List(c) => ("list".into(), vec![c.as_ref()]),
        DataType::Map(e, _) => match e.data_type() {
            DataType::Struct(fs) => ("map".into(), fs.iter().map(|c| c.as_ref()).collect()),
            _ => ("map".into(), Vec::new()),
        },
        other => (other.to_string(), Vec::new()),
    };
    let mut o = json!({"name": f.name(), "type": ty, "nullable": f.is_nullable()});
    if !children.is_empty() {
        o["children"] = Json::Array(children.into_iter().map(field_json).collect());
    }
    if !f.metadata().is_empty() {
        let mut m: Vec<_> = f.metadata().iter().collect();
        m.sort();
        o["metadata"] = Json::Object(
            m.into_iter()
                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect(),
        );
    }
    o
}
