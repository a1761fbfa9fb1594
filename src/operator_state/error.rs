//! The error of this module: a file that cannot be opened, or bytes that do not decode.

use crate::io::DecodeError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

pub type Result<T> = std::result::Result<T, Error>;
