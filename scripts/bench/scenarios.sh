# Gateway scenarios of scripts/bench.sh (sourced by it; not run on its own).
#
# A scenario is one gateway configuration measured against the same demo backend. To add one:
#   1. append its name to BENCH_SCENARIOS;
#   2. define `scenario_<name>_title` (echoes a short label for the table);
#   3. define `scenario_<name>_config DIR`: writes DIR/gateway.conf (and any file it names) — use
#      `gateway_server_toml`, `gateway_endpoint_toml` and `gateway_variant_toml` so that every scenario shares the
#      same server, endpoint and backend settings;
#   4. optionally define `scenario_<name>_prepare DIR`: runs after `mlgateway serve --check` accepted the config
#      and before the gateway starts (start Redis, load features, create keys), and sets the wrk request through
#      SCENARIO_HEADERS ("Name: value|Name: value"), SCENARIO_BODY and SCENARIO_IDS (see wrk.lua).
# A scenario whose config `mlgateway serve --check` rejects (its feature is not in the gateway yet) or whose
# prepare step fails is skipped with a printed note; the others still run.
#
# Variables provided by bench.sh: repo (the repository root), BIN (build products), BACKEND_PORT, GATEWAY_PORT,
# ADMIN_PORT, WORK_DIR.

BENCH_SCENARIOS=(pass_through full_path auth_template json_templates enrich_hot enrich_miss feast_hot feast_miss capture
  tracing_1pct limits_memory limits_redis drift_live)

# scenario_ready NAME DIR: writes scenario NAME's gateway.conf into DIR and runs its prepare step (output in
# DIR/prepare.log), exiting with the log's tail when that fails. For the scripts that measure one scenario
# (profile.sh, compare.sh); bench.sh skips a failing scenario instead.
scenario_ready() {
  local name=$1 dir=$2
  mkdir -p "$dir"
  SCENARIO_BODY="" SCENARIO_HEADERS="" SCENARIO_IDS=""
  "scenario_${name}_config" "$dir"
  if declare -F "scenario_${name}_prepare" >/dev/null; then
    "scenario_${name}_prepare" "$dir" >"$dir/prepare.log" 2>&1 \
      || { echo "error: preparing $name failed: $(tail -3 "$dir/prepare.log")" >&2; exit 1; }
  fi
}

# Entities loaded into Redis for the enrichment scenarios, and how many of them the requests use.
BENCH_HOT_ENTITIES=${BENCH_HOT_ENTITIES:-1000}
BENCH_COLD_ENTITIES=${BENCH_COLD_ENTITIES:-200000}

gateway_server_toml() {
  cat <<EOF
[server]
listen = "127.0.0.1:$GATEWAY_PORT"
admin_listen = "127.0.0.1:$ADMIN_PORT"
state_dir = "var"
log_level = "warning"

EOF
}

# Starts the endpoint table; extra lines (endpoint keys such as auth) are passed as arguments.
gateway_endpoint_toml() {
  echo '[[endpoint]]'
  echo 'name = "bench"'
  local line
  for line in "$@"; do echo "$line"; done
  echo
}

gateway_variant_toml() {
  cat <<EOF
[[endpoint.variant]]
name = "AllTraffic"
weight = 1.0
backends = ["http://127.0.0.1:$BACKEND_PORT"]

EOF
}

# --- pass-through: no auth, no template, no enrichment, no capture -------------------------------------------

scenario_pass_through_title() { echo "pass-through"; }

scenario_pass_through_config() {
  { gateway_server_toml; gateway_endpoint_toml; gateway_variant_toml; } >"$1/gateway.conf"
}

# --- the full path: API key, cached enrichment, request and response templates, capture at 100% (issue 18) -----

scenario_full_path_title() { echo "full path"; }

