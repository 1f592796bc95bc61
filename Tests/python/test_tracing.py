"""OpenTelemetry tracing end to end: a gateway with [tracing] exports OTLP/HTTP (protobuf) spans to a local OTLP
receiver built on opentelemetry-proto; one invocation is one trace, its stage spans under the gateway's server span,
parented under the client's span; the model server receives a traceparent of the same trace."""

import http.server
import os
import threading
import time
import urllib.request

import pytest

from conftest import endpoint_toml, free_port, variant_toml

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


class Receiver:
    """An OTLP/HTTP trace receiver: POST /v1/traces with an ExportTraceServiceRequest, spans kept in memory."""

    def __init__(self):
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

        self.spans = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
                with receiver.lock:
                    for resource in request.resource_spans:
                        for scope in resource.scope_spans:
                            receiver.spans.extend((resource.resource, span) for span in scope.spans)
                answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200 if self.path == "/v1/traces" else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def trace(self, trace_id, count, timeout=20):
        """The spans of trace `trace_id` once at least `count` arrived."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                spans = [span for _, span in self.spans if span.trace_id.hex() == trace_id]
            if len(spans) >= count or time.monotonic() > deadline:
                return spans
            time.sleep(0.2)

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def traced(processes):
    try:
        receiver = Receiver()
    except ImportError:
        pytest.skip("opentelemetry-proto is not installed")
    backend = processes.backend("traced", mode="model")
    # OpenTelemetry's environment applies on top of [tracing]: spans are batched for 200 ms instead of 5 s.
    os.environ["OTEL_BSP_SCHEDULE_DELAY"] = "200"
    url = processes.gateway(
        f'[tracing]\notlp_endpoint = "http://127.0.0.1:{receiver.port}"\nservice_name = "gateway-under-test"\n'
        + endpoint_toml("traced", variant_toml("VariantA", [backend])))
    unsampled = processes.gateway(
        f'[tracing]\notlp_endpoint = "http://127.0.0.1:{receiver.port}"\nsample_ratio = 0\n'
        + endpoint_toml("traced", variant_toml("VariantA", [backend])))
    del os.environ["OTEL_BSP_SCHEDULE_DELAY"]
    yield receiver, backend, url, unsampled
    receiver.close()


def invoke(url, headers=None):
    request = urllib.request.Request(f"{url}/endpoints/traced/invocations", data=b"1,2,3", method="POST",
                                     headers={"Content-Type": "text/csv", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.read()


def backend_traceparent(backend):
    with urllib.request.urlopen(f"{backend}/control/traceparent", timeout=5) as answer:
        return answer.read().decode()


@pytest.mark.parametrize("client_trace", [CLIENT_TRACE, "5bf92f3577b34da6a3ce929d0e0e4737"])
def test_one_invocation_is_one_trace_under_the_clients_span(traced, client_trace):
    """Twice: the first call may wait for a backend connection (the call stage in a task), the second finds an idle
    one (the call stage on the event loop); both have the same spans."""
    receiver, backend, url, _ = traced
    status, _ = invoke(url, {"traceparent": f"00-{client_trace}-{CLIENT_SPAN}-01", "tracestate": "vendor=x"})
    assert status == 200
    spans = receiver.trace(client_trace, count=9)
    by_name = {span.name: span for span in spans}
    root = by_name["POST /endpoints/{EndpointName}/invocations"]
    assert root.parent_span_id.hex() == CLIENT_SPAN
    assert root.kind == root.SPAN_KIND_SERVER
    attributes = {a.key: a.value for a in root.attributes}
    assert attributes["http.response.status_code"].int_value == 200
    assert attributes["mlgateway.endpoint"].string_value == "traced"
    assert attributes["mlgateway.variant"].string_value == "VariantA"
    for stage in ("authenticate", "read", "enrich", "route", "request template", "call model", "respond"):
        assert by_name[stage].parent_span_id == root.span_id, stage
        assert root.start_time_unix_nano <= by_name[stage].start_time_unix_nano <= by_name[stage].end_time_unix_nano
    attempt = by_name["POST"]
    assert attempt.kind == attempt.SPAN_KIND_CLIENT
    assert attempt.parent_span_id == by_name["call model"].span_id
    assert {a.key: a.value for a in attempt.attributes}["http.response.status_code"].int_value == 200
    # The model server is called as a child of the attempt's span, in the client's trace.
    assert backend_traceparent(backend) == f"00-{client_trace}-{attempt.span_id.hex()}-01"
    resource = next(resource for resource, span in receiver.spans if span.trace_id.hex() == client_trace)
    assert {a.key: a.value.string_value for a in resource.attributes}["service.name"] == "gateway-under-test"


def test_a_trace_without_a_client_span_is_sampled_by_ratio(traced):
    receiver, backend, url, _ = traced
    invoke(url)
    trace_id = backend_traceparent(backend).split("-")[1]
    assert trace_id != CLIENT_TRACE
    spans = receiver.trace(trace_id, count=8)
    root = next(span for span in spans if span.name.startswith("POST /endpoints"))
    assert root.parent_span_id == b""


def test_unsampled_requests_pass_the_clients_context_on_and_export_nothing(traced):
    receiver, backend, _, unsampled = traced
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    parent = f"00-{trace_id}-b7ad6b7169203331-00"
    invoke(unsampled, {"traceparent": parent})
    assert backend_traceparent(backend) == parent
    invoke(unsampled)  # sample_ratio = 0: no trace
    assert receiver.trace(trace_id, count=1, timeout=2) == []
    with receiver.lock:
        services = {a.value.string_value for resource, _ in receiver.spans for a in resource.attributes
                    if a.key == "service.name"}
    assert "mlgateway" not in services, "the unsampled gateway exported spans"
