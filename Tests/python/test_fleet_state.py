"""Fleet mode's shared state: three gateway processes keep API keys, template versions and the audit log in one real
PostgreSQL (`[state] postgres`), started by the test as Debian's server on a free loopback port.

A key created with the CLI works on every replica; revoked through one replica's admin API, the others refuse it as
soon as PostgreSQL notifies them; a template stored through one replica is used by another. With PostgreSQL down,
replicas serve with the state they loaded, stay ready, report the store unreachable (admin API and metric) and
refuse admin writes with 503; they catch up when it returns. Replicas starting together migrate the schema once.
Replicas restarted one by one behind a readiness-checking balancer fail no request. The propagation delay over 100
changes is the figure of docs/benchmarks.md."""

import base64
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import endpoint_toml, free_port, variant_toml, wait_until

# Replicas reread the state store's revisions every 5 s (TemplateRefresher.resyncInterval, KeyRegistry's): a change
# seen sooner came through LISTEN/NOTIFY.
RESYNC_INTERVAL = 5.0


def call(url, data=None, headers=None, method=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class Fleet:
    """Replicas with their own state directories, sharing one PostgreSQL database."""

    def __init__(self, processes, backend, postgres_port, database, count=3, server_extra=""):
        self.processes = processes
        self.directory = Path(tempfile.mkdtemp(dir=processes.workdir, prefix="fleet-state-"))
        (self.directory / "master.key").write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        (self.directory / "master.key").chmod(0o600)
        self.url = f"postgres://postgres@127.0.0.1:{postgres_port}/{database}?sslmode=disable"
        self.replicas = []
        self.running = {}
        for index in range(count):
            port, admin_port = free_port(), free_port()
            config = self.directory / f"replica-{index}.conf"
            config.write_text(
                f'[server]\nlisten = "127.0.0.1:{port}"\nadmin_listen = "127.0.0.1:{admin_port}"\n'
                f'state_dir = "{self.directory / f"var-{index}"}"\n{server_extra}\n'
                f'[auth]\nmaster_key_file = "{self.directory / "master.key"}"\n\n'
                f'[state]\npostgres = "{self.url}"\n'
                + endpoint_toml("keyed", variant_toml("Model", [backend]), extra='auth = "api_key"')
            )
            self.replicas.append({"config": config, "port": port, "admin": admin_port})

    def start(self, index):
        replica = self.replicas[index]
        self.running[index] = self.processes.serve(
            replica["config"], replica["port"], replica["admin"], f"replica-{index}", cwd=self.directory)

    def start_all(self):
        for index in range(len(self.replicas)):
            self.start(index)

    def stop(self, index):
        """SIGTERM, then waits for the drained process to exit; returns its exit status."""
        process = self.running.pop(index)
        process.terminate()
        return process.wait(timeout=60)

    def invoke(self, index, api_key, body=b"1,2,3"):
        return call(f"http://127.0.0.1:{self.replicas[index]['port']}/endpoints/keyed/invocations", data=body,
                    headers={"Content-Type": "text/csv", "x-api-key": api_key}, method="POST")

    def admin(self, index, path, data=None, method=None, headers=None):
        return call(f"http://127.0.0.1:{self.replicas[index]['admin']}{path}", data=data, method=method,
                    headers=headers)

    def cli(self, *arguments, index=0, check=True):
        result = subprocess.run(
            [str(self.processes.bin_dir / "mlgateway"), *arguments, "--config", str(self.replicas[index]["config"])],
            capture_output=True, text=True, timeout=60, cwd=self.directory,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def create_key(self, index=0):
        return json.loads(self.cli("keys", "create", "--name", "fleet", "--output", "json", index=index).stdout)


def psql(port, database, sql):
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database, "-At", "-c", sql],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()


def new_database(port):
    name = f"fleet_{os.urandom(4).hex()}"
    psql(port, "postgres", f"CREATE DATABASE {name}")
    return name


def seconds_until(condition, timeout=30.0):
    """Seconds until condition() holds (polled every 10 ms); fails after `timeout`."""
    start = time.monotonic()
    wait_until("the change reaches the replica", condition, timeout=timeout)
    return time.monotonic() - start


@pytest.fixture(scope="module")
def postgres_port(processes):
    return processes.postgres()


@pytest.fixture(scope="module")
def backend(processes):
    return processes.backend("fleet-state")


def test_replicas_starting_together_migrate_once(processes, backend, postgres_port):
    database = new_database(postgres_port)
    fleet = Fleet(processes, backend, postgres_port, database)
    # Three CLI processes race to create the first keys on an empty database: one migrates, the others wait for its
    # advisory lock and find the tables.
    results = [None] * 3

    def create(index):
        results[index] = fleet.cli("keys", "create", "--name", f"racer-{index}", "--output", "json", index=index,
                                   check=False)

    threads = [threading.Thread(target=create, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [result.returncode for result in results] == [0, 0, 0], [result.stderr for result in results]
    assert psql(postgres_port, database, "SELECT id FROM mlgateway_migration WHERE id = 'api_key.v1'") == "api_key.v1"
    assert psql(postgres_port, database, "SELECT count(*) FROM api_key") == "3"
    assert psql(postgres_port, database, "SELECT revision FROM mlgateway_revision WHERE topic = 'api_key'") == "3"


def test_keys_and_templates_reach_every_replica_through_notifications(processes, backend, postgres_port):
    fleet = Fleet(processes, backend, postgres_port, new_database(postgres_port))
    fleet.start_all()
    created = fleet.create_key()
    delays = [seconds_until(lambda i=index: fleet.invoke(i, created["apiKey"])[0] == 200) for index in range(3)]

    status, _, body = fleet.admin(1, f"/admin/keys/{created['id']}/revoke", data=b"", method="POST")
    assert status == 200, body
    for index in (0, 2):
        delays.append(seconds_until(lambda i=index: fleet.invoke(i, created["apiKey"])[0] == 403))
    status, _, body = fleet.invoke(2, created["apiKey"])
    assert "revoked" in json.loads(body)["message"]

    # A response template stored through replica 0's admin API is used by replica 2.
    template = b'{"wrapped": $input.body}'
    status, _, body = fleet.admin(
        0, "/admin/endpoints/keyed/templates/response/application/json", data=template, method="PUT",
        headers={"Content-Type": "text/plain"})
    assert status in (200, 201), body
    fresh = fleet.create_key(index=1)
    delays.append(seconds_until(
        lambda: fleet.invoke(2, fresh["apiKey"], body=b"1,2")[2].startswith('{"wrapped"')))
    # The audit log is shared too: replica 2 lists replica 0's change.
    status, _, body = fleet.admin(2, "/admin/templates/audit")
    assert status == 200 and json.loads(body)[0]["origin"] == "admin-api", body
    print(f"propagation delays (s): {', '.join(f'{delay:.3f}' for delay in delays)}")
    # Sooner than the replicas' resync poll: the notification carried each change.
    assert max(delays) < RESYNC_INTERVAL


def test_postgres_down_keeps_serving_refuses_admin_writes_and_catches_up(processes, backend, postgres_port):
    fleet = Fleet(processes, backend, postgres_port, new_database(postgres_port), count=2)
    fleet.start_all()
    created = fleet.create_key()
    wait_until("the key works on both replicas",
               lambda: all(fleet.invoke(index, created["apiKey"])[0] == 200 for index in range(2)))

    processes.stop_postgres(postgres_port)
    try:
        wait_until("replica 0 reports the state store unreachable",
                   lambda: json.loads(fleet.admin(0, "/admin/endpoints")[2])["state_store"]["reachable"] is False)
        state = json.loads(fleet.admin(0, "/admin/endpoints")[2])["state_store"]
        assert state["kind"] == "postgres" and state["error"], state
        assert ":***@" not in state["location"] and "sslmode=disable" in state["location"]
        _, _, metrics = fleet.admin(0, "/metrics")
        assert "mlgateway_state_store_up 0" in metrics
        # Serving goes on with the keys loaded last, and the replica stays ready.
        for index in range(2):
            assert fleet.invoke(index, created["apiKey"])[0] == 200
            assert fleet.admin(index, "/readyz")[0] == 200
        # Admin writes and reads of the store answer 503 at once, with the reason.
        status, headers, body = fleet.admin(0, "/admin/keys", data=b'{"name": "while-down"}', method="POST",
                                            headers={"Content-Type": "application/json"})
        assert status == 503 and headers.get("x-amzn-ErrorType") == "ServiceUnavailable", (status, body)
        assert "unreachable" in json.loads(body)["message"]
        status, _, body = fleet.admin(1, "/admin/endpoints/keyed/templates/response/application/json",
                                      data=b"$input.body", method="PUT", headers={"Content-Type": "text/plain"})
        assert status == 503, body
    finally:
        processes.restart_postgres(postgres_port)

    wait_until("both replicas reconnect", lambda: all(
        json.loads(fleet.admin(index, "/admin/endpoints")[2])["state_store"]["reachable"] for index in range(2)))
    status, _, body = fleet.admin(0, f"/admin/keys/{created['id']}/revoke", data=b"", method="POST")
    assert status == 200, body
    wait_until("replica 1 learns of the revocation made after the outage",
               lambda: fleet.invoke(1, created["apiKey"])[0] == 403)
    _, _, metrics = fleet.admin(1, "/metrics")
    assert "mlgateway_state_store_up 1" in metrics


def test_propagation_delay_over_100_changes(processes, backend, postgres_port):
    """The figure of docs/benchmarks.md ("Fleet state propagation"): 100 keys revoked through replica 0's admin API,
    each timed until replica 2 refuses it (polled every millisecond)."""
    fleet = Fleet(processes, backend, postgres_port, new_database(postgres_port))
    fleet.start_all()
    keys = []
    for index in range(100):
        status, _, body = fleet.admin(0, "/admin/keys", data=json.dumps({"name": f"k{index}"}).encode(),
                                      method="POST", headers={"Content-Type": "application/json"})
        assert status == 201, body
        keys.append(json.loads(body))
    for key in keys:
        wait_until("the key works on replica 2", lambda k=key: fleet.invoke(2, k["apiKey"])[0] == 200)
    connection = http.client.HTTPConnection("127.0.0.1", fleet.replicas[2]["port"], timeout=10)

    def refused(api_key):
        connection.request("POST", "/endpoints/keyed/invocations", body=b"1",
                           headers={"Content-Type": "text/csv", "x-api-key": api_key})
        response = connection.getresponse()
        response.read()
        return response.status == 403

    delays = []
    for key in keys:
        status, _, body = fleet.admin(0, f"/admin/keys/{key['id']}/revoke", data=b"", method="POST")
        assert status == 200, body
        committed = time.monotonic()
        while not refused(key["apiKey"]):
            assert time.monotonic() - committed < RESYNC_INTERVAL, "a change arrived only through the resync poll"
            time.sleep(0.001)
        delays.append(time.monotonic() - committed)
    delays.sort()
    figures = {"changes": len(delays), "p50_ms": round(statistics.median(delays) * 1000, 2),
               "p99_ms": round(delays[98] * 1000, 2), "max_ms": round(delays[-1] * 1000, 2)}
    artifacts = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "state-propagation.json").write_text(json.dumps(figures) + "\n")
    print(f"propagation after the admin API's answer: {figures}")


class LoadBalancer:
    """What a Kubernetes Service and its endpoints controller do for the test: round-robin over the replicas whose
    /readyz answers 200 (checked every 50 ms), with keep-alive connections per replica, dropped when a replica leaves
    the rotation (as a proxy drops connections the server closed)."""

    def __init__(self, fleet, api_key, workers=4):
        self.fleet = fleet
        self.api_key = api_key
        self.ready = set()
        self.generation = [0] * len(fleet.replicas)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.results = {"ok": 0, "failed": []}
        self.per_replica = [0] * len(fleet.replicas)
        self.threads = [threading.Thread(target=self._probe)] + [
            threading.Thread(target=self._work, args=(worker,)) for worker in range(workers)]

    def _probe(self):
        while not self.stopping.is_set():
            for index in range(len(self.fleet.replicas)):
                try:
                    ready = self.fleet.admin(index, "/readyz")[0] == 200
                except OSError:
                    ready = False
                with self.lock:
                    if ready and index not in self.ready:
                        self.generation[index] += 1
                        self.ready.add(index)
                    elif not ready:
                        self.ready.discard(index)
            time.sleep(0.05)

    def _work(self, worker):
        connections = {}
        turn = worker
        api_key = self.api_key
        while not self.stopping.is_set():
            with self.lock:
                rotation = sorted(self.ready)
            if not rotation:
                time.sleep(0.01)
                continue
            index = rotation[turn % len(rotation)]
            turn += 1
            with self.lock:
                generation = self.generation[index]
            cached = connections.get(index)
            if cached is None or cached[0] != generation:
                if cached:
                    cached[1].close()
                cached = (generation, http.client.HTTPConnection("127.0.0.1", self.fleet.replicas[index]["port"],
                                                                 timeout=10))
                connections[index] = cached
            try:
                cached[1].request("POST", "/endpoints/keyed/invocations", body=b"1,2,3",
                                  headers={"Content-Type": "text/csv", "x-api-key": api_key})
                response = cached[1].getresponse()
                response.read()
                outcome = response.status
            except (OSError, http.client.HTTPException) as error:
                outcome = repr(error)
                cached[1].close()
                connections.pop(index, None)
            with self.lock:
                if outcome == 200:
                    self.results["ok"] += 1
                    self.per_replica[index] += 1
                else:
                    self.results["failed"].append((index, outcome))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)


def test_rolling_restart_fails_no_request(processes, backend, postgres_port):
    # shutdown_delay: readiness answers 503 for 1 s before the listeners close, so the balancer (50 ms probes) stops
    # sending new requests first; in-flight ones finish during the drain.
    fleet = Fleet(processes, backend, postgres_port, new_database(postgres_port),
                  server_extra='shutdown_delay = "1s"\ndrain_timeout = "10s"\n')
    fleet.start_all()
    created = fleet.create_key()
    wait_until("the key works on every replica",
               lambda: all(fleet.invoke(index, created["apiKey"])[0] == 200 for index in range(3)))
    with LoadBalancer(fleet, created["apiKey"]) as balancer:
        wait_until("traffic reaches every replica", lambda: all(count > 20 for count in balancer.per_replica))
        for index in range(3):
            assert fleet.stop(index) == 0
            fleet.start(index)
            before = balancer.per_replica[index]
            wait_until(f"replica {index} takes traffic again", lambda i=index, b=before: balancer.per_replica[i] > b + 20)
    print(f"rolling restart: {balancer.results['ok']} requests succeeded, per replica {balancer.per_replica}, "
          f"failed {len(balancer.results['failed'])}")
    assert balancer.results["failed"] == []
    assert balancer.results["ok"] > 300
