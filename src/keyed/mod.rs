//! Keyed state: the keyed-backend header (state meta infos), the entry stream all keyed
//! readers produce, and the readers for canonical savepoints and heap checkpoints.
//!
//! Start at [`source`]: [`source::catalog`] (states and types of an operator),
//! [`source::plan`] / [`source::read_unit`] (parallel work units) and
//! [`source::read_operator`]; [`typed`] turns raw entries into values.

mod canonical;
pub mod composite;
pub mod entry;
pub mod header;
mod heap;
pub mod key_arg;
mod key_encode;
pub mod source;
mod states;
pub mod stream;
pub mod typed;

pub use entry::{Elided, Entry, ListElems, ValueLayout};
pub use source::{
    Filter, Format, ReadError, StateCatalog, UnitResult, WorkUnit, catalog, find_operator, plan,
    plan_split, read_operator, read_operator_par, read_operator_par_with, read_unit,
};
