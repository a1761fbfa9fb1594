//! Readers that hold their bytes in shared chunks ([`Bytes`]), so a run of bytes that lies in
//! one chunk can be handed out without a copy or an allocation ([`ChunkedRead::next_shared`]),
//! and skipped without touching it.
//!
//! [`SnappyFrames`] decodes the Snappy framing format (what Flink's snapshot compression
//! writes: `SnappyFramedOutputStream`) block by block into fresh chunks, checking each block's
//! masked CRC-32C; [`super::RangeReader`] already reads its file in chunks.

use std::io::{self, Read};

use bytes::Bytes;

/// A `Read` whose bytes sit in shared chunks.
pub trait ChunkedRead: Read {
    /// The next `len` bytes without a copy when they lie in the current chunk (loading the
    /// next chunk first when the current one is used up); `Ok(None)` when they do not (then
    /// nothing is consumed and the caller copies them with `Read`).
    fn next_shared(&mut self, len: usize) -> io::Result<Option<Bytes>>;

    /// Skips up to `len` bytes; returns how many were skipped (fewer only at the end).
    fn skip_bytes(&mut self, len: u64) -> io::Result<u64>;

    /// The bytes of the current chunk not read yet (possibly empty: then `Read` loads more).
    fn buffered(&self) -> &[u8];

    /// Marks `n` bytes of [`ChunkedRead::buffered`] as read.
    fn consume(&mut self, n: usize);
}

/// Chunk types of the Snappy framing format.
const COMPRESSED: u8 = 0x00;
const UNCOMPRESSED: u8 = 0x01;
const PADDING: u8 = 0xfe;
const STREAM_IDENTIFIER: u8 = 0xff;
const STREAM_MAGIC: &[u8; 6] = b"sNaPpY";
/// Largest uncompressed block a frame may hold.
const MAX_BLOCK: usize = 1 << 16;
const CRC_MASK_DELTA: u32 = 0xa282_ead8;

/// A Snappy frame stream decoded into one shared chunk per block.
pub struct SnappyFrames<R> {
    inner: R,
    /// Compressed bytes consumed so far (for messages).
    consumed: u64,
    chunk: Bytes,
    started: bool,
    src: Src,
    dec: snap::raw::Decoder,
}

/// The compressed bytes of the chunk being decoded.
enum Src {
    Shared(Bytes),
    /// Copied (they crossed a chunk of the underlying reader); the buffer is reused.
    Owned(Vec<u8>),
}

impl std::ops::Deref for Src {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Src::Shared(b) => b,
            Src::Owned(v) => v,
        }
    }
}

impl<R: ChunkedRead> SnappyFrames<R> {
    pub fn new(inner: R) -> Self {
        SnappyFrames {
            inner,
            consumed: 0,
            chunk: Bytes::new(),
            started: false,
            src: Src::Owned(Vec::new()),
            dec: snap::raw::Decoder::new(),
        }
    }

    fn bad(&self, at: u64, what: String) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("Snappy frame at compressed byte {at} of the key group: {what}"),
        )
    }

    /// Reads exactly `len` bytes of the compressed stream into `src` (shared with the
    /// reader's chunk when they lie in one); `Ok(false)` at a clean end (no byte at all) when
    /// `eof_ok`.
    fn fill(&mut self, len: usize, eof_ok: bool, what: &str) -> io::Result<bool> {
        if let Some(b) = self.inner.next_shared(len)? {
            self.consumed += len as u64;
            self.src = Src::Shared(b);
            return Ok(true);
        }
        let mut v = match std::mem::replace(&mut self.src, Src::Shared(Bytes::new())) {
            Src::Owned(v) => v,
            Src::Shared(_) => Vec::new(),
        };
        v.clear();
        let got = (&mut self.inner).take(len as u64).read_to_end(&mut v)?;
        self.src = Src::Owned(v);
        self.consumed += got as u64;
        if got == 0 && eof_ok {
            return Ok(false);
        }
        if got < len {
            return Err(self.bad(
                self.consumed - got as u64,
                format!("{what} of {len} bytes, but the data ends after {got}"),
            ));
        }
        Ok(true)
    }

    /// Loads the next data block into `chunk`; `Ok(false)` at the end of the stream.
    fn refill(&mut self) -> io::Result<bool> {
        loop {
            let at = self.consumed;
            if !self.fill(4, true, "a chunk header")? {
                return Ok(false);
            }
            let h = [self.src[0], self.src[1], self.src[2], self.src[3]];
            let kind = h[0];
            let len = u32::from_le_bytes([h[1], h[2], h[3], 0]) as usize;
            if !self.started && kind != STREAM_IDENTIFIER {
                return Err(self.bad(
                    at,
                    format!("the stream identifier chunk 0xff first, found chunk type {kind:#04x}"),
                ));
            }
            match kind {
                STREAM_IDENTIFIER => {
                    self.fill(len, false, "a stream identifier")?;
                    if *self.src != STREAM_MAGIC[..] {
                        return Err(self.bad(at, "the stream identifier \"sNaPpY\"".into()));
                    }
                    self.started = true;
                }
                COMPRESSED | UNCOMPRESSED => {
                    if !(4..=4 + snap::raw::max_compress_len(MAX_BLOCK)).contains(&len) {
                        return Err(self.bad(at, format!("a data chunk length, found {len}")));
                    }
                    self.fill(len, false, "a data chunk")?;
                    let want =
                        u32::from_le_bytes([self.src[0], self.src[1], self.src[2], self.src[3]]);
                    let body = &self.src[4..];
                    let block = if kind == COMPRESSED {
                        let n = snap::raw::decompress_len(body)
                            .map_err(|e| self.bad(at, format!("a Snappy block ({e})")))?;
                        if n > MAX_BLOCK {
                            return Err(self.bad(
                                at,
                                format!("a block of at most {MAX_BLOCK} bytes, found {n}"),
                            ));
                        }
                        let mut out = vec![0u8; n];
                        self.dec
                            .decompress(body, &mut out)
                            .map_err(|e| self.bad(at, format!("a Snappy block ({e})")))?;
                        out
                    } else {
                        if body.len() > MAX_BLOCK {
                            return Err(self.bad(
                                at,
                                format!(
                                    "a block of at most {MAX_BLOCK} bytes, found {}",
                                    body.len()
                                ),
                            ));
                        }
                        body.to_vec()
                    };
                    let crc = crc32c::crc32c(&block);
                    let masked = crc.rotate_right(15).wrapping_add(CRC_MASK_DELTA);
                    if masked != want {
                        return Err(self.bad(
                            at,
                            format!(
                                "a block whose CRC-32C matches {want:#010x}, found {masked:#010x}"
                            ),
                        ));
                    }
                    if block.is_empty() {
                        continue;
                    }
                    self.chunk = Bytes::from(block);
                    return Ok(true);
                }
                0x02..=0x7f => {
                    return Err(self.bad(at, format!("a known chunk type, found {kind:#04x}")));
                }
                PADDING | 0x80..=0xfd => {
                    // padding and skippable chunks
                    let got = io::copy(&mut (&mut self.inner).take(len as u64), &mut io::sink())?;
                    self.consumed += got;
                    if got < len as u64 {
                        return Err(self.bad(at, format!("a skippable chunk of {len} bytes")));
                    }
                }
            }
        }
    }
}

