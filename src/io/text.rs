//! Java's two string encodings that appear in Flink files.
//!
//! * Modified UTF-8 (`DataOutput.writeUTF`, Java serialization): NUL as `C0 80`, characters
//!   outside the BMP as two 3-byte surrogates.
//! * Flink `StringValue` (`StringSerializer`): a variable-length `length + 1` (0 means null),
//!   then each UTF-16 unit as a 7-bit varint with the high bit as "more follows".

use std::io::Read;

use super::error::DecodeResult;
use super::input::DataInput;

/// Decodes modified UTF-8. On failure returns the index of the offending byte.
pub fn modified_utf8(raw: &[u8]) -> Result<String, usize> {
    // Fast path: plain ASCII without NUL is identical in both encodings.
    if raw.iter().all(|&b| b != 0 && b < 0x80) {
        // SAFETY-free: ASCII is valid UTF-8.
        return Ok(String::from_utf8(raw.to_vec()).expect("ascii"));
    }
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let a = raw[i] as u16;
        if a & 0x80 == 0 {
            units.push(a);
            i += 1;
        } else if a & 0xE0 == 0xC0 {
            let b = *raw.get(i + 1).ok_or(i)? as u16;
            if b & 0xC0 != 0x80 {
                return Err(i + 1);
            }
            units.push(((a & 0x1F) << 6) | (b & 0x3F));
            i += 2;
        } else if a & 0xF0 == 0xE0 {
            let b = *raw.get(i + 1).ok_or(i)? as u16;
            let c = *raw.get(i + 2).ok_or(i)? as u16;
            if b & 0xC0 != 0x80 || c & 0xC0 != 0x80 {
                return Err(i + 1);
            }
            units.push(((a & 0x0F) << 12) | ((b & 0x3F) << 6) | (c & 0x3F));
            i += 3;
        } else {
            return Err(i);
        }
    }
    Ok(utf16_to_string(&units))
}

/// UTF-16 units to a Rust string; unpaired surrogates (legal in Java strings) become U+FFFD.
pub fn utf16_to_string(units: &[u16]) -> String {
    char::decode_utf16(units.iter().copied())
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Flink's variable-length unsigned int as used by `StringValue`: 7 bits per byte, low bits
/// first, high bit set on every byte but the last.
pub fn read_string_value_varint<R: Read>(d: &mut DataInput<R>, what: &str) -> DecodeResult<u32> {
    let at = d.pos();
    let mut value: u32 = 0;
    let mut shift = 0u32;
    loop {
        let b = d.u8(what)? as u32;
        if shift >= 32 {
            return Err(d.err_at(at, format!("{what}: a varint of at most 5 bytes")));
        }
        value |= (b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
    }
}

/// Reads a Flink `StringValue` string. `None` is a null string.
pub fn read_string_value<R: Read>(
    d: &mut DataInput<R>,
    what: &str,
) -> DecodeResult<Option<String>> {
    let at = d.pos();
    let len_plus_one = read_string_value_varint(d, what)?;
    if len_plus_one == 0 {
        return Ok(None);
    }
    let len = (len_plus_one - 1) as u64;
    // every char takes at least one byte
    d.check_len(len as i64, at, what)?;
    let mut units: Vec<u16> = Vec::with_capacity(len.min(4096) as usize);
    for _ in 0..len {
        let c = read_string_value_varint(d, what)?;
        if c > 0xFFFF {
            return Err(d.err_at(at, format!("{what}: UTF-16 units below 0x10000")));
        }
        units.push(c as u16);
    }
    Ok(Some(utf16_to_string(&units)))
}

/// Consumes a Flink `StringValue` string without decoding it: the same bytes and the same
/// errors as [`read_string_value`], no allocation.
pub fn skip_string_value<R: Read>(d: &mut DataInput<R>, what: &str) -> DecodeResult<()> {
    let at = d.pos();
    let len_plus_one = read_string_value_varint(d, what)?;
    if len_plus_one == 0 {
        return Ok(());
    }
    let len = (len_plus_one - 1) as u64;
    d.check_len(len as i64, at, what)?;
    for _ in 0..len {
        let c = read_string_value_varint(d, what)?;
        if c > 0xFFFF {
            return Err(d.err_at(at, format!("{what}: UTF-16 units below 0x10000")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn modified_utf8_nul_and_supplementary() {
        // "a\0" + U+1F600 as surrogate pair D83D DE00 in 3-byte form each
        let raw = [b'a', 0xC0, 0x80, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80];
        assert_eq!(modified_utf8(&raw).unwrap(), "a\u{0}\u{1F600}");
        assert_eq!(modified_utf8(&[0xE0, 0x80]).unwrap_err(), 0);
    }

    #[test]
    fn string_value() {
        // "hé": len+1 = 3, 'h' = 0x68, 'é' = 0xE9 -> 0xE9 0x01
        let data = [3u8, 0x68, 0xE9, 0x01, 0];
        let n: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&n, &data, 0);
        assert_eq!(
            read_string_value(&mut d, "s").unwrap().as_deref(),
            Some("hé")
        );
        assert_eq!(read_string_value(&mut d, "s").unwrap(), None);
    }

    #[test]
    fn skip_string_value_consumes_and_fails_like_read() {
        let n: Arc<str> = Arc::from("t");
        let cases: [&[u8]; 5] = [
            &[3u8, 0x68, 0xE9, 0x01, 7],
            &[0, 7],
            &[4, 0x61, 0x62],                   // cut short
            &[2, 0xFF, 0xFF, 0xFF, 0x7F],       // unit above 0xFFFF
            &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1], // varint too long
        ];
        for data in cases {
            let mut a = DataInput::from_slice(&n, data, 10);
            let mut b = DataInput::from_slice(&n, data, 10);
            let ra = read_string_value(&mut a, "s").map(|_| a.pos());
            let rb = skip_string_value(&mut b, "s").map(|_| b.pos());
            match (ra, rb) {
                (Ok(x), Ok(y)) => assert_eq!(x, y),
                (Err(x), Err(y)) => assert_eq!((x.offset, x.expected), (y.offset, y.expected)),
                (x, y) => panic!("{data:?}: read {x:?}, skip {y:?}"),
            }
        }
    }
}
