//! Opening the files an incremental (native) handle names, through [`PathResolver`] so that
//! moved, rebased and remote snapshots work: inline bytes, files relative to the snapshot
//! folder, absolute paths (incremental checkpoints name earlier checkpoints' files in
//! `shared/`), and segments of merged files.

use std::sync::Arc;

use bytes::Bytes;

use crate::io::{DecodeError, DecodeResult, MemFile, ReadAt};
use crate::metadata::StreamHandle;
use crate::store::{PathResolver, StoreError};

/// A `[start, start + len)` window of another file, seen as a file of its own (file-merging
/// segments).
struct Window {
    name: Arc<str>,
    inner: Arc<dyn ReadAt>,
    start: u64,
    len: u64,
}

impl ReadAt for Window {
    fn name(&self) -> &Arc<str> {
        &self.name
    }
    fn size(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, len: usize) -> DecodeResult<Bytes> {
        match offset.checked_add(len as u64) {
            Some(end) if end <= self.len => self.inner.read_at(self.start + offset, len),
            _ => Err(DecodeError::new(
                &self.name,
                offset,
                format!("{len} bytes, but the segment has {} bytes", self.len),
            )),
        }
    }
}

fn store_err(recorded: &str, e: StoreError) -> DecodeError {
    DecodeError::new(&Arc::from(recorded), 0, format!("a readable file ({e})"))
}

/// Opens the bytes of one stream handle. `what` names the handle in errors (for inline and
/// empty handles, which have no path).
pub fn open_stream(
    resolver: &PathResolver<'_>,
    handle: &StreamHandle,
    what: &str,
) -> DecodeResult<Arc<dyn ReadAt>> {
    let open = |file: crate::store::ResolvedFile, recorded: &str| {
        file.backend
            .open(&file.path)
            .map_err(|e| store_err(recorded, e))
    };
    match handle {
        StreamHandle::Inline { name, data } => Ok(Arc::new(MemFile::new(
            format!("{what} (inline {name})"),
            Bytes::from(data.clone()),
        ))),
        StreamHandle::Relative { relative_path, .. } => {
            let f = resolver
                .relative(relative_path)
                .map_err(|e| store_err(relative_path, e))?;
            open(f, relative_path)
        }
        StreamHandle::File { path, .. } => {
            let f = resolver.absolute(path).map_err(|e| store_err(path, e))?;
            open(f, path)
        }
        StreamHandle::KeyGroups(k) => match &k.delegate {
            Some(d) => open_stream(resolver, d, what),
            None => Err(DecodeError::new(
                &Arc::from(what),
                0,
                "a key-groups handle with a delegate stream",
            )),
        },
        StreamHandle::Segment {
            path, start, size, ..
        } => {
            let f = resolver.absolute(path).map_err(|e| store_err(path, e))?;
            let inner = open(f, path)?;
            let (start, len) = (u64::try_from(*start), u64::try_from(*size));
            let (Ok(start), Ok(len)) = (start, len) else {
                return Err(DecodeError::new(
                    inner.name(),
                    0,
                    format!("a non-negative segment start and size, found {start:?}/{size:?}"),
                ));
            };
            if start.checked_add(len).is_none_or(|end| end > inner.size()) {
                return Err(DecodeError::new(
                    inner.name(),
                    start,
                    format!(
                        "a segment of {len} bytes inside the file's {} bytes",
                        inner.size()
                    ),
                ));
            }
            Ok(Arc::new(Window {
                name: Arc::from(format!("{}[{start}+{len}]", inner.name())),
                inner,
                start,
                len,
            }))
        }
        StreamHandle::EmptySegment => Ok(Arc::new(MemFile::new(
            format!("{what} (empty segment)"),
            Bytes::new(),
        ))),
    }
}