scenario_full_path_config() {
  local dir=$1
  {
    gateway_server_toml
    enrichment_store_toml "$dir" 100000
    gateway_endpoint_toml 'auth = "api_key"' 'stage_variables = { model = "bench" }'
    gateway_variant_toml
    enrichment_rule_toml
    full_path_templates_toml "$dir"
    capture_toml
  } >"$dir/gateway.conf"
}

# The full path's templates: the CSV body passed through on the way in (request.vtl, written into DIR, $1), the
# repository's csv-to-json.vtl on the way out. Also used by scripts/soak.sh.
full_path_templates_toml() {
  printf '%s' '$input.body' >"$1/request.vtl"
  cat <<EOF
[[endpoint.request_template]]
content_type = "text/csv"
file = "request.vtl"

[[endpoint.response_template]]
content_type = "application/json"
file = "$repo/templates/csv-to-json.vtl"

EOF
}

scenario_full_path_prepare() {
  enrichment_prepare "$1" "$BENCH_HOT_ENTITIES" || return 1
  scenario_auth_template_prepare "$1" || return 1
  SCENARIO_HEADERS="$SCENARIO_HEADERS|Accept: application/json"
}

# --- API key auth + a request mapping template (issues 4 and 5) ----------------------------------------------

scenario_auth_template_title() { echo "api key + template"; }

scenario_auth_template_config() {
  local dir=$1
  # A typical small CSV template: passes the body through, as many API Gateway templates do.
  printf '%s' '$input.body' >"$dir/request.vtl"
  {
    gateway_server_toml
    gateway_endpoint_toml 'auth = "api_key"'
    gateway_variant_toml
    cat <<EOF
[[endpoint.request_template]]
content_type = "text/csv"
file = "request.vtl"
EOF
  } >"$dir/gateway.conf"
}

scenario_auth_template_prepare() {
  local dir=$1 created key
  created=$("$BIN/mlgateway" keys create --config "$dir/gateway.conf" --name bench --endpoints bench --output json) \
    || return 1
  key=$(python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["apiKey"])' <<<"$created") || return 1
  SCENARIO_HEADERS="x-api-key: $key"
}

# --- an API key with a rate limit and a quota, counted in memory or in Redis (issue 19) ------------------------
# The limits are far above what the run sends, so every request is counted and none refused: the difference
# between the two is the cost of one EVALSHA per request.

limits_config() {
  local dir=$1 store=$2
  {
    gateway_server_toml
    if [[ "$store" == redis ]]; then
      printf '[rate_limit]\nredis = "redis://127.0.0.1:%s/0"\n\n' "$REDIS_PORT"
    fi
    gateway_endpoint_toml 'auth = "api_key"'
    gateway_variant_toml
  } >"$dir/gateway.conf"
}

limits_prepare() {
  local dir=$1 created key
  created=$("$BIN/mlgateway" keys create --config "$dir/gateway.conf" --name bench --endpoints bench \
    --rate 1000000/s --quota 1000000000/day --output json) || return 1
  key=$(python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["apiKey"])' <<<"$created") || return 1
  SCENARIO_HEADERS="x-api-key: $key"
}

scenario_limits_memory_title() { echo "api key, limits in memory"; }
scenario_limits_memory_config() { limits_config "$1" memory; }
scenario_limits_memory_prepare() { limits_prepare "$1"; }

scenario_limits_redis_title() { echo "api key, limits in Redis"; }
scenario_limits_redis_config() { limits_config "$1" redis; }
scenario_limits_redis_prepare() {
  start_redis || return 1
  limits_prepare "$1"
}

# --- JSON in, CSV to the model, JSON out: the repository's example templates (issue 5) -------------------------

scenario_json_templates_title() { echo "json <-> csv templates"; }

scenario_json_templates_config() {
  {
    gateway_server_toml
    gateway_endpoint_toml 'stage_variables = { model = "bench" }'
    cat <<EOF
[[endpoint.request_template]]
content_type = "application/json"
file = "$repo/templates/json-to-csv.vtl"
output_content_type = "text/csv"

[[endpoint.response_template]]
content_type = "application/json"
file = "$repo/templates/csv-to-json.vtl"

EOF
    gateway_variant_toml
  } >"$1/gateway.conf"
}

