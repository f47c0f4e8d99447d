#!/usr/bin/env bash
# Tears the embedded default down again: `pulumi destroy` of the local stack, then the local
# control plane stops and its state is removed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd -P)
# shellcheck source=lib.sh
source scripts/lib.sh "[local-down]"
eval "$(scripts/toolchain.sh env)"
export PULUMI_BACKEND_URL="file://$REPO/.state/pulumi-backend"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-arkouda-local-dev-only}"
export PULUMI_SKIP_UPDATE_CHECK=true
if [ -z "${ARKOUDA_KUBECONFIG:-}" ] && bash scripts/local-cluster.sh status >/dev/null 2>&1; then
    eval "$(scripts/local-cluster.sh env)"
    pulumi destroy --stack local --yes --skip-preview --non-interactive
    pulumi stack rm local --yes --non-interactive --preserve-config
    bash scripts/local-cluster.sh stop
elif [ -n "${ARKOUDA_KUBECONFIG:-}" ]; then
    export KUBECONFIG=$ARKOUDA_KUBECONFIG
    pulumi destroy --stack local --yes --skip-preview --non-interactive
else
    log "the local control plane is not running; nothing to destroy"
fi
