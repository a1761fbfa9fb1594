//! Operator (non-keyed) state: list, union and broadcast states of an operator's subtasks, the
//! FLIP-27 source reader state (splits) and the source coordinator (enumerator) state.
//! Layouts: `formats/operator-state.md`.

mod error;
pub mod header;
pub mod open;

pub use error::{Error, Result};
pub use header::{OperatorHeader, read_operator_header};
pub use open::{OpenedStream, open_stream};
mod catalog;
mod entry;
mod partition;
mod read;

pub use catalog::{OperatorStateInfo, SubtaskPartitions, catalog};
pub use entry::{OperatorEntry, ReadSummary, kind_name};
pub use read::{SubtaskStream, read, read_states};
pub mod coordinator;
pub mod splits;

pub use coordinator::{CoordinatorState, coordinator_state};
pub use splits::{SOURCE_READER_STATE, Split, VersionedSplit, decode_reader_state_element};
