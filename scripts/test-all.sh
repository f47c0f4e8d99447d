#!/usr/bin/env bash
# Every test, from a fresh machine: installs what is missing, runs the unit tests, starts
# the local control plane, runs the integration tests against it, and stops it again.
# Prints each phase's time and one closing line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

phase() { printf '\n[test-all] == %s\n' "$*" >&2; }
passed=0 failed=0 pending=0 status=0
started=$SECONDS

# Sum mocha's summary lines ("N passing", "N failing", "N pending") into the totals.
count() {
    local log=$1
    passed=$((passed + $(awk '/^ +[0-9]+ passing/ {n += $1} END {print n + 0}' "$log")))
    failed=$((failed + $(awk '/^ +[0-9]+ failing/ {n += $1} END {print n + 0}' "$log")))
    pending=$((pending + $(awk '/^ +[0-9]+ pending/ {n += $1} END {print n + 0}' "$log")))
}

run_suite() {
    local name=$1; shift
    local log start=$SECONDS
    log=$(mktemp)
    phase "$name"
    "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    count "$log"
    if [ "$rc" -ne 0 ]; then
        status=1
        # A suite that crashed before reporting still counts as a failure.
        grep -Eq '^ +[0-9]+ (passing|failing)' "$log" || failed=$((failed + 1))
    fi
    rm -f "$log"
    printf '[test-all] %s: %ss (exit %s)\n' "$name" "$((SECONDS - start))" "$rc" >&2
}

phase "setup"
start=$SECONDS
if ! bash scripts/setup.sh; then
    echo "[test-all] setup failed" >&2
    echo "tests: 0 passed, 1 failed"
    exit 1
fi
printf '[test-all] setup: %ss\n' "$((SECONDS - start))" >&2
eval "$(scripts/toolchain.sh env)"

run_suite "type check" npx tsc --noEmit -p .
run_suite "unit tests" npx mocha 'tests/unit/**/*.test.ts'

phase "local control plane"
start=$SECONDS
if bash scripts/local-cluster.sh start; then
    printf '[test-all] local control plane: %ss\n' "$((SECONDS - start))" >&2
    eval "$(scripts/local-cluster.sh env)"
    run_suite "integration tests" npx mocha --timeout 900000 'tests/integration/**/*.test.ts'
else
    status=1 failed=$((failed + 1))
    echo "[test-all] the local control plane did not start" >&2
fi
[ "${ARKOUDA_KEEP_CLUSTER:-0}" = 1 ] || bash scripts/local-cluster.sh stop >/dev/null 2>&1 || true

printf '[test-all] total: %ss\n' "$((SECONDS - started))" >&2
if [ "$pending" -gt 0 ]; then
    echo "tests: $passed passed, $failed failed, $pending skipped"
else
    echo "tests: $passed passed, $failed failed"
fi
exit "$status"
