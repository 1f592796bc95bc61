#!/usr/bin/env bash
# Called by scripts/demo.sh before the gateway starts: loads the demo's online features into Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"
"$bin/mlgateway" features load --config gateway.conf --view user --entity-column user_id examples/features/users.csv
