//! One storage backend (local disk or an object store), with blocking calls for the sync
//! readers: `head`, `list`, and `open` returning a [`ReadAt`] that issues ranged GETs.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt};

use super::error::StoreError;
use crate::io::{DecodeError, DecodeResult, LocalFile, ReadAt};

/// The shared runtime that drives object-store futures from synchronous readers.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("flink-inspect-io")
            .build()
            .expect("a tokio runtime can be built")
    })
}

/// An object that exists, with its size.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: ObjPath,
    pub size: u64,
    pub last_modified: Option<chrono_like::Timestamp>,
}

/// Seconds since the epoch, kept without pulling a date crate into the public API.
pub mod chrono_like {
    pub type Timestamp = i64;
}

pub struct Backend {
    store: Arc<dyn ObjectStore>,
    /// `Some` for the local file system: object paths are absolute local paths.
    local: bool,
    /// How paths are shown: "" for local ("/a/b"), or "s3://bucket" and the like.
    url_prefix: String,
}

impl Backend {
    pub fn new(store: Arc<dyn ObjectStore>, local: bool, url_prefix: String) -> Self {
        Backend {
            store,
            local,
            url_prefix,
        }
    }

    /// The object store behind this backend (writers such as `export` use it directly).
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        Arc::clone(&self.store)
    }

    pub fn is_local(&self) -> bool {
        self.local
    }

    pub fn url_prefix(&self) -> &str {
        &self.url_prefix
    }

    /// A path as the user would write it: `/tmp/x/_metadata` or `s3://bucket/x/_metadata`.
    pub fn display(&self, path: &ObjPath) -> String {
        if self.local {
            format!("/{path}")
        } else {
            format!("{}/{path}", self.url_prefix)
        }
    }

    /// Size of an object, `Ok(None)` when it does not exist.
    pub fn head(&self, path: &ObjPath) -> Result<Option<u64>, StoreError> {
        if self.local {
            return match std::fs::metadata(self.display(path)) {
                Ok(m) if m.is_file() => Ok(Some(m.len())),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(StoreError::from_io(self.display(path), e)),
            };
        }
        match runtime().block_on(self.store.head(path)) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(StoreError::from_object_store(self.display(path), e)),
        }
    }

    /// Every object below `prefix` (recursively), sorted by path.
    pub fn list(&self, prefix: &ObjPath) -> Result<Vec<Entry>, StoreError> {
        let store = Arc::clone(&self.store);
        let prefix_owned = prefix.clone();
        let metas: Vec<object_store::ObjectMeta> = runtime()
            .block_on(async move { store.list(Some(&prefix_owned)).try_collect().await })
            .map_err(|e| StoreError::from_object_store(self.display(prefix), e))?;
        let mut out: Vec<Entry> = metas
            .into_iter()
            .map(|m| Entry {
                path: m.location,
                size: m.size,
                last_modified: Some(m.last_modified.timestamp()),
            })
            .collect();
        out.sort_by(|a, b| a.path.as_ref().cmp(b.path.as_ref()));
        Ok(out)
    }

    /// Immediate "sub-folders" of `prefix`.
    pub fn list_dirs(&self, prefix: &ObjPath) -> Result<Vec<ObjPath>, StoreError> {
        let result = runtime()
            .block_on(self.store.list_with_delimiter(Some(prefix)))
            .map_err(|e| StoreError::from_object_store(self.display(prefix), e))?;
        Ok(result.common_prefixes)
    }

    /// Opens an object for random access. Local files use positioned reads; remote objects
    /// use one ranged GET per `read_at`.
    pub fn open(&self, path: &ObjPath) -> Result<Arc<dyn ReadAt>, StoreError> {
        let shown = self.display(path);
        if self.local {
            return LocalFile::open(std::path::Path::new(&shown))
                .map(|f| Arc::new(f) as Arc<dyn ReadAt>)
                .map_err(|e| StoreError::from_io(shown, e));
        }
        let size = self.head(path)?.ok_or_else(|| StoreError::NotFound {
            path: shown.clone(),
        })?;
        Ok(Arc::new(RemoteFile {
            store: Arc::clone(&self.store),
            path: path.clone(),
            name: Arc::from(shown),
            size,
        }))
    }
}

/// A remote object read with ranged GETs (object_store retries transient errors with backoff).
struct RemoteFile {
    store: Arc<dyn ObjectStore>,
    path: ObjPath,
    name: Arc<str>,
    size: u64,
}

impl ReadAt for RemoteFile {
    fn name(&self) -> &Arc<str> {
        &self.name
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&self, offset: u64, len: usize) -> DecodeResult<Bytes> {
        let end = offset.checked_add(len as u64).filter(|&e| e <= self.size);
        let Some(end) = end else {
            return Err(DecodeError::new(
                &self.name,
                offset,
                format!("{len} bytes, but the file has {} bytes", self.size),
            ));
        };
        if len == 0 {
            return Ok(Bytes::new());
        }
        let got = runtime().block_on(self.store.get_range(&self.path, offset..end));
        match got {
            Ok(b) if b.len() == len => Ok(b),
            Ok(b) => Err(DecodeError::new(
                &self.name,
                offset,
                format!("{len} bytes from a ranged read, got {}", b.len()),
            )),
            Err(object_store::Error::NotFound { .. }) => Err(DecodeError::new(
                &self.name,
                offset,
                "the file to still exist: it disappeared while being read (deleted by retention?)",
            )),
            Err(e) => Err(DecodeError::new(
                &self.name,
                offset,
                format!("{len} readable bytes ({})", StoreError::describe(&e)),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    #[test]
    fn a_file_deleted_while_open_is_reported_as_disappeared() {
        let mem: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let path = ObjPath::from("job/chk-3/_metadata");
        runtime()
            .block_on(mem.put(&path, Bytes::from_static(b"0123456789").into()))
            .unwrap();
        let backend = Backend::new(Arc::clone(&mem), false, "memory://b".into());
        let file = backend.open(&path).unwrap();
        assert_eq!(file.size(), 10);
        assert_eq!(&file.read_at(2, 3).unwrap()[..], b"234");
        runtime().block_on(mem.delete(&path)).unwrap();
        let err = file.read_at(4, 2).unwrap_err().to_string();
        assert!(err.contains("memory://b/job/chk-3/_metadata"), "{err}");
        assert!(err.contains("disappeared while being read"), "{err}");
        // Opening it now is a plain not-found naming the path.
        let err = backend.open(&path).err().unwrap().to_string();
        assert_eq!(err, "memory://b/job/chk-3/_metadata: not found");
    }
}
