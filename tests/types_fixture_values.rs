//! Value decoders against real state: every entry of every canonical savepoint and every heap
//! checkpoint in the fixtures is decoded with the types from its header. Checks that cannot
//! pass by accident:
//! * each key, namespace, user key and value consumes exactly its bytes (canonical entries are
//!   length-prefixed; heap checkpoints have no lengths, so a wrong decoder derails the walk and
//!   misses the next key-group offset);
//! * the Java `hashCode()` of each decoded key maps to the key group it is stored under.

mod common;
mod types_common;

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use flink_inspect::hash::key_group_for_hash;
use flink_inspect::io::{DataInput, DecodeResult};
use flink_inspect::keyed::header::{KeyedHeader, StateKind, StateMetaInfo, read_keyed_header};
use flink_inspect::metadata::KeyGroupsKind;
use flink_inspect::types::{TypeInfo, Value, decode, key_hash_code, skip};
use types_common::{KeyedStream, Layout, keyed_streams};

/// One decoded entry: state name, key, namespace, value (`Null` where not applicable; for
/// timers the value is the whole timer).
type Decoded = (String, Value, Value, Value);

#[derive(Default, Debug)]
struct Stats {
    decoded: Vec<Decoded>,
    entries: u64,
    hashed_keys: u64,
    undecodable: BTreeMap<String, u64>,
    errors: Vec<String>,
}

fn is_opaque_error(e: &str) -> Option<String> {
    const NEEDLE: &str = "cannot delimit opaque value of class ";
    e.find(NEEDLE).map(|i| {
        e[i + NEEDLE.len()..]
            .split(' ')
            .next()
            .unwrap_or("")
            .to_string()
    })
}

fn check_key_group(
    t: &TypeInfo,
    key: &[u8],
    kg: i32,
    maxp: u32,
    st: &mut Stats,
) -> Result<(), String> {
    if let Some(h) = key_hash_code(t, key) {
        st.hashed_keys += 1;
        let want = key_group_for_hash(h, maxp);
        if want as i32 != kg {
            return Err(format!(
                "key {key:02x?} hashes to key group {want}, stored in {kg}"
            ));
        }
    }
    Ok(())
}

/// Reads `Flink variable int bytes` (little-endian, minimal) of a value known to be `len`.
fn skip_var_int_bytes(d: &mut DataInput<&[u8]>, mut len: u64) -> DecodeResult<()> {
    loop {
        d.u8("ambiguity length byte")?;
        len >>= 8;
        if len == 0 {
            return Ok(());
        }
    }
}

fn decode_all(t: &TypeInfo, bytes: &[u8], what: &str) -> Result<Value, String> {
    let name: Arc<str> = Arc::from(what);
    let mut d = DataInput::from_slice(&name, bytes, 0);
    let v = decode(t, &mut d).map_err(|e| e.to_string())?;
    if !d.rest().is_empty() {
        return Err(format!(
            "{what}: {} bytes left after decoding {t}",
            d.rest().len()
        ));
    }
    Ok(v)
}

