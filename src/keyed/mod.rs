//! Keyed state: the keyed-backend header (state meta infos) and the entry stream all keyed
//! readers produce.

pub mod entry;
pub mod header;

pub use entry::{Entry, ValueLayout};
