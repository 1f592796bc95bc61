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


@pytest.fixture(scope="module")
def mlserver(tmp_path_factory):
    """A real MLServer serving a scikit-learn iris model over REST; yields (its HTTP port, the model, the data)."""
    if not HAS_MLSERVER:
        pytest.skip("mlserver and mlserver-sklearn are not installed")
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    tmp_path = tmp_path_factory.mktemp("mlserver")
    features, labels = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(features, labels)
    model_dir = tmp_path / "iris"
    model_dir.mkdir()
    joblib.dump(model, model_dir / "model.joblib")
    (model_dir / "model-settings.json").write_text(json.dumps({
        "name": "iris", "implementation": "mlserver_sklearn.SKLearnModel",
        "inputs": [{"name": "predict", "datatype": "FP64", "shape": [-1, 4]}],
        "outputs": [{"name": "predict", "datatype": "INT64", "shape": [-1, 1]}],
        "parameters": {"uri": "./model.joblib", "version": "v1"}}))
    http_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    (tmp_path / "settings.json").write_text(json.dumps({
        "http_port": http_port, "grpc_port": grpc_port, "metrics_port": metrics_port, "host": "127.0.0.1",
        # Inference in the server process: MLServer's worker pool does not start with recent uvloop releases.
        "parallel_workers": 0}))
    server = subprocess.Popen([sys.executable, "-c", "from mlserver.cli.main import main; main()", "start", str(tmp_path)],
                              stdout=open(tmp_path / "mlserver.log", "wb"), stderr=subprocess.STDOUT)
    try:
        wait_listening(http_port, server, timeout=120)
        deadline = time.monotonic() + 120
        while model_ready_status(http_port) != 200:
            assert time.monotonic() < deadline, (tmp_path / "mlserver.log").read_text()[-3000:]
            time.sleep(0.2)
        yield http_port, model, features
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def flowers(mlserver):
    """A gateway whose `flowers` endpoint (open) and `keyed` endpoint (API keys) reach MLServer's iris model."""
    http_port = mlserver[0]
    processes = Processes()
    variant = f"""
[[endpoint.variant]]
name = "SKLearn"
backends = ["http://127.0.0.1:{http_port}"]
protocol = "oip"
model = "iris"
"""
    try:
        gateway = processes.gateway(
            f'[[endpoint]]\nname = "flowers"\nhealth_check.interval = "1s"\n{variant}'
            f'\n[[endpoint]]\nname = "keyed"\nauth = "api_key"\nhealth_check.interval = "1s"\n{variant}')
        yield gateway
    finally:
        processes.close()


def test_real_mlserver_backend(mlserver, flowers):
    _, model, features = mlserver
    rows = features[[0, 60, 120]].tolist()
    body = {"inputs": [{"name": "predict", "shape": [3, 4], "datatype": "FP64", "data": rows}]}
    status, answer, headers = request("POST", f"{flowers.url}/v2/models/flowers/infer", body)
    assert status == 200, answer
    assert answer["model_name"] == "iris"
    assert answer["outputs"][0]["data"] == model.predict(features[[0, 60, 120]]).tolist()
    assert headers["x-Amzn-Invoked-Production-Variant"] == "SKLearn"


HAS_TRITONCLIENT = importlib.util.find_spec("tritonclient") is not None


