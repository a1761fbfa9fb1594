//! `flink-inspect size`, and reading an operator's entries into a fold (shared with `skew`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::Result;
use rayon::prelude::*;

use super::common::{Opened, SnapshotArgs};
use super::render::{bytes, notes, print_json, right, table};
use flink_inspect::keyed::{self, header::StateKind};
use flink_inspect::metadata::{KeyedHandle, OperatorState};
use flink_inspect::operator_state::{self, OperatorStateInfo};
use flink_inspect::report::operator_state::has_operator_state;
use flink_inspect::report::size::fold::{FoldOptions, KeyedFold, ListElems, StateFold};
use flink_inspect::report::size::storage::{self, KeyedStorage};
use flink_inspect::report::size::{OperatorEntries, SizeOptions, SizeReport, size};
use flink_inspect::types::TypeInfo;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Break states down to key groups (entries and bytes on storage per key group).
    #[arg(long)]
    pub key_groups: bool,
    /// Only these operators (uid or hex id; repeatable).
    #[arg(long, value_name = "UID|ID")]
    pub operator: Vec<String>,
    /// The previous retained checkpoint of an incremental chain: SST and other files it
    /// references are not new in this one (per-state `new_storage_bytes`).
    #[arg(long, value_name = "LOCATION")]
    pub previous: Option<String>,
    /// Values longer than this many bytes are counted while skipped, never held in memory
    /// (default 64 KiB; tests compare both paths).
    #[arg(long, value_name = "BYTES", hide = true)]
    pub elide_values_above: Option<u64>,
}

/// Whether `op` is selected by `wanted` (uid, hex id, or a uid hashing to the id).
pub fn operator_selected(op: &OperatorState, wanted: &[String]) -> bool {
    wanted.is_empty()
        || wanted.iter().any(|w| {
            op.uid.as_deref() == Some(w.as_str())
                || op.id_hex() == w.to_ascii_lowercase()
                || flink_inspect::hash::operator_id_from_uid(w) == op.id
        })
}

/// Values longer than this are counted on the stream, never held in memory.
const ELIDE_VALUES_ABOVE: u64 = 64 << 10;

/// What reading one operator's keyed entries gave.
pub struct ReadOperator {
    pub states: BTreeMap<Arc<str>, StateFold>,
    pub kinds: BTreeMap<String, String>,
    pub key_type: Option<TypeInfo>,
    pub errors: Vec<String>,
    /// Parts left out because this build has no reader for them.
    pub notes: Vec<String>,
}

/// Reads the keyed entries of `op` into a fold, on rayon's pool (work units: subtask handles
/// split into key-group ranges). `Ok(None)`: no keyed state in a format read here.
pub fn read_entries(
    opened: &Opened,
    op: &OperatorState,
    opts: FoldOptions,
) -> Result<Option<ReadOperator>> {
    let keyed = op
        .subtasks
        .iter()
        .any(|(_, s)| s.managed_keyed_state.is_some());
    if !keyed {
        return Ok(None);
    }
    let resolver = opened.resolver();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let catalog = match keyed::catalog(op, &resolver) {
        Ok(c) => c,
        Err(e) => {
            errors.push(e.to_string());
            None
        }
    };
    let mut opts = opts;
    let mut kinds = BTreeMap::new();
    let mut key_type = None;
    if let Some(c) = &catalog {
        key_type = Some(c.header.key_serializer.ty.clone());
        for s in &c.header.states {
            kinds.insert(s.name.clone(), kind_name(&s.kind));
            if s.kind == StateKind::List {
                let t = s.entry_types();
                if let Some(v) = &t.value {
                    opts.list_elems
                        .insert(s.name.clone(), ListElems::for_type(v, t.ttl));
                }
            }
        }
    }
    let opts = Arc::new(opts);
    // counting needs no value bytes: long values (a hot key's list) are skipped on the stream
    let filter = keyed::Filter {
        elide_values_above: Some(opts.elide_values_above.unwrap_or(ELIDE_VALUES_ABOVE)),
        ..keyed::Filter::default()
    };
    // each unit's fold closes its last run as the unit ends, so the folds waiting for their
    // merge hold no per-key map (memory then stays flat as key groups grow)
    let results = keyed::read_operator_par_with(
        op,
        &resolver,
        &filter,
        || KeyedFold::new(opts.clone()),
        |fold, e| fold.add(e),
        KeyedFold::close,
    );
    let mut total = KeyedFold::new(opts.clone());
    for (fold, r) in results {
        total.merge(fold);
        for e in &r.errors {
            // a handle kind without a reader yet: a note, not a failure
            if e.message.contains("not supported yet") {
                let n = format!("{}: {}", e.file, e.message);
                if !notes.contains(&n) {
                    notes.push(n);
                }
            } else {
                errors.push(e.to_string());
            }
        }
    }
    Ok(Some(ReadOperator {
        states: total.finish(),
        kinds,
        key_type,
        errors,
        notes,
    }))
}

