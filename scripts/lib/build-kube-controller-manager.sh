#!/usr/bin/env bash
# Builds kube-controller-manager from k8s.io/kubernetes at the version pinned in
# tools/versions.env, for scripts/local-cluster.sh, until scripts/toolchain.sh
# builds it itself (then local-cluster.sh takes the toolchain's binary first).
#
#   scripts/lib/build-kube-controller-manager.sh   prints the binary's path
#
# It reuses the tools/kubernetes module (the one kube-apiserver is built from) in a
# temporary copy: kube-controller-manager needs a few more go.sum lines (volume and
# container-runtime packages) than kube-apiserver and kubectl, and this script must
# not edit tools/. The added lines are checked against the Go checksum database.
# Output: ${ARKOUDA_TOOLCHAIN_CACHE:-~/.cache/arkouda-workflows/toolchain}/local-cluster/
#         kube-controller-manager-<version>/bin/kube-controller-manager
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
CACHE_ROOT="${ARKOUDA_TOOLCHAIN_CACHE:-$HOME/.cache/arkouda-workflows/toolchain}"
MOD="$REPO_ROOT/tools/kubernetes"

log() { printf '[build-kube-controller-manager] %s\n' "$*" >&2; }
die() { printf '[build-kube-controller-manager] error: %s\n' "$*" >&2; exit 1; }

v="$(sed -n 's/^KUBERNETES_VERSION=[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$REPO_ROOT/tools/versions.env")"
v="${KUBERNETES_VERSION:-$v}"
[[ -n "$v" ]] || die "KUBERNETES_VERSION is not set in tools/versions.env"
[[ -f "$MOD/go.mod" ]] || die "$MOD/go.mod is missing"
grep -Eq "^[[:space:]]*(require[[:space:]]+)?k8s\.io/kubernetes[[:space:]]+${v//./\\.}([[:space:]]|$)" "$MOD/go.mod" ||
  die "$MOD/go.mod does not require k8s.io/kubernetes $v"
command -v go >/dev/null || die "go is not on PATH"

dir="$CACHE_ROOT/local-cluster/kube-controller-manager-$v"
bin="$dir/bin/kube-controller-manager"
# Cache key: Go version + the module files it is built from.
key="$( { go env GOVERSION; echo "$v"; cat "$MOD/go.mod" "$MOD/go.sum"; } | sha256sum | cut -c1-16)"
if [[ -x "$bin" && -f "$dir/.stamp" && "$(<"$dir/.stamp")" == "$key" ]]; then
  echo "$bin"; exit 0
fi

mkdir -p "$CACHE_ROOT/local-cluster"
exec 8>"$CACHE_ROOT/local-cluster/.lock"
flock 8
if [[ -x "$bin" && -f "$dir/.stamp" && "$(<"$dir/.stamp")" == "$key" ]]; then
  echo "$bin"; exit 0
fi

tmp="$(mktemp -d "$CACHE_ROOT/local-cluster/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp "$MOD/go.mod" "$MOD/go.sum" "$tmp/"
major="${v#v}"; major="${major%%.*}"
minor="${v#v*.}"; minor="${minor%%.*}"
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
log "building kube-controller-manager $v (a few minutes; much shorter once kube-apiserver is built)..."
start=$SECONDS
mkdir -p "$tmp/out/bin"
(cd "$tmp" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=mod" GOWORK=off \
  go build -ldflags "$ld" -o "$tmp/out/bin/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager) ||
  die "go build failed"
echo "$key" >"$tmp/out/.stamp"
rm -rf "$dir"
mv "$tmp/out" "$dir"
log "built in $((SECONDS - start))s: $bin"
echo "$bin"
