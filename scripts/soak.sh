#!/usr/bin/env bash
# Soak test (issue 23): a release build of the gateway under mixed load for a long time, with the disturbances of a
# real deployment, printing one line per minute: the gateway's RSS and open descriptors, requests and errors of each
# load, capture records written. At the end the gateway gets SIGTERM and every answered full-path request must have
# its capture record. It prints figures and exits non-zero on unexpected errors, lost capture records or a gateway
# that died; memory growth is for the reader to judge from the table (docs/benchmarks.md, "Soak").
#   scripts/soak.sh            60 minutes
#   scripts/soak.sh 30         30 minutes
# The loads, each a wrk run per minute at a fixed rate (SOAK_RATE requests/s, default 200; streams at a quarter):
#   pass-through   POST /endpoints/pass/invocations: two weighted variants, one backend each
#   full path      POST /endpoints/full/invocations: API key, Redis enrichment, request and response templates,
#                  capture at 100%, the same two variants
#   streams        POST /endpoints/stream/invocations-response-stream: a streaming backend, event-stream answers
# The disturbances: a reload (POST /admin/reload) every minute; every SOAK_RESTART_EVERY minutes (default 3),
# alternately, variant B's backend is restarted as a rolling update does it (its health checks fail for 4 s, then
# SIGTERM, 3 s down, started again) and Redis is restarted (SHUTDOWN SAVE, 3 s down). While B is out its requests go
# to A; while Redis is down enrichment serves cached, stale or default features.
# Every load runs on core 0 with the backends and Redis, the gateway alone on core 1. SOAK_KEEP=1 keeps the
# temporary directory (configs, logs, capture files).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bench_dir=$repo/scripts/bench

MINUTES=${1:-60}
RATE=${SOAK_RATE:-200}
RESTART_EVERY=${SOAK_RESTART_EVERY:-3}
LOAD_CORE=0
GATEWAY_CORE=1
BENCH_KEEP=${SOAK_KEEP:-}

scripts/install-deps.sh --bench
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
prepare_binaries
# The bench scenarios' TOML pieces (enrichment_rule_toml, full_path_templates_toml, capture_toml), so the full path
# is configured alike.
# shellcheck source=bench/scenarios.sh
source "$bench_dir/scenarios.sh"

BACKEND_B_PORT=$(free_port)
STREAM_PORT=$(free_port)
dir=$WORK_DIR/soak
mkdir -p "$dir"

# --- servers ----------------------------------------------------------------------------------------------------

start_backend_a() { start backend-a "$LOAD_CORE" "$BIN/demo-backend" --port "$BACKEND_PORT" --name A; BACKEND_PID=$STARTED_PID; }
start_backend_b() { start backend-b "$LOAD_CORE" "$BIN/demo-backend" --port "$BACKEND_B_PORT" --name B; BACKEND_B_PID=$STARTED_PID; }
start_soak_redis() {
  start redis "$LOAD_CORE" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --dbfilename features.rdb \
    --save "" --appendonly no
  REDIS_PID=$STARTED_PID
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "error: redis-server did not start" >&2
  exit 1
}

start_backend_a
start_backend_b
start stream "$LOAD_CORE" "$BIN/demo-backend" --port "$STREAM_PORT" --mode stream --name S
STREAM_PID=$STARTED_PID
start_soak_redis
wait_for "http://127.0.0.1:$BACKEND_PORT/ping" "$BACKEND_PID" backend-a
wait_for "http://127.0.0.1:$BACKEND_B_PORT/ping" "$BACKEND_B_PID" backend-b
wait_for "http://127.0.0.1:$STREAM_PORT/ping" "$STREAM_PID" stream

# --- configuration ----------------------------------------------------------------------------------------------

seq 1 1000 >"$dir/hot_users.txt"
variants() {
  cat <<EOF
[[endpoint.variant]]
name = "A"
weight = 1.0
backends = ["http://127.0.0.1:$BACKEND_PORT"]

[[endpoint.variant]]
name = "B"
weight = 1.0
backends = ["http://127.0.0.1:$BACKEND_B_PORT"]

[endpoint.health_check]
interval = "1s"

EOF
}
{
  cat <<EOF
[server]
listen = "127.0.0.1:$GATEWAY_PORT"
admin_listen = "127.0.0.1:$ADMIN_PORT"
state_dir = "var"
log_level = "warning"

[feature_store]
redis = "redis://127.0.0.1:$REDIS_PORT/0"
key_prefix = "mlgw"
cache_entries = 1000
on_error = "stale"

[[feature_view]]
name = "user"
features = ["age", "avg_spend"]
defaults = { age = "0", avg_spend = "0" }
cache_ttl = "30s"
max_age = "1d"
warmup = { keys_file = "hot_users.txt", deadline = "60s" }

[[endpoint]]
name = "pass"

EOF
  variants
  cat <<EOF
[[endpoint]]
name = "full"
auth = "api_key"
stage_variables = { model = "soak" }

EOF
  variants
  enrichment_rule_toml
  full_path_templates_toml "$dir"
  capture_toml
  cat <<EOF

[[endpoint]]
name = "stream"

[[endpoint.variant]]
name = "S"
backends = ["http://127.0.0.1:$STREAM_PORT"]
EOF
} >"$dir/gateway.conf"

"$BIN/mlgateway" serve --config "$dir/gateway.conf" --check >/dev/null
awk 'BEGIN { print "user_id,age,avg_spend"; for (i = 1; i <= 5000; i++) printf "%d,%d,%.2f\n", i, 18 + i % 60, (i % 1000) / 10 }' \
  >"$dir/users.csv"
