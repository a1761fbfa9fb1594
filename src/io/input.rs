//! `DataInput`: Java `DataInputStream` semantics over any `std::io::Read`, with the offset of
//! every read known, so every error can say where it happened.
//!
//! Length fields are never trusted for allocation: a `len`-byte read grows its buffer only as
//! bytes actually arrive (`Read::take` + `read_to_end`), so a corrupt length of 2 GiB costs at
//! most the bytes that really remain, and then reports a short read at the right offset.

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;

use super::chunked::ChunkedRead;
use super::error::{DecodeError, DecodeResult};

/// Largest single length-prefixed byte run accepted by default (256 MiB). A larger length field
/// is reported as corrupt before anything is read. Callers with a known remaining size should
/// check against it too (see [`DataInput::check_len`]).
pub const MAX_CHUNK: u64 = 256 << 20;

pub struct DataInput<R> {
    inner: R,
    file: Arc<str>,
    pos: u64,
    /// Total bytes available from the start position, when known (a file or a slice).
    limit: Option<u64>,
    /// When set, every byte consumed is also appended here (see [`DataInput::start_capture`]).
    capture: Option<Vec<u8>>,
}

impl<'a> DataInput<&'a [u8]> {
    /// Reads from an in-memory slice whose first byte sits at `base` in `file`.
    pub fn from_slice(file: &Arc<str>, bytes: &'a [u8], base: u64) -> Self {
        DataInput {
            inner: bytes,
            file: Arc::clone(file),
            pos: base,
            limit: Some(base + bytes.len() as u64),
            capture: None,
        }
    }

    /// The bytes not yet read, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.inner
    }
}

impl<R: Read> DataInput<R> {
    /// Wraps a reader positioned at byte `start` of `file`; `end`, when known, is the offset one
    /// past the last readable byte.
    pub fn new(file: &Arc<str>, inner: R, start: u64, end: Option<u64>) -> Self {
        DataInput {
            inner,
            file: Arc::clone(file),
            pos: start,
            limit: end,
            capture: None,
        }
    }

    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// Offset of the next byte to be read.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Bytes left before the known end, if the end is known.
    pub fn remaining(&self) -> Option<u64> {
        self.limit.map(|l| l.saturating_sub(self.pos))
    }

    /// Starts recording every byte consumed from now on (replacing any recording in progress).
    /// Used to keep the raw bytes of small structures, such as serializer snapshots, while
    /// parsing them from a stream.
    pub fn start_capture(&mut self) {
        self.capture = Some(Vec::new());
    }

    /// Stops recording and returns the bytes consumed since [`DataInput::start_capture`].
    pub fn take_capture(&mut self) -> Vec<u8> {
        self.capture.take().unwrap_or_default()
    }

    fn record(&mut self, b: &[u8]) {
        if let Some(c) = self.capture.as_mut() {
            c.extend_from_slice(b);
        }
    }

    /// An error at the current position.
    pub fn err(&self, expected: impl Into<String>) -> DecodeError {
        DecodeError::new(&self.file, self.pos, expected)
    }

    /// An error at an earlier position (for example the start of the field being decoded).
    pub fn err_at(&self, offset: u64, expected: impl Into<String>) -> DecodeError {
        DecodeError::new(&self.file, offset, expected)
    }

    /// Checks a length field read at `at` before using it.
    pub fn check_len(&self, len: i64, at: u64, what: &str) -> DecodeResult<u64> {
        if len < 0 {
            return Err(self.err_at(at, format!("{what}: non-negative length, found {len}")));
        }
        let len = len as u64;
        if let Some(rem) = self.remaining()
            && len > rem
        {
            return Err(self.err_at(
                at,
                format!("{what}: length {len} within the {rem} bytes that remain"),
            ));
        }
        if len > MAX_CHUNK {
            return Err(self.err_at(at, format!("{what}: length {len} below {MAX_CHUNK}")));
        }
        Ok(len)
    }

