# shellcheck shell=bash
# Shared settings for the GNU Health benchmark peer scripts (sourced, not run).
# Everything GNU Health/Tryton lives under GNUHEALTH_HOME, outside the repo.
# shellcheck disable=SC2034  # variables are used by the scripts sourcing this

PEER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GNUHEALTH_HOME="${GNUHEALTH_HOME:-/var/tmp/relais-gnuhealth}"
GNUHEALTH_PORT="${GNUHEALTH_PORT:-8000}"
GNUHEALTH_DB="${GNUHEALTH_DB:-relais_peer_gnuhealth}"
# Server side of the database connection (trust auth, user postgres).
GNUHEALTH_PG_URI="${GNUHEALTH_PG_URI:-postgresql://postgres@127.0.0.1:5432/}"
PYTHON="${PYTHON:-python3}"
# 1 = stock `trytond` server (one process, threaded); N > 1 = gunicorn with N
# worker processes (GNUHEALTH_SERVER_THREADS threads each) on trytond.application.
GNUHEALTH_WORKERS="${GNUHEALTH_WORKERS:-1}"
GNUHEALTH_SERVER_THREADS="${GNUHEALTH_SERVER_THREADS:-4}"

VENV="$GNUHEALTH_HOME/venv"
VPY="$VENV/bin/python"
CONF="$GNUHEALTH_HOME/trytond.conf"
LOGCONF="$GNUHEALTH_HOME/logging.conf"
PIDFILE="$GNUHEALTH_HOME/trytond.pid"
SERVER_LOG="$GNUHEALTH_HOME/trytond.log"
PASSFILE="$GNUHEALTH_HOME/admin.pass"
STAMP="$GNUHEALTH_HOME/venv.stamp"
BASE_URL="http://127.0.0.1:$GNUHEALTH_PORT"

export GNUHEALTH_HOME GNUHEALTH_PORT GNUHEALTH_DB GNUHEALTH_WORKERS GNUHEALTH_SERVER_THREADS

log() { printf '[gnuhealth-peer %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Is the JSON-RPC endpoint answering? (stdlib only, no curl needed)
rpc_alive() {
    "$VPY" - "$BASE_URL" <<'PY' >/dev/null 2>&1
import json, sys, urllib.request
req = urllib.request.Request(
    sys.argv[1] + "/",
    data=json.dumps({"id": 0, "method": "common.server.version", "params": []}).encode(),
    headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=3) as r:
    sys.exit(0 if json.loads(r.read()).get("result") else 1)
PY
}

# PID from the pid file if that process is alive, else nothing.
running_pid() {
    local pid
    [[ -f "$PIDFILE" ]] || return 1
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}