@pytest.mark.skipif(not HAS_TRITONCLIENT, reason="tritonclient[http] is not installed")
def test_tritonclient_against_mlserver(mlserver, flowers):
    import numpy as np
    import tritonclient.http as triton
    from tritonclient.utils import InferenceServerException

    _, model, features = mlserver
    client = triton.InferenceServerClient(url=flowers.url.removeprefix("http://"))
    assert client.is_server_live() and client.is_server_ready()
    assert client.get_server_metadata()["name"] == "mlgateway"
    metadata = client.get_model_metadata("flowers")
    # The model server's own tensors reach the client, under the name and versions it addresses.
    assert metadata["name"] == "flowers" and metadata["versions"] == ["SKLearn"]
    assert metadata["inputs"] == [{"name": "predict", "datatype": "FP64", "shape": [-1, 4]}]
    assert metadata["outputs"][0]["name"] == "predict"
    assert client.is_model_ready("flowers") and client.is_model_ready("flowers", model_version="SKLearn")

    rows = features[[0, 60, 120]]
    tensor = triton.InferInput("predict", list(rows.shape), "FP64")
    tensor.set_data_from_numpy(rows, binary_data=False)
    result = client.infer("flowers", [tensor], outputs=[triton.InferRequestedOutput("predict", binary_data=False)])
    assert result.as_numpy("predict").flatten().tolist() == model.predict(rows).tolist()
    result = client.infer("flowers", [tensor], model_version="SKLearn",
                          outputs=[triton.InferRequestedOutput("predict", binary_data=False)])
    assert result.as_numpy("predict").flatten().tolist() == model.predict(rows).tolist()

    with pytest.raises(InferenceServerException) as unknown:
        client.get_model_metadata("nope")
    assert unknown.value.status() == "404" and "Model nope not found." in unknown.value.message()
    with pytest.raises(InferenceServerException) as version:
        client.infer("flowers", [tensor], model_version="v9")
    assert version.value.status() == "404" and "has no version v9" in version.value.message()
    with pytest.raises(InferenceServerException) as keyless:
        client.get_model_metadata("keyed")
    assert keyless.value.status() == "403" and "Missing Authentication Token" in keyless.value.message()
    with pytest.raises(InferenceServerException) as keyless_infer:
        client.infer("keyed", [tensor])
    assert keyless_infer.value.status() == "403"
    bad = triton.InferInput("predict", [1, 3], "FP64")
    bad.set_data_from_numpy(np.zeros((1, 3)), binary_data=False)
    with pytest.raises(InferenceServerException) as refused:
        client.infer("flowers", [bad])
    # The model server's refusal, decoded by the client from the protocol's error form.
    assert refused.value.status() == "424"


@pytest.mark.skipif(not HAS_TRITONCLIENT, reason="tritonclient[http] is not installed")
def test_tritonclient_binary_tensors_both_ways(demo):
    import numpy as np
    import tritonclient.http as triton

    client = triton.InferenceServerClient(url=demo.url.removeprefix("http://"))
    metadata = client.get_model_metadata("iris")
    assert metadata["inputs"] == [{"name": "input-0", "datatype": "FP64", "shape": [-1, -1]}]
    rows = np.array([[0.0, 0.0], [1.0, 1.0]])
    for dtype, datatype in ((np.float64, "FP64"), (np.float32, "FP32")):
        tensor = triton.InferInput("input-0", [2, 2], datatype)
        tensor.set_data_from_numpy(rows.astype(dtype), binary_data=True)
        for binary_output in (True, False):
            result = client.infer(
                "iris", [tensor], outputs=[triton.InferRequestedOutput("predict", binary_data=binary_output)])
            assert np.allclose(result.as_numpy("predict"), [0.5, 0.7310585786]), (datatype, binary_output)
            assert result.get_response()["model_name"] == "demo-model"


def test_protocol_paths_answer_errors_in_the_protocols_form(demo):
    status, answer, headers = request("GET", f"{demo.url}/v2/nowhere")
    assert status == 404 and set(answer) == {"error"}
    status, answer, _ = request("GET", f"{demo.url}/v2/models/iris/infer")
    assert status in (404, 405) and set(answer) == {"error"}
    status, answer, _ = request("GET", f"{demo.url}/v2")
    assert status == 200 and answer["name"] == "mlgateway" and "binary_tensor_data" in answer["extensions"]
    status, answer, _ = request("GET", f"{demo.url}/v2/models/iris/versions/nope")
    assert status == 404 and "has no version nope" in answer["error"]
    # Outside /v2 the SageMaker (AWS) form stays.
    status, answer, _ = request("GET", f"{demo.url}/nowhere")
    assert status == 404 and "message" in answer
