"""Asynchronous invocations in a fleet: the queue lives in the shared PostgreSQL (`[state]`), inputs and outputs in
an S3-compatible object store (`[object_store]`, moto's server on loopback; requests signed with the gateway's own
SigV4 signer). boto3's `invoke_endpoint_async` names an `s3://` input; the result appears at the `s3://` output
location. A replica killed with SIGKILL while running a job loses nothing: once its lease runs out another replica
runs the job, and the output object is written once."""

import json
import re
import subprocess
import time

import boto3
import pytest
from botocore.config import Config

from conftest import endpoint_toml, variant_toml, wait_until
from test_fleet_state import Fleet, new_database

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint(processes):
    return processes.s3()


@pytest.fixture(scope="module")
def postgres_port(processes):
    return processes.postgres()


@pytest.fixture
def aws_environment(monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def s3_client(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


class AsyncFleet(Fleet):
    """Replicas with `[async]` writing to the object store, open endpoint `slow` (the model takes 3 s)."""

    def __init__(self, processes, backend, postgres_port, s3_endpoint, bucket):
        super().__init__(processes, backend, postgres_port, new_database(postgres_port), server_extra="")
        for replica in self.replicas:
            text = replica["config"].read_text()
            replica["config"].write_text(
                text
                + f'\n[object_store]\nendpoint = "{s3_endpoint}"\nregion = "us-east-1"\n'
                + f'\n[async]\noutput_location = "s3://{bucket}/results"\nworkers = 2\n'
                + endpoint_toml("slow", variant_toml("Model", [backend]))
            )

    def runtime(self, index):
        return boto3.client(
            "sagemaker-runtime", endpoint_url=f"http://127.0.0.1:{self.replicas[index]['port']}", region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}))

    def job(self, index, inference_id):
        status, _, body = self.admin(index, f"/admin/async/{inference_id}")
        return json.loads(body) if status == 200 else None


def test_async_jobs_survive_a_sigkilled_replica_and_write_their_output_once(
        processes, postgres_port, s3_endpoint, aws_environment):
    backend = processes.backend("slow-model", delay_ms=3000)
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket="fleet-async")
    s3.put_object(Bucket="fleet-async", Key="inputs/rows.csv", Body=b"1,2,3\n4,5,6\n")
    fleet = AsyncFleet(processes, backend, postgres_port, s3_endpoint, "fleet-async")
    fleet.start(0)
    answer = fleet.runtime(0).invoke_endpoint_async(
        EndpointName="slow", InputLocation="s3://fleet-async/inputs/rows.csv", ContentType="text/csv",
        InferenceId="survivor")
    assert answer["OutputLocation"] == "s3://fleet-async/results/survivor.out"
    assert answer["FailureLocation"] == "s3://fleet-async/results/failure/survivor-error.out"
    wait_until("replica 0 runs the job", lambda: (fleet.job(0, "survivor") or {}).get("Status") == "Running")
    fleet.start(1)
    fleet.start(2)
    fleet.running.pop(0).kill()  # SIGKILL: no drain, no chance to requeue the job
    started = time.monotonic()
    wait_until("another replica completes the job",
               lambda: (fleet.job(1, "survivor") or {}).get("Status") == "Completed", timeout=90)
    job = fleet.job(2, "survivor")
    print(f"completed {time.monotonic() - started:.1f} s after the SIGKILL, attempts {job['Attempts']}")
    assert job["Attempts"] == 2 and job["OutputLocation"] == "s3://fleet-async/results/survivor.out"
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="fleet-async", Prefix="results/").get("Contents", [])]
    assert keys == ["results/survivor.out"]
    body = s3.get_object(Bucket="fleet-async", Key="results/survivor.out")["Body"].read()
    assert body.strip(), "the model's answer is the output object"


