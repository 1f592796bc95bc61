#!/usr/bin/env bash
# Benchmarks the gateway's proxy hop against nginx, in one run (see docs/benchmarks.md):
#   1. the demo backend directly, 2. nginx as a keep-alive reverse proxy, 3. mlgateway, per scenario
#   (scripts/bench/scenarios.sh), all in front of the same demo backend.
# wrk and the backend (and Redis) run on core 0, the proxy under test alone on core 1. For each target: a
# warm-up, a saturation run (wrk -t1 -c32) and rounds of fixed-rate runs at half of that saturation, alternated
# with the direct backend (and, for a gateway, nginx) at the same rate so that "added latency" compares like with
# like. It prints figures only and asserts nothing about time.
#
# Environment: BENCH_DURATION (default 10s) and BENCH_WARMUP (2s) per wrk run; BENCH_HALF_ROUNDS (3) and
# BENCH_HALF_DURATION (5s) for the half-load rounds, whose medians are reported; BENCH_CONNECTIONS (32);
# BENCH_SCENARIOS_ONLY="pass_through capture" to run some scenarios; BENCH_SKIP_BUILD=1 to reuse the last build;
# BENCH_BIN=DIR to use the mlgateway and demo-backend binaries in DIR instead (no build);
# BENCH_KEEP=1 to keep the temporary directory (configs, logs).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bench_dir=$repo/scripts/bench

DURATION=${BENCH_DURATION:-10s}
HALF_DURATION=${BENCH_HALF_DURATION:-5s}
HALF_ROUNDS=${BENCH_HALF_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-2s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
LOAD_CORE=0
PROXY_CORE=1

# --- setup ----------------------------------------------------------------------------------------------------

if (($(nproc --all) < 2)); then
  echo "error: needs at least 2 cores (load generator and backend on core 0, proxy on core 1)" >&2
  exit 1
fi
scripts/install-deps.sh --bench

# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
prepare_binaries

# shellcheck source=bench/scenarios.sh
source "$bench_dir/scenarios.sh"

# --- measuring ------------------------------------------------------------------------------------------------

CLOCK_TICKS=$(getconf CLK_TCK)

declare -A RPS P50 P99 CPU_US BACKEND_US UTIL ERRORS OVERHEAD_P99 MODEL_P99

per_request_us() { # TICKS REQUESTS
  awk -v t="$1" -v hz="$CLOCK_TICKS" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "-" }'
}

# histogram_bound NAME Q BEFORE AFTER: from two Prometheus expositions (files), the upper bound of the bucket that
# holds quantile Q of what histogram NAME recorded in between (its buckets are cumulative; all label sets are added
# together), in milliseconds.
histogram_bound() {
  awk -v name="${1}_bucket{" -v q="$2" '
    index($0, name) == 1 {
      match($0, /le="[^"]*"/)
      le = substr($0, RSTART + 4, RLENGTH - 5)
      count[le] += (FILENAME == ARGV[1] ? -1 : 1) * $NF
    }
    END {
      total = count["+Inf"]
      if (total <= 0) { print "-"; exit }
      best = ""
      for (le in count)
        if (le != "+Inf" && count[le] >= q * total && (best == "" || le + 0 < best + 0)) best = le
      if (best == "") print "inf"; else printf "%g", best * 1000
    }' "$3" "$4"
}

# histogram_mean NAME MATCH BEFORE AFTER: the mean, in microseconds, of what histogram NAME recorded in between in
# the label sets whose line contains MATCH (its _sum over its _count), or "-" when it recorded nothing.
histogram_mean() {
  awk -v sum="${1}_sum{" -v count="${1}_count{" -v match_="$2" '
    index($0, match_) == 0 { next }
    index($0, sum) == 1 { s += (FILENAME == ARGV[1] ? -1 : 1) * $NF }
    index($0, count) == 1 { n += (FILENAME == ARGV[1] ? -1 : 1) * $NF }
    END { if (n > 0) printf "%.1f", s / n * 1e6; else print "-" }' "$3" "$4"
}

