#!/bin/sh
# gitannot Git server container: provision from mounted config and secrets, then run
# sshd (forced-command keys), the hook service and the metrics service.
#   entrypoint.sh serve   provision, start the services, run sshd in the foreground
#   entrypoint.sh ready   readiness: `server doctor` on every configured repository
#   entrypoint.sh live    liveness: sshd, the hook service and the metrics service run
# Everything below is configured by environment (defaults are the image's paths).
set -eu
: "${GITANNOT_CONFIG:=/etc/gitannot/server.yaml}"
: "${GITANNOT_REPOS:=/srv/git/repos}"
: "${GITANNOT_SECRETS:=/run/secrets/gitannot}"
: "${GITANNOT_STATE:=/srv/git/state}"
: "${GITANNOT_SSH_PORT:=2222}"
: "${GITANNOT_SSH_LISTEN:=0.0.0.0}"
: "${GITANNOT_METRICS_LISTEN:=0.0.0.0:9464}"
: "${GITANNOT_HOOK_SERVICE:=1}"
: "${GITANNOT:=gitannot}"
: "${SSHD:=/usr/sbin/sshd}"
# A StatefulSet pod serves the shard named by its ordinal (gitannot-2 -> shard 2).
if [ -z "${GITANNOT_SHARD:-}" ] && [ "${GITANNOT_SHARD_FROM_HOSTNAME:-0}" = 1 ]; then
    GITANNOT_SHARD="${HOSTNAME##*-}"
fi

common="--config $GITANNOT_CONFIG --repos $GITANNOT_REPOS --secrets $GITANNOT_SECRETS --state $GITANNOT_STATE"
[ -z "${GITANNOT_SHARD:-}" ] || common="$common --shard $GITANNOT_SHARD"
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

case "${1:-serve}" in
ready)
    # shellcheck disable=SC2086 # word splitting of $common is intended
    exec "$GITANNOT" server provision $common --check >/dev/null
    ;;
live)
    alive "$GITANNOT_STATE/sshd.pid" || { echo "sshd is not running" >&2; exit 1; }
    alive "$GITANNOT_STATE/metrics.pid" || { echo "metrics service is not running" >&2; exit 1; }
    if [ "$GITANNOT_HOOK_SERVICE" = 1 ]; then
        alive "$GITANNOT_STATE/hookservice.pid" || { echo "hook service is not running" >&2; exit 1; }
    fi
    exit 0
    ;;
serve) ;;
*)
    echo "usage: entrypoint.sh [serve|ready|live]" >&2
    exit 2
    ;;
esac

service_flag=""
[ "$GITANNOT_HOOK_SERVICE" = 1 ] || service_flag="--no-hook-service"
# The pod is its volume's only writer (ReadWriteOnce, one pod per ordinal), so a volume
# on a network filesystem is allowed when the deployment says so.
[ "${GITANNOT_SHARED_FILESYSTEM:-0}" != 1 ] || service_flag="$service_flag --shared-filesystem"
# shellcheck disable=SC2086
"$GITANNOT" server provision $common --ssh-port "$GITANNOT_SSH_PORT" \
    --ssh-listen "$GITANNOT_SSH_LISTEN" $service_flag

rm -f "$GITANNOT_STATE/hookservice.pid"
if [ "$GITANNOT_HOOK_SERVICE" = 1 ]; then
    "$GITANNOT" server serve --socket "$GITANNOT_STATE/run/hooks.sock" \
        2>>"$GITANNOT_STATE/hookservice.log" &
    echo $! >"$GITANNOT_STATE/hookservice.pid"
fi
"$GITANNOT" server metrics --spool "$GITANNOT_STATE/metrics-spool" \
    --listen "$GITANNOT_METRICS_LISTEN" 2>>"$GITANNOT_STATE/metrics.log" &
echo $! >"$GITANNOT_STATE/metrics.pid"

# sshd stays in the foreground as this shell's child (not exec'd), so a TERM from the
# runtime reaches all three services and the container stops only when they have.
"$SSHD" -D -e -f "$GITANNOT_STATE/sshd_config" &
sshd_pid=$!
stop() {
    kill "$sshd_pid" "$(cat "$GITANNOT_STATE/metrics.pid")" 2>/dev/null || true
    [ ! -f "$GITANNOT_STATE/hookservice.pid" ] || kill "$(cat "$GITANNOT_STATE/hookservice.pid")" 2>/dev/null || true
}
trap 'stop; wait; exit 0' TERM INT
wait "$sshd_pid"
status=$?
stop
exit "$status"