fn kind_name(k: &StateKind) -> String {
    match serde_json::to_value(k) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{k:?}"),
    }
}

/// Per-state bytes on storage of every subtask's managed keyed handle (in parallel), with
/// the entry folds to apportion compressed and heap key groups.
fn keyed_storage(
    opened: &Opened,
    op: &OperatorState,
    folds: &BTreeMap<Arc<str>, StateFold>,
    previous: Option<&BTreeSet<String>>,
    errors: &mut Vec<String>,
) -> BTreeMap<u32, KeyedStorage> {
    let resolver = opened.resolver();
    let handles: Vec<_> = op
        .subtasks
        .iter()
        .filter_map(|(i, s)| s.managed_keyed_state.as_ref().map(|h| (*i, h)))
        .collect();
    let results: Vec<_> = handles
        .par_iter()
        .map(|(i, h)| {
            (
                *i,
                storage::keyed_storage(*i, h, &resolver, Some(folds), previous),
            )
        })
        .collect();
    let mut out = BTreeMap::new();
    for (i, r) in results {
        match r {
            Ok(Some(k)) => {
                out.insert(i, k);
            }
            Ok(None) => {}
            Err(e) => errors.push(format!("subtask {i}: bytes on storage per state: {e}")),
        }
    }
    out
}

/// Identities of the files the previous checkpoint's keyed handles of operator `id`
/// reference.
fn previous_files(prev: &Opened, id: &[u8; 16]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for op in prev.snapshot.operators.iter().filter(|o| &o.id == id) {
        for (_, st) in &op.subtasks {
            if let Some(KeyedHandle::Incremental(h)) = &st.managed_keyed_state {
                storage::handle_identities(h, &mut out);
            }
        }
    }
    out
}

/// Operator states (catalog from `_metadata` and headers) and their element counts per
/// subtask (entries read raw, never decoded).
fn operator_states(
    opened: &Opened,
    index: usize,
    errors: &mut Vec<String>,
) -> (Vec<OperatorStateInfo>, BTreeMap<(String, u32), u64>) {
    let mut counts = BTreeMap::new();
    if !has_operator_state(&opened.snapshot, index) {
        return (Vec::new(), counts);
    }
    let resolver = opened.resolver();
    let infos = match operator_state::catalog(&opened.snapshot, index, &resolver) {
        Ok(i) => i,
        Err(e) => {
            errors.push(format!("operator state: {e}"));
            return (Vec::new(), counts);
        }
    };
    let read = operator_state::read(&opened.snapshot, index, &resolver, |e| {
        *counts.entry((e.state.to_string(), e.subtask)).or_insert(0) += 1;
    });
    if let Err(e) = read {
        errors.push(format!("operator state: {e}"));
    }
    (infos, counts)
}

