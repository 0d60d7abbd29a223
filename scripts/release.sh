#!/usr/bin/env bash
# `make release`: webhook-fcgi, callback-fcgi and hubsync built with -c release and the Swift
# standard library linked in, libfcgi and SQLite linked in from Debian's static archives, stripped,
# and packed with the nginx snippet, the systemd units, an example hubsync.env, the README and the
# licence into dist/pulser-hub-sync-VERSION-linux-ARCH.tar.gz. What stays dynamic: glibc, OpenSSL's
# libcrypto (libssl3) and, for callback-fcgi and hubsync, libcurl (libcurl4); README lists them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
version=$(scripts/version.sh)
arch=$(uname -m)
scratch="$repo/.build-release"
programs=(webhook-fcgi callback-fcgi hubsync)

# libfcgi and SQLite linked statically (see the script).
source scripts/static-c-libraries.sh "$scratch"

echo "release: building $version for linux-$arch"
for program in "${programs[@]}"; do
    swift build -c release --scratch-path "$scratch" --static-swift-stdlib --product "$program" \
        -Xcc "-DHUBSYNC_VERSION=\"$version\""
done
bin_dir=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

name="pulser-hub-sync-$version-linux-$arch"
stage="$repo/dist/$name"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/nginx" "$stage/systemd"
for program in "${programs[@]}"; do
    install -m 0755 "$bin_dir/$program" "$stage/bin/$program"
    strip --strip-unneeded "$stage/bin/$program"
done
# Failure injection for the tests (Sources/Webhooks/TestFault.swift) is compiled into debug builds
# only; a release binary that carries its marker or its switch was built wrong.
for program in "${programs[@]}"; do
    if grep -qaE 'hubsync_test_fault|HUBSYNC_TEST_FAULTS|injected crash' "$stage/bin/$program"; then
        echo "release: $program contains the tests' failure injection; build it with -c release" >&2
        exit 1
    fi
done
install -m 0644 nginx/pulser-hub-sync.conf nginx/pulser-hub-sync-limits.conf "$stage/nginx/"
install -m 0644 packaging/systemd/* "$stage/systemd/"
install -m 0644 packaging/hubsync.env "$stage/hubsync.env.example"
install -m 0644 README.md LICENSE "$stage/"
tar -C "$repo/dist" -czf "$repo/dist/$name.tar.gz" "$name"

# What the binaries are: sizes, their version, and what they still load.
for program in "${programs[@]}"; do
    printf '%-14s %9s bytes  %s\n' "$program" "$(stat -c %s "$stage/bin/$program")" "$("$stage/bin/$program" --version)"
done
for program in "${programs[@]}"; do
    echo "ldd $program:"
    ldd "$stage/bin/$program" | sed 's/^/  /'
done
echo "release: dist/$name.tar.gz ($(stat -c %s "$repo/dist/$name.tar.gz") bytes); staged in dist/$name/"
