"""The OpenAPI documents of both listeners against the running gateway: schemathesis generates requests from each
document (served at `GET /openapi.json`) and checks that the answers conform to it (no 5xx, documented status
codes, content types, headers and bodies). Also: the documents are valid OpenAPI 3.1, every `/admin` operation
refuses a call without the admin token, and the success answers of real resources (keys, templates, features,
monitor reports, async jobs) match their schemas.

Generation is derandomized and bounded (MAX_EXAMPLES per operation and mode) so that runs are reproducible and
take about a minute; Hypothesis keeps no example database and its storage directory is a temporary one."""

import base64
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import hypothesis.configuration
import pytest
import schemathesis
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import REPO_ROOT, wait_until

hypothesis.configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "mlgateway-hypothesis")

ADMIN_TOKEN = "openapi-test-admin-token"
MAX_EXAMPLES = 20
SEED = 20260607
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
RESOURCES = REPO_ROOT / "Sources" / "Gateway" / "Resources"


def request(method, url, body=None, headers=None):
    """(status, headers, body bytes) of one call; HTTP errors are answers too."""
    call = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as failure:
        return failure.code, failure.headers, failure.read()


def admin_headers(extra=None):
    return {"Authorization": f"Bearer {ADMIN_TOKEN}", **(extra or {})}


class Gateway:
    """A gateway with an admin token, a master key, an open and a keyed endpoint, an Open Inference endpoint,
    async invocations and a feature view on a real Redis; `api_key` is a key created through the admin API."""

    def __init__(self, processes):
        model = processes.backend("model")
        oip = processes.backend("oip", mode="oip")
        redis_port = processes.redis()
        master_key = Path(tempfile.mkdtemp(dir=processes.workdir, prefix="keys-")) / "master.key"
        master_key.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        master_key.chmod(0o600)
        self.url = processes.gateway(
            f'admin_token = "{ADMIN_TOKEN}"\n\n'
            f'[auth]\nmaster_key_file = "{master_key}"\n\n'
            '[async]\ninput_dir = "inputs"\noutput_dir = "outputs"\nworkers = 1\n\n'
            f'[feature_store]\nredis = "redis://127.0.0.1:{redis_port}"\n\n'
            '[[feature_view]]\nname = "user"\nfeatures = ["age", "score"]\ndefaults = { age = "0" }\n'
            + f'\n[[endpoint]]\nname = "demo"\n[[endpoint.variant]]\nname = "VariantA"\nbackends = ["{model}"]\n'
            + f'\n[[endpoint]]\nname = "demo-secure"\nauth = "api_key"\n'
            f'[[endpoint.variant]]\nname = "VariantA"\nbackends = ["{model}"]\n'
            + f'\n[[endpoint]]\nname = "iris"\n[[endpoint.variant]]\nname = "VariantA"\nprotocol = "oip"\n'
            f'backends = ["{oip}"]\n'
        )
        self.admin_url = processes.admin_urls[self.url]
        listen = f'listen = "{self.url.removeprefix("http://")}"'
        (config,) = [
            path for path in Path(processes.workdir).glob("gateway-*/gateway.conf") if listen in path.read_text()
        ]
        self.state_dir = config.parent / "var"
        subprocess.run(
            ["redis-cli", "-p", str(redis_port), "HSET", "mlgw:user:u1", "age", "41", "score", "0.7", "_ts",
             str(int(time.time() * 1000))],
            check=True, capture_output=True, timeout=10,
        )
        status, _, body = request(
            "POST", f"{self.admin_url}/admin/keys", json.dumps({"name": "openapi-client"}).encode(),
            admin_headers({"Content-Type": "application/json"}),
        )
        assert status == 201, body
        self.api_key = json.loads(body)["apiKey"]


@pytest.fixture(scope="module")
def gateway(processes):
    return Gateway(processes)


def schemathesis_config(base_url, headers):
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "base-url": base_url,
        "headers": headers,
        "request-timeout": 15,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
    })


def load(base_url, headers):
    config = schemathesis_config(base_url, headers)
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)


@pytest.fixture(scope="module")
def client_schema(gateway):
    return load(gateway.url, {"x-api-key": gateway.api_key})


@pytest.fixture(scope="module")
def admin_schema(gateway):
    return load(gateway.admin_url, admin_headers())