/// One canonical entry: composite key and value bytes of state `s`.
fn canonical_entry(
    h: &KeyedHeader,
    s: &StateMetaInfo,
    key: &[u8],
    value: &[u8],
    kg: i32,
    maxp: u32,
    st: &mut Stats,
) -> Result<(), String> {
    let prefix = if maxp <= 128 { 1 } else { 2 };
    let p = key.get(..prefix).ok_or("key shorter than its prefix")?;
    let stored_kg = if prefix == 1 {
        (p[0] & 0x7F) as i32
    } else {
        (((p[0] & 0x7F) as i32) << 8) | p[1] as i32
    };
    if stored_kg != kg {
        return Err(format!("key-group prefix {stored_kg} in key group {kg}"));
    }
    let rest = &key[prefix..];
    let name: Arc<str> = Arc::from("key");
    let mut d = DataInput::from_slice(&name, rest, 0);
    if s.kind == StateKind::PriorityQueue {
        let t = s
            .value_type()
            .ok_or("timer state without element serializer")?;
        let v = decode(t, &mut d).map_err(|e| e.to_string())?;
        st.decoded
            .push((s.name.clone(), Value::Null, Value::Null, v.clone()));
        if !d.rest().is_empty() || !value.is_empty() {
            return Err("timer entry not fully consumed or value not empty".into());
        }
        if let (TypeInfo::Timer { key: kt, .. }, Value::Struct(_)) = (t, &v) {
            // the key's own bytes follow the 8-byte timestamp
            let after_ts = rest.get(8..).ok_or("timer shorter than its timestamp")?;
            let mut k = DataInput::from_slice(&name, after_ts, 0);
            decode(kt, &mut k).map_err(|e| e.to_string())?;
            let key_len = after_ts.len() - k.rest().len();
            check_key_group(kt, &after_ts[..key_len], kg, maxp, st)?;
        }
        return Ok(());
    }
    let kt = &h.key_serializer.ty;
    let ns = s.namespace_type().ok_or("no namespace serializer")?;
    let key_value = decode(kt, &mut d).map_err(|e| e.to_string())?;
    let key_len = rest.len() - d.rest().len();
    check_key_group(kt, &rest[..key_len], kg, maxp, st)?;
    let ambiguous = kt.fixed_len().is_none() && ns.fixed_len().is_none();
    if ambiguous {
        skip_var_int_bytes(&mut d, key_len as u64).map_err(|e| e.to_string())?;
    }
    let ns_start = d.rest().len();
    let ns_value = decode(ns, &mut d).map_err(|e| e.to_string())?;
    if ambiguous {
        let ns_len = ns_start - d.rest().len();
        skip_var_int_bytes(&mut d, ns_len as u64).map_err(|e| e.to_string())?;
    }
    // Entry-level types from the header (one entry per map user key, list elements
    // delimited, TTL unwrapped); on disk a TTL value is `i64` last access + the value.
    let et = s.entry_types();
    let vt = et.value.as_ref().ok_or("no value serializer")?;
    let stored = if et.ttl {
        TypeInfo::Ttl {
            inner: Box::new(vt.clone()),
        }
    } else {
        vt.clone()
    };
    match (&s.kind, &et.user_key) {
        (StateKind::Map, Some(uk)) => {
            decode(uk, &mut d).map_err(|e| e.to_string())?;
            let (null, v) = value.split_first().ok_or("empty map value")?;
            if *null == 0 {
                decode_all(&stored, v, "map value")?;
            } else if !v.is_empty() {
                return Err("null map value with bytes".into());
            }
        }
        (StateKind::List, _) => {
            let vn: Arc<str> = Arc::from("list");
            let mut vd = DataInput::from_slice(&vn, value, 0);
            while !vd.rest().is_empty() {
                decode(&stored, &mut vd).map_err(|e| e.to_string())?;
                if !vd.rest().is_empty() {
                    let delim = vd.u8("delimiter").map_err(|e| e.to_string())?;
                    if delim != b',' {
                        return Err(format!("list delimiter ',' expected, found {delim:02x}"));
                    }
                }
            }
        }
        _ => {
            let v = decode_all(&stored, value, "value")?;
            st.decoded.push((s.name.clone(), key_value, ns_value, v));
        }
    }
    if !d.rest().is_empty() {
        return Err(format!("{} key bytes left", d.rest().len()));
    }
    Ok(())
}