# run_wrk LABEL URL DURATION RATE [PID...]: one wrk run on the load core; records its figures under LABEL, the
# CPU time of the PIDs (the server under test) per request, and the backend's. RATE 0 means as fast as possible.
run_wrk() {
  local label=$1 url=$2 duration=$3 rate=$4
  shift 4
  local before after backend_before backend_after output line
  before=$(cpu_ticks "$@")
  backend_before=$(cpu_ticks "$BACKEND_PID")
  output=$(BENCH_RATE=$rate BENCH_BODY=${SCENARIO_BODY:-1,2,3} BENCH_HEADERS=${SCENARIO_HEADERS:-} \
    BENCH_IDS=${SCENARIO_IDS:-0} BENCH_TEMPLATE=${SCENARIO_TEMPLATE:-} taskset -c "$LOAD_CORE" \
    wrk -t1 -c"$CONNECTIONS" -d"$duration" --timeout 5s -s "$bench_dir/wrk.lua" "$url" 2>&1) || {
    echo "error: wrk failed: $output" >&2
    exit 1
  }
  after=$(cpu_ticks "$@")
  backend_after=$(cpu_ticks "$BACKEND_PID")
  line=$(grep '^BENCH_RESULT' <<<"$output") || { echo "error: no result from wrk: $output" >&2; exit 1; }
  local requests seconds rps p50 p99 http_errors socket_errors
  eval "$(sed 's/^BENCH_RESULT //; s/\([a-z0-9_]*\)=\([^ ]*\)/local_\1=\2/g' <<<"$line")"
  requests=$local_requests seconds=$local_duration_s rps=$local_rps p50=$local_p50_us p99=$local_p99_us
  http_errors=$local_http_errors socket_errors=$local_socket_errors
  RPS[$label]=$rps
  P50[$label]=$p50
  P99[$label]=$p99
  ERRORS[$label]=$((http_errors + socket_errors))
  CPU_US[$label]=$(per_request_us $((after - before)) "$requests")
  BACKEND_US[$label]=$(per_request_us $((backend_after - backend_before)) "$requests")
  UTIL[$label]=$(awk -v t=$((after - before)) -v hz="$CLOCK_TICKS" -v s="$seconds" \
    'BEGIN { printf "%.0f", t / hz / s * 100 }')
  printf '    %-44s %10.0f req/s  p50 %6.2f ms  p99 %6.2f ms  server CPU %6s us/req (%s%% of a core)%s\n' \
    "$label" "$rps" "$(ms "$p50")" "$(ms "$p99")" "${CPU_US[$label]}" "${UTIL[$label]}" \
    "$( ((http_errors + socket_errors == 0)) || echo "  ERRORS: $http_errors http, $socket_errors socket")"
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
half() { awk -v r="$1" 'BEGIN { printf "%d", r / 2 }'; }

# median_rounds LABEL: each figure's median over the half-load rounds "LABEL #1" … "LABEL #N", recorded under LABEL.
median_rounds() {
  local label=$1 name round values
  for name in RPS P50 P99 CPU_US BACKEND_US; do
    local -n figures=$name
    values=()
    for round in $(seq 1 "$HALF_ROUNDS"); do values+=("${figures["$label #$round"]}"); done
    figures[$label]=$(printf '%s\n' "${values[@]}" | sort -g | sed -n "$(((HALF_ROUNDS + 1) / 2))p")
    unset -n figures
  done
}

# rounds_within LABEL BASE: "k/N", the half-load rounds in which LABEL's p99 was at most 1 ms above BASE's (the
# issue's target for the added p99), so that the table shows how often it is met, not only the median.
rounds_within() {
  local round within=0
  for round in $(seq 1 "$HALF_ROUNDS"); do
    ((${P99["$1 #$round"]} - ${P99["$2 #$round"]} <= 1000)) && within=$((within + 1))
  done
  echo "$within/$HALF_ROUNDS"
}

# measure LABEL URL PID...: warm-up, saturation, then HALF_ROUNDS rounds at a fixed rate of half of it, each
# followed by the direct backend at the same rate (the baseline of the added latency) and, for a gateway (when
# METRICS_URL is set), nginx at the same rate, so that both proxies' added latency is compared under the same load.
# The rounds alternate the targets so that the machine's drift touches all of them; the medians are reported. A
# gateway's overhead and model latency histograms are read around its rounds.
measure() {
  local label=$1 url=$2
  shift 2
  echo "==> $label"
  run_wrk "$label warm-up" "$url" "$WARMUP" 0 "$@" >/dev/null
  run_wrk "$label" "$url" "$DURATION" 0 "$@"
  local rate round
  rate=$(half "${RPS[$label]}")
  HALF_RATE[$label]=$rate
  [[ -n "${METRICS_URL:-}" ]] && curl -fsS -o "$WORK_DIR/metrics.before" "$METRICS_URL"
  for round in $(seq 1 "$HALF_ROUNDS"); do
    run_wrk "$label @half #$round" "$url" "$HALF_DURATION" "$rate" "$@"
    if [[ "$label" != direct ]]; then
      SCENARIO_BODY="" SCENARIO_HEADERS="" SCENARIO_IDS="" \
        run_wrk "direct @$rate #$round" "$DIRECT_URL" "$HALF_DURATION" "$rate" "$BACKEND_PID"
    fi
    if [[ -n "${METRICS_URL:-}" ]]; then
      SCENARIO_BODY="" SCENARIO_HEADERS="" SCENARIO_IDS="" \
        run_wrk "nginx @$rate #$round" "$NGINX_URL" "$HALF_DURATION" "$rate" "${NGINX_PIDS[@]}"
    fi
  done
  median_rounds "$label @half"
  if [[ "$label" != direct ]]; then
    median_rounds "direct @$rate"
    WITHIN[$label]=$(rounds_within "$label @half" "direct @$rate")
    [[ -n "${METRICS_URL:-}" ]] && NGINX_WITHIN[$label]=$(rounds_within "nginx @$rate" "direct @$rate")
  fi
  if [[ -n "${METRICS_URL:-}" ]]; then
    # Only the gateway's rounds record into its histograms (the direct and nginx runs bypass it).
    curl -fsS -o "$WORK_DIR/metrics.after" "$METRICS_URL"
    median_rounds "nginx @$rate"
    OVERHEAD_P99[$label]=$(histogram_bound mlgateway_overhead_latency_seconds 0.99 "$WORK_DIR"/metrics.{before,after})
    MODEL_P99[$label]=$(histogram_bound mlgateway_model_latency_seconds 0.99 "$WORK_DIR"/metrics.{before,after})
    RENDER_REQUEST[$label]=$(histogram_mean mlgateway_template_render_seconds 'direction="request"' \
      "$WORK_DIR"/metrics.{before,after})
    RENDER_RESPONSE[$label]=$(histogram_mean mlgateway_template_render_seconds 'direction="response"' \
      "$WORK_DIR"/metrics.{before,after})
  fi
}
declare -A HALF_RATE WITHIN NGINX_WITHIN RENDER_REQUEST RENDER_RESPONSE

# --- the run --------------------------------------------------------------------------------------------------

echo "==> bench in $WORK_DIR; wrk -t1 -c$CONNECTIONS for $DURATION (warm-up $WARMUP); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

start backend "$LOAD_CORE" "$BIN/demo-backend" --port "$BACKEND_PORT" --name bench
BACKEND_PID=$STARTED_PID
wait_for "http://127.0.0.1:$BACKEND_PORT/ping" "$BACKEND_PID" backend
DIRECT_URL="http://127.0.0.1:$BACKEND_PORT/invocations"
measure direct "$DIRECT_URL" "$BACKEND_PID"

nginx_user=""
[[ $(id -u) -eq 0 ]] && nginx_user="user root;"
sed -e "s|@DIR@|$WORK_DIR|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@BACKEND_PORT@|$BACKEND_PORT|g" \
  -e "s|@USER@|$nginx_user|" "$bench_dir/nginx.conf.template" >"$WORK_DIR/nginx.conf"
start nginx "$PROXY_CORE" nginx -p "$WORK_DIR" -e "$WORK_DIR/nginx-error.log" -c "$WORK_DIR/nginx.conf"
NGINX_PID=$STARTED_PID
wait_for "http://127.0.0.1:$NGINX_PORT/ping" "$NGINX_PID" nginx
NGINX_URL="http://127.0.0.1:$NGINX_PORT/endpoints/bench/invocations"
read -r -a NGINX_PIDS <<<"$NGINX_PID $(ps -o pid= --ppid "$NGINX_PID" | tr '\n' ' ')"
measure nginx "$NGINX_URL" "${NGINX_PIDS[@]}"

GATEWAY_LABELS=()
SKIPPED=()
selected=("${BENCH_SCENARIOS[@]}")
[[ -n "${BENCH_SCENARIOS_ONLY:-}" ]] && read -r -a selected <<<"$BENCH_SCENARIOS_ONLY"
for scenario in "${selected[@]}"; do
  title=$(scenario_"${scenario}"_title)
  dir=$WORK_DIR/$scenario
  mkdir -p "$dir"
  SCENARIO_BODY="" SCENARIO_HEADERS="" SCENARIO_IDS=""
  scenario_"${scenario}"_config "$dir"
  if ! check=$("$BIN/mlgateway" serve --check --config "$dir/gateway.conf" 2>&1); then
    SKIPPED+=("gateway $title: skipped, the gateway does not accept its config yet ($(head -1 <<<"$check"))")
    echo "==> ${SKIPPED[-1]}"
    continue
  fi
  if declare -F "scenario_${scenario}_prepare" >/dev/null && ! "scenario_${scenario}_prepare" "$dir" \
    >>"$dir/prepare.log" 2>&1; then
    SKIPPED+=("gateway $title: skipped, its preparation failed ($(grep -m1 -i error "$dir/prepare.log" || grep -v '^$' "$dir/prepare.log" | tail -1))")
    echo "==> ${SKIPPED[-1]}"
    continue
  fi
  start "gateway-$scenario" "$PROXY_CORE" "$BIN/mlgateway" serve --config "$dir/gateway.conf"
  gateway_pid=$STARTED_PID
  wait_for "http://127.0.0.1:$GATEWAY_PORT/readyz" "$gateway_pid" "gateway-$scenario"
  label="gateway $title"
  METRICS_URL="http://127.0.0.1:$ADMIN_PORT/metrics" \
    measure "$label" "http://127.0.0.1:$GATEWAY_PORT/endpoints/bench/invocations" "$gateway_pid"
  GATEWAY_LABELS+=("$label")
  stop "$gateway_pid"
done

# Feast's own feature server (one worker, as documented for it) on the proxy core, over the repository and Redis
# the Feast scenarios read: CPU per lookup of the same users, for the ratio to the gateway's CPU per enriched request.
FEAST_LABELS=()
if [[ -n "${FEAST_REPO:-}" ]]; then
  feast_port=$(free_port)
  start feast-server "$PROXY_CORE" env -C "$FEAST_REPO" "$repo/.venv-feast/bin/feast" serve -h 127.0.0.1 \
    -p "$feast_port" --workers 1 --no-access-log --max-requests 100000000
  feast_pid=$STARTED_PID
  wait_for "http://127.0.0.1:$feast_port/health" "$feast_pid" feast-server
  read -r -a feast_pids <<<"$feast_pid $(pgrep -P "$feast_pid" | tr '\n' ' ')"
  for ids in "$BENCH_HOT_ENTITIES" "$BENCH_FEAST_ENTITIES"; do
    label="feast feature server, users 1..$ids"
    SCENARIO_IDS=$ids SCENARIO_HEADERS="Content-Type: application/json"
    SCENARIO_TEMPLATE='{"features":["user:age","user:avg_spend","user:visits"],"entities":{"user_id":[{id}]}}'
    echo "==> $label"
    run_wrk "$label warm-up" "http://127.0.0.1:$feast_port/get-online-features" "$WARMUP" 0 "${feast_pids[@]}" \
      >/dev/null
    run_wrk "$label" "http://127.0.0.1:$feast_port/get-online-features" "$DURATION" 0 "${feast_pids[@]}"
    FEAST_LABELS+=("$label")
    SCENARIO_IDS="" SCENARIO_HEADERS="" SCENARIO_TEMPLATE=""
  done
  stop "$feast_pid"
fi

# --- report ---------------------------------------------------------------------------------------------------

echo
echo "Results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc --all) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg))"
echo "wrk -t1 -c$CONNECTIONS, $DURATION per saturation run, half load: median of $HALF_ROUNDS rounds of $HALF_DURATION;"
echo "wrk and backend on core $LOAD_CORE, proxy alone on core $PROXY_CORE."
echo "server CPU = CPU time of the server under test per request (the backend for direct, else the proxy)."
echo
echo "Saturation (closed loop)"
printf '  %-34s %10s %9s %9s %12s %8s\n' target "req/s" "p50 ms" "p99 ms" "CPU us/req" "core %"
for label in direct nginx "${GATEWAY_LABELS[@]}"; do
  printf '  %-34s %10.0f %9s %9s %12s %8s\n' "$label" "${RPS[$label]}" "$(ms "${P50[$label]}")" \
    "$(ms "${P99[$label]}")" "${CPU_US[$label]}" "${UTIL[$label]}"
done
echo
echo "Half load (fixed rate = half of the target's own saturation; added = target - direct at the same rate;"
echo "nginx p99 = nginx's added p99 at that same rate; backend = the demo backend's CPU per request, which shares"
echo "core $LOAD_CORE with wrk; <= 1 ms = rounds whose added p99 was at most 1 ms, the target's and nginx's at its rate)"
printf '  %-34s %9s %10s %9s %9s %11s %11s %11s %9s %9s\n' target "rate" "achieved" "p50 ms" "p99 ms" "added p50" \
  "added p99" "nginx p99" "backend" "<= 1 ms"
for label in direct nginx "${GATEWAY_LABELS[@]}"; do
  rate=${HALF_RATE[$label]}
  added50=-
  added99=-
  nginx99=-
  if [[ "$label" != direct ]]; then
    target50=${P50["$label @half"]} target99=${P99["$label @half"]}
    base50=${P50["direct @$rate"]} base99=${P99["direct @$rate"]}
    added50=$(ms $((target50 - base50)))
    added99=$(ms $((target99 - base99)))
  fi
  [[ -n "${P99["nginx @$rate"]:-}" ]] && nginx99=$(ms $((${P99["nginx @$rate"]} - ${P99["direct @$rate"]})))
  within=${WITHIN[$label]:--}
  [[ -n "${NGINX_WITHIN[$label]:-}" ]] && within+=" (${NGINX_WITHIN[$label]})"
  printf '  %-34s %9s %10.0f %9s %9s %11s %11s %11s %9s %9s\n' "$label" "$rate" "${RPS["$label @half"]}" \
    "$(ms "${P50["$label @half"]}")" "$(ms "${P99["$label @half"]}")" "$added50" "$added99" "$nginx99" \
    "${BACKEND_US["$label @half"]}" "$within"
done
echo
echo "Half load as the gateway measured it (its histograms; p99 is the upper bound of the bucket that holds it):"
echo "overhead = from the request's arrival in the pipeline to its answer, without the backend call"
echo "render = mean time of one template render (request, response), where the scenario has templates"
printf '  %-34s %16s %19s %19s\n' target "overhead p99 ms" "model latency p99 ms" "render us req/resp"
for label in "${GATEWAY_LABELS[@]}"; do
  printf '  %-34s %16s %19s %19s\n' "$label" "<= ${OVERHEAD_P99[$label]:--}" "<= ${MODEL_P99[$label]:--}" \
    "${RENDER_REQUEST[$label]:--} / ${RENDER_RESPONSE[$label]:--}"
done
echo
echo "Ratios"
pass="gateway $(scenario_pass_through_title)"
for label in "${GATEWAY_LABELS[@]}"; do
  awk -v l="$label" -v g="${RPS[$label]}" -v n="${RPS[nginx]}" -v gc="${CPU_US[$label]}" -v nc="${CPU_US[nginx]}" \
    'BEGIN { printf "  %-34s throughput %.2fx nginx, CPU per request %.2fx nginx\n", l, g / n, gc / nc }'
  if [[ "$label" != "$pass" && -n "${RPS[$pass]:-}" ]]; then
    awk -v l="$label" -v g="${RPS[$label]}" -v p="${RPS[$pass]}" \
      'BEGIN { printf "  %-34s throughput %.2fx pass-through\n", l, g / p }'
  fi
done
if ((${#FEAST_LABELS[@]})); then
  echo
  echo "Feast: gateway CPU per enriched request (the whole proxy hop) against Feast's feature server's CPU per lookup"
  echo "(one worker, the same users and Redis; targets: >= 50x less for cached lookups, >= 10x for uncached ones)"
  for label in "${FEAST_LABELS[@]}"; do
    printf '  %-44s %8.0f lookups/s %10s us/lookup (%s%% of a core)\n' "$label" "${RPS[$label]}" "${CPU_US[$label]}" \
      "${UTIL[$label]}"
  done
  echo "  (enrichment's own = the enriched request's CPU less pass-through's, when both ran: what the lookup costs)"
  for pair in "feast_hot:0" "feast_miss:1"; do
    gateway_label="gateway $(scenario_"${pair%%:*}"_title)"
    feast_label=${FEAST_LABELS[${pair##*:}]}
    [[ -n "${CPU_US[$gateway_label]:-}" ]] || continue
    awk -v l="$gateway_label" -v g="${CPU_US[$gateway_label]}" -v f="${CPU_US[$feast_label]}" \
      -v p="${CPU_US[$pass]:-}" 'BEGIN {
        printf "  %-44s %8s us/request: %.1fx less CPU than the feature server per lookup", l, g, f / g
        if (p != "" && g > p) printf "; enrichment'"'"'s own %.1f us: %.0fx less", g - p, f / (g - p)
        printf "\n"
      }'
  done
fi
if ((${UTIL[nginx]} < 80)); then
  echo "  note: nginx used ${UTIL[nginx]}% of its core, so core $LOAD_CORE (wrk + backend) limited it, not its own core:"
  echo "        the throughput ratio flatters the gateway; CPU per request compares the proxies per core."
fi
for note in "${SKIPPED[@]}"; do echo "  $note"; done
for label in "${!ERRORS[@]}"; do
  ((ERRORS[$label] == 0)) || echo "  warning: $label had ${ERRORS[$label]} failed requests"
done
