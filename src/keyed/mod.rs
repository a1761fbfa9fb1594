//! Keyed state: the entry stream all keyed readers produce.

pub mod entry;

pub use entry::{Entry, ValueLayout};
