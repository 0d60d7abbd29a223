#!/usr/bin/env python3
"""A webhook receiver for the dispatcher's tests, on a loopback port: fails the first --fail-first
tries of each delivery (by X-GitHub-Delivery) with 503 (and Retry-After if asked), then answers
200. Each try is one JSON line in --log: the delivery id, the try number, the event, the content
type, whether the signature verifies with --secret, and the body in base64 (to compare byte for
byte). A --secret of the form whsec_<base64> is a Standard Webhooks secret: then webhook-signature
is checked as the specification says (https://www.standardwebhooks.com: HMAC-SHA256 keyed with
the decoded base64, over "<webhook-id>.<webhook-timestamp>.<body>", "v1,<base64>" entries separated
by spaces), and X-Hub-Signature-256 must be absent. Prints "LISTENING <port>" once ready."""
import argparse, base64, hashlib, hmac, http.server, json, threading

arguments = argparse.ArgumentParser()
arguments.add_argument("--port", type=int, default=0)
arguments.add_argument("--secret", required=True)
arguments.add_argument("--fail-first", type=int, default=0)
arguments.add_argument("--retry-after", default=None)
arguments.add_argument("--log", required=True)
options = arguments.parse_args()
tries = {}
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        delivery = self.headers.get("X-GitHub-Delivery", "")
        if options.secret.startswith("whsec_"):
            key = base64.b64decode(options.secret[len("whsec_"):])
            signed = f"{self.headers.get('webhook-id', '')}.{self.headers.get('webhook-timestamp', '')}.".encode() + body
            expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            offered = self.headers.get("webhook-signature", "").split(" ")
            signature_ok = any(hmac.compare_digest(expected, one) for one in offered) and "X-Hub-Signature-256" not in self.headers
        else:
            expected = "sha256=" + hmac.new(options.secret.encode(), body, hashlib.sha256).hexdigest()
            signature_ok = hmac.compare_digest(expected, self.headers.get("X-Hub-Signature-256", ""))
        with lock:
            tries[delivery] = tries.get(delivery, 0) + 1
            number = tries[delivery]
            with open(options.log, "a") as log:
                log.write(json.dumps({
                    "delivery": delivery, "try": number, "event": self.headers.get("X-GitHub-Event"),
                    "hook_id": self.headers.get("X-GitHub-Hook-ID"), "content_type": self.headers.get("Content-Type"),
                    "signature_ok": signature_ok, "webhook_id": self.headers.get("webhook-id"),
                    "webhook_timestamp": self.headers.get("webhook-timestamp"),
                    "body": base64.b64encode(body).decode()}) + "\n")
        failing = number <= options.fail_first
        answer = b'{"status":"unavailable"}' if failing else b'{"status":"ok"}'
        self.send_response(503 if failing else 200)
        if failing and options.retry_after:
            self.send_header("Retry-After", options.retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", options.port), Receiver)
print(f"LISTENING {server.server_address[1]}", flush=True)
server.serve_forever()
