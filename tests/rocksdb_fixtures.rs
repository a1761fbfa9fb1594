//! Every snapshot in the shared Flink fixtures with RocksDB native keyed state (native
//! savepoints, full and incremental checkpoints) reads without error: header, every SST of
//! every column family, every key split, and every key, namespace, user key and value decoded
//! with the state's serializers.

mod common;
mod rocksdb_common;

use std::sync::Arc;

use flink_inspect::keyed::ValueLayout;
use flink_inspect::keyed::header::StateMetaInfo;
use flink_inspect::metadata::KeyedHandle;
use flink_inspect::types::{self, TypeInfo};

fn has_native(o: &rocksdb_common::Opened) -> bool {
    o.snapshot.operators.iter().any(|op| {
        op.subtasks
            .iter()
            .any(|(_, st)| matches!(st.managed_keyed_state, Some(KeyedHandle::Incremental(_))))
    })
}

/// Decodes the parts of one entry; the error says which part.
fn decode_entry(
    key_type: &TypeInfo,
    state: &StateMetaInfo,
    e: &flink_inspect::keyed::Entry,
) -> Result<(), String> {
    let name: Arc<str> = Arc::from(state.name.as_str());
    let dec = |t: &TypeInfo, b: &[u8], what: &str| {
        types::decode_bytes(t, &name, b, 0)
            .map(|_| ())
            .map_err(|err| format!("{what}: {err}"))
    };
    let void = TypeInfo::VoidNamespace;
    if e.value_layout == ValueLayout::Timer {
        let Some(TypeInfo::Timer { key, namespace }) = state.value_type() else {
            return Err("timer without TimerSerializer".into());
        };
        dec(key, &e.key, "timer key")?;
        dec(namespace, &e.namespace, "timer namespace")?;
        return if e.value.len() == 8 {
            Ok(())
        } else {
            Err("8 timestamp bytes".into())
        };
    }
    dec(key_type, &e.key, "key")?;
    dec(
        state.namespace_type().unwrap_or(&void),
        &e.namespace,
        "namespace",
    )?;
    let vt = state.value_type().ok_or("no value serializer")?;
    match (e.value_layout, vt) {
        (ValueLayout::Single, t) => dec(t, &e.value, "value"),
        (ValueLayout::DelimitedList, TypeInfo::List { elem }) => {
            common::truth::delimited_list(elem, &e.value).map(|_| ())
        }
        (ValueLayout::MapValue, TypeInfo::Map { key, value }) => {
            dec(key, e.user_key.as_deref().unwrap_or_default(), "user key")?;
            match e.value.split_first() {
                Some((1, [])) => Ok(()),
                Some((0, rest)) => dec(value, rest, "map value"),
                _ => Err("map null flag".into()),
            }
        }
        (l, t) => Err(format!("layout {l:?} with {t}")),
    }
}

#[test]
fn every_native_fixture_snapshot_reads() {
    let dirs = common::fixtures::snapshot_dirs(&common::fixtures());
    assert!(dirs.len() > 400, "{} snapshots found", dirs.len());
    let (mut snapshots, mut handles, mut entries, mut decoded) = (0, 0, 0u64, 0u64);
    let mut failures = Vec::new();
    for dir in &dirs {
        let o = rocksdb_common::open(dir);
        if !has_native(&o) {
            continue;
        }
        snapshots += 1;
        let reads = match rocksdb_common::read_all(&o) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for r in &reads {
            handles += 1;
            entries += r.entries.len() as u64;
            for e in &r.entries {
                let Some(state) = r.header.states.iter().find(|s| *s.name == *e.state) else {
                    failures.push(format!(
                        "{}: entry of unknown state {}",
                        dir.display(),
                        e.state
                    ));
                    continue;
                };
                match decode_entry(&r.header.key_serializer.ty, state, e) {
                    Ok(()) => decoded += 1,
                    Err(err) => failures.push(format!(
                        "{}: {} ({}): {err}",
                        dir.display(),
                        state.name,
                        flink_inspect::hash::hex(&e.key)
                    )),
                }
            }
        }
    }
    eprintln!(
        "{snapshots} native snapshots, {handles} handles, {entries} entries, {decoded} decoded"
    );
    failures.dedup();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
    // Counted in the fixtures: every `*-rocksdb-checkpoint`, `*-rocksdb-savepoint-native` and
    // other snapshot whose keyed handles are incremental (tags 5/11).
    assert_eq!(snapshots, 37, "native snapshots in the fixtures");
    assert_eq!(entries, decoded);
    assert!(entries > 0);
}