scenario_json_templates_prepare() {
  SCENARIO_BODY='{"instances": [[1, 2, 3], [4, 5, 6]]}'
  SCENARIO_HEADERS="Content-Type: application/json|Accept: application/json"
}

# --- feature enrichment from Redis (issue 6) -------------------------------------------------------------------

# Writes the config of an enrichment scenario; $2 is the cache size (small = most reads miss the cache).
enrichment_config() {
  local dir=$1 cache_entries=$2
  {
    gateway_server_toml
    enrichment_store_toml "$dir" "$cache_entries"
    gateway_endpoint_toml
    gateway_variant_toml
    enrichment_rule_toml
  } >"$dir/gateway.conf"
}

# The feature store and its view `user`, whose warm-up list it writes into DIR ($1); $2 is the cache size.
enrichment_store_toml() {
  local dir=$1 cache_entries=$2
  seq 1 "$BENCH_HOT_ENTITIES" >"$dir/hot_users.txt"
  cat <<EOF
[feature_store]
redis = "redis://127.0.0.1:$REDIS_PORT/0"
key_prefix = "mlgw"
cache_entries = $cache_entries
on_error = "fail"

[[feature_view]]
name = "user"
features = ["age", "avg_spend"]
cache_ttl = "10m"
max_age = "1d"
warmup = { keys_file = "hot_users.txt", deadline = "60s" }

EOF
}

# The endpoint's rule: the user id is the first CSV column.
enrichment_rule_toml() {
  cat <<EOF
[[endpoint.enrich]]
view = "user"
key = "csv:0"

EOF
}

# Loads $2 users into Redis through the gateway's loader and makes wrk pick ids among them.
enrichment_prepare() {
  local dir=$1 entities=$2
  start_redis || return 1
  awk -v n="$entities" 'BEGIN {
    print "user_id,age,avg_spend"
    for (i = 1; i <= n; i++) printf "%d,%d,%.2f\n", i, 18 + i % 60, (i % 1000) / 10
  }' >"$dir/users.csv"
  "$BIN/mlgateway" features load --config "$dir/gateway.conf" --view user --entity-column user_id "$dir/users.csv" \
    || return 1
  SCENARIO_IDS=$entities
}

scenario_enrich_hot_title() { echo "enrichment, cache hot"; }
scenario_enrich_hot_config() { enrichment_config "$1" 100000; }
scenario_enrich_hot_prepare() { enrichment_prepare "$1" "$BENCH_HOT_ENTITIES"; }

scenario_enrich_miss_title() { echo "enrichment, cache misses"; }
scenario_enrich_miss_config() { enrichment_config "$1" 1000; }
scenario_enrich_miss_prepare() { enrichment_prepare "$1" "$BENCH_COLD_ENTITIES"; }

# --- features from a Feast online store in Redis (issue 22) ----------------------------------------------------

# Users materialized by Feast (the cache-miss scenario picks among all of them, the hot one among the first
# BENCH_HOT_ENTITIES); the repository, built once per run by the first Feast scenario, is FEAST_REPO, which
# bench.sh then serves with Feast's own feature server for the comparison.
BENCH_FEAST_ENTITIES=${BENCH_FEAST_ENTITIES:-50000}
FEAST_REPO=""

