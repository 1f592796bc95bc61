"""Open Inference Protocol (KServe v2): the gateway's REST (/v2) and gRPC fronts, and variants calling OIP backends
over REST and gRPC (demo-backend --mode oip --grpc-port, and a real MLServer serving a scikit-learn model over both
when mlserver is installed), with tritonclient's HTTP and gRPC clients."""

import importlib.util
import json
import subprocess
import sys
import time
import types
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
    """A gateway with its gRPC front: `iris` calls demo-backend's REST API, `iris-grpc` its gRPC one, and
    `keyed-grpc` (API keys) its gRPC one too."""
    processes = Processes()
    try:
        grpc_port = free_port()
        backend = processes.backend("--mode", "oip", "--grpc-port", str(grpc_port))
        gateway = processes.gateway(f"""
[[endpoint]]
name = "iris"
[[endpoint.variant]]
name = "VariantA"
backends = ["{backend}"]
protocol = "oip"
model = "demo-model"

[[endpoint]]
name = "iris-grpc"
[[endpoint.variant]]
name = "Grpc"
backends = ["http://127.0.0.1:{grpc_port}"]
protocol = "oip-grpc"
model = "demo-model"

[[endpoint]]
name = "keyed-grpc"
auth = "api_key"
[[endpoint.variant]]
name = "Grpc"
backends = ["http://127.0.0.1:{grpc_port}"]
protocol = "oip-grpc"
model = "demo-model"
""", grpc=True)
        gateway.oip_backend = backend
        gateway.api_key = gateway.create_api_key(
            lambda key: _answers(f"{gateway.url}/v2/models/keyed-grpc/ready", {"x-api-key": key}))
        yield gateway
    finally:
        processes.close()


def _answers(url, headers):
    """Whether GET url with headers answers 200."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as answer:
            return answer.status == 200
    except urllib.error.HTTPError:
        return False


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
    """A real MLServer serving a scikit-learn iris model over REST and gRPC: its ports, the model and the data."""
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
        yield types.SimpleNamespace(http_port=http_port, grpc_port=grpc_port, model=model, features=features)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def flowers(mlserver):
    """A gateway (REST and gRPC fronts) whose `flowers` endpoint (open) and `keyed` endpoint (API keys) reach
    MLServer's iris model over REST, and whose `flowers-grpc` endpoint reaches it over gRPC."""
    processes = Processes()

    def variant(port, protocol):
        return f"""
[[endpoint.variant]]
name = "SKLearn"
backends = ["http://127.0.0.1:{port}"]
protocol = "{protocol}"
model = "iris"
"""
    rest, grpc = variant(mlserver.http_port, "oip"), variant(mlserver.grpc_port, "oip-grpc")
    try:
        gateway = processes.gateway(
            f'[[endpoint]]\nname = "flowers"\nhealth_check.interval = "1s"\n{rest}'
            f'\n[[endpoint]]\nname = "keyed"\nauth = "api_key"\nhealth_check.interval = "1s"\n{rest}'
            f'\n[[endpoint]]\nname = "flowers-grpc"\nhealth_check.interval = "1s"\n{grpc}', grpc=True)
        yield gateway
    finally:
        processes.close()


def test_real_mlserver_backend(mlserver, flowers):
    model, features = mlserver.model, mlserver.features
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

    model, features = mlserver.model, mlserver.features
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


HAS_TRITON_GRPC = importlib.util.find_spec("tritonclient") is not None and importlib.util.find_spec("grpc") is not None


def grpc_client(gateway):
    import tritonclient.grpc as triton_grpc

    return triton_grpc.InferenceServerClient(url=f"127.0.0.1:{gateway.grpc_port}")


def grpc_input(rows, datatype="FP64", name="input-0"):
    import numpy as np
    import tritonclient.grpc as triton_grpc

    array = np.asarray(rows, dtype={"FP64": np.float64, "FP32": np.float32}[datatype])
    tensor = triton_grpc.InferInput(name, list(array.shape), datatype)
    tensor.set_data_from_numpy(array)
    return tensor


