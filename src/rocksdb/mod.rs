//! A pure-Rust reader for RocksDB block-based-table SST files, as found in Flink's RocksDB
//! native savepoints and incremental/full checkpoints (FRocksDB 6.20 in Flink 1.15–1.20, 8.10
//! in Flink 2.x). The byte layout is described in `formats/rocksdb-sst.md`.
//!
//! * [`sst::SstFile`]: one file, opened through ranged reads ([`crate::io::ReadAt`]): footer,
//!   properties, and an iterator over every `(internal key, value)` in file order.
//! * [`merge::MergedView`]: the live `(user key, value)` pairs of several files of one column
//!   family, newest version first, with deletions, range tombstones and Flink's list-state merge
//!   operator (`stringappendtest`) applied.
//! * [`native::NativeSnapshot`] / [`read_incremental`]: one subtask's incremental handle
//!   (native savepoint, full or incremental checkpoint) to [`crate::keyed::Entry`]s;
//!   [`chain::ChainInfo`]: files shared with earlier checkpoints and bytes new in one.

mod block;
pub mod chain;
pub mod checksum;
mod coding;
pub mod compression;
pub mod entries;
pub mod footer;
pub mod handle_files;
pub mod internal_key;
pub mod key_layout;
pub mod keys;
pub mod merge;
pub mod native;
pub mod properties;
pub mod sst;

pub use chain::ChainInfo;
pub use entries::{
    CfReader, NativeRead, ReadCounts, read_incremental, read_incremental_key_groups,
};
pub use footer::{BlockHandle, Footer};
pub use internal_key::{InternalKey, ValueType};
pub use merge::MergedView;
pub use native::{ColumnFamily, NativeSnapshot, SstRef};
pub use properties::TableProperties;
pub use sst::{RangeTombstone, SstEntries, SstFile};
