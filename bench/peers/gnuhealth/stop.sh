#!/usr/bin/env bash
# Stop the trytond started by start.sh: SIGTERM, wait up to 30 s, then SIGKILL.
# Removes the pid file. Succeeds if nothing is running.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if ! pid="$(running_pid)"; then
    log "trytond not running"
    rm -f "$PIDFILE"
    exit 0
fi
log "stopping trytond (pid $pid)"
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
done
if kill -0 "$pid" 2>/dev/null; then
    log "still alive after 30 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
fi
rm -f "$PIDFILE"
log "stopped"
