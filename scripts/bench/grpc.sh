#!/usr/bin/env bash
# The Open Inference Protocol's gRPC front against its REST route (issue 24), in one run: the gateway's CPU per
# request for the same infer call (a [1, 4] FP64 tensor, one score back) over
#   REST → REST backend    wrk, POST /v2/models/rest/infer (JSON), demo-backend --mode oip
#   gRPC → REST backend    h2load, ModelInfer on model "rest" (raw tensor contents, as Triton's clients send)
#   gRPC → gRPC backend    h2load, ModelInfer on model "grpc", an oip-grpc variant (demo-backend --grpc-port)
#   REST → gRPC backend    wrk, POST /v2/models/grpc/infer
# and the demo backend called directly over REST (wrk) and gRPC (h2load) for reference. wrk/h2load and the backend
# run on core 0, the gateway alone on core 1; each target gets a warm-up and a saturation run (32 connections, one
# request in flight on each). It prints figures only.
# Environment: BENCH_DURATION (default 10s), BENCH_WARMUP (2s), BENCH_SKIP_BUILD=1, BENCH_BIN=DIR and BENCH_KEEP=1 as
# for scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
bench_dir=$repo/scripts/bench
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
LOAD_CORE=0
PROXY_CORE=1
CONNECTIONS=32

(($(nproc --all) >= 2)) || { echo "error: needs at least 2 cores" >&2; exit 1; }
scripts/install-deps.sh --bench
# shellcheck source=lib.sh
source "$bench_dir/lib.sh"
prepare_binaries
CLOCK_TICKS=$(getconf CLK_TCK)

BACKEND_GRPC_PORT=$(free_port)
GATEWAY_GRPC_PORT=$(free_port)
start backend "$LOAD_CORE" "$BIN/demo-backend" --port "$BACKEND_PORT" --mode oip --grpc-port "$BACKEND_GRPC_PORT"
BACKEND_PID=$STARTED_PID
wait_for "http://127.0.0.1:$BACKEND_PORT/v2/health/ready" "$BACKEND_PID" backend

cat >"$WORK_DIR/gateway.conf" <<CONF
[server]
listen = "127.0.0.1:$GATEWAY_PORT"
admin_listen = "127.0.0.1:$ADMIN_PORT"
grpc_listen = "127.0.0.1:$GATEWAY_GRPC_PORT"
state_dir = "var"
log_level = "warning"

[[endpoint]]
name = "rest"
[[endpoint.variant]]
name = "AllTraffic"
backends = ["http://127.0.0.1:$BACKEND_PORT"]
protocol = "oip"
model = "m"

[[endpoint]]
name = "grpc"
[[endpoint.variant]]
name = "AllTraffic"
backends = ["http://127.0.0.1:$BACKEND_GRPC_PORT"]
protocol = "oip-grpc"
model = "m"
CONF
(cd "$WORK_DIR" && "$BIN/mlgateway" serve --check --config gateway.conf >/dev/null)
start gateway "$PROXY_CORE" "$BIN/mlgateway" serve --config "$WORK_DIR/gateway.conf"
GATEWAY_PID=$STARTED_PID
wait_for "http://127.0.0.1:$GATEWAY_PORT/readyz" "$GATEWAY_PID" gateway

REST_BODY='{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP64","data":[5.1,3.5,1.4,0.2]}]}'
# One gRPC ModelInferRequest for MODEL in gRPC's length-prefixed framing, encoded by hand (no protobuf library needed):
# model_name = 1, inputs = 5 {name = 1, datatype = 2, shape = 3 (packed)}, raw_input_contents = 7.
grpc_body() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
def field(number, payload): return bytes([number << 3 | 2, len(payload)]) + payload
tensor = field(1, b"x") + field(2, b"FP64") + field(3, bytes([1, 4]))
message = field(1, sys.argv[1].encode()) + field(5, tensor) + field(7, struct.pack("<4d", 5.1, 3.5, 1.4, 0.2))
open(sys.argv[2], "wb").write(b"\0" + struct.pack(">I", len(message)) + message)
PY
}
grpc_body rest "$WORK_DIR/rest.grpc"
grpc_body grpc "$WORK_DIR/grpc.grpc"
grpc_body m "$WORK_DIR/backend.grpc"

declare -A RPS CPU_US
LABELS=()

per_request_us() { awk -v t="$1" -v hz="$CLOCK_TICKS" -v n="$2" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }'; }

