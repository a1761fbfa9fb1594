//! Opening the bytes a [`StreamHandle`] names: inline bytes from `_metadata`, a file relative to
//! the snapshot folder, an absolute file, or a segment of a merged file. Always through
//! [`PathResolver`], so moved, rebased and remote snapshots work.

use std::sync::Arc;

use crate::io::{DecodeError, MemFile, ReadAt};
use crate::metadata::StreamHandle;
use crate::store::PathResolver;

use super::error::Result;

/// The bytes of one stream handle: `[start, end)` of `file`. Partition offsets recorded in
/// `_metadata` are relative to `start`.
pub struct OpenedStream {
    pub file: Arc<dyn ReadAt>,
    pub start: u64,
    pub end: u64,
}

impl OpenedStream {
    pub fn name(&self) -> &Arc<str> {
        self.file.name()
    }

    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Opens a handle's bytes; `label` names inline bytes in errors. `None` for a handle without
/// bytes (an empty segment).
pub fn open_stream(
    handle: &StreamHandle,
    resolver: &PathResolver<'_>,
    label: &str,
) -> Result<Option<OpenedStream>> {
    let whole = |file: Arc<dyn ReadAt>| {
        let end = file.size();
        Some(OpenedStream {
            file,
            start: 0,
            end,
        })
    };
    Ok(match handle {
        StreamHandle::Inline { name, data } => {
            let shown = format!("{label} (inline bytes '{name}' in _metadata)");
            whole(Arc::new(MemFile::new(shown, data.clone())))
        }
        StreamHandle::File { path, .. } => {
            let f = resolver.absolute(path)?;
            whole(f.backend.open(&f.path)?)
        }
        StreamHandle::Relative { relative_path, .. } => {
            let f = resolver.relative(relative_path)?;
            whole(f.backend.open(&f.path)?)
        }
        StreamHandle::KeyGroups(k) => match &k.delegate {
            Some(d) => open_stream(d, resolver, label)?,
            None => None,
        },
        StreamHandle::Segment {
            path, start, size, ..
        } => {
            let f = resolver.absolute(path)?;
            let file = f.backend.open(&f.path)?;
            let (s, n) = (u64::try_from(*start), u64::try_from(*size));
            let end = match (s, n) {
                (Ok(s), Ok(n)) => s.checked_add(n).filter(|e| *e <= file.size()),
                _ => None,
            };
            match end {
                Some(end) => Some(OpenedStream {
                    start: end - size.unsigned_abs(),
                    end,
                    file,
                }),
                None => {
                    return Err(DecodeError::new(
                        file.name(),
                        0,
                        format!(
                            "a segment [{start}, +{size}) inside the file's {} bytes",
                            file.size()
                        ),
                    )
                    .into());
                }
            }
        }
        StreamHandle::EmptySegment => None,
    })
}
