#!/usr/bin/env bash
# The version of this checkout, from `git describe` (tags v*): `version.sh` prints it as git says
# it without the leading v (0.1.0-3-gabc1234-dirty); `version.sh --debian` prints a Debian version
# (0.1.0+3.gabc1234.dirty). Without a tag: 0.0.0 and the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
described=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo "v0.0.0-0-g$(git rev-parse --short HEAD)$(git diff --quiet HEAD 2>/dev/null || echo -dirty)")
plain=${described#v}
if [ "${1:-}" = "--debian" ]; then
    # Upstream version first, the rest after a +, dots only: sorts after the tag it builds on.
    base=${plain%%-*}
    rest=${plain#"$base"}
    if [ -n "$rest" ]; then echo "$base+$(echo "${rest#-}" | tr '-' '.')"; else echo "$base"; fi
else
    echo "$plain"
fi