pub fn run(args: Args, json: bool) -> Result<i32> {
    let opened = args.snapshot.open()?;
    let previous = match &args.previous {
        Some(loc) => {
            let mut a = args.snapshot.clone();
            a.location = loc.clone();
            Some(a.open()?)
        }
        None => None,
    };
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut not_read = 0;
    let mut extra_notes = Vec::new();
    for (index, op) in opened.snapshot.operators.iter().enumerate() {
        if !operator_selected(op, &args.operator) {
            entries.push(None);
            continue;
        }
        let (operator_states, operator_elements) = operator_states(&opened, index, &mut errors);
        let prev = previous.as_ref().map(|p| previous_files(p, &op.id));
        let fold_opts = FoldOptions {
            elide_values_above: args.elide_values_above,
            ..FoldOptions::default()
        };
        let mut e = match read_entries(&opened, op, fold_opts)? {
            Some(r) => {
                errors.extend(r.errors);
                extra_notes.extend(r.notes);
                OperatorEntries {
                    keyed_read: true,
                    states: r.states,
                    kinds: r.kinds,
                    ..OperatorEntries::default()
                }
            }
            None => OperatorEntries::default(),
        };
        let keyed = op
            .subtasks
            .iter()
            .any(|(_, s)| s.managed_keyed_state.is_some());
        if keyed && !e.keyed_read {
            not_read += 1;
        }
        if keyed {
            e.keyed_storage = keyed_storage(&opened, op, &e.states, prev.as_ref(), &mut errors);
        }
        e.operator_states = operator_states;
        e.operator_elements = operator_elements;
        entries.push(Some(e));
    }
    let wanted = args.operator.clone();
    let mut report = size(
        &opened.snapshot,
        &opened.location.metadata_display(),
        &opened.uids,
        &entries,
        &|op| operator_selected(op, &wanted),
        &SizeOptions {
            key_groups: args.key_groups,
        },
    );
    opened.prepend_location_notes(&mut report.notes);
    if not_read > 0 {
        report.notes.push(format!(
            "{not_read} operator(s) with keyed state whose entries this build cannot read yet: \
             storage figures only"
        ));
    }
    if let Some(p) = &previous {
        report.notes.push(format!(
            "new bytes per state: files not referenced by the previous checkpoint {}",
            p.location.metadata_display()
        ));
    }
    report.notes.extend(extra_notes);
    report.errors = errors;
    if json {
        print_json(&report)?;
    } else {
        print_table(&report, args.key_groups);
    }
    Ok(if report.errors.is_empty() { 0 } else { 2 })
}

