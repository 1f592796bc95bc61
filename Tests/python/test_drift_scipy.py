"""The drift monitor's L-infinity distance is the two-sample Kolmogorov-Smirnov statistic.

Drives the real CLI (`mlgateway monitor baseline` / `mlgateway monitor run`) on files in the real formats: a CSV
training set with a header, and SageMaker data-capture JSON Lines in the capture directory layout. Compares the
per-feature distance in `drift.json` with scipy.stats.ks_2samp on the same data. The binary comes from
$MLGATEWAY_BIN, else $MLGATEWAY_BIN_DIR/mlgateway, else .build/debug/mlgateway under the package root; the tests skip when it is missing.
"""

import base64
import csv
import json
import os
import pathlib
import subprocess
import uuid

import numpy as np
import pytest
from scipy import stats

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(
    os.environ.get("MLGATEWAY_BIN")
    or pathlib.Path(os.environ.get("MLGATEWAY_BIN_DIR", PACKAGE_ROOT / ".build" / "debug")) / "mlgateway"
)
# KLL with k = 2048 keeps rank error far below this for the sample sizes used here.
SKETCH_TOLERANCE = 0.01



def monitor_command_missing():
    if not BINARY.exists():
        return f"mlgateway binary not found at {BINARY} (build it or set MLGATEWAY_BIN)"
    probe = subprocess.run([str(BINARY), "monitor", "baseline", "--help"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0 or "--dataset" not in probe.stdout + probe.stderr:
        return f"{BINARY} has no `monitor baseline` command yet"
    return None


SKIP_REASON = monitor_command_missing()
pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


def mlgateway(*args, check=True):
    result = subprocess.run([str(BINARY), *map(str, args)], capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"mlgateway {' '.join(map(str, args))} failed: {result.stderr}")
    return result


def write_training_csv(path, columns):
    names = list(columns)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in zip(*(columns[name] for name in names)):
            writer.writerow(row)


def capture_record(content_type, data, encoding, time):
    return {
        "captureData": {
            "endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": data, "encoding": encoding},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": "0.5", "encoding": "CSV"},
        },
        "eventMetadata": {"eventId": str(uuid.uuid4()), "inferenceTime": time},
        "eventVersion": "0",
    }


def write_capture(root, endpoint, variant, hour, lines):
    directory = root / endpoint / variant / "2026" / "11" / "23" / f"{hour:02d}"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"00-00-000-{uuid.uuid4()}.jsonl"
    path.write_text("".join(line + "\n" for line in lines))


def drift_by_feature(output):
    document = json.loads((output / "drift.json").read_text())
    return {feature["name"]: feature for feature in document["features"]}


def fmt(value):
    return repr(float(value))


def test_csv_capture_distance_equals_ks_statistic(tmp_path):
    rng = np.random.default_rng(7)
    train = {"age": rng.normal(40, 10, 6000).round(), "score": rng.normal(0, 1, 6000), "income": rng.gamma(2, 2, 6000)}
    current = {"age": rng.normal(40, 10, 5000).round(), "score": rng.normal(0.4, 1, 5000), "income": rng.gamma(2, 2, 5000)}
    write_training_csv(tmp_path / "train.csv", train)
    mlgateway("monitor", "baseline", "--dataset", tmp_path / "train.csv", "--output", tmp_path / "baseline")

    capture = tmp_path / "capture"
    rows = [",".join(fmt(current[name][i]) for name in ("age", "score", "income")) for i in range(5000)]
    lines = []
    for start in range(0, 5000, 2):  # two rows per record: a multi-line CSV payload
        lines.append(json.dumps(capture_record("text/csv", "\n".join(rows[start : start + 2]), "CSV", "2026-11-23T10:15:00Z")))
    write_capture(capture, "churn", "AllTraffic", 10, lines[:1000])
    write_capture(capture, "churn", "AllTraffic", 11, lines[1000:] + ["{not json"])
    mlgateway(
        "monitor", "run", "--baseline", tmp_path / "baseline", "--capture", capture, "--endpoint", "churn",
        "--output", tmp_path / "out",
    )

    drift = drift_by_feature(tmp_path / "out")
    for name in ("age", "score", "income"):
        expected = stats.ks_2samp(train[name], current[name]).statistic
        assert abs(drift[name]["distance"] - expected) <= SKETCH_TOLERANCE, (name, drift[name], expected)
        assert drift[name]["current_count"] == 5000
    assert drift["score"]["drift"] is True
    assert drift["age"]["drift"] is False
    assert drift["income"]["drift"] is False

    violations = json.loads((tmp_path / "out" / "constraint_violations.json").read_text())["violations"]
    assert [(v["feature_name"], v["constraint_check_type"]) for v in violations] == [("score", "baseline_drift_check")]
    assert (tmp_path / "out" / "report.html").read_text().startswith("<!doctype html>")


def test_json_base64_capture_distance_equals_ks_statistic(tmp_path):
    rng = np.random.default_rng(11)
    train = {"x": rng.uniform(0, 1, 4000), "y": rng.exponential(1, 4000)}
    current = {"x": rng.uniform(0.1, 1.1, 3000), "y": rng.exponential(1, 3000)}
    write_training_csv(tmp_path / "train.csv", train)
    mlgateway("monitor", "baseline", "--dataset", tmp_path / "train.csv", "--output", tmp_path / "baseline")

    lines = []
    for start in range(0, 3000, 3):  # {"instances": [...]} with three objects per record, base64-encoded
        instances = [{"x": float(current["x"][i]), "y": float(current["y"][i])} for i in range(start, start + 3)]
        body = json.dumps({"instances": instances}).encode()
        lines.append(
            json.dumps(capture_record("application/json", base64.b64encode(body).decode(), "BASE64", "2026-11-23T12:00:00Z"))
        )
    write_capture(tmp_path / "capture", "ranker", "blue", 12, lines)
    mlgateway(
        "monitor", "run", "--baseline", tmp_path / "baseline", "--capture", tmp_path / "capture",
        "--output", tmp_path / "out",
    )

    drift = drift_by_feature(tmp_path / "out")
    for name in ("x", "y"):
        expected = stats.ks_2samp(train[name], current[name]).statistic
        assert abs(drift[name]["distance"] - expected) <= SKETCH_TOLERANCE, (name, drift[name], expected)
    assert drift["x"]["drift"] is True
    assert drift["y"]["drift"] is False


def test_ks_p_value_agrees_with_scipy_asymptotic(tmp_path):
    rng = np.random.default_rng(3)
    train = {"v": rng.normal(0, 1, 1500)}
    current = {"v": rng.normal(0.12, 1, 1200)}
    write_training_csv(tmp_path / "train.csv", train)
    mlgateway("monitor", "baseline", "--dataset", tmp_path / "train.csv", "--output", tmp_path / "baseline")
    lines = [json.dumps(capture_record("text/csv", fmt(v), "CSV", "2026-11-23T10:00:00Z")) for v in current["v"]]
    write_capture(tmp_path / "capture", "e", "v1", 10, lines)
    mlgateway("monitor", "run", "--baseline", tmp_path / "baseline", "--capture", tmp_path / "capture", "--output", tmp_path / "out")

    feature = drift_by_feature(tmp_path / "out")["v"]
    reference = stats.ks_2samp(train["v"], current["v"], method="asymp")
    assert feature["distance"] == pytest.approx(reference.statistic, abs=1e-9)  # exact: both samples below k
    assert feature["ks_p_value"] == pytest.approx(reference.pvalue, abs=0.02)


def test_missing_baseline_is_a_clear_error(tmp_path):
    (tmp_path / "capture").mkdir()
    result = mlgateway(
        "monitor", "run", "--baseline", tmp_path / "nowhere", "--capture", tmp_path / "capture", "--output", tmp_path / "out",
        check=False,
    )
    assert result.returncode != 0
    assert "baseline" in result.stderr
