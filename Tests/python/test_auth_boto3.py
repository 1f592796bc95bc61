"""Authentication end to end: boto3 signing real SigV4 calls with a `keys create --sigv4` key, API keys over plain
HTTP, and the SageMaker SDK's Predictor when the `sagemaker` package is installed."""

import base64
import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import endpoint_toml, free_port, is_listening, variant_toml, wait_until

REGION = "us-east-1"


class AuthGateway:
    """A gateway with `open` (auth none), `keyed` (api_key), `secure` (any) and `signed` (sigv4) endpoints."""

    def __init__(self, processes, backend):
        self.processes = processes
        directory = Path(tempfile.mkdtemp(dir=processes.workdir, prefix="auth-gateway-"))
        master_key = directory / "master.key"
        master_key.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        master_key.chmod(0o600)
        self.port, self.admin_port = free_port(), free_port()
        self.config = directory / "gateway.conf"
        variant = variant_toml("Model", [backend])
        self.config.write_text(
            f'[server]\nlisten = "127.0.0.1:{self.port}"\nadmin_listen = "127.0.0.1:{self.admin_port}"\n'
            f'state_dir = "var"\n\n[auth]\nmaster_key_file = "master.key"\nregions = ["{REGION}"]\n'
            + endpoint_toml("open", variant, extra='auth = "none"')
            + endpoint_toml("keyed", variant, extra='auth = "api_key"')
            + endpoint_toml("secure", variant, extra='auth = "any"')
            + endpoint_toml("signed", variant, extra='auth = "sigv4"')
        )
        self.directory = directory
        process, log = processes._spawn(
            [str(processes.bin_dir / "mlgateway"), "serve", "--config", str(self.config)], "auth-gateway", cwd=directory
        )

        def ready():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/readyz", timeout=2) as response:
                    return response.status == 200 and is_listening(self.port)
            except (urllib.error.URLError, OSError):
                return False

        wait_until("the gateway is ready", ready, process=process, log=log)
        self.url = f"http://127.0.0.1:{self.port}"

    def keys(self, *arguments):
        """Runs `mlgateway keys ARGUMENTS --config gateway.conf`; returns stdout."""
        result = subprocess.run(
            [str(self.processes.bin_dir / "mlgateway"), "keys", *arguments, "--config", str(self.config)],
            capture_output=True, text=True, timeout=60, cwd=self.directory,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def create_key(self, *options):
        """`keys create --output json`; returns once the gateway has loaded the key (it polls every 250 ms): an
        unlimited sentinel key created after it is accepted, and reloads install the whole database at once."""
        key = json.loads(self.keys("create", "--name", "pytest", "--output", "json", *options))
        sentinel = json.loads(self.keys("create", "--name", "sentinel", "--output", "json"))
        url = f"{self.url}/endpoints/secure/invocations"
        wait_until("the gateway loads the new keys", lambda: post(url, {"x-api-key": sentinel["apiKey"]})[0] == 200,
                   timeout=10)
        return key


@pytest.fixture(scope="module")
def gateway(processes):
    return AuthGateway(processes, processes.backend("model"))


@pytest.fixture(scope="module")
def sigv4_key(gateway):
    key = gateway.create_key("--sigv4")
    assert set(key) == {"id", "name", "apiKey", "accessKeyId", "secretAccessKey"}
    return key


def runtime_client(url, access_key_id, secret, region=REGION, unsigned=False):
    config = Config(retries={"total_max_attempts": 1}, signature_version=UNSIGNED) if unsigned else Config(retries={"total_max_attempts": 1})
    return boto3.session.Session(
        aws_access_key_id=access_key_id, aws_secret_access_key=secret, region_name=region
    ).client("sagemaker-runtime", endpoint_url=url, config=config)


def error_code(excinfo):
    error = excinfo.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], error["Error"].get("Message", "")


def test_boto3_signs_invoke_endpoint(gateway, sigv4_key):
    runtime = runtime_client(gateway.url, sigv4_key["accessKeyId"], sigv4_key["secretAccessKey"])
    for endpoint in ("signed", "secure"):
        response = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body="1,2,3")
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert response["InvokedProductionVariant"] == "Model"
        assert response["Body"].read() == b"0.880797"


def test_boto3_signs_json_and_binary_bodies(gateway, sigv4_key):
    runtime = runtime_client(gateway.url, sigv4_key["accessKeyId"], sigv4_key["secretAccessKey"])
    body = json.dumps({"instances": [[1, 2, 3]]})
    response = runtime.invoke_endpoint(
        EndpointName="signed", ContentType="application/json", Accept="application/json", Body=body,
        CustomAttributes="trace=1",
    )
    assert json.loads(response["Body"].read()) == {"predictions": [0.880797]}


def test_boto3_wrong_secret_is_invalid_signature(gateway, sigv4_key):
    runtime = runtime_client(gateway.url, sigv4_key["accessKeyId"], sigv4_key["secretAccessKey"] + "x")
    with pytest.raises(ClientError) as excinfo:
        runtime.invoke_endpoint(EndpointName="signed", ContentType="text/csv", Body="1,2,3")
    code, status, message = error_code(excinfo)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert "signature" in message.lower()


