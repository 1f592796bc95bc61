"""boto3's sagemaker-runtime client, unchanged, against a real gateway process."""

import json
import os
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import endpoint_toml, variant_toml


@pytest.fixture(scope="module")
def gateway_url(processes):
    a = processes.backend("a")
    b = processes.backend("b")
    echo = processes.backend("echo", mode="echo")
    broken = processes.backend("broken", fail_rate=1.0)
    config = (
        endpoint_toml("demo", variant_toml("VariantA", [a]), variant_toml("VariantB", [b], weight=0.0))
        + endpoint_toml("echo", variant_toml("Echo", [echo]))
        + endpoint_toml("broken", variant_toml("Broken", [broken]))
    )
    return processes.gateway(config)


def make_client(endpoint_url=None):
    kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1"
    ).client("sagemaker-runtime", config=Config(retries={"total_max_attempts": 1}), **kwargs)


@pytest.fixture(scope="module")
def runtime(gateway_url):
    return make_client(gateway_url)


def test_invoke_endpoint_csv(runtime):
    response = runtime.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body="1,2,3")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["Body"].read() == b"0.880797"
    assert response["ContentType"] == "text/csv"
    assert response["InvokedProductionVariant"] == "VariantA"
    assert response["ResponseMetadata"]["RequestId"]


def test_invoke_endpoint_csv_bytes_several_rows(runtime):
    response = runtime.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body=b"0,0\n-1,-1\n")
    assert response["Body"].read().decode().split("\n") == ["0.500000", "0.268941"]


def test_invoke_endpoint_json(runtime):
    body = json.dumps({"instances": [[0, 0, 0], [1, 2, 3], {"x": 1, "y": 1}]})
    response = runtime.invoke_endpoint(
        EndpointName="demo", ContentType="application/json", Accept="application/json", Body=body
    )
    assert response["ContentType"] == "application/json"
    assert json.loads(response["Body"].read()) == {"predictions": [0.5, 0.880797, 0.731059]}


def test_custom_attributes_round_trip(runtime):
    attributes = "c000b4f9-df62-4c85-a0bf-7c525f9104a4,trace=1"
    response = runtime.invoke_endpoint(
        EndpointName="echo", ContentType="application/octet-stream", Body=b"\x00\x01payload\xff",
        CustomAttributes=attributes,
    )
    assert response["CustomAttributes"] == attributes
    assert response["Body"].read() == b"\x00\x01payload\xff"
    assert response["ContentType"] == "application/octet-stream"
    assert response["InvokedProductionVariant"] == "Echo"


def test_target_variant(runtime):
    for _ in range(5):
        response = runtime.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body="1", TargetVariant="VariantB")
        assert response["InvokedProductionVariant"] == "VariantB"
    response = runtime.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body="1")
    assert response["InvokedProductionVariant"] == "VariantA"


def test_unknown_endpoint_is_validation_error(runtime):
    with pytest.raises(ClientError) as raised:
        runtime.invoke_endpoint(EndpointName="nope", ContentType="text/csv", Body="1,2,3")
    error = raised.value.response
    assert error["Error"]["Code"] == "ValidationError"
    assert error["Error"]["Message"] == "Endpoint nope of account 000000000000 not found."
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unknown_target_variant_is_validation_error(runtime):
    with pytest.raises(ClientError) as raised:
        runtime.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body="1", TargetVariant="VariantZ")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert "VariantZ" in raised.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    "parameter, value",
    [
        ("TargetContainerHostname", "container-1"),
        ("EnableExplanations", "`true`"),
        ("InferenceComponentName", "component-1"),
        ("SessionId", "NEW_SESSION"),
    ],
)
def test_parameters_of_features_the_gateway_lacks_are_validation_errors(runtime, parameter, value):
    with pytest.raises(ClientError) as raised:
        runtime.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body="1", **{parameter: value})
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert f"({parameter}) is not supported" in raised.value.response["Error"]["Message"]


def test_oversized_body_is_validation_error(runtime):
    with pytest.raises(ClientError) as raised:
        runtime.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body=b"1" * (6 * 1024 * 1024 + 1))
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_model_error_fields(runtime):
    with pytest.raises(runtime.exceptions.ModelError) as raised:
        runtime.invoke_endpoint(EndpointName="broken", ContentType="text/csv", Body="1,2,3")
    error = raised.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["OriginalStatusCode"] == 500
    assert error["OriginalMessage"] == '{"error":"injected failure"}'
    assert "Broken" in error["LogStreamArn"]
    assert "500" in error["Error"]["Message"]


def test_model_rejecting_input_is_model_error_with_its_status(runtime):
    with pytest.raises(ClientError) as raised:
        runtime.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body="1,x")
    assert raised.value.response["Error"]["Code"] == "ModelError"
    assert raised.value.response["OriginalStatusCode"] == 400


def test_endpoint_url_from_environment(gateway_url):
    """AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME makes an unmodified client call the gateway (fresh interpreter)."""
    script = (
        "import boto3\n"
        "r = boto3.client('sagemaker-runtime', region_name='us-east-1')"
        ".invoke_endpoint(EndpointName='demo', ContentType='text/csv', Body='1,2,3')\n"
        "print(r['InvokedProductionVariant'], r['Body'].read().decode())\n"
    )
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=gateway_url, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret"
    )
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "VariantA 0.880797"


def test_endpoint_url_from_environment_in_process(gateway_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", gateway_url)
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    client = make_client()
    assert client.meta.endpoint_url == gateway_url
    response = client.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body="0")
    assert response["Body"].read() == b"0.500000"
