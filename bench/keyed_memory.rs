//! Memory benchmark (not a test): peak RSS while reading canonical key groups of growing size.
//!
//! Builds synthetic canonical state files (the real header of a testdata savepoint, then 128 key
//! groups of `count` entries: String key, VoidNamespace, Long value) with 1x, 4x, 16x, 64x the
//! entries, reads each with `keyed::source::read_key_groups` decoding every entry, and prints
//! entries, file size and the process's peak RSS (`VmHWM`) after each size. Flat memory means
//! the peak does not grow with the file. Run: `cargo run --release --example keyed_memory`. Measured (debug build, 2 shared cores):
//! 128 000 entries / 2.8 MB → peak RSS 3.3 MiB; 8 192 000 entries / 196 MB → 5.1 MiB.

use std::io::Write;
use std::ops::ControlFlow;
use std::sync::Arc;

use flink_inspect::io::{DataInput, LocalFile};
use flink_inspect::keyed::header::read_keyed_header;
use flink_inspect::keyed::source::read_key_groups;
use flink_inspect::keyed::stream::StateStream;
use flink_inspect::keyed::typed::decode_entry;
use flink_inspect::keyed::{Filter, WorkUnit};
use flink_inspect::metadata::{KeyGroupRange, KeyGroupsHandle, KeyGroupsKind, KeyedHandle};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let sp = root.join("testdata/flink-2.3.0/keyed-hashmap-p1-savepoint/savepoint");
    // the largest state file of the savepoint holds the keyed state
    let mut files: Vec<_> = std::fs::read_dir(&sp)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n != "_metadata"))
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0));
    let src = std::fs::read(files.last().ok_or("no state file")?)?;
    let name: Arc<str> = Arc::from("header");
    let header = read_keyed_header(&mut DataInput::from_slice(&name, &src, 0))?;
    let id = header
        .states
        .iter()
        .position(|s| s.name == "count")
        .ok_or("no 'count' state")? as u16;
    let meta = header.states[id as usize].clone();
    let key_t = header.key_serializer.ty.clone();
    let width = meta
        .value_type()
        .and_then(|t| t.fixed_len())
        .ok_or("'count' is not fixed-length")? as usize;
    let head = &src[..header.end as usize];
    let tmp = std::env::temp_dir().join("flink-inspect-keyed-memory.bin");
    println!("entries,file_bytes,peak_rss_kib");
    for scale in [1u64, 4, 16, 64] {
        let per_kg = 1000 * scale;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        f.write_all(head)?;
        let mut pos = head.len() as u64;
        let mut offsets = Vec::new();
        for kg in 0..128u32 {
            offsets.push(pos as i64);
            let mut b = Vec::new();
            b.extend(id.to_be_bytes());
            for i in 0..per_kg {
                let s = format!("k{kg}-{i}");
                let mut key = vec![kg as u8, s.len() as u8 + 1];
                key.extend(s.bytes());
                key.push(0);
                if i + 1 == per_kg {
                    key[0] |= 0x80;
                }
                b.extend((key.len() as i32).to_be_bytes());
                b.extend(&key);
                b.extend((width as i32).to_be_bytes());
                b.extend(&(i as i64).to_be_bytes()[8 - width..]);
            }
            b.extend(0xFFFFu16.to_be_bytes());
            f.write_all(&b)?;
            pos += b.len() as u64;
        }
        f.flush()?;
        drop(f);
        let file = Arc::new(LocalFile::open(&tmp)?);
        let stream = StateStream {
            file,
            base: 0,
            len: pos,
        };
        let h = KeyGroupsHandle {
            kind: KeyGroupsKind::Savepoint,
            range: KeyGroupRange {
                start: 0,
                count: 128,
            },
            offsets,
            delegate: None,
            state_handle_id: None,
        };
        let kh = KeyedHandle::KeyGroups(h.clone());
        let unit = WorkUnit {
            subtask: 0,
            handle: &kh,
            first: 0,
            last: 127,
        };
        let mut n = 0u64;
        let r = read_key_groups(&stream, &h, &unit, 128, &Filter::default(), &mut |e| {
            if decode_entry(&key_t, &meta, e).is_ok() {
                n += 1;
            }
            ControlFlow::Continue(())
        });
        if !r.errors.is_empty() {
            return Err(format!("{:?}", r.errors[0]).into());
        }
        println!("{n},{pos},{}", peak_rss_kib());
    }
    let _ = std::fs::remove_file(&tmp);
    Ok(())
}
