#!/usr/bin/env bash
# `make test-install`: the .deb on a machine without Swift. A clean Debian 12 root made with
# debootstrap (cached under var/cache/install-test) gets nginx and the package; the units' own
# commands are started there (systemd itself does not run in a chroot) behind that nginx; a signed
# delivery and an installation callback (against the tests' fake GitHub on loopback) go through,
# and the rows are checked. The upgrade path is proved too: the package is first installed at an
# older commit's binaries (PREVIOUS_REF, schema 8), given a delivery, then upgraded in place.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
arch=$(dpkg --print-architecture)
deb="$repo/dist/pulser-hub-sync_$(scripts/version.sh --debian)_$arch.deb"
[ -f "$deb" ] || { echo "test-install: $deb is missing; run make deb" >&2; exit 1; }
previous_ref=${PREVIOUS_REF:-c5e2261}
cache="$repo/var/cache/install-test"
work="$repo/var/test-runs/install-$$"
root="$work/root"
mkdir -p "$cache" "$work"
failures=0
step() { echo; echo "== $*"; }
check() {  # description, command...
    local description=$1; shift
    if "$@"; then echo "ok   $description"; else echo "FAIL $description"; failures=$((failures + 1)); fi
}
in_root() { chroot "$root" "$@"; }
not() { ! "$@"; }
program_pid() {  # a running program's supervisor (the oldest process of that binary)
    pgrep -o -f "^/usr/bin/$1( |\$)"
}
runs_as() {  # a running program -> the name of its user, inside the root
    local uid
    uid=$(sed -n 's/^Uid:\s*\([0-9]*\).*/\1/p' "/proc/$(program_pid "$1")/status")
    in_root getent passwd "$uid" | cut -d: -f1
}
as_process_of() {  # a running program, a command: run it in the root with that process's uid, gid and groups
    local status uid gid groups
    status="/proc/$(program_pid "$1")/status"; shift
    uid=$(sed -n 's/^Uid:\s*\([0-9]*\).*/\1/p' "$status")
    gid=$(sed -n 's/^Gid:\s*\([0-9]*\).*/\1/p' "$status")
    groups=$(sed -n 's/^Groups:\s*//p' "$status" | xargs | tr ' ' ',')
    local group_option=--clear-groups
    [ -n "$groups" ] && group_option="--groups=$groups"
    chroot "$root" setpriv --reuid="$uid" --regid="$gid" "$group_option" -- "$@" >/dev/null 2>&1
}
lacks_group() {  # a running program (the start of its command line), the root's GROUP: true when it runs without it
    local pid gid
    pid=$(program_pid "$1")
    gid=$(in_root getent group "$2" | cut -d: -f3)
    [ -n "$pid" ] && [ -n "$gid" ] || { echo "     (no running $1, or no group $2)"; return 1; }
    ! sed -n 's/^Groups:\s*//p' "/proc/$pid/status" | tr ' ' '\n' | grep -qx "$gid"
}

# -- A clean Debian 12 root, cached: only what the package's Depends and the test need -----------------
# libpq5: the PostgreSQL client library the programs load (whether or not HUBSYNC_DB names a server).
packages=nginx-light,sqlite3,adduser,init-system-helpers,libssl3,libcurl4,libpq5,ca-certificates
base="$cache/bookworm-$arch-$(printf %s "$packages" | md5sum | cut -c1-8).tar"
if [ ! -f "$base" ]; then
    step "debootstrap a clean Debian 12 root (cached in $base)"
    rm -rf "$cache/bootstrap"
    debootstrap --variant=minbase --include="$packages" \
        bookworm "$cache/bootstrap" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
        || { tail -20 "$cache/debootstrap.log"; exit 1; }
    tar -C "$cache/bootstrap" -cf "$base.tmp" . && mv "$base.tmp" "$base"
    rm -rf "$cache/bootstrap"
