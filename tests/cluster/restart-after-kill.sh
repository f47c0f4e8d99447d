#!/usr/bin/env bash
# The local node after a hard kill (what a machine or session restart does to it): every
# process of the running cluster, its containerd shims and its pods are SIGKILLed, no `stop`
# runs. Then a cluster with another state dir must take the node over (the killed one's
# mounts, bridge, iptables chains, ipsets and sysctls undone first) and come up Ready, and its `stop`
# must leave the host as it found it.
#
# Runs after the integration tests (scripts/test-all.sh), against the cluster they used;
# prints mocha-style "N passing" / "N failing" lines so test-all counts its checks.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

CLUSTER=scripts/local-cluster.sh
OLD_STATE="$(realpath -m -- "${ARKOUDA_LOCAL_STATE:-$PWD/.state/local-cluster}")"
NODE_RUN="${ARKOUDA_NODE_RUN_DIR:-/run/arkouda-node}"
NODE_DIR="${ARKOUDA_NODE_DIR:-/var/lib/arkouda-node}"
BRIDGE="${ARKOUDA_NODE_BRIDGE:-arkouda0}"
NEW_PARENT="$(mktemp -d /tmp/arkouda-takeover.XXXXXX)"
NEW_STATE="$NEW_PARENT/local-cluster"
passing=0 failing=0
failures=()

check() { # description command...
    local what=$1; shift
    if "$@"; then
        passing=$((passing + 1)); printf '    ✔ %s\n' "$what"
    else
        failing=$((failing + 1)); failures+=("$what"); printf '    ✖ %s\n' "$what"
    fi
}

pids_with() { # text on the command line
    local p
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [[ $p == "$$" ]] && continue
        tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$1" && echo "$p"
    done
    return 0
}

hard_kill() {
    local p f
    # Pods first (their processes sit in kubelet's cgroups), then shims, then the cluster.
    for f in /sys/fs/cgroup/*/kubepods; do
        [[ -d $f ]] || continue
        find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null
    done | sort -u | while read -r p; do kill -KILL "$p" 2>/dev/null; done
    for p in $(pids_with "-address $NODE_RUN/") $(pids_with "$OLD_STATE/"); do kill -KILL "$p" 2>/dev/null; done
    sleep 1
}

# Nothing the node puts on the host is left.
host_clean() {
    local left=()
    [[ -z "$(pids_with "$OLD_STATE/")" ]] || left+=("processes of $OLD_STATE")
    [[ -z "$(pids_with "$NEW_STATE/")" ]] || left+=("processes of $NEW_STATE")
    [[ -z "$(pids_with "-address $NODE_RUN/")" ]] || left+=("containerd shims")
    [[ ! -e /sys/class/net/$BRIDGE ]] || left+=("bridge $BRIDGE")
    [[ ! -e $NODE_RUN ]] || left+=("$NODE_RUN")
    awk -v a="$NODE_DIR" -v b="$NODE_RUN" '$5 == a || index($5, a "/") == 1 || $5 == b || index($5, b "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo &&
        left+=("mounts under $NODE_DIR or $NODE_RUN")
    local t
    for t in nat mangle filter; do
        iptables -w 5 -t "$t" -S 2>/dev/null | grep -qE -- '(-N|-j) (KUBE-|ARKOUDA-NODE)' && left+=("iptables $t chains KUBE-*/ARKOUDA-NODE")
    done
    # kube-router's NetworkPolicy ipsets.
    ipset list -n 2>/dev/null | grep -qE '^(inet6:)?(KUBE-SRC-|KUBE-DST-|TMP-)' && left+=("kube-router ipsets KUBE-SRC-*/KUBE-DST-*/TMP-*")
    for t in /sys/fs/cgroup/*/kubepods; do [[ -d $t ]] && left+=("cgroup $t"); done
    if ((${#left[@]})); then printf '      left behind: %s\n' "${left[@]}" >&2; return 1; fi
}

node_ready() {
    local kubectl; kubectl="$(scripts/toolchain.sh path kubectl)" || return 1
    [[ "$("$kubectl" --kubeconfig "$NEW_STATE/kubeconfig" get node "${ARKOUDA_NODE_NAME:-arkouda-node}" \
        -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

echo
echo "  the local node after a hard kill"
if [[ "$(cat "$NODE_RUN/owner" 2>/dev/null)" != "$OLD_STATE" ]]; then
    echo "    (no node owned by $OLD_STATE is running; nothing to test)" >&2
    failing=1; failures+=("precondition: a running node owned by $OLD_STATE")
else
    hard_kill
    check "the killed cluster leaves its node behind (bridge, mounts, owner)" \
        bash -c "[[ -e /sys/class/net/$BRIDGE && -r $NODE_RUN/owner ]] && grep -q ' $NODE_DIR/' /proc/self/mountinfo"
    out="$(ARKOUDA_LOCAL_STATE="$NEW_STATE" ARKOUDA_LOCAL_NODE=1 bash "$CLUSTER" start 2>&1)"; rc=$?
    printf '%s\n' "$out" | sed 's/^/      | /' | tail -n 8
    check "a cluster with another state dir starts with the node" test "$rc" -eq 0
    check "it names the killed owner and cleans up after it" grep -qF "last owner $OLD_STATE is not running" <<<"$out"
    check "its node is Ready" node_ready
    ARKOUDA_LOCAL_STATE="$NEW_STATE" bash "$CLUSTER" stop >/dev/null 2>&1
    ARKOUDA_LOCAL_STATE="$OLD_STATE" bash "$CLUSTER" stop >/dev/null 2>&1
    check "stop leaves nothing on the host (processes, shims, bridge, mounts, iptables chains, ipsets, cgroups)" host_clean
fi
rm -rf "$NEW_PARENT"

echo
echo "  $passing passing"
((failing == 0)) || { echo "  $failing failing"; printf '  failed: %s\n' "${failures[@]}"; }
((failing == 0))
