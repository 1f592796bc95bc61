#!/usr/bin/env bash
# Compares gateway builds on one scenario (default pass-through), alternating them against one backend, for
# machines whose speed drifts (see docs/benchmarks.md). Per run it prints the gateway's CPU per request and that
# figure divided by the backend's over the same requests ("norm", the steadier one), then the means per build.
#   scripts/bench/compare.sh DIR_A DIR_B [DIR...]     (each DIR holds an mlgateway binary)
# Environment: BENCH_ROUNDS (default 3), BENCH_DURATION (default 6s), BENCH_COMPARE_SCENARIO (default pass_through;
# any scenario of scenarios.sh, prepared once with the first build's mlgateway), BENCH_BIN (demo-backend; default
# the last release build under .build-bench); BENCH_KEEP as for bench.sh.
# BENCH_COMPARE_RATE=N runs at N req/s instead of as fast as possible (e.g. half load): each round then starts with
# the backend called directly at that rate, and each build's p99 minus the direct one is printed as its added p99,
# with the rounds where it was at most 1 ms (issue 3's target).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
bench_dir=$repo/scripts/bench
LOAD_CORE=0
PROXY_CORE=1
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-6s}
SCENARIO=${BENCH_COMPARE_SCENARIO:-pass_through}
RATE=${BENCH_COMPARE_RATE:-0}
(($# >= 2)) || { echo "usage: $0 DIR_A DIR_B [DIR...]" >&2; exit 2; }
for dir in "$@"; do [[ -x "$dir/mlgateway" ]] || { echo "error: $dir/mlgateway is missing" >&2; exit 1; }; done
BACKEND_BIN=${BENCH_BIN:-$repo/.build-bench/release}/demo-backend
[[ -x "$BACKEND_BIN" ]] || { echo "error: $BACKEND_BIN is missing; run scripts/bench.sh once" >&2; exit 1; }

# shellcheck source=lib.sh
source "$bench_dir/lib.sh"
# shellcheck source=scenarios.sh
source "$bench_dir/scenarios.sh"

field() { sed "s/.*$1=\([0-9.]*\).*/\1/" <<<"$2"; }

start backend "$LOAD_CORE" "$BACKEND_BIN" --port "$BACKEND_PORT" --name bench
backend_pid=$STARTED_PID
wait_for "http://127.0.0.1:$BACKEND_PORT/ping" "$backend_pid" backend
BIN=$1 scenario_ready "$SCENARIO" "$WORK_DIR/gateway"
url="http://127.0.0.1:$GATEWAY_PORT/endpoints/bench/invocations"

declare -A SUM_CPU SUM_NORM SUM_ADDED WITHIN_TARGET
for _ in $(seq 1 "$ROUNDS"); do
  if ((RATE > 0)); then
    direct=$(BENCH_RATE=$RATE saturate "http://127.0.0.1:$BACKEND_PORT/invocations" "$DURATION" | grep '^BENCH_RESULT')
    direct_p99=$(field p99_us "$direct")
    printf '%-40s %8.0f req/s  p99 %6.2f ms\n' direct "$(field rps "$direct")" \
      "$(awk -v p="$direct_p99" 'BEGIN { print p / 1000 }')"
  fi
  for dir in "$@"; do
    start gateway "$PROXY_CORE" "$dir/mlgateway" serve --config "$WORK_DIR/gateway/gateway.conf"
    gateway_pid=$STARTED_PID
    wait_for "http://127.0.0.1:$GATEWAY_PORT/readyz" "$gateway_pid" gateway
    saturate "$url" 2s >/dev/null
    gateway_before=$(cpu_ticks "$gateway_pid") backend_before=$(cpu_ticks "$backend_pid")
    result=$(BENCH_RATE=$RATE saturate "$url" "$DURATION" | grep '^BENCH_RESULT')
    gateway_ticks=$(($(cpu_ticks "$gateway_pid") - gateway_before))
    backend_ticks=$(($(cpu_ticks "$backend_pid") - backend_before))
    stop "$gateway_pid"
    requests=$(field requests "$result")
    cpu=$(awk -v t="$gateway_ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    norm=$(awk -v g="$gateway_ticks" -v b="$backend_ticks" 'BEGIN { printf "%.3f", (b > 0 ? g / b : 0) }')
    failed=$(($(field http_errors "$result") + $(field socket_errors "$result")))
    added=""
    if ((RATE > 0)); then
      added_us=$(($(field p99_us "$result") - direct_p99))
      added=$(awk -v a="$added_us" 'BEGIN { printf "  added p99 %5.2f ms", a / 1000 }')
      SUM_ADDED[$dir]=$((${SUM_ADDED[$dir]:-0} + added_us))
      WITHIN_TARGET[$dir]=$((${WITHIN_TARGET[$dir]:-0} + (added_us <= 1000 ? 1 : 0)))
    fi
    printf '%-40s %8.0f req/s  gateway CPU %6s us/req  norm %s%s%s\n' "$dir" "$(field rps "$result")" "$cpu" "$norm" \
      "$added" "$( ((failed == 0)) || echo "  ERRORS: $failed failed requests")"
    SUM_CPU[$dir]=$(awk -v a="${SUM_CPU[$dir]:-0}" -v b="$cpu" 'BEGIN { print a + b }')
    SUM_NORM[$dir]=$(awk -v a="${SUM_NORM[$dir]:-0}" -v b="$norm" 'BEGIN { print a + b }')
  done
done
echo
echo "Means over $ROUNDS rounds (norm = gateway CPU / backend CPU for the same requests)"
for dir in "$@"; do
  awk -v d="$dir" -v c="${SUM_CPU[$dir]}" -v n="${SUM_NORM[$dir]}" -v r="$ROUNDS" \
    'BEGIN { printf "  %-40s gateway CPU %6.1f us/req  norm %.3f", d, c / r, n / r }'
  if ((RATE > 0)); then
    awk -v a="${SUM_ADDED[$dir]}" -v w="${WITHIN_TARGET[$dir]}" -v r="$ROUNDS" \
      'BEGIN { printf "  added p99 %.2f ms, <= 1 ms in %d of %d", a / r / 1000, w, r }'
  fi
  echo
done