fn print_table(r: &SizeReport, key_groups: bool) {
    println!("snapshot  {}", r.location);
    notes(&r.notes);
    let mut t = table(&[
        "operator",
        "state",
        "subtask",
        "entries",
        "keys",
        "key bytes",
        "ns bytes",
        "user key bytes",
        "value bytes",
        "serialized",
        "storage (full)",
        "storage (new)",
        "inline",
    ]);
    for o in &r.operators {
        let label = o.uid.clone().unwrap_or_else(|| o.id.clone());
        let s = &o.storage;
        let c = o.entries.unwrap_or_default();
        let have = o.entries.is_some();
        let n = |v: u64| if have { v.to_string() } else { "-".into() };
        let b = |v: u64| if have { bytes(v) } else { "-".into() };
        t.add_row(vec![
            label.clone(),
            "(all)".into(),
            "(all)".into(),
            n(c.entries),
            n(c.keys),
            b(c.key_bytes),
            b(c.namespace_bytes),
            b(c.user_key_bytes),
            b(c.value_bytes),
            b(c.serialized_bytes()),
            bytes(s.state_size),
            bytes(s.checkpointed_size),
            bytes(s.inline_size),
        ]);
        for st in &o.subtasks {
            t.add_row(vec![
                String::new(),
                "(storage)".into(),
                st.subtask.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                bytes(st.storage.state_size),
                bytes(st.storage.checkpointed_size),
                bytes(st.storage.inline_size),
            ]);
            if let Some(k) = &st.keyed_storage {
                let mut row = row_kg("", None, Some(k.backend_metadata_bytes));
                row[1] = "(backend metadata)".into();
                row[2] = st.subtask.to_string();
                t.add_row(row);
            }
            if let Some(kgs) = &st.key_group_bytes {
                for (kg, n) in kgs {
                    t.add_row(row_kg(&format!("  kg {kg}"), None, Some(*n)));
                }
            }
        }
        for state in &o.states {
            let c = &state.counts;
            let keys = if state.keys_exact {
                c.keys.to_string()
            } else {
                format!("~{}", c.keys)
            };
            t.add_row(vec![
                String::new(),
                state.state.clone(),
                "(all)".into(),
                c.entries.to_string(),
                keys,
                bytes(c.key_bytes),
                bytes(c.namespace_bytes),
                bytes(c.user_key_bytes),
                bytes(c.value_bytes),
                bytes(state.serialized_bytes),
                storage_cell(state.storage_bytes, state.storage_bytes_exact),
                state.new_storage_bytes.map_or(String::new(), bytes),
                String::new(),
            ]);
            for sub in &state.subtasks {
                let c = &sub.counts;
                t.add_row(vec![
                    String::new(),
                    String::new(),
                    sub.subtask.to_string(),
                    c.entries.to_string(),
                    c.keys.to_string(),
                    bytes(c.key_bytes),
                    bytes(c.namespace_bytes),
                    bytes(c.user_key_bytes),
                    bytes(c.value_bytes),
                    bytes(sub.serialized_bytes),
                    storage_cell(sub.storage_bytes, state.storage_bytes_exact),
                    String::new(),
                    String::new(),
                ]);
                if key_groups {
                    for kg in sub.key_groups.iter().flatten() {
                        t.add_row(row_kg(
                            &format!("  kg {}", kg.key_group),
                            Some((kg.counts.entries, kg.serialized_bytes)),
                            None,
                        ));
                    }
                }
            }
        }
    }
    right(&mut t, &[3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    println!("{t}");
    if r.operators.iter().any(|o| {
        o.states
            .iter()
            .any(|s| s.storage_bytes_exact == Some(false))
    }) {
        println!(
            "~: bytes on storage apportioned over states by their share of each key group's \
             serialized bytes (Snappy-compressed key groups, heap checkpoints)"
        );
    }
    print_operator_states(r);
    let s = &r.totals;
    println!(
        "total: state size {} (full), {} new in this checkpoint, {} inline in _metadata, {} \
         files; {} entries, {} serialized",
        bytes(s.state_size),
        bytes(s.checkpointed_size),
        bytes(s.inline_size),
        s.files,
        r.entries.entries,
        bytes(r.entries.serialized_bytes())
    );
    for e in &r.errors {
        eprintln!("error: {e}");
    }
}

fn storage_cell(b: Option<u64>, exact: Option<bool>) -> String {
    match (b, exact) {
        (Some(b), Some(false)) => format!("~{}", bytes(b)),
        (Some(b), _) => bytes(b),
        (None, _) => String::new(),
    }
}

fn print_operator_states(r: &SizeReport) {
    if r.operators.iter().all(|o| o.operator_states.is_empty()) {
        return;
    }
    println!();
    println!(
        "operator state (restore: bytes every subtask reads at the operator's parallelism; a union state's bytes once per copy)"
    );
    let mut t = table(&[
        "operator", "state", "kind", "subtask", "elements", "stored", "restore",
    ]);
    for o in &r.operators {
        let label = o.uid.clone().unwrap_or_else(|| o.id.clone());
        for s in &o.operator_states {
            t.add_row(vec![
                label.clone(),
                s.state.clone(),
                s.kind.to_string(),
                "(all)".into(),
                s.elements.to_string(),
                bytes(s.stored_bytes),
                bytes(s.restore_bytes),
            ]);
            for sub in &s.subtasks {
                t.add_row(vec![
                    String::new(),
                    String::new(),
                    String::new(),
                    sub.subtask.to_string(),
                    sub.elements.to_string(),
                    bytes(sub.stored_bytes),
                    String::new(),
                ]);
            }
        }
    }
    right(&mut t, &[3, 4, 5, 6]);
    println!("{t}");
}

fn row_kg(label: &str, entries: Option<(u64, u64)>, storage: Option<u64>) -> Vec<String> {
    let mut v = vec![String::new(); 13];
    v[2] = label.to_string();
    if let Some((n, b)) = entries {
        v[3] = n.to_string();
        v[9] = bytes(b);
    }
    if let Some(s) = storage {
        v[10] = bytes(s);
    }
    v
}
