#!/usr/bin/env python3
"""A fake GitHub for the tests: the endpoints pulser-hub-sync calls, with GitHub's documented
request and response shapes (docs/github-protocol.md, Tests/Fixtures/payloads/examples-docs.md), and checks
of what it is sent: the App JWT's RS256 signature against the App's public key, its `iss`, `iat`
and `exp`, the OAuth client id and secret, and the headers GitHub requires. Every request is logged
(GET /_log) with what was checked; counters at GET /_stats; behaviour switched with POST /_control.

    fake_github.py --port 0 --pem APP_KEY.pem --issuer Iv1.abc --client-id Iv1.abc --client-secret S \
        --state-file fixtures.json
Prints `LISTENING <port>` once ready.
"""
import argparse, base64, json, secrets, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

LOCK = threading.RLock()  # record() is also called while the lock is held
LOG = []
STATS = {"installation_tokens": {}, "oauth_exchanges": 0, "refreshes": 0, "redelivery_requests": [], "hook_config": {}}
ISSUED = []  # every token handed out, so tests can check that none is stored in plain text
MODE = {"mode": "normal"}


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class World:
    """Users, installations and issued tokens."""

    def __init__(self, fixtures, issuer, client_id, client_secret, public_key, token_lifetime):
        self.users = {u["id"]: u for u in fixtures["users"]}
        self.codes = dict(fixtures["codes"])          # code -> user id, single use
        self.installations = {i["id"]: i for i in fixtures["installations"]}
        self.access = {int(k): v for k, v in fixtures["access"].items()}  # user id -> installation ids
        # user id -> {organization login: role}: `admin` is an owner, `member` only a member.
        self.memberships = {int(k): v for k, v in fixtures.get("memberships", {}).items()}
        self.teams = fixtures.get("teams", {})  # "org/team-slug" -> {login: "active" or "pending"}
        self.issuer, self.client_id, self.client_secret = issuer, client_id, client_secret
        self.public_key = public_key
        self.token_lifetime = token_lifetime
        self.user_tokens = {}     # token -> (user id, expires)
        self.refresh_tokens = {}  # refresh token -> user id
        self.app = fixtures["app"]
        self.repositories = {int(k): v for k, v in fixtures.get("repositories", {}).items()}  # installation -> repos
        self.pulls = fixtures.get("pulls", {})
        self.issues = fixtures.get("issues", {})
        self.runs = fixtures.get("runs", {})
        self.installation_tokens = {}  # token -> (installation id, expires)
        self.hook_deliveries = []  # the App hook's delivery attempts, set by the tests through /_control

    def installation_of(self, full_name):
        for installation_id, repositories in self.repositories.items():
            if any(r["full_name"] == full_name for r in repositories):
                return installation_id
        return None

    def verify_jwt(self, token):
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            if header.get("alg") != "RS256":
                return f"alg {header.get('alg')} is not RS256"
            self.public_key.verify(b64url_decode(signature_b64), f"{header_b64}.{claims_b64}".encode(),
                                   padding.PKCS1v15(), hashes.SHA256())
        except Exception as error:  # noqa: BLE001 - any failure is a bad JWT
            return f"invalid JWT ({type(error).__name__})"
        now = int(time.time())
        if not isinstance(claims.get("iat"), int) or not isinstance(claims.get("exp"), int):
            return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
        if claims["exp"] - claims["iat"] > 600:
            return "'Expiration time' claim ('exp') is too far in the future"
        if claims["exp"] <= now:
            return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
        if claims["iat"] > now + 60:
            return "'Issued at' claim ('iat') is in the future"
        if str(claims.get("iss")) != self.issuer:
            return f"'Issuer' claim ('iss') must be {self.issuer}"
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    world = None

    def log_message(self, *args):  # quiet
        pass

    def record(self, **fields):
        with LOCK:
            url = urlsplit(self.path)
            LOG.append(dict(method=self.command, path=url.path, query=url.query, time=time.time(), **fields))

    def send_json(self, status, value, headers=None):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, header_value in (headers or {}).items():
            self.send_header(name, header_value)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def bearer(self):
        value = self.headers.get("Authorization", "")
        return value[7:] if value.startswith("Bearer ") else None

    def rest_headers_problem(self):
        if self.headers.get("Accept") != "application/vnd.github+json":
            return "Accept must be application/vnd.github+json"
        if self.headers.get("X-GitHub-Api-Version") != "2022-11-28":
            return "X-GitHub-Api-Version must be 2022-11-28"
        if not self.headers.get("User-Agent"):
            return "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"
        return None

    # -- dispatch ---------------------------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path == "/_log":
            with LOCK:
                return self.send_json(200, LOG)
        if path == "/_stats":
            with LOCK:
                return self.send_json(200, STATS)
        if path == "/_tokens":
            with LOCK:
                return self.send_json(200, ISSUED)
        if path == "/_control":
            control = json.loads(self.read_body() or b"{}")
            with LOCK:
                if "authorize_as" in control:  # who is signed in on this GitHub when a browser comes to authorize
                    self.world.authorize_as = control.pop("authorize_as")
                if "uninstall" in control:  # the installation disappears, as after an uninstall on GitHub
                    self.world.installations.pop(control.pop("uninstall"), None)
                if "hook_deliveries" in control:
                    self.world.hook_deliveries = control.pop("hook_deliveries")
                if "mode" in control:
                    MODE.clear()
                    MODE.update(control)
                return self.send_json(200, MODE)
        with LOCK:
            settings = dict(MODE)
            mode = MODE["mode"]
            if mode != "normal" and MODE.get("after", 0) > 0:  # serve some requests normally first
                MODE["after"] -= 1
                mode = "normal"
            elif mode != "normal" and "count" in MODE:  # then this many in the mode, then normal again
                MODE["count"] -= 1
                if MODE["count"] <= 0:
                    MODE.clear()
                    MODE["mode"] = "normal"
        if path == "/_landing":  # where mode "redirect" sends clients: records what arrived
            body = self.read_body()
            self.record(outcome=f"landed with {len(body)} body bytes", authorization=self.headers.get("Authorization", ""))
            return self.send_json(200, {"landed": True, "body_bytes": len(body)})
        if mode == "redirect":  # a 307 to /_landing (a client that follows it re-sends its body there)
            self.read_body()
            self.record(outcome="307 to /_landing")
            self.send_response(307)
            self.send_header("Location", settings.get("location", "/_landing"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "huge":  # an answer of `bytes` bytes, as a hostile or broken server might send
            self.read_body()
            self.record(outcome="200 huge")
            size = int(settings.get("bytes", 1 << 20))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * 65536
            sent = 0
            try:
                while sent < size:
                    part = chunk[:min(len(chunk), size - sent)]
                    self.wfile.write(part)
                    sent += len(part)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if mode == "error500":
            self.read_body()
            self.record(outcome="502 (mode error500)")
            return self.send_json(502, {"message": "Server Error"})
        if mode == "ratelimit" and path != "/login/oauth/access_token":
            self.read_body()
            self.record(outcome="403 rate limited")
            return self.send_json(403, {"message": "API rate limit exceeded"},
                                  {"x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000",
                                   "x-ratelimit-reset": str(int(time.time()) + settings.get("reset_in", 1800))})
        if mode == "secondary":
            self.read_body()
            self.record(outcome="403 secondary rate limit")
            return self.send_json(403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
                                  {"retry-after": str(settings.get("retry_after", 1)), "x-ratelimit-remaining": "4000"})
        if path == "/login/oauth/authorize" and self.command == "GET":
            return self.authorize(query)
        if path == "/login/oauth/access_token" and self.command == "POST":
            return self.oauth()
        problem = self.rest_headers_problem()
        if problem:
            self.record(outcome=f"400 {problem}")
            return self.send_json(400, {"message": problem})
        if path == "/user" and self.command == "GET":
            return self.user()
        if path.startswith("/user/memberships/orgs/") and self.command == "GET":
            return self.membership(path.split("/")[4])
        parts = path.strip("/").split("/")
        if len(parts) == 6 and parts[0] == "orgs" and parts[2] == "teams" and parts[4] == "memberships" and self.command == "GET":
            return self.team_membership(parts[1], parts[3], parts[5])
        if path == f"/applications/{self.world.client_id}/token" and self.command == "DELETE":
            return self.revoke_user_token()
        if path == "/user/installations" and self.command == "GET":
            return self.user_installations(query)
        if path == "/app/installations" and self.command == "GET":
            return self.with_jwt(lambda: self.paginate(query, list(self.world.installations.values())))
        if path == "/installation/repositories" and self.command == "GET":
            return self.installation_repositories(query)
        if len(path.strip("/").split("/")) >= 4 and path.startswith("/repos/") and self.command == "GET":
            return self.repository_listing(path, query)
        if path == "/app/hook/config" and self.command in ("GET", "PATCH"):
            return self.with_jwt(self.hook_config)
        if path == "/app/hook/deliveries" and self.command == "GET":
            return self.with_jwt(lambda: self.hook_deliveries(query))
        if path.startswith("/app/hook/deliveries/") and path.endswith("/attempts") and self.command == "POST":
            return self.with_jwt(lambda: self.redeliver(path.split("/")[4]))
        if path == "/app" and self.command == "GET":
            return self.with_jwt(lambda: self.send_json(200, self.world.app))
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[:2] == ["app", "installations"] and self.command == "GET":
            return self.with_jwt(lambda: self.installation(int(parts[2])))
        if len(parts) == 4 and parts[:2] == ["app", "installations"] and parts[3] == "access_tokens" and self.command == "POST":
            return self.with_jwt(lambda: self.access_token(int(parts[2])))
        self.record(outcome="404")
        self.send_json(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    # -- endpoints --------------------------------------------------------------------------
    def with_jwt(self, answer):
        token = self.bearer()
        problem = self.world.verify_jwt(token) if token else "A JSON web token could not be decoded"
        if problem:
            self.record(auth="jwt", outcome=f"401 {problem}")
            return self.send_json(401, {"message": problem})
        self.record(auth="jwt (RS256 signature, iss, iat, exp verified)", outcome="ok")
        return answer()

    def authorize(self, query):
        # The user signed in here (control "authorize_as") approves at once: back to redirect_uri
        # with a new single-use code and the state unchanged, as GitHub does. A wrong client_id or
        # no signed-in user is GitHub's error page.
        params = {k: v[0] for k, v in query.items()}
        login = getattr(self.world, "authorize_as", None)
        user = next((u for u in self.world.users.values() if u["login"] == login), None)
        if params.get("client_id") != self.world.client_id or user is None or not params.get("redirect_uri"):
            self.record(outcome="authorize refused")
            return self.send_json(404, {"message": "Not Found"})
        code = "code-" + secrets.token_urlsafe(12)
        with LOCK:
            self.world.codes[code] = user["id"]
        separator = "&" if "?" in params["redirect_uri"] else "?"
        location = params["redirect_uri"] + separator + urlencode({"code": code, "state": params.get("state", "")})
        self.record(outcome=f"authorized as {login}", redirect_uri=params["redirect_uri"])
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def oauth(self):
        form = {k: v[0] for k, v in parse_qs(self.read_body().decode()).items()}
        wants_json = self.headers.get("Accept") == "application/json"

        def answer(value):
            if wants_json:
                return self.send_json(200, value)  # GitHub reports OAuth errors with 200 as well
            body = "&".join(f"{k}={v}" for k, v in value.items()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-www-form-urlencoded")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        if form.get("client_id") != self.world.client_id or form.get("client_secret") != self.world.client_secret:
            self.record(outcome="incorrect_client_credentials")
            return answer({"error": "incorrect_client_credentials",
                           "error_description": "The client_id and/or client_secret passed are incorrect."})
        with LOCK:
            if form.get("grant_type") == "refresh_token":
                STATS["refreshes"] += 1
                user_id = self.world.refresh_tokens.pop(form.get("refresh_token"), None)  # rotates on use
                if user_id is None:
                    self.record(outcome="bad_refresh_token")
                    return answer({"error": "bad_refresh_token", "error_description": "The refresh token passed is incorrect or expired."})
            else:
                STATS["oauth_exchanges"] += 1
                user_id = self.world.codes.pop(form.get("code"), None)  # single use
                if user_id is None:
                    self.record(outcome="bad_verification_code")
                    return answer({"error": "bad_verification_code",
                                   "error_description": "The code passed is incorrect or expired."})
            token, refresh = "ghu_" + secrets.token_urlsafe(27), "ghr_" + secrets.token_urlsafe(56)
            self.world.user_tokens[token] = (user_id, time.time() + 28800)
            self.world.refresh_tokens[refresh] = user_id
            ISSUED.extend([token, refresh])
        self.record(outcome="user token issued (client secret verified)")
        answer({"access_token": token, "expires_in": 28800, "refresh_token": refresh,
                "refresh_token_expires_in": 15811200, "scope": "", "token_type": "bearer"})

    def user_from_token(self):
        entry = self.world.user_tokens.get(self.bearer() or "")
        if not entry or entry[1] < time.time():
            self.record(auth="user", outcome="401 Bad credentials")
            self.send_json(401, {"message": "Bad credentials"})
            return None
        return self.world.users[entry[0]]

    def user(self):
        user = self.user_from_token()
        if user:
            self.record(auth="user token", outcome="ok")
            self.send_json(200, user)

    def membership(self, org):
        # GET /user/memberships/orgs/{org}: the user's own membership; 404 when not a member.
        user = self.user_from_token()
        if not user:
            return
        role = self.world.memberships.get(user["id"], {}).get(org)
        if role is None:
            self.record(auth="user token", outcome="404 not a member")
            return self.send_json(404, {"message": "Not Found"})
        self.record(auth="user token", outcome=f"ok ({role})")
        self.send_json(200, {"state": "active", "role": role, "organization": {"login": org}, "user": user})

    def team_membership(self, org, slug, login):
        # GET /orgs/{org}/teams/{team_slug}/memberships/{username}: 200 with the state ("active",
        # or "pending" while an invitation waits), 404 when not a member (or the team is unknown).
        if not self.user_from_token():
            return
        state = self.world.teams.get(f"{org}/{slug}", {}).get(login)
        if state is None:
            self.record(auth="user token", outcome="404 not a team member")
            return self.send_json(404, {"message": "Not Found"})
        self.record(auth="user token", outcome=f"ok ({state})")
        self.send_json(200, {"url": f"https://api.github.com/teams/1/memberships/{login}", "role": "member", "state": state})

    def revoke_user_token(self):
        # DELETE /applications/{client_id}/token: Basic auth with the client id and secret, the
        # token in the JSON body; 204, and the token is dead from then on.
        expected = "Basic " + base64.b64encode(f"{self.world.client_id}:{self.world.client_secret}".encode()).decode()
        body = json.loads(self.read_body() or b"{}")
        if self.headers.get("Authorization") != expected:
            self.record(outcome="401 bad client credentials")
            return self.send_json(401, {"message": "Bad credentials"})
        with LOCK:
            removed = self.world.user_tokens.pop(body.get("access_token", ""), None)
            STATS["revoked_user_tokens"] = STATS.get("revoked_user_tokens", 0) + (1 if removed else 0)
        if removed is None:
            self.record(outcome="404 unknown token")
            return self.send_json(404, {"message": "Not Found"})
        self.record(outcome="204 revoked")
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def user_installations(self, query):
        user = self.user_from_token()
        if not user:
            return
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        reachable = [self.world.installations[i] for i in self.world.access.get(user["id"], []) if i in self.world.installations]
        chunk = reachable[(page - 1) * per_page: page * per_page]
        self.record(auth="user token", outcome=f"ok ({len(chunk)} installations, page {page})")
        self.send_json(200, {"total_count": len(reachable), "installations": chunk})

    def installation(self, installation_id):
        installation = self.world.installations.get(installation_id)
        if not installation:
            return self.send_json(404, {"message": "Not Found"})
        self.send_json(200, installation)

    def access_token(self, installation_id):
        if installation_id not in self.world.installations:
            return self.send_json(404, {"message": "Not Found"})
        with LOCK:
            STATS["installation_tokens"][str(installation_id)] = STATS["installation_tokens"].get(str(installation_id), 0) + 1
        # The stateless format rolling out since 2026-04-27: about 520 characters (docs/github-protocol.md, section 8).
        if self.world.installations[installation_id].get("suspended_at"):
            return self.send_json(403, {"message": "This installation has been suspended"})
        token = "ghs_" + str(self.world.app["id"]) + "_" + secrets.token_urlsafe(380)
        with LOCK:
            ISSUED.append(token)
            self.world.installation_tokens[token] = (installation_id, time.time() + self.world.token_lifetime)
        installation = self.world.installations[installation_id]
        self.send_json(201, {"token": token, "expires_at": iso(time.time() + self.world.token_lifetime),
                             "permissions": installation.get("permissions", {}),
                             "repository_selection": installation.get("repository_selection", "all")})

    # -- REST listings (installation token), paginated like GitHub: per_page (max 100), page, and
    # a Link header with absolute URLs (docs/github-protocol.md, section 12) -------------------------------------
    def paginate(self, query, items, wrap=None, auth="jwt"):
        per_page = max(1, min(int(query.get("per_page", ["30"])[0]), 100))
        page = max(1, int(query.get("page", ["1"])[0]))
        chunk = items[(page - 1) * per_page: page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        base = f"http://{self.headers.get('Host')}{urlsplit(self.path).path}"
        def url_for(number):
            params = {k: v[0] for k, v in query.items() if k != "page"}
            params["page"] = str(number)
            return base + "?" + urlencode(params)
        if page < last:
            links += [f'<{url_for(page + 1)}>; rel="next"', f'<{url_for(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url_for(1)}>; rel="first"', f'<{url_for(page - 1)}>; rel="prev"']
        self.record(auth=auth, outcome=f"ok (page {page} of {last}, {len(chunk)} items)")
        headers = {"Link": ", ".join(links)} if links else {}
        headers.update({"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999",
                        "x-ratelimit-reset": str(int(time.time()) + 3600), "x-ratelimit-resource": "core"})
        self.send_json(200, wrap(chunk, len(items)) if wrap else chunk, headers)

    def installation_from_token(self):
        entry = self.world.installation_tokens.get(self.bearer() or "")
        if not entry or entry[1] < time.time():
            self.record(auth="installation token", outcome="401 Bad credentials")
            self.send_json(401, {"message": "Bad credentials"})
            return None
        return entry[0]

    def installation_repositories(self, query):
        installation_id = self.installation_from_token()
        if installation_id is None:
            return
        installation = self.world.installations.get(installation_id, {})
        repositories = [repository_object(r) for r in self.world.repositories.get(installation_id, [])]
        self.paginate(query, repositories, lambda chunk, total: {
            "total_count": total, "repository_selection": installation.get("repository_selection", "all"),
            "repositories": chunk}, auth=f"installation token ({installation_id})")

    def repository_listing(self, path, query):
        parts = path.strip("/").split("/")
        full_name, listing = parts[1] + "/" + parts[2], "/".join(parts[3:])
        installation_id = self.installation_from_token()
        if installation_id is None:
            return
        if self.world.installation_of(full_name) != installation_id:
            self.record(auth="installation token", outcome="404 repository not in the token's installation")
            return self.send_json(404, {"message": "Not Found"})
        state = query.get("state", ["open"])[0]
        sort = query.get("sort", ["created"])[0]
        auth = f"installation token ({installation_id})"
        if listing == "pulls":
            direction = query.get("direction", ["desc" if sort == "created" else "asc"])[0]
            items = [p for p in self.world.pulls.get(full_name, []) if state == "all" or p["state"] == state]
            items.sort(key=lambda p: p["updated_at" if sort == "updated" else "created_at"], reverse=direction == "desc")
            return self.paginate(query, [pull_object(full_name, p) for p in items], auth=auth)
        if listing == "issues":
            direction = query.get("direction", ["desc"])[0]
            since = query.get("since", [None])[0]
            # GitHub's issues listing includes the pull requests, as issues with a pull_request member.
            items = [issue_object(full_name, i) for i in self.world.issues.get(full_name, [])]
            items += [issue_object(full_name, p, pull=True) for p in self.world.pulls.get(full_name, [])]
            items = [i for i in items if state == "all" or i["state"] == state]
            if since:
                items = [i for i in items if i["updated_at"] >= since.replace(".000", "")]
            items.sort(key=lambda i: i["updated_at" if sort == "updated" else "created_at"], reverse=direction == "desc")
            return self.paginate(query, items, auth=auth)
        if listing == "actions/runs":
            created = query.get("created", [""])[0]
            runs = sorted(self.world.runs.get(full_name, []), key=lambda r: r["id"], reverse=True)
            if created.startswith(">="):
                runs = [r for r in runs if r["created_at"] >= created[2:]]
            return self.paginate(query, [run_object(full_name, r) for r in runs],
                                 lambda chunk, total: {"total_count": total, "workflow_runs": chunk}, auth=auth)
        self.record(outcome="404")
        self.send_json(404, {"message": "Not Found"})

    # -- The App's webhook (docs/github-protocol.md, section 6) ----------------------------------------------------
    def hook_config(self):
        with LOCK:
            if self.command == "PATCH":
                update = json.loads(self.read_body() or b"{}")
                STATS["hook_config"].update(update)  # the tests read back the secret they expect
            config = {"content_type": "json", "insecure_ssl": "0", "url": "https://example.com/github/webhook",
                      **{k: v for k, v in STATS["hook_config"].items() if k != "secret"}}
        # GitHub never returns the secret; it answers "********" when one is set.
        if "secret" in STATS["hook_config"]:
            config["secret"] = "********"
        self.send_json(200, config)

    def hook_deliveries(self, query):
        # Newest first, cursor pagination: the cursor is opaque to clients, who take it from Link.
        per_page = max(1, min(int(query.get("per_page", ["30"])[0]), 100))
        start = int(base64.urlsafe_b64decode(query["cursor"][0]).decode()) if "cursor" in query else 0
        items = sorted(self.world.hook_deliveries, key=lambda d: d["delivered_at"], reverse=True)
        chunk = items[start:start + per_page]
        headers = {}
        if start + per_page < len(items):
            cursor = base64.urlsafe_b64encode(str(start + per_page).encode()).decode()
            base = f"http://{self.headers.get('Host')}/app/hook/deliveries"
            headers["Link"] = f'<{base}?{urlencode({"per_page": per_page, "cursor": cursor})}>; rel="next"'
        self.record(auth="jwt", outcome=f"ok (hook deliveries from {start}, {len(chunk)} items)")
        self.send_json(200, chunk, headers)

    def redeliver(self, delivery_id):
        if not any(str(d["id"]) == delivery_id for d in self.world.hook_deliveries):
            return self.send_json(404, {"message": "Not Found"})
        with LOCK:
            STATS["redelivery_requests"].append(int(delivery_id))
        self.send_json(202, {})


# -- GitHub's object shapes, from the fixtures' compact specs (docs.github.com/rest examples) ------
def user_object(login):
    return {"login": login, "id": abs(hash(login)) % 10_000_000, "type": "Bot" if login.endswith("[bot]") else "User",
            "site_admin": False}


def repository_object(spec):
    owner, name = spec["full_name"].split("/")
    return {"id": spec["id"], "node_id": "R_" + str(spec["id"]), "name": name, "full_name": spec["full_name"],
            "private": spec["private"], "owner": user_object(owner),
            "html_url": f"https://github.com/{spec['full_name']}", "default_branch": "main"}


def label_objects(names):
    return [{"id": 1000 + i, "name": name, "color": "f29513", "default": False} for i, name in enumerate(names)]


def pull_object(full_name, spec):
    # The list endpoint's shape: no `merged`, `mergeable` or counts; `merged_at` says whether it merged.
    return {"id": 500000 + spec["number"], "number": spec["number"], "state": spec["state"], "locked": False,
            "title": spec["title"], "user": user_object(spec["user"]), "body": None, "labels": label_objects(spec.get("labels", [])),
            "draft": spec.get("draft", False), "created_at": spec["created_at"], "updated_at": spec["updated_at"],
            "closed_at": spec["updated_at"] if spec["state"] == "closed" else None, "merged_at": spec.get("merged_at"),
            "head": {"label": "x:" + spec["head"], "ref": spec["head"], "sha": ("%040x" % (spec["number"] * 7919))},
            "base": {"label": "x:" + spec["base"], "ref": spec["base"], "sha": ("%040x" % 1)},
            "html_url": f"https://github.com/{full_name}/pull/{spec['number']}"}


def issue_object(full_name, spec, pull=False):
    issue = {"id": 700000 + spec["number"], "number": spec["number"], "title": spec["title"], "state": spec["state"],
             "state_reason": spec.get("state_reason"), "user": user_object(spec["user"]),
             "labels": label_objects(spec.get("labels", [])), "assignees": [user_object(a) for a in spec.get("assignees", [])],
             "created_at": spec["created_at"], "updated_at": spec["updated_at"], "closed_at": None, "comments": 0,
             "html_url": f"https://github.com/{full_name}/issues/{spec['number']}"}
    if pull:
        issue["pull_request"] = {"url": f"https://api.github.com/repos/{full_name}/pulls/{spec['number']}",
                                 "merged_at": spec.get("merged_at")}
    return issue


def run_object(full_name, spec):
    run = dict(spec)
    run.update({"node_id": "WFR_" + str(spec["id"]), "workflow_id": 159038, "run_number": spec["id"] % 1000,
                "html_url": f"https://github.com/{full_name}/actions/runs/{spec['id']}",
                "repository": {"full_name": full_name}, "run_started_at": spec["created_at"]})
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--pem", required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--token-lifetime", type=int, default=3600)
    arguments = parser.parse_args()
    with open(arguments.pem, "rb") as file:
        public_key = serialization.load_pem_private_key(file.read(), password=None).public_key()
    with open(arguments.fixtures) as file:
        fixtures = json.load(file)
    Handler.world = World(fixtures, arguments.issuer, arguments.client_id, arguments.client_secret, public_key,
                          arguments.token_lifetime)
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
