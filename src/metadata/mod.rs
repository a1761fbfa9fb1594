//! The `_metadata` file of a Flink checkpoint or savepoint (format versions 2 to 6, Flink 1.3
//! to 2.x): operators, their subtasks, and the state handles that point at the state bytes.
//! The layout is documented in `formats/metadata.md`.
//!
//! ```no_run
//! use flink_inspect::io::LocalFile;
//! let file = LocalFile::open("chk-42/_metadata".as_ref()).unwrap();
//! let snapshot = flink_inspect::metadata::read_metadata(&file).unwrap();
//! for f in snapshot.file_refs() {
//!     println!("{:?} {:?}", f.file.path, f.file.size);
//! }
//! ```

pub mod handles;
/// The Java-serialization reader now lives in `io`; kept here under its old path.
pub use crate::io::java_serial;
pub mod model;
pub mod operator_handles;
mod read;
mod serde_hex;
pub mod trailer;

use std::io::Read;
use std::sync::Arc;

use crate::io::{DataInput, DecodeResult, RangeReader, ReadAt};

pub use handles::{
    ChangelogBytesHandle, ChangelogFilesHandle, ChangelogHandle, FilePath, FileRef, FileScope,
    HandleAndLocalPath, IncrementalHandle, KeyGroupRange, KeyGroupsHandle, KeyGroupsKind,
    KeyedHandle, OffsetHandle, SegmentScope, StateChange, StreamHandle,
};
pub use model::{LocatedFileRef, MasterState, OperatorState, Slot, Snapshot, SubtaskState};
pub use operator_handles::{
    ChannelContent, ChannelHandle, ChannelInfo, DistributionMode, FileMergingDirs,
    NamedOperatorState, OperatorHandle,
};
pub use trailer::{CheckpointProperties, SavepointFormat, SnapshotKind};

/// Reads a whole `_metadata` file, streaming it in chunks.
pub fn read_metadata(src: &dyn ReadAt) -> DecodeResult<Snapshot> {
    let size = src.size();
    let reader = RangeReader::new(src, 0, size);
    read::read_snapshot(DataInput::new(src.name(), reader, 0, Some(size)))
}

/// Reads `_metadata` from any reader that yields exactly `size` bytes; `name` is used in
/// errors.
pub fn read_metadata_from(name: &str, reader: impl Read, size: u64) -> DecodeResult<Snapshot> {
    let name: Arc<str> = Arc::from(name);
    read::read_snapshot(DataInput::new(&name, reader, 0, Some(size)))
}
