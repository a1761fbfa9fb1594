"""Turns bench/out/results.jsonl (from bench/run.sh) into markdown: a table per size and layout,
the ratios of issue 11's targets, and peak RSS between consecutive sizes. Usage: python3 bench/report.py results.jsonl"""

import json
import sys
from collections import defaultdict


def main(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    by = defaultdict(dict)  # later lines replace earlier ones
    for r in rows:
        by[(r["size"], r["layout"])][r["tool"]] = r
    out = []
    out.append("| size | layout | tool | wall s | cpu s | peak RSS MiB | note |")
    out.append("| --- | --- | --- | ---: | ---: | ---: | --- |")
    for (size, layout), tools in by.items():
        for tool, r in tools.items():
            note = ""
            if tool == "limit":
                note = "%.0f MB stored, %.0f MB decompressed, %.0f MB/s decompressed" % (
                    r["x_stored_bytes"] / 1e6, r["x_decompressed_bytes"] / 1e6, r["x_decompressed_mb_per_s"])
            elif tool == "jvm":
                note = "job (submit to end) %.1f s; %s keys, %s entries" % (
                    r.get("x_job_seconds", 0), r.get("x_keys", "?"), r.get("x_entries", "?"))
            if r["exit"] > 1:
                note += " FAILED (exit %d)" % r["exit"]
            out.append("| %s | %s | %s | %.2f | %.2f | %.1f | %s |" % (
                size, layout, tool, r["wall_s"], r["cpu_s"], r["peak_rss_mib"], note))
    out.append("")
    out.append("## Ratios")
    out.append("")
    out.append("| size | layout | size/limit (wall) | skew/limit (wall) | size/limit (cpu) | skew/limit (cpu) "
               "| JVM/size (wall) | JVM/skew (wall) | JVM/export (wall) | JVM job only/export (wall) "
               "| JVM/size (cpu) | JVM/skew (cpu) | JVM/export (cpu) | JVM/limit (wall) | JVM/limit (cpu) |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

    def ratio(a, b):
        return "%.2f" % (a / b) if a and b else "-"

    for (size, layout), t in by.items():
        lim, sz, sk, ex, jvm = (t.get(k) for k in ("limit", "size", "skew", "export", "jvm"))
        g = lambda r, k: r[k] if r else None  # noqa: E731
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            size, layout,
            # ours / limit as throughput: limit time / our time (1.0 = at the limit)
            ratio(g(lim, "wall_s"), g(sz, "wall_s")), ratio(g(lim, "wall_s"), g(sk, "wall_s")),
            ratio(g(lim, "cpu_s"), g(sz, "cpu_s")), ratio(g(lim, "cpu_s"), g(sk, "cpu_s")),
            ratio(g(jvm, "wall_s"), g(sz, "wall_s")), ratio(g(jvm, "wall_s"), g(sk, "wall_s")),
            ratio(g(jvm, "wall_s"), g(ex, "wall_s")),
            ratio(jvm.get("x_job_seconds") if jvm else None, g(ex, "wall_s")),
            ratio(g(jvm, "cpu_s"), g(sz, "cpu_s")), ratio(g(jvm, "cpu_s"), g(sk, "cpu_s")),
            ratio(g(jvm, "cpu_s"), g(ex, "cpu_s")),
            # the most any reader of these bytes can gain over the JVM: JVM time / limit time
            ratio(g(jvm, "wall_s"), g(lim, "wall_s")), ratio(g(jvm, "cpu_s"), g(lim, "cpu_s"))))
    out.append("")
    out.append("Peak RSS across sizes (same layout and tool; the issue asks 4g vs 1g):")
    out.append("")
    out.append("| layout | tool | smaller size | MiB | larger size | MiB | larger/smaller |")
    out.append("| --- | --- | --- | ---: | --- | ---: | ---: |")
    gb = lambda s: float(s.rstrip("g"))  # noqa: E731
    sizes = sorted({k[0] for k in by}, key=gb)
    for small, large in zip(sizes, sizes[1:]):
        for (size, layout), t in by.items():
            if size != large or (small, layout) not in by:
                continue
            for tool, r in t.items():
                r1 = by[(small, layout)].get(tool)
                if r1 and tool != "info":
                    out.append("| %s | %s | %s | %.1f | %s | %.1f | %.2f |" % (
                        layout, tool, small, r1["peak_rss_mib"], large, r["peak_rss_mib"],
                        r["peak_rss_mib"] / r1["peak_rss_mib"]))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
