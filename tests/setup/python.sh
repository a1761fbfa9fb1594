#!/usr/bin/env bash
# A Python venv with duckdb and pyarrow (from PyPI) for the export read-back tests.
# Idempotent and quick when already present. Prints the venv's python path on stdout.
# Usage: FI_PYTHON=$(bash tests/setup/python.sh)
set -euo pipefail
venv="${FI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/flink-inspect/pyenv}"
py="$venv/bin/python"
if ! [ -x "$py" ] || ! "$py" -c 'import duckdb, pyarrow' >/dev/null 2>&1; then
  echo "setup: creating $venv with duckdb and pyarrow" >&2
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$py" -m pip install -q --disable-pip-version-check 'duckdb>=1.1' 'pyarrow>=15' >&2
fi
"$py" -c 'import duckdb, pyarrow' >/dev/null
echo "$py"
