"""The Kubernetes manifests in deploy/kubernetes and the image in deploy/Dockerfile, checked without a cluster.

Every manifest (the base's and the example overlay's resources, the objects their generators make, the Prometheus
adapter rule's ConfigMap) is validated against the JSON schemas of Kubernetes KUBERNETES_VERSION that
kubernetes-validate bundles (strict: unknown fields are errors); the ServiceMonitor, a Prometheus Operator CRD those
schemas lack, is checked structurally. Then the invariants between the files: probes and ports against the
listeners of gateway.conf, the grace period against preStop + shutdown_delay + drain_timeout, the Secret's
variables against those the gateway reads, the HPA's metric against the adapter rule, the image's user and command
against the Deployment. gateway.conf itself passes `mlgateway serve --check`. When kustomize (or kubectl, which
embeds it) is installed, the overlay is also rendered and the result validated. No network access is needed."""

import copy
import re
import shutil
import subprocess
import tomllib

import kubernetes_validate
import pytest
import yaml

from conftest import REPO_ROOT

KUBERNETES_VERSION = "1.30"
DEPLOY = REPO_ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
BASE = KUBERNETES / "base"
OVERLAY = KUBERNETES / "overlays" / "example"
ADAPTER_RULES = KUBERNETES / "prometheus-adapter-rules.yaml"
CUSTOM_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}
CONFIG_PATH = "/etc/mlgateway/gateway.conf"


def load_yaml_documents(path):
    return [document for document in yaml.safe_load_all(path.read_text()) if document is not None]


def kustomization(directory):
    return yaml.safe_load((directory / "kustomization.yaml").read_text())


def resource_files(directory):
    """The files (not directories) a kustomization lists under resources."""
    entries = kustomization(directory).get("resources", [])
    return [directory / entry for entry in entries if (directory / entry).is_file()]


def generated_objects(directory):
    """The ConfigMaps and Secrets of a kustomization's generators, as kustomize makes them (without the hash)."""
    spec = kustomization(directory)
    objects = []
    for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for generator in spec.get(key, []):
            data = {}
            for name in generator.get("files", []):
                data[name.split("=")[0]] = (directory / name.split("=")[-1]).read_text()
            for literal in generator.get("literals", []):
                name, _, value = literal.partition("=")
                data[name] = value
            target = "data" if kind == "ConfigMap" else "stringData"
            objects.append({"apiVersion": "v1", "kind": kind, "metadata": {"name": generator["name"]}, target: data})
    return objects


def documents():
    """(where, object) for every manifest: resources files, generated objects, the adapter rule's ConfigMap."""
    found = []
    for directory in (BASE, OVERLAY):
        for path in resource_files(directory):
            found += [(path.relative_to(REPO_ROOT), document) for document in load_yaml_documents(path)]
        found += [(f"{directory.relative_to(REPO_ROOT)} generator", obj) for obj in generated_objects(directory)]
    found += [(ADAPTER_RULES.relative_to(REPO_ROOT), document) for document in load_yaml_documents(ADAPTER_RULES)]
    return found


def only(kind, objects=None):
    matches = [obj for _, obj in documents()] if objects is None else objects
    matches = [obj for obj in matches if obj.get("kind") == kind]
    assert len(matches) == 1, f"expected one {kind}, found {len(matches)}"
    return matches[0]


def gateway_container(deployment):
    containers = {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}
    assert "mlgateway" in containers
    return containers["mlgateway"]


def gateway_conf():
    """The gateway.conf the base's ConfigMap carries."""
    config_map = only("ConfigMap", [obj for _, obj in documents() if obj["metadata"]["name"] == "mlgateway-config"])
    return tomllib.loads(config_map["data"]["gateway.conf"])


def seconds(duration):
    """A gateway.conf duration ("500ms", "30s", "5m", "2h", "1d") in seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", duration)
    assert match, f"not a duration: {duration!r}"
    return float(match[1]) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]


def port_of(address):
    host, _, port = address.rpartition(":")
    return host, int(port)


def validate(where, obj):
    """Validates a core object strictly against the pinned Kubernetes version's schema."""
    problem = None
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        problem = f"{where}: {obj['kind']}/{obj['metadata']['name']}: {path}: {error.message}"
    except kubernetes_validate.SchemaNotFoundError as error:
        problem = f"{where}: {error.message}"
    if problem:
        pytest.fail(problem, pytrace=False)