fi
mkdir -p "$root"
tar -C "$root" -xf "$base"
mount -t proc proc "$root/proc"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    pids=()
    in_root nginx -s stop 2>/dev/null || true
    [ -n "${fake_pid:-}" ] && kill -KILL "$fake_pid" 2>/dev/null || true
    sleep 1
    umount "$root/proc" 2>/dev/null || umount -l "$root/proc" 2>/dev/null || true
}
trap cleanup EXIT

step "the package's dependencies"
check "the package depends on libpq5 (PostgreSQL's client, through dpkg-shlibdeps)" sh -c "dpkg-deb -f '$deb' Depends | grep -q 'libpq5'"

step "the root has no Swift toolchain"
check "no swift or swiftc on the root's PATH" in_root sh -c '! command -v swift && ! command -v swiftc'
check "no Swift runtime libraries in the root" sh -c "! find '$root/usr' -name 'libswiftCore.so*' | grep -q ."

step "the units' sandboxes, as systemd-analyze security scores them (offline, on this host)"
for unit in webhook callback redeliver dispatch; do
    systemd-analyze security --offline=true --no-pager "packaging/systemd/pulser-hub-sync-$unit.service" 2>/dev/null | tail -1
done
# The threshold is on systemd-analyze's internal scale of 0-100 (it prints a tenth of it).
check "the webhook unit's exposure is 1.0 or less" \
    systemd-analyze security --offline=true --threshold=10 --no-pager packaging/systemd/pulser-hub-sync-webhook.service >/dev/null 2>&1
check "the callback unit's exposure is 2.0 or less" \
    systemd-analyze security --offline=true --threshold=20 --no-pager packaging/systemd/pulser-hub-sync-callback.service >/dev/null 2>&1

# -- The previous package: an older commit's binaries (cached), packaged by today's script ------------------
previous_bin="$cache/previous-bin-$previous_ref"
if [ ! -x "$previous_bin/hubsync" ]; then
    step "build $previous_ref's programs as make release does (cached in $previous_bin)"
    source_dir="$cache/previous-src"
    rm -rf "$source_dir"
    mkdir -p "$source_dir"
    git archive "$previous_ref" | tar -x -C "$source_dir"
    # libfcgi and SQLite static, as in a release: the package does not depend on them.
    (source scripts/static-c-libraries.sh "$cache/previous-link" && cd "$source_dir" \
        && swift build -c release --static-swift-stdlib >"$cache/previous-build.log" 2>&1) \
        || { tail -20 "$cache/previous-build.log"; exit 1; }
    mkdir -p "$previous_bin.tmp"
    cp "$source_dir/.build/release/"{webhook-fcgi,callback-fcgi,hubsync} "$previous_bin.tmp/"
    mv "$previous_bin.tmp" "$previous_bin"
    rm -rf "$source_dir"
fi
previous_deb="$work/pulser-hub-sync-previous-$previous_ref.deb"
# Packaged with the units and maintainer scripts those binaries shipped with: the last commit before
# the .socket units and the webhook user (PREVIOUS_PACKAGING_REF), so that the upgrade goes from the
# old layout (one user, RuntimeDirectory=) to the new one.
previous_packaging_ref=${PREVIOUS_PACKAGING_REF:-a3e9036}
mkdir -p "$work/previous-packaging"
git archive "$previous_packaging_ref" packaging | tar -x -C "$work/previous-packaging"
# A version below any release's (~ sorts first), so that installing today's package is an upgrade.
scripts/build-deb.sh --bin-dir "$previous_bin" --version "0.0.0~git.$previous_ref" --out "$previous_deb" \
    --packaging "$work/previous-packaging/packaging"

# -- The fake GitHub on loopback, which the chroot shares -------------------------------------------------
fake_dir="$work/fake"
mkdir -p "$fake_dir"
openssl genrsa -traditional -out "$fake_dir/app.pem" 2048 2>/dev/null
client_secret="install-test-client-secret-$$"
python3 Tests/FakeGitHub/fake_github.py --port 0 --pem "$fake_dir/app.pem" --issuer Iv1.ab1112223334445c \
    --client-id Iv1.ab1112223334445c --client-secret "$client_secret" --fixtures Tests/FakeGitHub/fixtures.json \
    >"$fake_dir/port" 2>"$fake_dir/log" &
