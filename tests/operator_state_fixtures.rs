//! Every operator state in Flink's own test snapshots (1.6 to 2.1, the non-keyed and broadcast
//! migration snapshots among them) reads and decodes without error.

mod opstate_common;

use opstate_common::{Opened, find_metadata, fixtures};

#[test]
fn every_fixture_operator_state_decodes() {
    let mut files = Vec::new();
    find_metadata(&fixtures(), &mut files);
    let mut failures = Vec::new();
    let (mut snapshots, mut handles, mut entries, mut states) = (0, 0, 0u64, 0);
    for md in &files {
        let dir = md.parent().unwrap();
        let o = match Opened::open(dir) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        let mut any = false;
        for (i, op) in o.snapshot.operators.iter().enumerate() {
            let n = op
                .subtasks
                .iter()
                .filter(|(_, s)| s.managed_operator_state.is_some())
                .count();
            if n == 0 {
                continue;
            }
            any = true;
            handles += n;
            let (cat, es) = match o.op_state(i) {
                Ok(x) => x,
                Err(e) => {
                    failures.push(format!("{} op {}: {e}", dir.display(), op.id_hex()));
                    continue;
                }
            };
            states += cat.len();
            for e in &es {
                let Some(info) = cat.iter().find(|c| *c.name == *e.state) else {
                    failures.push(format!(
                        "{}: entry of unknown state {}",
                        dir.display(),
                        e.state
                    ));
                    break;
                };
                if let Err(err) = info.decode_value(e).and_then(|_| info.decode_key(e)) {
                    failures.push(format!("{}: {err}", dir.display()));
                    break;
                }
            }
            entries += es.len() as u64;
        }
        snapshots += usize::from(any);
    }
    eprintln!(
        "{snapshots} snapshots, {handles} operator-state handles, {states} states, {entries} entries"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
