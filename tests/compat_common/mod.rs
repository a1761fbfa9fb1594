//! Shared by the `compat_*` tests: opening a snapshot into a compat side.

#![allow(dead_code)]

use std::path::Path;

use flink_inspect::compat::{self, Side};
use flink_inspect::report::info::UidLabels;

use crate::common::snapshot::Opened;

/// The compat side of the snapshot at `dir` (a folder holding `_metadata`).
pub fn side(dir: &Path) -> Result<Side, String> {
    let o = Opened::open(dir)?;
    compat::side_of_snapshot(
        &o.snapshot,
        &o.resolver(),
        &UidLabels::new(Vec::<String>::new()),
    )
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
