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
