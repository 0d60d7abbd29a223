#!/usr/bin/env python3
"""`make screenshots`: the install callback's pages as a phone shows them, taken by headless
Chromium from a real nginx + callback-fcgi against the tests' fake GitHub, into docs/screenshots/."""
import os, shutil, signal, socket, subprocess, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
OUT = os.path.join(REPO, "docs", "screenshots")


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
               HUBSYNC_KEY_FILE=os.path.join(work, "h.key"), HUBSYNC_CONFIG="/dev/null", GITHUB_WEBHOOK_SECRET="x")
    callback = subprocess.Popen([os.path.join(BIN, "callback-fcgi"), "--socket", os.path.join(work, "callback.sock")], env=env,
                                stderr=subprocess.DEVNULL)
    webhook = subprocess.Popen([os.path.join(BIN, "webhook-fcgi"), "--socket", os.path.join(work, "webhook.sock")], env=env,
                               stderr=subprocess.DEVNULL)
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
    finally:
        for process in (nginx, callback, webhook, fake):
            process.send_signal(signal.SIGTERM if process is not fake else signal.SIGKILL)
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"


def sys_python():
    return shutil.which("python3")


if __name__ == "__main__":
    main()
