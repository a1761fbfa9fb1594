//! Unaligned-checkpoint channel handles: untagged in versions 3-5, tagged (with a merged form)
//! from version 6.

use std::io::Read;

use crate::io::{DataInput, DecodeResult};
use crate::metadata::operator_handles::{ChannelContent, ChannelHandle, ChannelInfo};

use super::Reader;

/// Which list a channel handle is read from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Input,
    Output,
}

impl Direction {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Direction::Input => ("input gate index", "input channel index"),
            Direction::Output => ("result partition index", "subpartition index"),
        }
    }
}

impl<R: Read> Reader<R> {
    /// A list of channel handles: `i32 count`, then the handles.
    pub(crate) fn channel_list(&mut self, dir: Direction) -> DecodeResult<Vec<ChannelHandle>> {
        let what = match dir {
            Direction::Input => "number of input channel handles",
            Direction::Output => "number of result subpartition handles",
        };
        // Smallest handle: a V6 merged one with a null delegate and an empty blob (1+4+8+1+4).
        let n = self.count(18, what)?;
        let mut out = Self::vec_for(n);
        for i in 0..n {
            let h = if self.version >= 6 {
                self.channel_v2(dir)
            } else {
                self.channel_single(dir)
            };
            out.push(h.map_err(|e| e.with_context(format!("channel handle {i}")))?);
        }
        Ok(out)
    }

    fn channel_v2(&mut self, dir: Direction) -> DecodeResult<ChannelHandle> {
        let at = self.input.pos();
        let tag = self.input.u8("channel state handle tag")?;
        match (dir, tag) {
            (Direction::Input, 1) | (Direction::Output, 2) => self.channel_single(dir),
            (Direction::Input, 3) | (Direction::Output, 4) => self.channel_merged(dir),
            (Direction::Input, t) => Err(self.input.err_at(
                at,
                format!("an input channel handle tag (1 or 3), found tag {t}"),
            )),
            (Direction::Output, t) => Err(self.input.err_at(
                at,
                format!("a result subpartition handle tag (2 or 4), found tag {t}"),
            )),
        }
    }

    fn channel_single(&mut self, dir: Direction) -> DecodeResult<ChannelHandle> {
        let subtask_index = self.input.i32("channel handle subtask index")?;
        let (a, b) = dir.names();
        let info = ChannelInfo {
            gate_or_partition: self.input.i32(a)?,
            channel_or_subpartition: self.input.i32(b)?,
        };
        let n = self.count(8, "number of channel offsets")?;
        let mut offsets = Self::vec_for(n);
        for _ in 0..n {
            offsets.push(self.input.i64("channel offset")?);
        }
        let state_size = self.input.i64("channel state size")?;
        let delegate = self.stream_handle()?;
        Ok(ChannelHandle::Single {
            subtask_index,
            content: ChannelContent {
                info,
                offsets,
                state_size,
            },
            delegate,
        })
    }

    fn channel_merged(&mut self, dir: Direction) -> DecodeResult<ChannelHandle> {
        let subtask_index = self.input.i32("merged channel handle subtask index")?;
        let state_size = self.input.i64("merged channel handle state size")?;
        let delegate = self.stream_handle()?;
        let start = self.input.pos() + 4;
        let blob = self.input.int_len_bytes("merged channel offsets")?;
        let mut b = DataInput::from_slice(self.input.file(), &blob, start);
        let channels = read_merged_channels(&mut b, dir)?;
        Ok(ChannelHandle::Merged {
            subtask_index,
            state_size,
            delegate,
            channels,
        })
    }
}

/// The serialized channel offsets of a merged handle:
/// `i32 n, n x (i32 a, i32 b, i64 stateSize, i32 k, i64[k])`, exactly filling the blob.
fn read_merged_channels(
    b: &mut DataInput<&[u8]>,
    dir: Direction,
) -> DecodeResult<Vec<ChannelContent>> {
    let at = b.pos();
    let n = b.i32("number of merged channels")?;
    let n = b.check_len(
        i64::from(n).saturating_mul(20),
        at,
        "number of merged channels",
    )? / 20;
    let (na, nb) = dir.names();
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let info = ChannelInfo {
            gate_or_partition: b.i32(na)?,
            channel_or_subpartition: b.i32(nb)?,
        };
        let state_size = b.i64("channel state size")?;
        let kat = b.pos();
        let k = b.i32("number of channel offsets")?;
        let k = b.check_len(
            i64::from(k).saturating_mul(8),
            kat,
            "number of channel offsets",
        )? / 8;
        let mut offsets = Vec::with_capacity(k as usize);
        for _ in 0..k {
            offsets.push(b.i64("channel offset")?);
        }
        out.push(ChannelContent {
            info,
            offsets,
            state_size,
        });
    }
    if !b.rest().is_empty() {
        return Err(b.err(format!(
            "the end of the merged channel offsets, but {} more bytes follow",
            b.rest().len()
        )));
    }
    Ok(out)
}
