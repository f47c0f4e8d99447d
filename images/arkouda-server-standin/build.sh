#!/bin/bash
# Build the arkouda_server STAND-IN image (not Arkouda) as a docker-archive:
#   images/arkouda-server-standin/build.sh OUT_TAR
# Tagged with the reference the product's manifests use by default
# (<images.server>:<default version> from components/config), so the local node runs the
# unchanged manifests. Debian rootfs (shared with the exporter stand-in, cached) + one layer
# with /opt/arkouda/arkouda_server. User and working directory are the real image's (its last
# USER, ubuntu, and WORKDIR, /opt: arkouda-docker/chapel-gasnet-udp, arkouda-udp-server).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=standin-lib.sh
source "$here/standin-lib.sh"

out="${1:?usage: build.sh OUT_TAR}"
ref="$(standin_ref server)"
version="${ref##*:}"
base="$(standin_base_tar)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
install -d -m 0755 "$work/root/opt/arkouda"
install -m 0755 "$here/arkouda_server" "$work/root/opt/arkouda/arkouda_server"
# As in the real image (arkouda-docker/chapel-gasnet-udp `chmod 777 /opt`, arkouda-udp-server
# `chown -R ubuntu:ubuntu /opt`): /opt, the working directory where the server makes .arkouda,
# is ubuntu's and writable by anyone; /opt/arkouda is ubuntu's.
chown 1000:1000 "$work/root/opt" "$work/root/opt/arkouda"
chmod 0777 "$work/root/opt"
standin_layer "$work/layer.tar" "$work/root"

config="$(python3 -c 'import json,sys; print(json.dumps({
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "ARKOUDA_STANDIN_VERSION=" + sys.argv[1]],
    "Cmd": ["/opt/arkouda/arkouda_server"],
    "User": "ubuntu",
    "WorkingDir": "/opt",
    "Labels": {"org.opencontainers.image.description": "arkouda_server STAND-IN built by arkouda-workflows for its local node; not Arkouda"},
}))' "$version")"
standin_archive "$out" "$config" "$ref" "$base" "$work/layer.tar"
standin_log "wrote $out ($ref, stand-in)"
