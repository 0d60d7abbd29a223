#!/usr/bin/env python3
"""A webhook receiver for the dispatcher's tests, on a loopback port: fails the first --fail-first
tries of each delivery (by X-GitHub-Delivery) with 503 (and Retry-After if asked), then answers
200. Each try is one JSON line in --log: the delivery id, the try number, the event, the content
type, whether X-Hub-Signature-256 verifies with --secret, and the body in base64 (to compare
byte for byte). Prints "LISTENING <port>" once ready."""
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
        expected = "sha256=" + hmac.new(options.secret.encode(), body, hashlib.sha256).hexdigest()
        with lock:
            tries[delivery] = tries.get(delivery, 0) + 1
            number = tries[delivery]
            with open(options.log, "a") as log:
                log.write(json.dumps({
                    "delivery": delivery, "try": number, "event": self.headers.get("X-GitHub-Event"),
                    "hook_id": self.headers.get("X-GitHub-Hook-ID"), "content_type": self.headers.get("Content-Type"),
                    "signature_ok": hmac.compare_digest(expected, self.headers.get("X-Hub-Signature-256", "")),
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
