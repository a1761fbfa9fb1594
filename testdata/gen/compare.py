#!/usr/bin/env python3
"""Compares a regenerated fixture tree with the committed one, in content.

    python3 testdata/gen/compare.py NEW [OLD] [--inspect BIN] [--version V]... [--case NAME]...

NEW and OLD hold flink-<version>/<case>/ (OLD defaults to testdata/). For every case of every
version present in NEW, checks that

1. both trees have the same cases;
2. inventory.json agrees, apart from what names a snapshot directory (snapshot `name`, `path`,
   the truth-file names derived from it, `checkpoint_id`); snapshots are paired by position;
3. the truth files agree line for line: `<snap>.written.jsonl`, `<snap>.readback.jsonl`,
   `<snap>.restore-expected.jsonl`, `<snap>.restore-observed.jsonl`, `restore-input.jsonl`,
   `restore-from-v1.json` (object hash codes and savepoint directory names masked);
4. the decoded state agrees: for each snapshot pair, `flink-inspect state --json` of every
   operator that has state (keyed state, and each operator state by name), lines sorted; the
   source split's `from` (how many filler records were emitted before the snapshot: timing)
   and TTL timestamps (wall-clock time of the last write) are masked.

State file names, RocksDB file bytes and timestamps are free to differ. Exits 0 when everything
matches, 1 when something differs (each difference printed), 2 on trouble.
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)
REPO = os.path.dirname(TESTDATA)

SNAP_NAMED = ("name", "path", "written", "readback", "restore_expected", "restore_observed", "checkpoint_id")
SNAP_FILES = ("written", "readback", "restore_expected", "restore_observed")
CASE_FILES = ("restore-input.jsonl", "restore-from-v1.json")


class Diffs:
    def __init__(self):
        self.items = []

    def add(self, where, what):
        self.items.append(f"{where}: {what}")
        print(f"DIFF {where}: {what}", flush=True)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l for l in f.read().splitlines() if l.strip()]


def mask(text):
    text = re.sub(r"@[0-9a-f]{4,8}\b", "@<hash>", text)
    return re.sub(r"savepoint-[0-9a-f]{6}-[0-9a-f]{12}", "savepoint-<id>", text)


def inventory_core(inv):
    inv = json.loads(json.dumps(inv))
    for s in inv.get("snapshots", []):
        for k in SNAP_NAMED:
            s.pop(k, None)
    return inv


def first_diff(a, b):
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<none>"
        y = b[i] if i < len(b) else "<none>"
        if x != y:
            return f"line {i + 1} ({len(a)} vs {len(b)} lines):\n    new: {x[:300]}\n    old: {y[:300]}"
    return "none"


def inspect(bin_, *args):
    r = subprocess.run([bin_, *args], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"flink-inspect {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()[:500]}")
    return r.stdout


def decoded_state(bin_, snap_dir):
    """Every operator's decoded state as sorted JSON lines, keyed by operator id."""
    contract = json.loads(inspect(bin_, "--json", "contract", snap_dir))
    out = {}
    for op in contract.get("operators", []):
        op_id = op.get("id")
        states = op.get("states", [])
        if not op_id or not states:
            continue
        lines = []
        operator_kinds = ("OPERATOR_LIST", "UNION_LIST", "BROADCAST")
        if any(s.get("kind") not in operator_kinds for s in states):
            lines += inspect(bin_, "--json", "state", snap_dir, "--operator", op_id).splitlines()
        for s in states:
            if s.get("kind") in operator_kinds:
                lines += inspect(bin_, "--json", "state", snap_dir, "--operator", op_id, "--state", s["name"]).splitlines()
        recs = [json.loads(l) for l in lines if l.strip()]
        for r in recs:
            # The source's position: filler records are emitted every 20 ms until the snapshot
            # is taken, so how far the split got depends on timing (not part of any truth).
            if r.get("state") == "SourceReaderState" and isinstance(r.get("value"), dict):
                r["value"].pop("from", None)
            # TTL timestamps are the wall-clock time of the last write (processing-time TTL)
            if r.get("ttl_timestamp") is not None:
                r["ttl_timestamp"] = "<wall clock>"
        out[op_id] = sorted(json.dumps(r, sort_keys=True) for r in recs)
    return out


