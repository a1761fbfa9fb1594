//! Keyed state: the entry stream all keyed readers produce, and the keyed-backend header (state
//! meta infos); canonical and heap-checkpoint readers live beside it.

pub mod entry;
pub mod header;

pub use entry::{Entry, ValueLayout};