fake_pid=$!
disown "$fake_pid"  # killed at the end; no "Killed" notice from the shell
for _ in $(seq 50); do grep -q LISTENING "$fake_dir/port" 2>/dev/null && break; sleep 0.1; done
fake_port=$(sed -n 's/^LISTENING //p' "$fake_dir/port")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret="install-test-webhook-secret-$$"

configure() {
    # What an operator does after installing: the App's settings in hubsync.env and its key.
    install -m 0600 "$fake_dir/app.pem" "$root/etc/pulser-hub-sync/app.pem"
    in_root chown pulser-hub-sync:pulser-hub-sync /etc/pulser-hub-sync/app.pem
    # The client secret in a file of its own, which webhook-fcgi's user cannot read.
    printf '%s\n' "$client_secret" > "$root/etc/pulser-hub-sync/client-secret"
    chmod 0600 "$root/etc/pulser-hub-sync/client-secret"
    in_root chown pulser-hub-sync:pulser-hub-sync /etc/pulser-hub-sync/client-secret
    cat > "$root/etc/pulser-hub-sync/hubsync.env" <<ENV
GITHUB_APP_ID=4242
GITHUB_APP_CLIENT_ID=Iv1.ab1112223334445c
GITHUB_APP_CLIENT_SECRET_PATH=/etc/pulser-hub-sync/client-secret
GITHUB_APP_PEM_PATH=/etc/pulser-hub-sync/app.pem
GITHUB_WEBHOOK_SECRET=$secret
GITHUB_URL=http://127.0.0.1:$fake_port
GITHUB_API_URL=http://127.0.0.1:$fake_port
ENV
    # The snippet inside a server block, as the README shows (without TLS for the test). The
    # symlink is removed first: it is absolute, and writing through it would write the host's file.
    rm -f "$root/etc/nginx/sites-enabled/default"
    cat > "$root/etc/nginx/sites-enabled/pulser-hub-sync" <<NGINX
server {
    listen 127.0.0.1:$port;
    include snippets/pulser-hub-sync.conf;
}
NGINX
}

unit_value() {  # unit file, key -> the value of its (last) KEY= line
    sed -n "s/^$2=//p" "$1" | tail -1
}

start_units() {
    # Each unit as systemd would start it, read from the unit files, so that the previous package's
    # units start as they did:
    # - with a .socket unit: its ListenStream= bound by root with SocketGroup= and SocketMode=,
    #   passed on fd 3 (socket-activate.py), and ExecStart= run as User= and Group= with User='s
    #   groups (setpriv, which execs in place, so LISTEN_PID stays right);
    # - without (the previous package): RuntimeDirectory= with its mode, ExecStartPre=+ as root,
    #   then ExecStart= as User= with SupplementaryGroups=.
    for unit in webhook callback; do
        local file="$root/lib/systemd/system/pulser-hub-sync-$unit.service"
        local socket_unit="$root/lib/systemd/system/pulser-hub-sync-$unit.socket"
        local mode groups command
        if [ -f "$socket_unit" ]; then
            local listen user group socket_gid
            listen=$(unit_value "$socket_unit" ListenStream)
            socket_gid=$(in_root getent group "$(unit_value "$socket_unit" SocketGroup)" | cut -d: -f3)
            user=$(unit_value "$file" User)
            group=$(unit_value "$file" Group)
            command=$(unit_value "$file" ExecStart)
            echo "start pulser-hub-sync-$unit.socket ($listen) and .service as $user:$group: $command"
            # shellcheck disable=SC2086
            python3 Tests/Install/socket-activate.py "$root$listen" "$socket_gid" "$(unit_value "$socket_unit" SocketMode)" \
                /usr/sbin/chroot "$root" /usr/bin/setpriv --reuid="$user" --regid="$group" --init-groups -- $command \
                2>>"$work/$unit.log" &
            pids+=($!)
            continue
        fi
        mode=$(sed -n 's/^RuntimeDirectoryMode=//p' "$file")
        install -d -m "${mode:-0755}" "$root/run/pulser-hub-sync"
        chmod "${mode:-0755}" "$root/run/pulser-hub-sync"
        in_root chown pulser-hub-sync:pulser-hub-sync /run/pulser-hub-sync
        while read -r pre; do
            # shellcheck disable=SC2086
            [ -n "$pre" ] && chroot "$root" ${pre#+}
        done < <(sed -n 's/^ExecStartPre=+//p' "$file")
        groups=$(sed -n 's/^SupplementaryGroups=//p' "$file")
        command=$(sed -n 's/^ExecStart=//p' "$file")
        echo "start pulser-hub-sync-$unit.service: $command${groups:+ (supplementary groups: $groups)}"
        # shellcheck disable=SC2086
        chroot "$root" runuser -u pulser-hub-sync -g pulser-hub-sync ${groups:+-G $groups} -- $command 2>>"$work/$unit.log" &
        pids+=($!)
    done
    # The sockets exist before the programs do (socket activation binds first): wait for both.
    for _ in $(seq 50); do
        [ -S "$root/run/pulser-hub-sync/webhook.sock" ] && [ -S "$root/run/pulser-hub-sync/callback.sock" ] \
            && program_pid webhook-fcgi >/dev/null && program_pid callback-fcgi >/dev/null && break
        sleep 0.1
    done
    in_root nginx
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
}

stop_units() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
    in_root nginx -s stop 2>/dev/null || true
    sleep 0.5
}

