"""The admin console in a real browser: headless Chromium driven by Selenium through Debian's chromium-driver.

One walk through the console as an admin would make it: sign in (a wrong token first), create an API key and call
the gateway with it, write a request template with a syntax error and see it at its line, fix it, test-render it,
activate it and see a client call use it, store a second version, roll back to the first and see calls use it again,
look up a feature entity, and read the drift monitor's latest report. Each page is saved as a screenshot in
var/test-artifacts/ (the CI job keeps that folder).
"""

import base64
import json
import os
import random
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO_ROOT, endpoint_toml, free_port, variant_toml, wait_until

ADMIN_TOKEN = "console-test-token"
ARTIFACTS = REPO_ROOT / "var" / "test-artifacts"


def browser_missing():
    """Why the browser test cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (scripts/install-deps.sh --tests installs it)"
    for program in ("chromium", "chromedriver"):
        if shutil.which(program) is None:
            return f"{program} is not installed (Debian's chromium and chromium-driver; install-deps.sh --tests)"
    return None


SKIP_REASON = browser_missing()
pytestmark = pytest.mark.skipif(
    SKIP_REASON is not None and os.environ.get("CI") != "true", reason=SKIP_REASON or ""
)


def call(url, body, headers):
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def console(processes):
    """A gateway with an admin token, API keys, a feature view in a real Redis and an echo backend."""
    redis_port = processes.redis()
    subprocess.run(
        ["redis-cli", "-p", str(redis_port), "HSET", "mlgw:users:u-42", "age", "41", "tier", "gold"],
        check=True, capture_output=True, timeout=10,
    )
    backend = processes.backend("Echo", mode="echo")
    directory = Path(tempfile.mkdtemp(dir=processes.workdir, prefix="console-"))
    (directory / "master.key").write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    (directory / "master.key").chmod(0o600)
    port, admin_port = free_port(), free_port()
    config = directory / "gateway.conf"
    config.write_text(
        f'[server]\nlisten = "127.0.0.1:{port}"\nadmin_listen = "127.0.0.1:{admin_port}"\n'
        f'admin_token = "{ADMIN_TOKEN}"\nstate_dir = "var"\n\n[auth]\nmaster_key_file = "master.key"\n\n'
        f'[feature_store]\nredis = "redis://127.0.0.1:{redis_port}"\n\n'
        '[[feature_view]]\nname = "users"\nfeatures = ["age", "tier"]\nentity_keys = ["user_id"]\n'
        + endpoint_toml("scored", variant_toml("Echo", [backend]), extra='auth = "api_key"')
        + '[endpoint.capture]\nsampling_percentage = 100\n'
    )
    processes.serve(config, port, admin_port, "console-gateway", cwd=directory)
    return {"url": f"http://127.0.0.1:{port}", "admin": f"http://127.0.0.1:{admin_port}", "directory": directory,
            "bin": processes.bin_dir}


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000", "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.implicitly_wait(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """Small waits and actions over the console."""

    def __init__(self, driver):
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.wait = WebDriverWait(driver, 15)

    def find(self, element_id):
        return self.driver.find_element("id", element_id)

    def visible(self, element_id):
        return self.wait.until(lambda d: d.find_element("id", element_id).is_displayed() and d.find_element(
            "id", element_id))

    def text_in(self, element_id, text):
        self.wait.until(lambda d: text in d.find_element("id", element_id).text,
                        message=f"#{element_id} never showed {text!r}")
        return self.find(element_id).text

    def type(self, element_id, text):
        field = self.find(element_id)
        field.clear()
        field.send_keys(text)

    def set_value(self, element_id, text):
        """Sets a textarea's value at once and fires `input`, as typing would (send_keys types braces slowly and
        some keyboards' auto-pairing is not at play here, so the text arrives exactly)."""
        self.driver.execute_script(
            "const f = document.getElementById(arguments[0]); f.value = arguments[1];"
            "f.dispatchEvent(new Event('input'));", element_id, text)

    def go(self, page):
        self.driver.find_element("css selector", f'#nav a[data-page="{page}"]').click()
        self.visible(f"page-{page}")

    def screenshot(self, name):
        self.driver.save_screenshot(str(ARTIFACTS / f"console-{name}.png"))