def compare_case(new_dir, old_dir, where, bin_, diffs):
    new_inv, old_inv = load_json(os.path.join(new_dir, "inventory.json")), load_json(os.path.join(old_dir, "inventory.json"))
    if inventory_core(new_inv) != inventory_core(old_inv):
        a = json.dumps(inventory_core(new_inv), indent=1, sort_keys=True).splitlines()
        b = json.dumps(inventory_core(old_inv), indent=1, sort_keys=True).splitlines()
        diffs.add(where, "inventory.json differs at " + first_diff(a, b))
    for f in CASE_FILES:
        a, b = os.path.join(new_dir, f), os.path.join(old_dir, f)
        if os.path.exists(a) != os.path.exists(b):
            diffs.add(where, f"{f} only in {'new' if os.path.exists(a) else 'old'}")
        elif os.path.exists(a):
            la, lb = [mask(l) for l in read_lines(a)], [mask(l) for l in read_lines(b)]
            if la != lb:
                diffs.add(where, f"{f} differs at " + first_diff(la, lb))
    new_snaps, old_snaps = new_inv.get("snapshots", []), old_inv.get("snapshots", [])
    for ns, os_ in zip(new_snaps, old_snaps):
        sw = f"{where}/{os_['name']}"
        for k in SNAP_FILES:
            if (k in ns) != (k in os_):
                diffs.add(sw, f"truth file '{k}' only in {'new' if k in ns else 'old'}")
                continue
            if k not in ns:
                continue
            la, lb = read_lines(os.path.join(new_dir, ns[k])), read_lines(os.path.join(old_dir, os_[k]))
            if la != lb:
                diffs.add(sw, f"{k} ({ns[k]}) differs at " + first_diff(la, lb))
        if bin_:
            da = decoded_state(bin_, os.path.join(new_dir, ns["path"]))
            db = decoded_state(bin_, os.path.join(old_dir, os_["path"]))
            if sorted(da) != sorted(db):
                diffs.add(sw, f"operators with state differ: {sorted(da)} vs {sorted(db)}")
            for op_id in sorted(set(da) & set(db)):
                if da[op_id] != db[op_id]:
                    diffs.add(sw, f"decoded state of {op_id} differs at " + first_diff(da[op_id], db[op_id]))
    return sum(1 for _ in zip(new_snaps, old_snaps))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("new")
    p.add_argument("old", nargs="?", default=TESTDATA)
    p.add_argument("--inspect", default=os.path.join(REPO, "target", "debug", "flink-inspect"),
                   help="flink-inspect binary (default target/debug/flink-inspect); 'none' skips step 4")
    p.add_argument("--version", action="append", default=[])
    p.add_argument("--case", action="append", default=[])
    a = p.parse_args()
    bin_ = None if a.inspect == "none" else a.inspect
    if bin_ and not os.access(bin_, os.X_OK):
        print(f"no flink-inspect binary at {bin_} (cargo build, or --inspect none)", file=sys.stderr)
        return 2
    diffs = Diffs()
    cases = snaps = 0
    versions = a.version or sorted(d[len("flink-"):] for d in os.listdir(a.new) if d.startswith("flink-"))
    if not versions:
        print(f"no flink-<version> directory in {a.new}", file=sys.stderr)
        return 2
    for v in versions:
        nv, ov = os.path.join(a.new, f"flink-{v}"), os.path.join(a.old, f"flink-{v}")
        names = lambda d: {c for c in os.listdir(d) if os.path.isfile(os.path.join(d, c, "inventory.json"))} if os.path.isdir(d) else set()
        new_cases, old_cases = names(nv), names(ov)
        if a.case:
            sel = lambda c: any(c == x or c.startswith(x + "-") for x in a.case)
            new_cases, old_cases = {c for c in new_cases if sel(c)}, {c for c in old_cases if sel(c)}
        for c in sorted(new_cases ^ old_cases):
            diffs.add(f"{v}/{c}", f"case only in {'new' if c in new_cases else 'old'}")
        for c in sorted(new_cases & old_cases):
            try:
                snaps += compare_case(os.path.join(nv, c), os.path.join(ov, c), f"{v}/{c}", bin_, diffs)
            except (OSError, ValueError, RuntimeError, KeyError) as e:
                print(f"trouble in {v}/{c}: {e}", file=sys.stderr)
                return 2
            cases += 1
    print(f"{cases} cases, {snaps} snapshots compared; {len(diffs.items)} differences")
    return 1 if diffs.items else 0


if __name__ == "__main__":
    sys.exit(main())
