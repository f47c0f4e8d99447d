#!/usr/bin/env bash
# The main job on the embedded default: no account, no cloud. Installs what is missing,
# starts the local cluster with its node (unless ARKOUDA_KUBECONFIG names a cluster), runs
# `pulumi up` on the `local` stack with a file backend under .state/, starts the pinned Argo
# workflow-controller for the stack's namespace (a host process of scripts/local-cluster.sh),
# then prints the stack outputs, the declared objects and the command that deploys Arkouda.
# Set-up builds what this run needs: the toolchain's `local` set, or with ARKOUDA_KUBECONFIG only
# the `pulumi` set (scripts/setup.sh --for real-cluster; --with-argo adds the argo CLI).
#
#   scripts/local-up.sh [--with-argo]
#
#   ARKOUDA_KUBECONFIG        target this kubeconfig instead of the local control plane
#   PULUMI_CONFIG_PASSPHRASE  default: a dev-only passphrase (the local stack holds only
#                             throw-away secrets; never use it for a real stack)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd -P)
# shellcheck source=lib.sh
source scripts/lib.sh "[local-up]"

setup_args=(--for local)
[ -n "${ARKOUDA_KUBECONFIG:-}" ] && setup_args=(--for real-cluster)
case "${1:-}" in
    "") ;;
    --with-argo) setup_args+=(--with-argo) ;;
    *) die "unknown argument '$1' (usage: scripts/local-up.sh [--with-argo])" ;;
esac

phase "setup"
bash scripts/setup.sh "${setup_args[@]}"
eval "$(scripts/toolchain.sh env)"

if [ -n "${ARKOUDA_KUBECONFIG:-}" ]; then
    export KUBECONFIG=$ARKOUDA_KUBECONFIG
    phase "target: $KUBECONFIG"
else
    phase "local control plane"
    bash scripts/local-cluster.sh start
    eval "$(scripts/local-cluster.sh env)"
fi

export PULUMI_BACKEND_URL="file://$REPO/.state/pulumi-backend"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-arkouda-local-dev-only}"
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$REPO/.state/pulumi-backend"

phase "pulumi up (stack local)"
pulumi stack select local --create --secrets-provider passphrase --non-interactive >/dev/null
pulumi up --stack local --yes --skip-preview --non-interactive

phase "stack outputs"
pulumi stack output --stack local --json

# Node, not python3: aimed at a cluster, this run has no Debian packages to rely on.
namespace=$(pulumi stack output --stack local --json clusters |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(Object.values(JSON.parse(s))[0].namespace))')
phase "kubectl get (namespace $namespace)"
if command -v kubectl >/dev/null; then
    kubectl get serviceaccounts,roles,rolebindings,secrets,workflowtemplates,cronworkflows,workflows --namespace "$namespace"
else
    # The `pulumi` set has no kubectl; listing the objects is not worth its build.
    log "no kubectl on PATH: not listing them (scripts/toolchain.sh build kubectl builds the pinned one)"
fi

if [ -z "${ARKOUDA_KUBECONFIG:-}" ]; then
    phase "Argo workflow-controller (namespace $namespace)"
    bash scripts/local-cluster.sh workflow-controller "$namespace"
    kubectl get nodes -o wide
    phase "ready"
    cat >&2 <<EOF
The local cluster has a node and an Argo controller for namespace $namespace. Deploy Arkouda
(the stand-in images; see docs/local-node.md "Stand-in images") and wait for it:
  export KUBECONFIG=$KUBECONFIG PATH=$(dirname "$(command -v argo)"):\$PATH
  argo submit --from workflowtemplate/deploy-arkouda-on-kubernetes -n $namespace --wait
Tear everything down with: bash scripts/local-down.sh
EOF
fi
