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
  # halt_on_error makes the first report fail the test process; TSan's suppressions cover nothing by default.
  if ASAN_OPTIONS="detect_leaks=0:halt_on_error=1" TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
    swift test --sanitize="$sanitizer" --scratch-path ".build-$sanitizer" "$@" 2>&1 | tee "$log"; then
    echo "==> $sanitizer: clean"
  else
    echo "==> $sanitizer: FAILED (see $log)"
    status=1
  fi
done
exit $status