    /// Reads exactly `buf.len()` bytes.
    pub fn read_exact_into(&mut self, buf: &mut [u8], what: &str) -> DecodeResult<()> {
        let at = self.pos;
        let mut done = 0;
        while done < buf.len() {
            match self.inner.read(&mut buf[done..]) {
                Ok(0) => {
                    return Err(self.err_at(
                        at,
                        format!(
                            "{what}: {} bytes, but the data ends after {done}",
                            buf.len()
                        ),
                    ));
                }
                Ok(n) => {
                    if let Some(c) = self.capture.as_mut() {
                        c.extend_from_slice(&buf[done..done + n]);
                    }
                    done += n;
                    self.pos += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(self.err_at(self.pos, format!("{what}: readable bytes ({e})")));
                }
            }
        }
        Ok(())
    }

    fn array<const N: usize>(&mut self, what: &str) -> DecodeResult<[u8; N]> {
        let mut b = [0u8; N];
        self.read_exact_into(&mut b, what)?;
        Ok(b)
    }

    pub fn u8(&mut self, what: &str) -> DecodeResult<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    pub fn i8(&mut self, what: &str) -> DecodeResult<i8> {
        Ok(self.u8(what)? as i8)
    }

    /// Java `readBoolean`: any non-zero byte is true.
    pub fn bool(&mut self, what: &str) -> DecodeResult<bool> {
        Ok(self.u8(what)? != 0)
    }

    pub fn u16(&mut self, what: &str) -> DecodeResult<u16> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    pub fn i16(&mut self, what: &str) -> DecodeResult<i16> {
        Ok(i16::from_be_bytes(self.array(what)?))
    }

    pub fn i32(&mut self, what: &str) -> DecodeResult<i32> {
        Ok(i32::from_be_bytes(self.array(what)?))
    }

    pub fn u32(&mut self, what: &str) -> DecodeResult<u32> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    pub fn i64(&mut self, what: &str) -> DecodeResult<i64> {
        Ok(i64::from_be_bytes(self.array(what)?))
    }

    pub fn u64(&mut self, what: &str) -> DecodeResult<u64> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    pub fn f32(&mut self, what: &str) -> DecodeResult<f32> {
        Ok(f32::from_bits(self.u32(what)?))
    }

    pub fn f64(&mut self, what: &str) -> DecodeResult<f64> {
        Ok(f64::from_bits(self.u64(what)?))
    }

    /// Reads `len` bytes, allocating only as they arrive.
    pub fn bytes(&mut self, len: u64, what: &str) -> DecodeResult<Vec<u8>> {
        let at = self.pos;
        if len > MAX_CHUNK {
            return Err(self.err_at(at, format!("{what}: length {len} below {MAX_CHUNK}")));
        }
        let mut out = Vec::with_capacity(len.min(64 * 1024) as usize);
        let got = (&mut self.inner)
            .take(len)
            .read_to_end(&mut out)
            .map_err(|e| self.err_at(at, format!("{what}: readable bytes ({e})")))?;
        self.pos += got as u64;
        self.record(&out);
        if (got as u64) < len {
            return Err(self.err_at(
                at,
                format!("{what}: {len} bytes, but the data ends after {got}"),
            ));
        }
        Ok(out)
    }

    /// An `int` length followed by that many bytes (Java `writeInt(len); write(bytes)`).
    pub fn int_len_bytes(&mut self, what: &str) -> DecodeResult<Vec<u8>> {
        let at = self.pos;
        let len = self.i32(what)?;
        let len = self.check_len(len as i64, at, what)?;
        self.bytes(len, what)
    }

    /// Accounts for `got` of `len` bytes skipped from `at`: fewer is the data ending early.
    fn skipped(&mut self, at: u64, got: u64, len: u64, what: &str) -> DecodeResult<()> {
        self.pos += got;
        if got < len {
            return Err(self.err_at(
                at,
                format!("{what}: {len} bytes to skip, but the data ends after {got}"),
            ));
        }
        Ok(())
    }

