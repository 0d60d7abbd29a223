#!/usr/bin/env bash
# `make deb`: dist/pulser-hub-sync_VERSION_ARCH.deb from the binaries `make release` staged, with
# dpkg-deb and no network: the programs in /usr/bin, the units in /lib/systemd/system, the
# configuration as conffiles, maintainer scripts from packaging/debian/.
#   build-deb.sh [--bin-dir DIR] [--version DEBIAN_VERSION] [--out FILE] [--packaging DIR]
# (--packaging: another packaging/ folder, as make test-install uses an older commit's units with
# that commit's binaries.)
# (The install test packages an older commit's binaries this way, to prove upgrades.)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
version=$(scripts/version.sh --debian)
arch=$(dpkg --print-architecture)
bin_dir=""
out=""
packaging=packaging
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) bin_dir=$2; shift 2 ;;
        --version) version=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --packaging) packaging=$2; shift 2 ;;
        *) echo "build-deb.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done
if [ -z "$bin_dir" ]; then
    bin_dir="$repo/dist/pulser-hub-sync-$(scripts/version.sh)-linux-$(uname -m)/bin"
    [ -x "$bin_dir/webhook-fcgi" ] || { echo "build-deb.sh: run make release first ($bin_dir is missing)" >&2; exit 1; }
fi
out=${out:-$repo/dist/pulser-hub-sync_${version}_$arch.deb}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"

install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/pulser-hub-sync" \
    "$root/etc/nginx/snippets" "$root/etc/nginx/conf.d" "$root/usr/share/doc/pulser-hub-sync"
for program in webhook-fcgi callback-fcgi hubsync; do
    install -m 0755 "$bin_dir/$program" "$root/usr/bin/$program"
    strip --strip-unneeded "$root/usr/bin/$program"
done
install -m 0644 "$packaging"/systemd/* "$root/lib/systemd/system/"
install -m 0640 "$packaging"/hubsync.env "$root/etc/pulser-hub-sync/hubsync.env"
install -m 0644 nginx/pulser-hub-sync.conf "$root/etc/nginx/snippets/pulser-hub-sync.conf"
install -m 0644 nginx/pulser-hub-sync-limits.conf "$root/etc/nginx/conf.d/pulser-hub-sync-limits.conf"
gzip -9n < README.md > "$root/usr/share/doc/pulser-hub-sync/README.md.gz"
cat > "$root/usr/share/doc/pulser-hub-sync/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: pulser-hub-sync

Files: *
Copyright: 2026 The pulser-hub-sync authors
License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
COPYRIGHT
{
    echo "pulser-hub-sync ($version) stable; urgency=medium"
    echo
    echo "  * Release $version (git describe); README.md says what it does."
    echo
    echo " -- pulser-hub-sync maintainers <maintainers@pulser-hub-sync.invalid>  $(git log -1 --format=%aD 2>/dev/null || date -R)"
} | gzip -9n > "$root/usr/share/doc/pulser-hub-sync/changelog.gz"
# The configuration is kept from others' eyes from the start (postinst gives it the service's group).
install -d -m 0755 "$root/usr/share/lintian/overrides"
printf '%s\n' 'pulser-hub-sync: non-standard-file-perm 0640 != 0644 [etc/pulser-hub-sync/hubsync.env]' \
    > "$root/usr/share/lintian/overrides/pulser-hub-sync"
install -m 0755 "$packaging"/debian/postinst "$packaging"/debian/prerm "$packaging"/debian/postrm "$root/DEBIAN/"
printf '%s\n' /etc/pulser-hub-sync/hubsync.env /etc/nginx/snippets/pulser-hub-sync.conf /etc/nginx/conf.d/pulser-hub-sync-limits.conf \
    > "$root/DEBIAN/conffiles"

# Depends: what the binaries load, as dpkg-shlibdeps reads it from the libraries' shlibs files.
shlibs_dir=$(mktemp -d)
mkdir "$shlibs_dir/debian"
printf 'Source: pulser-hub-sync\n\nPackage: pulser-hub-sync\nArchitecture: any\n' > "$shlibs_dir/debian/control"
shlib_depends=$(cd "$shlibs_dir" && dpkg-shlibdeps -O "$root/usr/bin/webhook-fcgi" "$root/usr/bin/callback-fcgi" "$root/usr/bin/hubsync" \
    2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlibs_dir"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: pulser-hub-sync
Version: $version
Architecture: $arch
Maintainer: pulser-hub-sync maintainers <maintainers@pulser-hub-sync.invalid>
Installed-Size: $installed_size
Depends: $shlib_depends, adduser, init-system-helpers (>= 1.54~)
Recommends: nginx | nginx-light
Section: net
Priority: optional
Homepage: https://github.com/pulser-hub-sync/pulser-hub-sync
Description: GitHub App server side as FastCGI programs behind nginx
 webhook-fcgi receives GitHub's webhook deliveries, checks their signature,
 stores each one durably in SQLite before answering, and keeps a local mirror
 of installations, repositories, pull requests, issues and workflow runs.
 callback-fcgi serves the installation callback. hubsync is the admin's
 command line: checks, secret rotation, tokens, events, statistics and the
 recovery of failed deliveries. A drop-in replacement for the Odoo module
 Pulser Hub Sync (same URLs and environment variables).
CONTROL
(cd "$root" && find usr lib etc -type f ! -path 'etc/*' -exec md5sum {} + | sort -k2) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
mkdir -p "$(dirname "$out")"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "deb: $out"