# Writes the config of a Feast scenario into DIR ($1); $2 is the cache size. The view is declared in full (not
# read from the repository's registry) because the repository is built by the prepare step, after `serve --check`.
feast_config() {
  local dir=$1 cache_entries=$2
  seq 1 "$BENCH_HOT_ENTITIES" >"$dir/hot_users.txt"
  {
    gateway_server_toml
    cat <<EOF
[feature_store]
redis = "redis://127.0.0.1:$REDIS_PORT/0"
layout = "feast"
project = "bench"
cache_entries = $cache_entries
on_error = "fail"

[[feature_view]]
name = "user"
features = ["age", "avg_spend", "visits"]
join_keys = ["user_id"]
join_key_types = { user_id = "int64" }
cache_ttl = "10m"
warmup = { keys_file = "hot_users.txt", deadline = "60s" }

EOF
    gateway_endpoint_toml
    gateway_variant_toml
    enrichment_rule_toml
  } >"$dir/gateway.conf"
}

# Materializes the users with Feast into Redis (once per run) and makes wrk pick ids among the first $2.
feast_prepare() {
  start_redis || return 1
  if [[ -z "$FEAST_REPO" ]]; then
    [[ -x "$repo/.venv-feast/bin/python" ]] || { echo "error: Feast is not installed (.venv-feast)"; return 1; }
    "$repo/.venv-feast/bin/python" "$bench_dir/feast-repo.py" "$WORK_DIR/feast_repo" "$REDIS_PORT" \
      "$BENCH_FEAST_ENTITIES" || return 1
    FEAST_REPO=$WORK_DIR/feast_repo
  fi
  SCENARIO_IDS=$2
}

scenario_feast_hot_title() { echo "feast enrichment, cache hot"; }
scenario_feast_hot_config() { feast_config "$1" 100000; }
scenario_feast_hot_prepare() { feast_prepare "$1" "$BENCH_HOT_ENTITIES"; }

scenario_feast_miss_title() { echo "feast enrichment, cache misses"; }
scenario_feast_miss_config() { feast_config "$1" 1000; }
scenario_feast_miss_prepare() { feast_prepare "$1" "$BENCH_FEAST_ENTITIES"; }

# --- data capture at 100% sampling (issue 7) -------------------------------------------------------------------

scenario_capture_title() { echo "data capture 100%"; }

scenario_capture_config() {
  {
    gateway_server_toml
    gateway_endpoint_toml
    gateway_variant_toml
    capture_toml
  } >"$1/gateway.conf"
}

# The endpoint's data capture: every request and answer.
capture_toml() {
  cat <<EOF
[endpoint.capture]
enabled = true
sampling_percentage = 100
destination = "capture"
capture = ["input", "output"]
csv_content_types = ["text/csv"]
EOF
}

# --- tracing at a 1% sample ratio (issue 21): pass-through with [tracing]; the spans go to OTLP/HTTP at the demo
# backend, which refuses them (404): the export's failure is logged once per batch, the cost measured is the gateway's
# per request. --------------------------------------------------------------------------------------------------

scenario_tracing_1pct_title() { echo "tracing, 1% sampled"; }

scenario_tracing_1pct_config() {
  {
    gateway_server_toml
    cat <<TOML
[tracing]
otlp_endpoint = "http://127.0.0.1:$BACKEND_PORT"
sample_ratio = 0.01

TOML
    gateway_endpoint_toml
    gateway_variant_toml
  } >"$1/gateway.conf"
}

# --- Live drift (issue 20): every request's input queued for its variant's window ------------------------------

scenario_drift_live_title() { echo "live drift"; }

scenario_drift_live_config() {
  local dir=$1
  {
    gateway_server_toml
    gateway_endpoint_toml
    printf '[endpoint.drift]\nbaseline = "%s/baseline"\nwindow = "1h"\n\n' "$dir"
    gateway_variant_toml
  } >"$dir/gateway.conf"
}

scenario_drift_live_prepare() {
  local dir=$1
  python3 -c 'import random; print("a,b,c"); [print(f"{random.gauss(1,1):.3f},{random.gauss(2,1):.3f},{random.gauss(3,1):.3f}") for _ in range(2000)]' \
    >"$dir/train.csv" || return 1
  "$BIN/mlgateway" monitor baseline --dataset "$dir/train.csv" --output "$dir/baseline" >/dev/null
}
