//! All-or-nothing output. Everything is written into a staging directory; only when the whole
//! export succeeded is it made visible:
//! * local output: the staging directory is a hidden sibling of the output directory
//!   (`<parent>/.<name>.tmp-<random>`) and is renamed onto it in one step;
//! * object storage: the staged files are uploaded under `<out>/.tmp-<random>/`, then copied
//!   to their final names, the manifest last (it is the commit marker), then the temporary
//!   prefix is deleted. With `--force` over an earlier export, its manifest is deleted before
//!   anything is copied and its other objects after the new manifest is in (see
//!   `commit_remote`).
//!
//! On failure the staging directory (and any temporary objects) are removed. A [`Staging`]
//! that is dropped without [`Staging::commit`] cleans up after itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::ExportError;
use crate::store::{Backend, Stores};

/// Where the export goes.
pub enum Target {
    Local(PathBuf),
    Remote {
        backend: Arc<Backend>,
        store: Arc<dyn ObjectStore>,
        prefix: ObjPath,
    },
}

impl Target {
    /// Parses `--out`: a URL with a scheme other than `file` is object storage.
    pub fn parse(stores: &Stores, out: &str) -> Result<Target, ExportError> {
        let remote = out.contains("://") && !out.starts_with("file://");
        if !remote {
            let p = out.strip_prefix("file://").unwrap_or(out);
            return Ok(Target::Local(PathBuf::from(p)));
        }
        let (backend, prefix) = stores.locate(out).map_err(|e| ExportError::Output {
            path: out.to_string(),
            message: e.to_string(),
        })?;
        let store = backend.object_store();
        Ok(Target::Remote {
            backend,
            store,
            prefix,
        })
    }

    pub fn display(&self) -> String {
        match self {
            Target::Local(p) => p.display().to_string(),
            Target::Remote {
                backend, prefix, ..
            } => backend.display(prefix),
        }
    }
}

fn io_err(path: &Path, e: std::io::Error) -> ExportError {
    ExportError::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn random_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}

