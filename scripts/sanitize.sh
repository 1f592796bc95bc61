#!/usr/bin/env bash
# Runs the Swift tests under AddressSanitizer and ThreadSanitizer (issue 23), each in its own build directory so
# that neither disturbs the normal build. A sanitizer report fails the run.
#   scripts/sanitize.sh                 both sanitizers, every Swift test
#   scripts/sanitize.sh address         one sanitizer (address or thread)
#   scripts/sanitize.sh thread --filter ClientConnection    extra arguments go to `swift test`
# The first run of each builds every dependency with the sanitizer: about 20 minutes per sanitizer on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=(address thread)
if [[ "${1:-}" == "address" || "${1:-}" == "thread" ]]; then
  sanitizers=("$1")
  shift
fi

status=0
for sanitizer in "${sanitizers[@]}"; do
  echo "==> swift test --sanitize=$sanitizer (scratch path .build-$sanitizer)"
  log=".build-$sanitizer.log"
  build=(--sanitize="$sanitizer" --scratch-path ".build-$sanitizer")
  # The process tests start the gateway and demo backends of the same build, so they run instrumented too.
  # halt_on_error makes the first report fail the test process; TSan's suppressions cover nothing by default.
  if swift build --build-tests "${build[@]}" 2>&1 | grep -v "Cannot export local symbol" | tee "$log" \
    && MLGATEWAY_BIN_DIR="$(swift build "${build[@]}" --show-bin-path)" \
      ASAN_OPTIONS="detect_leaks=0:halt_on_error=1" TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
      swift test --skip-build "${build[@]}" "$@" 2>&1 | tee -a "$log"; then
    echo "==> $sanitizer: clean"
  else
    echo "==> $sanitizer: FAILED (see $log)"
    status=1
  fi
done
exit $status
