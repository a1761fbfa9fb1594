//! Serde helpers: ids and inline bytes as lowercase hex strings.

use serde::Serializer;

pub fn id<S: Serializer>(id: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::hash::hex(id))
}

pub fn bytes<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::hash::hex(b))
}
