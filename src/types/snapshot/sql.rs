//! Snapshots of the SQL runtime and Avro whose payloads hold Java-serialized objects or
//! schema strings.

use std::io::Read;

use super::composite::read_delegate;
use crate::io::text::read_string_value;
use crate::io::{DataInput, DecodeResult};
use crate::types::java_obj::{JavaValue, read_java_object};
use crate::types::logical::sql_type;
use crate::types::tree::TypeInfo;

pub(super) fn read_avro<R: Read>(d: &mut DataInput<R>, version: i32) -> DecodeResult<TypeInfo> {
    let (runtime_type, schema) = match version {
        1 => (None, d.utf("Avro schema")?),
        2 => (Some(d.utf("Avro runtime type")?), d.utf("Avro schema")?),
        _ => (
            read_string_value(d, "Avro runtime type")?,
            read_string_value(d, "Avro schema")?.unwrap_or_default(),
        ),
    };
    let parsed = crate::types::avro::AvroSchema::parse(&schema)
        .ok()
        .map(std::sync::Arc::new);
    Ok(TypeInfo::Avro {
        runtime_type,
        schema,
        parsed,
    })
}

pub(super) fn read_row_data<R: Read>(
    d: &mut DataInput<R>,
    version: i32,
    depth: usize,
) -> DecodeResult<TypeInfo> {
    let n_at = d.pos();
    let n = d.i32("RowData field count")?;
    if !(0..=65535).contains(&n) {
        return Err(d.err_at(n_at, format!("a RowData field count 0..65535, found {n}")));
    }
    let mut fields = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let lt: JavaValue = read_java_object(d, "RowData field LogicalType")?;
        fields.push(sql_type(&lt, 0));
    }
    // The nested field serializers repeat what the logical types say; read past them.
    if let Err(()) = read_delegate(d, depth)? {
        return Err(d.err("RowData field serializers of known layout"));
    }
    let names = if version >= 4 && d.bool("RowData has field names")? {
        let mut v = Vec::with_capacity(n as usize);
        for _ in 0..n {
            v.push(d.utf("RowData field name")?);
        }
        Some(v)
    } else {
        None
    };
    Ok(TypeInfo::RowData { fields, names })
}
