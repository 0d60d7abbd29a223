#!/usr/bin/env python3
"""`make screenshots`: the install callback's pages as a phone shows them, and the console's pages
on a desktop and a phone, taken by headless Chromium from a real nginx + callback-fcgi +
webhook-fcgi + `hubsync dispatch` against the tests' fake GitHub, into docs/screenshots/."""
import glob, hashlib, hmac, json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request, uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "Tests", "Browser"))
from browser import Browser  # noqa: E402
BIN = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
OUT = os.path.join(REPO, "docs", "screenshots")
WEBHOOK_SECRET = "screenshots-webhook-secret"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    work = tempfile.mkdtemp(prefix="hubsync-screens-")
    os.makedirs(OUT, exist_ok=True)
    pem = os.path.join(work, "app.pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", pem, "2048"], check=True, capture_output=True)
    client_id, secret = "Iv1.ab1112223334445c", "screenshot-secret"
    fake = subprocess.Popen([sys_python(), os.path.join(REPO, "Tests", "FakeGitHub", "fake_github.py"), "--port", "0", "--pem", pem,
                             "--issuer", client_id, "--client-id", client_id, "--client-secret", secret,
                             "--fixtures", os.path.join(REPO, "Tests", "FakeGitHub", "fixtures.json")], stdout=subprocess.PIPE, text=True)
    fake_url = "http://127.0.0.1:" + fake.stdout.readline().split()[1]
    env = dict(os.environ, GITHUB_URL=fake_url, GITHUB_API_URL=fake_url, GITHUB_APP_CLIENT_ID=client_id, GITHUB_APP_ID="4242",
               GITHUB_APP_CLIENT_SECRET=secret, GITHUB_APP_PEM_PATH=pem, HUBSYNC_DB=os.path.join(work, "h.db"),
               HUBSYNC_KEY_FILE=os.path.join(work, "h.key"), HUBSYNC_CONFIG="/dev/null", GITHUB_WEBHOOK_SECRET=WEBHOOK_SECRET,
               HUBSYNC_ADMINS="octocat", HUBSYNC_ACTIONS_DIR=os.path.join(work, "actions.d"),
               # A handler that fails a delivery asking for it (debug builds), given up at once, for the failed row.
               HUBSYNC_TEST_FAULTS="1", HUBSYNC_RETRY_ATTEMPTS="1")
    subprocess.run([os.path.join(BIN, "hubsync"), "init"], env=env, check=True, capture_output=True)  # the database and keys
    os.makedirs(env["HUBSYNC_ACTIONS_DIR"])
    with open(os.path.join(env["HUBSYNC_ACTIONS_DIR"], "notify-chat.action"), "w") as action:
        action.write("EVENTS=issues,pull_request\nCOMMAND=/bin/true\n")
    with open(os.path.join(env["HUBSYNC_ACTIONS_DIR"], "deploy.action"), "w") as action:
        action.write("EVENTS=push\nCOMMAND=/bin/false\nRETRY_SCHEDULE=none\n")
    callback = subprocess.Popen([os.path.join(BIN, "callback-fcgi"), "--socket", os.path.join(work, "callback.sock")], env=env,
                                stderr=subprocess.DEVNULL)
    webhook = subprocess.Popen([os.path.join(BIN, "webhook-fcgi"), "--socket", os.path.join(work, "webhook.sock")], env=env,
                               stderr=open(os.path.join(work, "webhook.log"), "w"))
    port = free_port()
    time.sleep(0.5)
    subprocess.run([os.path.join(REPO, "scripts", "render-nginx-conf.sh"), work, str(port)], check=True)
    nginx = subprocess.Popen(["nginx", "-p", work, "-c", os.path.join(work, "nginx.conf"), "-e", os.path.join(work, "e.log")])
    time.sleep(0.5)
    base = f"http://127.0.0.1:{port}"
    pages = [
        ("success", "/github/auth/callback?code=code-octocat-1&installation_id=1&setup_action=install", None),
        ("requested", "/github/auth/callback?setup_action=request", None),
        ("missing-parameters", "/github/auth/callback", None),
        ("forged-installation", "/github/auth/callback?code=code-octocat-2&installation_id=66&setup_action=install", None),
        ("code-already-used", "/github/auth/callback?code=code-octocat-1&installation_id=1", None),
        ("could-not-reach-github", "/github/auth/callback?code=code-octocat-3&installation_id=1", "error500"),
    ]
    try:
        for name, path, mode in pages:
            if mode:
                subprocess.run(["curl", "-s", "-X", "POST", "--data", f'{{"mode": "{mode}"}}', fake_url + "/_control"], check=True,
                               capture_output=True)
            target = os.path.join(OUT, f"{name}.png")
            subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=412,760",
                            f"--screenshot={target}", base + path], check=True, capture_output=True, timeout=60)
            print(f"screenshots: {os.path.relpath(target, REPO)}")
        subprocess.run(["curl", "-s", "-X", "POST", "--data", '{"mode": "normal"}', fake_url + "/_control"], check=True, capture_output=True)
        console(base, fake_url, env)
    finally:
        for process in (nginx, callback, webhook, fake):
            process.send_signal(signal.SIGTERM if process is not fake else signal.SIGKILL)
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


def deliver(base, event, body):
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(base + "/github/webhook", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1", "X-Hub-Signature-256": signature})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200, answer.status


def console(base, fake_url, env):
    """A morning's worth of GitHub's example deliveries (one that fails), the dispatcher's run over
    the outbox, then each page of the console, signed in as octocat."""
    payloads = os.path.join(REPO, "Tests", "Fixtures", "payloads")
    for folder in ("push", "pull_request", "issues", "workflow_run", "check_run", "issue_comment", "create", "ping"):
        for path in sorted(glob.glob(os.path.join(payloads, folder, "*.json")))[:4]:
            with open(path, "rb") as payload:
                deliver(base, folder, payload.read())
    failing = json.load(open(sorted(glob.glob(os.path.join(payloads, "issues", "*.json")))[0]))
    failing["hubsync_test_fault"] = {"kind": "fail", "attempts": 1}
    deliver(base, "issues", json.dumps(failing).encode())
    dispatcher = subprocess.Popen([os.path.join(BIN, "hubsync"), "dispatch"], env=env, stderr=subprocess.DEVNULL)
    time.sleep(3)
    dispatcher.send_signal(signal.SIGTERM)
    dispatcher.wait()
    subprocess.run(["curl", "-s", "-X", "POST", "--data", '{"authorize_as": "octocat"}', fake_url + "/_control"], check=True, capture_output=True)
    browser = Browser()
    try:
        admin = base + "/github/admin"
        browser.goto(admin + "/")
        failed = browser.goto(admin + "/events?status=failed")
        event = browser.evaluate("document.querySelector('tr.bad a') ? document.querySelector('tr.bad a').href : ''")
        shots = [("console-overview", admin + "/"), ("console-events", admin + "/events"), ("console-failed-event", event or failed["url"]),
                 ("console-outbox", admin + "/outbox"), ("console-integrations", admin + "/integrations")]
        for name, url in shots:
            browser.goto(url)
            # The whole page on a desktop; a phone's first screen (a payload is many screens long).
            for suffix, width, height, mobile in (("", 1200, 900, False), ("-phone", 390, 844, True)):
                target = os.path.join(OUT, f"{name}{suffix}.png")
                browser.screenshot(target, width, height, mobile, full_page=not mobile)
                print(f"screenshots: {os.path.relpath(target, REPO)}")
    finally:
        browser.close()


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"


def sys_python():
    return shutil.which("python3")


if __name__ == "__main__":
    main()
