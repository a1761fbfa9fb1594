//! `flink-inspect schema`.

use anyhow::{Result, bail};

use super::EXIT_TROUBLE;
use super::common::SnapshotArgs;
use super::render::{opt, print_json, table};
use flink_inspect::keyed::{catalog, find_operator};
use flink_inspect::report::operator_state::{has_operator_state, schema as operator_state_schema};
use flink_inspect::report::schema::{
    OperatorSchema, SchemaReport, has_keyed_state, operator_schema,
};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Only this operator: a uid (matched through its hash when the file stores no uids) or
    /// the 32-digit hex operator id.
    #[arg(long, value_name = "UID|ID")]
    pub operator: Option<String>,
}

pub fn run(args: Args, json: bool) -> Result<i32> {
    let opened = args.snapshot.open()?;
    let resolver = opened.resolver();
    let ops = &opened.snapshot.operators;
    let selected: Vec<(usize, Option<String>)> = match &args.operator {
        Some(w) => match find_operator(ops, w) {
            Some((i, o)) => {
                let uid = o
                    .uid
                    .clone()
                    .or_else(|| (o.id_hex() != w.to_ascii_lowercase()).then(|| w.clone()));
                vec![(i, uid)]
            }
            None => bail!("no operator with uid or id '{w}' in this snapshot"),
        },
        None => (0..ops.len())
            .filter(|i| {
                ops.get(*i).is_some_and(has_keyed_state) || has_operator_state(&opened.snapshot, *i)
            })
            .map(|i| (i, None))
            .collect(),
    };
    let mut report = SchemaReport {
        location: opened.location.metadata_display(),
        operators: Vec::new(),
    };
    for (i, uid) in selected {
        let Some(op) = ops.get(i) else { continue };
        let uid = uid
            .or_else(|| op.uid.clone())
            .or_else(|| opened.uids.get(&op.id).map(String::from));
        let c = catalog(op, &resolver).map_err(|e| e.to_string());
        let mut o = operator_schema(op, uid, c);
        // Operator (non-keyed) states.
        if has_operator_state(&opened.snapshot, i) {
            match operator_state_schema(&opened.snapshot, i, &resolver) {
                Ok(rows) => o.operator_states = rows,
                Err(e) => o.error = o.error.or(Some(e.to_string())),
            }
        }
        report.operators.push(o);
    }
    if json {
        print_json(&report)?;
    } else {
        print_table(&report);
    }
    let failed = report.operators.iter().any(|o| o.error.is_some());
    Ok(if failed { EXIT_TROUBLE } else { 0 })
}

fn print_table(r: &SchemaReport) {
    println!("snapshot {}", r.location);
    for o in &r.operators {
        print_operator(o);
    }
}

fn print_operator(o: &OperatorSchema) {
    println!();
    println!(
        "operator {}  uid {}  name {}",
        o.operator,
        opt(&o.uid),
        opt(&o.name)
    );
    if !o.operator_states.is_empty() {
        let mut t = table(&[
            "operator state",
            "kind",
            "key",
            "value",
            "subtasks",
            "elements",
            "stored bytes",
            "restore bytes",
        ]);
        for s in &o.operator_states {
            t.add_row(vec![
                s.name.clone(),
                s.kind.to_string(),
                opt(&s.key_type),
                opt(&s.value_type),
                s.subtasks.to_string(),
                s.partitions.to_string(),
                s.stored_bytes.to_string(),
                s.restore_bytes.to_string(),
            ]);
        }
        println!("{t}");
    }
    if let Some(e) = &o.error {
        println!("  error: {e}");
        return;
    }
    if let Some(n) = &o.note {
        println!("  {n}");
        return;
    }
    println!("key {}  ({})", opt(&o.key_type), opt(&o.key_serializer));
    let mut t = table(&[
        "state",
        "kind",
        "namespace",
        "user key",
        "value",
        "ttl",
        "value serializer",
    ]);
    for s in &o.states {
        let value_ser = s
            .serializers
            .iter()
            .find(|(r, _)| r == "VALUE_SERIALIZER")
            .map(|(_, c)| c.clone());
        t.add_row(vec![
            s.name.clone(),
            s.kind.clone(),
            opt(&s.namespace_type),
            opt(&s.user_key_type),
            opt(&s.value_type),
            if s.ttl { "yes".into() } else { "-".into() },
            opt(&value_ser),
        ]);
    }
    println!("{t}");
}
