//! flink-inspect: read Apache Flink checkpoints and savepoints offline.
//!
//! Data flows one way: [`store`] (where the bytes are) → [`metadata`] (`_metadata`: operators,
//! subtasks, state handles) → readers ([`keyed`], [`rocksdb`], [`operator_state`]) that stream
//! entries → [`types`] (serializer snapshots, value decoders) → [`report`] and export.
//! No module here knows about the terminal; the binary in `main.rs` and `cli/` does.

pub mod compat;
pub mod export;
pub mod hash;
pub mod io;
pub mod keyed;
pub mod metadata;
pub mod operator_state;
pub mod report;
pub mod rocksdb;
pub mod store;
pub mod types;
