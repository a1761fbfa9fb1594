//! `flink-inspect info`.

use anyhow::Result;

use super::common::SnapshotArgs;
use super::render::{bytes, notes, opt, print_json, right, table};
use flink_inspect::report::info::{InfoReport, UidSource, info};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Also list every subtask.
    #[arg(long)]
    pub subtasks: bool,
}

pub fn run(args: Args, json: bool) -> Result<i32> {
    let opened = args.snapshot.open()?;
    let mut report = info(
        &opened.snapshot,
        &opened.location.metadata_display(),
        &opened.uids,
    );
    opened.prepend_location_notes(&mut report.notes);
    if json {
        print_json(&report)?;
    } else {
        print_table(&report, args.subtasks);
    }
    Ok(0)
}

fn print_table(r: &InfoReport, subtasks: bool) {
    println!("snapshot       {}", r.location);
    println!(
        "checkpoint id  {}    metadata version {} ({})",
        r.checkpoint_id, r.metadata_version, r.written_by
    );
    println!(
        "kind           {}    format {}",
        opt(&r.kind),
        opt(&r.format)
    );
    println!("backend        {}", opt(&r.backend));
    notes(&r.notes);
    println!();
    let mut t = table(&[
        "operator id",
        "uid",
        "name",
        "par",
        "max par",
        "subtasks",
        "finished",
        "keyed (full)",
        "keyed (new)",
        "operator",
        "coordinator",
        "inline",
        "files",
    ]);
    for o in &r.operators {
        let uid = match (&o.uid, o.uid_source) {
            (Some(u), Some(UidSource::Given)) => format!("{u} (given)"),
            (Some(u), _) => u.clone(),
            _ => "-".into(),
        };
        t.add_row(vec![
            o.id.clone(),
            uid,
            opt(&o.name),
            o.parallelism.to_string(),
            o.max_parallelism.to_string(),
            o.subtasks_with_state.to_string(),
            if o.fully_finished {
                "all".into()
            } else {
                o.finished_subtasks.to_string()
            },
            bytes(o.sizes.keyed_state_size),
            bytes(o.sizes.keyed_checkpointed_size),
            bytes(o.sizes.operator_state_size),
            bytes(o.sizes.coordinator_state_size),
            bytes(o.sizes.inline_size),
            o.sizes.files.to_string(),
        ]);
    }
    let s = &r.totals.sizes;
    t.add_row(vec![
        format!(
            "total ({} operators, {} with state)",
            r.totals.operators, r.totals.operators_with_state
        ),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        bytes(s.keyed_state_size),
        bytes(s.keyed_checkpointed_size),
        bytes(s.operator_state_size),
        bytes(s.coordinator_state_size),
        bytes(s.inline_size),
        s.files.to_string(),
    ]);
    right(&mut t, &[3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    println!("{t}");
    println!(
        "state size {} (full), {} written by this checkpoint; channel state {}",
        bytes(s.state_size),
        bytes(s.checkpointed_size),
        bytes(s.channel_state_size)
    );
    if subtasks {
        let mut t = table(&[
            "operator id",
            "subtask",
            "key groups",
            "keyed handle",
            "state size",
            "checkpointed",
            "inline",
            "files",
        ]);
        for o in &r.operators {
            for st in &o.subtasks {
                t.add_row(vec![
                    o.id.clone(),
                    if st.finished {
                        format!("{} (finished)", st.index)
                    } else {
                        st.index.to_string()
                    },
                    st.key_groups
                        .map_or("-".into(), |(a, b)| format!("{a}-{b}")),
                    st.keyed_handle.unwrap_or("-").to_string(),
                    bytes(st.sizes.state_size),
                    bytes(st.sizes.checkpointed_size),
                    bytes(st.sizes.inline_size),
                    st.sizes.files.to_string(),
                ]);
            }
        }
        right(&mut t, &[1, 4, 5, 6, 7]);
        println!("{t}");
    }
    if !r.unmatched_uids.is_empty() {
        println!(
            "given uids that match no operator (typo, or renamed?): {}",
            r.unmatched_uids.join(", ")
        );
    }
}
