//! Which `_metadata` a location means, and where the files it names are now.
//!
//! A location is a `_metadata` file, a folder holding one (a savepoint or a `chk-N` folder),
//! or a checkpoint base directory (a folder of `chk-N` folders), which resolves to its newest
//! complete checkpoint. Files named by the snapshot resolve as follows:
//! 1. relative handles (savepoints since Flink 1.11) against the folder holding `_metadata`;
//! 2. absolute paths through the user's `--rebase OLD=NEW` rules, first match wins;
//! 3. otherwise, when the snapshot was moved (its recorded base directory is not where it now
//!    is), absolute paths under the recorded base (`.../chk-N/`, `.../shared/`,
//!    `.../taskowned/`) or the recorded savepoint folder are mapped onto the copy, and a note
//!    says so;
//! 4. anything else is opened where it was recorded.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use object_store::path::Path as ObjPath;

use super::backend::Backend;
use super::error::{Note, StoreError};
use super::location::{Stores, recorded_to_location};

/// A resolved snapshot: where its `_metadata` is.
pub struct SnapshotLocation {
    pub backend: Arc<Backend>,
    pub metadata: ObjPath,
    /// The folder holding `_metadata`.
    pub dir: ObjPath,
    pub notes: Vec<Note>,
}

impl SnapshotLocation {
    pub fn metadata_display(&self) -> String {
        self.backend.display(&self.metadata)
    }

    pub fn dir_display(&self) -> String {
        self.backend.display(&self.dir)
    }

    /// Name of the folder holding `_metadata` (`chk-7`, `savepoint-1a2b3c-...`).
    pub fn dir_name(&self) -> Option<&str> {
        self.dir.filename()
    }
}

/// Resolves what the user typed to a `_metadata` file.
pub fn resolve(stores: &Stores, location: &str) -> Result<SnapshotLocation, StoreError> {
    let (backend, path) = stores.locate(location)?;
    let shown = backend.display(&path);
    if path.filename() == Some("_metadata") && backend.head(&path)?.is_some() {
        let dir = parent(&path);
        return Ok(SnapshotLocation {
            backend,
            metadata: path,
            dir,
            notes: vec![],
        });
    }
    let direct = path.clone().join("_metadata");
    if backend.head(&direct)?.is_some() {
        return Ok(SnapshotLocation {
            backend,
            metadata: direct,
            dir: path,
            notes: vec![],
        });
    }
    // A checkpoint base directory: the newest chk-N that has a _metadata.
    let mut checkpoints: Vec<(u64, ObjPath)> = backend
        .list_dirs(&path)?
        .into_iter()
        .filter_map(|d| {
            let n = d.filename()?.strip_prefix("chk-")?.parse::<u64>().ok()?;
            Some((n, d))
        })
        .collect();
    checkpoints.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut skipped = Vec::new();
    for (n, dir) in checkpoints {
        let meta = dir.clone().join("_metadata");
        if backend.head(&meta)?.is_some() {
            let mut notes = vec![Note(format!(
                "{shown} is a checkpoint base directory; using its newest complete checkpoint chk-{n}"
            ))];
            if !skipped.is_empty() {
                notes.push(Note(format!(
                    "skipped newer checkpoint folders without _metadata (incomplete): {}",
                    skipped.join(", ")
                )));
            }
            return Ok(SnapshotLocation {
                backend,
                metadata: meta,
                dir,
                notes,
            });
        }
        skipped.push(format!("chk-{n}"));
    }
    Err(StoreError::NotFound {
        path: format!("{shown} (no _metadata there, nor a chk-N folder holding one)"),
    })
}

fn parent(p: &ObjPath) -> ObjPath {
    let parts: Vec<_> = p.parts().collect();
    if parts.len() <= 1 {
        return ObjPath::default();
    }
    ObjPath::from_iter(parts[..parts.len() - 1].iter().cloned())
}

/// A file the snapshot names, after resolution.
#[derive(Clone)]
pub struct ResolvedFile {
    pub backend: Arc<Backend>,
    pub path: ObjPath,
}

impl ResolvedFile {
    pub fn display(&self) -> String {
        self.backend.display(&self.path)
    }
}

/// Maps the paths recorded in one snapshot onto storage.
pub struct PathResolver<'a> {
    stores: &'a Stores,
    snapshot: &'a SnapshotLocation,
    rebase: Vec<(String, String)>,
    /// Where the snapshot's folder and its base now are, as location strings.
    copy_dir: String,
    copy_base: String,
    /// Mappings applied because the snapshot was moved: recorded prefix → new prefix.
    applied: Mutex<BTreeMap<String, String>>,
}

impl<'a> PathResolver<'a> {
    pub fn new(
        stores: &'a Stores,
        snapshot: &'a SnapshotLocation,
        rebase: Vec<(String, String)>,
    ) -> Self {
        let copy_dir = snapshot.dir_display();
        let is_chk = snapshot
            .dir_name()
            .and_then(|n| n.strip_prefix("chk-"))
            .is_some_and(|n| n.parse::<u64>().is_ok());
        let copy_base = if is_chk {
            snapshot.backend.display(&parent(&snapshot.dir))
        } else {
            copy_dir.clone()
        };
        PathResolver {
            stores,
            snapshot,
            rebase,
            copy_dir,
            copy_base,
            applied: Mutex::new(BTreeMap::new()),
        }
    }

