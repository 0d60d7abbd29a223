#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need (plus the groups named as arguments), and only those that are missing,
# so `make run` and `make test` work on a fresh Debian 12 machine (and are quick when all is there).
set -euo pipefail

packages=(
  nginx-light          # the front end the tests and `make run` start (no daemon is enabled)
  libfcgi-dev          # FastCGI responder library (fcgiapp.h, libfcgi.a)
  libssl-dev           # OpenSSL libcrypto: HMAC, RSA, AES-GCM
  libsqlite3-dev       # the store
  libcurl4-openssl-dev # GitHub API client
  pkg-config           # SwiftPM system-library targets find the C libraries through it
  sqlite3              # operators' and tests' inspection of the database
  curl                 # the printed test command and the end-to-end tests
  openssl              # make run signs its test ping; tests sign and verify with it independently
  python3              # end-to-end test helpers
  chromium             # the console's tests drive a real headless browser (Tests/Browser); make screenshots
  libpq-dev            # PostgreSQL's client library (issue 18: the CLibPQ module)
  postgresql           # the tests start PostgreSQL servers of their own (initdb into a temporary directory)
)
# Extra groups for the targets that need them: `install-deps.sh release`, `install-deps.sh install-test`.
for group in "$@"; do
  case "$group" in
    release) packages+=(dpkg-dev binutils lintian) ;;   # dpkg-shlibdeps for Depends:, strip, the package's checks
    install-test) packages+=(debootstrap procps systemd) ;;  # the clean Debian 12 root the .deb goes into; pgrep; systemd-analyze
    *) echo "install-deps: unknown group $group" >&2; exit 64 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
install_python_cryptography() {
  # The tests' fake GitHub verifies RS256 JWTs with Python's cryptography package.
  python3 -c 'import cryptography' 2>/dev/null && return 0
  echo "install-deps: installing Python's cryptography package" >&2
  if [ "$(command -v python3)" = /usr/bin/python3 ]; then
    $SUDO apt-get install -y -qq --no-install-recommends python3-cryptography >/dev/null
  else
    python3 -m pip install --quiet cryptography
  fi
}

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -eq 0 ]; then install_python_cryptography; exit 0; fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nginx after installing it; we run our own instances, so stop the system one.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi
if [ -f /run/nginx.pid ]; then $SUDO kill "$(cat /run/nginx.pid)" 2>/dev/null || true; fi
# Likewise Debian's own PostgreSQL cluster: the tests start servers of their own.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now postgresql >/dev/null 2>&1 || true; fi
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r version cluster _; do $SUDO pg_ctlcluster "$version" "$cluster" stop 2>/dev/null || true; done
fi
install_python_cryptography
