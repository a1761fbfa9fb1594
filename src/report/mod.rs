//! Reports: pure functions from a snapshot (and entry streams) to serde-serializable structs.
//! Rendering them as tables or JSON is the CLI's business.

pub mod files;
pub mod info;
pub mod operator_state;
pub mod schema;
pub mod state;