"$BIN/mlgateway" features load --config "$dir/gateway.conf" --view user --entity-column user_id "$dir/users.csv" >/dev/null
created=$("$BIN/mlgateway" keys create --config "$dir/gateway.conf" --name soak --endpoints full --output json)
API_KEY=$(python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["apiKey"])' <<<"$created")

start gateway "$GATEWAY_CORE" "$BIN/mlgateway" serve --config "$dir/gateway.conf"
GATEWAY_PID=$STARTED_PID
wait_for "http://127.0.0.1:$ADMIN_PORT/readyz" "$GATEWAY_PID" gateway

# --- one minute of load -----------------------------------------------------------------------------------------

# load NAME URL RATE BODY IDS HEADERS: a one-minute wrk run in the background, its output in $dir/NAME.out.
load() {
  local name=$1 url=$2 rate=$3 body=$4 ids=$5 headers=$6
  BENCH_RATE=$rate BENCH_BODY=$body BENCH_IDS=$ids BENCH_HEADERS=$headers taskset -c "$LOAD_CORE" \
    wrk -t1 -c8 -d60s --timeout 10s -s "$bench_dir/wrk.lua" "$url" >"$dir/$name.out" 2>&1 &
  LOADS+=($!)
}

# result NAME KEY: one figure of the last run of load NAME.
result() {
  grep -o "$2=[0-9]*" "$dir/$1.out" | head -1 | cut -d= -f2 || echo 0
}

captured() {
  find "$dir/capture" -name '*.jsonl' -exec cat {} + 2>/dev/null | wc -l
}

declare -A TOTAL_REQUESTS TOTAL_ERRORS
for name in pass full stream; do TOTAL_REQUESTS[$name]=0 TOTAL_ERRORS[$name]=0; done
DIED=0
base="http://127.0.0.1:$GATEWAY_PORT/endpoints"
echo "==> soak: $MINUTES minutes, $RATE requests/s per load, restarts every $RESTART_EVERY minutes (work dir $WORK_DIR)"
printf '%6s %8s %5s %12s %12s %12s %9s  %s\n' minute "RSS MB" fds "pass req/err" "full req/err" "stream r/e" captured event
for minute in $(seq 1 "$MINUTES"); do
  LOADS=()
  load pass "$base/pass/invocations" "$RATE" "1,2,3" 0 ""
  load full "$base/full/invocations" "$RATE" "1,2,3" 1000 "x-api-key: $API_KEY|Accept: application/json"
  load stream "$base/stream/invocations-response-stream" $((RATE / 4)) "one two three four" 0 ""
  sleep 20
  event="reload"
  curl -fsS -X POST "http://127.0.0.1:$ADMIN_PORT/admin/reload" >/dev/null || event="reload FAILED"
  if ((minute % RESTART_EVERY == 0)); then
    sleep 10
    if ((minute / RESTART_EVERY % 2 == 1)); then
      # As a rolling update does it: the backend fails its health checks first, so the gateway stops sending to
      # it, then it stops; requests go to variant A meanwhile.
      event="$event, backend B restarted"
      curl -fsS -X POST "http://127.0.0.1:$BACKEND_B_PORT/control/ping-status?code=503" >/dev/null
      sleep 4
      stop "$BACKEND_B_PID"
      sleep 3
      start_backend_b
    else
      event="$event, Redis restarted"
      redis-cli -p "$REDIS_PORT" shutdown save >/dev/null 2>&1 || true
      stop "$REDIS_PID"
      sleep 3
      start_soak_redis
    fi
  fi
  wait "${LOADS[@]}" || true
  if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
    echo "error: the gateway died; its log:" >&2
    tail -20 "$WORK_DIR/gateway.log" >&2
    DIED=1
    break
  fi
  row=()
  for name in pass full stream; do
    requests=$(result "$name" requests)
    errors=$(($(result "$name" http_errors) + $(result "$name" socket_errors)))
    TOTAL_REQUESTS[$name]=$((TOTAL_REQUESTS[$name] + requests))
    TOTAL_ERRORS[$name]=$((TOTAL_ERRORS[$name] + errors))
    row+=("$requests/$errors")
  done
  rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$GATEWAY_PID/status")
  fds=$(find "/proc/$GATEWAY_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
  printf '%6d %8s %5s %12s %12s %12s %9s  %s\n' "$minute" "$rss" "$fds" "${row[@]}" "$(captured)" "$event"
done

# --- the end: SIGTERM, then every answered full-path request has its capture record -----------------------------

# metric NAME: the sum over the full endpoint's variants of counter NAME, from the gateway's /metrics.
metric() {
  awk -v name="$1{" 'index($0, name) == 1 && index($0, "endpoint=\"full\"") { sum += $NF } END { printf "%d", sum }' \
    "$dir/metrics.txt"
}

status=0
if ((DIED == 0)); then
  # The gateway's own count of full-path answers: wrk does not count the requests still in flight when a run ends.
  curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" >"$dir/metrics.txt"
  answered=$(($(metric mlgateway_invocations_total) - $(metric mlgateway_invocation_4xx_errors_total) \
    - $(metric mlgateway_invocation_5xx_errors_total)))
  stop "$GATEWAY_PID"
  records=$(captured)
  lost=$((answered - records))
  echo "==> full-path answers (gateway metrics): $answered, capture records after SIGTERM: $records," \
    "lost: $((lost > 0 ? lost : 0))"
  ((lost > 0)) && status=1
else
  status=1
fi
for name in pass full stream; do
  echo "==> $name: ${TOTAL_REQUESTS[$name]} requests, ${TOTAL_ERRORS[$name]} errors"
  ((TOTAL_ERRORS[$name] > 0)) && status=1
done
echo "==> gateway warnings and errors logged: $(grep -c -E '(warning|error|critical)' "$WORK_DIR/gateway.log" || true)"
exit $status
