"""Enrichment from a Feast online store in Redis, as `feast materialize` wrote it: every value the gateway joins
into a request equals what Feast's own get_online_features answers for the same entity.

Feast runs in its own virtual environment (.venv-feast, made by scripts/install-deps.sh --tests, or
$MLGATEWAY_FEAST_PYTHON): its pinned dependencies conflict with the sagemaker SDK's and MLServer's. Tests skip
without it, except under CI (CI=true), where they fail.
"""

import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO_ROOT, endpoint_toml, variant_toml

FEAST_PYTHON = Path(os.environ.get("MLGATEWAY_FEAST_PYTHON") or REPO_ROOT / ".venv-feast" / "bin" / "python")
HELPER = Path(__file__).resolve().parent / "feast" / "feast_repo.py"

if not FEAST_PYTHON.exists() and os.environ.get("CI") != "true":
    pytest.skip(f"Feast is not installed ({FEAST_PYTHON}); run scripts/install-deps.sh --tests", allow_module_level=True)

# Entities asked in every test: present in both views, in one, a numeric-looking string id, one whose row is older
# than its view's one-day TTL, and one Feast has never seen.
ROWS = [
    {"user_id": "u1", "store_id": 7},
    {"user_id": "u2", "store_id": 7},
    {"user_id": "42", "store_id": 8},
    {"user_id": "u_old", "store_id": 7},
    {"user_id": "u1", "store_id": 8},
    {"user_id": "nobody", "store_id": 1},
]
VIEWS = {
    "user_stats": ["age", "score", "tier", "active", "signup"],
    "user_store": ["visits", "spend", "label"],
}


@pytest.fixture(scope="module")
def feast(processes):
    """A Feast repository applied and materialized into a fresh Redis; returns (repo, redis port, Feast's answer)."""
    port = processes.redis()
    repo = processes.workdir / "feature_repo"
    setup = subprocess.run(
        [str(FEAST_PYTHON), str(HELPER), "setup", str(repo), str(port)], capture_output=True, text=True, timeout=600
    )
    assert setup.returncode == 0, f"feast apply/materialize failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}"
    online = subprocess.run(
        [str(FEAST_PYTHON), str(HELPER), "online", str(repo), json.dumps(ROWS)],
        capture_output=True, text=True, timeout=300,
    )
    assert online.returncode == 0, online.stderr[-3000:]
    return repo, port, json.loads(online.stdout.strip().splitlines()[-1])


def start(processes, store, views=""):
    echo = processes.backend("echo", mode="echo")
    enrich = (
        '\n[[endpoint.enrich]]\nview = "user_stats"\nkey = "$.user_id"\n'
        '\n[[endpoint.enrich]]\nview = "user_store"\nkey = ["$.user_id", "$.store_id"]\n'
    )
    return processes.gateway(store + views + endpoint_toml("feast", variant_toml("Echo", [echo])) + enrich)


def invoke(url, row):
    request = urllib.request.Request(
        f"{url}/endpoints/feast/invocations", data=json.dumps(row).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["features"]


def assert_same_as_feast(url, expected, overrides=None):
    for index, row in enumerate(ROWS):
        features = invoke(url, row)
        for view, names in VIEWS.items():
            for name in names:
                want = (overrides or {}).get((row["user_id"], view, name), expected[f"{view}__{name}"][index])
                got = features[view][name]
                assert got == want and type(got) is type(want), f"{row} {view}.{name}: gateway {got!r}, Feast {want!r}"


def test_views_read_from_the_registry_answer_what_feast_answers(processes, feast):
    repo, port, expected = feast
    store = f'[feature_store]\nredis = "redis://127.0.0.1:{port}"\nlayout = "feast"\nfeast_repo = "{repo}"\n'
    url = start(processes, store)
    assert_same_as_feast(url, expected)
    # The row older than the view's TTL is served, as Feast serves it.
    assert expected["user_stats__age"][3] == 65


def test_views_declared_without_the_repository_answer_the_same(processes, feast):
    _, port, expected = feast
    store = f'[feature_store]\nredis = "redis://127.0.0.1:{port}"\nlayout = "feast"\nproject = "mlgw_feast"\n'
    views = (
        '\n[[feature_view]]\nname = "user_stats"\nfeatures = ["age", "score", "tier", "active", "signup"]\n'
        'join_keys = ["user_id"]\n'
        '\n[[feature_view]]\nname = "user_store"\nfeatures = ["visits", "spend", "label"]\n'
        'join_keys = ["user_id", "store_id"]\njoin_key_types = { store_id = "int64" }\n'
    )
    assert_same_as_feast(start(processes, store, views), expected)


def test_defaults_for_unknown_entities_and_max_age_for_old_rows(processes, feast):
    repo, port, expected = feast
    store = f'[feature_store]\nredis = "redis://127.0.0.1:{port}"\nlayout = "feast"\nfeast_repo = "{repo}"\n'
    views = '\n[[feature_view]]\nname = "user_stats"\nmax_age = "2d"\ndefaults = { age = "-1", tier = "unknown" }\n'
    url = start(processes, store, views)
    defaults = {"age": -1, "score": None, "tier": "unknown", "active": None, "signup": None}
    overrides = {}
    for user in ("u_old", "nobody"):
        for name, value in defaults.items():
            overrides[(user, "user_stats", name)] = value
    assert_same_as_feast(url, expected, overrides)


def test_warm_up_from_an_exported_entity_data_frame(processes, feast):
    repo, port, _ = feast
    store = f'[feature_store]\nredis = "redis://127.0.0.1:{port}"\nlayout = "feast"\nfeast_repo = "{repo}"\n'
    views = (
        f'\n[[feature_view]]\nname = "user_stats"\nwarmup = {{ keys_file = "{repo}/data/entities.csv" }}\n'
    )
    url = start(processes, store, views)
    with urllib.request.urlopen(f"{processes.admin_urls[url]}/metrics", timeout=5) as answer:
        metrics = answer.read().decode()
    assert 'mlgateway_feature_warmup_keys{view="user_stats"} 4' in metrics, metrics[-2000:]
    invoke(url, ROWS[0])
    with urllib.request.urlopen(f"{processes.admin_urls[url]}/metrics", timeout=5) as answer:
        metrics = answer.read().decode()
    assert 'mlgateway_feature_cache_hits_total{view="user_stats"} 1' in metrics


def test_a_key_that_is_not_of_its_type_is_a_validation_error(processes, feast):
    repo, port, _ = feast
    store = f'[feature_store]\nredis = "redis://127.0.0.1:{port}"\nlayout = "feast"\nfeast_repo = "{repo}"\n'
    url = start(processes, store)
    with pytest.raises(urllib.error.HTTPError) as failure:
        invoke(url, {"user_id": "u1", "store_id": "seven"})
    assert failure.value.code == 400
    assert failure.value.headers["x-amzn-ErrorType"].startswith("ValidationError")
    body = json.loads(failure.value.read())
    assert body["message"] == "entity key store_id for feature view 'user_store' must be an integer of type int64, got 'seven'"