    /// Skips `len` bytes.
    pub fn skip(&mut self, len: u64, what: &str) -> DecodeResult<()> {
        if self.capture.is_some() {
            self.bytes(len, what)?;
            return Ok(());
        }
        let at = self.pos;
        let got = std::io::copy(&mut (&mut self.inner).take(len), &mut std::io::sink())
            .map_err(|e| self.err_at(at, format!("{what}: readable bytes ({e})")))?;
        self.skipped(at, got, len, what)
    }

    /// Java `DataInput.readUTF`: an unsigned 16-bit byte count, then modified UTF-8.
    pub fn utf(&mut self, what: &str) -> DecodeResult<String> {
        let at = self.pos;
        let len = self.u16(what)? as u64;
        let raw = self.bytes(len, what)?;
        super::text::modified_utf8(&raw).map_err(|i| {
            self.err_at(
                at + 2 + i as u64,
                format!("{what}: modified UTF-8 (Java writeUTF)"),
            )
        })
    }

    /// True when no byte remains (reads ahead one byte only when the end is unknown is not
    /// possible on a plain `Read`, so this needs a known end).
    pub fn at_end(&self) -> Option<bool> {
        self.remaining().map(|r| r == 0)
    }
}

impl<R: ChunkedRead> DataInput<R> {
    /// Reads `len` bytes as a shared slice of the reader's current chunk when they lie in one
    /// (no copy, no allocation), else as a copy.
    pub fn shared_bytes(&mut self, len: u64, what: &str) -> DecodeResult<Bytes> {
        if self.capture.is_none()
            && len <= MAX_CHUNK
            && let Ok(n) = usize::try_from(len)
        {
            let at = self.pos;
            match self.inner.next_shared(n) {
                Ok(Some(b)) => {
                    self.pos += len;
                    return Ok(b);
                }
                Ok(None) => {}
                Err(e) => return Err(self.err_at(at, format!("{what}: readable bytes ({e})"))),
            }
        }
        self.bytes(len, what).map(Bytes::from)
    }

    /// `N` bytes straight from the reader's chunk when they lie in it (no `Read` call), else
    /// as [`DataInput::u8`] and friends read them: same bytes, same errors.
    fn chunk_array<const N: usize>(&mut self, what: &str) -> DecodeResult<[u8; N]> {
        if self.capture.is_none()
            && let Some(b) = self.inner.buffered().first_chunk::<N>()
        {
            let a = *b;
            self.inner.consume(N);
            self.pos += N as u64;
            return Ok(a);
        }
        self.array(what)
    }

    /// [`DataInput::u8`] for chunked readers.
    pub fn fast_u8(&mut self, what: &str) -> DecodeResult<u8> {
        Ok(self.chunk_array::<1>(what)?[0])
    }

    /// [`DataInput::u16`] for chunked readers.
    pub fn fast_u16(&mut self, what: &str) -> DecodeResult<u16> {
        Ok(u16::from_be_bytes(self.chunk_array(what)?))
    }

    /// [`DataInput::i32`] for chunked readers.
    pub fn fast_i32(&mut self, what: &str) -> DecodeResult<i32> {
        Ok(i32::from_be_bytes(self.chunk_array(what)?))
    }

    /// An `int` length followed by that many bytes, shared when possible
    /// ([`DataInput::shared_bytes`]).
    pub fn int_len_shared(&mut self, what: &str) -> DecodeResult<Bytes> {
        let at = self.pos;
        let len = self.fast_i32(what)?;
        let len = self.check_len(len as i64, at, what)?;
        self.shared_bytes(len, what)
    }

    /// Skips `len` bytes without copying them.
    pub fn skip_chunked(&mut self, len: u64, what: &str) -> DecodeResult<()> {
        if self.capture.is_some() {
            return self.skip(len, what);
        }
        let at = self.pos;
        let got = self
            .inner
            .skip_bytes(len)
            .map_err(|e| self.err_at(at, format!("{what}: readable bytes ({e})")))?;
        self.skipped(at, got, len, what)
    }
}

