#!/usr/bin/env bash
# Runs the Swift tests under AddressSanitizer and ThreadSanitizer (issue 23), each in its own build directory so
# that neither disturbs the normal build. The process tests start the gateway and demo backends of the same build,
# so they run instrumented too.
#   scripts/sanitize.sh                 both sanitizers, every Swift test
#   scripts/sanitize.sh address         one sanitizer (address or thread)
#   scripts/sanitize.sh thread --filter ClientConnection    extra arguments go to `swift test`
# AddressSanitizer stops a process at its first report, which fails the run. ThreadSanitizer reports go to
# var/sanitize/thread/ (every process's) and are summarized by scripts/sanitize/tsan-reports.py: on Linux TSan cannot
# see the synchronization of Swift's Synchronization.Mutex, so it reports accesses made under one Mutex from two
# threads; those are listed as such, and any other report fails the run.
# The first run of each builds every dependency with the sanitizer: about 20 minutes per sanitizer on 2 cores, and
# the tests run several times slower than without one (tests that wait on real time may time out).
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
  reports="var/sanitize/$sanitizer"
  rm -rf "$reports"
  mkdir -p "$reports"
  clean=1
  if ! { swift build --build-tests "${build[@]}" 2>&1 | grep -v "Cannot export local symbol" | tee "$log" \
    && MLGATEWAY_BIN_DIR="$(swift build "${build[@]}" --show-bin-path)" \
      ASAN_OPTIONS="detect_leaks=0:halt_on_error=1" \
      TSAN_OPTIONS="halt_on_error=0:exitcode=0:second_deadlock_stack=1:log_path=$PWD/$reports/report" \
      swift test --skip-build "${build[@]}" "$@" 2>&1 | tee -a "$log"; }; then
    echo "==> $sanitizer: tests FAILED (see $log)"
    clean=0
  fi
  if [[ "$sanitizer" == thread ]]; then
    shopt -s nullglob
    files=("$reports"/report.*)
    shopt -u nullglob
    echo "==> ThreadSanitizer reports (${#files[@]} processes reported)"
    if ((${#files[@]})) && ! scripts/sanitize/tsan-reports.py "${files[@]}"; then clean=0; fi
  fi
  if ((clean)); then echo "==> $sanitizer: clean"; else status=1; fi
done
exit $status
