//! Stream, keyed and operator handle decoding (one tag byte, then a tag-specific body).

use std::io::Read;

use crate::io::DecodeResult;
use crate::metadata::handles::{
    ChangelogBytesHandle, ChangelogFilesHandle, ChangelogHandle, HandleAndLocalPath,
    IncrementalHandle, KeyGroupRange, KeyGroupsHandle, KeyGroupsKind, KeyedHandle, OffsetHandle,
    SegmentScope, StateChange, StreamHandle,
};
use crate::metadata::operator_handles::{
    DistributionMode, FileMergingDirs, NamedOperatorState, OperatorHandle,
};

use super::Reader;

impl<R: Read> Reader<R> {
    /// A stream-slot handle (`deserializeStreamStateHandle`); tag 0 is `None`.
    pub(crate) fn stream_handle(&mut self) -> DecodeResult<Option<StreamHandle>> {
        let at = self.input.pos();
        let tag = self.input.u8("stream state handle tag")?;
        let h = match tag {
            0 => return Ok(None),
            1 => {
                let name = self.input.utf("inline handle name")?;
                let data = self.input.int_len_bytes("inline handle bytes")?;
                StreamHandle::Inline { name, data }
            }
            2 => {
                let size = self.input.i64("file handle state size")?;
                let path = self.input.utf("file handle path")?;
                StreamHandle::File { path, size }
            }
            3 => StreamHandle::KeyGroups(Box::new(
                self.nested(|r| r.key_groups_body(KeyGroupsKind::Checkpoint))?,
            )),
            6 => {
                let relative_path = self.input.utf("relative file handle path")?;
                let size = self.input.i64("relative file handle state size")?;
                StreamHandle::Relative {
                    relative_path,
                    size,
                }
            }
            15 => {
                let start = self.input.i64("segment start position")?;
                let size = self.input.i64("segment state size")?;
                let sat = self.input.pos();
                let scope = match self.input.i32("segment scope ordinal")? {
                    0 => SegmentScope::Exclusive,
                    1 => SegmentScope::Shared,
                    s => {
                        return Err(self.input.err_at(
                            sat,
                            format!("segment scope 0 (exclusive) or 1 (shared), found {s}"),
                        ));
                    }
                };
                let path = self.input.utf("segment physical file path")?;
                let logical_file_id = self.input.utf("segment logical file id")?;
                StreamHandle::Segment {
                    path,
                    start,
                    size,
                    scope,
                    logical_file_id,
                }
            }
            16 => StreamHandle::EmptySegment,
            t => {
                return Err(self.input.err_at(
                    at,
                    format!("a stream state handle tag (0, 1, 2, 3, 6, 15 or 16), found tag {t}"),
                ));
            }
        };
        Ok(Some(h))
    }

    fn key_group_range(&mut self) -> DecodeResult<KeyGroupRange> {
        let start = self.input.i32("key-group range start")?;
        let at = self.input.pos();
        let count = self.input.i32("number of key groups")?;
        if count < 0 {
            return Err(self.input.err_at(
                at,
                format!("a non-negative number of key groups, found {count}"),
            ));
        }
        Ok(KeyGroupRange { start, count })
    }

    /// `KeyGroupRangeOffsets` and the delegate stream, plus the handle id for tag 12.
    fn key_groups_body(&mut self, kind: KeyGroupsKind) -> DecodeResult<KeyGroupsHandle> {
        let start = self.input.i32("key-group range start")?;
        let at = self.input.pos();
        let n = self.input.i32("number of key groups")?;
        let n = self.check_count(n, at, 8, "number of key groups")?;
        let mut offsets = Self::vec_for(n);
        for _ in 0..n {
            offsets.push(self.input.i64("key-group offset")?);
        }
        let delegate = self.stream_handle()?;
        let state_handle_id = if kind == KeyGroupsKind::CheckpointV2 {
            Some(self.input.utf("state handle id")?)
        } else {
            None
        };
        Ok(KeyGroupsHandle {
            kind,
            range: KeyGroupRange {
                start,
                count: n as i32,
            },
            offsets,
            delegate,
            state_handle_id,
        })
    }

