#!/usr/bin/env bash
# Fuzzes the gateway's parsers of untrusted bytes with libFuzzer under AddressSanitizer (issue 23).
#   scripts/fuzz.sh                      every target for 60 s each
#   scripts/fuzz.sh 600                  every target for 600 s each
#   scripts/fuzz.sh 30 vtl http          the named targets only
# Targets (Sources/FuzzTargets): vtl, json, resp, http, sigv4, config, oip. Each starts from the inputs kept in
# Tests/FuzzInputs/<target>/ and grows a working corpus in var/fuzz/corpus/<target>/. An input that crashes a target,
# runs over 10 s or needs over 2 GB is saved to var/fuzz/findings/ and fails the run: fix the bug, then copy the
# input into Tests/FuzzInputs/<target>/ so the Swift tests replay it from then on (FuzzInputTests).
# Reproduce a finding without the fuzzing build: swift run mlgateway-fuzz <target> <file>.
# The first run builds every dependency with the fuzzer's instrumentation in .build-fuzz: 15-20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then targets=(vtl json resp http sigv4 config oip); fi

mkdir -p var/fuzz/findings
echo "==> building mlgateway-fuzz with libFuzzer and AddressSanitizer (scratch path .build-fuzz, log var/fuzz/build.log)"
build=(--scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address)
# -sanitize=fuzzer alone instruments a Swift module for coverage only when it has a single file (swift 6.3), so the
# coverage libFuzzer's -fsanitize=fuzzer asks for is named explicitly.
coverage=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table
if ! swift build "${build[@]}" --product mlgateway-fuzz -Xswiftc -DFUZZING -Xswiftc -sanitize-coverage="$coverage" \
  >var/fuzz/build.log 2>&1; then
  grep -Ev "Cannot export local symbol" var/fuzz/build.log | tail -20 >&2
  echo "==> the fuzzing build failed" >&2
  exit 1
fi
binary="$(swift build "${build[@]}" --show-bin-path)/mlgateway-fuzz"

status=0
for target in "${targets[@]}"; do
  if [[ ! -d "Tests/FuzzInputs/$target" ]]; then
    echo "==> unknown fuzz target '$target'" >&2
    exit 64
  fi
  corpus="var/fuzz/corpus/$target"
  mkdir -p "$corpus"
  log="var/fuzz/$target.log"
  echo "==> fuzzing $target for ${seconds}s"
  # Swift's own crash backtracer is off: it reads memory in a way ASan reports, hiding the real crash.
  if MLGATEWAY_FUZZ_TARGET="$target" ASAN_OPTIONS="detect_leaks=0" SWIFT_BACKTRACE="enable=no" "$binary" "$corpus" "Tests/FuzzInputs/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="var/fuzz/findings/$target-" >"$log" 2>&1; then
    runs="$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    coverage="$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)"
    echo "    $target: clean, $runs inputs, $coverage"
  else
    echo "    $target: FOUND A PROBLEM (log: $log)"
    grep -E "^==[0-9]+==ERROR|Fatal error|Test unit written to|ALARM|out-of-memory" "$log" | head -5 | sed 's/^/    /'
    status=1
  fi
done
exit $status
