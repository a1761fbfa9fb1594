//! Keyed state: the keyed-backend header (state meta infos); canonical and heap-checkpoint
//! readers live beside it.

pub mod header;
