//! Serializer snapshots → a type tree ([`TypeInfo`]), and value decoders from bytes to
//! [`Value`]. Layouts are described in `formats/serializers.md`.

mod java_ser;
mod logical;
mod snapshot;
mod tree;

pub use java_ser::{JValue, read_java_object};
pub use snapshot::{MAX_SCAN, Parsed, read_nested_snapshot, read_serializer_snapshot};
pub use tree::{ArrayElem, PojoField, Prim, SqlKind, SqlType, TypeInfo};