deliver() {  # delivery id -> HTTP status
    local body='{"zen":"Design for failure.","hook_id":1,"hook":{"type":"App","id":1,"events":["push"],"app_id":4242}}'
    local signature
    signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
    curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/github/webhook" -H 'Content-Type: application/json' \
        -H 'X-GitHub-Event: ping' -H 'X-GitHub-Hook-ID: 1' -H "X-GitHub-Delivery: $1" -H "X-Hub-Signature-256: sha256=$signature" \
        --data-binary "$body"
}
database="$root/var/lib/pulser-hub-sync/hubsync.db"
sql() { sqlite3 -batch -cmd '.timeout 5000' "$database" "$1"; }

# -- Install the previous package, take a delivery ----------------------------------------------------------
step "install the previous package ($(basename "$previous_deb"))"
cp "$previous_deb" "$root/tmp/previous.deb"
in_root dpkg -i /tmp/previous.deb
configure
start_units
check "previous version: a signed delivery through nginx is stored (200)" test "$(deliver before-upgrade-1)" = 200
stop_units
check "previous version: the database has schema 8 and the delivery" test "$(sql 'PRAGMA user_version'; sql "SELECT count(*) FROM events WHERE delivery_id = 'before-upgrade-1'")" = "$(printf '8\n1')"

# -- Upgrade in place -------------------------------------------------------------------------------------
step "upgrade to $(basename "$deb")"
cp "$deb" "$root/tmp/current.deb"
in_root dpkg -i --force-confold /tmp/current.deb  # keep the admin's hubsync.env, as answering "N" to dpkg's question does
check "the configuration (a conffile) is kept on upgrade" grep -q "GITHUB_WEBHOOK_SECRET=$secret" "$root/etc/pulser-hub-sync/hubsync.env"
# The current schema version is the number of migrations (Sources/Common/Store/Migrations.swift).
schema=$(grep -c 'Migration(name:' "$repo/Sources/Common/Store/Migrations.swift")
check "postinst migrated the database to the current schema ($schema) and kept the delivery" \
    test "$(sql 'PRAGMA user_version'; sql "SELECT count(*) FROM events WHERE delivery_id = 'before-upgrade-1'")" = "$(printf '%s\n1' "$schema")"
# (Owners are read inside the root: its user ids are not the host's.)
modes=$(in_root stat -c '%a %U:%G' /var/lib/pulser-hub-sync /var/lib/pulser-hub-sync/hubsync.db /var/lib/pulser-hub-sync/hubsync.key | xargs)
check "the state directory, the database and the secrets key are shared with the service's group only ($modes)" \
    test "$modes" = "770 pulser-hub-sync:pulser-hub-sync 660 pulser-hub-sync:pulser-hub-sync 640 pulser-hub-sync:pulser-hub-sync"
