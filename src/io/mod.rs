//! Byte-level reading shared by every format reader: a positioned big-endian reader over any
//! `Read`, random access to a file wherever it lives, Java's string encodings, and the one
//! error type that names file and offset.

pub mod chunked;
mod error;
mod input;
pub mod java_serial;
mod read_at;
pub mod text;

pub use chunked::{ChunkedRead, SnappyFrames, Unchunked};
pub use error::{DecodeError, DecodeResult};
pub use input::{DataInput, MAX_CHUNK};
pub use read_at::{LocalFile, MemFile, RangeReader, ReadAt};

/// One step of an iterator that ends for good after its first error or its end: `done` is
/// the iterator's own flag, `step` the result of advancing it.
pub fn fused_step<T>(
    done: &mut bool,
    step: impl FnOnce() -> DecodeResult<Option<T>>,
) -> Option<DecodeResult<T>> {
    if *done {
        return None;
    }
    match step() {
        Ok(Some(v)) => Some(Ok(v)),
        Ok(None) => {
            *done = true;
            None
        }
        Err(e) => {
            *done = true;
            Some(Err(e))
        }
    }
}
