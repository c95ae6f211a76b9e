#!/usr/bin/env bash
# One complete GNU Health peer run:
#   install.sh (venv reused; database recreated) -> start.sh ->
#   workload.py --persons PERSONS --out $OUT -> stop.sh (always, via trap).
# Usage: run.sh PERSONS [extra workload.py options...]
# Env: OUT (default $GNUHEALTH_HOME/result-PERSONS.json), plus those of common.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$HERE/common.sh"

[[ $# -ge 1 && "$1" =~ ^[1-9][0-9]*$ ]] || die "usage: $0 PERSONS [workload.py options...]"
PERSONS="$1"
shift
OUT="${OUT:-$GNUHEALTH_HOME/result-$PERSONS.json}"

cleanup() {
    "$HERE/stop.sh" || log "stop.sh failed"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
"$HERE/install.sh"
t_install=$((SECONDS - t0))

t1=$SECONDS
"$HERE/start.sh"
"$VPY" "$HERE/workload.py" --persons "$PERSONS" --out "$OUT" "$@"
t_work=$((SECONDS - t1))

log "done: install ${t_install}s, start+workload ${t_work}s, total $((SECONDS - t0))s; result $OUT"