modes=$(in_root stat -c '%a %U:%G' /var/lib/pulser-hub-sync/tokens.key 2>&1)
check "the token key is private to the service user ($modes)" test "$modes" = "600 pulser-hub-sync:pulser-hub-sync"
check "webhook-fcgi has a user of its own, in the service's group" \
    test "$(in_root id -gn pulser-hub-sync-webhook) $(in_root id -Gn pulser-hub-sync-webhook)" = "pulser-hub-sync pulser-hub-sync"
check "hubsync.env is root:pulser-hub-sync 0640" test "$(in_root stat -c '%a %U:%G' /etc/pulser-hub-sync/hubsync.env)" = "640 root:pulser-hub-sync"
echo "$ hubsync --version; hubsync doctor --online (as pulser-hub-sync, in the root)"
in_root /usr/bin/hubsync --version
in_root runuser -u pulser-hub-sync -- /usr/bin/hubsync doctor --online || true

start_units
check "the sockets are root:www-data 0660 (the .socket units): nginx's group may connect, nobody else" \
    test "$(in_root stat -c '%a %U:%G' /run/pulser-hub-sync/webhook.sock /run/pulser-hub-sync/callback.sock)" \
        = "$(printf '660 root:www-data\n660 root:www-data')"
check "nginx's user may connect to them" in_root runuser -u www-data -- test -w /run/pulser-hub-sync/webhook.sock
check "another user may not" not in_root runuser -u nobody -- test -w /run/pulser-hub-sync/webhook.sock
check "webhook-fcgi runs without nginx's group" lacks_group "webhook-fcgi" www-data
check "callback-fcgi runs without nginx's group" lacks_group "callback-fcgi" www-data
users="$(runs_as webhook-fcgi) $(runs_as callback-fcgi)"
check "webhook-fcgi runs as pulser-hub-sync-webhook, callback-fcgi as pulser-hub-sync (they run as: $users)" \
    test "$users" = "pulser-hub-sync-webhook pulser-hub-sync"
# What a compromised receiver could read: a process with exactly the running webhook-fcgi's user and
# groups (from /proc) tries each file.
for file in /etc/pulser-hub-sync/app.pem /etc/pulser-hub-sync/client-secret /var/lib/pulser-hub-sync/tokens.key; do
    check "webhook-fcgi's user and groups cannot read $file" not as_process_of webhook-fcgi cat "$file"
done
for file in /etc/pulser-hub-sync/hubsync.env /var/lib/pulser-hub-sync/hubsync.key; do
    check "webhook-fcgi's user and groups can read $file (what it needs)" as_process_of webhook-fcgi cat "$file"
done
check "callback-fcgi's user can read the App's key and the client secret" \
    as_process_of callback-fcgi cat /etc/pulser-hub-sync/app.pem /etc/pulser-hub-sync/client-secret
check "a signed delivery through nginx is stored (200)" test "$(deliver after-upgrade-1)" = 200
check "a redelivery of it is a duplicate, not a second row" test "$(deliver after-upgrade-1)" = 200
check "a delivery signed with another secret is refused (401)" test "$(secret=wrong deliver forged-1)" = 401
check "the events: both deliveries once, processed" \
    test "$(sql "SELECT delivery_id || ' ' || status FROM events ORDER BY id")" = "$(printf 'before-upgrade-1 processed\nafter-upgrade-1 processed')"
