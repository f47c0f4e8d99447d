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
version="$(image_pin PROMETHEUS_OPERATOR_VERSION)"
ref="quay.io/prometheus-operator/prometheus-config-reloader:$version"
bin="$("$IMAGE_REPO_ROOT/scripts/toolchain.sh" path prometheus-config-reloader)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
image_base_rootfs "$work/root"
install -D -m 0755 "$bin" "$work/root/bin/prometheus-config-reloader"
image_archive "$out" "$ref" "$work/root" --config.entrypoint /bin/prometheus-config-reloader --config.user 65534
log "wrote $out ($ref)"
