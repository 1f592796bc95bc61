"""Shared pytest fixtures: real demo backends and a real gateway on free loopback ports.

Binaries come from MLGATEWAY_BIN_DIR (scripts/test.sh sets it), or the package's .build/debug.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_listening(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(description, condition, timeout=30.0, process=None, log=None):
    """Polls condition() until true; fails with the process log if it exits or the time is up."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"{description}: process exited with {process.returncode}\n{read_log(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {description}\n{read_log(log)}")
        time.sleep(0.05)


def read_log(path):
    if path is None:
        return ""
    try:
        return Path(path).read_text(errors="replace")[-4000:]
    except OSError:
        return ""


@pytest.fixture(scope="session")
def bin_dir():
    """The directory holding the mlgateway and demo-backend executables."""
    directory = Path(os.environ.get("MLGATEWAY_BIN_DIR") or REPO_ROOT / ".build" / "debug")
    missing = [name for name in ("mlgateway", "demo-backend") if not os.access(directory / name, os.X_OK)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found in {directory}: build first (swift build) or set MLGATEWAY_BIN_DIR "
            "to the directory of the built executables (scripts/test.sh does both)",
            pytrace=False,
        )
    return directory


class Processes:
    """Starts demo backends and gateways; stops them all at the end."""

    def __init__(self, bin_dir, workdir):
        self.bin_dir = bin_dir
        self.workdir = Path(workdir)
        self.running = []
        self.admin_urls = {}
        self.postgres_servers = {}

    def _spawn(self, args, name, cwd=None):
        log = self.workdir / f"{name}-{len(self.running)}.log"
        handle = open(log, "wb")
        process = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd)
        handle.close()
        self.running.append(process)
        return process, log

    def backend(self, name, mode="model", delay_ms=0, fail_rate=0.0):
        """Starts demo-backend; returns its base URL."""
        port = free_port()
        args = [str(self.bin_dir / "demo-backend"), "--port", str(port), "--mode", mode, "--delay-ms", str(delay_ms),
                "--fail-rate", str(fail_rate), "--name", name]
        process, log = self._spawn(args, f"backend-{name}")
        wait_until(f"demo-backend {name} listens on {port}", lambda: is_listening(port), process=process, log=log)
        return f"http://127.0.0.1:{port}"

    def gateway(self, config_body):
        """Starts mlgateway with a [server] table on free ports plus config_body; returns its client base URL (its
        admin URL is admin_urls[that URL])."""
        port, admin_port = free_port(), free_port()
        directory = Path(tempfile.mkdtemp(dir=self.workdir, prefix="gateway-"))
        config = directory / "gateway.conf"
        config.write_text(
            f'[server]\nlisten = "127.0.0.1:{port}"\nadmin_listen = "127.0.0.1:{admin_port}"\nstate_dir = "var"\n\n'
            + config_body
        )
        self.serve(config, port, admin_port, "gateway", cwd=directory)
        self.admin_urls[f"http://127.0.0.1:{port}"] = f"http://127.0.0.1:{admin_port}"
        return f"http://127.0.0.1:{port}"

    def serve(self, config, port, admin_port, name, cwd):
        """Starts `mlgateway serve --config CONFIG` in CWD; returns the process once its admin listener reports ready
        and its client listener (PORT) accepts connections."""
        process, log = self._spawn([str(self.bin_dir / "mlgateway"), "serve", "--config", str(config)], name, cwd=cwd)

        def ready():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/readyz", timeout=2) as response:
                    return response.status == 200 and is_listening(port)
            except (urllib.error.URLError, OSError):
                return False

        wait_until(f"{name} is ready", ready, process=process, log=log)
        return process

    def redis(self):
        """Starts a redis-server without persistence; returns its port."""
        port = free_port()
        process, log = self._spawn(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], "redis"
        )
        wait_until(f"redis-server listens on {port}", lambda: is_listening(port), process=process, log=log)
        return port

    def s3(self):
        """Starts moto's S3-compatible server (`moto_server` from PyPI); returns its endpoint URL."""
        port = free_port()
        process, log = self._spawn(["moto_server", "-H", "127.0.0.1", "-p", str(port)], "moto")
        wait_until(f"moto_server listens on {port}", lambda: is_listening(port), process=process, log=log)
        return f"http://127.0.0.1:{port}"

    def postgres(self):
        """Starts a PostgreSQL server (Debian's `postgresql`) on a free port with a fresh data directory; returns its
        port. PostgreSQL refuses to run as root, so under root initdb and the server run as the `postgres` user. The
        server is stopped with the other processes (its postmaster is one of them)."""
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        if not binaries:
            message = "PostgreSQL is not installed (scripts/install-deps.sh --tests installs Debian's postgresql)"
            if os.environ.get("CI") == "true":
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        bin_dir = binaries[-1].parent
        port = free_port()
        directory = Path(tempfile.mkdtemp(prefix="mlgw-postgres-"))
        data = directory / "data"
        run_as = []
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
            run_as = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True, capture_output=True, cwd=directory,
        )
        args = [*run_as, str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(directory),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        stop = [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
        self.postgres_servers[port] = (None, args, stop, directory)
        self.restart_postgres(port)
        return port

    def stop_postgres(self, port):
        """Stops the PostgreSQL server on `port` with pg_ctl (fast shutdown: clients are disconnected; runuser does
        not pass signals on)."""
        process, _, stop, directory = self.postgres_servers[port]
        if process is None or process.poll() is not None:
            return
        subprocess.run(stop, check=True, capture_output=True, cwd=directory, timeout=60)
        process.wait(timeout=30)

    def restart_postgres(self, port):
        """Starts the PostgreSQL server on `port` (again, after stop_postgres), on its data directory."""
        _, args, stop, directory = self.postgres_servers[port]
        process, log = self._spawn(args, "postgres", cwd=directory)
        wait_until(f"postgres listens on {port}", lambda: is_listening(port), process=process, log=log)
        self.postgres_servers[port] = (process, args, stop, directory)

    def stop(self):
        for port in self.postgres_servers:
            self.stop_postgres(port)
        for process in self.running:
            if process.poll() is None:
                process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def processes(bin_dir):
    """A Processes factory for the module; everything it started is stopped afterwards."""
    workdir = tempfile.mkdtemp(prefix="mlgw-pytest-")
    started = Processes(bin_dir, workdir)
    try:
        yield started
    finally:
        started.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def variant_toml(name, backends, weight=1.0, shadow=False):
    urls = ", ".join(f'"{url}"' for url in backends)
    return (f'\n[[endpoint.variant]]\nname = "{name}"\nweight = {weight}\nbackends = [{urls}]\n'
            f"shadow = {'true' if shadow else 'false'}\n")


def endpoint_toml(name, *variants, extra=""):
    return f'\n[[endpoint]]\nname = "{name}"\n{extra}\n' + "".join(variants)
