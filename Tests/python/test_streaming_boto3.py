"""InvokeEndpointWithResponseStream through the gateway, with boto3 unchanged."""

import pytest
from botocore.exceptions import ClientError, EventStreamError

from protocols_support import Processes


@pytest.fixture(scope="module")
def gateway():
    processes = Processes()
    try:
        streaming = processes.backend("--mode", "stream", "--delay-ms", "20")
        broken = processes.backend("--mode", "stream", "--delay-ms", "20", "--fail-after-chunks", "2")
        yield processes.gateway(f"""
[[endpoint]]
name = "tokens"
[[endpoint.variant]]
name = "VariantA"
backends = ["{streaming}"]

[[endpoint]]
name = "broken"
[[endpoint.variant]]
name = "VariantB"
backends = ["{broken}"]
""")
    finally:
        processes.close()


def test_payload_parts_iterate_in_order(gateway):
    answer = gateway.client().invoke_endpoint_with_response_stream(
        EndpointName="tokens", ContentType="text/plain", Body=b"the quick brown fox",
        CustomAttributes="trace=7")
    parts = [event["PayloadPart"]["Bytes"] for event in answer["Body"]]
    assert parts == [b"the ", b"quick ", b"brown ", b"fox"]
    assert answer["InvokedProductionVariant"] == "VariantA"
    assert answer["ContentType"] == "text/plain"
    assert answer["CustomAttributes"] == "trace=7"
    assert answer["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"


def test_broken_model_stream_raises_model_stream_error(gateway):
    answer = gateway.client().invoke_endpoint_with_response_stream(
        EndpointName="broken", ContentType="text/plain", Body=b"one two three four")
    received = []
    with pytest.raises(EventStreamError) as raised:
        for event in answer["Body"]:
            received.append(event["PayloadPart"]["Bytes"])
    assert received == [b"one ", b"two "]
    assert raised.value.response["Error"]["Code"] == "ModelStreamError"
    assert "broke" in raised.value.response["Error"]["Message"]


def test_unknown_endpoint_is_a_validation_error(gateway):
    with pytest.raises(ClientError) as raised:
        gateway.client().invoke_endpoint_with_response_stream(EndpointName="nope", Body=b"x")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
