#!/usr/bin/env bash
# Runs the whole test suite: Swift unit and integration tests (real redis-server, demo backends and gateway
# processes on free loopback ports), the Python client tests (boto3, scipy), then a short fuzzing run of every fuzz
# target (MLGATEWAY_FUZZ_SECONDS each, 10 by default; scripts/fuzz.sh runs longer ones).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --tests

echo "==> swift format lint (the checked-in .swift-format)"
swift format lint --strict --recursive --parallel Sources Tests Package.swift

echo "==> swift build (debug)"
swift build --build-tests
export MLGATEWAY_BIN_DIR="$(swift build --show-bin-path)"

echo "==> swift test"
swift test --skip-build

echo "==> python client tests"
python3 -m pytest -q Tests/python

echo "==> fuzzing (scripts/fuzz.sh, ${MLGATEWAY_FUZZ_SECONDS:-10} s per target)"
scripts/fuzz.sh "${MLGATEWAY_FUZZ_SECONDS:-10}"
