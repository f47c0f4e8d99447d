#!/usr/bin/env bash
# Helpers for images/<name>/build.sh (sourced): a minimal Debian-derived base rootfs and
# the rootfs -> OCI layout (umoci) -> docker-archive (skopeo) step. Nothing is pulled:
# the base comes from Debian packages (mmdebstrap --variant=extract, no maintainer scripts,
# the distroless set: base-files, base-passwd, netbase, media-types, tzdata,
# ca-certificates' certificate files), the binaries from the toolchain.
set -euo pipefail

IMAGE_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
IMAGE_REPO_ROOT="$(cd "$IMAGE_LIB_DIR/.." && pwd -P)"
# shellcheck source=lib.sh
source "$IMAGE_LIB_DIR/lib.sh" "[image]"
IMAGE_CACHE="$TOOLCHAIN_CACHE/images"
IMAGE_SUITE="${ARKOUDA_IMAGE_SUITE:-bookworm}"
IMAGE_MIRROR="${ARKOUDA_IMAGE_MIRROR:-http://deb.debian.org/debian}"
IMAGE_BASE_PACKAGES="base-files,base-passwd,netbase,media-types,tzdata"

# Runs a command with only stdin, stdout and stderr open. mmdebstrap hands apt a hook
# `cat >&N` on a descriptor it opens, and /bin/sh (dash) refuses N > 9 ("Bad fd number"):
# started from scripts/local-cluster.sh, which holds more descriptors open, it got 11 and every
# base build failed that way. The lock on fd 8 stays held by this script's own copy.
image_low_fds() { # CMD [ARGS...]
  (
    local fd
    for fd in "/proc/$BASHPID/fd/"*; do
      fd="${fd##*/}"
      ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
    done
    exec "$@"
  )
}

# The distroless-like base as a directory tree in $1 (copied from a cached tar).
image_base_rootfs() { # DIR
  local key tar
  key="$(printf '%s\n' "$IMAGE_SUITE" "$IMAGE_MIRROR" "$IMAGE_BASE_PACKAGES" "$(declare -f image_customize_base)" |
    sha256sum | cut -c1-16)"
  tar="$IMAGE_CACHE/base-$IMAGE_SUITE-$key.tar"
  mkdir -p "$IMAGE_CACHE"
  (
    flock 8
    if [[ ! -s $tar ]]; then
      command -v mmdebstrap >/dev/null || { log "mmdebstrap is missing (scripts/setup.sh installs it)"; exit 1; }
      log "building the base rootfs ($IMAGE_SUITE: $IMAGE_BASE_PACKAGES)"
      local work
      work="$(mktemp -d)"
      # A mirror can fail a download: retry before failing the build.
      local attempt=1 attempts="${ARKOUDA_IMAGE_FETCH_ATTEMPTS:-3}" pause="${ARKOUDA_IMAGE_FETCH_PAUSE:-10}"
      until image_low_fds mmdebstrap --quiet --variant=extract --mode=root --include="$IMAGE_BASE_PACKAGES" \
        "$IMAGE_SUITE" "$work/root" "$IMAGE_MIRROR" >&2; do
        if ((attempt >= attempts)); then
          log "mmdebstrap failed $attempts time(s) against $IMAGE_MIRROR; giving up"
          rm -rf "$work"
          exit 1
        fi
        log "mmdebstrap failed (attempt $attempt of $attempts); retrying in $((attempt * pause))s"
        sleep $((attempt * pause))
        attempt=$((attempt + 1))
        rm -rf "$work/root"
      done
      image_customize_base "$work/root"
      tar --sort=name --numeric-owner -C "$work/root" -cf "$tar.tmp" .
      rm -rf "$work"
      mv "$tar.tmp" "$tar"
    fi
  ) 8>"$IMAGE_CACHE/.base.lock"
  mkdir -p "$1"
  tar -C "$1" -xf "$tar"
}

# What the packages' maintainer scripts would have made (extract runs none), kept to what a
# static binary's image needs; apt/dpkg state and docs are dropped.
image_customize_base() { # ROOT
  local r=$1
  install -m 0644 "$r/usr/share/base-passwd/passwd.master" "$r/etc/passwd"
  install -m 0644 "$r/usr/share/base-passwd/group.master" "$r/etc/group"
  # distroless' nonroot user, which images run as when asked to.
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >>"$r/etc/passwd"
  echo 'nonroot:x:65532:' >>"$r/etc/group"
  install -d -m 0700 -o 65532 -g 65532 "$r/home/nonroot"
  printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
  ln -sf /usr/share/zoneinfo/Etc/UTC "$r/etc/localtime"
  install -d -m 1777 "$r/tmp"
  rm -rf "$r/var/lib/dpkg" "$r/var/lib/apt" "$r/var/cache/apt" "$r/usr/share/doc" "$r/usr/share/man" \
    "$r/usr/share/lintian" "$r/usr/share/base-passwd"
}

# An image of one toolchain binary on the base rootfs, at DEST. PREPARE (a function name, or "")
# adds to the root before it is archived; the remaining arguments are image_archive's flags.
image_of_binary() { # OUT_TAR REF BIN DEST PREPARE [ARCHIVE_FLAGS...]
  local out=$1 ref=$2 bin=$3 dest=$4 prepare=$5
  shift 5
  (
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    image_base_rootfs "$work/root"
    install -D -m 0755 "$bin" "$work/root$dest"
    [[ -z $prepare ]] || "$prepare" "$work/root"
    image_archive "$out" "$ref" "$work/root" "$@"
  )
  log "wrote $out ($ref)"
}

# image_archive OUT_TAR REF ROOTFS [umoci config flags...]: one-layer image of ROOTFS,
# written as a docker-archive that names REF (what `ctr images import` reads).
image_archive() {
  local out=$1 ref=$2 rootfs=$3 work
  shift 3
  work="$(mktemp -d)"
  umoci init --layout "$work/oci"
  umoci new --image "$work/oci:img"
  umoci unpack --image "$work/oci:img" "$work/bundle" >/dev/null
  cp -a "$rootfs/." "$work/bundle/rootfs/"
  umoci repack --image "$work/oci:img" "$work/bundle"
  umoci config --no-history --image "$work/oci:img" --os linux --architecture amd64 \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  rm -f "$out"
  skopeo --insecure-policy copy --quiet "oci:$work/oci:img" "docker-archive:$out:$ref" >&2
  rm -rf "$work"
}

# A static Go binary of a package in a tools module, built like the toolchain does.
image_go_build() { # MODDIR OUT PKG [LDFLAGS]
  (cd "$1" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly" \
    go build -ldflags "-s -w ${4:-}" -o "$2" "$3")
}

# KEY=value from tools/versions.env.
image_pin() { sed -n "s/^$1=//p" "$IMAGE_REPO_ROOT/tools/versions.env" | tr -d '"'"'"' '; }
