//! `flink-inspect skew`.

use anyhow::Result;

use super::common::SnapshotArgs;
use super::render::{bar, bytes, notes, print_json, right, sparkline, table};
use super::size::{operator_selected, read_entries};
use flink_inspect::report::size::fold::FoldOptions;
use flink_inspect::report::skew::{
    Distribution, OperatorInput, SkewReport, StateSkew, TopKey, operator_skew,
};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Only these operators (uid or hex id; repeatable).
    #[arg(long, value_name = "UID|ID")]
    pub operator: Vec<String>,
    /// Only these states (repeatable).
    #[arg(long, value_name = "NAME")]
    pub state: Vec<String>,
    /// Also show the spread at this parallelism (repeatable).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parallelism: Vec<u32>,
    /// How many keys to list per ranking.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Values longer than this many bytes are counted while skipped, never held in memory
    /// (default 64 KiB; tests compare both paths).
    #[arg(long, value_name = "BYTES", hide = true)]
    pub elide_values_above: Option<u64>,
}

pub fn run(args: Args, json: bool) -> Result<i32> {
    let opened = args.snapshot.open()?;
    let mut report = SkewReport {
        location: opened.location.metadata_display(),
        notes: Vec::new(),
        warnings: Vec::new(),
        operators: Vec::new(),
        errors: Vec::new(),
    };
    opened.prepend_location_notes(&mut report.notes);
    let opts = FoldOptions {
        top_k: Some(args.top),
        elide_values_above: args.elide_values_above,
        ..FoldOptions::default()
    };
    for op in &opened.snapshot.operators {
        if !operator_selected(op, &args.operator) {
            continue;
        }
        let keyed = op
            .subtasks
            .iter()
            .any(|(_, s)| s.managed_keyed_state.is_some());
        if !keyed {
            continue;
        }
        let Some(read) = read_entries(&opened, op, opts.clone())? else {
            report.notes.push(format!(
                "operator {}: this build cannot read its keyed entries yet",
                op.uid.clone().unwrap_or_else(|| op.id_hex())
            ));
            continue;
        };
        report.errors.extend(read.errors);
        report.notes.extend(read.notes);
        let input = OperatorInput {
            op,
            key_type: read.key_type.as_ref(),
            kinds: read.kinds,
            states: read.states,
        };
        report.operators.push(operator_skew(
            &input,
            &args.parallelism,
            &args.state,
            &mut report.warnings,
        ));
    }
    if json {
        print_json(&report)?;
    } else {
        print_table(&report);
    }
    Ok(if report.errors.is_empty() { 0 } else { 2 })
}

fn print_table(r: &SkewReport) {
    println!("snapshot  {}", r.location);
    notes(&r.notes);
    for w in &r.warnings {
        println!("warning: {w}");
    }
    for o in &r.operators {
        println!();
        println!(
            "operator {} ({}), parallelism {}, max parallelism {}",
            o.uid.as_deref().unwrap_or("-"),
            o.id,
            o.parallelism,
            o.max_parallelism
        );
        for s in &o.states {
            print_state(s);
        }
    }
    for e in &r.errors {
        eprintln!("error: {e}");
    }
}

fn print_state(s: &StateSkew) {
    println!();
    println!(
        "  state {} ({}): {} entries, {}",
        s.state,
        s.kind.as_deref().unwrap_or("?"),
        s.entries,
        bytes(s.bytes)
    );
    let f = &s.key_group_imbalance;
    let maxp = f.entries.buckets as usize;
    let mut hist = vec![0u64; maxp];
    let mut bytes_hist = vec![0u64; maxp];
    for k in &s.key_groups {
        if let Some(h) = hist.get_mut(k.key_group as usize) {
            *h = k.entries;
        }
        if let Some(h) = bytes_hist.get_mut(k.key_group as usize) {
            *h = k.bytes;
        }
    }
    println!(
        "  entries per key group 0..{}: |{}|",
        maxp.saturating_sub(1),
        sparkline(&hist, 64)
    );
    println!(
        "  bytes per key group   0..{}: |{}|",
        maxp.saturating_sub(1),
        sparkline(&bytes_hist, 64)
    );
    println!(
        "  key groups: max/mean {:.2} (bytes {:.2}), cv {:.2} (bytes {:.2}), largest key group \
         {:.1}% of entries, {:.1}% of bytes",
        f.entries.max_over_mean,
        f.bytes.max_over_mean,
        f.entries.cv,
        f.bytes.cv,
        f.entries.largest_share * 100.0,
        f.bytes.largest_share * 100.0
    );
    for d in &s.distributions {
        print_distribution(d);
    }
    for (title, keys) in [
        ("bytes", &s.top_by_bytes),
        ("entries", &s.top_by_entries),
        ("list length", &s.top_by_list_length),
        ("map entries", &s.top_by_map_entries),
    ] {
        if !keys.is_empty() {
            print_top(title, keys);
        }
    }
}

fn print_distribution(d: &Distribution) {
    let i = &d.imbalance;
    println!(
        "  at parallelism {}{}: max/mean {:.2} (bytes {:.2}), cv {:.2} (bytes {:.2}), largest \
         subtask {:.1}% of entries, {:.1}% of bytes{}",
        d.parallelism,
        if d.current { " (current)" } else { "" },
        i.entries.max_over_mean,
        i.bytes.max_over_mean,
        i.entries.cv,
        i.bytes.cv,
        i.entries.largest_share * 100.0,
        i.bytes.largest_share * 100.0,
        if d.exceeds_max_parallelism {
            " (exceeds max parallelism)"
        } else {
            ""
        }
    );
    if d.subtasks.len() > 32 {
        return;
    }
    let max = d.subtasks.iter().map(|s| s.entries).max().unwrap_or(0);
    let mut t = table(&["subtask", "key groups", "entries", "bytes", ""]);
    for s in &d.subtasks {
        t.add_row(vec![
            s.subtask.to_string(),
            s.key_groups.map_or("-".into(), |(a, b)| format!("{a}-{b}")),
            s.entries.to_string(),
            bytes(s.bytes),
            bar(s.entries, max, 30),
        ]);
    }
    right(&mut t, &[0, 2, 3]);
    println!("{t}");
}

fn print_top(title: &str, keys: &[TopKey]) {
    println!("  top keys by {title}:");
    let mut t = table(&[
        "key",
        "key group",
        "subtask",
        "entries",
        "bytes",
        "list length",
        "map entries",
    ]);
    for k in keys {
        let key = match &k.key {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        t.add_row(vec![
            key,
            k.key_group.to_string(),
            k.subtask.to_string(),
            k.entries.to_string(),
            bytes(k.bytes),
            k.list_length.map_or("-".into(), |n| n.to_string()),
            k.map_entries.to_string(),
        ]);
    }
    right(&mut t, &[1, 2, 3, 4, 5, 6]);
    println!("{t}");
}
