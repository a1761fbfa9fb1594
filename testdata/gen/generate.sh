#!/usr/bin/env bash
# Regenerates the real-Flink fixtures under testdata/flink-<version>/<case>/.
#
#   bash testdata/gen/generate.sh [--version X]... [--case NAME|PREFIX|JOB]... [--scale]
#
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
scale=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --version) versions+=("$2"); shift 2 ;;
        --case) cases+=("$2"); shift 2 ;;
        --scale) scale=1; shift ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[[ ${#versions[@]} -gt 0 ]] || versions=(2.3.0 1.20.5)

out="$testdata"
if [[ $scale -eq 1 ]]; then
    out="$work/scale"
fi

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
    classes="$work/classes-$v"
    rm -rf "$classes"
    mkdir -p "$classes"
    echo "== compiling jobs against Flink $v"
    javac -nowarn -Xlint:none -encoding UTF-8 -cp "$cp" -d "$classes" "$here"/src/gen/*.java 2>&1 | grep -v '^Note:' || true
    [[ -f "$classes/gen/Gen.class" ]] || { echo "compilation failed for $v" >&2; exit 1; }
    args=(--version "$v" --out "$out" --tmp "$tmp_root")
    for c in "${cases[@]+"${cases[@]}"}"; do args+=(--case "$c"); done
    [[ $scale -eq 1 ]] && args+=(--scale)
    echo "== running cases on Flink $v"
    # small heap, few threads: the machine is shared. The --add-opens list is what Flink's own
    # launch scripts pass on Java 17 (Kryo needs reflective access into java.util).
    opens=()
    for p in java.lang java.net java.io java.nio sun.nio.ch java.lang.reflect java.text java.time \
             java.util java.util.concurrent java.util.concurrent.atomic java.util.concurrent.locks; do
        opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
    done
    if ! java "${opens[@]}" -Xmx1g -XX:ActiveProcessorCount=2 -Dlog4j2.level=ERROR -cp "$classes:$cp" gen.Gen "${args[@]}"; then
        status=1
    fi
done

# Independent check over everything on disk: every snapshot's written and read-back files agree.
for inv in "$out"/flink-*/*/inventory.json; do
    [[ -f "$inv" ]] || continue
    d="$(dirname "$inv")"
    for w in "$d"/*.written.jsonl; do
        r="${w%.written.jsonl}.readback.jsonl"
        if ! cmp -s "$w" "$r"; then
            echo "MISMATCH: $w vs $r" >&2
            status=1
        fi
    done
done
exit $status