def strategic_merge(target, patch):
    """The part of kustomize's strategic merge patch the overlay uses: maps merge, lists of named maps by name."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            strategic_merge(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list) and all("name" in v for v in value):
            by_name = {item.get("name"): item for item in target[key]}
            for item in value:
                assert item["name"] in by_name, f"patch names {item['name']!r}, which {key} lacks"
                strategic_merge(by_name[item["name"]], item)
        else:
            target[key] = value


# ---- schemas ----


def test_every_manifest_file_is_listed_and_validated():
    listed = {path.resolve() for directory in (BASE, OVERLAY) for path in resource_files(directory)}
    patches = kustomization(OVERLAY).get("patches", [])
    listed |= {(OVERLAY / patch["path"]).resolve() for patch in patches if "path" in patch}
    listed.add(ADAPTER_RULES.resolve())
    on_disk = {path.resolve() for path in KUBERNETES.rglob("*.yaml") if path.name != "kustomization.yaml"}
    assert on_disk - listed == set(), "manifests that no kustomization lists (so no test validates them)"
    for directory in (BASE, OVERLAY):
        for entry in kustomization(directory).get("resources", []):
            assert (directory / entry).exists(), f"{directory}: resources entry {entry} does not exist"


def test_core_objects_validate_against_the_kubernetes_schemas():
    checked = []
    for where, obj in documents():
        if (obj.get("apiVersion"), obj.get("kind")) in CUSTOM_KINDS:
            continue
        validate(where, obj)
        checked.append(obj["kind"])
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Namespace"):
        assert kind in checked
    assert checked.count("ConfigMap") == 2 and checked.count("Secret") == 1


def test_service_monitor_scrapes_the_admin_port_metrics():
    monitor = only("ServiceMonitor")
    service = only("Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["name"]
    labels = service["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items(), "it does not select the Service"
    service_ports = {port["name"]: port for port in service["spec"]["ports"]}
    container_ports = {port["name"]: port["containerPort"] for port in gateway_container(only("Deployment"))["ports"]}
    _, admin_port = port_of(gateway_conf()["server"]["admin_listen"])
    assert monitor["spec"]["endpoints"], "no endpoints"
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["port"] in service_ports, f"ServiceMonitor port {endpoint['port']!r} is not a Service port name"
        assert endpoint.get("path", "/metrics") == "/metrics"
        assert container_ports[service_ports[endpoint["port"]]["targetPort"]] == admin_port


# ---- the Deployment against gateway.conf and the gateway ----


def test_ports_and_probes_match_the_listeners():
    server = gateway_conf()["server"]
    container = gateway_container(only("Deployment"))
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    for key, name in (("listen", "http"), ("admin_listen", "admin"), ("grpc_listen", "grpc")):
        host, port = port_of(server[key])
        assert host == "0.0.0.0", f"{key} must listen on every interface in a pod"
        assert ports[name] == port, f"container port {name} is not {key}"
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert (get["path"], get["port"]) == (path, "admin"), probe
    service_targets = {port["targetPort"] for port in only("Service")["spec"]["ports"]}
    assert {"http", "admin"} <= service_targets <= set(ports)


def test_grace_period_exceeds_pre_stop_shutdown_delay_and_drain_timeout():
    server = gateway_conf()["server"]
    pod = only("Deployment")["spec"]["template"]["spec"]
    command = gateway_container(only("Deployment"))["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0].endswith("sleep") and len(command) == 2
    pre_stop = seconds(command[1] if command[1][-1].isalpha() else command[1] + "s")
    needed = pre_stop + seconds(server.get("shutdown_delay", "0s")) + seconds(server.get("drain_timeout", "30s"))
    assert pre_stop >= 3, "the endpoints controller and kube-proxy need a few seconds to drop the pod"
    assert pod["terminationGracePeriodSeconds"] > needed


def test_security_context_state_dir_and_config_mount():
    deployment = only("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = gateway_container(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    state_dir = gateway_conf()["server"]["state_dir"]
    assert "emptyDir" in volumes[mounts[state_dir]], "state_dir must be writable: an emptyDir"
    assert container["args"] == ["serve", "--config", CONFIG_PATH]
    config_dir, _, config_file = CONFIG_PATH.rpartition("/")
    assert volumes[mounts[config_dir]]["configMap"]["name"] == "mlgateway-config"
    generated = only("ConfigMap", [obj for _, obj in documents() if obj["metadata"]["name"] == "mlgateway-config"])
    assert config_file in generated["data"]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= container["resources"][kind].keys()


def test_secret_variables_are_those_the_gateway_reads():
    sources = "\n".join(path.read_text() for path in (REPO_ROOT / "Sources").rglob("*.swift"))
    env = {var["name"]: var for var in gateway_container(only("Deployment"))["env"]}
    secret = only("Secret")
    for name in ("MLGATEWAY_ADMIN_TOKEN", "MLGATEWAY_MASTER_KEY", "PGPASSWORD"):
        assert f'"{name}"' in sources, f"the gateway no longer reads {name}"
        reference = env[name]["valueFrom"]["secretKeyRef"]
        assert reference["name"] == secret["metadata"]["name"]
        assert reference["key"] in secret["stringData"]
        assert "REPLACE" in secret["stringData"][reference["key"]], "example secrets must be marked placeholders"
    assert "optional" not in env["MLGATEWAY_ADMIN_TOKEN"]["valueFrom"]["secretKeyRef"], "no pod without admin token"


def test_gateway_conf_shares_rate_limits_through_redis():
    assert gateway_conf()["rate_limit"]["redis"].startswith("redis://")


def test_gateway_conf_shares_keys_and_templates_through_postgres_without_a_password_in_the_configmap():
    url = gateway_conf()["state"]["postgres"]
    assert url.startswith("postgres://") and ":" not in url.split("://", 1)[1].split("@", 1)[0]


def test_gateway_conf_passes_the_gateways_check(bin_dir):
    result = subprocess.run(
        [str(bin_dir / "mlgateway"), "serve", "--check", "--config", str(BASE / "gateway.conf")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


# ---- autoscaling ----


def test_hpa_scales_the_deployment_on_cpu_and_invocations_per_pod():
    hpa = only("HorizontalPodAutoscaler")
    deployment = only("Deployment")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
    assert target["name"] == deployment["metadata"]["name"]
    metrics = {metric["type"]: metric for metric in hpa["spec"]["metrics"]}
    assert metrics["Resource"]["resource"]["name"] == "cpu"
    assert metrics["Resource"]["resource"]["target"]["type"] == "Utilization"
    pods = metrics["Pods"]["pods"]
    assert pods["metric"]["name"] == "mlgateway_invocations_per_second"
    assert pods["target"]["type"] == "AverageValue"


def test_adapter_rule_serves_the_hpa_metric_from_the_invocation_counter():
    sources = "\n".join(path.read_text() for path in (REPO_ROOT / "Sources" / "InvocationCore").rglob("*.swift"))
    assert '"mlgateway_invocations_total"' in sources
    config_map = load_yaml_documents(ADAPTER_RULES)[0]
    rules = yaml.safe_load(config_map["data"]["config.yaml"])["rules"]
    assert len(rules) == 1
    rule = rules[0]
    assert rule["seriesQuery"].startswith("mlgateway_invocations_total{")
    assert rule["name"]["as"] == "mlgateway_invocations_per_second"
    assert re.fullmatch(rule["name"]["matches"], "mlgateway_invocations_total")
    assert {key: value["resource"] for key, value in rule["resources"]["overrides"].items()} == {
        "namespace": "namespace", "pod": "pod"}
    assert rule["metricsQuery"].replace(" ", "") == "sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m]))by(<<.GroupBy>>)"


# ---- the overlay ----


def test_overlay_settings_apply_to_the_base():
    spec = kustomization(OVERLAY)
    deployment = only("Deployment")
    assert spec["namespace"] and "../../base" in spec["resources"]
    assert only("Namespace")["metadata"]["name"] == spec["namespace"]
    [image] = spec["images"]
    assert image["name"] == gateway_container(deployment)["image"].split(":")[0] and image["newTag"]
    [replicas] = spec["replicas"]
    assert (replicas["name"], replicas["count"]) == (deployment["metadata"]["name"], 3)
    effective = copy.deepcopy(deployment)
    hpa = copy.deepcopy(only("HorizontalPodAutoscaler"))
    for patch in spec["patches"]:
        if "path" in patch:
            [document] = load_yaml_documents(OVERLAY / patch["path"])
            assert (document["kind"], document["metadata"]["name"]) == ("Deployment", deployment["metadata"]["name"])
            strategic_merge(effective, {"spec": document["spec"]})
        else:
            assert patch["target"] == {"kind": "HorizontalPodAutoscaler", "name": hpa["metadata"]["name"]}
            for operation in yaml.safe_load(patch["patch"]):
                assert operation["op"] == "replace" and operation["path"] == "/spec/minReplicas"
                hpa["spec"]["minReplicas"] = operation["value"]
    validate("overlay's Deployment", effective)
    validate("overlay's HorizontalPodAutoscaler", hpa)
    assert hpa["spec"]["minReplicas"] == replicas["count"] <= hpa["spec"]["maxReplicas"]
    resources = gateway_container(effective)["resources"]
    assert resources != gateway_container(deployment)["resources"], "the overlay's resources patch changed nothing"
    assert resources["requests"]["cpu"] and resources["limits"]["memory"]


@pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")), reason="no kustomize or kubectl")
def test_overlay_renders_with_kustomize():
    command = ["kustomize", "build"] if shutil.which("kustomize") else ["kubectl", "kustomize"]
    result = subprocess.run([*command, str(OVERLAY)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rendered = [obj for obj in yaml.safe_load_all(result.stdout) if obj]
    spec = kustomization(OVERLAY)
    for obj in rendered:
        if (obj["apiVersion"], obj["kind"]) not in CUSTOM_KINDS:
            validate("kustomize output", obj)
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == spec["namespace"]
    names = {(obj["kind"], obj["metadata"]["name"]) for obj in rendered}
    deployment = only("Deployment", rendered)
    pod = deployment["spec"]["template"]["spec"]
    container = gateway_container(deployment)
    assert deployment["spec"]["replicas"] == 3
    assert container["image"] == f"{spec['images'][0]['newName']}:{spec['images'][0]['newTag']}"
    for var in container["env"]:
        if "secretKeyRef" in var.get("valueFrom", {}):
            assert ("Secret", var["valueFrom"]["secretKeyRef"]["name"]) in names
    for volume in pod["volumes"]:
        if "configMap" in volume:
            assert ("ConfigMap", volume["configMap"]["name"]) in names
    assert only("HorizontalPodAutoscaler", rendered)["spec"]["minReplicas"] == 3


# ---- the image ----


def test_dockerfile_matches_the_deployment():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    container = gateway_container(only("Deployment"))
    pod = only("Deployment")["spec"]["template"]["spec"]
    assert re.search(r"^FROM swift:\$\{SWIFT_VERSION\}-bookworm AS build$", dockerfile, re.M)
    assert re.search(r"^ARG SWIFT_VERSION=6\.[2-9]", dockerfile, re.M)
    assert "swift build -c release --product mlgateway --static-swift-stdlib" in dockerfile
    assert re.search(r"^FROM debian:bookworm-slim$", dockerfile, re.M)
    assert re.search(rf"^USER {pod['securityContext']['runAsUser']}:", dockerfile, re.M)
    assert re.search(r"^EXPOSE 8080 8081 8082$", dockerfile, re.M)
    assert 'ENTRYPOINT ["/usr/local/bin/mlgateway"]' in dockerfile
    assert f"CMD {container['args']}".replace("'", '"') in dockerfile
    install_deps = (REPO_ROOT / "scripts" / "install-deps.sh").read_text()
    for package in ("libsqlite3-dev", "libhiredis-dev", "pkg-config"):
        assert package in install_deps and package in dockerfile
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".build*", "var", ".venv*"} <= set(ignored)
