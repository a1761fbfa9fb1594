#!/usr/bin/env bash
# Benchmarks (issue 11): our commands vs the machine's read-and-decompress limit vs Flink.
#
#   bash bench/run.sh [--size 1g|4g]... [--layout NAME]... [--tool NAME]... [--fresh]
#
# For each size (default: 1g), generates the scale snapshots unless they exist
# (testdata/gen/generate.sh --scale SIZE into $FI_BENCH_DATA, default testdata/gen/.work/scale),
# then for each layout (hashmap-savepoint, rocksdb-savepoint, rocksdb-native,
# rocksdb-incremental; those present) times, one after the other on warm page cache:
#   limit   cargo example read_limit: read + Snappy-decompress the state files, nothing else
#   info    flink-inspect info --json
#   size    flink-inspect size --json
#   skew    flink-inspect skew --json
#   export  flink-inspect export --out <tmp> (deleted afterwards)
#   jvm     gen.Scale read: Flink restores the snapshot into a bounded job on a MiniCluster and
#           reads every key's value, map and list; wall time of the java process (JVM start
#           included) and the job's own submit-to-end time (JVM and cluster start excluded)
# each with wall time, user+sys CPU and peak RSS (/usr/bin/time). --tool limits the tools. Results
# are appended to bench/out/results.jsonl (one object per measurement; --fresh empties it first)
# and summed up in bench/out/results.md (tables and the issue's ratios; the last run of a
# size/layout/tool wins).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${FI_BENCH_DATA:-$repo/testdata/gen/.work/scale}"
out="$repo/bench/out"
sizes=()
layouts=()
tools=()
fresh=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --size) sizes+=("$2"); shift 2 ;;
        --layout) layouts+=("$2"); shift 2 ;;
        --tool) tools+=("$2"); shift 2 ;;
        --fresh) fresh=1; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1g)
[[ ${#layouts[@]} -gt 0 ]] || layouts=(hashmap-savepoint rocksdb-savepoint rocksdb-native rocksdb-incremental)
[[ ${#tools[@]} -gt 0 ]] || tools=(limit info size skew export jvm)
want() { [[ " ${tools[*]} " == *" $1 "* ]]; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 2; }

# FI_BENCH_PROFILE=dev measures the dev profile (opt-level 1) when a release build is too costly
profile="${FI_BENCH_PROFILE:-release}"
bindir="$repo/target/$([[ $profile == dev ]] && echo debug || echo release)"
if [[ "${tools[*]}" != jvm ]]; then
    echo "== building ($profile profile)"
    (cd "$repo" && cargo build --profile "$profile" --quiet --bin flink-inspect --example read_limit)
fi
fi="$bindir/flink-inspect"
limit="$bindir/examples/read_limit"

venv="$repo/testdata/gen/.work/venv-2.3.0"
lib="$(echo "$venv"/lib/python3*/site-packages/pyflink/lib)"
classes="$repo/testdata/gen/.work/classes-2.3.0-scale"

mkdir -p "$out"
results="$out/results.jsonl"
[[ $fresh -eq 0 ]] || : > "$results"
tmp="$(mktemp -d "${data%/}/bench-tmp.XXXXXX" 2>/dev/null || mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# measure SIZE LAYOUT TOOL CMD...: runs CMD under /usr/bin/time, appends one JSON line.
measure() {
    local size="$1" layout="$2" tool="$3"
    shift 3
    local tf="$tmp/time" of="$tmp/stdout" rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" > "$of" 2> "$tmp/stderr" || rc=$?
    # exit 1 = findings (e.g. skew above a threshold), still a complete run
    if [[ $rc -gt 1 ]]; then
        echo "   $tool failed (exit $rc):" >&2
        tail -5 "$tmp/stderr" >&2
    fi
    read -r wall user sys rss < <(tail -1 "$tf")
    local extra="{}"
    case "$tool" in
        limit|jvm) extra="$(tail -1 "$of")" ;;
    esac
    python3 - "$size" "$layout" "$tool" "$wall" "$user" "$sys" "$rss" "$rc" "$extra" >> "$results" <<'EOF'
import json, os, sys
size, layout, tool, wall, user, sys_, rss, rc, extra = sys.argv[1:]
try:
    extra = json.loads(extra)
except ValueError:
    extra = {}
print(json.dumps({"profile": os.environ.get("FI_BENCH_PROFILE", "release"), "size": size, "layout": layout, "tool": tool, "wall_s": float(wall),
                  "cpu_s": round(float(user) + float(sys_), 2), "user_s": float(user),
                  "sys_s": float(sys_), "peak_rss_mib": round(int(rss) / 1024, 1),
                  "exit": int(rc), **{"x_" + k: v for k, v in extra.items()}}))
EOF
    printf '   %-7s wall %7.2fs  cpu %7.2fs  rss %7.1f MiB  (exit %s)\n' "$tool" "$wall" \
        "$(echo "$user + $sys" | bc)" "$(echo "scale=1; $rss / 1024" | bc)" "$rc"
}

for size in "${sizes[@]}"; do
    dir="$data/scale-$size"
    for b in rocksdb hashmap; do
        [[ " ${layouts[*]}" == *" $b-"* ]] || continue
        if [[ ! -f "$dir/$b/snapshots.json" ]]; then
            [[ $size == 1g || $size == 4g ]] || { echo "== $size $b: no snapshots in $dir/$b"; continue; }
            echo "== generating $size $b (testdata/gen/generate.sh --scale $size)"
            FI_BENCH_DATA="$data" GEN_SCALE_BACKENDS="$b" bash "$repo/testdata/gen/generate.sh" --scale "$size"
        fi
    done
    if want jvm; then
        [[ -d "$classes" ]] || { echo "missing $classes: run testdata/gen/generate.sh --scale $size" >&2; exit 2; }
        cp="$classes:$(ls "$lib"/*.jar | tr '\n' ':')"
    fi
    for layout in "${layouts[@]}"; do
        b="${layout%%-*}"
        snap="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshots"].get(sys.argv[2], ""))' \
            "$dir/$b/snapshots.json" "$layout" 2>/dev/null || true)"
        [[ -n "$snap" && -f "$snap/_metadata" ]] || { echo "== $size $layout: no snapshot, skipped"; continue; }
        echo "== $size $layout: $snap"
        cat $(find "$(dirname "$snap")" -type f) > /dev/null   # warm the page cache
        want limit && measure "$size" "$layout" limit "$limit" "$snap"
        want info && measure "$size" "$layout" info "$fi" info "$snap" --json
        want size && measure "$size" "$layout" size "$fi" size "$snap" --json
        want skew && measure "$size" "$layout" skew "$fi" skew "$snap" --json
        if want export; then
            rm -rf "$tmp/export"
            measure "$size" "$layout" export "$fi" export "$snap" --out "$tmp/export"
            du -sb "$tmp/export" | awk '{printf "   export output: %.1f MB\n", $1/1e6}'
            rm -rf "$tmp/export"
        fi
        if want jvm; then
            heap=4g
            [[ $b == hashmap ]] && heap=$([[ $size == 1g ]] && echo 8g || echo 14g)
            measure "$size" "$layout" jvm java "-Xmx$heap" -XX:ActiveProcessorCount=2 -cp "$cp" gen.Scale read \
                --snapshot "$snap" --backend "$b" --tmp "$tmp/jvm"
            rm -rf "$tmp/jvm"
        fi
    done
done

python3 "$repo/bench/report.py" "$results" > "$out/results.md"
echo "== results: $results, $out/results.md"
cat "$out/results.md"
