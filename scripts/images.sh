#!/usr/bin/env bash
# Builds the images the local node runs and imports them into its containerd, under the exact
# references the product's manifests and the Argo controller use; nothing is pulled.
#
#   scripts/images.sh build [NAME...]    build (or take from the cache) images/<NAME>, print the tars
#   scripts/images.sh import [NAME...]   build, then import into containerd's k8s.io namespace
#   scripts/images.sh list               the images, their cache keys and whether they are cached
#
# Every directory images/<name>/ has an executable build.sh OUT_TAR that writes a
# docker-archive naming its reference(s). The tar is cached in
# <toolchain cache>/images/<name>-<key>.tar; the key hashes images/, scripts/image-lib.sh,
# tools/versions.env (the pins), components/config (the default image references) and the
# toolchain stamps of the binaries the images carry (kubectl, argoexec, the Prometheus ones), so a
# change to any of them rebuilds (a build takes seconds once the toolchain and the Debian
# bases are cached).
#
# Environment: ARKOUDA_IMAGES (names to build/import when none are given; default all but the
# metrics stack's, see ON_DEMAND),
# ARKOUDA_TOOLCHAIN_CACHE (cache root), ARKOUDA_CONTAINERD_ADDRESS (socket to
# import into; default the local node's, see scripts/local-cluster.sh), ARKOUDA_CTR_BIN.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=lib.sh
source "$REPO_ROOT/scripts/lib.sh" "[images]"
IMG_CACHE="$TOOLCHAIN_CACHE/images"
ADDRESS="${ARKOUDA_CONTAINERD_ADDRESS:-${ARKOUDA_NODE_RUN_DIR:-/run/arkouda-node}/containerd/containerd.sock}"
CTR="${ARKOUDA_CTR_BIN:-ctr}"

# The metrics stack's images: `local-cluster.sh prometheus` builds their tools and imports them
# when a test or a developer asks for a Prometheus; the node's start (the default set) does not.
ON_DEMAND=(prometheus prometheus-operator prometheus-config-reloader)

all_names() {
  local d
  for d in "$REPO_ROOT"/images/*/; do
    [[ -x $d/build.sh ]] && basename "$d"
  done
}

default_names() {
  local n
  while read -r n; do
    [[ " ${ON_DEMAND[*]} " == *" $n "* ]] || echo "$n"
  done < <(all_names)
}

names_or_all() {
  # shellcheck disable=SC2086 # a list of names
  (($#)) || set -- ${ARKOUDA_IMAGES:-}
  if (($#)); then
    local n
    for n in "$@"; do [[ -x $REPO_ROOT/images/$n/build.sh ]] || die "no images/$n/build.sh (images: $(all_names | tr '\n' ' '))"; done
    printf '%s\n' "$@"
  else
    default_names
  fi
}

key_inputs_hash() {
  (
    cd "$REPO_ROOT"
    find images scripts/image-lib.sh tools/versions.env components/config -type f -print0 2>/dev/null |
      LC_ALL=C sort -z | xargs -0 sha256sum
    go env GOVERSION 2>/dev/null || true
    # The toolchain's binaries the images carry change with their stamps.
    local t
    for t in kubectl argoexec prometheus prometheus-operator prometheus-config-reloader; do
      cat "$TOOLCHAIN_CACHE/$t"-v*/.stamp 2>/dev/null || true
    done
  ) | sha256sum | cut -c1-16
}

tar_path() { echo "$IMG_CACHE/$1-$2.tar"; }

build_one() { # name key -> prints the tar path
  local name=$1 key=$2 out start=$SECONDS
  out="$(tar_path "$name" "$key")"
  if [[ -s $out ]]; then
    log "$name: cached (0s)"
  else
    log "$name: building..."
    # This image's older tars only: "prometheus-*" would also match prometheus-operator's.
    local old
    for old in "$IMG_CACHE/$name"-*.tar; do
      [[ ${old##*/} =~ ^$name-[0-9a-f]{16}\.tar$ ]] && rm -f "$old"
    done
    "$REPO_ROOT/images/$name/build.sh" "$out.tmp" >&2 || { rm -f "$out.tmp"; die "$name: images/$name/build.sh failed"; }
    [[ -s $out.tmp ]] || die "$name: images/$name/build.sh wrote no $out.tmp"
    mv "$out.tmp" "$out"
    log "$name: built ($((SECONDS - start))s)"
  fi
  echo "$out"
}

# Image references a docker-archive names (manifest.json RepoTags).
archive_refs() {
  tar -xOf "$1" manifest.json | python3 -c 'import json,sys; [print(t) for m in json.load(sys.stdin) for t in (m.get("RepoTags") or [])]'
}

cmd_build() {
  local key name
  mkdir -p "$IMG_CACHE"
  exec 7>"$IMG_CACHE/.lock"
  flock 7
  key="$(key_inputs_hash)"
  while read -r name; do build_one "$name" "$key"; done < <(names_or_all "$@")
}

cmd_import() {
  local tars=() t ref start=$SECONDS imported=() marker built
  # Not `mapfile < <(cmd_build)`: a failed build would read as "no images" and import nothing.
  built="$(cmd_build "$@")" || die "building the images failed (see above); nothing was imported"
  mapfile -t tars <<<"$built"
  command -v "$CTR" >/dev/null || die "ctr not found (Debian package containerd; scripts/setup.sh installs it)"
  [[ -S $ADDRESS ]] || die "no containerd socket at $ADDRESS (start the node: scripts/local-cluster.sh start)"
  for t in "${tars[@]}"; do
    # Skip what this exact tar already imported (the tar's name carries the cache key).
    marker="$(dirname "$ADDRESS")/imported-$(basename "$t")"
    local have=1
    while read -r ref; do
      "$CTR" --address "$ADDRESS" -n k8s.io images ls -q "name==$ref" | grep -qx "$ref" || have=0
    done < <(archive_refs "$t")
    if [[ -e $marker && $have == 1 ]]; then continue; fi
    "$CTR" --address "$ADDRESS" -n k8s.io images import --no-unpack=false "$t" >/dev/null ||
      die "ctr images import $t failed"
    : >"$marker"
    while read -r ref; do imported+=("$ref"); done < <(archive_refs "$t")
  done
  if ((${#imported[@]})); then
    log "imported into containerd (k8s.io) in $((SECONDS - start))s: ${imported[*]}"
  else
    log "all ${#tars[@]} images already imported"
  fi
}

cmd_list() {
  local key name t
  key="$(key_inputs_hash)"
  while read -r name; do
    t="$(tar_path "$name" "$key")"
    if [[ -s $t ]]; then printf '%-28s %s cached %s\n' "$name" "$key" "$(archive_refs "$t" | tr '\n' ' ')"
    else printf '%-28s %s missing\n' "$name" "$key"; fi
  done < <(all_names)
}

case "${1:-}" in
  build) shift; cmd_build "$@" ;;
  import) shift; cmd_import "$@" ;;
  list) cmd_list ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) die "usage: $0 build|import|list [NAME...]" ;;
esac
