//! `flink-inspect files`.

use anyhow::Result;

use super::EXIT_FINDINGS;
use super::common::SnapshotArgs;
use super::render::{bytes, notes, print_json, right, table};
use flink_inspect::report::files::{Check, FilesReport, files};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Check that every file exists with its recorded size; exit 1 listing what is missing.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args, json: bool) -> Result<i32> {
    let opened = args.snapshot.open()?;
    let resolver = opened.resolver();
    let mut report = files(
        &opened.snapshot,
        &opened.location.metadata_display(),
        &resolver,
        args.check,
    );
    opened.prepend_location_notes(&mut report.notes);
    if json {
        print_json(&report)?;
    } else {
        print_table(&report);
    }
    let t = &report.totals;
    Ok(if args.check && (t.missing > 0 || t.wrong_size > 0) {
        EXIT_FINDINGS
    } else {
        0
    })
}

fn print_table(r: &FilesReport) {
    println!("snapshot {}", r.location);
    notes(&r.notes);
    let checked = r.files.iter().any(|f| f.check.is_some());
    let mut header = vec!["file", "scope", "size", "owners"];
    if checked {
        header.push("check");
    }
    let root = common_root(r.files.iter().filter_map(|f| f.resolved.as_deref()));
    if let Some(root) = &root {
        println!("files under {root}/");
    }
    let mut t = table(&header);
    for f in &r.files {
        let owners = summarize_owners(f);
        let shown = match (&f.resolved, &root) {
            (Some(p), Some(root)) => p[root.len() + 1..].to_string(),
            (Some(p), None) => p.clone(),
            (None, _) if f.path_kind == "inline" => format!("(inline in _metadata) {}", f.recorded),
            (None, _) => f.recorded.clone(),
        };
        let mut row = vec![
            shown,
            format!("{:?}", f.scope).to_lowercase(),
            f.size.map_or("-".into(), bytes),
            owners,
        ];
        if checked {
            row.push(match &f.check {
                None => "-".into(),
                Some(Check::Ok { .. }) => "ok".into(),
                Some(Check::Missing) => "MISSING".into(),
                Some(Check::WrongSize { expected, found }) => {
                    format!("WRONG SIZE: {found} bytes, expected {expected}")
                }
                Some(Check::TooShort { at_least, found }) => {
                    format!("SHORT: {found} bytes, segments need {at_least}")
                }
                Some(Check::Error { message }) => format!("ERROR: {message}"),
            });
        }
        t.add_row(row);
    }
    right(&mut t, &[2]);
    println!("{t}");
    let tot = &r.totals;
    println!(
        "{} files ({} shared, {} exclusive, {} inline), {}",
        tot.files,
        tot.shared,
        tot.exclusive,
        tot.inline,
        bytes(tot.bytes)
    );
    if checked {
        println!(
            "{} missing, {} with the wrong size",
            tot.missing, tot.wrong_size
        );
    }
}

fn summarize_owners(f: &flink_inspect::report::files::FileRow) -> String {
    let mut ops: Vec<String> = Vec::new();
    for o in &f.owners {
        let name = o
            .uid
            .clone()
            .unwrap_or_else(|| o.operator[..8.min(o.operator.len())].to_string());
        let s = match o.subtask {
            Some(i) => format!("{name}/{i} {}", o.slot),
            None => format!("{name} {}", o.slot),
        };
        if !ops.contains(&s) {
            ops.push(s);
        }
    }
    if ops.len() > 3 {
        let n = ops.len();
        ops.truncate(3);
        ops.push(format!("+{} more", n - 3));
    }
    ops.join(", ")
}

/// The longest folder that holds every path (`None` when there is no common folder).
fn common_root<'a>(paths: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut root: Option<Vec<&str>> = None;
    for p in paths {
        let mut dir: Vec<&str> = p.split('/').collect();
        dir.pop();
        root = Some(match root {
            None => dir,
            Some(r) => r
                .iter()
                .zip(&dir)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    let root = root?.join("/");
    (root.len() > 1 && !root.ends_with(':')).then_some(root)
}
