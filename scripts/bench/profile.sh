#!/usr/bin/env bash
# Where the gateway spends its CPU on the pass-through hop: samples the gateway (alone on core 1) with
# `perf record -e cpu-clock` while wrk saturates it, then prints the hottest functions (own and with callees).
# See docs/benchmarks.md. (valgrind's callgrind would give instruction counts, but valgrind 3.19 crashes on
# Swift 6.3 binaries while reading the toolchain's shared libraries.)
#   scripts/bench/profile.sh
# Environment: BENCH_PROFILE_DURATION (default 15s); BENCH_PROFILE_SCENARIO (default pass_through; any scenario of
# scripts/bench/scenarios.sh); BENCH_SKIP_BUILD, BENCH_BIN and BENCH_KEEP as for bench.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
bench_dir=$repo/scripts/bench
LOAD_CORE=0
PROXY_CORE=1
DURATION=${BENCH_PROFILE_DURATION:-15s}
SCENARIO=${BENCH_PROFILE_SCENARIO:-pass_through}

command -v perf >/dev/null || { echo "error: perf is required (apt-get install linux-perf)" >&2; exit 1; }
scripts/install-deps.sh --bench
# shellcheck source=lib.sh
source "$bench_dir/lib.sh"
prepare_binaries
# shellcheck source=scenarios.sh
source "$bench_dir/scenarios.sh"

start backend "$LOAD_CORE" "$BIN/demo-backend" --port "$BACKEND_PORT" --name bench
wait_for "http://127.0.0.1:$BACKEND_PORT/ping" "$STARTED_PID" backend
scenario_ready "$SCENARIO" "$WORK_DIR/gateway"
start gateway "$PROXY_CORE" "$BIN/mlgateway" serve --config "$WORK_DIR/gateway/gateway.conf"
gateway_pid=$STARTED_PID
wait_for "http://127.0.0.1:$GATEWAY_PORT/readyz" "$gateway_pid" gateway

url="http://127.0.0.1:$GATEWAY_PORT/endpoints/bench/invocations"
echo "==> warm-up"
saturate "$url" 3s >/dev/null
echo "==> sampling the gateway ($SCENARIO) for $DURATION under saturation"
perf record -q -e cpu-clock -F 1999 -g -p "$gateway_pid" -o "$WORK_DIR/perf.data" -- sleep "${DURATION%s}" \
  >/dev/null 2>&1 &
perf_pid=$!
PIDS+=("$perf_pid")
saturate "$url" "$DURATION" | grep '^BENCH_RESULT'
wait "$perf_pid" || true

report() { # extra perf report options...
  perf report -i "$WORK_DIR/perf.data" --stdio --no-children --percent-limit 0.7 -g none "$@" 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | swift demangle --simplified | cut -c1-200 | head -45
}
echo
echo "==> hottest functions (own time)"
report --sort symbol
echo
echo "==> own time by shared object"
report --sort dso
echo
echo "==> hottest functions including callees (gateway's own code: Gateway module symbols)"
perf report -i "$WORK_DIR/perf.data" --stdio --children --percent-limit 2 -g none --sort symbol 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | swift demangle --simplified | cut -c1-200 | head -60