    /// A keyed-slot handle (`deserializeKeyedStateHandle`); tag 0 is `None`.
    pub(crate) fn keyed_handle(&mut self) -> DecodeResult<Option<KeyedHandle>> {
        let at = self.input.pos();
        let tag = self.input.u8("keyed state handle tag")?;
        let h = match tag {
            0 => return Ok(None),
            3 => KeyedHandle::KeyGroups(self.key_groups_body(KeyGroupsKind::Checkpoint)?),
            7 => KeyedHandle::KeyGroups(self.key_groups_body(KeyGroupsKind::Savepoint)?),
            12 => KeyedHandle::KeyGroups(self.key_groups_body(KeyGroupsKind::CheckpointV2)?),
            5 | 11 => KeyedHandle::Incremental(self.incremental(tag == 11)?),
            8 | 14 => KeyedHandle::Changelog(self.nested(|r| r.changelog(tag == 14))?),
            9 => KeyedHandle::ChangelogBytes(self.changelog_bytes()?),
            10 | 13 => KeyedHandle::ChangelogFiles(self.changelog_files(tag == 13)?),
            t => {
                return Err(self.input.err_at(
                    at,
                    format!(
                        "a keyed state handle tag (0, 3, 5, 7, 8, 9, 10, 11, 12, 13 or 14), found tag {t}"
                    ),
                ));
            }
        };
        Ok(Some(h))
    }

    fn incremental(&mut self, v2: bool) -> DecodeResult<IncrementalHandle> {
        let checkpoint_id = self.input.i64("incremental handle checkpoint id")?;
        let backend_id = self.input.utf("incremental handle backend id")?;
        let range = self.key_group_range()?;
        let stored_checkpointed_size = if v2 {
            Some(self.input.i64("incremental handle checkpointed size")?)
        } else {
            None
        };
        let meta = self
            .stream_handle()
            .map_err(|e| e.with_context("meta data handle"))?;
        let shared = self
            .local_path_list()
            .map_err(|e| e.with_context("shared files"))?;
        let private = self
            .local_path_list()
            .map_err(|e| e.with_context("private files"))?;
        let state_handle_id = if v2 {
            Some(self.input.utf("state handle id")?)
        } else {
            None
        };
        Ok(IncrementalHandle {
            v2,
            checkpoint_id,
            backend_id,
            range,
            stored_checkpointed_size,
            meta,
            shared,
            private,
            state_handle_id,
        })
    }

    fn local_path_list(&mut self) -> DecodeResult<Vec<HandleAndLocalPath>> {
        let n = self.count(3, "number of files")?;
        let mut out = Self::vec_for(n);
        for i in 0..n {
            let local_path = self.input.utf("local file name")?;
            let handle = self
                .stream_handle()
                .map_err(|e| e.with_context(format!("file {i} ({local_path})")))?;
            out.push(HandleAndLocalPath { local_path, handle });
        }
        Ok(out)
    }

    fn keyed_list(&mut self, what: &str) -> DecodeResult<Vec<KeyedHandle>> {
        let n = self.count(1, what)?;
        let mut out = Self::vec_for(n);
        for i in 0..n {
            let at = self.input.pos();
            match self.keyed_handle() {
                Ok(Some(h)) => out.push(h),
                Ok(None) => {
                    return Err(self
                        .input
                        .err_at(at, format!("{what}: a non-null keyed handle (entry {i})")));
                }
                Err(e) => return Err(e.with_context(format!("{what}, entry {i}"))),
            }
        }
        Ok(out)
    }

    fn changelog(&mut self, v2: bool) -> DecodeResult<ChangelogHandle> {
        let range = self.key_group_range()?;
        let checkpointed_size = self.input.i64("changelog checkpointed size")?;
        let materialized = self.keyed_list("materialized handles")?;
        let non_materialized = self.keyed_list("non-materialized handles")?;
        let materialization_id = self.input.i64("materialization id")?;
        let checkpoint_id = if v2 {
            self.input.i64("changelog checkpoint id")?
        } else {
            materialization_id
        };
        let state_handle_id = self.input.utf("state handle id")?;
        Ok(ChangelogHandle {
            v2,
            range,
            checkpointed_size,
            materialized,
            non_materialized,
            materialization_id,
            checkpoint_id,
            state_handle_id,
        })
    }

