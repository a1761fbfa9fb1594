//! Where the bytes are: locations (paths and URLs) to backends, blocking ranged reads over
//! `object_store`, and resolution of a snapshot's recorded paths (relative, absolute,
//! rebased, moved).

mod backend;
mod error;
mod location;
mod remote;
mod snapshot;

pub(crate) use backend::runtime;
pub use backend::{Backend, Entry};
pub use error::{Note, StoreError};
pub use location::{StoreOptions, Stores, recorded_to_location};
pub use remote::{
    CONNECT_TIMEOUT, MAX_RETRIES, REQUEST_TIMEOUT, RETRY_TIMEOUT, build_store, client_options,
    retry_config,
};
pub use snapshot::{PathResolver, ResolvedFile, SnapshotLocation, resolve};
