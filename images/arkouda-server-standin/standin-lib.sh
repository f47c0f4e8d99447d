#!/bin/bash
# Shared by the two stand-in image builds (images/arkouda-server-standin, images/exporter-standin).
# The stand-ins are NOT Arkouda: they are small Python programs that follow the contract of the
# real images (/work/shared/reference/arkouda-image-contract.md) so the workflows can run to
# their end on the local node without a registry.
set -euo pipefail

STANDIN_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STANDIN_REPO_ROOT="$(cd "$STANDIN_LIB_DIR/../.." && pwd)"
# shellcheck source=../../scripts/image-lib.sh
source "$STANDIN_REPO_ROOT/scripts/image-lib.sh"
STANDIN_CACHE="${ARKOUDA_IMAGE_CACHE:-$IMAGE_CACHE}"
STANDIN_SUITE="${ARKOUDA_STANDIN_SUITE:-bookworm}"
STANDIN_MIRROR="${ARKOUDA_STANDIN_MIRROR:-http://deb.debian.org/debian}"

# What the real image provides that the launch scripts and the stand-in programs use:
# bash, curl, python3 (+ zmq: the real server and exporter speak ZeroMQ REQ/REP), sudo,
# openssh-server/-client (GASNet's ssh spawner), procps and iproute2 for debugging.
STANDIN_PACKAGES="bash,ca-certificates,curl,python3,python3-zmq,sudo,openssh-server,openssh-client,procps,iproute2,netbase"

standin_log() { printf '[standin] %s\n' "$*" >&2; }

# The image references the product's manifests use, read from the config defaults (not
# repeated here): prints "<kind> <repository>:<default version>" for server and exporter.
standin_refs() {
    (cd "$STANDIN_REPO_ROOT" && node -r ts-node/register/transpile-only "$STANDIN_LIB_DIR/refs.ts")
}

standin_ref() {
    standin_refs | awk -v k="$1" '$1 == k { print $2 }'
}

# One Debian rootfs (as an uncompressed tar layer) shared by both images, cached by the
# hash of what goes into it.
standin_base_tar() {
    local key
    key="$(printf '%s\n' "$STANDIN_SUITE" "$STANDIN_MIRROR" "$STANDIN_PACKAGES" "$(cat "$STANDIN_LIB_DIR/base-customize.sh")" | sha256sum | cut -c1-16)"
    local out="$STANDIN_CACHE/standin-base-$STANDIN_SUITE-$key.tar"
    mkdir -p "$STANDIN_CACHE"
    (
        flock 9
        if [ ! -s "$out" ]; then
            standin_log "building the stand-in base rootfs ($STANDIN_SUITE: $STANDIN_PACKAGES) into $out"
            command -v mmdebstrap >/dev/null || {
                standin_log "mmdebstrap is missing: apt-get install -y mmdebstrap"
                exit 1
            }
            image_low_fds mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
                --include="$STANDIN_PACKAGES" \
                --customize-hook="bash $STANDIN_LIB_DIR/base-customize.sh \"\$1\"" \
                "$STANDIN_SUITE" "$out.tmp" "$STANDIN_MIRROR" >&2
            mv "$out.tmp" "$out"
        fi
    ) 9>"$STANDIN_CACHE/.standin-base.lock"
    printf '%s\n' "$out"
}

# standin_layer OUT_TAR SRC_DIR: a layer tar of SRC_DIR's tree (paths relative to /), with the
# tree's numeric owners (the build runs as root; chown what the image's ubuntu user must own).
standin_layer() {
    # The tree's top is the layer's "./": it must carry / 's mode (mktemp makes it 0700, which
    # would lock every non-root user, e.g. ubuntu, out of the whole filesystem).
    chmod 0755 "$2"
    tar --sort=name --numeric-owner --mtime='2024-04-19 00:00Z' \
        -C "$2" -cf "$1" .
}

# standin_archive OUT_TAR CONFIG_JSON REF LAYER...: a docker-archive (docker save format) that
# `ctr images import` and `skopeo` read.
standin_archive() {
    python3 "$STANDIN_LIB_DIR/mkarchive.py" "$@"
}
