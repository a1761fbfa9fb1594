#!/usr/bin/env bash
# Test prerequisites that are not Rust crates; idempotent, quick when already present.
#  - sst_dump (Debian rocksdb-tools, RocksDB 7.8): the independent oracle for the SST reader.
set -euo pipefail
if ! command -v sst_dump >/dev/null 2>&1; then
  echo "setup: installing rocksdb-tools (sst_dump)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq rocksdb-tools >/dev/null
fi
command -v sst_dump >/dev/null