/// True if `p` exists and holds anything.
fn non_empty_dir(p: &Path) -> Result<bool, ExportError> {
    match std::fs::read_dir(p) {
        Ok(mut it) => Ok(it.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(true),
        Err(e) => Err(io_err(p, e)),
    }
}

/// The staging directory of one export.
pub struct Staging {
    pub dir: PathBuf,
    target: Target,
    force: bool,
    done: bool,
}

impl Staging {
    /// Checks the target (refusing a non-empty one unless `force`) and creates the staging
    /// directory.
    pub fn create(target: Target, force: bool) -> Result<Staging, ExportError> {
        let dir = match &target {
            Target::Local(out) => {
                if !force && non_empty_dir(out)? {
                    return Err(ExportError::Exists(out.display().to_string()));
                }
                let name = out
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "export".into());
                let parent = match out.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                parent.join(format!(".{name}.tmp-{}", random_tag()))
            }
            Target::Remote {
                backend,
                store,
                prefix,
            } => {
                if !force {
                    let listed = super::block_on(async {
                        use futures::StreamExt;
                        store.list(Some(prefix)).next().await.transpose()
                    })
                    .map_err(|e| ExportError::Output {
                        path: backend.display(prefix),
                        message: e.to_string(),
                    })?;
                    if listed.is_some() {
                        return Err(ExportError::Exists(backend.display(prefix)));
                    }
                }
                std::env::temp_dir().join(format!("flink-inspect-export-{}", random_tag()))
            }
        };
        std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
        Ok(Staging {
            dir,
            target,
            force,
            done: false,
        })
    }

    /// Makes the staged output visible. `manifest` is the staged manifest's relative path;
    /// on object storage it is uploaded last.
    pub fn commit(mut self, manifest: &str) -> Result<(), ExportError> {
        let r = match &self.target {
            Target::Local(out) => commit_local(&self.dir, out, self.force),
            Target::Remote {
                backend,
                store,
                prefix,
            } => commit_remote(&self.dir, backend, store, prefix, manifest),
        };
        if r.is_ok() {
            self.done = true;
            if !matches!(self.target, Target::Local(_)) {
                let _ = std::fs::remove_dir_all(&self.dir);
            }
        }
        r
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn commit_local(staged: &Path, out: &Path, force: bool) -> Result<(), ExportError> {
    let mut old = None;
    match std::fs::symlink_metadata(out) {
        Ok(_) if non_empty_dir(out)? => {
            if !force {
                return Err(ExportError::Exists(out.display().to_string()));
            }
            // Move the old output aside first; it is deleted only after the new one is in.
            let aside = staged.with_extension("old");
            std::fs::rename(out, &aside).map_err(|e| io_err(out, e))?;
            old = Some(aside);
        }
        Ok(_) => std::fs::remove_dir(out).map_err(|e| io_err(out, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(out, e)),
    }
    if let Err(e) = std::fs::rename(staged, out) {
        if let Some(aside) = &old {
            let _ = std::fs::rename(aside, out);
        }
        return Err(io_err(out, e));
    }
    if let Some(aside) = old {
        let _ = std::fs::remove_dir_all(aside);
    }
    Ok(())
}

/// Files below `dir`, relative, `/`-separated, sorted.
pub fn staged_files(dir: &Path) -> Result<Vec<String>, ExportError> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) -> Result<(), ExportError> {
        for e in std::fs::read_dir(d).map_err(|e| io_err(d, e))? {
            let e = e.map_err(|e| io_err(d, e))?;
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out)?;
            } else if let Ok(rel) = p.strip_prefix(root) {
                let parts: Vec<_> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn child(prefix: &ObjPath, rel: &str) -> ObjPath {
    let mut p = prefix.clone();
    for part in rel.split('/') {
        p = p.clone().join(part);
    }
    p
}

/// Object-store parts: files up to this size go in one PUT, larger ones in parts this big.
const PART: usize = 16 << 20;

enum Upload {
    Io(PathBuf, std::io::Error),
    Store(object_store::Error),
}

/// Uploads one local file, reading it in [`PART`]-sized pieces (memory stays bounded).
async fn upload(local: &Path, store: &Arc<dyn ObjectStore>, to: &ObjPath) -> Result<(), Upload> {
    use std::io::Read;
    let io = |e| Upload::Io(local.to_path_buf(), e);
    let mut f = std::fs::File::open(local).map_err(io)?;
    let read_part = |f: &mut std::fs::File| -> Result<Vec<u8>, Upload> {
        let mut buf = Vec::new();
        f.by_ref()
            .take(PART as u64)
            .read_to_end(&mut buf)
            .map_err(io)?;
        Ok(buf)
    };
    let first = read_part(&mut f)?;
    if first.len() < PART {
        return store
            .put(to, PutPayload::from(first))
            .await
            .map(|_| ())
            .map_err(Upload::Store);
    }
    let mut up = store.put_multipart(to).await.map_err(Upload::Store)?;
    let mut part = first;
    let r = loop {
        if part.is_empty() {
            break up.complete().await.map(|_| ());
        }
        if let Err(e) = up.put_part(PutPayload::from(part)).await {
            break Err(e);
        }
        part = match read_part(&mut f) {
            Ok(p) => p,
            Err(e) => {
                let _ = up.abort().await;
                return Err(e);
            }
        };
    };
    if r.is_err() {
        let _ = up.abort().await;
    }
    r.map_err(Upload::Store)
}

/// Uploads and copies in flight at once while committing (the store's own limit, from
/// `--concurrency`, still applies on top).
const COMMIT_PARALLELISM: usize = 8;

/// Runs `op` on every item, [`COMMIT_PARALLELISM`] at a time; the first error wins.
fn for_each_bounded<T, F, Fut>(items: Vec<T>, op: F) -> Result<(), ExportError>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<(), ExportError>>,
{
    use futures::{StreamExt, TryStreamExt};
    super::block_on(
        futures::stream::iter(items.into_iter().map(op))
            .buffer_unordered(COMMIT_PARALLELISM)
            .try_collect::<Vec<()>>(),
    )
    .map(|_| ())
}

/// Object-store commit. In order:
/// 1. every staged file is uploaded under `<out>/.tmp-<random>/`;
/// 2. with `--force` over an earlier export, its `_manifest.json` is deleted first, so from
///    here on nothing under `<out>` looks complete;
/// 3. the data files are copied to their final names, then the manifest (the commit marker);
/// 4. objects of an earlier export that the new one did not write are deleted, and the
///    temporary prefix too.
///
/// On failure the temporary objects and any final names written are deleted.
fn commit_remote(
    staged: &Path,
    backend: &Backend,
    store: &Arc<dyn ObjectStore>,
    prefix: &ObjPath,
    manifest: &str,
) -> Result<(), ExportError> {
    let tag = format!(".tmp-{}", random_tag());
    let tmp = prefix.clone().join(tag.as_str());
    let files = staged_files(staged)?;
    let err = |p: &ObjPath, e: object_store::Error| ExportError::Output {
        path: backend.display(p),
        message: e.to_string(),
    };
    // What is there already (only with --force; Staging::create refused a non-empty output).
    let earlier: Vec<ObjPath> = super::block_on(async {
        use futures::TryStreamExt;
        store
            .list(Some(prefix))
            .map_ok(|m| m.location)
            .try_collect()
            .await
    })
    .map_err(|e| err(prefix, e))?;
    let finals: Vec<ObjPath> = files.iter().map(|rel| child(prefix, rel)).collect();
    let copied = std::sync::Mutex::new(Vec::<ObjPath>::new());
    let result = (|| -> Result<(), ExportError> {
        for_each_bounded(files.iter().collect(), |rel| {
            let (local, to) = (staged.join(rel), child(&tmp, rel));
            async move {
                upload(&local, store, &to).await.map_err(|e| match e {
                    Upload::Io(p, e) => io_err(&p, e),
                    Upload::Store(e) => err(&to, e),
                })
            }
        })?;
        let old_manifest = child(prefix, manifest);
        if earlier.contains(&old_manifest) {
            super::block_on(store.delete(&old_manifest)).map_err(|e| err(&old_manifest, e))?;
        }
        let copy = |rel: &String| {
            let (from, to) = (child(&tmp, rel), child(prefix, rel));
            let copied = &copied;
            async move {
                store.copy(&from, &to).await.map_err(|e| err(&to, e))?;
                copied.lock().unwrap_or_else(|p| p.into_inner()).push(to);
                Ok::<(), ExportError>(())
            }
        };
        // Data files first, the manifest (the commit marker) last.
        for_each_bounded(files.iter().filter(|f| *f != manifest).collect(), copy)?;
        for_each_bounded(files.iter().filter(|f| *f == manifest).collect(), copy)?;
        Ok(())
    })();
    let mut leftovers: Vec<ObjPath> = files.iter().map(|rel| child(&tmp, rel)).collect();
    match &result {
        Ok(()) => leftovers.extend(
            earlier
                .into_iter()
                .filter(|p| !finals.contains(p) && !p.as_ref().starts_with(tmp.as_ref())),
        ),
        Err(_) => leftovers.extend(copied.into_inner().unwrap_or_else(|p| p.into_inner())),
    }
    // Best effort: a failure to delete leaves garbage, never a wrong dataset.
    let _ = for_each_bounded(leftovers, |p| async move {
        let _ = store.delete(&p).await;
        Ok::<(), ExportError>(())
    });
    result
}