/// Walks one canonical key group; returns entries seen.
fn canonical_key_group(
    h: &KeyedHeader,
    bytes: &[u8],
    kg: i32,
    maxp: u32,
    st: &mut Stats,
) -> Result<(), String> {
    let name: Arc<str> = Arc::from("kg");
    let mut d = DataInput::from_slice(&name, bytes, 0);
    let mut state = d.u16("kvStateId").map_err(|e| e.to_string())? as usize;
    loop {
        let key = d.int_len_bytes("key").map_err(|e| e.to_string())?;
        let value = d.int_len_bytes("value").map_err(|e| e.to_string())?;
        let s = h.states.get(state).ok_or(format!("state id {state}"))?;
        let mut k = key.clone();
        let last = k.first().is_some_and(|b| b & 0x80 != 0);
        if let Some(b) = k.first_mut() {
            *b &= 0x7F;
        }
        st.entries += 1;
        if let Err(e) = canonical_entry(h, s, &k, &value, kg, maxp, st) {
            match is_opaque_error(&e) {
                Some(class) => *st.undecodable.entry(class).or_default() += 1,
                None => return Err(format!("state '{}': {e}", s.name)),
            }
        }
        if last {
            let next = d.u16("next state").map_err(|e| e.to_string())?;
            if next == 0xFFFF {
                break;
            }
            state = next as usize;
        }
    }
    if !d.rest().is_empty() {
        return Err(format!(
            "{} bytes after the end-of-key-group mark",
            d.rest().len()
        ));
    }
    Ok(())
}

/// Decodes, and checks that `skip` consumes the same number of bytes.
fn decode_checking_skip(t: &TypeInfo, d: &mut DataInput<&[u8]>) -> Result<Value, String> {
    let before = d.rest();
    let name: Arc<str> = Arc::from("probe");
    let mut probe = DataInput::from_slice(&name, before, 0);
    let skipped = skip(t, &mut probe).map(|_| before.len() - probe.rest().len());
    let v = decode(t, d).map_err(|x| x.to_string())?;
    let used = before.len() - d.rest().len();
    match skipped {
        Ok(n) if n == used => Ok(v),
        Ok(n) => Err(format!("skip consumed {n} bytes, decode {used}")),
        Err(x) => Err(format!("skip failed where decode worked: {x}")),
    }
}

/// Walks one heap-checkpoint key group `[start, end)`.
fn heap_key_group(
    h: &KeyedHeader,
    d: &mut DataInput<&[u8]>,
    kg: i32,
    maxp: u32,
    st: &mut Stats,
) -> Result<(), String> {
    let e = |x: flink_inspect::io::DecodeError| x.to_string();
    let stored = d.i32("key group").map_err(e)?;
    if stored != kg {
        return Err(format!("key group {stored} at the offset of {kg}"));
    }
    for _ in 0..h.states.len() {
        let id = d.i16("state id").map_err(e)? as usize;
        let s = h.states.get(id).ok_or(format!("state id {id}"))?;
        let n = d.i32("entry count").map_err(e)?;
        for _ in 0..n {
            st.entries += 1;
            if s.kind == StateKind::PriorityQueue {
                let t = s.value_type().ok_or("no element serializer")?;
                let v = decode(t, d).map_err(e)?;
                st.decoded
                    .push((s.name.clone(), Value::Null, Value::Null, v.clone()));
                if let (TypeInfo::Timer { key: kt, .. }, Value::Struct(f)) = (t, &v)
                    && let Some((_, kv)) = f.iter().find(|(n, _)| n == "key")
                    && let Some(hc) = flink_inspect::types::value_hash_code(kt, kv)
                {
                    st.hashed_keys += 1;
                    if key_group_for_hash(hc, maxp) as i32 != kg {
                        return Err(format!("timer key {kv:?} not in key group {kg}"));
                    }
                }
                continue;
            }
            let ns = s.namespace_type().ok_or("no namespace serializer")?;
            let ns_value = decode_checking_skip(ns, d)?;
            let kt = &h.key_serializer.ty;
            let key = decode(kt, d).map_err(e)?;
            if let Some(hc) = flink_inspect::types::value_hash_code(kt, &key) {
                st.hashed_keys += 1;
                if key_group_for_hash(hc, maxp) as i32 != kg {
                    return Err(format!("key {key:?} not in key group {kg}"));
                }
            }
            let vt = s.value_type().ok_or("no value serializer")?;
            let v = decode_checking_skip(vt, d).map_err(|x| format!("state '{}': {x}", s.name))?;
            st.decoded.push((s.name.clone(), key, ns_value, v));
        }
    }
    Ok(())
}

