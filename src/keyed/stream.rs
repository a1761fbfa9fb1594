//! Opening the byte stream behind a key-group handle: inline bytes from `_metadata`, a file
//! relative to the snapshot folder, an absolute path, or a segment of a merged file. Every
//! file is opened through the [`PathResolver`], so moved, rebased and remote snapshots work.

use std::sync::Arc;

use crate::io::{DecodeResult, MemFile, RangeReader, ReadAt};
use crate::metadata::StreamHandle;
use crate::store::{PathResolver, StoreError};

/// The bytes of one state stream: `[base, base + len)` of `file`. Offsets from `_metadata`
/// (key-group offsets) are relative to `base` (non-zero only for file-merging segments).
#[derive(Clone)]
pub struct StateStream {
    pub file: Arc<dyn ReadAt>,
    pub base: u64,
    pub len: u64,
}

impl StateStream {
    /// The name used in errors (path, URL, or `inline:<name>`).
    pub fn name(&self) -> &Arc<str> {
        self.file.name()
    }

    /// A sequential reader over `[start, end)` of the stream (stream-relative offsets).
    pub fn range(&self, start: u64, end: u64) -> RangeReader<'_> {
        let end = end.min(self.len);
        RangeReader::new(
            self.file.as_ref(),
            self.base + start,
            self.base + end.max(start),
        )
    }

    /// `len` bytes at stream offset `at` (short reads near the end are cut, never an error).
    pub fn peek(&self, at: u64, len: u64) -> DecodeResult<bytes::Bytes> {
        let len = len.min(self.len.saturating_sub(at));
        self.file.read_at(self.base + at, len as usize)
    }
}

/// Why a stream could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the handle has no state stream")]
    NoStream,
}

/// Opens the stream of `handle`.
pub fn open_stream(
    handle: &StreamHandle,
    resolver: &PathResolver,
) -> Result<StateStream, OpenError> {
    let whole = |file: Arc<dyn ReadAt>| {
        let len = file.size();
        StateStream { file, base: 0, len }
    };
    Ok(match handle {
        StreamHandle::Inline { name, data } => whole(Arc::new(MemFile::new(
            format!("inline:{name}"),
            data.clone(),
        ))),
        StreamHandle::Relative { relative_path, .. } => {
            let f = resolver.relative(relative_path)?;
            whole(f.backend.open(&f.path)?)
        }
        StreamHandle::File { path, .. } => {
            let f = resolver.absolute(path)?;
            whole(f.backend.open(&f.path)?)
        }
        StreamHandle::Segment {
            path, start, size, ..
        } => {
            let f = resolver.absolute(path)?;
            StateStream {
                file: f.backend.open(&f.path)?,
                base: (*start).max(0) as u64,
                len: (*size).max(0) as u64,
            }
        }
        StreamHandle::KeyGroups(k) => match &k.delegate {
            Some(d) => return open_stream(d, resolver),
            None => return Err(OpenError::NoStream),
        },
        StreamHandle::EmptySegment => whole(Arc::new(MemFile::new("empty segment", Vec::new()))),
    })
}
