#!/usr/bin/env bash
# quay.io/prometheus/prometheus:<PROMETHEUS_VERSION>, laid out like upstream's (/bin/prometheus
# as the entrypoint, working and data directory /prometheus owned by nobody, user nobody, a
# default /etc/prometheus/prometheus.yml for the default command), on the distroless-like base.
# The operator starts it with its own flags and configuration. Built without the web UI's
# assets (see build_prometheus in scripts/toolchain.sh): the HTTP API is all there is.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=../../scripts/image-lib.sh
source "$here/../../scripts/image-lib.sh"
out="${1:?usage: build.sh OUT_TAR}"

# Upstream's layout: data in /prometheus and a config that scrapes Prometheus itself, both nobody's.
prometheus_root() { # ROOT
  install -d -m 0755 -o 65534 -g 65534 "$1/prometheus" "$1/etc/prometheus"
  printf 'global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: [localhost:9090]\n' \
    >"$1/etc/prometheus/prometheus.yml"
}

image_of_binary "$out" "quay.io/prometheus/prometheus:$(image_pin PROMETHEUS_VERSION)" \
  "$("$IMAGE_REPO_ROOT/scripts/toolchain.sh" path prometheus)" /bin/prometheus prometheus_root \
  --config.entrypoint /bin/prometheus --config.user 65534 \
  --config.workingdir /prometheus --config.exposedports 9090/tcp \
  --config.cmd=--config.file=/etc/prometheus/prometheus.yml --config.cmd=--storage.tsdb.path=/prometheus