@pytest.mark.skipif(not HAS_TRITON_GRPC, reason="tritonclient[grpc] is not installed")
def test_grpc_front_health_and_metadata(demo):
    client = grpc_client(demo)
    assert client.is_server_live() and client.is_server_ready()
    server = client.get_server_metadata()
    assert server.name == "mlgateway" and server.version
    for model in ("iris", "iris-grpc"):
        # The model server's tensors, over its REST API or its gRPC one, under the name the client addresses.
        metadata = client.get_model_metadata(model)
        assert metadata.name == model and metadata.platform == "demo"
        assert [(t.name, t.datatype, list(t.shape)) for t in metadata.inputs] == [("input-0", "FP64", [-1, -1])]
        assert [t.name for t in metadata.outputs] == ["predict"]
        assert client.is_model_ready(model)
    assert list(client.get_model_metadata("iris").versions) == ["VariantA"]
    assert client.is_model_ready("iris", model_version="VariantA")


@pytest.mark.skipif(not HAS_TRITON_GRPC, reason="tritonclient[grpc] is not installed")
def test_grpc_front_infer_reaches_rest_and_grpc_backends(demo):
    import numpy as np

    client = grpc_client(demo)
    for model in ("iris", "iris-grpc"):
        for datatype in ("FP64", "FP32"):
            result = client.infer(model, [grpc_input([[0, 0], [1, 1]], datatype)], request_id="r-1")
            assert np.allclose(result.as_numpy("predict"), [0.5, 0.7310585786]), (model, datatype)
            response = result.get_response()
            assert response.model_name == model and response.id == "r-1"
    assert client.infer("iris", [grpc_input([[0, 0]])], model_version="VariantA").get_response().model_version \
        == "VariantA"


@pytest.mark.skipif(not HAS_TRITON_GRPC, reason="tritonclient[grpc] is not installed")
def test_grpc_front_typed_contents_answered_typed(demo):
    """A client that sends typed contents (not raw bytes) gets typed contents back."""
    import grpc
    from tritonclient.grpc import service_pb2, service_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{demo.grpc_port}") as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        request = service_pb2.ModelInferRequest(model_name="iris-grpc")
        tensor = request.inputs.add(name="input-0", datatype="FP64", shape=[2, 2])
        tensor.contents.fp64_contents.extend([0, 0, 1, 1])
        response = stub.ModelInfer(request, timeout=30)
    assert not response.raw_output_contents
    assert [round(value, 6) for value in response.outputs[0].contents.fp64_contents] == [0.5, 0.731059]


@pytest.mark.skipif(not HAS_TRITON_GRPC, reason="tritonclient[grpc] is not installed")
def test_grpc_front_errors_decoded_by_the_client(demo):
    import grpc
    from tritonclient.utils import InferenceServerException

    client = grpc_client(demo)
    cases = [
        (lambda: client.get_model_metadata("nope"), grpc.StatusCode.NOT_FOUND, "Model nope not found."),
        (lambda: client.infer("nope", [grpc_input([[0, 0]])]), grpc.StatusCode.NOT_FOUND, "Model nope not found."),
        (lambda: client.infer("iris", [grpc_input([[0, 0]])], model_version="v9"), grpc.StatusCode.NOT_FOUND,
         "has no version v9"),
        (lambda: client.infer("keyed-grpc", [grpc_input([[0, 0]])]), grpc.StatusCode.UNAUTHENTICATED,
         "needs an API key"),
        (lambda: client.infer("keyed-grpc", [grpc_input([[0, 0]])], headers={"x-api-key": "mlgw_bad_key"}),
         grpc.StatusCode.UNAUTHENTICATED, "invalid"),
        (lambda: client.get_model_metadata("keyed-grpc"), grpc.StatusCode.UNAUTHENTICATED, "needs an API key"),
    ]
    for call, status, message in cases:
        with pytest.raises(InferenceServerException) as error:
            call()
        assert error.value.status() == str(status) and message in error.value.message(), error.value
    # A tensor whose data does not fill its shape is the client's error, named.
    bad = grpc_input([[0, 0], [1, 1]])
    bad._input.shape[:] = [3, 2]
    with pytest.raises(InferenceServerException) as error:
        client.infer("iris", [bad])
    assert error.value.status() == str(grpc.StatusCode.INVALID_ARGUMENT)
    assert "Tensor input-0 has 4 elements; its shape [3,2] needs 6" in error.value.message()


