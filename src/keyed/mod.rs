//! Keyed state: the keyed-backend header (state meta infos), the entry stream all keyed
//! readers produce, and the canonical and heap-checkpoint readers.

pub mod entry;
pub mod header;

pub use entry::{Entry, ValueLayout};
