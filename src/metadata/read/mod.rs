//! Decoding of `_metadata`: the header and body driver here, handles in `handles`/`channels`,
//! the per-version operator layouts in `v2` (Flink 1.3-1.10) and `v3` (versions 3-6), the
//! fields they share in `common`.

mod channels;
mod common;
mod handles;
mod v2;
mod v3;

use std::io::Read;

use crate::io::{DataInput, DecodeResult};

use super::model::{MasterState, Snapshot};
use super::trailer;

pub(crate) const MAGIC: u32 = 0x4960_672d;
const MASTER_STATE_MAGIC: u32 = 0xc96b_1696;
/// Deepest nesting of handles accepted (changelog handles contain keyed handles).
const MAX_DEPTH: u32 = 8;

/// A `DataInput` plus what the body layout depends on.
pub(crate) struct Reader<R> {
    pub(crate) input: DataInput<R>,
    pub(crate) version: u32,
    depth: u32,
}

impl<R: Read> Reader<R> {
    /// Reads an `i32` element count and checks it against the bytes left, given that each
    /// element takes at least `min_each` bytes.
    pub(crate) fn count(&mut self, min_each: u64, what: &str) -> DecodeResult<usize> {
        let at = self.input.pos();
        let n = self.input.i32(what)?;
        self.check_count(n, at, min_each, what)
    }

    pub(crate) fn check_count(
        &self,
        n: i32,
        at: u64,
        min_each: u64,
        what: &str,
    ) -> DecodeResult<usize> {
        if n < 0 {
            return Err(self
                .input
                .err_at(at, format!("{what}: a non-negative count, found {n}")));
        }
        let need = (n as u64).saturating_mul(min_each.max(1));
        if let Some(rem) = self.input.remaining()
            && need > rem
        {
            return Err(self.input.err_at(
                at,
                format!(
                    "{what}: a count whose {n} entries fit in the {rem} bytes that remain, found {n}"
                ),
            ));
        }
        Ok(n as usize)
    }

    /// Runs `f` one nesting level deeper, refusing absurd nesting.
    pub(crate) fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> DecodeResult<T>,
    ) -> DecodeResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(self
                .input
                .err(format!("handles nested at most {MAX_DEPTH} deep")));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// A vector for `n` checked elements, without trusting `n` for the allocation.
    pub(crate) fn vec_for<T>(n: usize) -> Vec<T> {
        Vec::with_capacity(n.min(1024))
    }
}

/// Decodes a whole `_metadata` stream; `input` must know where the file ends.
pub(crate) fn read_snapshot<R: Read>(input: DataInput<R>) -> DecodeResult<Snapshot> {
    let mut input = input;
    let magic = input.u32("metadata magic number 0x4960672d")?;
    if magic != MAGIC {
        return Err(input.err_at(
            0,
            format!(
                "metadata magic number 0x4960672d, found {magic:#010x} (not a Flink _metadata file)"
            ),
        ));
    }
    let at = input.pos();
    let version = input.u32("metadata version")?;
    match version {
        2..=6 => {}
        1 => {
            return Err(input.err_at(
                at,
                "a metadata version from 2 to 6: version 1 (Flink 1.1-1.2) is not supported",
            ));
        }
        7 => {
            return Err(input.err_at(
                at,
                "a metadata version from 2 to 6: metadata version 7 is not supported (no released Flink writes it; its layout is unconfirmed)",
            ));
        }
        v => {
            return Err(input.err_at(
                at,
                format!("a metadata version from 2 to 6, found unknown version {v}"),
            ));
        }
    }
    let mut r = Reader {
        input,
        version,
        depth: 0,
    };
    let at = r.input.pos();
    let checkpoint_id = r.input.i64("checkpoint id")?;
    if checkpoint_id < 0 {
        return Err(r.input.err_at(
            at,
            format!("a non-negative checkpoint id, found {checkpoint_id}"),
        ));
    }
    let n = r.count(8, "number of master states")?;
    let mut master_states = Reader::<R>::vec_for(n);
    for i in 0..n {
        master_states.push(
            read_master_state(&mut r.input)
                .map_err(|e| e.with_context(format!("master state {i}")))?,
        );
    }
    // The smallest operator is a fully finished V3/V4 one: id, parallelism, max parallelism,
    // a null coordinator tag and the subtask count (16 + 4 + 4 + 1 + 4 bytes).
    let n = r.count(29, "number of operator states")?;
    let mut operators = Reader::<R>::vec_for(n);
    for i in 0..n {
        let op = if version == 2 {
            v2::read_operator(&mut r, i)?
        } else {
            v3::read_operator(&mut r, i)?
        };
        operators.push(op);
    }
    let properties = if version >= 4 {
        trailer::read_properties(&mut r.input)
            .map_err(|e| e.with_context("checkpoint properties (Java-serialized trailer)"))?
    } else {
        None
    };
    if let Some(rem) = r.input.remaining()
        && rem > 0
    {
        return Err(r.input.err(format!(
            "the end of the file, but {rem} more bytes follow the last {}",
            if version >= 4 {
                "byte of the checkpoint properties"
            } else {
                "operator state"
            }
        )));
    }
    Ok(Snapshot {
        metadata_version: version,
        checkpoint_id,
        master_states,
        operators,
        properties,
    })
}

fn read_master_state<R: Read>(input: &mut DataInput<R>) -> DecodeResult<MasterState> {
    let at = input.pos();
    let magic = input.u32("master state magic number 0xc96b1696")?;
    if magic != MASTER_STATE_MAGIC {
        return Err(input.err_at(
            at,
            format!("master state magic number 0xc96b1696, found {magic:#010x}"),
        ));
    }
    let at = input.pos();
    let len = input.i32("master state length")?;
    if len <= 0 {
        return Err(input.err_at(at, format!("a positive master state length, found {len}")));
    }
    let len = input.check_len(len as i64, at, "master state length")?;
    let start = input.pos();
    let blob = input.bytes(len, "master state bytes")?;
    let mut b = DataInput::from_slice(input.file(), &blob, start);
    let version = b.i32("master state version")?;
    let name = b.utf("master state name")?;
    let payload = b.int_len_bytes("master state payload")?;
    if !b.rest().is_empty() {
        return Err(b.err(format!(
            "the end of the master state, but {} more bytes follow",
            b.rest().len()
        )));
    }
    Ok(MasterState {
        version,
        name,
        payload,
    })
}
