//! Shared by the `compat_*` tests: opening a snapshot into a compat side.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use flink_inspect::compat::{self, Side};
use flink_inspect::metadata;
use flink_inspect::report::info::UidLabels;
use flink_inspect::store::{self, PathResolver, StoreOptions, Stores};

pub fn fixtures() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/flink-fixtures");
    if p.is_dir() {
        return Some(p);
    }
    std::env::var_os("FLINK_FIXTURES")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
}

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// The compat side of the snapshot at `dir` (a folder holding `_metadata`).
pub fn side(dir: &Path) -> Result<Side, String> {
    let stores = Stores::new(StoreOptions { concurrency: 4 });
    let loc = store::resolve(&stores, &dir.display().to_string()).map_err(|e| e.to_string())?;
    let file = loc.backend.open(&loc.metadata).map_err(|e| e.to_string())?;
    let snap = metadata::read_metadata(Arc::as_ref(&file)).map_err(|e| e.to_string())?;
    let resolver = PathResolver::new(&stores, &loc, Vec::new());
    compat::side_of_snapshot(&snap, &resolver, &UidLabels::new(Vec::<String>::new()))
        .map_err(|e| e.to_string())
}

/// One line per operator/state that is not `restored`, for failure messages.
pub fn describe(r: &compat::CompatReport) -> String {
    let mut out = String::new();
    for o in &r.operators {
        if o.verdict != compat::Verdict::Restored {
            out.push_str(&format!(
                "  operator {} {}: {}\n",
                o.label(),
                o.verdict.as_str(),
                o.reasons.join("; ")
            ));
        }
        for s in &o.states {
            if !matches!(
                s.verdict,
                compat::Verdict::Restored | compat::Verdict::Carried | compat::Verdict::New
            ) {
                out.push_str(&format!(
                    "    state {} {}: {}\n",
                    s.name,
                    s.verdict.as_str(),
                    s.reasons.join("; ")
                ));
            }
        }
    }
    out
}
