#!/usr/bin/env bash
# The pod sandbox image: images/pause/build.sh OUT_TAR. A static Go pause (main.go) on an
# empty rootfs, tagged with the sandbox image reference containerd is configured with
# (PAUSE_IMAGE in tools/versions.env), so kubelet never pulls one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=../../scripts/image-lib.sh
source "$here/../../scripts/image-lib.sh"
out="${1:?usage: build.sh OUT_TAR}"
ref="$(image_pin PAUSE_IMAGE)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"
image_go_build "$here" "$work/root/pause" .
image_archive "$out" "$ref" "$work/root" --config.entrypoint /pause --config.user 65535:65535
log "wrote $out ($ref)"
