"""Multi-model endpoints: load on first call, consistent placement, ModelNotReadyException while loading."""

import json
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from protocols_support import Processes


@pytest.fixture(scope="module")
def setup():
    processes = Processes()
    try:
        backends = [processes.backend("--multi-model", "--load-delay-ms", "300") for _ in range(3)]
        urls = ", ".join(f'"{url}"' for url in backends)
        gateway = processes.gateway(f"""
[[endpoint]]
name = "mme"
[[endpoint.variant]]
name = "AllModels"
backends = [{urls}]
multi_model = true

[[endpoint]]
name = "mme-reject"
[[endpoint.variant]]
name = "AllModels"
backends = [{urls}]
multi_model = true
model_not_ready = "reject"
""")
        yield gateway, backends
    finally:
        processes.close()


def loaded(backend):
    with urllib.request.urlopen(f"{backend}/models", timeout=5) as answer:
        return {model["modelName"]: model["loads"] for model in json.load(answer)["models"]}


def test_models_load_on_first_call_and_stay_on_one_backend(setup):
    gateway, backends = setup
    client = gateway.client()
    models = [f"model-{index}.tar.gz" for index in range(12)]
    for _ in range(3):
        for model in models:
            answer = client.invoke_endpoint(EndpointName="mme", TargetModel=model, ContentType="text/csv", Body="0")
            assert answer["Body"].read() == b"0.500000"
    placements = [loaded(backend) for backend in backends]
    for model in models:
        holders = [placement for placement in placements if model in placement]
        assert len(holders) == 1, f"{model} is on {len(holders)} backends"
        assert holders[0][model] == 1
    assert sum(1 for placement in placements if placement) >= 2


def test_concurrent_first_calls_load_once(setup):
    gateway, backends = setup
    errors = []

    def call():
        try:
            gateway.client().invoke_endpoint(EndpointName="mme", TargetModel="shared.tar.gz", ContentType="text/csv", Body="1")
        except Exception as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(loaded(backend).get("shared.tar.gz", 0) for backend in backends) == 1


def test_target_model_is_required(setup):
    gateway, _ = setup
    with pytest.raises(ClientError) as raised:
        gateway.client().invoke_endpoint(EndpointName="mme", ContentType="text/csv", Body="1")
    assert raised.value.response["Error"]["Code"] == "ValidationError"


def test_reject_answers_model_not_ready_while_loading(setup):
    gateway, _ = setup
    client = gateway.client()
    with pytest.raises(ClientError) as raised:
        client.invoke_endpoint(EndpointName="mme-reject", TargetModel="cold.tar.gz", ContentType="text/csv", Body="1")
    assert raised.value.response["Error"]["Code"] == "ModelNotReadyException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    deadline = time.monotonic() + 10
    while True:
        try:
            answer = client.invoke_endpoint(EndpointName="mme-reject", TargetModel="cold.tar.gz", ContentType="text/csv", Body="1")
            break
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ModelNotReadyException"
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert answer["Body"].read() == b"0.731059"


def test_setup_time_metric_is_exposed(setup):
    gateway, _ = setup
    with urllib.request.urlopen(f"{gateway.admin_url}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    assert 'mlgateway_model_setup_time_seconds_count{endpoint="mme",variant="AllModels",model="model-0.tar.gz"} 1' in text
    assert 'mlgateway_model_invocations_total{endpoint="mme",variant="AllModels",model="model-0.tar.gz"} 3' in text