# A secret stored by the admin (sealed under hubsync.key, which webhook-fcgi's user reads through its group).
stored_secret="install-test-stored-secret-$$-0123456789abcdef"
printf '%s' "$stored_secret" | in_root runuser -u pulser-hub-sync -- /usr/bin/hubsync secret set >/dev/null
sleep 1.2  # webhook-fcgi re-reads the stored secrets on a mismatch, at most once a second
check "a delivery signed with a secret stored by 'hubsync secret set' is stored (200)" test "$(secret=$stored_secret deliver stored-secret-1)" = 200
page=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$port/github/auth/callback?code=code-octocat-1&installation_id=1&setup_action=install")
check "the install callback answers 200 with its page" test "$(tail -1 <<<"$page")" = 200
check "the callback recorded the integration, installed by octocat" \
    test "$(sql "SELECT installation_id || ' ' || account_login || ' ' || status || ' ' || installed_by_login FROM integrations")" = "1 octo-org active octocat"
curl -s "http://127.0.0.1:$fake_port/_tokens" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)))' > "$work/tokens"
check "the tokens GitHub issued are stored sealed, never in plain text" \
    sh -c "[ -s '$work/tokens' ] && ! cat '$database'* | grep -a -F -q -f '$work/tokens'"
# An action, as an admin writes one; webhook-fcgi queues the next delivery for it and the dispatch
# unit's program, as its user, runs it.
check "the actions directory is root:pulser-hub-sync 0750" \
    test "$(in_root stat -c '%a %U:%G' /etc/pulser-hub-sync/actions.d)" = "750 root:pulser-hub-sync"
check "the dispatch unit is installed" test -f "$root/lib/systemd/system/pulser-hub-sync-dispatch.service"
printf 'EVENTS=ping\nCOMMAND=/usr/bin/tee /var/lib/pulser-hub-sync/action-ran\n' > "$root/etc/pulser-hub-sync/actions.d/record.action"
chmod 0644 "$root/etc/pulser-hub-sync/actions.d/record.action"
action_body='{"zen":"Actions run from the outbox.","hook_id":1}'
action_signature=$(printf '%s' "$action_body" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
check "a delivery matching the action is stored (200)" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    "http://127.0.0.1:$port/github/webhook" -H 'Content-Type: application/json' -H 'X-GitHub-Event: ping' -H 'X-GitHub-Hook-ID: 1' \
    -H 'X-GitHub-Delivery: action-1' -H "X-Hub-Signature-256: sha256=$action_signature" --data-binary "$action_body")" = 200
dispatch_user=$(unit_value "$root/lib/systemd/system/pulser-hub-sync-dispatch.service" User)
# shellcheck disable=SC2046
chroot "$root" runuser -u "$dispatch_user" -g pulser-hub-sync -- $(unit_value "$root/lib/systemd/system/pulser-hub-sync-dispatch.service" ExecStart) \
    2>>"$work/dispatch.log" &
dispatch_pid=$!
for _ in $(seq 100); do [ -s "$root/var/lib/pulser-hub-sync/action-ran" ] && break; sleep 0.1; done
kill -TERM "$dispatch_pid" 2>/dev/null || true
wait "$dispatch_pid" 2>/dev/null || true
check "the dispatcher ran the action with the delivery's exact body" test "$(cat "$root/var/lib/pulser-hub-sync/action-ran" 2>&1)" = "$action_body"
check "the outbox item is done" test "$(sql "SELECT status FROM outbox WHERE event_id = (SELECT id FROM events WHERE delivery_id = 'action-1')")" = done
stop_units

# -- Remove keeps the data; purge deletes it ---------------------------------------------------------------
step "remove, then purge"
in_root dpkg -r pulser-hub-sync
check "remove keeps the database and the configuration" test -f "$database" -a -f "$root/etc/pulser-hub-sync/hubsync.env"
in_root dpkg -P pulser-hub-sync
check "purge deletes the database and the configuration" test ! -e "$root/var/lib/pulser-hub-sync" -a ! -e "$root/etc/pulser-hub-sync/hubsync.env"

echo
cleanup
trap - EXIT
if [ "$failures" -gt 0 ]; then echo "test-install: $failures check(s) failed (logs in $work)"; exit 1; fi
echo "test-install: all checks passed"
# Never delete through a mounted /proc.
if mountpoint -q "$root/proc"; then echo "test-install: $root/proc is still mounted; leaving $work" >&2; exit 1; fi
rm -rf "$work"
