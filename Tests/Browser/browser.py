#!/usr/bin/env python3
"""A headless Chromium (Debian's `chromium`) driven over the DevTools protocol on a pipe
(`--remote-debugging-pipe`: JSON messages ending in NUL, commands on fd 3, answers on fd 4), with
Python's standard library only.

Used two ways:
- as a module: `Browser()` with goto/click/text/eval/cookies/screenshot (scripts/screenshots.py);
- as a program for the Swift tests (Tests/TestSupport/HeadlessChromium.swift): one JSON command
  per line on standard input, one JSON answer per line on standard output, "READY" first.

A page "settles" when its document is complete and its address has not changed for a while, so
that redirects and meta refreshes (the console's sign-in ends with one) have run their course."""
import json, os, queue, shutil, subprocess, sys, tempfile, threading, time, base64

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, width=1200, height=900):
        self.profile = tempfile.mkdtemp(prefix="hubsync-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # Chromium reads fd 3 and writes fd 4; a shell puts the pipes there (pass_fds keeps their numbers).
        arguments = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--password-store=basic", "--use-mock-keychain", f"--user-data-dir={self.profile}",
                     f"--window-size={width},{height}", "about:blank"]
        command = 'exec "$@" 3<&%d 4>&%d' % (to_browser_r, from_browser_w)
        self.process = subprocess.Popen(["/bin/sh", "-c", command, "sh"] + arguments, pass_fds=(to_browser_r, from_browser_w),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.next_id = 0
        self.lock = threading.Lock()
        self.waiting = {}
        self.events = queue.Queue()
        self.dialogs = []
        self.documents = []  # (url, status) of every top-level document response, in order
        threading.Thread(target=self.read_messages, daemon=True).start()
        # The first answer waits for Chromium to start: a minute, since a cold start (its 300 MB
        # read from a cold disk cache, on a busy machine) once took more than 20 s in CI.
        targets = self.call("Target.getTargets", timeout=60)["targetInfos"]
        page = next((t for t in targets if t["type"] == "page"), None)
        target = page["targetId"] if page else self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.call(domain + ".enable", session=True)
        self.main_frame = self.call("Page.getFrameTree", session=True)["frameTree"]["frame"]["id"]

    def read_messages(self):
        buffer = b""
        while True:
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self.lock:
                        slot = self.waiting.pop(message["id"], None)
                    if slot is not None:
                        slot.put(message)
                else:
                    self.on_event(message)
        with self.lock:
            for slot in self.waiting.values():
                slot.put({"error": {"message": "the browser went away"}})
            self.waiting.clear()

    def on_event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Page.javascriptDialogOpening":  # a script ran: what the tests say must never happen
            self.dialogs.append(params.get("message", ""))
            self.send("Page.handleJavaScriptDialog", {"accept": True}, message.get("sessionId"))
        elif method == "Network.responseReceived" and params.get("type") == "Document" and params.get("frameId") == getattr(self, "main_frame", None):
            response = params["response"]
            self.documents.append((response["url"], response["status"]))

    def send(self, method, params, session_id):
        with self.lock:
            self.next_id += 1
            message_id = self.next_id
            slot = queue.Queue()
            self.waiting[message_id] = slot
        message = {"id": message_id, "method": method, "params": params}
        if session_id:
            message["sessionId"] = session_id
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.to_browser, data):]
        return slot

    def call(self, method, session=False, timeout=20, **params):
        slot = self.send(method, params, self.session if session else None)
        try:
            answer = slot.get(timeout=timeout)
        except queue.Empty:
            raise BrowserError(f"{method}: no answer in {timeout} s")
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError("script failed: " + json.dumps(result["exceptionDetails"].get("exception", {}).get("description", "")))
        return result["result"].get("value")

    def settle(self, timeout=15, quiet=0.6):
        """Waits until the document is complete and its address stays the same for `quiet` seconds."""
        deadline = time.time() + timeout
        last, since = None, time.time()
        while time.time() < deadline:
            try:
                state = self.evaluate("document.readyState + ' ' + location.href")
            except BrowserError:
                state = None  # between documents
            if state != last:
                last, since = state, time.time()
            elif state and state.startswith("complete ") and time.time() - since >= quiet:
                return self.page()
            time.sleep(0.1)
        raise BrowserError(f"the page did not settle in {timeout} s (last: {last})")

    def page(self):
        url = self.evaluate("location.href")
        status = next((s for u, s in reversed(self.documents) if u == url), None)
        return {"url": url, "status": status, "title": self.evaluate("document.title")}

    def goto(self, url):
        self.call("Page.navigate", session=True, url=url)
        return self.settle()

    def click(self, selector):
        found = self.evaluate("(() => { const e = document.querySelector(%s); if (!e) return false; e.click(); return true })()" % json.dumps(selector))
        if not found:
            raise BrowserError(f"nothing matches {selector}")
        time.sleep(0.2)  # let the navigation start before settling
        return self.settle()

    def cookies(self):
        return self.call("Network.getCookies", session=True)["cookies"]

    def set_cookie(self, cookie):
        return self.call("Network.setCookie", session=True, **cookie).get("success", False)

    def screenshot(self, path, width=1200, height=900, mobile=False, full_page=True):
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=2 if mobile else 1, mobile=mobile)
        self.settle()
        data = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=full_page)["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))
        self.call("Emulation.clearDeviceMetricsOverride", session=True)
        return {"path": path}

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def serve():
    """One JSON command per line in, one JSON answer per line out ({"error": ...} when it failed)."""
    browser = Browser()
    print("READY", flush=True)
    commands = {
        "goto": lambda c: browser.goto(c["url"]),
        "click": lambda c: browser.click(c["selector"]),
        "eval": lambda c: {"value": browser.evaluate(c["js"])},
        "text": lambda c: {"value": browser.evaluate("document.body ? document.body.innerText : ''")},
        "page": lambda c: browser.page(),
        "settle": lambda c: browser.settle(timeout=c.get("timeout", 15)),
        "cookies": lambda c: {"value": browser.cookies()},
        "set_cookie": lambda c: {"value": browser.set_cookie(c["cookie"])},
        "dialogs": lambda c: {"value": browser.dialogs},
        "screenshot": lambda c: browser.screenshot(c["path"], c.get("width", 1200), c.get("height", 900), c.get("mobile", False)),
    }
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            try:
                answer = commands[command["cmd"]](command)
            except (BrowserError, KeyError) as error:
                answer = {"error": str(error)}
            print(json.dumps(answer), flush=True)
    finally:
        browser.close()


if __name__ == "__main__":
    serve()
