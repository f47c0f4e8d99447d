#!/usr/bin/env bash
# Every test, from a fresh machine: installs what is missing, runs the unit tests, starts
# the local cluster with its node, runs the integration tests against it, then kills it hard
# and checks that a new start takes the node over and a stop leaves the host clean.
# Prints each phase's time (setup per step and per tool build, the mocha suites per test file),
# the node's component versions and one closing line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=lib.sh
source scripts/lib.sh "[test-all]"

passed=0 failed=0 pending=0 status=0
started=$SECONDS
times=()
took() { times+=("$(printf '%-22s %5ss' "$1" "$2")"); log "$1: $2s"; }

# Sum mocha's summary lines ("N passing", "N failing", "N pending") into the totals.
count() {
    local output=$1
    passed=$((passed + $(awk '/^ +[0-9]+ passing/ {n += $1} END {print n + 0}' "$output")))
    failed=$((failed + $(awk '/^ +[0-9]+ failing/ {n += $1} END {print n + 0}' "$output")))
    pending=$((pending + $(awk '/^ +[0-9]+ pending/ {n += $1} END {print n + 0}' "$output")))
}

# Counts one finished mocha run's output (exit code $2) and records its per-file times.
record() {
    local output=$1 rc=$2
    count "$output"
    if [ "$rc" -ne 0 ]; then
        status=1
        # A suite that crashed before reporting still counts as a failure.
        grep -Eq '^ +[0-9]+ (passing|failing)' "$output" || failed=$((failed + 1))
    fi
    # The per-file times the mocha reporter printed (tests/lib/suite-times.ts).
    local line file secs
    while IFS= read -r line; do
        file=${line#\[suite\] } secs=${file##*: } file=${file%: *}
        times+=("$(printf '  %-52s %7s' "$file" "$secs")")
    done < <(grep '^\[suite\] ' "$output")
}

run_suite() {
    local name=$1; shift
    local output start=$SECONDS
    output=$(mktemp)
    phase "$name"
    "$@" 2>&1 | tee "$output"
    local rc=${PIPESTATUS[0]}
    times+=("$(printf '%-22s %5ss (exit %s)' "$name" "$((SECONDS - start))" "$rc")")
    record "$output" "$rc"
    rm -f "$output"
    log "$name: $((SECONDS - start))s (exit $rc)"
}

# Runs jobs side by side, one background process each: `run_together PHASE NAME COMMAND ...`
# (pairs of a name and a bash command line). Each job's lines are printed as they come, prefixed
# with its name; each is recorded like a run_suite, and its exit code kept in job_rc[NAME].
declare -A job_rc=()
run_together() {
    local name=$1; shift
    local start=$SECONDS dir i=0 names=()
    dir=$(mktemp -d)
    phase "$name"
    while (($# >= 2)); do
        local job=$1 command=$2
        shift 2
        names+=("$job")
        (
            bash -c "$command" >"$dir/$i.out" 2>&1
            echo $? >"$dir/$i.rc"
            echo $((SECONDS - start)) >"$dir/$i.secs"
        ) &
        # Streams the job's output while it runs; ends with the job (--pid).
        tail -n +1 -F --pid=$! "$dir/$i.out" 2>/dev/null | sed -u "s/^/[$job] /" &
        i=$((i + 1))
    done
    wait
    for i in "${!names[@]}"; do
        local rc secs
        rc=$(cat "$dir/$i.rc" 2>/dev/null || echo 1)
        secs=$(cat "$dir/$i.secs" 2>/dev/null || echo "$((SECONDS - start))")
        job_rc[${names[$i]}]=$rc
        times+=("$(printf '%-22s %5ss (exit %s)' "${names[$i]}" "$secs" "$rc")")
        record "$dir/$i.out" "$rc"
    done
    rm -rf "$dir"
    log "$name: $((SECONDS - start))s"
}

# A mocha command line for the integration test files of one lane (tests/integration/lanes.sh).
lane_command() {
    local -n files=$1
    printf 'npx mocha --timeout 900000'
    printf ' %q' "${files[@]}"
}

# shellcheck source=../tests/integration/lanes.sh
source tests/integration/lanes.sh
lanes_wrong=$(lane_problems)
if [ -n "$lanes_wrong" ]; then
    log "tests/integration/lanes.sh must list every integration test file once:"
    printf '%s\n' "$lanes_wrong" | sed 's/^/[test-all]   /' >&2
    echo "tests: 0 passed, 1 failed"
    exit 1
fi

phase "setup"
start=$SECONDS
setup_log=$(mktemp)
bash scripts/setup.sh --for tests 2>&1 | tee "$setup_log"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    log "setup failed"
    echo "tests: 0 passed, 1 failed"
    exit 1
fi
took setup "$((SECONDS - start))"
# The per-step and per-tool times setup printed, in one block: each build's time, and the one line
# naming the tools that were cached.
grep -E '^\[setup\] [^:]+: [0-9]+s$|^\[toolchain\] .*: built \([0-9]+s\)$|^\[toolchain\] (all )?[0-9]+ tools cached ' "$setup_log" |
    sed 's/^/[test-all]   /' >&2 || true
rm -f "$setup_log"
eval "$(scripts/toolchain.sh env)"

# The checks and unit tests need no cluster, and the cluster's start mostly waits: all three side
# by side. Lint and format are checked here too: a warning fails like a type error.
run_together "type check + lint, unit tests, local cluster + node (side by side)" \
    "type check + lint" 'npx tsc --noEmit -p . && npx tsc --noEmit -p bench/tsconfig.check.json && npm run -s lint' \
    "unit tests" "npx mocha 'tests/unit/**/*.test.ts'" \
    "local cluster + node" 'bash scripts/local-cluster.sh start'

if [ "${job_rc[local cluster + node]}" = 0 ]; then
    phase "node component versions"
    bash scripts/local-cluster.sh versions | sed 's/^/[test-all]   /' >&2
    eval "$(scripts/local-cluster.sh env)"
    run_together "integration tests, node shared (two lanes)" \
        SHARED_LANE_1 "$(lane_command SHARED_LANE_1)" \
        SHARED_LANE_2 "$(lane_command SHARED_LANE_2)"
    run_suite "integration tests, node alone" npx mocha --timeout 900000 "${ALONE[@]}"
    # Kills this cluster hard and stops the one that takes its node over.
    [ "${ARKOUDA_KEEP_CLUSTER:-0}" = 1 ] || run_suite "node after a hard kill" bash tests/cluster/restart-after-kill.sh
else
    log "the local control plane did not start"
fi
[ "${ARKOUDA_KEEP_CLUSTER:-0}" = 1 ] || bash scripts/local-cluster.sh stop >/dev/null 2>&1 || true

phase "phase times"
for t in "${times[@]}"; do log "  $t"; done
log "total: $((SECONDS - started))s"
if [ "$pending" -gt 0 ]; then
    echo "tests: $passed passed, $failed failed, $pending skipped"
else
    echo "tests: $passed passed, $failed failed"
fi
exit "$status"