    /// A relative handle: a name inside the folder holding `_metadata`.
    pub fn relative(&self, rel: &str) -> Result<ResolvedFile, StoreError> {
        let mut path = self.snapshot.dir.clone();
        for part in rel.split('/').filter(|s| !s.is_empty() && *s != ".") {
            path = path.join(part);
        }
        Ok(ResolvedFile {
            backend: Arc::clone(&self.snapshot.backend),
            path,
        })
    }

    /// An absolute path as Flink recorded it (`file:/...`, `s3://...`, `hdfs://...`).
    pub fn absolute(&self, recorded: &str) -> Result<ResolvedFile, StoreError> {
        let target = self.map_absolute(recorded);
        let (backend, path) = self.stores.locate(&target)?;
        Ok(ResolvedFile { backend, path })
    }

    /// The location string a recorded absolute path maps to (no I/O).
    pub fn map_absolute(&self, recorded: &str) -> String {
        let loc = recorded_to_location(recorded);
        // A rule may name the recorded form (`file:/tmp/x`) or the plain one (`/tmp/x`).
        for (old, new) in &self.rebase {
            if let Some(rest) = strip_path_prefix(recorded, old)
                .or_else(|| strip_path_prefix(&loc, &recorded_to_location(old)))
            {
                return join_loc(new, rest);
            }
        }
        if let Some((base, rest)) = split_base(&loc)
            && !same_place(base, &self.copy_base)
        {
            self.note(base, &self.copy_base);
            return join_loc(&self.copy_base, rest);
        }
        // A savepoint's own folder recorded absolutely (older native savepoints).
        if let Some((dir, name)) = loc.rsplit_once('/')
            && dir.rsplit('/').next() == self.snapshot.dir_name()
            && !same_place(dir, &self.copy_dir)
        {
            self.note(dir, &self.copy_dir);
            return join_loc(&self.copy_dir, name);
        }
        loc
    }

    fn note(&self, from: &str, to: &str) {
        let mut m = self.applied.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(from.to_string()).or_insert_with(|| to.to_string());
    }

    /// What the resolver did that the user should know, for the output.
    pub fn notes(&self) -> Vec<Note> {
        let m = self.applied.lock().unwrap_or_else(|p| p.into_inner());
        m.iter()
            .map(|(from, to)| {
                Note(format!(
                    "the snapshot was moved: paths recorded under {from} were read from {to} \
                     (use --rebase OLD=NEW to choose otherwise)"
                ))
            })
            .collect()
    }
}

/// `recorded` minus `prefix` when `prefix` ends at a path boundary.
fn strip_path_prefix<'s>(recorded: &'s str, prefix: &str) -> Option<&'s str> {
    let prefix = prefix.trim_end_matches('/');
    let rest = recorded.strip_prefix(prefix)?;
    if rest.is_empty() || rest.starts_with('/') {
        Some(rest.trim_start_matches('/'))
    } else {
        None
    }
}

fn join_loc(base: &str, rest: &str) -> String {
    if rest.is_empty() {
        base.to_string()
    } else {
        format!("{}/{}", base.trim_end_matches('/'), rest)
    }
}

/// Splits `<base>/chk-N/...`, `<base>/shared/...`, `<base>/taskowned/...` at the first such
/// folder: Flink's checkpoint-directory layout.
fn split_base(loc: &str) -> Option<(&str, &str)> {
    let mut idx = 0;
    for seg in loc.split('/') {
        let is_layout = seg == "shared"
            || seg == "taskowned"
            || seg
                .strip_prefix("chk-")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if is_layout && idx > 0 {
            return Some((&loc[..idx - 1], &loc[idx..]));
        }
        idx += seg.len() + 1;
    }
    None
}

fn same_place(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_checkpoint_layout() {
        assert_eq!(
            split_base("/tmp/job/chk-12/abc"),
            Some(("/tmp/job", "chk-12/abc"))
        );
        assert_eq!(
            split_base("s3://b/x/shared/f1"),
            Some(("s3://b/x", "shared/f1"))
        );
        assert_eq!(split_base("/tmp/savepoint-1/abc"), None);
    }

    #[test]
    fn rebase_prefix_boundary() {
        assert_eq!(strip_path_prefix("s3://a/b/c", "s3://a/b"), Some("c"));
        assert_eq!(strip_path_prefix("s3://a/bc", "s3://a/b"), None);
    }

    #[test]
    fn moved_checkpoint_maps_onto_copy() {
        let dir = tempfile::tempdir().unwrap();
        let chk = dir.path().join("copy/chk-3");
        std::fs::create_dir_all(&chk).unwrap();
        std::fs::write(chk.join("_metadata"), b"x").unwrap();
        let stores = Stores::new(Default::default());
        let snap = resolve(&stores, dir.path().join("copy").to_str().unwrap()).unwrap();
        assert_eq!(snap.dir_name(), Some("chk-3"));
        assert_eq!(snap.notes.len(), 1);
        let r = PathResolver::new(&stores, &snap, vec![]);
        let base = dir.path().join("copy").display().to_string();
        assert_eq!(
            r.map_absolute("file:/orig/job/shared/abc"),
            format!("{base}/shared/abc")
        );
        assert_eq!(r.notes().len(), 1);
        // Explicit rules win.
        let r = PathResolver::new(&stores, &snap, vec![("file:/orig".into(), "/else".into())]);
        assert_eq!(
            r.map_absolute("file:/orig/job/shared/abc"),
            "/else/job/shared/abc"
        );
        assert!(r.notes().is_empty());
    }
}
