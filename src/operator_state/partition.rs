//! Reading one partition (list element, or a whole broadcast state) of an operator-state
//! stream, compressed or not.
//!
//! In a compressed stream the writer starts a Snappy framing stream right after the header and
//! flushes it at every partition start, so every partition offset is the start of a chunk; only
//! the stream identifier in front of the first chunk is missing when reading from an offset.
//! The reader here supplies that identifier and decodes chunks from the offset on.

use std::io::{Cursor, Read};

use crate::io::{RangeReader, ReadAt};

use super::header::SNAPPY_STREAM_IDENTIFIER;

/// The bytes of `[from, to)` of `file` (absolute offsets), decompressed when `compressed`.
pub fn partition_reader<'a>(
    file: &'a dyn ReadAt,
    compressed: bool,
    from: u64,
    to: u64,
) -> Box<dyn Read + 'a> {
    let raw = RangeReader::new(file, from, to).with_chunk(64 * 1024);
    if compressed {
        let framed = Cursor::new(SNAPPY_STREAM_IDENTIFIER).chain(raw);
        Box::new(snap::read::FrameDecoder::new(framed))
    } else {
        Box::new(raw)
    }
}

/// True when `r` has no byte left (reads at most one byte).
pub fn exhausted(r: &mut dyn Read) -> std::io::Result<bool> {
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b) {
            Ok(n) => return Ok(n == 0),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::MemFile;

    /// A Snappy framing stream holding `parts`, each flushed into its own chunk, written with
    /// the `snap` encoder (independent of the reader above); returns the bytes and the offset
    /// of each part's chunk.
    fn framed(parts: &[&[u8]]) -> (Vec<u8>, Vec<u64>) {
        let mut out = Vec::new();
        let mut offsets = Vec::new();
        for p in parts {
            let mut enc = snap::write::FrameEncoder::new(Vec::new());
            std::io::Write::write_all(&mut enc, p).unwrap();
            let bytes = enc.into_inner().unwrap();
            if out.is_empty() {
                out.extend_from_slice(&bytes[..10]);
            }
            offsets.push(out.len() as u64);
            out.extend_from_slice(&bytes[10..]);
        }
        (out, offsets)
    }

    #[test]
    fn reads_each_chunk_from_its_offset() {
        let a = vec![7u8; 1000];
        let b = b"second partition".to_vec();
        let (bytes, offs) = framed(&[&a, &b]);
        assert_eq!(offs[0], 10);
        let f = MemFile::new("t", bytes.clone());
        let mut got = Vec::new();
        partition_reader(&f, true, offs[0], offs[1])
            .read_to_end(&mut got)
            .unwrap();
        assert_eq!(got, a);
        let mut got = Vec::new();
        let mut r = partition_reader(&f, true, offs[1], bytes.len() as u64);
        r.read_to_end(&mut got).unwrap();
        assert_eq!(got, b);
        assert!(exhausted(&mut r).unwrap());
    }

    #[test]
    fn corrupt_chunk_is_an_error() {
        let (mut bytes, offs) = framed(&[b"hello hello hello hello"]);
        let last = bytes.len() - 1;
        bytes[last] ^= 0xFF;
        let f = MemFile::new("t", bytes.clone());
        let mut got = Vec::new();
        let r = partition_reader(&f, true, offs[0], bytes.len() as u64).read_to_end(&mut got);
        assert!(r.is_err());
    }
}
