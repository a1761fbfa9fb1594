//! `flink-inspect contract`: the state contract of a snapshot as JSON.

use anyhow::Result;

use super::common::SnapshotArgs;
use super::render::print_json;
use flink_inspect::compat::{side_of_snapshot, to_contract};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

pub fn run(args: Args, _json: bool) -> Result<i32> {
    let opened = args.snapshot.open()?;
    let resolver = opened.resolver();
    let side = side_of_snapshot(&opened.snapshot, &resolver, &opened.uids)?;
    let contract = to_contract(&side, Some(opened.location.metadata_display()));
    for n in opened.location.notes.iter().chain(&resolver.notes()) {
        eprintln!("note: {}", n.0);
    }
    print_json(&contract)?;
    Ok(0)
}
