//! Splitting Flink's composite keys (canonical savepoints; the same bytes RocksDB stores) into
//! key group, key, namespace and map user key. Layout: `formats/keyed-canonical.md`
//! ("Composite keys").

use std::ops::Range;
use std::sync::Arc;

use crate::io::{DataInput, DecodeResult};
use crate::types::{TypeInfo, skip};

/// Bytes of the key-group prefix: 1 when max parallelism <= 128, else 2.
pub fn key_group_prefix_len(max_parallelism: u32) -> usize {
    if max_parallelism > 128 { 2 } else { 1 }
}

/// How the composite keys of one state are laid out.
#[derive(Debug, Clone)]
pub enum KeyLayout {
    /// `prefix, key, [len(key)], namespace, [len(namespace)], [user key]`.
    Kv {
        prefix: usize,
        key: TypeInfo,
        namespace: TypeInfo,
        /// Key and namespace both variable-length: each is followed by its length in
        /// "variable int bytes" (little-endian, minimal, no continuation bits).
        ambiguous: bool,
        /// Map state: the user key follows the namespace.
        map: bool,
    },
    /// Timers: `prefix, timestamp (8 bytes, sign bit flipped), key, namespace`.
    Timer {
        prefix: usize,
        key: TypeInfo,
        namespace: TypeInfo,
    },
}

/// Where the parts sit inside one composite key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub key_group: u32,
    pub key: Range<usize>,
    pub namespace: Range<usize>,
    /// Map user key (map state), or the 8 timestamp bytes (timers).
    pub extra: Option<Range<usize>>,
}

impl KeyLayout {
    pub fn prefix(&self) -> usize {
        match self {
            KeyLayout::Kv { prefix, .. } | KeyLayout::Timer { prefix, .. } => *prefix,
        }
    }

    /// Where the serialized key starts.
    pub fn key_start(&self) -> usize {
        match self {
            KeyLayout::Kv { prefix, .. } => *prefix,
            KeyLayout::Timer { prefix, .. } => prefix + 8,
        }
    }

    /// Splits `bytes` (the flag bit already cleared); `at` is the key's offset in `file`.
    pub fn split(&self, file: &Arc<str>, bytes: &[u8], at: u64) -> DecodeResult<Split> {
        let mut d = DataInput::from_slice(file, bytes, at);
        let prefix = self.prefix();
        let mut key_group = 0u32;
        for _ in 0..prefix {
            key_group = (key_group << 8) | d.u8("key-group prefix")? as u32;
        }
        let pos = |d: &DataInput<&[u8]>| bytes.len() - d.rest().len();
        match self {
            KeyLayout::Timer { key, namespace, .. } => {
                let ts = pos(&d);
                d.skip(8, "timer timestamp")?;
                let k0 = pos(&d);
                skip(key, &mut d)?;
                let k1 = pos(&d);
                skip(namespace, &mut d)?;
                let n1 = pos(&d);
                end(&d, "the end of the timer key")?;
                Ok(Split {
                    key_group,
                    key: k0..k1,
                    namespace: k1..n1,
                    extra: Some(ts..k0),
                })
            }
            KeyLayout::Kv {
                key,
                namespace,
                ambiguous,
                map,
                ..
            } => {
                let k0 = pos(&d);
                skip(key, &mut d)?;
                let k1 = pos(&d);
                if *ambiguous {
                    var_len(&mut d, (k1 - k0) as u64, "key")?;
                }
                let n0 = pos(&d);
                skip(namespace, &mut d)?;
                let n1 = pos(&d);
                if *ambiguous {
                    var_len(&mut d, (n1 - n0) as u64, "namespace")?;
                }
                let extra = if *map {
                    Some(pos(&d)..bytes.len())
                } else {
                    end(&d, "the end of the composite key")?;
                    None
                };
                Ok(Split {
                    key_group,
                    key: k0..k1,
                    namespace: n0..n1,
                    extra,
                })
            }
        }
    }
}

fn end(d: &DataInput<&[u8]>, what: &str) -> DecodeResult<()> {
    if d.rest().is_empty() {
        Ok(())
    } else {
        Err(d.err(format!("{what} ({} bytes left over)", d.rest().len())))
    }
}

/// Consumes the "variable int bytes" written after an ambiguous key or namespace and checks
/// they encode `len`.
fn var_len(d: &mut DataInput<&[u8]>, len: u64, what: &str) -> DecodeResult<()> {
    let at = d.pos();
    let mut rest = len;
    let mut shift = 0u32;
    let mut got = 0u64;
    loop {
        let b = d.u8("length suffix byte")? as u64;
        got |= b.checked_shl(shift).unwrap_or(0);
        shift += 8;
        rest >>= 8;
        if rest == 0 {
            break;
        }
    }
    if got != len {
        return Err(d.err_at(at, format!("the {what} length suffix {len}, found {got}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Prim;

    fn s() -> TypeInfo {
        TypeInfo::Primitive { ty: Prim::String }
    }

    #[test]
    fn splits_ambiguous_map_key() {
        // kg 3, key "ab" (StringValue len+1 = 3), len 3, namespace "c", len 2, user key 7 (int)
        let bytes = [3, 3, b'a', b'b', 3, 2, b'c', 2, 0, 0, 0, 7];
        let l = KeyLayout::Kv {
            prefix: 1,
            key: s(),
            namespace: s(),
            ambiguous: true,
            map: true,
        };
        let f: Arc<str> = Arc::from("t");
        let sp = l.split(&f, &bytes, 0).unwrap();
        assert_eq!(sp.key_group, 3);
        assert_eq!(sp.key, 1..4);
        assert_eq!(sp.namespace, 5..7);
        assert_eq!(sp.extra, Some(8..12));
        // a wrong suffix is an error at its offset
        let mut bad = bytes;
        bad[4] = 9;
        let e = l.split(&f, &bad, 100).unwrap_err();
        assert_eq!(e.offset, 104);
    }
}
