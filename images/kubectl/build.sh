#!/usr/bin/env bash
# registry.k8s.io/kubectl:<KUBERNETES_VERSION>, laid out like the upstream image (kubectl at
# /bin/kubectl, entrypoint kubectl, distroless-like Debian base): the product's templates run
# command ["kubectl"] with no shell. kubectl is the toolchain's build of the pinned version.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=../../scripts/image-lib.sh
source "$here/../../scripts/image-lib.sh"
out="${1:?usage: build.sh OUT_TAR}"
image_of_binary "$out" "registry.k8s.io/kubectl:$(image_pin KUBERNETES_VERSION)" \
  "$("$IMAGE_REPO_ROOT/scripts/toolchain.sh" path kubectl)" /bin/kubectl "" --config.entrypoint /bin/kubectl
