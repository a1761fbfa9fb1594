//! Serializer snapshots → a type tree ([`TypeInfo`]), and value decoders from bytes to
//! [`Value`]. Layouts are described in `formats/serializers.md`.

mod avro;
mod binary_row;
mod decode;
mod java_hash;
mod java_obj;
mod logical;
mod plain;
mod snapshot;
mod tree;
mod value;

pub use avro::{AvroSchema, decode_avro};
pub use binary_row::{decode_row_bytes, decode_standalone};
pub use decode::{decode, decode_bytes, skip};
pub use java_hash::{key_hash_code, value_hash_code};
pub use java_obj::{JavaValue, read_java_object};
pub use plain::decode_plain;
pub use snapshot::legacy::{LegacySerializer, read_serializers_and_configs};
pub use snapshot::{MAX_SCAN, Parsed, read_nested_snapshot, read_serializer_snapshot};
pub use tree::{ArrayElem, PojoField, Prim, SqlKind, SqlType, TypeInfo};
pub use value::Value;
