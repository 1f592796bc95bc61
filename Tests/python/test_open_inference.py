"""Open Inference Protocol (KServe v2): the gateway's /v2 front, and variants calling OIP backends
(demo-backend --mode oip, and a real MLServer serving a scikit-learn model when mlserver is installed)."""

import importlib.util
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from protocols_support import Processes, free_port, wait_listening

INFER = {"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [[0, 0], [1, 1]]}]}


def request(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(call, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null"), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)


def model_ready_status(port):
    """MLServer's readiness of the iris model, or None while its HTTP server does not accept connections."""
    try:
        return request("GET", f"http://127.0.0.1:{port}/v2/models/iris/ready")[0]
    except urllib.error.URLError:
        return None


@pytest.fixture(scope="module")
def demo():
    processes = Processes()
    try:
        backend = processes.backend("--mode", "oip")
        yield processes.gateway(f"""
[[endpoint]]
name = "iris"
[[endpoint.variant]]
name = "VariantA"
backends = ["{backend}"]
protocol = "oip"
model = "demo-model"
""")
    finally:
        processes.close()


def test_health_and_model_metadata(demo):
    assert request("GET", f"{demo.url}/v2/health/live")[:2] == (200, {"live": True})
    assert request("GET", f"{demo.url}/v2/health/ready")[:2] == (200, {"ready": True})
    status, metadata, _ = request("GET", f"{demo.url}/v2/models/iris")
    assert status == 200 and metadata["name"] == "iris" and metadata["versions"] == ["VariantA"]
    assert request("GET", f"{demo.url}/v2/models/iris/ready")[:2] == (200, {"name": "iris", "ready": True})


def test_infer_goes_through_the_pipeline_to_the_oip_backend(demo):
    status, answer, headers = request("POST", f"{demo.url}/v2/models/iris/infer", INFER)
    assert status == 200
    assert answer["model_name"] == "demo-model"
    assert answer["outputs"][0]["data"] == [0.5, 0.731059]
    assert headers["x-Amzn-Invoked-Production-Variant"] == "VariantA"


def test_sagemaker_front_reaches_the_oip_backend(demo):
    answer = demo.client().invoke_endpoint(EndpointName="iris", ContentType="application/json", Body=json.dumps(INFER))
    assert json.loads(answer["Body"].read())["outputs"][0]["data"] == [0.5, 0.731059]


def test_unknown_model_is_404_in_the_protocols_error_form(demo):
    status, answer, _ = request("POST", f"{demo.url}/v2/models/nope/infer", INFER)
    assert status == 404 and "nope" in answer["error"]
    assert request("GET", f"{demo.url}/v2/models/nope/ready")[0] == 404


def test_backend_error_keeps_the_oip_error_form(demo):
    status, answer, headers = request("POST", f"{demo.url}/v2/models/iris/infer", {"bad": 1})
    assert status == 424
    assert "error" in answer
    assert headers["x-amzn-ErrorType"] == "ModelError"


HAS_MLSERVER = importlib.util.find_spec("mlserver") is not None and importlib.util.find_spec("sklearn") is not None


@pytest.mark.skipif(not HAS_MLSERVER, reason="mlserver and mlserver-sklearn are not installed")
def test_real_mlserver_backend(tmp_path):
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, labels = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(features, labels)
    model_dir = tmp_path / "iris"
    model_dir.mkdir()
    joblib.dump(model, model_dir / "model.joblib")
    (model_dir / "model-settings.json").write_text(json.dumps({
        "name": "iris", "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "v1"}}))
    http_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    (tmp_path / "settings.json").write_text(json.dumps({
        "http_port": http_port, "grpc_port": grpc_port, "metrics_port": metrics_port, "host": "127.0.0.1",
        # Inference in the server process: MLServer's worker pool does not start with recent uvloop releases.
        "parallel_workers": 0}))
    processes = Processes()
    server = subprocess.Popen([sys.executable, "-c", "from mlserver.cli.main import main; main()", "start", str(tmp_path)],
                              stdout=open(tmp_path / "mlserver.log", "wb"), stderr=subprocess.STDOUT)
    try:
        wait_listening(http_port, server, timeout=120)
        deadline = time.monotonic() + 120
        while model_ready_status(http_port) != 200:
            assert time.monotonic() < deadline, (tmp_path / "mlserver.log").read_text()[-3000:]
            time.sleep(0.2)
        gateway = processes.gateway(f"""
[[endpoint]]
name = "flowers"
health_check.interval = "1s"
[[endpoint.variant]]
name = "SKLearn"
backends = ["http://127.0.0.1:{http_port}"]
protocol = "oip"
model = "iris"
""")
        rows = features[[0, 60, 120]].tolist()
        body = {"inputs": [{"name": "predict", "shape": [3, 4], "datatype": "FP64", "data": rows}]}
        status, answer, headers = request("POST", f"{gateway.url}/v2/models/flowers/infer", body)
        assert status == 200, answer
        assert answer["model_name"] == "iris"
        assert answer["outputs"][0]["data"] == model.predict(features[[0, 60, 120]]).tolist()
        assert headers["x-Amzn-Invoked-Production-Variant"] == "SKLearn"
    finally:
        processes.close()
        server.terminate()
        server.wait(timeout=30)
