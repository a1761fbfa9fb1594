//! `flink-inspect state`.

use std::io::Write;
use std::ops::ControlFlow;

use anyhow::{Result, bail};

use super::EXIT_TROUBLE;
use super::common::SnapshotArgs;
use super::render::table;
use flink_inspect::keyed::key_arg::key_arg;
use flink_inspect::keyed::{Filter, catalog, find_operator, read_operator};
use flink_inspect::report::state::{OperatorLabel, cell, records};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// The operator: a uid (matched through its hash when the file stores no uids) or the
    /// 32-digit hex operator id.
    #[arg(long, value_name = "UID|ID")]
    pub operator: String,
    /// Only this state (repeatable).
    #[arg(long, value_name = "NAME")]
    pub state: Vec<String>,
    /// Only this key: plain text for a basic-type key (String, Long, Integer, ...), JSON for a
    /// composite one (Tuple/Row/POJO: array or object of the fields; SQL RowData: array of
    /// column values, e.g. '["hot"]'). Reads only the key group it hashes to.
    #[arg(long, value_name = "VALUE")]
    pub key: Option<String>,
    /// Stop after N entries (list elements count one each).
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

pub fn run(args: Args, json: bool) -> Result<i32> {
    let opened = args.snapshot.open()?;
    let resolver = opened.resolver();
    let ops = &opened.snapshot.operators;
    let Some((op_index, op)) = find_operator(ops, &args.operator) else {
        bail!(
            "no operator with uid or id '{}' in this snapshot",
            args.operator
        );
    };
    let uid = op
        .uid
        .clone()
        .or_else(|| opened.uids.get(&op.id).map(String::from))
        .or_else(|| {
            (op.id_hex() != args.operator.to_ascii_lowercase()).then(|| args.operator.clone())
        });
    let keyed = catalog(op, &resolver).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Operator (non-keyed) state: when there is no keyed state, or only operator states are
    // asked for.
    if super::state_operator::wanted(&opened, op_index, keyed.is_some(), &args.state)? {
        return super::state_operator::run(
            &opened,
            op_index,
            uid,
            &args.state,
            args.key.as_deref(),
            args.limit,
            json,
        );
    }
    let Some(cat) = keyed else {
        bail!(
            "operator {} has no keyed state this tool reads",
            op.id_hex()
        );
    };
    for s in &args.state {
        if cat.state(s).is_none() {
            let names: Vec<&str> = cat.header.states.iter().map(|s| s.name.as_str()).collect();
            bail!(
                "no state '{s}' in operator {}; states: {}",
                op.id_hex(),
                names.join(", ")
            );
        }
    }
    let maxp = op.max_parallelism.max(1) as u32;
    let key_t = cat.header.key_serializer.ty.clone();
    let mut filter = Filter {
        states: (!args.state.is_empty()).then(|| args.state.clone()),
        ..Filter::default()
    };
    if let Some(k) = &args.key {
        let ka = key_arg(&key_t, k, maxp).map_err(|e| anyhow::anyhow!(e))?;
        if let Some(note) = &ka.note {
            eprintln!("note: {note}");
        }
        filter.key_groups = ka.key_group.map(|g| (g, g));
        filter.key = Some(ka.bytes.into());
    }
    let label = OperatorLabel {
        id: op.id_hex(),
        uid,
    };
    let limit = args.limit.unwrap_or(u64::MAX);
    let mut shown = 0u64;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_err: Option<std::io::Error> = None;
    let result = read_operator(op, &resolver, &filter, &mut |e| {
        let Some(meta) = cat.state(&e.state) else {
            return ControlFlow::Continue(());
        };
        for r in records(&label, &key_t, meta, e) {
            if shown >= limit {
                return ControlFlow::Break(());
            }
            shown += 1;
            if json {
                let line = serde_json::Value::Object(r.json).to_string();
                if let Err(err) = writeln!(out, "{line}") {
                    write_err = Some(err);
                    return ControlFlow::Break(());
                }
            } else {
                let j = &r.json;
                let extra = j.get("user_key").or(j.get("index"));
                let value = j.get("value").or(j.get("timestamp")).or(j.get("error"));
                rows.push(vec![
                    cell(j.get("state")),
                    cell(j.get("kind")),
                    cell(j.get("key_group")),
                    cell(j.get("key")),
                    cell(j.get("namespace")),
                    cell(extra),
                    cell(value),
                    cell(j.get("ttl_timestamp")),
                ]);
            }
        }
        if shown >= limit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    if let Some(e) = write_err {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
        return Ok(0);
    }
    if !json {
        let mut t = table(&[
            "state",
            "kind",
            "key group",
            "key",
            "namespace",
            "user key / index",
            "value",
            "ttl ts",
        ]);
        for r in rows {
            t.add_row(r);
        }
        let _ = writeln!(out, "{t}");
    }
    let _ = out.flush();
    for e in &result.errors {
        eprintln!("flink-inspect: error: {e}");
    }
    Ok(if result.errors.is_empty() {
        0
    } else {
        EXIT_TROUBLE
    })
}