fn walk_stream(s: &KeyedStream, st: &mut Stats) -> Result<&'static str, String> {
    let name: Arc<str> = Arc::from(s.name.as_str());
    let mut d = DataInput::from_slice(&name, &s.bytes, 0);
    let h = read_keyed_header(&mut d).map_err(|e| e.to_string())?;
    let Layout::KeyGroups { kind, offsets } = &s.layout else {
        return Ok("meta");
    };
    let mut sorted: Vec<(i32, u64)> = offsets
        .iter()
        .filter(|(_, o)| *o != 0)
        .map(|(k, o)| (*k, *o as u64))
        .collect();
    sorted.sort_by_key(|(_, o)| *o);
    let end_of = |i: usize| sorted.get(i + 1).map_or(s.bytes.len() as u64, |(_, o)| *o);
    // Heap checkpoints write every key group of the range (no zero offsets) and start each
    // with the raw key-group number; canonical files start with a state id.
    let heap = *kind != KeyGroupsKind::Savepoint
        && !h.compressed
        && sorted.len() == offsets.len()
        && sorted.iter().all(|(kg, o)| {
            s.bytes
                .get(*o as usize..*o as usize + 4)
                .is_some_and(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]) == *kg)
        });
    for (i, (kg, off)) in sorted.iter().enumerate() {
        let end = end_of(i);
        let chunk = s
            .bytes
            .get(*off as usize..end as usize)
            .ok_or("offset beyond the stream")?;
        if heap {
            let mut kd = DataInput::from_slice(&name, chunk, *off);
            heap_key_group(&h, &mut kd, *kg, s.max_parallelism, st)
                .map_err(|e| format!("key group {kg}: {e}"))?;
            if !kd.rest().is_empty() {
                return Err(format!(
                    "key group {kg}: {} bytes left before the next offset",
                    kd.rest().len()
                ));
            }
        } else {
            let plain;
            let bytes = if h.compressed {
                let mut out = Vec::new();
                snap::read::FrameDecoder::new(chunk)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("key group {kg}: snappy: {e}"))?;
                plain = out;
                &plain[..]
            } else {
                chunk
            };
            canonical_key_group(&h, bytes, *kg, s.max_parallelism, st)
                .map_err(|e| format!("key group {kg}: {e}"))?;
        }
    }
    Ok(if heap { "heap" } else { "canonical" })
}

#[test]
fn every_canonical_and_heap_entry_decodes() {
    let (streams, _) = keyed_streams();
    if streams.is_empty() {
        eprintln!("fixtures not found; set FLINK_FIXTURES");
        return;
    }
    let mut st = Stats::default();
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    for s in &streams {
        if s.bytes.get(..4) == Some(&[0, 0, 0, 5]) {
            continue; // pre-1.7 layout, refused by design
        }
        match walk_stream(s, &mut st) {
            Ok(k) => *kinds.entry(k).or_default() += 1,
            Err(e) => match is_opaque_error(&e) {
                Some(class) => {
                    *st.undecodable
                        .entry(format!("{class} (heap stream)"))
                        .or_default() += 1
                }
                None => st.errors.push(format!("{}: {e}", s.desc)),
            },
        }
    }
    eprintln!(
        "streams {kinds:?}; {} entries, {} keys hashed to their key group; undecodable: {:?}; {} errors",
        st.entries,
        st.hashed_keys,
        st.undecodable,
        st.errors.len()
    );
    for e in st.errors.iter().take(15) {
        eprintln!("{e}");
    }
    assert!(st.errors.is_empty());
    assert!(st.hashed_keys > 1000);
}

