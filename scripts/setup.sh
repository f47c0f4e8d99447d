#!/usr/bin/env bash
# Installs what one command needs on a fresh machine of this kind, and nothing more: Debian
# packages, npm dependencies, the program built into bin/ (every path runs `pulumi up`, which runs
# the built JavaScript), and the toolchain set it runs, built from Go modules (cached outside the
# work tree). Idempotent: a warm re-run takes seconds.
#
#   scripts/setup.sh [--for real-cluster|local|tests] [--with-argo] [--dry-run]
#
#   --for real-cluster  a stack aimed at an existing cluster: npm dependencies and the toolchain's
#                       `pulumi` set (the CLI, its language host, the two providers); no Debian
#                       packages
#   --for local         the embedded default (scripts/local-up.sh): the `local` set, and the Debian
#                       packages of the local cluster, its node and its images
#   --for tests         (default) every test suite (scripts/test-all.sh): every tool and package
#   --with-argo         the argo CLI too (the local and tests sets hold it already)
#   --dry-run           say what is missing and would be installed or built; change nothing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib.sh
source scripts/lib.sh "[setup]"

PATHS="real-cluster local tests"
FOR=tests WITH_ARGO=0 DRY_RUN=0
while (($#)); do
    case $1 in
        --for) FOR=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
        --for=*) FOR=${1#--for=}; shift ;;
        --with-argo) WITH_ARGO=1; shift ;;
        --dry-run) DRY_RUN=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (usage: scripts/setup.sh [--for ${PATHS// /|}] [--with-argo] [--dry-run])" ;;
    esac
done
case $FOR in
    real-cluster) TOOLCHAIN=(--set pulumi) ;;
    local) TOOLCHAIN=(--set local) ;;
    tests) TOOLCHAIN=(--set all) ;;
    *) die "unknown --for '$FOR' (one of: ${PATHS// /, })" ;;
esac
((WITH_ARGO)) && TOOLCHAIN+=(argo)
((DRY_RUN)) && TOOLCHAIN+=(--dry-run)

timed() { local name=$1; shift; local start=$SECONDS; "$@"; log "$name: $((SECONDS - start))s"; }

# Debian packages whose command is missing, for the chosen path. `pulumi up` against a cluster
# runs on Node and the toolchain alone (the program makes its SSH keys with Node's crypto).
missing_packages() {
    local missing=()
    case $FOR in
        tests)
            # The launch scripts' lint, the OpenSSH cross-check of the generated key pair, and the
            # stand-ins' host tests, which speak ZeroMQ through Debian's python3.
            command -v shellcheck >/dev/null || missing+=(shellcheck)
            command -v ssh-keygen >/dev/null || missing+=(openssh-client)
            /usr/bin/python3 -c 'import zmq' 2>/dev/null || missing+=(python3-zmq)
            ;&
        local)
            # The local cluster's PKI and health checks (scripts/local-cluster.sh), the node
            # (scripts/local-node.sh) and its images (scripts/images.sh, images/*/build.sh).
            command -v openssl >/dev/null || missing+=(openssl)
            command -v curl >/dev/null || missing+=(curl)
            command -v python3 >/dev/null || missing+=(python3)
            command -v containerd >/dev/null || missing+=(containerd)
            command -v runc >/dev/null || missing+=(runc)
            [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
            command -v iptables >/dev/null || missing+=(iptables)
            command -v ipset >/dev/null || missing+=(ipset)
            command -v conntrack >/dev/null || missing+=(conntrack)
            command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
            command -v umoci >/dev/null || missing+=(umoci)
            command -v skopeo >/dev/null || missing+=(skopeo)
            ;;
    esac
    echo "${missing[*]}"
}

apt_packages() {
    local missing
    read -ra missing <<<"$(missing_packages)"
    [ ${#missing[@]} -gt 0 ] || return 0
    if ((DRY_RUN)); then
        log "would install Debian packages: ${missing[*]}"
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

npm_dependencies() {
    # npm ci only when the lock file changed since the last install.
    local stamp=node_modules/.arkouda-lock-hash hash
    hash=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
        log "npm dependencies: up to date"
        return
    fi
    if ((DRY_RUN)); then
        log "would run npm ci"
        return
    fi
    npm ci --no-audit --no-fund --loglevel=error
    echo "$hash" > "$stamp"
}

timed "debian packages" apt_packages
timed "npm dependencies" npm_dependencies
# tsc into bin/ unless bin/ is current (one line says which); program.js refuses a stale build.
program_build() {
    local args=()
    ((DRY_RUN)) && args+=(--dry-run)
    node scripts/program-build.js "${args[@]}"
}
timed "program build" program_build
timed "toolchain" scripts/toolchain.sh build "${TOOLCHAIN[@]}"
