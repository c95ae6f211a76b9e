#!/usr/bin/env bash
# Start trytond (GNU Health) in the background on 127.0.0.1:$GNUHEALTH_PORT,
# write its PID to $GNUHEALTH_HOME/trytond.pid and wait (max 120 s) until
# JSON-RPC answers. Exits non-zero if it does not.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ -x "$VENV/bin/trytond" && -f "$CONF" ]] || die "not installed; run install.sh first"

if pid="$(running_pid)"; then
    if rpc_alive; then
        log "trytond already running (pid $pid)"
        exit 0
    fi
    die "pid file names a live process ($pid) but JSON-RPC does not answer"
fi
rm -f "$PIDFILE"
if rpc_alive; then
    die "something else already answers on $BASE_URL"
fi

[[ "$GNUHEALTH_WORKERS" =~ ^[1-9][0-9]*$ ]] || die "GNUHEALTH_WORKERS must be >= 1"
if ((GNUHEALTH_WORKERS == 1)); then
    log "starting trytond on $BASE_URL (database $GNUHEALTH_DB, log $SERVER_LOG)"
    # -d preloads the database's pool before the port opens.
    setsid "$VENV/bin/trytond" -c "$CONF" --logconf "$LOGCONF" -d "$GNUHEALTH_DB" \
        </dev/null >>"$SERVER_LOG" 2>&1 &
else
    log "starting gunicorn ($GNUHEALTH_WORKERS workers x $GNUHEALTH_SERVER_THREADS threads) on $BASE_URL (database $GNUHEALTH_DB, log $SERVER_LOG)"
    TRYTOND_CONFIG="$CONF" TRYTOND_LOGGING_CONFIG="$LOGCONF" \
        TRYTOND_DATABASE_NAMES="$GNUHEALTH_DB" \
        setsid "$VENV/bin/gunicorn" --workers "$GNUHEALTH_WORKERS" \
        --threads "$GNUHEALTH_SERVER_THREADS" --timeout 300 --no-control-socket \
        --bind "127.0.0.1:$GNUHEALTH_PORT" trytond.application:app \
        </dev/null >>"$SERVER_LOG" 2>&1 &
fi
pid=$!
printf '%s\n' "$pid" >"$PIDFILE"

for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null; then
        rm -f "$PIDFILE"
        tail -n 20 "$SERVER_LOG" >&2 || true
        die "trytond exited during start-up"
    fi
    if rpc_alive; then
        log "trytond up (pid $pid)"
        exit 0
    fi
    sleep 1
done
log "JSON-RPC did not answer within 120 s; stopping pid $pid"
kill -TERM "$pid" 2>/dev/null || true
rm -f "$PIDFILE"
tail -n 20 "$SERVER_LOG" >&2 || true
exit 1
