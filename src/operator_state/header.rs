//! The operator-state backend header (`OperatorBackendSerializationProxy`) at the start of every
//! operator-state stream: version, compression flag, then one [`StateMetaInfo`] per list/union
//! state and per broadcast state. Layout: `formats/operator-state.md` ("Header").

use std::io::Read;

use serde::Serialize;

use crate::io::{DataInput, DecodeResult};
use crate::keyed::header::{BackendType, StateMetaInfo, read_state_meta_info};

/// The 10-byte Snappy framing stream identifier that follows a compressed header.
pub const SNAPPY_STREAM_IDENTIFIER: [u8; 10] =
    [0xFF, 0x06, 0x00, 0x00, 0x73, 0x4E, 0x61, 0x50, 0x70, 0x59];

/// The operator-state backend header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorHeader {
    /// Proxy version: 5 (Flink 1.8-1.17) or 6 (1.18+).
    pub version: i32,
    /// Everything after the header is one Snappy-framed stream (version 6 only).
    pub compressed: bool,
    /// List and union states (backend type `OPERATOR`), in file order.
    pub states: Vec<StateMetaInfo>,
    /// Broadcast states (backend type `BROADCAST`), in file order.
    pub broadcast: Vec<StateMetaInfo>,
    /// Offset one past the header's last byte (before the Snappy stream identifier, if any).
    pub end: u64,
}

impl OperatorHeader {
    /// Every state, list/union first.
    pub fn all(&self) -> impl Iterator<Item = &StateMetaInfo> {
        self.states.iter().chain(&self.broadcast)
    }

    pub fn state(&self, name: &str) -> Option<&StateMetaInfo> {
        self.all().find(|s| s.name == name)
    }
}

/// Reads the header and stops exactly at its end. `first_offset`, when known (the smallest
/// partition offset of the stream, relative to the same origin as `d`'s positions), lets an
/// unknown serializer snapshot at the very end of the header be kept as opaque bytes.
pub fn read_operator_header<R: Read>(
    d: &mut DataInput<R>,
    first_offset: Option<u64>,
) -> DecodeResult<OperatorHeader> {
    let v_at = d.pos();
    let version = d.i32("operator state backend header version")?;
    if !(5..=6).contains(&version) {
        return Err(d.err_at(
            v_at,
            format!(
                "operator state header version 5 (Flink 1.8-1.17) or 6 (Flink 1.18+), \
                 found {version}"
            ),
        ));
    }
    let compressed = version >= 6 && d.bool("operator state compression flag")?;
    let header_end = first_offset.and_then(|o| {
        if compressed {
            o.checked_sub(SNAPPY_STREAM_IDENTIFIER.len() as u64)
        } else {
            Some(o)
        }
    });
    let states = read_list(d, "operator", BackendType::Operator, None)?;
    let broadcast = read_list(d, "broadcast", BackendType::Broadcast, header_end)?;
    Ok(OperatorHeader {
        version,
        compressed,
        states,
        broadcast,
        end: d.pos(),
    })
}

fn read_list<R: Read>(
    d: &mut DataInput<R>,
    what: &str,
    expected: BackendType,
    header_end: Option<u64>,
) -> DecodeResult<Vec<StateMetaInfo>> {
    let n_at = d.pos();
    let n = d.i16(&format!("number of {what} states"))?;
    if n < 0 {
        return Err(d.err_at(
            n_at,
            format!("a non-negative {what} state count, found {n}"),
        ));
    }
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let at = d.pos();
        let end = if i + 1 == n { header_end } else { None };
        let s = read_state_meta_info(d, end)
            .map_err(|e| e.with_context(format!("{what} state meta info #{i}")))?;
        if s.backend != expected {
            return Err(d.err_at(
                at,
                format!(
                    "a {what} state meta info (backend type {expected:?}), found {:?} for '{}'",
                    s.backend, s.name
                ),
            ));
        }
        out.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn utf(s: &str) -> Vec<u8> {
        let mut v = (s.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    }

    const LONG: &str =
        "org.apache.flink.api.common.typeutils.base.LongSerializer$LongSerializerSnapshot";

    /// A version 6 header with one list state of `Long` and no broadcast state.
    fn header(compressed: bool) -> Vec<u8> {
        let mut b = 6i32.to_be_bytes().to_vec();
        b.push(compressed as u8);
        b.extend(1i16.to_be_bytes());
        b.extend(utf("seen"));
        b.extend(1i32.to_be_bytes()); // OPERATOR
        b.extend(1i32.to_be_bytes());
        b.extend(utf("OPERATOR_STATE_DISTRIBUTION_MODE"));
        b.extend(utf("SPLIT_DISTRIBUTE"));
        b.extend(1i32.to_be_bytes());
        b.extend(utf("VALUE_SERIALIZER"));
        b.extend(2i32.to_be_bytes());
        b.extend(utf(LONG));
        b.extend(3i32.to_be_bytes());
        b.extend(0i16.to_be_bytes()); // no broadcast states
        b
    }

    #[test]
    fn reads_version_6_and_stops_at_end() {
        let b = header(true);
        let f: Arc<str> = Arc::from("t");
        let mut d = DataInput::from_slice(&f, &b, 0);
        let h = read_operator_header(&mut d, None).unwrap();
        assert_eq!((h.version, h.compressed, h.end), (6, true, b.len() as u64));
        assert_eq!(h.states.len(), 1);
        assert!(h.broadcast.is_empty());
        let s = h.state("seen").unwrap();
        assert_eq!(s.value_type().unwrap().to_string(), "Long");
        assert_eq!(
            s.option("OPERATOR_STATE_DISTRIBUTION_MODE"),
            Some("SPLIT_DISTRIBUTE")
        );
    }

    #[test]
    fn rejects_old_versions_and_wrong_backend_types() {
        let f: Arc<str> = Arc::from("t");
        let mut b = header(false);
        b[3] = 4;
        let e = read_operator_header(&mut DataInput::from_slice(&f, &b, 100), None).unwrap_err();
        assert_eq!(e.offset, 100);
        // A keyed (type 0) meta info among operator states.
        let mut b = header(false);
        let at = 4 + 1 + 2 + 2 + 4;
        b[at + 3] = 0;
        let e = read_operator_header(&mut DataInput::from_slice(&f, &b, 0), None).unwrap_err();
        assert_eq!(e.offset, 7, "{e}");
    }
}
