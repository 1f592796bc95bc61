#!/usr/bin/env bash
# Installs what mlgateway needs to build, test and run, when it is missing:
# Debian packages (C libraries, redis-server; nginx, wrk and h2load with --bench) and Python clients (boto3 and
# tritonclient's gRPC client; with --tests also pytest, scipy, the sagemaker SDK, MLServer, tritonclient's HTTP one,
# schemathesis, kubernetes-validate for the Kubernetes manifests, moto's S3 server for async invocations' s3://
# locations, PostgreSQL for the fleet state tests, and Chromium with chromium-driver and Selenium for
# the console; with --tests or --bench, Feast in its own virtual environment .venv-feast, as its pinned dependencies
# conflict with the sagemaker SDK's and MLServer's).
#   scripts/install-deps.sh [--bench | --tests]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}

packages=(libsqlite3-dev libhiredis-dev libcurl4-openssl-dev redis-server pkg-config python3-pip curl)
if [[ "$mode" == "--bench" ]]; then packages+=(nginx-light wrk nghttp2-client); fi
# The admin console's browser test drives headless Chromium through chromium-driver (Selenium); the fleet tests run
# a PostgreSQL server (Debian's, started by the tests as the postgres user on a temporary directory).
if [[ "$mode" == "--tests" ]]; then packages+=(chromium chromium-driver postgresql); fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "==> installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# module to import = package to install. For the tests, MLServer serves a scikit-learn model for the Open Inference
# Protocol test, and the sagemaker SDK (v2, whose Predictor API the test uses) calls the gateway as a client would.
declare -A python_packages=([boto3]=boto3 [tritonclient.grpc]='tritonclient[grpc]')
if [[ "$mode" == "--tests" ]]; then
  python_packages+=(
    [pytest]=pytest [numpy]=numpy [scipy]=scipy [sklearn]=scikit-learn [mlserver]=mlserver
    [mlserver_sklearn]=mlserver-sklearn [sagemaker]='sagemaker<3' [tritonclient.http]='tritonclient[http]'
    [schemathesis]=schemathesis [selenium]=selenium [kubernetes_validate]=kubernetes-validate
    [moto.server]='moto[server]'
  )
fi
missing_python=()
for module in "${!python_packages[@]}"; do
  python3 -c "import $module" >/dev/null 2>&1 || missing_python+=("${python_packages[$module]}")
done
if ((${#missing_python[@]})); then
  echo "==> pip installing ${missing_python[*]}"
  python3 -m pip install -q "${missing_python[@]}" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "${missing_python[@]}"
fi

# Feast (its Redis online store, for the Feast layout's tests and benchmark) in .venv-feast.
feast_version=0.67.0
if [[ "$mode" == "--tests" || "$mode" == "--bench" ]]; then
  if ! .venv-feast/bin/python -c "import feast, redis, sys; sys.exit(feast.__version__ != '$feast_version')" \
    >/dev/null 2>&1; then
    echo "==> installing feast[redis]==$feast_version in .venv-feast"
    python3 -m venv .venv-feast
    .venv-feast/bin/python -m pip install -q "feast[redis]==$feast_version"
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "error: a Swift 6 toolchain is required (swift not found on PATH); see README.md" >&2
  exit 1
fi
