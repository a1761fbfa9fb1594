//! The machine's limit for reading a snapshot's keyed state: the same files read with the same
//! I/O pattern as the readers (canonical and heap key groups: sequential 1 MiB range reads per
//! key group; SST files: one positioned read per data block), Snappy-decompressed, and nothing
//! else: no entry is parsed, no checksum verified, no key group or state looked at. Work is
//! spread over rayon's pool (one thread per core), key group by key group and file by file.
//!
//! Run: `cargo run --release --example read_limit -- LOCATION` (a savepoint or `chk-N` folder).
//! Prints one JSON object: stored and decompressed bytes, seconds, MB/s of each (MB = 10^6).

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use flink_inspect::io::{DataInput, ReadAt};
use flink_inspect::keyed::header::read_keyed_header_until;
use flink_inspect::keyed::source::{Format, detect_format};
use flink_inspect::keyed::stream::{StateStream, open_stream};
use flink_inspect::metadata::{KeyGroupsHandle, KeyedHandle, read_metadata};
use flink_inspect::rocksdb::{NativeSnapshot, SstFile};
use flink_inspect::store::{PathResolver, StoreOptions, Stores, resolve};

/// One piece of work.
enum Work {
    /// `[start, end)` of a key-group stream; `skip` leading bytes (a heap key group's number)
    /// are read but not decompressed.
    Span {
        stream: StateStream,
        start: u64,
        end: u64,
        skip: u64,
        compressed: bool,
    },
    /// Every data block of one SST file.
    Sst(Arc<dyn ReadAt>),
}

#[derive(Default)]
struct Totals {
    stored: AtomicU64,
    plain: AtomicU64,
}

fn key_group_spans(
    h: &KeyGroupsHandle,
    resolver: &PathResolver,
    out: &mut Vec<Work>,
) -> Result<()> {
    let Some(d) = &h.delegate else { return Ok(()) };
    let s = open_stream(d, resolver).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut starts: Vec<u64> = h
        .offsets
        .iter()
        .filter(|o| **o > 0)
        .map(|o| *o as u64)
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let header_end = starts.first().copied().unwrap_or(s.len);
    let mut d = DataInput::new(s.name(), s.range(0, header_end), 0, Some(header_end));
    let header = read_keyed_header_until(&mut d, Some(header_end))?;
    let skip = match detect_format(h, &s, &header)? {
        Format::HeapCheckpoint => 4,
        _ => 0,
    };
    for (i, start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(s.len);
        out.push(Work::Span {
            stream: s.clone(),
            start: *start,
            end,
            skip,
            compressed: header.compressed,
        });
    }
    Ok(())
}

fn plan(location: &str) -> Result<Vec<Work>> {
    let stores = Stores::new(StoreOptions { concurrency: 16 });
    let loc = resolve(&stores, location)?;
    let meta = read_metadata(loc.backend.open(&loc.metadata)?.as_ref())?;
    let resolver = PathResolver::new(&stores, &loc, Vec::new());
    let mut work = Vec::new();
    for op in &meta.operators {
        for (_, sub) in &op.subtasks {
            match &sub.managed_keyed_state {
                Some(KeyedHandle::KeyGroups(h)) => key_group_spans(h, &resolver, &mut work)?,
                Some(KeyedHandle::Incremental(h)) => {
                    let snap = NativeSnapshot::open(h, &resolver)?;
                    for sst in &snap.ssts {
                        let s = open_stream(&sst.handle, &resolver)
                            .map_err(|e| anyhow::anyhow!("{e}"))?;
                        work.push(Work::Sst(s.file));
                    }
                }
                Some(_) => bail!("a keyed handle kind this program does not read"),
                None => {}
            }
        }
    }
    Ok(work)
}

fn run(w: &Work, totals: &Totals) -> Result<()> {
    let mut buf = vec![0u8; 64 << 10];
    match w {
        Work::Span {
            stream,
            start,
            end,
            skip,
            compressed,
        } => {
            let mut r = stream.range(*start, *end);
            std::io::copy(&mut (&mut r).take(*skip), &mut std::io::sink())?;
            let mut plain = 0u64;
            if *compressed {
                let mut dec = snap::read::FrameDecoder::new(r);
                loop {
                    let n = dec.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    plain += n as u64;
                }
            } else {
                plain = std::io::copy(&mut r, &mut std::io::sink())?;
            }
            totals.stored.fetch_add(end - start, Ordering::Relaxed);
            totals.plain.fetch_add(plain, Ordering::Relaxed);
        }
        Work::Sst(file) => {
            let sst = SstFile::open(Arc::clone(file))?;
            let mut dec = snap::raw::Decoder::new();
            for h in sst.data_block_handles() {
                let h = h?;
                let raw = file.read_at(h.offset, h.size as usize + 5)?;
                let (body, trailer) = raw.split_at((h.size as usize).min(raw.len()));
                let plain = match trailer.first() {
                    Some(0) => body.len(),
                    Some(1) => {
                        let n = snap::raw::decompress_len(body)?;
                        if buf.len() < n {
                            buf.resize(n, 0);
                        }
                        dec.decompress(body, &mut buf)
                            .with_context(|| format!("{}: block at {}", file.name(), h.offset))?
                    }
                    other => bail!("{}: block compression {other:?} is not Snappy", file.name()),
                };
                totals.stored.fetch_add(raw.len() as u64, Ordering::Relaxed);
                totals.plain.fetch_add(plain as u64, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    let Some(location) = std::env::args().nth(1) else {
        bail!("usage: read_limit LOCATION");
    };
    let t0 = Instant::now();
    let work = plan(&location)?;
    let totals = Totals::default();
    work.par_iter().try_for_each(|w| run(w, &totals))?;
    let secs = t0.elapsed().as_secs_f64();
    let stored = totals.stored.load(Ordering::Relaxed);
    let plain = totals.plain.load(Ordering::Relaxed);
    println!(
        "{{\"location\":{:?},\"units\":{},\"threads\":{},\"stored_bytes\":{stored},\"decompressed_bytes\":{plain},\"seconds\":{secs:.3},\"stored_mb_per_s\":{:.1},\"decompressed_mb_per_s\":{:.1}}}",
        location,
        work.len(),
        rayon::current_num_threads(),
        stored as f64 / 1e6 / secs,
        plain as f64 / 1e6 / secs
    );
    Ok(())
}