# measure LABEL KIND TARGET DURATION PID: KIND rest (wrk POST of REST_BODY to the URL TARGET) or grpc (h2load of the
# request file TARGET to PORT, as "PORT FILE"); records req/s and PID's CPU per request.
measure() {
  local label=$1 kind=$2 target=$3 duration=$4 pid=$5 before after output requests rps
  before=$(cpu_ticks "$pid")
  if [[ $kind == rest ]]; then
    output=$(BENCH_BODY=$REST_BODY BENCH_HEADERS="Content-Type: application/json" taskset -c "$LOAD_CORE" \
      wrk -t1 -c"$CONNECTIONS" -d"$duration" --timeout 5s -s "$bench_dir/wrk.lua" "$target" 2>&1)
    local line errors
    line=$(grep '^BENCH_RESULT' <<<"$output")
    requests=$(sed 's/.* requests=\([0-9]*\).*/\1/' <<<"$line")
    rps=$(sed 's/.* rps=\([0-9.]*\).*/\1/' <<<"$line")
    errors=$(sed 's/.* http_errors=\([0-9]*\).*/\1/' <<<"$line")
    ((errors == 0)) || { echo "error: $label: $errors HTTP errors" >&2; exit 1; }
  else
    local port=${target% *} file=${target#* }
    output=$(taskset -c "$LOAD_CORE" h2load -t1 -c"$CONNECTIONS" -m1 -D "${duration%s}" \
      -H 'content-type: application/grpc' -H 'te: trailers' -d "$file" \
      "http://127.0.0.1:$port/inference.GRPCInferenceService/ModelInfer" 2>&1)
    requests=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$output")
    rps=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<<"$output")
    [[ -n "$requests" && "$requests" -gt 0 ]] || { echo "error: $label: $output" >&2; exit 1; }
  fi
  after=$(cpu_ticks "$pid")
  RPS[$label]=$rps
  CPU_US[$label]=$(per_request_us $((after - before)) "$requests")
}

run() { # LABEL KIND TARGET PID
  echo "==> $1"
  measure "$1 warm-up" "$2" "$3" "$WARMUP" "$4"
  local invocations_before invocations_after
  invocations_before=$(curl -fsS "http://127.0.0.1:$BACKEND_PORT/control/invocations")
  measure "$1" "$2" "$3" "$DURATION" "$4"
  invocations_after=$(curl -fsS "http://127.0.0.1:$BACKEND_PORT/control/invocations")
  # h2load counts a gRPC error (HTTP 200 with a grpc-status trailer) as a success: the backend's count tells.
  echo "    $(printf '%.0f' "${RPS[$1]}") req/s, $((invocations_after - invocations_before)) reached the model," \
    "CPU ${CPU_US[$1]} us/req"
  LABELS+=("$1")
}

run "backend direct, REST" rest "http://127.0.0.1:$BACKEND_PORT/v2/models/m/infer" "$BACKEND_PID"
run "backend direct, gRPC" grpc "$BACKEND_GRPC_PORT $WORK_DIR/backend.grpc" "$BACKEND_PID"
run "gateway REST -> REST backend" rest "http://127.0.0.1:$GATEWAY_PORT/v2/models/rest/infer" "$GATEWAY_PID"
run "gateway gRPC -> REST backend" grpc "$GATEWAY_GRPC_PORT $WORK_DIR/rest.grpc" "$GATEWAY_PID"
run "gateway gRPC -> gRPC backend" grpc "$GATEWAY_GRPC_PORT $WORK_DIR/grpc.grpc" "$GATEWAY_PID"
run "gateway REST -> gRPC backend" rest "http://127.0.0.1:$GATEWAY_PORT/v2/models/grpc/infer" "$GATEWAY_PID"

echo
echo "Results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc --all) cores; wrk/h2load -c$CONNECTIONS, $DURATION per run;"
echo "load and backend on core $LOAD_CORE, gateway alone on core $PROXY_CORE; CPU = the target's CPU per request)"
printf '  %-34s %10s %12s %10s\n' target "req/s" "CPU us/req" "vs REST"
base=${CPU_US["gateway REST -> REST backend"]}
for label in "${LABELS[@]}"; do
  ratio=-
  [[ $label == gateway* ]] && ratio=$(awk -v a="${CPU_US[$label]}" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
  printf '  %-34s %10.0f %12s %10s\n' "$label" "${RPS[$label]}" "${CPU_US[$label]}" "$ratio"
done