impl<R: ChunkedRead> Read for SnappyFrames<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.chunk.is_empty() && !self.refill()? {
            return Ok(0);
        }
        let n = out.len().min(self.chunk.len());
        out[..n].copy_from_slice(&self.chunk[..n]);
        bytes::Buf::advance(&mut self.chunk, n);
        Ok(n)
    }
}

impl<R: ChunkedRead> ChunkedRead for SnappyFrames<R> {
    fn next_shared(&mut self, len: usize) -> io::Result<Option<Bytes>> {
        if self.chunk.is_empty() && len > 0 && !self.refill()? {
            return Ok(None);
        }
        if self.chunk.len() < len {
            return Ok(None);
        }
        Ok(Some(self.chunk.split_to(len)))
    }

    fn skip_bytes(&mut self, len: u64) -> io::Result<u64> {
        let mut done = 0u64;
        while done < len {
            if self.chunk.is_empty() && !self.refill()? {
                break;
            }
            let n = (len - done).min(self.chunk.len() as u64) as usize;
            bytes::Buf::advance(&mut self.chunk, n);
            done += n as u64;
        }
        Ok(done)
    }

    fn buffered(&self) -> &[u8] {
        &self.chunk
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.chunk.len());
        bytes::Buf::advance(&mut self.chunk, n);
    }
}

/// A plain `Read` as a [`ChunkedRead`] that never shares (every byte is copied out).
pub struct Unchunked<R>(pub R);

impl<R: Read> Read for Unchunked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read(out)
    }
}

impl<R: Read> ChunkedRead for Unchunked<R> {
    fn next_shared(&mut self, _len: usize) -> io::Result<Option<Bytes>> {
        Ok(None)
    }

    fn skip_bytes(&mut self, len: u64) -> io::Result<u64> {
        io::copy(&mut (&mut self.0).take(len), &mut io::sink())
    }

    fn buffered(&self) -> &[u8] {
        &[]
    }

    fn consume(&mut self, _n: usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(data: &[u8]) -> Vec<u8> {
        let mut w = snap::write::FrameEncoder::new(Vec::new());
        io::Write::write_all(&mut w, data).unwrap();
        w.into_inner().unwrap()
    }

    #[test]
    fn decodes_what_snap_encodes_and_shares_chunks() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let enc = framed(&data);
        let mut r = SnappyFrames::new(Unchunked(enc.as_slice()));
        let head = r.next_shared(10).unwrap().unwrap();
        assert_eq!(&head[..], &data[..10]);
        assert_eq!(r.skip_bytes(100_000).unwrap(), 100_000);
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, &data[100_010..]);
        assert_eq!(r.next_shared(1).unwrap(), None);
        assert_eq!(r.skip_bytes(5).unwrap(), 0);
    }

    #[test]
    fn a_bad_crc_or_a_cut_stream_is_an_error() {
        let data = vec![7u8; 1000];
        let mut enc = framed(&data);
        // the first data chunk's CRC follows the 10-byte stream identifier and its 4-byte header
        enc[14] ^= 1;
        let e = SnappyFrames::new(Unchunked(enc.as_slice()))
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(e.to_string().contains("CRC-32C"), "{e}");
        let enc = framed(&data);
        let cut = &enc[..enc.len() - 3];
        let e = SnappyFrames::new(Unchunked(cut))
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(e.to_string().contains("ends after"), "{e}");
        let e = SnappyFrames::new(Unchunked(&b"\x00\x05\x00\x00abcde"[..]))
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(e.to_string().contains("stream identifier"), "{e}");
    }
}
