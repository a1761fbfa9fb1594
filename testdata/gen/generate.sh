#!/usr/bin/env bash
# Regenerates the real-Flink fixtures under testdata/flink-<version>/<case>/.
#
#   bash testdata/gen/generate.sh [--version X]... [--case NAME|PREFIX|JOB]... [--out DIR]
#   (--out: write flink-<version>/<case>/ under DIR instead of testdata/, e.g. to compare first)
#   bash testdata/gen/generate.sh --scale 1g|4g [--version X]   (benchmark snapshots, no truth:
#   gen.Scale into $FI_BENCH_DATA/scale-<size>, default testdata/gen/.work/scale; see README)
# Needs: python3 (with venv and pip, reaching PyPI) and a JDK 17 (javac, java).
# Flink comes from PyPI's apache-flink-libraries, which carries Flink's jars under pyflink/lib.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testdata="$(dirname "$here")"
work="$here/.work"
# Snapshots record absolute paths; they are written under this neutral root and then moved.
tmp_root="/tmp/flink-testdata"

versions=()
cases=()
scale=""
out_arg=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --version) versions+=("$2"); shift 2 ;;
        --case) cases+=("$2"); shift 2 ;;
        --scale) scale="$2"; shift 2 ;;
        --out) out_arg="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

out="${out_arg:-$testdata}"
if [[ -n "$scale" ]]; then
    case "$scale" in
        1g) records=2000000; backends="${GEN_SCALE_BACKENDS:-rocksdb hashmap}"; snaps=savepoint,native,checkpoint ;;
        # 4g: no checkpoint chain, which would double the disk needed
        4g) records=8000000; backends="${GEN_SCALE_BACKENDS:-rocksdb hashmap}"; snaps=savepoint,native ;;
        *) echo "--scale takes 1g or 4g, got '$scale'" >&2; exit 2 ;;
    esac
    records="${GEN_SCALE_RECORDS:-$records}"
    out="${FI_BENCH_DATA:-$work/scale}/scale-$scale"
    [[ ${#versions[@]} -gt 0 ]] || versions=(2.3.0)
fi
[[ ${#versions[@]} -gt 0 ]] || versions=(2.3.0 1.20.5)

mkdir -p "$work"
status=0
for v in "${versions[@]}"; do
    venv="$work/venv-$v"
    lib="$venv/lib/python3*/site-packages/pyflink/lib"
    if ! compgen -G "$lib/flink-dist-$v.jar" >/dev/null; then
        echo "== installing apache-flink-libraries==$v into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --no-deps "apache-flink-libraries==$v"
    fi
    cp="$(ls $lib/*.jar | tr '\n' ':')"
    if [[ -n "$scale" ]]; then
        # the lean benchmark job: one self-contained source file, its own classes directory
        classes="$work/classes-$v-scale"
        rm -rf "$classes"
        mkdir -p "$classes"
        javac -nowarn -Xlint:none -encoding UTF-8 -cp "$cp" -d "$classes" "$here/src/gen/Scale.java" 2>&1 | grep -v '^Note:' || true
        [[ -f "$classes/gen/Scale.class" ]] || { echo "compilation of Scale.java failed for $v" >&2; exit 1; }
        for b in $backends; do
            echo "== $scale: $records records, $b backend, Flink $v, into $out/$b"
            rm -rf "${out:?}/$b"
            # the written state lives in RocksDB (native memory) or, for hashmap, as objects
            # sharing 4096 payload strings: a few GB of heap suffice for both
            heap=-Xmx3g
            [[ $scale == 4g && $b == hashmap ]] && heap=-Xmx6g   # 8M records as heap objects
            if ! java $heap -XX:ActiveProcessorCount=2 ${GEN_JAVA_OPTS:-} -cp "$classes:$cp" gen.Scale write \
                    --records "$records" --backend "$b" --out "$out/$b" --snapshots "$snaps"; then
                status=1
            fi
            rm -rf "$out/$b/io-tmp"
        done
        continue
    fi
    classes="$work/classes-$v"
    rm -rf "$classes"
    mkdir -p "$classes"
    echo "== compiling jobs against Flink $v"
    javac -nowarn -Xlint:none -encoding UTF-8 -cp "$cp" -d "$classes" "$here"/src/gen/*.java 2>&1 | grep -v '^Note:' || true
    [[ -f "$classes/gen/Gen.class" ]] || { echo "compilation failed for $v" >&2; exit 1; }
    args=(--version "$v" --out "$out" --tmp "$tmp_root")
    for c in "${cases[@]+"${cases[@]}"}"; do args+=(--case "$c"); done
    # savepoints of evolution restore attempts went here before they were kept per case
    rm -rf "$tmp_root/$v/attempts"
    echo "== running cases on Flink $v"
    # small heap, few threads: the machine is shared. The --add-opens list is what Flink's own
    # launch scripts pass on Java 17 (Kryo needs reflective access into java.util).
    opens=()
    for p in java.lang java.net java.io java.nio sun.nio.ch java.lang.reflect java.text java.time \
             java.util java.util.concurrent java.util.concurrent.atomic java.util.concurrent.locks; do
        opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
    done
    heap=1g
    # GEN_JAVA_OPTS: extra JVM options
    run_gen() { java "${opens[@]}" "-Xmx$heap" -XX:ActiveProcessorCount=2 ${GEN_JAVA_OPTS:-} "$@"; }
    if ! run_gen -cp "$classes:$cp" gen.Gen "${args[@]}"; then
        status=1
    fi
    # Evolution cases: v1 and v2 use one POJO class name with different fields, so each
    # src-evo/<dir> gets its own class directory and JVM; v1 goes first (v2 restores from it).
    want_evo=1
    if [[ ${#cases[@]} -gt 0 ]]; then
        want_evo=0
        for c in "${cases[@]}"; do [[ "$c" == evo || "$c" == evolution* ]] && want_evo=1; done
    fi
    if [[ $want_evo -eq 1 ]]; then
        for d in v1 pojo-add-field pojo-remove-field all; do
            evo_classes="$work/classes-$v-evo-$d"
            rm -rf "$evo_classes"
            mkdir -p "$evo_classes"
            javac -nowarn -encoding UTF-8 -d "$evo_classes" "$here/src-evo/$d/gen/evo/Profile.java"
            if ! run_gen -cp "$evo_classes:$classes:$cp" gen.Gen "${args[@]}" --evo-classes "$d"; then
                status=1
            fi
        done
    fi
done

[[ -z "$scale" ]] || exit $status
# Independent check over everything on disk: every snapshot's written and read-back files agree
# (SQL cases too), and for SQL cases the changelog after restore is the expected one.
for inv in "$out"/flink-*/*/inventory.json; do
    [[ -f "$inv" ]] || continue
    d="$(dirname "$inv")"
    for w in "$d"/*.written.jsonl; do
        [[ -f "$w" ]] || continue
        pairs=("$w" "${w%.written.jsonl}.readback.jsonl")
        e="${w%.written.jsonl}.restore-expected.jsonl"
        [[ -f "$e" ]] && pairs+=("$e" "${w%.written.jsonl}.restore-observed.jsonl")
        for ((i = 0; i < ${#pairs[@]}; i += 2)); do
            if ! cmp -s "${pairs[i]}" "${pairs[i+1]}"; then
                echo "MISMATCH: ${pairs[i]} vs ${pairs[i+1]}" >&2
                status=1
            fi
        done
    done
done
exit $status
