#!/usr/bin/env bash
# One command from a fresh Debian machine to a working gateway: installs what is missing, builds, starts Redis,
# the demo backends and the gateway with the repo's gateway.conf, and makes a call.
#   scripts/demo.sh        start everything (left running in the background) and call it
#   scripts/demo.sh stop   stop what the demo started
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir=var/demo
mkdir -p "$run_dir"

stop() {
  for pidfile in "$run_dir"/*.pid; do
    [[ -e "$pidfile" ]] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}
if [[ "${1:-}" == "stop" ]]; then stop; echo "demo stopped"; exit 0; fi
stop

scripts/install-deps.sh
echo "==> swift build"
swift build --product mlgateway
swift build --product demo-backend
bin="$(swift build --show-bin-path)"

start() { # name, command...
  local name=$1; shift
  "$@" >"$run_dir/$name.log" 2>&1 &
  echo $! >"$run_dir/$name.pid"
}
wait_for() { # url
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "error: $1 did not answer; logs are in $run_dir" >&2; exit 1
}

if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  start redis redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no
fi
start backend-a "$bin/demo-backend" --port 9001 --name backend-a
start backend-b "$bin/demo-backend" --port 9002 --name backend-b
start backend-echo "$bin/demo-backend" --port 9003 --name backend-echo --mode echo
start backend-oip "$bin/demo-backend" --port 9004 --name backend-oip --mode oip --grpc-port 9005
wait_for http://127.0.0.1:9001/ping
wait_for http://127.0.0.1:9002/ping
wait_for http://127.0.0.1:9003/ping
wait_for http://127.0.0.1:9004/v2/health/ready
if [[ -x scripts/demo-setup.sh ]]; then scripts/demo-setup.sh "$bin"; fi
start gateway "$bin/mlgateway" serve --config gateway.conf
wait_for http://127.0.0.1:8080/readyz

echo
echo "==> curl -X POST http://127.0.0.1:8080/endpoints/demo/invocations -H 'Content-Type: text/csv' -d '1,2,3'"
curl -sS -D "$run_dir/headers.txt" -X POST http://127.0.0.1:8080/endpoints/demo/invocations \
  -H 'Content-Type: text/csv' -d '1,2,3'
echo
echo "served by: $(grep -i '^x-Amzn-Invoked-Production-Variant' "$run_dir/headers.txt" | cut -d' ' -f2 | tr -d '\r')"
echo
echo "==> boto3 invoke_endpoint"
python3 - <<'PY'
import boto3
client = boto3.client("sagemaker-runtime", endpoint_url="http://127.0.0.1:8080", region_name="us-east-1",
                      aws_access_key_id="demo", aws_secret_access_key="demo")
for _ in range(3):
    answer = client.invoke_endpoint(EndpointName="demo", ContentType="text/csv", Body="1,2,3")
    print(f"prediction {answer['Body'].read().decode()} from {answer['InvokedProductionVariant']}")
PY
echo
echo "==> feature enrichment: what the model of endpoint demo-features receives for {\"user_id\": \"u1\", \"instances\": [[1,2,3]]}"
curl -sS -X POST http://127.0.0.1:8080/endpoints/demo-features/invocations \
  -H 'Content-Type: application/json' -d '{"user_id": "u1", "instances": [[1,2,3]]}'
echo
echo
echo "==> Open Inference Protocol: GET /v2/models/iris (the model server's metadata), then infer"
curl -sS http://127.0.0.1:8080/v2/models/iris
echo
curl -sS -X POST http://127.0.0.1:8080/v2/models/iris/infer -H 'Content-Type: application/json' \
  -d '{"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP64", "data": [[0, 0], [1, 1]]}]}'
echo
echo
echo "==> Open Inference over gRPC (tritonclient.grpc on 127.0.0.1:8082): iris's REST model server, then iris-grpc's gRPC one"
python3 - <<'PY'
import numpy as np
import tritonclient.grpc as triton

client = triton.InferenceServerClient(url="127.0.0.1:8082")
tensor = triton.InferInput("input-0", [2, 2], "FP64")
tensor.set_data_from_numpy(np.array([[0.0, 0.0], [1.0, 1.0]]))
for model in ("iris", "iris-grpc"):
    result = client.infer(model, [tensor])
    print(f"{model}: predict {result.as_numpy('predict')} from variant {result.get_response().model_version}")
PY
echo
echo "Gateway: http://127.0.0.1:8080 (admin and /metrics: http://127.0.0.1:8081, gRPC: 127.0.0.1:8082)."
echo "Admin console: http://127.0.0.1:8081/console (the demo sets no admin_token: any token signs in)."
echo "OpenAPI documents: http://127.0.0.1:8080/openapi.json and http://127.0.0.1:8081/openapi.json."
echo "Logs: $run_dir/. Stop: scripts/demo.sh stop"
