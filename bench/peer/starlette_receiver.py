"""The peer of `make bench`: the webhook receiver a Python user would write instead of ours, doing
the same contract. Starlette on uvicorn (with uvloop and httptools, as `uvicorn[standard]`
installs), aiosqlite: verify X-Hub-Signature-256 in constant time, store the delivery in SQLite
(WAL, synchronous=FULL, one commit per delivery), answer 200 only after the commit, a redelivery of
a stored id answers 200 without a second row. Behind the same nginx, with its access log on.

Run: PEER_DB=... GITHUB_WEBHOOK_SECRET=... uvicorn starlette_receiver:app --workers 2 --uds SOCKET
It answers with the delivery id, as ours does, so the bench compares acknowledged and stored ids.
"""
import contextlib
import datetime
import hashlib
import hmac
import os

import aiosqlite
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET = os.environ["GITHUB_WEBHOOK_SECRET"].encode()
DATABASE = os.environ["PEER_DB"]
database = None


@contextlib.asynccontextmanager
async def lifespan(app):
    global database
    database = await aiosqlite.connect(DATABASE)
    await database.execute("PRAGMA busy_timeout = 10000")
    await database.execute("PRAGMA journal_mode = WAL")
    await database.execute("PRAGMA synchronous = FULL")
    await database.execute("""CREATE TABLE IF NOT EXISTS deliveries (
        delivery_id TEXT PRIMARY KEY, event TEXT NOT NULL, hook_id INTEGER, received_at TEXT NOT NULL, body BLOB NOT NULL)""")
    await database.commit()
    yield
    await database.close()


async def webhook(request):
    body = await request.body()
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("x-hub-signature-256", ""), expected):
        return JSONResponse({"message": "Invalid webhook signature", "status": "error"}, status_code=401)
    delivery = request.headers.get("x-github-delivery")
    event = request.headers.get("x-github-event")
    if not delivery or not event:
        return JSONResponse({"message": "Missing delivery headers", "status": "error"}, status_code=400)
    hook_id = request.headers.get("x-github-hook-id")
    received_at = datetime.datetime.now(datetime.timezone.utc).isoformat()
    cursor = await database.execute(
        "INSERT OR IGNORE INTO deliveries (delivery_id, event, hook_id, received_at, body) VALUES (?, ?, ?, ?, ?)",
        (delivery, event, int(hook_id) if hook_id and hook_id.isdigit() else None, received_at, body))
    await database.commit()
    return JSONResponse({"delivery": delivery, "status": "stored" if cursor.rowcount else "duplicate"})


app = Starlette(routes=[Route("/github/webhook", webhook, methods=["POST"])], lifespan=lifespan)
