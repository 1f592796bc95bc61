"""Rate limits and quotas that outlive processes.

Exact limits across replicas: three gateway processes share their rate limits and quotas through one real Redis
(`[rate_limit] redis`), so a key's quota holds whichever replica takes its calls, and survives restarting all of
them; with Redis down, calls are allowed and the failures counted (fail open). Single-process mode (no
`[rate_limit]`): quota counts are saved in the key database and survive a restart, even a SIGKILL a second after
the calls."""

import base64
import datetime
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import endpoint_toml, free_port, is_listening, variant_toml, wait_until


def post(url, headers):
    request = urllib.request.Request(url, data=b"1,2,3", headers={"Content-Type": "text/csv", **headers}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class Fleet:
    """Replicas sharing one state directory (the key database) and one Redis for the limits."""

    def __init__(self, processes, backend, redis_port=None, count=3):
        self.processes = processes
        self.directory = Path(tempfile.mkdtemp(dir=processes.workdir, prefix="fleet-"))
        (self.directory / "master.key").write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        (self.directory / "master.key").chmod(0o600)
        self.backend = backend
        self.redis_port = redis_port
        self.replicas = [self._config(index) for index in range(count)]
        self.running = {}

    def _config(self, index):
        port, admin_port = free_port(), free_port()
        config = self.directory / f"replica-{index}.conf"
        config.write_text(
            f'[server]\nlisten = "127.0.0.1:{port}"\nadmin_listen = "127.0.0.1:{admin_port}"\n'
            f'state_dir = "{self.directory / "var"}"\n\n[auth]\nmaster_key_file = "{self.directory / "master.key"}"\n\n'
            + (f'[rate_limit]\nredis = "redis://127.0.0.1:{self.redis_port}"\n' if self.redis_port else "")
            + endpoint_toml("keyed", variant_toml("Model", [self.backend]), extra='auth = "api_key"')
        )
        return {"config": config, "port": port, "admin": admin_port}

    def start(self, index):
        replica = self.replicas[index]
        process = self.processes.serve(
            replica["config"], replica["port"], replica["admin"], f"replica-{index}", cwd=self.directory
        )
        self.running[index] = process

    def stop(self, index, kill=False):
        process = self.running.pop(index)
        if kill:
            process.kill()
        else:
            process.terminate()
        process.wait(timeout=30)

    def url(self, index):
        return f"http://127.0.0.1:{self.replicas[index]['port']}/endpoints/keyed/invocations"

    def keys_create(self, *options):
        result = subprocess.run(
            [str(self.processes.bin_dir / "mlgateway"), "keys", "create", "--name", "fleet", "--output", "json",
             *options, "--config", str(self.replicas[0]["config"])],
            capture_output=True, text=True, timeout=60, cwd=self.directory,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def create_key(self, *options):
        """Creates a key with the CLI; returns once every replica has loaded it: an unlimited sentinel key created
        after it is accepted by each (a replica installs the whole database at once), spending none of its limits."""
        key = self.keys_create(*options)
        sentinel = self.keys_create()
        for index in self.running:
            wait_until(f"replica {index} loads the new keys",
                       lambda: post(self.url(index), {"x-api-key": sentinel["apiKey"]})[0] == 200, timeout=10)
        return key

    def metric(self, index, name):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.replicas[index]['admin']}/metrics", timeout=5) as response:
            text = response.read().decode()
        return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


@pytest.fixture(scope="module")
def fleet(processes):
    fleet = Fleet(processes, processes.backend("model"), processes.redis())
    for index in range(3):
        fleet.start(index)
    return fleet


def test_a_quota_is_exact_across_replicas_and_survives_restarts(fleet):
    key = fleet.create_key("--quota", "90/day")
    headers = {"x-api-key": key["apiKey"]}
    statuses = [post(fleet.url(call % 3), headers)[0] for call in range(150)]
    assert statuses.count(200) == 90, statuses
    assert statuses.count(429) == 60
    status, response_headers, body = post(fleet.url(1), headers)
    assert status == 429
    assert response_headers["x-amzn-ErrorType"] == "ThrottlingException"
    assert "Quota of 90 requests per day" in json.loads(body)["message"]
    assert int(response_headers["Retry-After"]) >= 1

    for index in range(3):
        fleet.stop(index)
    for index in range(3):
        fleet.start(index)
    for index in range(3):
        assert post(fleet.url(index), headers)[0] == 429


def test_a_monthly_window_ends_at_the_first_of_the_next_month_by_redis_clock(fleet):
    key = fleet.create_key("--quota", "1000/month")
    assert post(fleet.url(2), {"x-api-key": key["apiKey"]})[0] == 200

    def redis(*arguments):
        return subprocess.run(["redis-cli", "-p", str(fleet.redis_port), *arguments], capture_output=True, text=True,
                              timeout=10, check=True).stdout.split()

    now = datetime.datetime.fromtimestamp(int(redis("TIME")[0]), datetime.timezone.utc)
    first = datetime.datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=datetime.timezone.utc)
    assert int(redis("HGET", f"mlgw:rl:{key['id']}", "window_end")[0]) == int(first.timestamp())
    assert redis("HGET", f"mlgw:rl:{key['id']}", "used") == ["1"]


def test_a_rate_limit_is_shared_by_replicas(fleet):
    key = fleet.create_key("--rate", "5/h", "--burst", "6")
    headers = {"x-api-key": key["apiKey"]}
    statuses = [post(fleet.url(call % 3), headers)[0] for call in range(12)]
    assert statuses.count(200) == 6, statuses
    status, response_headers, _ = post(fleet.url(2), headers)
    assert status == 429 and int(response_headers["Retry-After"]) > 60


def test_redis_down_fails_open_and_is_counted(fleet, processes):
    key = fleet.create_key("--quota", "1/day")
    headers = {"x-api-key": key["apiKey"]}
    assert [post(fleet.url(index), headers)[0] for index in range(2)] == [200, 429]
    subprocess.run(["redis-cli", "-p", str(fleet.redis_port), "shutdown", "nosave"], capture_output=True, timeout=10)
    wait_until("Redis is down", lambda: not is_listening(fleet.redis_port), timeout=10)
    before = fleet.metric(0, "mlgateway_rate_limit_store_errors_total")
    assert [post(fleet.url(0), headers)[0] for _ in range(3)] == [200, 200, 200]
    assert fleet.metric(0, "mlgateway_rate_limit_store_errors_total") >= before + 3


@pytest.fixture(scope="module")
def single(processes):
    single = Fleet(processes, processes.backend("single"), count=1)
    single.start(0)
    return single


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_a_single_process_quota_survives_a_restart(single, kill):
    key = single.create_key("--quota", "5/day")
    headers = {"x-api-key": key["apiKey"]}
    assert [post(single.url(0), headers)[0] for _ in range(3)] == [200, 200, 200]
    if kill:
        time.sleep(1.5)  # counts are saved every second; a SIGKILL loses at most the last second's
    single.stop(0, kill=kill)
    single.start(0)
    assert [post(single.url(0), headers)[0] for _ in range(3)] == [200, 200, 429]
