//! Operator-coordinator state: the inline bytes `_metadata` stores per operator. For FLIP-27
//! sources the coordinator is the `SourceCoordinator`, whose bytes frame the split
//! enumerator's checkpoint; other coordinators' bytes are shown with their size only.

use std::sync::Arc;

use serde::Serialize;

use crate::io::{DataInput, DecodeResult};
use crate::metadata::OperatorState;

use super::splits::{Split, decode_split, hex_bytes};

/// What a coordinator state holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoordinatorState {
    /// Bytes of the coordinator state.
    pub size: u64,
    /// The source-coordinator framing, when the bytes have it.
    pub source: Option<SourceCoordinatorState>,
}

/// `SourceCoordinator` framing: serde version, then the enumerator checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceCoordinatorState {
    /// 0 (Flink 1.11-1.12, followed by the split assignments) or 1 (1.13+).
    pub serde_version: i32,
    /// Version of the source's enumerator checkpoint serializer.
    pub enumerator_version: i32,
    /// Length of the enumerator checkpoint bytes.
    pub enumerator_len: u32,
    pub enumerator: Enumerator,
    /// Bytes after the enumerator checkpoint (serde version 0 only: the split assignments).
    pub trailing: u64,
}

/// A decoded enumerator checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "enumerator", rename_all = "snake_case")]
pub enum Enumerator {
    /// `NumberSequenceSource` / data generator (version 1): the splits not yet assigned.
    NumberSequence { remaining: Vec<Split> },
    /// Unknown layout.
    Opaque {
        #[serde(serialize_with = "hex_bytes")]
        bytes: Vec<u8>,
    },
}

/// Decodes an operator's coordinator state, if it has one.
pub fn coordinator_state(op: &OperatorState) -> Option<CoordinatorState> {
    let h = op.coordinator_state.as_ref()?;
    let size = h.state_size();
    let name: Arc<str> = Arc::from(format!(
        "coordinator state of operator {}",
        op.uid.clone().unwrap_or_else(|| op.id_hex())
    ));
    let source = h
        .inline_bytes()
        .and_then(|b| decode_source_coordinator(&name, b).ok());
    Some(CoordinatorState { size, source })
}

/// Decodes `int32 serde_version` (0 or 1), `int32 enumerator_version`, `int32 len`, `len`
/// bytes; with serde version 1 nothing may follow.
pub fn decode_source_coordinator(
    file: &Arc<str>,
    bytes: &[u8],
) -> DecodeResult<SourceCoordinatorState> {
    let mut d = DataInput::from_slice(file, bytes, 0);
    let serde_version = d.i32("source coordinator serde version")?;
    if !(0..=1).contains(&serde_version) {
        return Err(d.err_at(0, format!("serde version 0 or 1, found {serde_version}")));
    }
    let enumerator_version = d.i32("enumerator serializer version")?;
    let len_at = d.pos();
    let len = d.i32("enumerator checkpoint length")?;
    let len = d.check_len(i64::from(len), len_at, "enumerator checkpoint length")?;
    let at = d.pos();
    let enum_bytes = d.bytes(len, "enumerator checkpoint")?;
    let trailing = d.rest().len() as u64;
    if serde_version == 1 && trailing != 0 {
        return Err(d.err(format!(
            "the end of the coordinator state (serde version 1), {trailing} bytes left"
        )));
    }
    Ok(SourceCoordinatorState {
        serde_version,
        enumerator_version,
        enumerator_len: len as u32,
        enumerator: decode_enumerator(file, enumerator_version, &enum_bytes, at),
        trailing,
    })
}

fn decode_enumerator(file: &Arc<str>, version: i32, bytes: &[u8], base: u64) -> Enumerator {
    let opaque = || Enumerator::Opaque {
        bytes: bytes.to_vec(),
    };
    if version != 1 {
        return opaque();
    }
    // NumberSequenceSource: int32 count, count × (UTF id, int64 from, int64 to).
    let mut d = DataInput::from_slice(file, bytes, base);
    let parsed = (|| -> DecodeResult<Vec<Split>> {
        let n_at = d.pos();
        let n = d.i32("split count")?;
        d.check_len(i64::from(n) * 18, n_at, "split count")?;
        let mut out = Vec::new();
        for _ in 0..n {
            let start = d.pos();
            let id = d.utf("split id")?;
            d.skip(16, "from, to")?;
            let len = (d.pos() - start) as usize;
            let off = (start - base) as usize;
            let raw = bytes.get(off..off + len).unwrap_or_default();
            out.push(decode_split(file, 1, raw, start));
            let _ = id;
        }
        Ok(out)
    })();
    match parsed {
        Ok(remaining)
            if d.rest().is_empty()
                && remaining
                    .iter()
                    .all(|s| matches!(s, Split::NumberSequence { .. })) =>
        {
            Enumerator::NumberSequence { remaining }
        }
        _ => opaque(),
    }
}