def test_boto3_unknown_access_key_is_unrecognized_client(gateway):
    runtime = runtime_client(gateway.url, "MLGWNOSUCHKEY0000000", "secret")
    with pytest.raises(ClientError) as excinfo:
        runtime.invoke_endpoint(EndpointName="signed", ContentType="text/csv", Body="1,2,3")
    assert error_code(excinfo)[:2] == ("UnrecognizedClientException", 403)


def test_boto3_region_outside_the_list_is_invalid_signature(gateway, sigv4_key):
    runtime = runtime_client(gateway.url, sigv4_key["accessKeyId"], sigv4_key["secretAccessKey"], region="eu-west-1")
    with pytest.raises(ClientError) as excinfo:
        runtime.invoke_endpoint(EndpointName="signed", ContentType="text/csv", Body="1,2,3")
    assert error_code(excinfo)[:2] == ("InvalidSignatureException", 403)


def test_boto3_unsigned_is_missing_authentication_token(gateway):
    runtime = runtime_client(gateway.url, "unused", "unused", unsigned=True)
    with pytest.raises(ClientError) as excinfo:
        runtime.invoke_endpoint(EndpointName="signed", ContentType="text/csv", Body="1,2,3")
    assert error_code(excinfo)[:2] == ("MissingAuthenticationTokenException", 403)
    assert runtime.invoke_endpoint(EndpointName="open", ContentType="text/csv", Body="1")["ResponseMetadata"][
        "HTTPStatusCode"] == 200


def test_boto3_revoked_key_is_access_denied(gateway):
    key = gateway.create_key("--sigv4")
    runtime = runtime_client(gateway.url, key["accessKeyId"], key["secretAccessKey"])
    assert runtime.invoke_endpoint(EndpointName="signed", ContentType="text/csv", Body="1")["ResponseMetadata"][
        "HTTPStatusCode"] == 200
    gateway.keys("revoke", key["id"])

    def refused():
        try:
            runtime.invoke_endpoint(EndpointName="signed", ContentType="text/csv", Body="1")
            return False
        except ClientError as error:
            return error.response["Error"]["Code"] == "AccessDeniedException"

    wait_until("the revocation applies", refused, timeout=5)


def post(url, headers, body=b"1,2,3"):
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/csv", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_api_key_header_and_bearer(gateway):
    key = gateway.create_key("--endpoints", "keyed,secure")
    for endpoint, headers in (("keyed", {"x-api-key": key["apiKey"]}),
                              ("secure", {"Authorization": f"Bearer {key['apiKey']}"})):
        status, response_headers, body = post(f"{gateway.url}/endpoints/{endpoint}/invocations", headers)
        assert status == 200, body
        assert body == b"0.880797"
        assert response_headers["x-Amzn-Invoked-Production-Variant"] == "Model"


def test_api_key_errors(gateway):
    key = gateway.create_key("--endpoints", "keyed")
    cases = [
        ("keyed", {}, 403, "MissingAuthenticationTokenException"),
        ("keyed", {"x-api-key": key["apiKey"][:-1] + ("a" if key["apiKey"][-1] != "a" else "b")}, 403,
         "UnrecognizedClientException"),
        ("secure", {"x-api-key": key["apiKey"]}, 403, "AccessDeniedException"),
        ("signed", {"x-api-key": key["apiKey"]}, 403, "MissingAuthenticationTokenException"),
    ]
    for endpoint, headers, expected_status, expected_code in cases:
        status, response_headers, body = post(f"{gateway.url}/endpoints/{endpoint}/invocations", headers)
        assert status == expected_status, (endpoint, headers, body)
        assert response_headers["x-amzn-ErrorType"] == expected_code
        assert json.loads(body)["message"]


def test_rate_limit_answers_throttling_with_retry_after(gateway):
    key = gateway.create_key("--rate", "1/h", "--burst", "1")
    url = f"{gateway.url}/endpoints/keyed/invocations"
    assert post(url, {"x-api-key": key["apiKey"]})[0] == 200
    status, headers, body = post(url, {"x-api-key": key["apiKey"]})
    assert status == 429
    assert headers["x-amzn-ErrorType"] == "ThrottlingException"
    assert 0 < int(headers["Retry-After"]) <= 3600


def test_sagemaker_sdk_predictor(gateway, sigv4_key):
    sagemaker = pytest.importorskip(
        "sagemaker", reason="the sagemaker SDK is not installed (pip install 'sagemaker<3' to run this test)")
    from sagemaker.deserializers import StringDeserializer
    from sagemaker.predictor import Predictor
    from sagemaker.serializers import CSVSerializer

    boto_session = boto3.session.Session(
        aws_access_key_id=sigv4_key["accessKeyId"], aws_secret_access_key=sigv4_key["secretAccessKey"],
        region_name=REGION)
    runtime = boto_session.client("sagemaker-runtime", endpoint_url=gateway.url,
                                  config=Config(retries={"total_max_attempts": 1}))
    session = sagemaker.session.Session(boto_session=boto_session, sagemaker_runtime_client=runtime)
    predictor = Predictor("signed", sagemaker_session=session, serializer=CSVSerializer(),
                          deserializer=StringDeserializer())
    assert predictor.predict([1, 2, 3]) == "0.880797"
