"""Shadow comparison end to end: a production variant and two shadows (the same model, and an echo server that
answers something else) behind a real gateway; the admin API and `mlgateway shadow report` (JSON and HTML) tell
which shadow agrees with production."""

import json
import subprocess
import urllib.request

from conftest import endpoint_toml, variant_toml, wait_until


def call(url, body):
    request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "text/csv"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_shadows_are_compared_with_production(processes, tmp_path):
    production = processes.backend("production")
    same = processes.backend("same-model")
    echo = processes.backend("echo", mode="echo")
    url = processes.gateway(endpoint_toml(
        "scored", variant_toml("Production", [production]), variant_toml("SameModel", [same], shadow=True),
        variant_toml("Echo", [echo], shadow=True)))
    admin = processes.admin_urls[url]
    for row in range(40):
        assert call(f"{url}/endpoints/scored/invocations", f"{row},2,3\n4,5,{row}") == 200

    def shadows():
        with urllib.request.urlopen(f"{admin}/admin/shadows?endpoint=scored", timeout=5) as response:
            return {item["variant"]: item for item in json.load(response)["shadows"]}

    wait_until("every shadow answer is compared", lambda: all(s["compared"] == 40 for s in shadows().values()))
    found = shadows()
    assert found["SameModel"]["agreement_rate"] == 1.0 and found["SameModel"]["exact_match_rate"] == 1.0
    assert found["Echo"]["agreement_rate"] == 0.0 and found["Echo"]["structure_match_rate"] == 0.0
    assert found["Echo"]["mean_model_latency_ms"]["shadow"] > 0

    with urllib.request.urlopen(f"{admin}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert 'mlgateway_shadow_comparisons_total{endpoint="scored",variant="Echo",outcome="body_mismatch"} 40' in metrics

    config = next(path for path in (processes.workdir).glob("gateway-*/gateway.conf")
                  if url.removeprefix("http://") in path.read_text())
    mlgateway = str(processes.bin_dir / "mlgateway")
    printed = subprocess.run([mlgateway, "shadow", "report", "--config", str(config), "--endpoint", "scored"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    assert {item["variant"] for item in json.loads(printed)["shadows"]} == {"SameModel", "Echo"}
    page = tmp_path / "shadow.html"
    subprocess.run([mlgateway, "shadow", "report", "--config", str(config), "--endpoint", "scored", "--format", "html",
                    "--output", str(page)], capture_output=True, text=True, timeout=30, check=True)
    html = page.read_text()
    assert "scored / Echo" in html and "<svg" in html and "100.00%" in html

    missing = subprocess.run([mlgateway, "shadow", "report", "--config", str(config), "--endpoint", "nowhere"],
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and "404" in missing.stderr
