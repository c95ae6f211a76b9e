#!/usr/bin/env bash
# Install GNU Health 5 (Tryton 7.0 server) from PyPI into a virtualenv outside
# the repository, write its config, and create + initialise a fresh database.
# Re-running reuses the virtualenv (if requirements.txt is unchanged) but always
# recreates the database, so every benchmark run starts from the same state.
#
# Env: GNUHEALTH_HOME (/var/tmp/relais-gnuhealth), GNUHEALTH_PORT (8000),
#      GNUHEALTH_DB (relais_peer_gnuhealth), GNUHEALTH_PG_URI
#      (postgresql://postgres@127.0.0.1:5432/), GNUHEALTH_ADMIN_PASSWORD
#      (default: reuse GNUHEALTH_HOME/admin.pass or generate one), PYTHON (python3).
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REQ="$PEER_DIR/requirements.txt"
mkdir -p "$GNUHEALTH_HOME" "$GNUHEALTH_HOME/data"

if running_pid >/dev/null; then
    die "trytond is running (pid $(running_pid)); run stop.sh first"
fi

# --- Python ------------------------------------------------------------------
command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
"$PYTHON" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 15) else 1)' \
    || die "need CPython 3.11..3.14 (pinned numpy needs >= 3.11, gnuhealth < 3.15)"

# --- Debian build deps: psycopg2 has no wheel, it is compiled against libpq ---
need_apt=()
command -v pg_config >/dev/null || need_apt+=(libpq-dev)
command -v gcc >/dev/null || need_apt+=(build-essential)
if ! "$PYTHON" -c 'import os, sysconfig, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)'; then
    need_apt+=(python3-dev)
fi
if ((${#need_apt[@]})); then
    log "apt-get install ${need_apt[*]}"
    [[ $EUID -eq 0 ]] || die "need root to apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# --- virtualenv + pinned packages (idempotent) ----------------------------------
want_stamp="$(
    {
        sha256sum "$REQ" | cut -d' ' -f1
        "$PYTHON" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
)"
if [[ -x "$VPY" && -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]] \
    && "$VPY" -c 'import trytond, psycopg2' 2>/dev/null; then
    log "reusing virtualenv $VENV"
else
    log "creating virtualenv $VENV and installing GNU Health from PyPI"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VPY" -m pip install -q --disable-pip-version-check --upgrade pip wheel
    "$VPY" -m pip install -q --disable-pip-version-check -r "$REQ"
    "$VPY" -c 'import trytond, psycopg2, trytond.modules.health' \
        || die "GNU Health import check failed"
    printf '%s\n' "$want_stamp" >"$STAMP"
fi

# --- admin password ----------------------------------------------------------------
if [[ -n "${GNUHEALTH_ADMIN_PASSWORD:-}" ]]; then
    printf '%s\n' "$GNUHEALTH_ADMIN_PASSWORD" >"$PASSFILE"
elif [[ ! -s "$PASSFILE" ]]; then
    "$VPY" -c 'import secrets; print(secrets.token_urlsafe(18))' >"$PASSFILE"
fi
chmod 600 "$PASSFILE"

# --- trytond config --------------------------------------------------------------
cat >"$CONF" <<EOF
# Written by bench/peers/gnuhealth/install.sh
[database]
uri = $GNUHEALTH_PG_URI
path = $GNUHEALTH_HOME/data
language = en

[web]
listen = 127.0.0.1:$GNUHEALTH_PORT
EOF
# Access log off (werkzeug logs every request at INFO otherwise); warnings kept.
cat >"$LOGCONF" <<'EOF'
[loggers]
keys=root,werkzeug,pywarnings

[handlers]
keys=stderr

[formatters]
keys=plain

[logger_root]
level=WARNING
handlers=stderr

[logger_werkzeug]
level=WARNING
handlers=stderr
qualname=werkzeug
propagate=0

[logger_pywarnings]
level=ERROR
handlers=stderr
qualname=py.warnings
propagate=0

[handler_stderr]
class=StreamHandler
args=(sys.stderr,)
formatter=plain

[formatter_plain]
format=%(process)s %(thread)s [%(asctime)s] %(levelname)s %(name)s %(message)s
EOF

# --- PostgreSQL: reachable? (start the local cluster if it is down) -------------
pg_ok() {
    "$VPY" - "${GNUHEALTH_PG_URI%/}/postgres" <<'PY' >/dev/null 2>&1
import sys, psycopg2
psycopg2.connect(sys.argv[1], connect_timeout=3).close()
PY
}
if ! pg_ok; then
    if command -v pg_lsclusters >/dev/null && command -v pg_ctlcluster >/dev/null; then
        log "PostgreSQL not reachable, starting local cluster(s)"
        pg_lsclusters --no-header | while read -r ver name _; do
            pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || true
        done
        for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
    fi
    pg_ok || die "cannot connect to PostgreSQL at $GNUHEALTH_PG_URI"
fi

# --- fresh database --------------------------------------------------------------
log "recreating database $GNUHEALTH_DB"
"$VPY" - "${GNUHEALTH_PG_URI%/}/postgres" "$GNUHEALTH_DB" <<'PY'
import sys, psycopg2
from psycopg2 import sql
conn = psycopg2.connect(sys.argv[1])
conn.autocommit = True
db = sql.Identifier(sys.argv[2])
with conn.cursor() as cur:
    cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(db))
    cur.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(db))
conn.close()
PY

log "initialising database with trytond-admin (base + health module), ~1 min"
# --all initialises ir/res; -u health --activate-dependencies activates the
# health module and its deps (party, company, currency, product, country).
TRYTONPASSFILE="$PASSFILE" "$VENV/bin/trytond-admin" -c "$CONF" --logconf "$LOGCONF" \
    -d "$GNUHEALTH_DB" --all -u health --activate-dependencies \
    --email admin@relais-bench.invalid

activated="$("$VPY" - "${GNUHEALTH_PG_URI%/}/$GNUHEALTH_DB" <<'PY'
import sys, psycopg2
conn = psycopg2.connect(sys.argv[1])
with conn.cursor() as cur:
    cur.execute("SELECT state FROM ir_module WHERE name = 'health'")
    row = cur.fetchone()
print(row[0] if row else "missing")
PY
)"
[[ "$activated" == "activated" ]] || die "health module state is '$activated', expected 'activated'"

versions="$("$VPY" -c 'import importlib.metadata as m; print("gnuhealth", m.version("gnuhealth"), "trytond", m.version("trytond"))')"
log "installed: $versions; database $GNUHEALTH_DB ready; config $CONF"
