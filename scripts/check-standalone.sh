#!/usr/bin/env bash
# The repository stands alone: a clone with nothing beside it must build, test and explain itself.
# Fails when a tracked file refers to the reference library that sits beside the developers'
# checkouts (its folder, or its notes by their file names), since a clone from the project's public
# home has none of it. The notes that comments cite live in docs/, the test payloads in
# Tests/Fixtures/.
set -euo pipefail
cd "$(dirname "$0")/.."
# Spelled in pieces so that this script does not match itself.
sibling='\.\./'"shared"'|/work/'"shared"'|'"shared"'/(payloads|hooks)'
notes='(GITHUB|STACK|STYLE)'"\.md"
if hits=$(git grep -nE "$sibling|(^|[^/a-z-])$notes" -- . ':!docs/*.md'); then
    echo "check-standalone: these lines refer outside the repository:" >&2
    echo "$hits" >&2
    exit 1
fi
echo "check-standalone: no file refers outside the repository"