def test_console_walkthrough(console, browser):
    page = Page(browser)
    admin, url = console["admin"], console["url"]
    invoke = f"{url}/endpoints/scored/invocations"

    # Sign in: a wrong token is refused on the form, the right one opens the endpoints page.
    browser.get(f"{admin}/console")
    page.visible("page-login")
    page.screenshot("login")
    page.type("token", "wrong-token")
    page.find("login").click()
    page.text_in("login-error", "not valid")
    page.type("token", ADMIN_TOKEN)
    page.find("login").click()
    page.visible("page-endpoints")
    page.text_in("endpoints", "scored")
    page.text_in("endpoints", "healthy")
    page.text_in("state-store", "keys and templates in SQLite")
    assert browser.execute_script("return document.cookie") == ""

    # Keys: create one with an endpoint scope; its secret is shown once and works at once.
    page.go("keys")
    page.type("key-name", "console-team")
    page.type("key-endpoints", "scored")
    page.type("key-rate", "50/s")
    page.find("key-create").click()
    secret = page.visible("key-secret-text").text
    api_key = next(line.split(":", 1)[1].strip() for line in secret.splitlines() if line.startswith("API key"))
    page.text_in("keys-table", "console-team")
    page.screenshot("keys")
    headers = {"x-api-key": api_key, "Content-Type": "application/json"}
    status, body = call(invoke, '{"instances": [[1, 2]]}', headers)
    assert (status, body) == (200, '{"instances": [[1, 2]]}')
    assert call(invoke, "{}", {"x-api-key": "mlgw_wrong", "Content-Type": "application/json"})[0] == 403

    # Templates: a syntax error shows at its line while typing; fixed, it renders, and saving activates it.
    page.go("templates")
    page.type("new-endpoint", "scored")
    page.find("template-new").submit()
    page.visible("template-editor")
    page.set_value("template-source", '{"rows": $input.json(\'$.instances\'),\n "version": #if(}')
    status_text = page.text_in("template-status", "Line 2, column")
    assert "unexpected" in status_text
    assert "error-line" in page.find("template-gutter").get_attribute("innerHTML")
    page.screenshot("template-error")
    version_one = '{"rows": $input.json(\'$.instances\'), "version": 1}'
    page.set_value("template-source", version_one)
    page.text_in("template-status", "No syntax errors")
    page.set_value("render-body", '{"instances": [[5, 6]]}')
    page.find("template-render").click()
    page.text_in("render-output", '"version": 1')
    assert page.find("render-output").text == '{"rows": [[5,6]], "version": 1}'
    page.find("template-save").click()
    page.text_in("flash", "version 1")
    page.text_in("versions-table", "create")
    assert call(invoke, '{"instances": [[1, 2]]}', headers) == (200, '{"rows": [[1,2]], "version": 1}')

    # A second version, then a rollback to the first from its row.
    page.set_value("template-source", version_one.replace('"version": 1', '"version": 2'))
    page.text_in("template-status", "No syntax errors")
    page.find("template-save").click()
    page.text_in("flash", "version 2")
    assert call(invoke, '{"instances": [[1, 2]]}', headers) == (200, '{"rows": [[1,2]], "version": 2}')
    page.find("template-diff").click()
    page.text_in("diff-output", '"version": 2')
    page.screenshot("templates")
    browser.find_element("css selector", '#versions-table button[data-version="1"]').click()
    page.text_in("flash", "restores version 1")
    assert call(invoke, '{"instances": [[1, 2]]}', headers) == (200, '{"rows": [[1,2]], "version": 1}')
    page.text_in("audit-table", "rollback")
    page.screenshot("template-rolled-back")

    # Features: the view, and one entity read from Redis.
    page.go("features")
    page.text_in("views-table", "users")
    page.find("lookup-entity").send_keys("u-42")
    browser.find_element("css selector", "#lookup-form button").click()
    page.text_in("lookup-result", "gold")
    page.screenshot("features")

    # Capture and drift: the captured calls, and the latest report of a real monitor run on them.
    rng = random.Random(7)
    directory = console["directory"]
    train = directory / "train.csv"
    train.write_text("age,score\n" + "".join(f"{rng.gauss(40, 8):.0f},{rng.random():.3f}\n" for _ in range(500)))
    csv_headers = {"x-api-key": api_key, "Content-Type": "text/csv"}
    for _ in range(40):
        assert call(invoke, f"{rng.gauss(60, 8):.0f},{rng.random():.3f}", csv_headers)[0] == 200
    capture = directory / "var" / "capture"
    wait_until("captured records reach disk",
               lambda: sum(len(p.read_text().splitlines()) for p in capture.rglob("*.jsonl")) >= 40, timeout=20)
    binary = str(console["bin"] / "mlgateway")
    for arguments in (["monitor", "baseline", "--dataset", str(train), "--output", str(directory / "baseline")],
                      ["monitor", "run", "--baseline", str(directory / "baseline"), "--capture", str(capture),
                       "--endpoint", "scored", "--output", str(directory / "var" / "monitor" / "run-1")]):
        result = subprocess.run([binary, *arguments], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    page.go("capture")
    page.text_in("capture-table", "100")
    page.text_in("monitor-report", "run-1")
    page.text_in("monitor-report", "age")
    browser.find_element("css selector", "#monitor-report button").click()
    page.visible("report-frame")
    page.screenshot("capture")

    # The endpoints page's charts have samples by now.
    page.go("endpoints")
    page.wait.until(lambda d: d.execute_script(
        "return document.getElementById('endpoints').textContent.includes('scored')"))
    page.screenshot("endpoints")

    # Sign out forgets the token.
    page.find("logout").click()
    page.visible("page-login")
    assert browser.execute_script("return sessionStorage.length") == 0


def test_console_assets_are_served_with_a_strict_policy(console):
    with urllib.request.urlopen(f"{console['admin']}/console", timeout=5) as response:
        policy = response.headers["Content-Security-Policy"]
        assert response.headers["Content-Type"].startswith("text/html")
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "<script" not in response.read().decode().split("<body>")[1]
    for name, media_type in (("console.js", "text/javascript"), ("console.css", "text/css")):
        with urllib.request.urlopen(f"{console['admin']}/console/{name}", timeout=5) as response:
            assert response.headers["Content-Type"].startswith(media_type)
    try:
        urllib.request.urlopen(f"{console['admin']}/console/../gateway.conf", timeout=5)
        raise AssertionError("a path outside the console was served")
    except urllib.error.HTTPError as error:
        assert error.code == 404
