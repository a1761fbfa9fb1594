//! `--key`: the entries of one key equal the ground truth for that key, and only that key
//! group's bytes are read (checked with a counting `ReadAt` under the library reader, and with
//! the key groups the reader reports).

mod common;
mod keyed_common;

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde_json::Value as J;

use flink_inspect::io::{DecodeResult, LocalFile, ReadAt};
use flink_inspect::keyed::key_arg::key_arg;
use flink_inspect::keyed::source::read_key_groups;
use flink_inspect::keyed::stream::StateStream;
use flink_inspect::keyed::{Filter, WorkUnit, catalog, find_operator, plan};
use flink_inspect::metadata::{KeyedHandle, StreamHandle};

struct Counting {
    inner: LocalFile,
    reads: Mutex<Vec<(u64, usize)>>,
}

impl ReadAt for Counting {
    fn name(&self) -> &Arc<str> {
        self.inner.name()
    }
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn read_at(&self, offset: u64, len: usize) -> DecodeResult<Bytes> {
        self.reads.lock().unwrap().push((offset, len));
        self.inner.read_at(offset, len)
    }
}

fn truth_for(case: &str, key: &str) -> Vec<J> {
    std::fs::read_to_string(
        common::testdata()
            .join(case)
            .join("savepoint.readback.jsonl"),
    )
    .unwrap()
    .lines()
    .map(|l| serde_json::from_str::<J>(l).unwrap())
    .filter(|j| j["key"] == J::String(key.into()))
    .collect()
}

#[test]
fn key_filter_reads_one_key_group_and_matches_the_truth() {
    let case = "flink-2.3.0/keyed-hashmap-savepoint";
    let dir = common::testdata().join(case).join("savepoint");
    let key = "k0007";
    let truth = truth_for(case, key);
    assert!(!truth.is_empty());

    // CLI: the same entries as the truth for that key
    let out = common::run([
        "state",
        dir.to_str().unwrap(),
        "--operator",
        "main-keyed",
        "--key",
        key,
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let got: Vec<J> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(got.iter().all(|j| j["key"] == J::String(key.into())));
    // value states: exact values; map: user key → value; list: elements in order; timers:
    // timestamps (as multisets)
    let mut want_simple: Vec<String> = Vec::new();
    for t in &truth {
        let kind = t["kind"].as_str().unwrap();
        match kind {
            "list" => {
                for (i, v) in t["value"].as_array().unwrap().iter().enumerate() {
                    want_simple.push(format!("{} {i} {v}", t["state"].as_str().unwrap()));
                }
            }
            "event_timer" | "processing_timer" => want_simple.push(format!(
                "timer {} {}",
                kind.trim_end_matches("_timer"),
                t["timestamp"]
            )),
            "map" => want_simple.push(format!(
                "{} {} {}",
                t["state"].as_str().unwrap(),
                t["user_key"],
                t["value"]
            )),
            _ => want_simple.push(format!("{} {}", t["state"].as_str().unwrap(), t["value"])),
        }
    }
    let mut got_simple: Vec<String> = Vec::new();
    for g in &got {
        let state = g["state"].as_str().unwrap();
        match g["kind"].as_str().unwrap() {
            "list" => got_simple.push(format!("{state} {} {}", g["index"], g["value"])),
            "timer" => got_simple.push(format!(
                "timer {} {}",
                g["time_domain"].as_str().unwrap(),
                g["timestamp"]
            )),
            "map" => got_simple.push(format!("{state} {} {}", g["user_key"], g["value"])),
            "aggregating" => {
                // the generator prints the accumulator tuple; we print it as an object too
                got_simple.push(format!("{state} {}", g["value"]))
            }
            _ => got_simple.push(format!("{state} {}", g["value"])),
        }
    }
    want_simple.sort();
    got_simple.sort();
    assert_eq!(got_simple, want_simple);

    // library: only the key group of the key is read
    let o = keyed_common::open(&dir);
    let resolver = o.resolver();
    let (_, op) = find_operator(&o.snapshot.operators, "main-keyed").unwrap();
    let cat = catalog(op, &resolver).unwrap().unwrap();
    let maxp = op.max_parallelism as u32;
    let ka = key_arg(&cat.header.key_serializer.ty, key, maxp).unwrap();
    let kg = ka.key_group.expect("a String key's group is known");
    let filter = Filter {
        key_groups: Some((kg, kg)),
        key: Some(ka.bytes.clone().into()),
        ..Filter::default()
    };
    let units: Vec<WorkUnit> = plan(op, &filter, 4);
    assert_eq!(units.len(), 1, "one unit holds the key group");
    let u = &units[0];
    let KeyedHandle::KeyGroups(h) = u.handle else {
        panic!()
    };
    let Some(StreamHandle::Relative { relative_path, .. }) = &h.delegate else {
        panic!()
    };
    let counting = Arc::new(Counting {
        inner: LocalFile::open(&dir.join(relative_path)).unwrap(),
        reads: Mutex::new(Vec::new()),
    });
    let len = counting.size();
    let stream = StateStream {
        file: counting.clone(),
        base: 0,
        len,
    };
    let mut n = 0;
    let r = read_key_groups(&stream, h, u, maxp, &filter, &mut |e| {
        assert_eq!(e.key.as_ref(), &ka.bytes[..]);
        n += 1;
        ControlFlow::Continue(())
    });
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.key_groups_read, vec![kg]);
    assert!(n > 0);
    let start = h.offset_of(kg as i32).unwrap() as u64;
    let header_end = h.offsets.iter().filter(|o| **o > 0).min().copied().unwrap() as u64;
    let end = h
        .offsets
        .iter()
        .filter(|o| **o as u64 > start)
        .min()
        .map_or(len, |o| *o as u64);
    for (off, l) in counting.reads.lock().unwrap().iter() {
        let inside_header = off + *l as u64 <= header_end;
        let inside_kg = *off >= start && off + *l as u64 <= end;
        assert!(
            inside_header || inside_kg,
            "read {off}+{l} outside the header [0,{header_end}) and key group [{start},{end})"
        );
    }
}
