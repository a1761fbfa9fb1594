//! `flink-inspect ls`.

use anyhow::{Result, bail};

use super::EXIT_FINDINGS;
use super::render::{bytes, print_json, right, table};
use flink_inspect::report::files::Check;
use flink_inspect::report::ls::{LsReport, ls};
use flink_inspect::store::{StoreOptions, Stores};

#[derive(clap::Args)]
pub struct Args {
    /// A folder or bucket prefix to search for snapshots (savepoint folders and chk-N folders
    /// with _metadata); given a checkpoint base directory, also shared-file usage, orphans and
    /// missing files. Local path, file://, s3://, gs://, az://, abfs://, http(s)://.
    pub prefix: String,
    /// Map absolute paths recorded in the snapshots: OLD=NEW (repeatable, first match wins).
    #[arg(long, value_name = "OLD=NEW")]
    pub rebase: Vec<String>,
    /// Requests in flight at once against object storage, per bucket or container (1 to
    /// 1024).
    #[arg(
        long,
        visible_alias = "io-concurrency",
        value_name = "N",
        default_value_t = StoreOptions::default().concurrency,
        value_parser = super::common::parse_concurrency
    )]
    pub concurrency: usize,
}

pub fn run(args: Args, json: bool) -> Result<i32> {
    let mut rebase = Vec::new();
    for r in &args.rebase {
        match r.split_once('=') {
            Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                rebase.push((a.to_string(), b.to_string()))
            }
            _ => bail!("--rebase takes OLD=NEW, got '{r}'"),
        }
    }
    let stores = Stores::new(StoreOptions {
        concurrency: args.concurrency,
    });
    let report = ls(&stores, &args.prefix, &rebase)?;
    if json {
        print_json(&report)?;
    } else {
        print_table(&report);
    }
    Ok(if report.has_findings() {
        EXIT_FINDINGS
    } else {
        0
    })
}

fn print_table(r: &LsReport) {
    println!("prefix {}", r.prefix);
    let mut t = table(&[
        "snapshot",
        "id",
        "kind",
        "format",
        "metadata time",
        "files",
        "bytes",
        "complete",
    ]);
    for s in &r.snapshots {
        let status = match (&s.error, s.complete) {
            (Some(e), _) => format!("UNREADABLE: {e}"),
            (None, true) => "yes".into(),
            (None, false) => format!("NO ({} problems)", s.problems.len()),
        };
        // Shown relative to the prefix (the header line names it).
        let shown = match s.location.strip_prefix(r.prefix.trim_end_matches('/')) {
            Some(rest) if !rest.trim_start_matches('/').is_empty() => {
                rest.trim_start_matches('/').to_string()
            }
            _ => s.location.clone(),
        };
        t.add_row(vec![
            shown,
            s.checkpoint_id.map_or("-".into(), |i| i.to_string()),
            s.kind.clone().unwrap_or_else(|| "-".into()),
            s.format.clone().unwrap_or_else(|| "-".into()),
            s.metadata_time.clone().unwrap_or_else(|| "-".into()),
            s.files.to_string(),
            bytes(s.bytes),
            status,
        ]);
    }
    right(&mut t, &[1, 5, 6]);
    println!("{t}");
    for s in r.snapshots.iter().filter(|s| !s.problems.is_empty()) {
        for p in &s.problems {
            let what = match &p.check {
                Check::Missing => "MISSING".to_string(),
                Check::WrongSize { expected, found } => {
                    format!("WRONG SIZE: {found} bytes, expected {expected}")
                }
                Check::TooShort { at_least, found } => {
                    format!("SHORT: {found} bytes, segments need {at_least}")
                }
                Check::Error { message } => format!("ERROR: {message}"),
                Check::Ok { .. } => continue,
            };
            println!("{}: {} {what}", s.name, p.path);
        }
    }
    for b in &r.bases {
        println!();
        println!("checkpoint base {}", b.location);
        let mut t = table(&[
            "checkpoint",
            "id",
            "shared files",
            "shared bytes",
            "restorable",
        ]);
        for c in &b.checkpoints {
            t.add_row(vec![
                c.name.clone(),
                c.checkpoint_id.map_or("-".into(), |i| i.to_string()),
                c.shared.len().to_string(),
                bytes(c.shared_bytes),
                if c.restorable { "yes" } else { "NO" }.to_string(),
            ]);
        }
        right(&mut t, &[1, 2, 3]);
        println!("{t}");
        for m in &b.missing {
            println!(
                "missing {} (needed by {})",
                m.path,
                m.checkpoints.join(", ")
            );
        }
        println!(
            "{} orphaned files under shared/ and taskowned/, {}",
            b.orphans.len(),
            bytes(b.orphan_bytes)
        );
        for o in &b.orphans {
            println!("orphan {} ({})", o.path, bytes(o.size));
        }
    }
    let t = &r.totals;
    println!();
    println!(
        "{} snapshots, {} incomplete, {} unreadable; {} missing files, {} orphans ({})",
        t.snapshots,
        t.incomplete,
        t.unreadable,
        t.missing,
        t.orphans,
        bytes(t.orphan_bytes)
    );
}