@pytest.mark.skipif(not HAS_TRITON_GRPC, reason="tritonclient[grpc] is not installed")
def test_grpc_front_api_key_from_metadata(demo):
    import numpy as np

    client = grpc_client(demo)
    for header in ({"x-api-key": demo.api_key}, {"authorization": f"Bearer {demo.api_key}"}):
        result = client.infer("keyed-grpc", [grpc_input([[1, 1]])], headers=header)
        assert np.allclose(result.as_numpy("predict"), [0.7310585786])
        assert client.get_model_metadata("keyed-grpc", headers=header).name == "keyed-grpc"


@pytest.mark.skipif(not HAS_TRITONCLIENT, reason="tritonclient[http] is not installed")
def test_rest_front_reaches_a_grpc_backend_with_json_and_binary_tensors(demo):
    import numpy as np
    import tritonclient.http as triton

    client = triton.InferenceServerClient(url=demo.url.removeprefix("http://"))
    assert client.get_model_metadata("iris-grpc")["inputs"] == [
        {"name": "input-0", "datatype": "FP64", "shape": [-1, -1]}]
    rows = np.array([[0.0, 0.0], [1.0, 1.0]])
    for binary_input in (False, True):
        for binary_output in (False, True):
            tensor = triton.InferInput("input-0", [2, 2], "FP64")
            tensor.set_data_from_numpy(rows, binary_data=binary_input)
            result = client.infer(
                "iris-grpc", [tensor], outputs=[triton.InferRequestedOutput("predict", binary_data=binary_output)])
            assert np.allclose(result.as_numpy("predict"), [0.5, 0.7310585786]), (binary_input, binary_output)
            output = result.get_response()["outputs"][0]
            assert ("data" in output) != binary_output
    # The SageMaker front reaches it too, with the protocol's JSON.
    answer = demo.client().invoke_endpoint(EndpointName="iris-grpc", ContentType="application/json", Body=json.dumps(INFER))
    assert json.loads(answer["Body"].read())["outputs"][0]["data"] == [0.5, 0.731059]


@pytest.mark.skipif(not HAS_TRITON_GRPC, reason="tritonclient[grpc] is not installed")
def test_grpc_against_mlserver(mlserver, flowers):
    """tritonclient's gRPC client through the gateway to MLServer over REST and over gRPC, and tritonclient's HTTP
    client to MLServer's gRPC API."""
    import numpy as np
    import tritonclient.http as triton

    rows = mlserver.features[[0, 60, 120]]
    expected = mlserver.model.predict(rows).tolist()
    client = grpc_client(flowers)
    for model in ("flowers", "flowers-grpc"):
        metadata = client.get_model_metadata(model)
        assert [(t.name, t.datatype, list(t.shape)) for t in metadata.inputs] == [("predict", "FP64", [-1, 4])]
        assert client.is_model_ready(model)
        result = client.infer(model, [grpc_input(rows, name="predict")])
        assert result.as_numpy("predict").flatten().tolist() == expected, model

    http = triton.InferenceServerClient(url=flowers.url.removeprefix("http://"))
    assert http.get_model_metadata("flowers-grpc")["inputs"] == [{"name": "predict", "datatype": "FP64", "shape": [-1, 4]}]
    assert http.is_model_ready("flowers-grpc")
    for binary in (False, True):
        tensor = triton.InferInput("predict", list(rows.shape), "FP64")
        tensor.set_data_from_numpy(rows, binary_data=binary)
        result = http.infer("flowers-grpc", [tensor], outputs=[triton.InferRequestedOutput("predict", binary_data=binary)])
        assert result.as_numpy("predict").flatten().tolist() == expected
    # MLServer's refusal over gRPC (a tensor of the wrong width) reaches a REST client as the model's error.
    bad = triton.InferInput("predict", [1, 3], "FP64")
    bad.set_data_from_numpy(np.zeros((1, 3)), binary_data=False)
    with pytest.raises(Exception) as refused:
        http.infer("flowers-grpc", [bad])
    assert "424" in str(refused.value)


@pytest.mark.skipif(not HAS_TRITON_GRPC, reason="tritonclient[grpc] is not installed")
def test_grpc_front_passes_the_clients_trace_context_to_the_model_server(demo):
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    grpc_client(demo).infer("iris", [grpc_input([[0, 0]])], headers={"traceparent": parent})
    with urllib.request.urlopen(f"{demo.oip_backend}/control/traceparent", timeout=5) as answer:
        assert answer.read().decode() == parent
