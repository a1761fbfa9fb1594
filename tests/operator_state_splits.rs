//! Split and coordinator layouts on byte sequences built here from the documented layouts
//! (formats/operator-state.md §6-§7), independently of the decoders.

use std::sync::Arc;

use flink_inspect::operator_state::coordinator::{Enumerator, decode_source_coordinator};
use flink_inspect::operator_state::splits::{Split, decode_reader_state_element, decode_split};

/// A tiny big-endian writer, the way a Java `DataOutputStream` writes.
#[derive(Default)]
struct Out(Vec<u8>);

impl Out {
    fn i32(mut self, v: i32) -> Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn i64(mut self, v: i64) -> Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn bool(mut self, v: bool) -> Self {
        self.0.push(v as u8);
        self
    }
    /// `writeUTF` for ASCII text: u16 length, bytes.
    fn utf(mut self, s: &str) -> Self {
        self.0.extend((s.len() as u16).to_be_bytes());
        self.0.extend(s.as_bytes());
        self
    }
    /// `StringValue` for ASCII text shorter than 127 chars: varint(len + 1), one byte a char.
    fn string_value(mut self, s: &str) -> Self {
        self.0.push(s.len() as u8 + 1);
        self.0.extend(s.as_bytes());
        self
    }
    fn nullable(self, s: Option<&str>) -> Self {
        match s {
            Some(s) => self.bool(true).string_value(s),
            None => self.bool(false),
        }
    }
    fn raw(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
}

fn name() -> Arc<str> {
    Arc::from("test")
}

/// A `SourceReaderState` element: byte-array length, then version, length, split bytes.
fn element(version: i32, split: &[u8]) -> Vec<u8> {
    let inner = Out::default()
        .i32(version)
        .i32(split.len() as i32)
        .raw(split)
        .0;
    Out::default().i32(inner.len() as i32).raw(&inner).0
}

#[test]
fn kafka_split() {
    let split = Out::default()
        .utf("orders")
        .i32(3)
        .i64(1234)
        .i64(i64::MIN)
        .0;
    assert_eq!(split.len(), 2 + 6 + 4 + 8 + 8);
    let e = element(0, &split);
    let v = decode_reader_state_element(&name(), &e, 100).unwrap();
    assert_eq!(v.serializer_version, 0);
    assert_eq!(v.len as usize, split.len());
    assert_eq!(
        v.split,
        Split::Kafka {
            topic: "orders".into(),
            partition: 3,
            starting_offset: 1234,
            stopping_offset: None
        }
    );
    // A bounded split, earliest offset.
    let split = Out::default().utf("t").i32(0).i64(-2).i64(99).0;
    assert_eq!(
        decode_split(&name(), 0, &split, 0),
        Split::Kafka {
            topic: "t".into(),
            partition: 0,
            starting_offset: -2,
            stopping_offset: Some(99)
        }
    );
}

#[test]
fn file_split_both_layouts() {
    let path = |o: Out| {
        o.bool(true)
            .nullable(Some("file"))
            .nullable(None)
            .nullable(None)
            .i32(-1)
            .nullable(Some("/data/in/part-0.csv"))
            .nullable(None)
            .nullable(None)
    };
    // Flink 1.15+: with modification time and file size.
    let new = path(Out::default().utf("0000000001"))
        .i64(0)
        .i64(4096)
        .i64(1_700_000_000_000)
        .i64(8192)
        .i32(1)
        .utf("localhost")
        .bool(true)
        .i64(2048)
        .i64(5)
        .0;
    match decode_split(&name(), 1, &new, 0) {
        Split::File {
            id,
            path,
            offset,
            length,
            modification_time,
            file_size,
            hosts,
            reader_position,
        } => {
            assert_eq!(id, "0000000001");
            assert_eq!(path.as_deref(), Some("file:/data/in/part-0.csv"));
            assert_eq!((offset, length), (0, 4096));
            assert_eq!(modification_time, Some(1_700_000_000_000));
            assert_eq!(file_size, Some(8192));
            assert_eq!(hosts, vec!["localhost".to_string()]);
            assert_eq!(reader_position, Some((2048, 5)));
        }
        other => panic!("{other:?}"),
    }
    // Before 1.15: no modification time and size, no reader position, an HDFS URI.
    let old = Out::default()
        .utf("7")
        .bool(true)
        .nullable(Some("hdfs"))
        .nullable(None)
        .nullable(Some("nn"))
        .i32(8020)
        .nullable(Some("/x"))
        .nullable(None)
        .nullable(None)
        .i64(10)
        .i64(20)
        .i32(0)
        .bool(false)
        .0;
    match decode_split(&name(), 1, &old, 0) {
        Split::File {
            path,
            modification_time,
            reader_position,
            ..
        } => {
            assert_eq!(path.as_deref(), Some("hdfs://nn:8020/x"));
            assert_eq!(modification_time, None);
            assert_eq!(reader_position, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn number_sequence_split_and_unknown_splits() {
    let split = Out::default().utf("0").i64(5).i64(99).0;
    assert_eq!(
        decode_split(&name(), 1, &split, 0),
        Split::NumberSequence {
            id: "0".into(),
            from: 5,
            to: 99
        }
    );
    // Same bytes under a version nobody here knows: opaque, bytes kept.
    assert_eq!(
        decode_split(&name(), 7, &split, 0),
        Split::Opaque {
            bytes: split.clone()
        }
    );
    // Kafka version but one byte too many: opaque.
    let mut k = Out::default().utf("t").i32(0).i64(1).i64(2).0;
    k.push(0);
    assert!(matches!(
        decode_split(&name(), 0, &k, 0),
        Split::Opaque { .. }
    ));
}

#[test]
fn reader_state_element_framing_errors_name_the_offset() {
    let mut e = element(0, &Out::default().utf("t").i32(0).i64(1).i64(2).0);
    e.truncate(e.len() - 1);
    let err = decode_reader_state_element(&name(), &e, 1000).unwrap_err();
    assert_eq!(err.offset, 1000, "{err}");
    // Inner length disagreeing with the bytes present.
    let mut e = element(0, b"abc");
    let n = e.len();
    e[n - 4] = 9; // last byte of the inner length field is at n - 3 - 1
    let err = decode_reader_state_element(&name(), &e, 0).unwrap_err();
    assert_eq!(err.offset, 8, "{err}");
}

#[test]
fn source_coordinator_framing() {
    let splits = Out::default()
        .i32(2)
        .utf("0")
        .i64(0)
        .i64(9)
        .utf("1")
        .i64(10)
        .i64(19)
        .0;
    let bytes = Out::default()
        .i32(1)
        .i32(1)
        .i32(splits.len() as i32)
        .raw(&splits)
        .0;
    let c = decode_source_coordinator(&name(), &bytes).unwrap();
    assert_eq!((c.serde_version, c.enumerator_version), (1, 1));
    assert_eq!(c.enumerator_len as usize, splits.len());
    assert_eq!(c.trailing, 0);
    match c.enumerator {
        Enumerator::NumberSequence { remaining } => {
            assert_eq!(remaining.len(), 2);
            assert_eq!(
                remaining[1],
                Split::NumberSequence {
                    id: "1".into(),
                    from: 10,
                    to: 19
                }
            );
        }
        other => panic!("{other:?}"),
    }
    // Serde version 1 allows nothing after the enumerator bytes.
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(decode_source_coordinator(&name(), &extra).is_err());
    // Serde version 0 (Flink 1.11-1.12) is followed by the split assignments.
    let mut v0 = bytes.clone();
    v0[3] = 0;
    v0.extend([0, 0, 0, 0]);
    let c = decode_source_coordinator(&name(), &v0).unwrap();
    assert_eq!(c.trailing, 4);
    // An enumerator length beyond the bytes.
    let mut bad = bytes.clone();
    bad[11] = 200;
    let err = decode_source_coordinator(&name(), &bad).unwrap_err();
    assert_eq!(err.offset, 8, "{err}");
}
