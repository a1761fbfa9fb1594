//! Every keyed-backend header of the Flink fixtures parses, ends where the `_metadata` says the
//! first key group starts (or at the end of a RocksDB meta stream), and the type trees are the
//! ones Flink's test jobs declare.

mod common;
mod types_common;

use std::sync::Arc;

use flink_inspect::io::DataInput;
use flink_inspect::keyed::header::{KeyedHeader, StateKind, read_keyed_header};
use types_common::{Layout, keyed_streams};

fn parse(s: &types_common::KeyedStream) -> Result<KeyedHeader, String> {
    let name: Arc<str> = Arc::from(s.name.as_str());
    let mut d = DataInput::from_slice(&name, &s.bytes, 0);
    read_keyed_header(&mut d).map_err(|e| format!("{}: {e}", s.desc))
}

#[test]
fn every_keyed_header_parses_and_ends_at_first_key_group() {
    let (streams, metas) = keyed_streams();
    if streams.is_empty() {
        eprintln!("fixtures not found; set FLINK_FIXTURES");
        return;
    }
    let mut errors = Vec::new();
    let (mut n_meta, mut n_kg, mut states, mut n_v5) = (0, 0, 0, 0);
    for s in &streams {
        let v5 = s.bytes.get(..4) == Some(&[0, 0, 0, 5]);
        let h = match parse(s) {
            Ok(h) => h,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if v5 {
            // Flink 1.6 (flink-state-evolution-test's StatefulStreamingJob): key `Integer`,
            // states Avro `Address`, `Tuple2<String, Integer>`, `Either<String, Boolean>`
            n_v5 += 1;
            let got: Vec<String> = h
                .states
                .iter()
                .map(|st| {
                    format!(
                        "{} {:?} {} ns {}",
                        st.name,
                        st.kind,
                        st.value_type().map_or("-".into(), |t| t.to_string()),
                        st.namespace_type().map_or("-".into(), |t| t.to_string())
                    )
                })
                .collect();
            let want = [
                "either-state Value Either<String, Boolean> ns VoidNamespace",
                "test-state Value Avro org.apache.flink.avro.generated.Address ns VoidNamespace",
                "tuple-state Value Tuple2<String, Integer> ns VoidNamespace",
            ];
            assert_eq!(h.key_serializer.ty.to_string(), "Integer", "{}", s.desc);
            assert_eq!(got, want, "{}", s.desc);
        }
        states += h.states.len();
        for st in &h.states {
            if let StateKind::Other(t) = &st.kind {
                errors.push(format!(
                    "{}: state '{}' of unknown kind '{t}'",
                    s.desc, st.name
                ));
            }
        }
        let expected_end = match &s.layout {
            Layout::Meta => {
                n_meta += 1;
                s.bytes.len() as u64
            }
            Layout::KeyGroups { offsets, .. } => {
                n_kg += 1;
                offsets
                    .iter()
                    .map(|(_, o)| *o as u64)
                    .filter(|o| *o != 0)
                    .min()
                    .unwrap_or(s.bytes.len() as u64)
            }
        };
        if h.end != expected_end {
            errors.push(format!(
                "{}: header ends at {}, expected {expected_end}",
                s.desc, h.end
            ));
        }
    }
    eprintln!(
        "{metas} _metadata files, {} keyed streams ({n_kg} key-group handles, {n_v5} of Flink 1.6, {n_meta} RocksDB meta streams), {states} states, {} errors",
        streams.len(),
        errors.len()
    );
    for e in errors.iter().take(20) {
        eprintln!("{e}");
    }
    assert!(n_v5 > 0, "the Flink 1.6 fixture's header was not seen");
    assert!(errors.is_empty());
    // Regression guard: the reference notes counted about 1,900 keyed streams.
    assert!(
        streams.len() >= 1800,
        "only {} keyed streams found",
        streams.len()
    );
}

/// `new-stateful-udf-migration-itcase-flink1.20-rocksdb-savepoint` is written by Flink's
/// `flink-tests/.../checkpointing/StatefulJobSnapshotMigrationITCase.java`: it keys by
/// `Tuple1.of(x.f0)` typed `Types.TUPLE(Types.LONG)`, declares
/// `ValueStateDescriptor<>("state-name", LongSerializer.INSTANCE)` and
/// `getInternalTimerService("timer", LongSerializer.INSTANCE, ..)` (Long namespaces), whose
/// timers are the states `_timer_state/event_timer` and `_timer_state/processing_timer`.
#[test]
fn udf_migration_fixture_types() {
    let (streams, _) = keyed_streams();
    let mine: Vec<_> = streams
        .iter()
        .filter(|s| {
            s.desc
                .contains("new-stateful-udf-migration-itcase-flink1.20-rocksdb-savepoint/")
        })
        .collect();
    if mine.is_empty() {
        return;
    }
    let mut seen_value_state = false;
    for s in mine {
        let h = parse(s).unwrap();
        assert_eq!(
            h.key_serializer.ty.to_string(),
            "Tuple1<Long>",
            "{}",
            s.desc
        );
        for st in &h.states {
            match st.kind {
                StateKind::PriorityQueue => {
                    assert!(
                        st.name == "_timer_state/event_timer"
                            || st.name == "_timer_state/processing_timer",
                        "{}",
                        st.name
                    );
                    assert_eq!(
                        st.value_type().unwrap().to_string(),
                        "Timer<Tuple1<Long>, Long>"
                    );
                }
                _ => {
                    assert_eq!(st.name, "state-name");
                    assert_eq!(st.state_type(), Some("VALUE"));
                    assert_eq!(st.kind, StateKind::Value);
                    assert_eq!(st.value_type().unwrap().to_string(), "Long");
                    seen_value_state = true;
                }
            }
        }
    }
    assert!(seen_value_state);
}

/// The type tree serializes to JSON with the shape the CLI prints.
#[test]
fn type_tree_json_shape() {
    let (streams, _) = keyed_streams();
    let Some(s) = streams.iter().find(|s| {
        s.desc
            .contains("new-stateful-udf-migration-itcase-flink1.20-rocksdb-savepoint/")
    }) else {
        return;
    };
    let h = parse(s).unwrap();
    let json = serde_json::to_value(&h.key_serializer.ty).unwrap();
    assert_eq!(json["kind"], "tuple");
    assert_eq!(json["class"], "org.apache.flink.api.java.tuple.Tuple1");
    assert_eq!(json["fields"][0]["kind"], "primitive");
    assert_eq!(json["fields"][0]["ty"], "Long");
}

/// Corrupt input never panics: every truncation of a sample of real headers is an error, and
/// byte flips anywhere give an error or a result, never a panic or a huge allocation.
#[test]
fn corrupted_headers_fail_cleanly() {
    let (streams, _) = keyed_streams();
    let mut sample: Vec<&types_common::KeyedStream> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for s in &streams {
        // one stream per distinct key serializer class and state count, to cover many layouts
        if let Ok(h) = parse(s) {
            let sig = (h.key_serializer.class_name.clone(), h.states.len());
            if seen.insert(sig) && sample.len() < 12 {
                sample.push(s);
            }
        }
    }
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let name: Arc<str> = Arc::from("corrupt");
    for s in sample {
        let end = parse(s).unwrap().end as usize;
        let bytes = &s.bytes[..end];
        for cut in (0..end).filter(|c| c % 5 == 0 || *c < 200) {
            let mut d = DataInput::from_slice(&name, &bytes[..cut], 0);
            assert!(
                read_keyed_header(&mut d).is_err(),
                "{}: truncated at {cut}",
                s.desc
            );
        }
        for _ in 0..60 {
            let mut b = bytes.to_vec();
            let i = (rnd() as usize) % b.len();
            b[i] ^= 1 << (rnd() % 8);
            let mut d = DataInput::from_slice(&name, &b, 0);
            let _ = read_keyed_header(&mut d);
        }
    }
}

/// The header reader works on a chunked stream (not only a slice) and leaves the stream at the
/// first key group: in a heap checkpoint the next `i32` is that key group's number.
#[test]
fn streamed_header_stops_at_first_key_group() {
    use flink_inspect::io::{LocalFile, RangeReader, ReadAt};
    let (streams, _) = keyed_streams();
    let mut checked = 0;
    for s in streams.iter().filter(|s| s.name != "inline") {
        let Layout::KeyGroups { offsets, kind } = &s.layout else {
            continue;
        };
        if *kind == flink_inspect::metadata::KeyGroupsKind::Savepoint {
            continue;
        }
        let Some((kg, first)) = offsets
            .iter()
            .filter(|(_, o)| *o > 0)
            .min_by_key(|(_, o)| *o)
        else {
            continue;
        };
        let file = LocalFile::open(std::path::Path::new(&s.name)).unwrap();
        let name: Arc<str> = Arc::from(s.name.as_str());
        // 7-byte chunks: reads straddle every field boundary
        let reader = RangeReader::new(&file, 0, file.size()).with_chunk(7);
        let mut d = DataInput::new(&name, reader, 0, Some(file.size()));
        let h = read_keyed_header(&mut d).unwrap();
        assert_eq!(h.end, *first as u64, "{}", s.desc);
        // heap checkpoints (the only non-canonical key-group files here) start with the kg
        if parse(s).is_ok()
            && s.bytes.get(*first as usize..*first as usize + 4) == Some(&kg.to_be_bytes()[..])
        {
            assert_eq!(d.i32("kg").unwrap(), *kg);
            checked += 1;
        }
    }
    if !streams.is_empty() {
        assert!(checked > 50, "only {checked} heap files checked");
    }
}

/// SQL logical types come out of their Java-serialized form with parameters and nested ROW
/// field names (read from the `RowField` list inside `RowType`).
#[test]
fn sql_logical_types_are_complete() {
    let (streams, _) = keyed_streams();
    let mut rows_with_names = 0;
    let mut all = String::new();
    for s in &streams {
        if let Ok(h) = parse(s) {
            all.push_str(&h.key_serializer.ty.to_string());
            for st in &h.states {
                for (_, e) in &st.serializers {
                    all.push_str(&e.ty.to_string());
                }
            }
        }
    }
    for part in all.split("ROW<").skip(1) {
        let first = part.split([',', '>']).next().unwrap_or("");
        assert!(!first.starts_with('?'), "unnamed ROW field in {part}");
        rows_with_names += 1;
    }
    if streams.is_empty() {
        return;
    }
    assert!(rows_with_names > 10, "{rows_with_names} named ROW types");
    assert!(all.contains("DECIMAL(38, 2)") && all.contains("TIMESTAMP_LTZ(3)"));
    assert!(
        !all.contains("missing field"),
        "a LogicalType without its expected field"
    );
}
