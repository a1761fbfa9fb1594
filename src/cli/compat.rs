//! `flink-inspect compat OLD NEW`: would the new job version restore the old snapshot.

use anyhow::{Context, Result, bail};

use super::common::SnapshotArgs;
use super::render::{bytes, notes, print_json, table};
use flink_inspect::compat::{
    BackendKind, CompatReport, Options, Side, Verdict, compare, looks_like_contract, parse_version,
    read_contract, side_of_snapshot,
};

#[derive(clap::Args)]
pub struct Args {
    /// The snapshot to restore from.
    #[command(flatten)]
    pub old: SnapshotArgs,
    /// A snapshot of the new job version, or a contract file (`flink-inspect contract`, or
    /// written by hand).
    pub new: String,
    /// Judge as if the new job were started with allowNonRestoredState.
    #[arg(long)]
    pub allow_non_restored_state: bool,
    /// State backend of the new job (rocksdb or hashmap) when NEW does not tell.
    #[arg(long, value_name = "BACKEND")]
    pub backend: Option<String>,
    /// Flink version of the new job (e.g. 1.20 or 2.1) when NEW does not tell.
    #[arg(long, value_name = "VERSION")]
    pub new_flink_version: Option<String>,
}

pub fn run(args: Args, json: bool) -> Result<i32> {
    let backend = match &args.backend {
        Some(b) => Some(
            BackendKind::parse(b).with_context(|| format!("--backend {b}: rocksdb or hashmap"))?,
        ),
        None => None,
    };
    let flink_version = match &args.new_flink_version {
        Some(v) => Some(parse_version(v).with_context(|| format!("--new-flink-version {v}"))?),
        None => None,
    };
    let opened = args.old.open()?;
    let resolver = opened.resolver();
    let old = side_of_snapshot(&opened.snapshot, &resolver, &opened.uids)
        .with_context(|| format!("reading {}", opened.location.metadata_display()))?;
    let (new, new_label) = open_new(&args)?;
    let opts = Options {
        allow_non_restored_state: args.allow_non_restored_state,
        backend,
        flink_version,
    };
    let mut report = compare(
        &old,
        &new,
        (&opened.location.metadata_display(), &new_label),
        &opts,
    );
    report.notes.extend(
        opened
            .location
            .notes
            .iter()
            .chain(&resolver.notes())
            .map(|n| n.0.clone()),
    );
    if json {
        print_json(&report)?;
    } else {
        print_table(&report);
    }
    Ok(report.exit_code)
}

/// NEW: a contract file (told by its content) or a snapshot location.
fn open_new(args: &Args) -> Result<(Side, String)> {
    let path = std::path::Path::new(&args.new);
    if path.is_file() && path.file_name().is_some_and(|n| n != "_metadata") {
        let text = std::fs::read(path).with_context(|| format!("reading {}", args.new))?;
        if looks_like_contract(&text) {
            let text = String::from_utf8(text)
                .with_context(|| format!("{}: contract is not UTF-8", args.new))?;
            let side = read_contract(&text).with_context(|| format!("contract {}", args.new))?;
            return Ok((side, args.new.clone()));
        }
        if text.first() == Some(&b'{') {
            bail!(
                "{}: a JSON file that is not a contract (no \"format\": \"flink-inspect-contract/1\")",
                args.new
            );
        }
    }
    let new_args = SnapshotArgs {
        location: args.new.clone(),
        ..args.old.clone()
    };
    let opened = new_args.open()?;
    let resolver = opened.resolver();
    let side = side_of_snapshot(&opened.snapshot, &resolver, &opened.uids)
        .with_context(|| format!("reading {}", opened.location.metadata_display()))?;
    Ok((side, opened.location.metadata_display()))
}

fn print_table(r: &CompatReport) {
    println!("old  {}", r.old);
    println!("new  {}", r.new);
    let verdict = if r.exit_code == 0 && !r.needs_allow_non_restored_state {
        "restorable".to_string()
    } else if r.exit_code == 0 {
        "restorable with --allow-non-restored-state (state is dropped)".to_string()
    } else if r.restorable {
        "restorable".to_string()
    } else if matches!(r.worst, Verdict::Dropped) {
        "needs --allow-non-restored-state: state would be dropped".to_string()
    } else {
        format!("NOT restorable ({})", r.worst.as_str())
    };
    println!("verdict  {verdict}");
    notes(&r.notes);
    println!();
    let mut t = table(&[
        "verdict", "operator", "state", "kind", "old type", "new type", "why",
    ]);
    let mut rows: Vec<(Verdict, Vec<String>)> = Vec::new();
    for o in &r.operators {
        let mut why: Vec<String> = o.reasons.clone();
        why.extend(o.notes.iter().cloned());
        if !why.is_empty() || (o.states.is_empty() && o.verdict != Verdict::Restored) {
            let label = o.label();
            let size = if o.state_bytes > 0 {
                format!("{label} [{}]", bytes(o.state_bytes))
            } else {
                label
            };
            rows.push((
                o.verdict,
                vec![
                    o.verdict.as_str().into(),
                    size,
                    "-".into(),
                    "-".into(),
                    String::new(),
                    String::new(),
                    why.join("\n"),
                ],
            ));
        }
        for s in &o.states {
            let mut why = s.reasons.clone();
            why.extend(s.caveats.iter().map(|c| format!("caveat: {c}")));
            let why = if s.verdict == Verdict::Restored && s.caveats.is_empty() {
                String::new()
            } else {
                why.join("\n")
            };
            rows.push((
                s.verdict,
                vec![
                    s.verdict.as_str().into(),
                    o.label(),
                    s.name.clone(),
                    s.kind.clone(),
                    s.old_type.clone().unwrap_or_default(),
                    s.new_type.clone().unwrap_or_default(),
                    why,
                ],
            ));
        }
    }
    rows.sort_by_key(|(v, _)| *v);
    for (_, row) in rows {
        t.add_row(row);
    }
    println!("{t}");
}
