# shellcheck shell=bash
# How scripts/test-all.sh runs the integration test files on the one local cluster and node.
#
# SHARED_LANE_1 and SHARED_LANE_2 run at the same time, one mocha process each: their suites
# keep to namespaces, stacks and controllers of their own, and most of their time is spent
# waiting on pods, deadlines and Prometheus, not on the two cores. They are balanced by the
# per-file times test-all.sh prints (`[suite] <file>: Ns`); move a file when those drift.
#
# ALONE runs after both lanes, one file at a time in this order, because each changes what every
# pod or run on the node meets: the API server restarted, the node's CPU filled, the node
# tainted, the pod network's route to the API server blocked.
#
# Every tests/integration/**/*.test.ts is in exactly one list; test-all.sh refuses to start otherwise.

# shellcheck disable=SC2034 # read by scripts/test-all.sh
SHARED_LANE_1=(
    tests/integration/node/workflows.test.ts
    tests/integration/node/security.test.ts
    tests/integration/node/pulumi-runs.test.ts
    tests/integration/dev-stack.test.ts
    tests/integration/rollout-waves.test.ts
    tests/integration/image-contract.test.ts
    tests/integration/argo-lint.test.ts
    tests/integration/node.test.ts
    tests/integration/bad-config.test.ts
    tests/integration/faults/ssh-rotation.test.ts
    tests/integration/faults/waves.test.ts
    tests/integration/faults/concurrent.test.ts
    tests/integration/faults/destroy-running.test.ts
    tests/integration/node/standin-programs.test.ts
    tests/integration/node/standin-protocol.test.ts
)

# shellcheck disable=SC2034
SHARED_LANE_2=(
    tests/integration/node/metrics.test.ts
    tests/integration/node/volumes.test.ts
    tests/integration/node/network-policy.test.ts
    tests/integration/argo-controller.test.ts
    tests/integration/faults/interrupted-apply.test.ts
    tests/integration/faults/drift.test.ts
    tests/integration/ssh-config-source.test.ts
    tests/integration/node/registry.test.ts
)

# shellcheck disable=SC2034
ALONE=(
    tests/integration/faults/apiserver-restart.test.ts
    tests/integration/node/full-node.test.ts
    tests/integration/node/placement.test.ts
    tests/integration/node/retries.test.ts
)

# Prints every integration test file missing from the lists or listed more than once, one per
# line with what is wrong; prints nothing when each is listed once.
lane_problems() {
    local listed file
    listed=$(printf '%s\n' "${SHARED_LANE_1[@]}" "${SHARED_LANE_2[@]}" "${ALONE[@]}" | sort)
    printf '%s\n' "$listed" | uniq -d | sed 's/$/: listed more than once/'
    while IFS= read -r file; do
        grep -qxF "$file" <<<"$listed" || printf '%s: in no lane\n' "$file"
    done < <(find tests/integration -name '*.test.ts' | sort)
    while IFS= read -r file; do
        [ -f "$file" ] || printf '%s: listed but missing\n' "$file"
    done <<<"$listed"
}
