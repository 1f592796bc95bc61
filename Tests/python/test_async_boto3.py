"""InvokeEndpointAsync through the gateway, with boto3 unchanged: queued durably, worked, written to files."""

import json
import time
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from protocols_support import Processes

CONFIG = """
[async]
input_dir = "inputs"
output_dir = "outputs"
workers = 2
max_attempts = 2
retry_delay = "100ms"

[[endpoint]]
name = "scores"
[[endpoint.variant]]
name = "VariantA"
backends = ["{model}"]

[[endpoint]]
name = "failing"
[[endpoint.variant]]
name = "VariantA"
backends = ["{failing}"]
"""


@pytest.fixture(scope="module")
def setup():
    processes = Processes()
    try:
        model = processes.backend("--mode", "model")
        failing = processes.backend("--mode", "model", "--fail-rate", "1")
        gateway = processes.gateway(CONFIG.format(model=model, failing=failing))
        inputs = gateway.config.parent / "inputs"
        inputs.mkdir(exist_ok=True)
        yield processes, gateway, inputs
    finally:
        processes.close()


def wait_for_file(path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_bytes()
        time.sleep(0.05)
    raise AssertionError(f"{path} did not appear within {timeout}s")


def status(gateway, inference_id):
    with urllib.request.urlopen(f"{gateway.admin_url}/admin/async/{inference_id}", timeout=5) as answer:
        return json.load(answer)


def path_of(location):
    assert location.startswith("file://")
    return Path(location[len("file://"):])


def test_input_file_is_scored_into_the_output_location(setup):
    _, gateway, inputs = setup
    (inputs / "rows.csv").write_text("0,0,0\n1,1,1\n")
    answer = gateway.client().invoke_endpoint_async(
        EndpointName="scores", InputLocation=f"file://{inputs}/rows.csv", ContentType="text/csv")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    output = path_of(answer["OutputLocation"])
    assert output.name == f"{answer['InferenceId']}.out"
    assert wait_for_file(output) == b"0.500000\n0.731059"
    deadline = time.monotonic() + 10
    while status(gateway, answer["InferenceId"])["Status"] != "Completed":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert status(gateway, answer["InferenceId"])["InvokedProductionVariant"] == "VariantA"


def test_relative_input_location_and_client_inference_id(setup):
    _, gateway, inputs = setup
    (inputs / "one.csv").write_text("2,2\n")
    answer = gateway.client().invoke_endpoint_async(
        EndpointName="scores", InputLocation="one.csv", ContentType="text/csv", InferenceId="client-id-1",
        RequestTTLSeconds=600, InvocationTimeoutSeconds=30)
    assert answer["InferenceId"] == "client-id-1"
    assert wait_for_file(path_of(answer["OutputLocation"])) == b"0.880797"


def test_failing_model_writes_the_failure_location_after_retries(setup):
    _, gateway, inputs = setup
    (inputs / "fail.csv").write_text("1\n")
    answer = gateway.client().invoke_endpoint_async(
        EndpointName="failing", InputLocation="fail.csv", ContentType="text/csv")
    failure = json.loads(wait_for_file(path_of(answer["FailureLocation"])))
    assert failure["OriginalStatusCode"] == 500
    final = status(gateway, answer["InferenceId"])
    assert final["Status"] == "Failed"
    assert final["Attempts"] == 2


def test_location_outside_the_input_directory_is_rejected(setup):
    _, gateway, _ = setup
    with pytest.raises(ClientError) as raised:
        gateway.client().invoke_endpoint_async(EndpointName="scores", InputLocation="file:///etc/passwd")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as raised:
        gateway.client().invoke_endpoint_async(EndpointName="scores", InputLocation="s3://bucket/key")
    assert raised.value.response["Error"]["Code"] == "ValidationError"


def test_queued_work_survives_a_restart(setup):
    processes, _, _ = setup
    slow = processes.backend("--mode", "model", "--delay-ms", "1000")
    gateway = processes.gateway(CONFIG.replace("workers = 2", "workers = 1").format(model=slow, failing=slow))
    inputs = gateway.config.parent / "inputs"
    inputs.mkdir()
    outputs = []
    for index in range(3):
        (inputs / f"{index}.csv").write_text(f"{index}\n")
        answer = gateway.client().invoke_endpoint_async(
            EndpointName="scores", InputLocation=f"{index}.csv", ContentType="text/csv")
        outputs.append(path_of(answer["OutputLocation"]))
    gateway.process.terminate()
    assert gateway.process.wait(timeout=30) == 0
    assert not all(path.exists() for path in outputs)
    restarted = processes.restart(gateway)
    assert [wait_for_file(path, timeout=60) for path in outputs] == [b"0.500000", b"0.731059", b"0.880797"]
    assert restarted.process.poll() is None


def test_invocation_timeout_is_honoured(setup):
    processes, _, _ = setup
    slow = processes.backend("--mode", "model", "--delay-ms", "3000")
    config = CONFIG.replace("max_attempts = 2", "max_attempts = 1").format(model=slow, failing=slow)
    gateway = processes.gateway(config)
    inputs = gateway.config.parent / "inputs"
    inputs.mkdir()
    (inputs / "slow.csv").write_text("1\n")
    answer = gateway.client().invoke_endpoint_async(
        EndpointName="scores", InputLocation="slow.csv", ContentType="text/csv", InvocationTimeoutSeconds=1)
    failure = json.loads(wait_for_file(path_of(answer["FailureLocation"]), timeout=30))
    assert "timed out" in failure["message"], failure
    assert not path_of(answer["OutputLocation"]).exists()
    assert status(gateway, answer["InferenceId"])["Status"] == "Failed"
