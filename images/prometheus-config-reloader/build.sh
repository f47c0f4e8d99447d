#!/usr/bin/env bash
# quay.io/prometheus-operator/prometheus-config-reloader:<PROMETHEUS_OPERATOR_VERSION>, the image
# the operator names for the Prometheus pod's config reloader (its --prometheus-config-reloader
# default, from its stamped version) and starts as /bin/prometheus-config-reloader, as upstream's;
# user nobody, distroless-like base, the toolchain's build of the pinned operator module.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=../../scripts/image-lib.sh
source "$here/../../scripts/image-lib.sh"
out="${1:?usage: build.sh OUT_TAR}"
image_of_binary "$out" "quay.io/prometheus-operator/prometheus-config-reloader:$(image_pin PROMETHEUS_OPERATOR_VERSION)" \
  "$("$IMAGE_REPO_ROOT/scripts/toolchain.sh" path prometheus-config-reloader)" /bin/prometheus-config-reloader "" \
  --config.entrypoint /bin/prometheus-config-reloader --config.user 65534