@pytest.mark.parametrize("listener, resource", [("client", "openapi-client.json"), ("admin", "openapi-admin.json")])
def test_documents_are_valid_openapi_31_and_served_as_built(gateway, listener, resource):
    url = gateway.url if listener == "client" else gateway.admin_url
    status, headers, body = request("GET", f"{url}/openapi.json")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    served = json.loads(body)
    source = json.loads((RESOURCES / resource).read_text())
    assert served == source, f"the gateway serves another {resource}: rebuild (swift build --product mlgateway)"
    assert served["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(served).validate()


def path_example(parameter, components):
    if "$ref" in parameter:
        parameter = components["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    if parameter["in"] != "path":
        return None
    value = parameter.get("example") or parameter["schema"].get("enum", ["x"])[0]
    return parameter["name"], str(value)


def admin_operations():
    document = json.loads((RESOURCES / "openapi-admin.json").read_text())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = dict(
                filter(None, (path_example(parameter, document["components"])
                              for parameter in item.get("parameters", []) + operation.get("parameters", []))))
            yield path, method.upper(), operation, parameters


@pytest.mark.parametrize(
    "path, method, operation, parameters",
    [pytest.param(*operation, id=f"{operation[1]} {operation[0]}") for operation in admin_operations()],
)
def test_admin_operations_need_the_admin_token(gateway, path, method, operation, parameters):
    url = gateway.admin_url + path.format(**parameters)
    if not path.startswith("/admin/"):
        assert operation["security"] == [], "only /admin operations need the admin token"
        status, _, _ = request(method, url)
        assert status == 200
        return
    assert operation["security"] == [{"adminToken": []}]
    assert "403" in operation["responses"]
    body = b"{}" if method in ("POST", "PUT") else None
    status, headers, answer = request(method, url, body)
    assert (status, headers["x-amzn-ErrorType"]) == (403, "MissingAuthenticationTokenException"), answer
    assert "message" in json.loads(answer)
    for authorization in ("Bearer wrong-token", f"Basic {ADMIN_TOKEN}"):
        status, headers, _ = request(method, url, body, {"Authorization": authorization})
        expected = "AccessDeniedException" if authorization.startswith("Bearer") else \
            "MissingAuthenticationTokenException"
        assert (status, headers["x-amzn-ErrorType"]) == (403, expected)


def test_keyed_endpoint_refuses_calls_without_a_key(gateway):
    for path in ("/endpoints/demo-secure/invocations", "/endpoints/demo-secure/invocations-response-stream"):
        status, headers, _ = request("POST", gateway.url + path, b"1,2,3", {"Content-Type": "text/csv"})
        assert (status, headers["x-amzn-ErrorType"]) == (403, "MissingAuthenticationTokenException")
        status, headers, _ = request(
            "POST", gateway.url + path, b"1,2,3", {"Content-Type": "text/csv", "x-api-key": "mlgw_nope_nope"}
        )
        assert (status, headers["x-amzn-ErrorType"]) == (403, "UnrecognizedClientException")


def validated(schema, path, method, **case):
    """Makes one call through schemathesis, with the credentials of its configuration, and validates its answer with
    the checks; returns the response."""
    return schema[path][method].Case(**case).call_and_validate(headers=schema.config.headers, checks=CHECKS)


def test_real_resources_conform(gateway, client_schema, admin_schema):
    client, admin = client_schema, admin_schema
    # Invocations, in the three media types the document gives examples of.
    invoke = "/endpoints/{name}/invocations"
    for name in ("demo", "demo-secure"):
        answer = validated(client, invoke, "POST", path_parameters={"name": name}, body="1,2,3",
                           media_type="text/csv")
        assert (answer.status_code, answer.content) == (200, b"0.880797")
    answer = validated(client, invoke, "POST", path_parameters={"name": "demo"}, body={"instances": [[1, 2, 3]]},
                       media_type="application/json")
    assert answer.status_code == 200
    stream = "/endpoints/{name}/invocations-response-stream"
    answer = validated(client, stream, "POST", path_parameters={"name": "demo"}, body="1,2,3", media_type="text/csv")
    assert answer.status_code == 200
    answer = validated(client, "/endpoints/{name}/async-invocations", "POST", path_parameters={"name": "demo"},
                       headers={"X-Amzn-SageMaker-Inference-Id": "openapi-job"}, body="1,2,3",
                       media_type="text/csv")
    assert answer.status_code == 202
    wait_until("the async job completes", lambda: json.loads(
        request("GET", f"{gateway.admin_url}/admin/async/openapi-job", headers=admin_headers())[2]
    )["Status"] == "Completed", timeout=15)
    assert validated(admin, "/admin/async/{id}", "GET", path_parameters={"id": "openapi-job"}).status_code == 200
    # Open Inference.
    for path in ("/v2/models/{model}", "/v2/models/{model}/ready", "/v2/models/{model}/versions/{version}"):
        answer = validated(client, path, "GET", path_parameters={"model": "iris", "version": "VariantA"})
        assert answer.status_code == 200
    body = {"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [0.0, 0.0, 1.0, 1.0]}]}
    answer = validated(client, "/v2/models/{model}/infer", "POST", path_parameters={"model": "iris"}, body=body,
                       media_type="application/json")
    assert answer.status_code == 200
    # Keys: create, show, rotate, revoke.
    answer = validated(admin, "/admin/keys", "POST", media_type="application/json",
                       body={"name": "openapi", "endpoints": ["demo-secure"], "expires": "30d", "rate": "50/s",
                             "burst": 60, "quota": "1000/day", "sigv4": True})
    assert answer.status_code == 201
    key = answer.json()["id"]
    for path, method in (("/admin/keys/{id}", "GET"), ("/admin/keys/{id}/rotate", "POST"),
                         ("/admin/keys/{id}/revoke", "POST")):
        assert validated(admin, path, method, path_parameters={"id": key}).status_code == 200
    assert validated(admin, "/admin/keys", "GET").status_code == 200
    # Templates: put twice, read, history, diff, render, rollback, delete, audit.
    template = "/admin/endpoints/{endpoint}/templates/{direction}/{type}/{subtype}"
    where = {"endpoint": "demo", "direction": "request", "type": "application", "subtype": "json"}
    for text, status in (("$input.json('$.instances[0]')", 201), ("$input.body", 200)):
        answer = validated(admin, template, "PUT", path_parameters=where, body=text, media_type="text/plain",
                           query={"author": "openapi-test"})
        assert answer.status_code == status, answer.text
    for suffix, query in (("", {}), ("", {"version": 1}), ("/versions", {}), ("/diff", {"from": 1})):
        answer = validated(admin, template + suffix, "GET", path_parameters=where, query=query)
        assert answer.status_code == 200, answer.text
    answer = validated(admin, template + "/render", "POST", path_parameters=where, media_type="application/json",
                       body={"body": {"instances": [[1, 2]]}})
    assert (answer.status_code, answer.text) == (200, '{"instances":[[1,2]]}')
    answer = validated(admin, "/admin/templates/render", "POST", media_type="application/json",
                       body={"template": "#set($x = 2)$x", "body": "{}"})
    assert (answer.status_code, answer.text) == (200, "2")
    answer = validated(admin, template + "/rollback", "POST", path_parameters=where, query={"to": 1})
    assert answer.status_code == 200, answer.text
    assert validated(admin, template, "DELETE", path_parameters=where).status_code == 200
    assert validated(admin, "/admin/templates", "GET").status_code == 200
    assert validated(admin, "/admin/templates/audit", "GET", query={"limit": 5}).status_code == 200
    # Features.
    assert validated(admin, "/admin/features", "GET").status_code == 200
    answer = validated(admin, "/admin/features/{view}/entities/{entity}", "GET",
                       path_parameters={"view": "user", "entity": "u1"})
    assert answer.json()["features"] == {"age": "41", "score": "0.7"}
    # The drift monitor's latest report, once there is one.
    run = gateway.state_dir / "monitor" / "run-1"
    run.mkdir(parents=True, exist_ok=True)
    (run / "drift.json").write_text('{"features": []}')
    (run / "report.html").write_text("<!doctype html><title>drift</title>")
    assert validated(admin, "/admin/monitor/latest", "GET").json()["constraint_violations"] == {"violations": []}
    assert validated(admin, "/admin/monitor/latest/report.html", "GET").status_code == 200
    # The rest of the admin listener.
    for path in ("/admin/endpoints", "/metrics", "/console", "/healthz", "/readyz", "/openapi.json"):
        assert validated(admin, path, "GET").status_code == 200
    assert validated(admin, "/admin/reload", "POST").status_code == 200


def test_refusals_found_by_fuzzing_conform(gateway, admin_schema):
    """Requests that once crashed the gateway or answered 500 are refused with a documented 400."""
    admin = admin_schema
    for options in ({"name": "x", "rate": "1e19/s"}, {"name": "x", "rate": "1e-30/h"},
                    {"name": "x", "expires": "9223372036854775807d"}, {"name": "x" * 70_000}):
        answer = validated(admin, "/admin/keys", "POST", media_type="application/json", body=options)
        assert (answer.status_code, answer.headers["x-amzn-errortype"]) == (400, ["ValidationError"]), answer.text
    # A variant's template history is the variant's, and the key in the path may be percent-encoded.
    template = "/admin/endpoints/{endpoint}/templates/{direction}/{type}/{subtype}"
    where = {"endpoint": "demo", "direction": "response", "type": "text", "subtype": "csv"}
    answer = validated(admin, template, "PUT", path_parameters=where, query={"variant": "VariantA"}, body="$input.body",
                       media_type="text/plain")
    assert answer.status_code == 201, answer.text
    answer = validated(admin, template + "/versions", "GET", path_parameters=where, query={"variant": "VariantA"})
    assert [version["variant"] for version in answer.json()] == ["VariantA"]
    answer = validated(admin, template + "/versions", "GET", path_parameters=where, query={"variant": "Nope"})
    assert answer.status_code == 400
    status, _, body = request("GET", f"{gateway.admin_url}/admin/endpoints/d%65mo/templates/response/text/csv"
                              "?variant=VariantA", headers=admin_headers())
    assert (status, json.loads(body)["variant"]) == (200, "VariantA")
    answer = validated(admin, template, "DELETE", path_parameters=where, query={"variant": "VariantA"})
    assert answer.status_code == 200, answer.text


client_api = schemathesis.pytest.from_fixture("client_schema")
admin_api = schemathesis.pytest.from_fixture("admin_schema")


@client_api.parametrize()
def test_client_api_conforms_to_its_document(case):
    case.call_and_validate(checks=CHECKS)


@admin_api.parametrize()
def test_admin_api_conforms_to_its_document(case):
    case.call_and_validate(checks=CHECKS)
