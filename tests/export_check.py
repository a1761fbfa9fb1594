"""Reads a flink-inspect export back with DuckDB and pyarrow and compares it with a testdata
ground truth (`<snap>.readback.jsonl`, what Flink itself read back after restoring).

usage: export_check.py EXPORT_DIR[=READBACK_JSONL]...
Prints one JSON summary line per export; exits 1 on any mismatch. Without READBACK_JSONL only
checks that DuckDB and pyarrow read every file with the manifest's row counts.
"""

import collections
import datetime
import decimal
import json
import os
import sys

import duckdb
import pyarrow.parquet as pq

EPOCH = datetime.datetime(1970, 1, 1)
OPERATOR_KINDS = ("broadcast", "operator_list", "operator_union")


def ms(dt):
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return (dt - EPOCH) // datetime.timedelta(milliseconds=1)


def norm(v):
    """A hashable canonical form shared by exported values and ground-truth JSON."""
    if isinstance(v, datetime.datetime):
        return ms(v)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (bytes, bytearray)):
        return ("bytes", bytes(v).hex())
    if isinstance(v, dict):
        # ground-truth conventions of testdata/gen
        if set(v) == {"enum"}:
            return norm(v["enum"])
        if set(v) == {"bytes"}:
            return ("bytes", v["bytes"])
        if set(v) == {"row_kind", "fields"}:
            return norm({f"f{i}": x for i, x in enumerate(v["fields"])})
        if set(v) == {"window_start", "window_end"}:
            return norm({"start": v["window_start"], "end": v["window_end"]})
        return tuple(sorted((k, norm(x)) for k, x in v.items() if k != "class"))
    if isinstance(v, list):
        # pyarrow gives maps as lists of (key, value) tuples
        return tuple(norm(x) for x in v)
    if isinstance(v, tuple):
        return tuple(norm(x) for x in v)
    if isinstance(v, float) and v == int(v) and abs(v) < 2**53:
        return float(v)
    return v


def read_dataset(root, ds, as_python):
    files = [os.path.join(root, f["path"]) for f in ds["files"]]
    rows = []
    for f, meta in zip(files, ds["files"]):
        t = pq.read_table(f)
        if t.num_rows != meta["rows"]:
            raise AssertionError(f"{f}: pyarrow reads {t.num_rows} rows, manifest says {meta['rows']}")
        if as_python:
            rows.extend(t.to_pylist())
    con = duckdb.connect()
    n = con.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchone()[0]
    if n != ds["rows"]:
        raise AssertionError(f"{ds['path']}: DuckDB counts {n} rows, manifest says {ds['rows']}")
    # every value must decode in DuckDB too (fetched as Arrow: timestamps such as
    # Long.MAX_VALUE window ends are valid but beyond Python's datetime)
    res = con.execute("SELECT * FROM read_parquet(?)", [files])
    fetched = res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()
    if fetched.num_rows != n:
        raise AssertionError(f"{ds['path']}: DuckDB fetched {fetched.num_rows} of {n} rows")
    return rows, n, len(files)


def opaque_value(ds):
    return any(c["column"] == "value" or c["column"].startswith("value.") for c in ds["special_columns"])


def find_dataset(by_path, uid, state, kind):
    if kind in OPERATOR_KINDS:
        for ds in by_path.values():
            if ds["kind"] == "operator_state" and ds["operator"] == uid and ds["state"] == state:
                return ds
        return None
    if kind in ("event_timer", "processing_timer"):
        prefix = "event_" if kind == "event_timer" else "processing_"
        for ds in by_path.values():
            if ds["kind"] == "timers" and ds["operator"] == uid and ds["state"].endswith(prefix + state):
                return ds
        return None
    for ds in by_path.values():
        if ds["operator"] == uid and ds["state"] == state and ds["kind"] == "keyed":
            return ds
    return None


