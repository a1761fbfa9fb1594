//! Will the new job version restore this snapshot, and what would be lost.
//!
//! A snapshot's state contract (per operator: registered states, their kinds and serializer
//! snapshots) is read from the `_metadata` file and the headers at the start of the state
//! streams only ([`collect`]); a new job version is described by another snapshot or by a
//! contract file ([`contract`]). [`check::compare`] applies Flink's restore rules
//! ([`rules`]) and says per operator and per state what Flink would do.
//! Rules and contract schema: `formats/compatibility.md`.

pub mod avro_rules;
pub mod check;
pub mod collect;
pub mod contract;
pub mod model;
pub mod rules;
pub mod typexpr;

pub use check::{CompatReport, OperatorVerdict, Options, StateVerdict, Verdict, compare};
pub use contract::{Contract, from_contract, looks_like_contract, to_contract};
pub use model::{BackendKind, Side, parse_version};

use crate::io::DecodeError;
use crate::metadata::Snapshot;
use crate::report::info::UidLabels;
use crate::store::{PathResolver, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CompatError {
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Contract(String),
}

impl CompatError {
    /// Adds where in the snapshot the error happened.
    pub fn context(self, ctx: String) -> CompatError {
        match self {
            CompatError::Decode(d) => CompatError::Decode(d.with_context(ctx)),
            CompatError::Store(e) => CompatError::Contract(format!("{ctx}: {e}")),
            CompatError::Contract(s) => CompatError::Contract(format!("{ctx}: {s}")),
        }
    }
}

/// What a snapshot's job registered: reads `_metadata`-level facts and every state header.
pub fn side_of_snapshot(
    snapshot: &Snapshot,
    resolver: &PathResolver<'_>,
    uids: &UidLabels,
) -> Result<Side, CompatError> {
    let metas = collect::collect(snapshot, resolver)?;
    Ok(model::from_snapshot(snapshot, &metas, uids))
}

/// Parses a contract file's text.
pub fn read_contract(text: &str) -> Result<Side, CompatError> {
    let c: Contract = serde_json::from_str(text)
        .map_err(|e| CompatError::Contract(format!("contract JSON: {e}")))?;
    from_contract(&c).map_err(CompatError::Contract)
}
