//! Block decompression, selected per block by the compression-type byte of its trailer.
//!
//! Framing (format_version >= 2): Snappy blocks are raw Snappy (which carries its own length);
//! LZ4, LZ4HC, Zlib and Zstd blocks start with the decompressed size as a varint32, followed by
//! a raw LZ4 block, a raw deflate stream (RocksDB's default `window_bits = -14`), or a Zstd frame.

use std::io::Read;

use super::coding::Cursor;

/// Compression type byte of a block trailer (`CompressionType` in RocksDB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompressionType {
    None,
    Snappy,
    Zlib,
    Bzip2,
    Lz4,
    Lz4hc,
    Xpress,
    Zstd,
    Other(u8),
}

impl CompressionType {
    pub fn from_byte(b: u8) -> Self {
        match b {
            0 => CompressionType::None,
            1 => CompressionType::Snappy,
            2 => CompressionType::Zlib,
            3 => CompressionType::Bzip2,
            4 => CompressionType::Lz4,
            5 => CompressionType::Lz4hc,
            6 => CompressionType::Xpress,
            // 0x40 is kZSTDNotFinalCompression, the pre-1.0 name for the same framing.
            7 | 0x40 => CompressionType::Zstd,
            other => CompressionType::Other(other),
        }
    }

    pub fn name(self) -> String {
        match self {
            CompressionType::None => "none".into(),
            CompressionType::Snappy => "Snappy".into(),
            CompressionType::Zlib => "Zlib".into(),
            CompressionType::Bzip2 => "BZip2".into(),
            CompressionType::Lz4 => "LZ4".into(),
            CompressionType::Lz4hc => "LZ4HC".into(),
            CompressionType::Xpress => "Xpress".into(),
            CompressionType::Zstd => "ZSTD".into(),
            CompressionType::Other(b) => format!("unknown compression type {b:#04x}"),
        }
    }
}

/// Largest decompressed block accepted (RocksDB blocks are at most a few MiB; index and
/// properties blocks can be larger but not near this).
pub const MAX_BLOCK: usize = 1 << 30;

/// Decompresses one block's contents. `format_version` decides whether LZ4/Zlib carry the size
/// prefix (>= 2). Errors are plain messages; the caller adds file and block offset.
pub fn decompress(
    kind: CompressionType,
    data: &[u8],
    format_version: u32,
) -> Result<Vec<u8>, String> {
    match kind {
        CompressionType::None => Ok(data.to_vec()),
        CompressionType::Snappy => {
            let len = snap::raw::decompress_len(data)
                .map_err(|e| format!("a Snappy block header ({e})"))?;
            // A Snappy element of n input bytes expands to at most 64 output bytes per 2.
            let bound = data
                .len()
                .saturating_mul(32)
                .saturating_add(64)
                .min(MAX_BLOCK);
            if len > bound {
                return Err(format!(
                    "a Snappy block of at most {bound} bytes for {} compressed bytes, header says {len}",
                    data.len()
                ));
            }
            snap::raw::Decoder::new()
                .decompress_vec(data)
                .map_err(|e| format!("valid Snappy data ({e})"))
        }
        CompressionType::Lz4 | CompressionType::Lz4hc => {
            let (len, body) = size_prefix(data, format_version, "LZ4")?;
            // LZ4 cannot expand one input byte into more than 255 output bytes.
            let bound = body.len().saturating_mul(256).saturating_add(64);
            if len > bound {
                return Err(format!(
                    "an LZ4 block of at most {bound} bytes for {} compressed bytes, prefix says {len}",
                    body.len()
                ));
            }
            let mut out = vec![0u8; len];
            let n = lz4_flex::block::decompress_into(body, &mut out)
                .map_err(|e| format!("valid LZ4 data ({e})"))?;
            if n != len {
                return Err(format!("{len} bytes from LZ4, got {n}"));
            }
            Ok(out)
        }
        CompressionType::Zstd => {
            let (len, body) = size_prefix(data, format_version.max(2), "ZSTD")?;
            let mut src = body;
            let dec = ruzstd::decoding::StreamingDecoder::new(&mut src)
                .map_err(|e| format!("a ZSTD frame header ({e})"))?;
            read_exact_len(dec, len, "ZSTD")
        }
        CompressionType::Zlib => {
            let (len, body) = size_prefix(data, format_version, "Zlib")?;
            // RocksDB's default window_bits is -14: a raw deflate stream. A positive setting
            // writes a zlib header (first byte 0x78 for the usual 32 KiB window).
            if body.first() == Some(&0x78)
                && let Ok(v) = read_exact_len(flate2::read::ZlibDecoder::new(body), len, "Zlib")
            {
                return Ok(v);
            }
            read_exact_len(flate2::read::DeflateDecoder::new(body), len, "Zlib")
        }
        other => Err(format!(
            "a supported compression type, found {} (BZip2 and Xpress are not supported)",
            other.name()
        )),
    }
}

fn size_prefix<'a>(
    data: &'a [u8],
    format_version: u32,
    what: &str,
) -> Result<(usize, &'a [u8]), String> {
    if format_version < 2 {
        return Err(format!(
            "{what} block framing of format_version >= 2 (this file is format_version {format_version})"
        ));
    }
    let mut c = Cursor::new(data, 0);
    let len = c
        .varint32()
        .ok_or_else(|| format!("a varint32 decompressed-size prefix on a {what} block"))?
        as usize;
    if len > MAX_BLOCK {
        return Err(format!(
            "a {what} block of at most {MAX_BLOCK} bytes, prefix says {len}"
        ));
    }
    Ok((len, &data[c.pos..]))
}

/// Reads exactly `len` bytes from a decoder and checks that nothing follows.
fn read_exact_len(r: impl Read, len: usize, what: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(len.min(1 << 20));
    r.take(len as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("valid {what} data ({e})"))?;
    if out.len() != len {
        return Err(format!(
            "{len} decompressed bytes from {what} (size prefix), got {}",
            out.len()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snappy_and_none_round_trip() {
        let text = b"hello hello hello hello hello".repeat(10);
        let c = snap::raw::Encoder::new().compress_vec(&text).unwrap();
        assert_eq!(
            decompress(CompressionType::Snappy, &c, 5).unwrap(),
            text.to_vec()
        );
        assert_eq!(
            decompress(CompressionType::None, b"abc", 5).unwrap(),
            b"abc"
        );
        assert!(decompress(CompressionType::Snappy, &c[..c.len() / 2], 5).is_err());
    }

    #[test]
    fn lz4_needs_size_prefix_and_checks_length() {
        let text = b"abcabcabcabcabcabcabcabc".repeat(5);
        let body = lz4_flex::block::compress(&text);
        let mut framed = vec![text.len() as u8]; // 120 < 128: one varint byte
        framed.extend_from_slice(&body);
        assert_eq!(
            decompress(CompressionType::Lz4, &framed, 4).unwrap(),
            text.to_vec()
        );
        framed[0] = 119;
        assert!(decompress(CompressionType::Lz4, &framed, 4).is_err());
        assert!(decompress(CompressionType::Bzip2, &framed, 4).is_err());
    }
}
