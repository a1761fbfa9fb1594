//! Damaged `_metadata`: every truncation, corrupted tags, absurd lengths. Each must give an
//! error naming the file and an offset inside it, never a panic or a huge allocation.

mod common;

use flink_inspect::io::MemFile;
use flink_inspect::metadata::{self, Snapshot};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(common::fixtures().join(rel)).unwrap()
}

fn parse(bytes: &[u8]) -> Result<Snapshot, flink_inspect::io::DecodeError> {
    metadata::read_metadata(&MemFile::new("damaged/_metadata", bytes.to_vec()))
}

const V5: &str = "flink-tests/src/test/resources/operatorstate/complexKeyed-flink2.0/_metadata";
const V2: &str = "flink-end-to-end-tests/flink-state-evolution-test/savepoints/1.6/_metadata";
const V4_CHANNELS: &str = "flink-tests/src/test/resources/new-stateful-udf-migration-itcase-flink1.17-rocksdb-checkpoint/_metadata";
const V4_CHANGELOG: &str = "flink-tests/src/test/resources/new-stateful-udf-migration-itcase-flink1.17-hashmap-checkpoint/_metadata";
const V6: &str = "flink-tests/src/test/resources/operatorstate/complexKeyed-flink2.1/_metadata";

#[test]
fn every_truncation_is_an_error_inside_the_file() {
    for rel in [V2, V4_CHANNELS, V4_CHANGELOG, V5, V6] {
        let full = fixture(rel);
        assert!(parse(&full).is_ok());
        for cut in 0..full.len() {
            let e = match parse(&full[..cut]) {
                Ok(_) => panic!("{rel}: a {cut}-byte prefix parsed"),
                Err(e) => e,
            };
            assert_eq!(&*e.file, "damaged/_metadata");
            assert!(e.offset <= cut as u64, "{rel}: cut {cut}: {e}");
        }
    }
}

#[test]
fn trailing_garbage_is_reported_where_it_starts() {
    let mut b = fixture(V5);
    let len = b.len() as u64;
    b.extend_from_slice(&[0, 0, 0]);
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, len);
    assert!(e.expected.contains("3 more bytes"), "{e}");
}

#[test]
fn corrupted_operator_handle_tag_names_tag_offset_and_place() {
    // In complexKeyed-flink2.0, byte 0x4a is the tag (4) of operator 0's subtask 0 managed
    // operator state handle (see the annotated dump in formats/metadata.md).
    let mut b = fixture(V5);
    assert_eq!(b[0x4a], 4);
    b[0x4a] = 9;
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, 0x4a);
    assert!(e.expected.contains("found tag 9"), "{e}");
    let ctx = e.context.as_deref().unwrap();
    assert!(
        ctx.starts_with(
            "operator 0 (id 6730ef7375fb60f9d9bbdfdfd174d803, uid \"second\"), subtask 0, managed operator state"
        ),
        "{ctx}"
    );
}

#[test]
fn corrupted_stream_handle_tag() {
    // Byte 0x67 is the delegate tag (1 = inline) of that operator handle.
    let mut b = fixture(V5);
    assert_eq!(b[0x67], 1);
    b[0x67] = 0x2a;
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, 0x67);
    assert!(e.expected.contains("stream state handle tag"), "{e}");
    assert!(e.expected.contains("found tag 42"), "{e}");
}

#[test]
fn corrupted_distribution_mode() {
    let mut b = fixture(V5);
    assert_eq!(b[0x5a], 0);
    b[0x5a] = 7;
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, 0x5a);
    assert!(e.expected.contains("found 7"), "{e}");
}

#[test]
fn huge_lengths_fail_fast_without_allocating() {
    // Inline data length at 0x8e (0xc2 bytes) set to 2 GiB - 1.
    let mut b = fixture(V5);
    assert_eq!(&b[0x8e..0x92], &[0, 0, 0, 0xc2]);
    b[0x8e..0x92].copy_from_slice(&[0x7f, 0xff, 0xff, 0xff]);
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, 0x8e);
    assert!(e.expected.contains("remain"), "{e}");

    // Number of operators at 0x14 set to i32::MAX.
    let mut b = fixture(V5);
    b[0x14..0x18].copy_from_slice(&[0x7f, 0xff, 0xff, 0xff]);
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, 0x14);
    assert!(e.expected.contains("number of operator states"), "{e}");

    // Number of partition offsets at 0x5b set to a negative count.
    let mut b = fixture(V5);
    b[0x5b..0x5f].copy_from_slice(&[0xff, 0xff, 0xff, 0xfe]);
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, 0x5b);
    assert!(e.expected.contains("found -2"), "{e}");
}

#[test]
fn versions_and_magic() {
    let mut b = fixture(V5);
    b[7] = 7;
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, 4);
    assert!(
        e.expected.contains("metadata version 7 is not supported"),
        "{e}"
    );
    b[7] = 1;
    assert!(parse(&b).unwrap_err().expected.contains("version 1"));
    b[7] = 0x63;
    let e = parse(&b).unwrap_err();
    assert!(e.expected.contains("unknown version 99"), "{e}");
    b[0] = 0;
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, 0);
    assert!(e.expected.contains("magic"), "{e}");
}

#[test]
fn corrupted_trailer_is_reported_in_the_trailer() {
    let mut b = fixture(V5);
    let at = b.windows(4).rposition(|w| w == [0xac, 0xed, 0, 5]).unwrap();
    b[at + 4] = 0x6f; // not a type code
    let e = parse(&b).unwrap_err();
    assert_eq!(e.offset, at as u64 + 4);
    assert!(e.expected.contains("0x6f"), "{e}");
    assert!(e.context.unwrap().contains("checkpoint properties"));
}