impl<R: Read> DataInput<R> {
    /// Runs `f` on a reader limited to the next `len` bytes (its end is known: `remaining()`
    /// counts down to 0 at the limit); afterwards this reader stands after what `f` consumed.
    /// Bytes consumed inside are not recorded by a capture in progress.
    pub fn within<T>(
        &mut self,
        len: u64,
        f: impl FnOnce(&mut DataInput<std::io::Take<&mut R>>) -> T,
    ) -> T {
        let mut sub = DataInput {
            inner: (&mut self.inner).take(len),
            file: Arc::clone(&self.file),
            pos: self.pos,
            limit: Some(self.pos + len),
            capture: None,
        };
        let r = f(&mut sub);
        self.pos = sub.pos;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> Arc<str> {
        Arc::from("test.bin")
    }

    #[test]
    fn reads_big_endian_and_tracks_offsets() {
        let data = [0, 0, 0, 7, 0xff, 0xff, 0xff, 0xfe, 1];
        let n = name();
        let mut d = DataInput::from_slice(&n, &data, 100);
        assert_eq!(d.i32("a").unwrap(), 7);
        assert_eq!(d.i32("b").unwrap(), -2);
        assert_eq!(d.pos(), 108);
        assert!(d.bool("c").unwrap());
        let e = d.u8("d").unwrap_err();
        assert_eq!(e.offset, 109);
        assert!(e.to_string().starts_with("test.bin: byte 109: d"));
    }

    #[test]
    fn huge_length_is_rejected_without_allocating() {
        // length field says 2 GiB - 1, only 3 bytes follow
        let data = [0x7f, 0xff, 0xff, 0xff, 1, 2, 3];
        let n = name();
        let mut d = DataInput::from_slice(&n, &data, 0);
        let e = d.int_len_bytes("payload").unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.expected.contains("remain"), "{e}");
    }

    #[test]
    fn unknown_end_short_read_reports_start() {
        let data: &[u8] = &[0, 0, 0, 10, 1, 2];
        let n = name();
        let mut d = DataInput::new(&n, data, 0, None);
        let e = d.int_len_bytes("payload").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.expected.contains("ends after 2"), "{e}");
    }

    #[test]
    fn capture_records_every_consumed_byte() {
        let data = [0, 0, 0, 7, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE];
        let n = name();
        let mut d = DataInput::from_slice(&n, &data, 0);
        d.u8("x").unwrap();
        d.start_capture();
        d.u16("a").unwrap();
        d.bytes(2, "b").unwrap();
        d.skip(2, "c").unwrap();
        assert_eq!(d.take_capture(), vec![0, 0, 7, 0xAA, 0xBB, 0xCC]);
        d.u8("d").unwrap();
        assert!(d.take_capture().is_empty());
    }

    #[test]
    fn shared_bytes_skip_and_within_keep_offsets() {
        let data: Vec<u8> = (0..100u8).collect();
        let f = crate::io::MemFile::new("m", data.clone());
        let n = name();
        let r = crate::io::RangeReader::new(&f, 0, 100).with_chunk(10);
        let mut d = DataInput::new(&n, r, 0, Some(100));
        assert_eq!(&d.shared_bytes(4, "a").unwrap()[..], &data[..4]);
        // crosses a chunk boundary: copied
        assert_eq!(&d.shared_bytes(8, "b").unwrap()[..], &data[4..12]);
        d.skip_chunked(30, "c").unwrap();
        assert_eq!(d.pos(), 42);
        let got = d.within(5, |s| {
            let a = s.u8("x").unwrap();
            s.skip(3, "y").unwrap();
            (a, s.remaining())
        });
        assert_eq!(got, (42, Some(1)));
        assert_eq!(d.pos(), 46);
        assert_eq!(d.u8("z").unwrap(), 46);
        let e = d.skip_chunked(60, "d").unwrap_err();
        assert_eq!(e.offset, 47);
        assert!(e.expected.contains("ends after 53"), "{e}");
    }

    #[test]
    fn read_utf() {
        let mut data = vec![0, 5];
        data.extend_from_slice(b"hello");
        let n = name();
        let mut d = DataInput::from_slice(&n, &data, 0);
        assert_eq!(d.utf("s").unwrap(), "hello");
    }
}
