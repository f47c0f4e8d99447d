#!/bin/bash
# Build the prometheus-arkouda-exporter STAND-IN image (not Arkouda) as a docker-archive:
#   images/exporter-standin/build.sh OUT_TAR
# Tagged with <images.exporter>:<default version> from components/config. Same cached Debian
# rootfs as the server stand-in (images/arkouda-server-standin/standin-lib.sh) + one layer with
# the exporter program as the image's entrypoint (the manifests give the exporter no command).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../arkouda-server-standin/standin-lib.sh
source "$here/../arkouda-server-standin/standin-lib.sh"

out="${1:?usage: build.sh OUT_TAR}"
ref="$(standin_ref exporter)"
base="$(standin_base_tar)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
install -d -m 0755 "$work/root/opt/arkouda-metrics-exporter"
install -m 0755 "$here/prometheus_arkouda_exporter" "$work/root/opt/arkouda-metrics-exporter/prometheus_arkouda_exporter"
standin_layer "$work/layer.tar" "$work/root"

config="$(python3 -c 'import json; print(json.dumps({
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONUNBUFFERED=1"],
    "Entrypoint": ["/opt/arkouda-metrics-exporter/prometheus_arkouda_exporter"],
    "WorkingDir": "/opt/arkouda-metrics-exporter",
    "Labels": {"org.opencontainers.image.description": "prometheus-arkouda-exporter STAND-IN built by arkouda-workflows for its local node; not Arkouda"},
}))')"
standin_archive "$out" "$config" "$ref" "$base" "$work/layer.tar"
standin_log "wrote $out ($ref, stand-in)"
