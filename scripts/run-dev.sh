#!/usr/bin/env bash
# `make run`: starts webhook-fcgi (supervised workers on a unix socket), callback-fcgi, hubsync dispatch and nginx on
# 127.0.0.1:$PORT with the database var/hubsync.db, prints a signed test delivery, and stays in the
# foreground until Ctrl-C or SIGTERM, then stops everything it started.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=${HUBSYNC_BIN_DIR:?set by the Makefile}
port=${PORT:-8080}
var="$repo/var"
runtime="$var/run"
mkdir -p "$var" "$runtime"
chmod 700 "$var"

# The webhook secret: GITHUB_WEBHOOK_SECRET from the environment, else one generated once and kept
# in var/webhook-secret (0600). It is never printed.
if [ -z "${GITHUB_WEBHOOK_SECRET:-}" ]; then
  if [ ! -s "$var/webhook-secret" ]; then
    (umask 077; openssl rand -hex 32 > "$var/webhook-secret")
    echo "run: generated a webhook secret in var/webhook-secret"
  fi
  GITHUB_WEBHOOK_SECRET=$(cat "$var/webhook-secret")
fi
export GITHUB_WEBHOOK_SECRET
export HUBSYNC_DB=${HUBSYNC_DB:-$var/hubsync.db}
export HUBSYNC_KEY_FILE=${HUBSYNC_KEY_FILE:-$var/hubsync.key}
export HUBSYNC_CONFIG=${HUBSYNC_CONFIG:-/dev/null}  # this run is configured by the environment alone
# Actions (README, "Actions"): NAME.action files here; hubsync dispatch, started below, runs them.
export HUBSYNC_ACTIONS_DIR=${HUBSYNC_ACTIONS_DIR:-$var/actions.d}
mkdir -p "$HUBSYNC_ACTIONS_DIR"
# The database and the keys that seal stored secrets and queued actions, made once.
"$bin_dir/hubsync" init > /dev/null

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "run: stopping"
  kill "$watchdog" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  exit 0
}
trap stop INT TERM EXIT
# `make` does not pass SIGTERM on to its children: stop when the process that started us goes away.
parent=$PPID
( while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null ) &
watchdog=$!

"$bin_dir/webhook-fcgi" --socket "$runtime/webhook.sock" --workers "${WORKERS:-2}" &
pids+=($!)
# The install callback takes GITHUB_APP_* (and GITHUB_URL, GITHUB_API_URL) from this environment;
# without them it still runs and its pages say what is missing.
"$bin_dir/callback-fcgi" --socket "$runtime/callback.sock" --workers 1 &
pids+=($!)
for program in webhook callback; do
  for _ in $(seq 100); do [ -S "$runtime/$program.sock" ] && break; sleep 0.05; done
  [ -S "$runtime/$program.sock" ] || { echo "run: $program-fcgi did not start" >&2; exit 1; }
done

"$repo/scripts/render-nginx-conf.sh" "$runtime" "$port"
nginx -p "$runtime" -c "$runtime/nginx.conf" -e "$runtime/nginx-error.log" &
pids+=($!)
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  kill -0 "${pids[2]}" 2>/dev/null || { echo "run: nginx did not start (see var/run/nginx-error.log)" >&2; exit 1; }
  sleep 0.05
done
"$bin_dir/hubsync" dispatch &
pids+=($!)

body='{"zen":"Design for failure.","hook_id":1,"hook":{"type":"App","id":1,"name":"web","active":true,"events":["push"],"app_id":1}}'
signature="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$GITHUB_WEBHOOK_SECRET" -r | cut -d' ' -f1)"
cat <<MSG

pulser-hub-sync is running: nginx on http://127.0.0.1:$port, database $HUBSYNC_DB
Webhook URLs: http://127.0.0.1:$port/github/webhook and http://127.0.0.1:$port/odoo/github/webhook
Install link: http://127.0.0.1:$port/github/install; callback: http://127.0.0.1:$port/github/auth/callback

Send a signed ping (the signature covers the body; each run uses a new delivery id, so a second run
is stored as a replay of the first: status skipped, naming it):

curl -sS -X POST http://127.0.0.1:$port/github/webhook \\
  -H 'Content-Type: application/json' -H 'X-GitHub-Event: ping' -H 'X-GitHub-Hook-ID: 1' \\
  -H "X-GitHub-Delivery: \$(cat /proc/sys/kernel/random/uuid)" \\
  -H 'X-Hub-Signature-256: $signature' \\
  --data-binary '$body'

Then: sqlite3 $HUBSYNC_DB 'select delivery_id, event, status from events'
Actions: put NAME.action files in $HUBSYNC_ACTIONS_DIR (hubsync dispatch is running); see README, "Actions".
Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}" || true
echo "run: a process exited; stopping the rest" >&2