def check(root, truth_path):
    with open(os.path.join(root, "_manifest.json")) as f:
        manifest = json.load(f)
    by_path = {d["path"]: d for d in manifest["datasets"]}
    summary = {"datasets": len(by_path), "files": 0, "rows": 0, "compared_groups": 0,
               "compared_rows": 0, "count_only": [], "skipped": [], "mismatches": []}
    data = {}
    for p, ds in by_path.items():
        rows, n, nfiles = read_dataset(root, ds, truth_path is not None)
        data[p] = rows
        summary["files"] += nfiles
        summary["rows"] += n
    if truth_path:
        truth = collections.defaultdict(list)
        no_uid = collections.Counter()
        with open(truth_path) as f:
            for line in f:
                d = json.loads(line)
                if "uid" not in d:
                    # SQL operators have no uid; their lines name the operator by OperatorID
                    # (tests/sql_state_truth.rs compares them)
                    no_uid[(d.get("operator_id"), d["state"], d["kind"])] += 1
                    continue
                truth[(d["uid"], d["state"], d["kind"])].append(d)
        for (op, state, kind), n in sorted(no_uid.items()):
            summary["skipped"].append(f"{op}/{state} ({kind}): {n} SQL lines")
        for (uid, state, kind), lines in sorted(truth.items()):
            ds = find_dataset(by_path, uid, state, kind)
            if ds is None and kind in OPERATOR_KINDS and not any(
                    d["kind"] == "operator_state" for d in by_path.values()):
                # this export holds no operator state at all (no reader for it yet)
                summary["skipped"].append(f"{uid}/{state} ({kind}): {len(lines)} lines")
                continue
            if ds is None:
                summary["mismatches"].append(f"{uid}/{state} ({kind}): no dataset")
                continue
            rows = data[ds["path"]]
            has_ns = any(f["name"] == "namespace" for f in ds["schema"])

            def ns_of(r):
                return norm(r["namespace"]) if has_ns else "VoidNamespace"

            def tns(d):
                return "VoidNamespace" if d["namespace"] == "VoidNamespace" else norm(d["namespace"])

            count_only = opaque_value(ds)
            if count_only:
                summary["count_only"].append(ds["path"])
            if kind == "broadcast":
                # replicated on every subtask: compare the distinct entries
                got = collections.Counter(set((norm(r["key"]), norm(r["value"])) for r in rows))
                want = collections.Counter((norm(d["user_key"]), norm(d["value"])) for d in lines)
            elif kind == "operator_list":
                groups = collections.defaultdict(list)
                for r in rows:
                    groups[r["subtask"]].append((r["index"], r["value"]))
                got = collections.Counter(
                    (k, tuple(norm(v) for _, v in sorted(g, key=lambda x: x[0]))) for k, g in groups.items())
                want = collections.Counter((d["subtask"], norm(d["value"])) for d in lines)
            elif kind == "operator_union":
                ordered = sorted(rows, key=lambda r: (r["subtask"], r["index"]))
                got = collections.Counter([tuple(norm(r["value"]) for r in ordered)])
                want = collections.Counter(norm(d["value"]) for d in lines)
            elif kind in ("event_timer", "processing_timer"):
                got = collections.Counter((norm(r["key"]), ns_of(r), norm(r["timestamp"])) for r in rows)
                want = collections.Counter((norm(d["key"]), tns(d), d["timestamp"]) for d in lines)
            elif kind == "list":
                groups = collections.defaultdict(list)
                for r in rows:
                    groups[(norm(r["key"]), ns_of(r))].append((r["index"], r["value"]))
                got = collections.Counter(
                    (k, None if count_only else tuple(norm(v) for _, v in sorted(g, key=lambda x: x[0])))
                    for k, g in groups.items())
                want = collections.Counter(
                    ((norm(d["key"]), tns(d)), None if count_only else norm(d["value"])) for d in lines)
            elif kind == "map":
                got = collections.Counter(
                    (norm(r["key"]), ns_of(r), norm(r["user_key"]), None if count_only else norm(r["value"]))
                    for r in rows)
                want = collections.Counter(
                    (norm(d["key"]), tns(d), norm(d["user_key"]), None if count_only else norm(d["value"]))
                    for d in lines)
            else:
                got = collections.Counter(
                    (norm(r["key"]), ns_of(r), None if count_only else norm(r["value"])) for r in rows)
                want = collections.Counter(
                    (norm(d["key"]), tns(d), None if count_only else norm(d["value"])) for d in lines)
            if got != want:
                extra = list((got - want).items())[:3]
                missing = list((want - got).items())[:3]
                summary["mismatches"].append(
                    f"{ds['path']} ({kind}): {sum(got.values())} exported vs {sum(want.values())} "
                    f"expected; unexpected {extra!r}; missing {missing!r}")
            summary["compared_groups"] += sum(want.values())
            summary["compared_rows"] += len(rows)
    return summary


def main():
    bad = False
    for arg in sys.argv[1:]:
        root, _, truth = arg.partition("=")
        try:
            summary = check(root, truth or None)
        except Exception as e:  # noqa: BLE001 - reported per export
            summary = {"mismatches": [f"{type(e).__name__}: {e}"]}
        summary["export"] = root
        bad = bad or bool(summary["mismatches"])
        print(json.dumps(summary), flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
