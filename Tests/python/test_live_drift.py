"""Live drift: a gateway compares each variant's live inputs, window by window, with the baseline that
`mlgateway monitor baseline` wrote (`[endpoint.drift]`), exports the distance per feature on /metrics, shows the
windows on the admin API, and sends one `Live Drift Violation` event to the `[notifications]` webhook (a local HTTP
server here) when a window violates a constraint. Shifted traffic raises the distance past the threshold within one
window; traffic from the baseline's distribution does not."""

import http.server
import json
import re
import subprocess
import threading
import urllib.request

import numpy as np
import pytest

from conftest import endpoint_toml, free_port, variant_toml, wait_until


class Receiver(http.server.BaseHTTPRequestHandler):
    events = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.events.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    Receiver.events = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/events"
    server.shutdown()


def post_rows(url, rows):
    body = "\n".join(",".join(f"{value:.5f}" for value in row) for row in rows).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "text/csv"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def metric(metrics, endpoint, feature):
    match = re.search(
        rf'mlgateway_drift_distance\{{[^}}]*endpoint="{endpoint}"[^}}]*feature="{feature}"[^}}]*\}} ([0-9.e+-]+)',
        metrics)
    return float(match.group(1)) if match else None


def test_shifted_traffic_violates_within_one_window_and_steady_traffic_does_not(processes, tmp_path, webhook):
    rng = np.random.default_rng(11)
    with open(tmp_path / "train.csv", "w") as handle:
        handle.write("a,b\n")
        for a, b in zip(rng.normal(0, 1, 4000), rng.normal(5, 2, 4000)):
            handle.write(f"{a:.5f},{b:.5f}\n")
    subprocess.run([str(processes.bin_dir / "mlgateway"), "monitor", "baseline", "--dataset", str(tmp_path / "train.csv"),
                    "--output", str(tmp_path / "baseline")], check=True, capture_output=True, timeout=120)
    backend = processes.backend("drift-model")
    drift = f'\n[endpoint.drift]\nbaseline = "{tmp_path / "baseline"}"\nwindow = "5m"\nmin_rows = 500\n'
    gateway = processes.gateway(
        f'[notifications]\nwebhook = "{webhook}"\n'
        + endpoint_toml("steady", variant_toml("Model", [backend])) + drift
        + endpoint_toml("shifted", variant_toml("Model", [backend])) + drift)
    admin = processes.admin_urls[gateway]

    for _ in range(60):
        post_rows(f"{gateway}/endpoints/steady/invocations",
                  zip(rng.normal(0, 1, 10), rng.normal(5, 2, 10)))
        post_rows(f"{gateway}/endpoints/shifted/invocations",
                  zip(rng.normal(0.6, 1, 10), rng.normal(5, 2, 10)))

    def windows():
        with urllib.request.urlopen(f"{admin}/admin/drift", timeout=10) as response:
            return {window["endpoint"]: window for window in json.loads(response.read())["windows"]}

    wait_until("both windows are compared", lambda: {"steady", "shifted"} <= windows().keys()
               and all(window["rows"] == 600 for window in windows().values()), timeout=30)
    compared = windows()
    shifted = {feature["name"]: feature for feature in compared["shifted"]["features"]}
    steady = {feature["name"]: feature for feature in compared["steady"]["features"]}
    assert shifted["a"]["drift"] and shifted["a"]["distance"] > shifted["a"]["threshold"], shifted
    assert not shifted["b"]["drift"], shifted
    assert not any(feature["drift"] for feature in steady.values()), steady
    assert [v["feature_name"] for v in compared["shifted"]["violations"]] == ["a"]
    assert compared["steady"]["violations"] == []

    with urllib.request.urlopen(f"{admin}/metrics", timeout=10) as response:
        metrics = response.read().decode()
    assert metric(metrics, "shifted", "a") == pytest.approx(shifted["a"]["distance"])
    assert metric(metrics, "steady", "a") < steady["a"]["threshold"]
    assert re.search(r'mlgateway_drift_violations\{[^}]*endpoint="shifted"[^}]*\} 1', metrics), metrics

    wait_until("the webhook receives the violation", lambda: len(Receiver.events) >= 1, timeout=30)
    event = Receiver.events[0]
    assert event["source"] == "mlgateway" and event["detail-type"] == "Live Drift Violation"
    assert event["detail"]["endpoint"] == "shifted" and event["detail"]["violations"][0]["feature_name"] == "a"
    # One event per window: more shifted traffic in the same window sends no second one.
    post_rows(f"{gateway}/endpoints/shifted/invocations", zip(rng.normal(0.6, 1, 10), rng.normal(5, 2, 10)))
    wait_until("the window takes the new rows", lambda: windows()["shifted"]["rows"] == 610, timeout=30)
    assert [e["detail"]["endpoint"] for e in Receiver.events] == ["shifted"]