def test_s3_failures_name_the_problem(processes, postgres_port, s3_endpoint, aws_environment):
    backend = processes.backend("fast-model")
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket="fleet-failures")
    fleet = AsyncFleet(processes, backend, postgres_port, s3_endpoint, "fleet-failures")
    fleet.start(0)
    runtime = fleet.runtime(0)
    # A missing input object: the job fails and its failure object says why.
    answer = runtime.invoke_endpoint_async(EndpointName="slow", InputLocation="s3://fleet-failures/missing.csv",
                                           ContentType="text/csv", InferenceId="missing-input")
    wait_until("the job fails", lambda: (fleet.job(0, "missing-input") or {}).get("Status") == "Failed")
    failure = s3.get_object(Bucket="fleet-failures", Key="results/failure/missing-input-error.out")["Body"].read()
    assert "NoSuchKey" in failure.decode() and "missing.csv" in failure.decode(), failure
    assert answer["FailureLocation"] == "s3://fleet-failures/results/failure/missing-input-error.out"
    # A malformed s3:// URI is refused at once.
    with pytest.raises(runtime.exceptions.ValidationError) as error:
        runtime.invoke_endpoint_async(EndpointName="slow", InputLocation="s3://A_BAD_BUCKET/x.csv")
    assert "valid bucket" in str(error.value)


def test_capture_files_are_uploaded_in_sagemakers_layout_and_monitored_from_s3(
        processes, s3_endpoint, aws_environment, tmp_path, monkeypatch):
    monkeypatch.setenv("MLGATEWAY_REPLICA_ID", "replica-a")
    backend = processes.backend("capture-model")
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket="fleet-capture")
    gateway = processes.gateway(
        f'[object_store]\nendpoint = "{s3_endpoint}"\n'
        + endpoint_toml("churn", variant_toml("Model", [backend]))
        + '\n[endpoint.capture]\nupload = "s3://fleet-capture/datacapture"\nmax_file_bytes = 4000\n'
    )
    config = next(processes.workdir.glob("gateway-*/gateway.conf"))
    runtime = boto3.client("sagemaker-runtime", endpoint_url=gateway, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    for index in range(60):
        runtime.invoke_endpoint(EndpointName="churn", ContentType="text/csv", Body=f"{index},{index % 7},{index * 0.5}")
    objects = []

    def uploaded():
        objects[:] = [item["Key"] for item in
                      s3.list_objects_v2(Bucket="fleet-capture", Prefix="datacapture/").get("Contents", [])]
        return len(objects) >= 3

    wait_until("closed capture files are uploaded", uploaded, timeout=60)
    layout = re.compile(r"datacapture/churn/Model/\d{4}/\d{2}/\d{2}/\d{2}/\d{2}-\d{2}-\d{3}-replica-a-[0-9a-f-]{36}\.jsonl")
    assert all(layout.fullmatch(key) for key in objects), objects
    # The staging directory keeps only the file still being written once the uploader's next pass is done.
    wait_until("the staging directory holds only the open file",
               lambda: len(list((config.parent / "var" / "capture").rglob("*.jsonl"))) <= 1, timeout=30)
    objects = [item["Key"] for item in
               s3.list_objects_v2(Bucket="fleet-capture", Prefix="datacapture/").get("Contents", [])]

    (tmp_path / "train.csv").write_text("a,b,c\n" + "".join(f"{i},{i % 7},{i * 0.5}\n" for i in range(200)))
    binary = str(processes.bin_dir / "mlgateway")
    subprocess.run([binary, "monitor", "baseline", "--dataset", str(tmp_path / "train.csv"), "--output",
                    str(tmp_path / "baseline")], check=True, capture_output=True, timeout=120)
    result = subprocess.run(
        [binary, "monitor", "run", "--baseline", str(tmp_path / "baseline"), "--capture",
         "s3://fleet-capture/datacapture", "--s3-endpoint", s3_endpoint, "--endpoint", "churn", "--output",
         str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    drift = json.loads((tmp_path / "out" / "drift.json").read_text())
    print(result.stdout.splitlines()[0])
    assert f"read {len(objects)} files" in result.stdout, result.stdout
    assert drift
