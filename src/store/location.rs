//! From what the user typed (or what `_metadata` recorded) to a backend and an object path.
//!
//! Local paths and `file:` URLs use the local file system; `s3://`, `gs://`, `az://`,
//! `abfs(s)://`, `http(s)://` build an `object_store` through `parse_url_opts` with the
//! environment's `AWS_*`, `AZURE_*` and `GOOGLE_*` variables, so credentials, endpoints and
//! emulators work as in every other object_store tool.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use object_store::limit::LimitStore;
use object_store::path::Path as ObjPath;
use url::Url;

use super::backend::Backend;
use super::error::StoreError;

/// Settings for every backend made by one [`Stores`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Requests in flight at once per remote backend (default 16: enough to hide a round
    /// trip to a nearby region without tripping request-rate limits).
    pub concurrency: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { concurrency: 16 }
    }
}

/// Backends made so far, one per scheme and authority, so that a snapshot whose handles point
/// at several buckets (or at a rebased location) shares clients.
pub struct Stores {
    options: StoreOptions,
    by_key: Mutex<HashMap<String, Arc<Backend>>>,
}

impl Stores {
    pub fn new(options: StoreOptions) -> Self {
        Stores {
            options,
            by_key: Mutex::new(HashMap::new()),
        }
    }

    /// The backend and path for a location: a plain path (relative to the working directory
    /// or absolute), a `file:` URL, or an object-store URL.
    pub fn locate(&self, location: &str) -> Result<(Arc<Backend>, ObjPath), StoreError> {
        let bad = |message: String| StoreError::BadLocation {
            location: location.to_string(),
            message,
        };
        if !location.contains(':') || location.starts_with('/') || looks_like_windows(location) {
            let abs = std::path::absolute(location).map_err(|e| bad(e.to_string()))?;
            return Ok((self.local(), local_obj_path(&abs).map_err(bad)?));
        }
        let url = Url::parse(location).map_err(|e| bad(format!("not a path or URL ({e})")))?;
        let scheme = normalize_scheme(url.scheme()).to_string();
        let scheme = scheme.as_str();
        if scheme == "file" {
            let path = url
                .to_file_path()
                .map_err(|_| bad("a file: URL with an absolute path".into()))?;
            return Ok((self.local(), local_obj_path(&path).map_err(bad)?));
        }
        if !matches!(
            scheme,
            "s3" | "gs" | "az" | "azure" | "abfs" | "abfss" | "adl" | "http" | "https"
        ) {
            return Err(bad(format!(
                "unsupported scheme '{}' (supported: local paths, file, s3, gs, az, abfs, http(s); \
                 map other file systems with --rebase)",
                url.scheme()
            )));
        }
        let mut url = url;
        if url.scheme() != scheme {
            // s3a:// and s3n:// (Hadoop names) are plain S3 to object_store.
            let rest = &location[location.find("://").map(|i| i + 3).unwrap_or(0)..];
            url = Url::parse(&format!("{scheme}://{rest}")).map_err(|e| bad(e.to_string()))?;
        }
        let key = format!("{}://{}", scheme, url.authority());
        let mut map = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = map.get(&key) {
            let (_, path) =
                object_store::ObjectStoreScheme::parse(&url).map_err(|e| bad(e.to_string()))?;
            return Ok((Arc::clone(b), path));
        }
        let (_, path) =
            object_store::ObjectStoreScheme::parse(&url).map_err(|e| bad(e.to_string()))?;
        let store = super::remote::build_store(&url, &env_options())
            .map_err(|e| bad(StoreError::describe(&e)))?;
        let store: Arc<dyn object_store::ObjectStore> =
            Arc::new(LimitStore::new(store, self.options.concurrency.max(1)));
        let backend = Arc::new(Backend::new(store, false, key.clone()));
        map.insert(key, Arc::clone(&backend));
        Ok((backend, path))
    }

    fn local(&self) -> Arc<Backend> {
        let mut map = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(map.entry("file://".into()).or_insert_with(|| {
            Arc::new(Backend::new(
                Arc::new(object_store::local::LocalFileSystem::new()),
                true,
                String::new(),
            ))
        }))
    }
}

fn looks_like_windows(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

fn normalize_scheme(s: &str) -> &str {
    match s {
        "s3a" | "s3n" | "s3p" => "s3",
        "wasb" | "wasbs" => "az",
        other => other,
    }
}

fn local_obj_path(p: &std::path::Path) -> Result<ObjPath, String> {
    // Strip "." and ".." lexically; object paths cannot hold them.
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    let joined = parts.join("/");
    ObjPath::parse(&joined).map_err(|e| format!("not a usable path ({e})"))
}

/// `AWS_*`, `AZURE_*` and `GOOGLE_*` environment variables as object_store config keys.
fn env_options() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| {
            k.starts_with("AWS_") || k.starts_with("AZURE_") || k.starts_with("GOOGLE_")
        })
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

/// Splits a recorded absolute path into a location string the user could type:
/// `file:/tmp/x` → `/tmp/x`, `file:///tmp/x` → `/tmp/x`, others unchanged.
pub fn recorded_to_location(recorded: &str) -> String {
    if let Some(rest) = recorded.strip_prefix("file://") {
        return if rest.starts_with('/') {
            rest.to_string()
        } else {
            format!("/{rest}")
        };
    }
    if let Some(rest) = recorded.strip_prefix("file:") {
        return rest.to_string();
    }
    recorded.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_local_paths_and_urls() {
        let s = Stores::new(StoreOptions::default());
        let (b, p) = s.locate("/tmp/a/../b/_metadata").unwrap();
        assert!(b.is_local());
        assert_eq!(p.as_ref(), "tmp/b/_metadata");
        assert_eq!(b.display(&p), "/tmp/b/_metadata");
        let (b, p) = s.locate("file:///tmp/x").unwrap();
        assert!(b.is_local());
        assert_eq!(p.as_ref(), "tmp/x");
        assert!(s.locate("hdfs://nn/x").is_err());
    }

    #[test]
    fn recorded_paths() {
        assert_eq!(recorded_to_location("file:/tmp/x"), "/tmp/x");
        assert_eq!(recorded_to_location("file:///tmp/x"), "/tmp/x");
        assert_eq!(recorded_to_location("s3://b/k"), "s3://b/k");
    }
}
