#!/usr/bin/env bash
# Renders nginx/dev.conf.in for one run: scripts/render-nginx-conf.sh RUNTIME_DIR PORT
# Writes RUNTIME_DIR/nginx.conf and RUNTIME_DIR/pulser-hub-sync.conf (the operator's snippet with
# its sockets under RUNTIME_DIR). Used by `make run`, `make bench` and the end-to-end tests, so all
# of them exercise the snippet that operators include.
set -euo pipefail
runtime_dir=$(cd "$1" && pwd)
port=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$runtime_dir"/nginx-{body,fastcgi,proxy,uwsgi,scgi}
# nginx workers must reach the sockets; as root in development they run as root, otherwise nginx
# keeps the invoking user (the `user` directive is then ignored).
user_directive="# user: the invoking user"
[ "$(id -u)" -eq 0 ] && user_directive="user root root;"
ln -sf /etc/nginx/fastcgi_params "$runtime_dir/fastcgi_params"  # the snippet includes it by relative name
# WEBHOOK_FASTCGI_PASS overrides where the webhook location points (e.g. 127.0.0.1:9000 for a TCP socket).
sed -e "s#unix:/run/pulser-hub-sync/webhook.sock#${WEBHOOK_FASTCGI_PASS:-unix:/run/pulser-hub-sync/webhook.sock}#" \
    -e "s#/run/pulser-hub-sync/#$runtime_dir/#g" "$repo/nginx/pulser-hub-sync.conf" > "$runtime_dir/pulser-hub-sync.conf"
cp "$repo/nginx/pulser-hub-sync-limits.conf" "$runtime_dir/pulser-hub-sync-limits.conf"
sed -e "s#@RUNTIME_DIR@#$runtime_dir#g" -e "s#@PORT@#$port#g" \
    -e "s#@USER_DIRECTIVE@#$user_directive#" \
    -e "s#@WORKER_PROCESSES@#${NGINX_WORKERS:-1}#" \
    -e "s#@ACCESS_LOG@#${NGINX_ACCESS_LOG:-$runtime_dir/nginx-access.log}#" \
    "$repo/nginx/dev.conf.in" > "$runtime_dir/nginx.conf"
