"""Processes for the protocol tests: demo backends and a gateway on free loopback ports."""

import json
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("MLGATEWAY_BIN_DIR", ROOT / ".build" / "debug"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


class Processes:
    """Starts programs, keeps their logs in a temporary directory, and stops them all on close."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="mlgateway-protocols-"))
        self.children = []

    def start(self, name, arguments, port):
        log = open(self.directory / f"{name}-{port}.log", "wb")
        process = subprocess.Popen([str(BIN_DIR / name), *arguments], stdout=log, stderr=subprocess.STDOUT)
        self.children.append(process)
        wait_listening(port, process)
        return process

    def backend(self, *arguments):
        port = free_port()
        self.start("demo-backend", ["--port", str(port), *arguments], port)
        return f"http://127.0.0.1:{port}"

    def gateway(self, config_text, grpc=False):
        """Starts a gateway in a directory of its own (its state_dir is "state" there); with `grpc`, its Open
        Inference gRPC listener too."""
        port, admin = free_port(), free_port()
        grpc_port = free_port() if grpc else None
        directory = Path(tempfile.mkdtemp(dir=self.directory, prefix="gateway-"))
        config = directory / "gateway.conf"
        server = f'[server]\nlisten = "127.0.0.1:{port}"\nadmin_listen = "127.0.0.1:{admin}"\nstate_dir = "state"\n'
        if grpc_port:
            server += f'grpc_listen = "127.0.0.1:{grpc_port}"\n'
        config.write_text(server + "\n" + config_text)
        return self.restart(Gateway(port, admin, None, config, grpc_port))

    def restart(self, gateway):
        """Starts a gateway again with its configuration file, ports and state directory."""
        process = self.start("mlgateway", ["serve", "--config", str(gateway.config)], gateway.port)
        if gateway.grpc_port:
            wait_listening(gateway.grpc_port, process)
        return Gateway(gateway.port, gateway.admin, process, gateway.config, gateway.grpc_port)

    def close(self):
        for process in self.children:
            if process.poll() is None:
                process.terminate()
        for process in self.children:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


class Gateway:
    def __init__(self, port, admin, process, config, grpc_port=None):
        self.port, self.admin, self.process, self.config = port, admin, process, config
        self.grpc_port = grpc_port
        self.url = f"http://127.0.0.1:{port}"
        self.admin_url = f"http://127.0.0.1:{admin}"

    def create_api_key(self, ready):
        """`mlgateway keys create`: the new API key, once `ready(key)` says the gateway uses it (it polls its store)."""
        output = subprocess.run(
            [str(BIN_DIR / "mlgateway"), "keys", "create", "--name", "pytest", "--output", "json",
             "--config", str(self.config)], check=True, capture_output=True, text=True).stdout
        key = json.loads(output)["apiKey"]
        deadline = time.monotonic() + 10
        while not ready(key):
            assert time.monotonic() < deadline, "the gateway did not load the new API key"
            time.sleep(0.1)
        return key

    def client(self):
        return boto3.client(
            "sagemaker-runtime", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
            config=Config(retries={"total_max_attempts": 1}))

