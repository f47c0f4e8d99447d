#!/usr/bin/env bash
# registry.k8s.io/kubectl:<KUBERNETES_VERSION>, laid out like the upstream image (kubectl at
# /bin/kubectl, entrypoint kubectl, distroless-like Debian base): the product's templates run
# command ["kubectl"] with no shell. kubectl is the toolchain's build of the pinned version.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=../../scripts/image-lib.sh
source "$here/../../scripts/image-lib.sh"
out="${1:?usage: build.sh OUT_TAR}"
version="$(image_pin KUBERNETES_VERSION)"
ref="registry.k8s.io/kubectl:$version"
kubectl="$("$IMAGE_REPO_ROOT/scripts/toolchain.sh" path kubectl)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
image_base_rootfs "$work/root"
install -D -m 0755 "$kubectl" "$work/root/bin/kubectl"
image_archive "$out" "$ref" "$work/root" --config.entrypoint /bin/kubectl
log "wrote $out ($ref)"
