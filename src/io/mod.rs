//! Byte-level reading shared by every format reader: a positioned big-endian reader over any
//! `Read`, random access to a file wherever it lives, Java's string encodings, and the one
//! error type that names file and offset.

mod error;
mod input;
mod read_at;
pub mod text;

pub use error::{DecodeError, DecodeResult};
pub use input::{DataInput, MAX_CHUNK};
pub use read_at::{LocalFile, MemFile, RangeReader, ReadAt};
