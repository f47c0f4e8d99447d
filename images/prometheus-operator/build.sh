#!/usr/bin/env bash
# quay.io/prometheus-operator/prometheus-operator:<PROMETHEUS_OPERATOR_VERSION>, laid out like
# upstream's (/bin/operator as the entrypoint, user nobody, distroless-like base); the operator is
# the toolchain's build of the pinned module. The local node runs it (local-cluster.sh prometheus).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=../../scripts/image-lib.sh
source "$here/../../scripts/image-lib.sh"
out="${1:?usage: build.sh OUT_TAR}"
image_of_binary "$out" "quay.io/prometheus-operator/prometheus-operator:$(image_pin PROMETHEUS_OPERATOR_VERSION)" \
  "$("$IMAGE_REPO_ROOT/scripts/toolchain.sh" path prometheus-operator)" /bin/operator "" \
  --config.entrypoint /bin/operator --config.user 65534
