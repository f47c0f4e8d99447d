#!/usr/bin/env bash
# quay.io/argoproj/argoexec:<ARGO_VERSION>, the executor image the workflow-controller names
# (--executor-image), laid out like upstream's (Dockerfile target argoexec: /bin/argoexec,
# /etc/mime.types, /etc/nsswitch.conf on a distroless static base; argoexec embeds kubectl
# for resource steps). argoexec is the toolchain's build from the pinned argo module.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=../../scripts/image-lib.sh
source "$here/../../scripts/image-lib.sh"
out="${1:?usage: build.sh OUT_TAR}"
image_of_binary "$out" "quay.io/argoproj/argoexec:$(image_pin ARGO_VERSION)" \
  "${ARKOUDA_ARGOEXEC_BIN:-$("$IMAGE_REPO_ROOT/scripts/toolchain.sh" path argoexec)}" /bin/argoexec "" --config.entrypoint argoexec