/// Byte flips in real key groups give errors or values, never panics.
#[test]
fn corrupted_key_groups_fail_cleanly() {
    let (streams, _) = keyed_streams();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut tried = 0;
    for s in streams.iter().step_by(7) {
        let mut st = Stats::default();
        let Ok(kind) = walk_stream(s, &mut st) else {
            continue;
        };
        if kind == "meta" {
            continue;
        }
        let name: Arc<str> = Arc::from("corrupt");
        let mut d = DataInput::from_slice(&name, &s.bytes, 0);
        let Ok(h) = read_keyed_header(&mut d) else {
            continue;
        };
        let start = h.end as usize;
        if start >= s.bytes.len() || h.compressed {
            continue;
        }
        for _ in 0..20 {
            let mut b = s.bytes.clone();
            let i = start + (rnd() as usize) % (b.len() - start);
            b[i] ^= 1 << (rnd() % 8);
            let chunk = &b[start..];
            let Layout::KeyGroups { offsets, .. } = &s.layout else {
                continue;
            };
            let kg = offsets
                .iter()
                .find(|(_, o)| *o as usize == start)
                .map_or(0, |(k, _)| *k);
            if kind == "heap" {
                let mut kd = DataInput::from_slice(&name, chunk, 0);
                let _ = heap_key_group(&h, &mut kd, kg, s.max_parallelism, &mut st);
            } else {
                let _ = canonical_key_group(&h, chunk, kg, s.max_parallelism, &mut st);
            }
            tried += 1;
        }
    }
    assert!(tried > 100, "only {tried} corruptions tried");
}

fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match v {
        Value::Struct(f) => f.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        _ => None,
    }
}

/// `StatefulJobSnapshotMigrationITCase` (Flink's `flink-tests`) feeds `Tuple2(i, i)` for
/// i in 0..4 into operators keyed by `Tuple1(f0)`: the flat map stores `state-name = f1` under
/// VoidNamespace, the timely operator stores it under namespace `f0` and registers event- and
/// processing-time timers with namespace `f0`. So in every `new-stateful-udf-migration-itcase`
/// snapshot (canonical and heap, 1.10-2.x): value == key == namespace (when Long), timer
/// namespace == timer key, and the keys are exactly 0..4.
#[test]
fn udf_migration_values_match_the_test_job() {
    let (streams, _) = keyed_streams();
    let mut checked = 0;
    let mut keys = std::collections::BTreeSet::new();
    for s in streams
        .iter()
        .filter(|s| s.desc.contains("/new-stateful-udf-migration-itcase-"))
    {
        let mut st = Stats::default();
        walk_stream(s, &mut st).unwrap_or_else(|e| panic!("{}: {e}", s.desc));
        for (state, key, ns, value) in &st.decoded {
            if state.starts_with("_timer_state/") {
                let k = field(value, "key").and_then(|k| field(k, "f0")).cloned();
                assert_eq!(
                    k.as_ref(),
                    field(value, "namespace"),
                    "{}: timer {value:?}",
                    s.desc
                );
                keys.insert(format!("{k:?}"));
            } else {
                assert_eq!(state, "state-name");
                let k = field(key, "f0").cloned().unwrap_or(Value::Null);
                assert_eq!(&k, value, "{}: key {key:?} value {value:?}", s.desc);
                assert!(
                    matches!(ns, Value::Null) || *ns == k,
                    "{}: namespace {ns:?}",
                    s.desc
                );
                keys.insert(format!("{:?}", Some(k)));
            }
            checked += 1;
        }
    }
    if checked == 0 {
        return;
    }
    let want: std::collections::BTreeSet<String> = (0..4)
        .map(|i| format!("{:?}", Some(Value::Int(i))))
        .collect();
    assert_eq!(keys, want);
    assert!(checked > 500, "only {checked} entries checked");
    eprintln!("{checked} udf-migration entries match the test job");
}

