//! Random access to one file, wherever it lives. Readers that need ranges (SST blocks, key
//! groups at offsets from `_metadata`) take a `&dyn ReadAt`; `store` implements it over
//! object storage with ranged GETs, and this module over local files and memory.

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;

use super::error::{DecodeError, DecodeResult};

pub trait ReadAt: Send + Sync {
    /// The name used in errors (a path or URL).
    fn name(&self) -> &Arc<str>;
    /// Size in bytes.
    fn size(&self) -> u64;
    /// Exactly `len` bytes from `offset`; fewer is an error naming the file and offset.
    fn read_at(&self, offset: u64, len: usize) -> DecodeResult<Bytes>;
}

fn check_range(name: &Arc<str>, size: u64, offset: u64, len: usize) -> DecodeResult<()> {
    match offset.checked_add(len as u64) {
        Some(end) if end <= size => Ok(()),
        _ => Err(DecodeError::new(
            name,
            offset,
            format!("{len} bytes, but the file has {size} bytes"),
        )),
    }
}

/// A whole file held in memory (small files, inline handles, tests).
pub struct MemFile {
    name: Arc<str>,
    data: Bytes,
}

impl MemFile {
    pub fn new(name: impl Into<Arc<str>>, data: impl Into<Bytes>) -> Self {
        MemFile {
            name: name.into(),
            data: data.into(),
        }
    }
}

impl ReadAt for MemFile {
    fn name(&self) -> &Arc<str> {
        &self.name
    }
    fn size(&self) -> u64 {
        self.data.len() as u64
    }
    fn read_at(&self, offset: u64, len: usize) -> DecodeResult<Bytes> {
        check_range(&self.name, self.size(), offset, len)?;
        Ok(self.data.slice(offset as usize..offset as usize + len))
    }
}

/// A local file read with positioned reads (no shared cursor, so many threads can share it).
pub struct LocalFile {
    name: Arc<str>,
    file: std::fs::File,
    size: u64,
}

impl LocalFile {
    pub fn open(path: &std::path::Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        Ok(LocalFile {
            name: Arc::from(path.display().to_string()),
            file,
            size,
        })
    }
}

impl ReadAt for LocalFile {
    fn name(&self) -> &Arc<str> {
        &self.name
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn read_at(&self, offset: u64, len: usize) -> DecodeResult<Bytes> {
        use std::os::unix::fs::FileExt;
        check_range(&self.name, self.size, offset, len)?;
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, offset).map_err(|e| {
            DecodeError::new(&self.name, offset, format!("{len} readable bytes ({e})"))
        })?;
        Ok(Bytes::from(buf))
    }
}

/// A sequential `Read` over `[start, end)` of a `ReadAt`, fetching `chunk` bytes per call, so a
/// stream over object storage costs one ranged GET per chunk and bounded memory.
pub struct RangeReader<'a> {
    src: &'a dyn ReadAt,
    pos: u64,
    end: u64,
    chunk: usize,
    buf: Bytes,
}

impl<'a> RangeReader<'a> {
    pub const DEFAULT_CHUNK: usize = 1 << 20;

    pub fn new(src: &'a dyn ReadAt, start: u64, end: u64) -> Self {
        RangeReader {
            src,
            pos: start,
            end: end.min(src.size()),
            chunk: Self::DEFAULT_CHUNK,
            buf: Bytes::new(),
        }
    }

    pub fn with_chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk.max(1);
        self
    }
}

impl RangeReader<'_> {
    /// Loads the next chunk when the current one is used up; false at the end.
    fn load(&mut self) -> std::io::Result<bool> {
        if self.buf.is_empty() {
            if self.pos >= self.end {
                return Ok(false);
            }
            let len = (self.end - self.pos).min(self.chunk as u64) as usize;
            self.buf = self
                .src
                .read_at(self.pos, len)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            self.pos += len as u64;
        }
        Ok(true)
    }
}

impl super::ChunkedRead for RangeReader<'_> {
    fn next_shared(&mut self, len: usize) -> std::io::Result<Option<Bytes>> {
        if len > 0 && !self.load()? {
            return Ok(None);
        }
        if self.buf.len() < len {
            return Ok(None);
        }
        Ok(Some(self.buf.split_to(len)))
    }

    fn skip_bytes(&mut self, len: u64) -> std::io::Result<u64> {
        let in_buf = len.min(self.buf.len() as u64);
        let _ = self.buf.split_to(in_buf as usize);
        // whole chunks beyond the buffer are never read
        let beyond = (len - in_buf).min(self.end.saturating_sub(self.pos));
        self.pos += beyond;
        Ok(in_buf + beyond)
    }

    fn buffered(&self) -> &[u8] {
        &self.buf
    }

    fn consume(&mut self, n: usize) {
        let _ = self.buf.split_to(n.min(self.buf.len()));
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if !self.load()? {
            return Ok(0);
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        let _ = self.buf.split_to(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_reader_streams_in_chunks() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let f = MemFile::new("m", data.clone());
        let mut r = RangeReader::new(&f, 100, 9_000).with_chunk(333);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, &data[100..9_000]);
        use crate::io::ChunkedRead;
        let mut r = RangeReader::new(&f, 100, 9_000).with_chunk(333);
        assert_eq!(&r.next_shared(3).unwrap().unwrap()[..], &data[100..103]);
        assert_eq!(r.next_shared(400).unwrap(), None);
        assert_eq!(r.skip_bytes(1_000).unwrap(), 1_000);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, &data[1_103..9_000]);
        assert_eq!(r.skip_bytes(1).unwrap(), 0);
        assert!(f.read_at(9_999, 2).is_err());
    }
}