    fn changelog_bytes(&mut self) -> DecodeResult<ChangelogBytesHandle> {
        let range = self.key_group_range()?;
        let from = self.input.i64("changelog sequence number from")?;
        let to = self.input.i64("changelog sequence number to")?;
        let n = self.count(8, "number of state changes")?;
        let mut changes = Self::vec_for(n);
        for _ in 0..n {
            let key_group = self.input.i32("state change key group")?;
            let data = self.input.int_len_bytes("state change bytes")?;
            changes.push(StateChange { key_group, data });
        }
        let state_handle_id = self.input.utf("state handle id")?;
        Ok(ChangelogBytesHandle {
            range,
            from,
            to,
            changes,
            state_handle_id,
        })
    }

    fn changelog_files(&mut self, v2: bool) -> DecodeResult<ChangelogFilesHandle> {
        let range = self.key_group_range()?;
        let n = self.count(9, "number of changelog file handles")?;
        let mut handles = Self::vec_for(n);
        for _ in 0..n {
            let offset = self.input.i64("changelog file offset")?;
            let handle = self.stream_handle()?;
            handles.push(OffsetHandle { offset, handle });
        }
        let state_size = self.input.i64("changelog state size")?;
        let checkpointed_size = self.input.i64("changelog checkpointed size")?;
        let state_handle_id = self.input.utf("state handle id")?;
        let storage_identifier = if v2 {
            self.input.utf("changelog storage identifier")?
        } else {
            "filesystem".to_string()
        };
        Ok(ChangelogFilesHandle {
            v2,
            range,
            handles,
            state_size,
            checkpointed_size,
            state_handle_id,
            storage_identifier,
        })
    }

    /// An operator-slot handle (`deserializeOperatorStateHandle`); tag 0 is `None`.
    pub(crate) fn operator_handle(&mut self) -> DecodeResult<Option<OperatorHandle>> {
        let at = self.input.pos();
        let tag = self.input.u8("operator state handle tag")?;
        if tag == 0 {
            return Ok(None);
        }
        if tag != 4 && tag != 17 {
            return Err(self.input.err_at(
                at,
                format!("an operator state handle tag (0, 4 or 17), found tag {tag}"),
            ));
        }
        let n = self.count(7, "number of operator states")?;
        let mut states = Self::vec_for(n);
        for _ in 0..n {
            let name = self.input.utf("operator state name")?;
            let mat = self.input.pos();
            let ord = self.input.i8("distribution mode")?;
            let mode = DistributionMode::from_ordinal(ord).ok_or_else(|| {
                self.input.err_at(
                    mat,
                    format!(
                        "distribution mode 0 (split), 1 (union) or 2 (broadcast) for state {name:?}, found {ord}"
                    ),
                )
            })?;
            let k = self.count(8, "number of partition offsets")?;
            let mut offsets = Self::vec_for(k);
            for _ in 0..k {
                offsets.push(self.input.i64("partition offset")?);
            }
            states.push(NamedOperatorState {
                name,
                mode,
                offsets,
            });
        }
        let merging = if tag == 17 {
            let task_owned_dir = self.input.utf("task-owned directory")?;
            let shared_dir = self.input.utf("shared directory")?;
            let is_empty = self.input.bool("empty flag")?;
            Some(FileMergingDirs {
                task_owned_dir,
                shared_dir,
                is_empty,
            })
        } else {
            None
        };
        let dat = self.input.pos();
        let delegate = self.stream_handle()?;
        if merging.is_some()
            && !matches!(
                delegate,
                Some(StreamHandle::Segment { .. } | StreamHandle::EmptySegment)
            )
        {
            return Err(self.input.err_at(
                dat,
                "a segment handle (tag 15 or 16) as the delegate of a file-merging operator handle",
            ));
        }
        Ok(Some(OperatorHandle {
            states,
            merging,
            delegate,
        }))
    }
}