/// Raw keyed state written by `InternalTimeServiceManager.snapshotToRawKeyedState` (RocksDB
/// backend with heap timers; in the fixtures: the raw keyed state of the
/// `new-stateful-broadcast-udf-migration-itcase-flink1.{8,9}-rocksdb-savepoint` operators): per key group a
/// post-versioned proxy (`F1CD859F`, version 2), then per timer service its name, the key and
/// namespace serializers as *nested* snapshots, and the event and processing timers as
/// (key, namespace, i64 timestamp). Every key group must be consumed exactly.
#[test]
fn legacy_raw_timer_state_decodes() {
    let streams = types_common::raw_keyed_streams();
    let mut timers = 0;
    for s in &streams {
        let Layout::KeyGroups { offsets, .. } = &s.layout else {
            continue;
        };
        let mut sorted: Vec<(i32, u64)> = offsets
            .iter()
            .filter(|(_, o)| *o >= 0)
            .map(|(k, o)| (*k, *o as u64))
            .collect();
        sorted.sort_by_key(|(_, o)| *o);
        let name: Arc<str> = Arc::from(s.name.as_str());
        for (i, (kg, off)) in sorted.iter().enumerate() {
            let end = sorted.get(i + 1).map_or(s.bytes.len() as u64, |(_, o)| *o);
            let chunk = &s.bytes[*off as usize..end as usize];
            let mut d = DataInput::from_slice(&name, chunk, *off);
            assert_eq!(d.u32("magic").unwrap(), 0xF1CD_859F, "{}", s.desc);
            assert_eq!(d.i32("version").unwrap(), 2);
            let services = d.i32("services").unwrap();
            for _ in 0..services {
                let service = d.utf("service").unwrap();
                let nested =
                    |d: &mut DataInput<&[u8]>| match flink_inspect::types::read_nested_snapshot(d)
                        .unwrap()
                    {
                        flink_inspect::types::Parsed::Known(t) => t,
                        other => panic!("{other:?}"),
                    };
                let kt = nested(&mut d);
                let nt = nested(&mut d);
                for _ in 0..2 {
                    let n = d.i32("timer count").unwrap();
                    for _ in 0..n {
                        let key = decode(&kt, &mut d).unwrap();
                        decode(&nt, &mut d).unwrap();
                        d.i64("timestamp").unwrap();
                        if let Some(h) = flink_inspect::types::value_hash_code(&kt, &key) {
                            assert_eq!(
                                key_group_for_hash(h, s.max_parallelism) as i32,
                                *kg,
                                "{service}"
                            );
                        }
                        timers += 1;
                    }
                }
            }
            assert!(
                d.rest().is_empty(),
                "{}: key group {kg}: {} bytes left",
                s.desc,
                d.rest().len()
            );
        }
    }
    if !streams.is_empty() {
        assert!(timers > 0, "no legacy timers found");
        eprintln!("{timers} legacy raw-state timers decoded");
    }
}

/// SQL state against the program that wrote it: `GroupAggregateTestPrograms.GROUP_BY_SIMPLE`
/// (flink-table-planner tests) runs `SELECT b, COUNT(*), AVG(a) FILTER (WHERE a > 1), MIN(c)
/// FROM source_t GROUP BY b` over rows (1, 1, "Hi"), (2, 2, "Hello"), (2, 2, "Hello World")
/// before the savepoint. The accumulator row per key `b` is (count, sum of a > 1, count of
/// a > 1, min c): b = 1 → (1, 0, 0, "Hi"), b = 2 → (2, 4, 2, "Hello").
#[test]
fn sql_group_aggregate_accumulators_match_the_program() {
    let (streams, _) = keyed_streams();
    let Some(s) = streams.iter().find(|s| {
        s.desc
            .contains("/stream-exec-group-aggregate_1/group-aggregate-simple/")
    }) else {
        return;
    };
    let mut st = Stats::default();
    walk_stream(s, &mut st).unwrap();
    let row = |vals: Vec<Value>| Value::Row {
        kind: "+I",
        fields: vals
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("f{i}"), v))
            .collect(),
    };
    let mut got: Vec<(Value, Value)> = st
        .decoded
        .iter()
        .filter(|(name, ..)| name == "accState")
        .map(|(_, k, _, v)| (k.clone(), v.clone()))
        .collect();
    got.sort_by_key(|(k, _)| format!("{k:?}"));
    let s = |x: &str| Value::String(x.into());
    let want = vec![
        (
            row(vec![Value::Int(1)]),
            row(vec![Value::Int(1), Value::Int(0), Value::Int(0), s("Hi")]),
        ),
        (
            row(vec![Value::Int(2)]),
            row(vec![
                Value::Int(2),
                Value::Int(4),
                Value::Int(2),
                s("Hello"),
            ]),
        ),
    ];
    assert_eq!(got, want);
}
