//! Every SST file of the real Flink fixtures (RocksDB checkpoints and native savepoints, Flink
//! 1.16–2.3) read by our reader and compared with what Debian's `sst_dump` prints for it.

mod common;
mod sst_common;

use flink_inspect::rocksdb::SstFile;
use sst_common::*;

#[test]
fn fixture_ssts_match_sst_dump() {
    let dir = common::fixtures();
    let files = find_ssts(&dir);
    // The fixtures hold 434 SSTs (Flink 1.16-2.3 RocksDB checkpoints / native savepoints).
    assert!(
        files.len() >= 400,
        "found only {} SST files under {}",
        files.len(),
        dir.display()
    );
    // Our reader must at least open and iterate every file even without the oracle.
    let mut total = 0;
    for f in &files {
        let file = SstFile::open(open_local(f)).unwrap_or_else(|e| panic!("{e}"));
        let mut n = 0;
        for r in file.entries() {
            r.unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
        assert_eq!(n as u64, file.properties().num_entries, "{}", f.display());
        assert!(
            file.properties().column_family_name.is_some(),
            "{}",
            f.display()
        );
        total += n;
    }
    assert!(total > 0);
    if !have_sst_dump("fixture_ssts_match_sst_dump") {
        return;
    }
    let dumps = sst_dump_all(&files, "fixtures");
    let mut compared = 0;
    for (f, d) in files.iter().zip(&dumps) {
        compared += check_against_dump(f, d);
    }
    assert_eq!(compared, total);
    eprintln!(
        "compared {compared} entries of {} fixture SSTs with sst_dump",
        files.len()
    );
}
