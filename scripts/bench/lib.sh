# Shared helpers of scripts/bench.sh, scripts/bench/profile.sh and scripts/bench/compare.sh (sourced; not run on its
# own): a temporary directory, free ports, pinned background processes that are all killed on exit, readiness
# waits, Redis, CPU time of processes, a saturating wrk run.
# Expects repo (the repository root) and LOAD_CORE to be set.

WORK_DIR=$(mktemp -d /tmp/mlgateway-bench.XXXXXX)
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ "${BENCH_KEEP:-}" == 1 ]]; then echo "kept $WORK_DIR"; else rm -rf "$WORK_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME CORE COMMAND...: runs COMMAND pinned to CORE in the background; its pid is in STARTED_PID.
start() {
  local name=$1 core=$2
  shift 2
  taskset -c "$core" "$@" >"$WORK_DIR/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

stop() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# wait_for URL PID NAME: until URL answers 2xx, failing early when the process died.
wait_for() {
  local url=$1 pid=$2 name=$3
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "error: $name did not answer on $url; its log:" >&2
  tail -20 "$WORK_DIR/$name.log" >&2
  exit 1
}

BACKEND_PORT=$(free_port)
NGINX_PORT=$(free_port)
GATEWAY_PORT=$(free_port)
ADMIN_PORT=$(free_port)
REDIS_PORT=$(free_port)
REDIS_PID=""

start_redis() {
  [[ -n "$REDIS_PID" ]] && return 0
  start redis "$LOAD_CORE" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
  REDIS_PID=$STARTED_PID
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}


# Builds mlgateway and demo-backend in release mode under .build-bench (never colliding with other builds), or
# takes them from BENCH_BIN; sets BIN. BENCH_SKIP_BUILD=1 reuses the last build.
prepare_binaries() {
  local product
  BIN=${BENCH_BIN:-$repo/.build-bench/release}
  if [[ -z "${BENCH_BIN:-}" && "${BENCH_SKIP_BUILD:-}" != 1 ]]; then
    for product in mlgateway demo-backend; do
      echo "==> swift build -c release --product $product (scratch path .build-bench)"
      (cd "$repo" && swift build -c release --scratch-path .build-bench --product "$product")
    done
  fi
  for product in mlgateway demo-backend; do
    [[ -x "$BIN/$product" ]] || { echo "error: $BIN/$product is missing; run without BENCH_SKIP_BUILD" >&2; exit 1; }
  done
}

# CPU time (clock ticks, user + system) used so far by the given processes.
cpu_ticks() {
  local total=0 pid fields
  for pid in "$@"; do
    fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + $(awk '{ print $12 + $13 }' <<<"$fields")))
  done
  echo "$total"
}

# saturate URL DURATION: a closed-loop wrk run (32 connections) on the load core, with the scenario's request
# (SCENARIO_BODY, SCENARIO_HEADERS, SCENARIO_IDS; see wrk.lua).
saturate() {
  BENCH_BODY=${SCENARIO_BODY:-1,2,3} BENCH_HEADERS=${SCENARIO_HEADERS:-} BENCH_IDS=${SCENARIO_IDS:-0} \
    taskset -c "$LOAD_CORE" wrk -t1 -c32 -d"$2" --timeout 5s -s "$bench_dir/wrk.lua" "$1"
}
