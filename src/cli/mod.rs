//! Command-line parsing, rendering and exit codes. Exit codes follow `diff`: 0 fine or
//! compatible, 1 findings or incompatible, 2 trouble.

mod common;
mod compat;
mod contract;
mod export;
mod files;
mod info;
mod ls;
mod render;
mod schema;
mod size;
mod skew;
mod state;
mod state_operator;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "flink-inspect",
    version,
    about = "Read Apache Flink checkpoints and savepoints offline: no JVM, no job classes."
)]
struct Cli {
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// What a snapshot holds: kind, format, backend, operators, sizes (reads only _metadata).
    Info(info::Args),
    /// Every file a snapshot references, with owner and size; --check verifies them.
    Files(files::Args),
    /// Where the bytes are: entries, keys and bytes per operator, state, subtask, key group.
    Size(size::Args),
    /// How keyed state spreads over key groups and subtasks, and which keys are hot.
    Skew(skew::Args),
    /// Every snapshot under a prefix: completeness, and for checkpoint base directories
    /// shared-file usage, orphans and missing files.
    Ls(ls::Args),
    /// State to Parquet (one dataset per state, timers, operator state) with _manifest.json.
    Export(export::Args),
    /// Keyed states per operator: kind, key / namespace / value types, TTL, serializers.
    Schema(schema::Args),
    /// Decoded keyed-state entries of one operator (--json: JSON Lines).
    State(state::Args),
    /// The state contract of a snapshot as JSON: per operator, its states and their types.
    Contract(contract::Args),
    /// Would a new job version restore this snapshot: OLD snapshot, NEW snapshot or contract.
    Compat(compat::Args),
}

/// Findings that should make the process exit 1 (not an error).
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_TROUBLE: i32 = 2;

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_TROUBLE } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Info(a) => info::run(a, cli.json),
        Command::Files(a) => files::run(a, cli.json),
        Command::Size(a) => size::run(a, cli.json),
        Command::Skew(a) => skew::run(a, cli.json),
        Command::Ls(a) => ls::run(a, cli.json),
        Command::Export(a) => export::run(a, cli.json),
        Command::Schema(a) => schema::run(a, cli.json),
        Command::State(a) => state::run(a, cli.json),
        Command::Contract(a) => contract::run(a, cli.json),
        Command::Compat(a) => compat::run(a, cli.json),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("flink-inspect: error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            EXIT_TROUBLE
        }
    }
}
