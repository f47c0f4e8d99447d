#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine of this kind: Debian packages,
# npm dependencies, and the toolchain built from Go modules (cached outside the work tree).
# Idempotent: a warm re-run takes seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib.sh
source scripts/lib.sh "[setup]"

timed() { local name=$1; shift; local start=$SECONDS; "$@"; log "$name: $((SECONDS - start))s"; }

apt_packages() {
    local missing=()
    command -v shellcheck >/dev/null || missing+=(shellcheck)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v ssh-keygen >/dev/null || missing+=(openssh-client)
    command -v python3 >/dev/null || missing+=(python3)
    # The local node (scripts/local-cluster.sh) and its images (scripts/images.sh).
    command -v containerd >/dev/null || missing+=(containerd)
    command -v runc >/dev/null || missing+=(runc)
    [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
    command -v iptables >/dev/null || missing+=(iptables)
    command -v conntrack >/dev/null || missing+=(conntrack)
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    command -v umoci >/dev/null || missing+=(umoci)
    command -v skopeo >/dev/null || missing+=(skopeo)
    # The stand-in programs' host tests speak ZeroMQ through Debian's python3.
    /usr/bin/python3 -c 'import zmq' 2>/dev/null || missing+=(python3-zmq)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

npm_dependencies() {
    # npm ci only when the lock file changed since the last install.
    local stamp=node_modules/.arkouda-lock-hash hash
    hash=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
        log "npm dependencies: up to date"
        return
    fi
    npm ci --no-audit --no-fund --loglevel=error
    echo "$hash" > "$stamp"
}

timed "debian packages" apt_packages
timed "npm dependencies" npm_dependencies
timed "toolchain" scripts/toolchain.sh build
