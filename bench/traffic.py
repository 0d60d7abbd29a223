#!/usr/bin/env python3
"""Realistic webhook traffic for `make bench`: unique signed deliveries in the mix of a busy
organization with CI, written to a corpus file that bench/traffic.lua sends through wrk.

Every delivery is different, as in production: a random GUID as delivery id; one of REPOSITORIES
repositories of one organization (its id, name and every URL that names it); pull request and issue
numbers spread over each repository; new object ids, head shas and titles; timestamps that move
forward (so every mirror update finds something newer to write). Bodies are GitHub's own examples
(Tests/Fixtures/payloads, from octokit/webhooks) with those values replaced, pretty-printed as
GitHub sends them, and signed with the bench's secret.

The mix (MIX below) is an assumption, stated so that it can be argued with: an organization whose
pushes and pull requests run CI, so check runs, workflow jobs and workflow runs outnumber the
pushes that cause them; GitHub documents no distribution. The repository and installation events a
mirror also handles are a sliver of the traffic.

Corpus format (read by traffic.lua), one record per delivery:
    EVENT DELIVERY_ID SIGNATURE BODY_LENGTH\\n BODY
usage: traffic.py OUT COUNT SECRET [SEED]   (prints the mean body size and the mix on stderr)
"""
import datetime
import hashlib
import hmac
import json
import os
import random
import re
import sys
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAYLOADS = os.path.join(REPO, "Tests", "Fixtures", "payloads")
REPOSITORIES = 240
INSTALLATIONS = 3
ORGANIZATION = "octo-org"

# (event, weight in percent, fixture files): files are picked uniformly within an event.
MIX = [
    ("push", 20, ["push/payload.json", "push/with-organization.payload.json", "push/with-new-branch.payload.json"]),
    ("check_run", 18, ["check_run/created.payload.json", "check_run/completed.payload.json"]),
    ("workflow_job", 15, ["workflow_job/queued.payload.json", "workflow_job/in_progress.payload.json",
                          "workflow_job/completed.success.with-organization.payload.json"]),
    ("pull_request", 12, ["pull_request/opened.payload.json", "pull_request/synchronize.payload.json",
                          "pull_request/labeled.payload.json", "pull_request/closed.payload.json",
                          "pull_request/review_requested.payload.json"]),
    ("workflow_run", 10, ["workflow_run/requested.payload.json", "workflow_run/completed.payload.json"]),
    ("issue_comment", 8, ["issue_comment/created.payload.json", "issue_comment/edited.payload.json"]),
    ("check_suite", 6, ["check_suite/requested.payload.json", "check_suite/completed.payload.json"]),
    ("issues", 6, ["issues/opened.payload.json", "issues/labeled.payload.json", "issues/edited.payload.json",
                   "issues/assigned.payload.json"]),
    ("create", 2, ["create/payload.json"]),
    ("delete", 1.5, ["delete/payload.json"]),
    ("release", 0.5, ["release/published.payload.json"]),
    ("installation_repositories", 0.5, ["installation_repositories/added.payload.json"]),
    ("repository", 0.5, ["repository/edited.payload.json"]),
]

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
SHA = re.compile(r"^[0-9a-f]{40}$")
# Objects whose id is new in every delivery (the repository's comes from the pool).
FRESH_ID_OBJECTS = {"pull_request", "issue", "comment", "check_run", "check_suite", "workflow_run", "workflow_job", "release", "head_commit"}
TOKEN = re.compile(r'"#N:(\w+)#"|#S:(\w+)#')


def template(path):
    """The fixture with placeholders: `"#N:name#"` for numbers, `#S:name#` inside strings."""
    with open(os.path.join(PAYLOADS, path)) as file:
        document = json.load(file)
    repository = document.get("repository") or {}
    full_name, name = repository.get("full_name"), repository.get("name")

    def walk(value, key, parent):
        if isinstance(value, dict):
            for child_key in list(value):
                value[child_key] = walk(value[child_key], child_key, key)
            return value
        if isinstance(value, list):
            return [walk(item, key, parent) for item in value]
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            if key == "id" and parent == "repository":
                return "#N:repo_id#"
            if key == "id" and parent in FRESH_ID_OBJECTS:
                return "#N:fresh_id#"
            if key == "number" and parent in (None, "pull_request", "issue"):
                return "#N:number#"
            if key in ("pushed_at", "created_at") and value > 1_000_000_000:
                return "#N:epoch#"
            if key == "id" and parent == "installation":
                return "#N:installation_id#"
            return value
        if isinstance(value, str):
            if TIME.match(value):
                return "#S:time#"
            if SHA.match(value):
                return "#S:sha#"
            if key == "title":
                return value + " #S:word#"
            if full_name and full_name in value:
                value = value.replace(full_name, "#S:full_name#")
            if name and key == "name" and parent == "repository":
                return "#S:repo_name#"
            return value
        return value

    walked = walk(document, None, None)
    if "installation" not in walked:
        walked["installation"] = {"id": "#N:installation_id#", "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="}
    return json.dumps(walked, indent=2)


WORDS = "alpha beta gamma delta refactor fix docs build deps bump cache flaky retry parser handler mirror".split()


def generate(out, count, secret, seed=20261202):
    rng = random.Random(seed)
    templates = {event: [template(path) for path in paths] for event, _, paths in MIX}
    events = [event for event, _, _ in MIX]
    weights = [weight for _, weight, _ in MIX]
    clock = 1_795_000_000.0  # 2026-11-18T...: a day's worth of traffic moves it forward
    fresh_id = 5_000_000_000
    total_bytes = 0
    counts = {event: 0 for event in events}
    key = secret.encode()
    with open(out + ".tmp", "wb") as file:
        for _ in range(count):
            event = rng.choices(events, weights)[0]
            text = rng.choice(templates[event])
            repository = rng.randrange(REPOSITORIES)
            clock += rng.random() * 0.05
            fresh_id += 1
            values = {
                "repo_id": str(100_000 + repository), "repo_name": f"service-{repository:03d}",
                "full_name": f"{ORGANIZATION}/service-{repository:03d}", "number": str(rng.randint(1, 4000)),
                "fresh_id": str(fresh_id), "epoch": str(int(clock)),
                "time": _iso(clock), "installation_id": str(1 + repository % INSTALLATIONS),
            }

            def substitute(match):
                name = match.group(1) or match.group(2)
                if name == "sha":
                    return "%040x" % rng.getrandbits(160)
                if name == "word":
                    return rng.choice(WORDS) + "-" + str(rng.randrange(100_000))
                return values[name]

            body = TOKEN.sub(substitute, text).encode()
            signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            delivery = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            file.write(f"{event} {delivery} {signature} {len(body)}\n".encode())
            file.write(body)
            total_bytes += len(body)
            counts[event] += 1
    os.replace(out + ".tmp", out)
    return total_bytes / count, counts


def _iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    out, count, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261202
    mean, counts = generate(out, count, secret, seed)
    print(f"traffic: {count} deliveries, mean body {mean:,.0f} bytes; "
          + ", ".join(f"{event} {n}" for event, n in sorted(counts.items(), key=lambda item: -item[1])), file=sys.stderr)


if __name__ == "__main__":
    main()
