#!/usr/bin/env bash
# Builds every third-party tool the project needs from its Go module, at the versions
# pinned in tools/versions.env and tools/<module>/go.mod, into a cache outside the
# work tree.
#
#   scripts/toolchain.sh [build [--set SET]... [--dry-run] [TOOL...]]
#                                           build all tools, or the named sets and tools; cached
#                                           ones are skipped (--dry-run: say what would be built)
#   scripts/toolchain.sh env                print export lines: eval "$(scripts/toolchain.sh env)"
#   scripts/toolchain.sh path TOOL          print the path of one binary (or of the CRD dir)
#   scripts/toolchain.sh list               print the tools, their versions and cache state
#   scripts/toolchain.sh sets               print the sets: "SET: TOOL..." per line
#   scripts/toolchain.sh key TOOL           print a tool's cache key (what its .stamp holds)
#
# Sets (what each command runs; scripts/setup.sh --for picks one):
#   pulumi   pulumi, its Node.js language host, the kubernetes and random providers: `pulumi up`
#            against any cluster
#   local    pulumi's, plus what the embedded default runs (scripts/local-up.sh)
#   all      every tool: the tests (scripts/test-all.sh)
#
# Tools, in build order: etcd kube-apiserver kube-controller-manager kubectl pulumi
# pulumi-language-nodejs pulumi-resource-kubernetes pulumi-resource-random argo
# workflow-controller crds, then the local node's: kubelet kube-scheduler kube-proxy
# (the same k8s.io/kubernetes module and Go build cache as kube-apiserver) coredns kube-router
# argoexec,
# then the metrics stack the tests run on the node: prometheus-operator
# prometheus-config-reloader prometheus, then the registry the private-registry test runs on
# the node's bridge: registry.
#
# Cache layout (ARKOUDA_TOOLCHAIN_CACHE, default ~/.cache/arkouda-workflows/toolchain):
#   <tool>-<version>/bin/...   one directory per tool and version, with a .stamp
#   bin/                       symlinks to the pinned set (put first on PATH by `env`)
#   pulumi-home/               PULUMI_HOME with the providers installed as plugins
#   crds-<argo>-<prom-op>/     CRD manifests (ARKOUDA_CRDS_DIR)
# Go's module and build caches stay at Go's defaults.
set -euo pipefail
# The build_<tool> recipes are called indirectly ("build_$tool").
# shellcheck disable=SC2317,SC2153

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
source "$REPO_ROOT/scripts/lib.sh" "[toolchain]"
TOOLS_DIR="$REPO_ROOT/tools"
# Bump when the build recipe below changes in a way that must invalidate built tools.
RECIPE=1

ALL_TOOLS=(etcd kube-apiserver kube-controller-manager kubectl pulumi pulumi-language-nodejs
  pulumi-resource-kubernetes pulumi-resource-random argo workflow-controller crds
  kubelet kube-scheduler kube-proxy coredns kube-router argoexec
  prometheus-operator prometheus-config-reloader prometheus registry)
OPTIONAL_TOOLS=()

# The program declares resources with the kubernetes and random providers only.
SET_PULUMI=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes pulumi-resource-random)
# The embedded default: the control plane and the CRDs it installs (local-cluster.sh), the node
# (local-node.sh), the binaries the images carry (images/kubectl, images/argoexec), the
# workflow-controller local-up.sh starts, and `argo` for the submit it prints as the next step.
# Not the metrics stack: the deploys run without it, and its three builds would add about a
# fifth to a cold set-up; `local-cluster.sh prometheus` builds them when it is first asked for.
SET_LOCAL=(etcd kube-apiserver kube-controller-manager kubectl crds kubelet kube-scheduler kube-proxy
  coredns kube-router argoexec workflow-controller argo "${SET_PULUMI[@]}")
SETS=(pulumi local all)

# The tools of a set, in build order (tools of the k8s.io/kubernetes module next to each other).
set_tools() {
  local members=() tool
  case $1 in
    pulumi) members=("${SET_PULUMI[@]}") ;;
    local) members=("${SET_LOCAL[@]}") ;;
    all) members=("${ALL_TOOLS[@]}") ;;
    *) die "unknown set '$1' (sets: ${SETS[*]})" ;;
  esac
  for tool in "${ALL_TOOLS[@]}"; do
    [[ " ${members[*]} " == *" $tool "* ]] && echo "$tool"
  done
  return 0
}

# ---------------------------------------------------------------- versions
load_versions() {
  local line key value
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%%#*}
    [[ $line =~ ^[[:space:]]*([A-Z0-9_]+)=[[:space:]]*([^[:space:]]*) ]] || continue
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    # The environment may override a pin (e.g. to try a new version), not the file.
    if [[ -z ${!key:-} ]]; then printf -v "$key" '%s' "$value"; fi
  done <"$TOOLS_DIR/versions.env"
  local v
  for v in PULUMI_VERSION PULUMI_LANGUAGE_NODEJS_VERSION PULUMI_KUBERNETES_VERSION \
    PULUMI_RANDOM_VERSION KUBERNETES_VERSION ETCD_VERSION ARGO_VERSION PROMETHEUS_OPERATOR_VERSION \
    COREDNS_VERSION KUBE_ROUTER_VERSION PROMETHEUS_VERSION DISTRIBUTION_VERSION; do
    [[ -n ${!v:-} ]] || die "$v is not set in tools/versions.env"
  done
  ARGO_MODULE=github.com/argoproj/argo-workflows/v${ARGO_VERSION:1:1}
  # Prometheus 3.A.B is published as the module version v0.(300+A).B.
  [[ $PROMETHEUS_VERSION =~ ^v3\.([0-9]+)\.([0-9]+)$ ]] || die "PROMETHEUS_VERSION=$PROMETHEUS_VERSION is not a v3.A.B release"
  PROMETHEUS_MODULE_VERSION="v0.$((300 + BASH_REMATCH[1])).${BASH_REMATCH[2]}"
}

tool_version() {
  case $1 in
    etcd) echo "$ETCD_VERSION" ;;
    kube-apiserver | kubectl | kube-controller-manager | kubelet | kube-scheduler | kube-proxy)
      echo "$KUBERNETES_VERSION" ;;
    coredns) echo "$COREDNS_VERSION" ;;
    kube-router) echo "$KUBE_ROUTER_VERSION" ;;
    pulumi) echo "$PULUMI_VERSION" ;;
    pulumi-language-nodejs) echo "$PULUMI_LANGUAGE_NODEJS_VERSION" ;;
    pulumi-resource-kubernetes) echo "$PULUMI_KUBERNETES_VERSION" ;;
    pulumi-resource-random) echo "$PULUMI_RANDOM_VERSION" ;;
    argo | workflow-controller | argoexec) echo "$ARGO_VERSION" ;;
    crds) echo "$ARGO_VERSION-$PROMETHEUS_OPERATOR_VERSION" ;;
    prometheus-operator | prometheus-config-reloader) echo "$PROMETHEUS_OPERATOR_VERSION" ;;
    prometheus) echo "$PROMETHEUS_VERSION" ;;
    registry) echo "$DISTRIBUTION_VERSION" ;;
    *) die "unknown tool '$1' (tools: ${ALL_TOOLS[*]} ${OPTIONAL_TOOLS[*]})" ;;
  esac
}

# tools/<dir> holding the Go module a tool is built from.
tool_module_dir() {
  case $1 in
    etcd) echo etcd ;;
    kube-apiserver | kubectl | kube-controller-manager | kubelet | kube-scheduler | kube-proxy) echo kubernetes ;;
    coredns) echo coredns ;;
    kube-router) echo kube-router ;;
    pulumi) echo pulumi ;;
    pulumi-language-nodejs) echo pulumi-language-nodejs ;;
    pulumi-resource-kubernetes) echo pulumi-kubernetes ;;
    pulumi-resource-random) echo pulumi-random ;;
    argo | workflow-controller | crds | argoexec) echo argo ;;
    prometheus-operator | prometheus-config-reloader) echo prometheus-operator ;;
    prometheus) echo prometheus ;;
    registry) echo distribution ;;
  esac
}

# "module version" lines each tool's go.mod must contain, so versions.env and go.mod agree.
tool_requires() {
  case $1 in
    etcd) echo "go.etcd.io/etcd/server/v3 $ETCD_VERSION" ;;
    kube-apiserver | kubectl | kube-controller-manager | kubelet | kube-scheduler | kube-proxy)
      echo "k8s.io/kubernetes $KUBERNETES_VERSION" ;;
    coredns) echo "github.com/coredns/coredns $COREDNS_VERSION" ;;
    kube-router) echo "github.com/cloudnativelabs/kube-router/v2 $KUBE_ROUTER_VERSION" ;;
    pulumi) echo "github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION" ;;
    pulumi-language-nodejs) echo "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_LANGUAGE_NODEJS_VERSION" ;;
    pulumi-resource-kubernetes)
      echo "github.com/pulumi/pulumi-kubernetes/provider/v4 $PULUMI_KUBERNETES_PROVIDER_MODULE" ;;
    argo | workflow-controller | crds | argoexec) echo "$ARGO_MODULE $ARGO_VERSION" ;;
    prometheus-operator | prometheus-config-reloader)
      echo "github.com/prometheus-operator/prometheus-operator $PROMETHEUS_OPERATOR_VERSION" ;;
    prometheus) echo "github.com/prometheus/prometheus $PROMETHEUS_MODULE_VERSION" ;;
    registry) echo "github.com/distribution/distribution/v3 $DISTRIBUTION_VERSION" ;;
  esac
}

tool_dir() { echo "$TOOLCHAIN_CACHE/$1-$(tool_version "$1")"; }

# Binaries a tool installs under its bin/ (the first one is what `path` prints).
tool_bins() {
  case $1 in
    pulumi-language-nodejs) echo "pulumi-language-nodejs pulumi-resource-pulumi-nodejs pulumi-analyzer-policy" ;;
    crds) ;;
    *) echo "$1" ;;
  esac
}

# Cache key: recipe, Go version, pins and the tools module's files.
tool_key() {
  local tool=$1 mod
  mod="$TOOLS_DIR/$(tool_module_dir "$tool")"
  {
    echo "recipe=$RECIPE go=$GO_VERSION tool=$tool version=$(tool_version "$tool")"
    tool_requires "$tool"
    [[ $tool == crds ]] && echo "prometheus-operator=$PROMETHEUS_OPERATOR_VERSION stack=${PROMETHEUS_STACK_CRDS[*]}"
    [[ $tool == prometheus ]] && echo "sd=${PROMETHEUS_SD_PLUGINS[*]}"
    find "$mod" -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum | sed "s|$TOOLS_DIR/||"
  } | sha256sum | cut -c1-16
}

is_cached() {
  local tool=$1 dir b
  dir=$(tool_dir "$tool")
  [[ -f $dir/.stamp && $(cat "$dir/.stamp") == "$(tool_key "$tool")" ]] || return 1
  for b in $(tool_bins "$tool"); do [[ -x $dir/bin/$b ]] || return 1; done
}

check_requires() {
  local tool=$1 mod req
  mod="$TOOLS_DIR/$(tool_module_dir "$tool")/go.mod"
  req=$(tool_requires "$tool")
  [[ -z $req ]] && return 0
  grep -Eq "^[[:space:]]*(require[[:space:]]+)?${req//./\\.}([[:space:]]|$)" "$mod" ||
    die "$mod does not require '$req' (pinned in tools/versions.env); update the tools module (go get + go mod tidy)"
}

# ---------------------------------------------------------------- go helpers
setup_go() {
  command -v go >/dev/null || die "go is not on PATH (need Go >= 1.26)"
  export GOTOOLCHAIN=local GOFLAGS="-trimpath -buildvcs=false -mod=readonly" CGO_ENABLED=0
  GO_VERSION=$(go env GOVERSION)
  local minor=${GO_VERSION#go1.}
  minor=${minor%%.*}
  ((minor >= 26)) || die "$GO_VERSION is too old: k8s.io/kubernetes $KUBERNETES_VERSION needs Go >= 1.26"
}

# Directory of a module in the module cache (downloading it if needed), run from a tools module.
mod_dir() { # moddir module
  (cd "$1" && go mod download -json "$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

gobuild() { # moddir out pkg ldflags [extra go build args...]
  local moddir=$1 out=$2 pkg=$3 ld=$4
  shift 4
  (cd "$moddir" && go build "$@" -ldflags "-s -w $ld" -o "$out" "$pkg")
}

# ---------------------------------------------------------------- recipes
# Each build_<tool> DEST builds into DEST/bin (a fresh temporary directory).
build_etcd() { gobuild "$TOOLS_DIR/etcd" "$1/bin/etcd" . ""; }

kube_ldflags() {
  local v=$KUBERNETES_VERSION major minor p ld=""
  major=${v#v} major=${major%%.*}
  minor=${v#v*.} minor=${minor%%.*}
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  echo "$ld"
}
build_kube-apiserver() {
  gobuild "$TOOLS_DIR/kubernetes" "$1/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver "$(kube_ldflags)"
}
build_kubectl() {
  gobuild "$TOOLS_DIR/kubernetes" "$1/bin/kubectl" k8s.io/kubernetes/cmd/kubectl "$(kube_ldflags)"
}
build_kube-controller-manager() {
  gobuild "$TOOLS_DIR/kubernetes" "$1/bin/kube-controller-manager" \
    k8s.io/kubernetes/cmd/kube-controller-manager "$(kube_ldflags)"
}
# The node's binaries: same module, flags and so Go build cache as the control plane's.
build_kubelet() { gobuild "$TOOLS_DIR/kubernetes" "$1/bin/kubelet" k8s.io/kubernetes/cmd/kubelet "$(kube_ldflags)"; }
build_kube-scheduler() {
  gobuild "$TOOLS_DIR/kubernetes" "$1/bin/kube-scheduler" k8s.io/kubernetes/cmd/kube-scheduler "$(kube_ldflags)"
}
build_kube-proxy() { gobuild "$TOOLS_DIR/kubernetes" "$1/bin/kube-proxy" k8s.io/kubernetes/cmd/kube-proxy "$(kube_ldflags)"; }

# tools/coredns/main.go: coremain with only the plugins the local cluster DNS configures
# (no forward). CoreVersion is a constant of the module; the commit is the proxy's.
build_coredns() {
  local commit
  commit=$(cd "$TOOLS_DIR/coredns" && go mod download -json "github.com/coredns/coredns@$COREDNS_VERSION" |
    sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",*$/\1/p' | head -1)
  gobuild "$TOOLS_DIR/coredns" "$1/bin/coredns" . "-X github.com/coredns/coredns/coremain.GitCommit=${commit:-$COREDNS_VERSION}"
}

# Upstream's cmd/kube-router (the node runs only its NetworkPolicy controller). Its Makefile
# stamps pkg/version with `git describe --tags` (the tag: v2.1.0) and the build date; the date
# is fixed, as for Prometheus, so a rebuild of the same pins is the same binary.
build_kube-router() {
  local p=github.com/cloudnativelabs/kube-router/v2/pkg/version
  gobuild "$TOOLS_DIR/kube-router" "$1/bin/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router \
    "-X $p.Version=$KUBE_ROUTER_VERSION -X $p.BuildDate=1970-01-01T00:00:00+0000"
}

build_pulumi() {
  gobuild "$TOOLS_DIR/pulumi" "$1/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
}

# The language host plus the two node shims the CLI expects next to it.
build_pulumi-language-nodejs() {
  gobuild "$TOOLS_DIR/pulumi-language-nodejs" "$1/bin/pulumi-language-nodejs" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_LANGUAGE_NODEJS_VERSION"
  node_shim "$1/bin/pulumi-resource-pulumi-nodejs" dynamic-provider
  node_shim "$1/bin/pulumi-analyzer-policy" run-policy-pack
}
node_shim() { # file script
  cat >"$1" <<EOF
#!/bin/sh
# Runs @pulumi/pulumi's $2 from the Pulumi project's node_modules (the plugin's cwd
# is the project directory; parent directories are searched like Node does).
d=\$PWD
while :; do
  s="\$d/node_modules/@pulumi/pulumi/cmd/$2"
  if [ -e "\$s" ] || [ -e "\$s.js" ] || [ -e "\$s/index.js" ]; then exec node "\$s" "\$@"; fi
  [ "\$d" = / ] && break
  d=\$(dirname "\$d")
done
echo "$(basename "$1"): no node_modules/@pulumi/pulumi/cmd/$2 above \$PWD" >&2
exit 1
EOF
  chmod +x "$1"
}

# Upstream's cmd/pulumi-resource-kubernetes embeds schema-embed.json and
# terraform-mapping-embed.json, which its Makefile generates and the module zip lacks.
# tools/pulumi-kubernetes/main.go restates that 10-line main; here we run upstream's
# generate.go and hand its output to the compiler with -overlay (which may add files to
# our module, not to the module cache).
build_pulumi-resource-kubernetes() {
  local mod="$TOOLS_DIR/pulumi-kubernetes" src gen="$1/gen"
  src=$(mod_dir "$mod" github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes
  [[ -f $src/generate.go ]] || die "provider module not found in the module cache"
  mkdir -p "$gen"
  cp "$src/schema.json" "$src/terraform-mapping.json" "$gen/"
  chmod u+w "$gen"/*.json
  (cd "$mod" && go build -o "$gen/generate" "$src/generate.go")
  (cd "$gen" && VERSION=$PULUMI_KUBERNETES_VERSION ./generate)
  printf '{"Replace":{"%s":"%s","%s":"%s"}}\n' \
    "$mod/schema-embed.json" "$gen/schema-embed.json" \
    "$mod/terraform-mapping-embed.json" "$gen/terraform-mapping-embed.json" >"$gen/overlay.json"
  gobuild "$mod" "$1/bin/pulumi-resource-kubernetes" . \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
    -overlay "$gen/overlay.json"
  rm -rf "$gen"
}

build_pulumi-resource-random() {
  gobuild "$TOOLS_DIR/pulumi-random" "$1/bin/pulumi-resource-random" . \
    "-X main.version=$PULUMI_RANDOM_VERSION"
}

argo_ldflags() {
  local p=$ARGO_MODULE commit
  # The proxy's .info records the tagged commit; any non-empty value makes `argo version`
  # report the tag. The controller uses the version as the argoexec image tag.
  commit=$(cd "$TOOLS_DIR/argo" && go mod download -json "$ARGO_MODULE@$ARGO_VERSION" |
    sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",*$/\1/p' | head -1)
  echo "-X $p.version=$ARGO_VERSION -X $p.gitTag=$ARGO_VERSION -X $p.gitTreeState=clean" \
    "-X $p.gitCommit=${commit:-unknown} -X $p.buildDate=1970-01-01T00:00:00Z"
}
# `argo server` embeds the UI (ui/dist/app), which argo's Makefile builds with yarn (or
# stubs with a placeholder page) and the module zip lacks. Go refuses -overlay for files
# in the module cache, so both argo binaries are built from a vendor tree of the tools
# module made in the cache (`go mod vendor -e`), with the same one-page placeholder
# the upstream Makefile writes when building without the UI. The tree is removed after.
ARGO_SRC=""
argo_src() {
  ARGO_SRC="$TOOLCHAIN_CACHE/.src-argo"
  [[ -f $ARGO_SRC/.ready ]] && return 0
  rm -rf "$ARGO_SRC"
  mkdir -p "$ARGO_SRC"
  cp "$TOOLS_DIR/argo/go.mod" "$TOOLS_DIR/argo/go.sum" "$ARGO_SRC/"
  (cd "$ARGO_SRC" && go mod vendor -e 2>&1 | grep -v 'pattern dist/app: no matching files' >&2 || true)
  local ui="$ARGO_SRC/vendor/$ARGO_MODULE/ui"
  [[ -f $ui/embed.go && -f $ARGO_SRC/vendor/modules.txt ]] || die "go mod vendor failed for argo"
  mkdir -p "$ui/dist/app"
  echo '<!doctype html><title>Argo</title><p>Built without the UI (arkouda-workflows toolchain).</p>' \
    >"$ui/dist/app/index.html"
  # Upstream's workflow/executor/osspecific/signal_linux.go is a symlink to signal_darwin.go,
  # and module zips drop symlinks: without it argoexec does not build for Linux.
  local os="$ARGO_SRC/vendor/$ARGO_MODULE/workflow/executor/osspecific"
  [[ -e $os/signal_linux.go ]] || cp "$os/signal_darwin.go" "$os/signal_linux.go"
  touch "$ARGO_SRC/.ready"
}
build_argo() {
  argo_src
  gobuild "$ARGO_SRC" "$1/bin/argo" "$ARGO_MODULE/cmd/argo" "$(argo_ldflags)" -mod=vendor
}
build_workflow-controller() {
  argo_src
  gobuild "$ARGO_SRC" "$1/bin/workflow-controller" "$ARGO_MODULE/cmd/workflow-controller" \
    "$(argo_ldflags)" -mod=vendor
}

# The executor, for the local argoexec image (images/argoexec).
build_argoexec() {
  argo_src
  gobuild "$ARGO_SRC" "$1/bin/argoexec" "$ARGO_MODULE/cmd/argoexec" "$(argo_ldflags)" -mod=vendor
}

# The commit a module version was tagged from, as the proxy's .info records it (empty when the
# cached .info predates Origin).
module_commit() { # moddir module@version
  (cd "$1" && go mod download -json "$2" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",*$/\1/p' | head -1)
}

# What upstream's Makefiles and .promu.yml stamp into github.com/prometheus/common/version:
# the release's version (its VERSION file: no leading v), revision, branch, user and date. The
# date is fixed so a rebuild of the same pins is the same binary.
prometheus_ldflags() { # moddir module version
  local p=github.com/prometheus/common/version commit
  commit=$(module_commit "$1" "$2@$3")
  echo "-X $p.Version=${3#v} -X $p.Revision=${commit:-$3} -X $p.Branch=HEAD" \
    "-X $p.BuildUser=arkouda-workflows -X $p.BuildDate=19700101-00:00:00"
}

# The operator and its config reloader, upstream's mains from the operator module (the module's
# replace of its own pkg/apis/monitoring and pkg/client resolves to their published v0.85.0,
# the same code). The operator names its default reloader image by the stamped version.
build_prometheus-operator() {
  local m=github.com/prometheus-operator/prometheus-operator
  gobuild "$TOOLS_DIR/prometheus-operator" "$1/bin/prometheus-operator" "$m/cmd/operator" \
    "$(prometheus_ldflags "$TOOLS_DIR/prometheus-operator" "$m" "$PROMETHEUS_OPERATOR_VERSION")"
}
build_prometheus-config-reloader() {
  local m=github.com/prometheus-operator/prometheus-operator
  gobuild "$TOOLS_DIR/prometheus-operator" "$1/bin/prometheus-config-reloader" "$m/cmd/prometheus-config-reloader" \
    "$(prometheus_ldflags "$TOOLS_DIR/prometheus-operator" "$m" "$PROMETHEUS_OPERATOR_VERSION")"
}

# Upstream's cmd/prometheus, without the `builtinassets` tag: the web UI's assets are built by
# npm and are not in the module zip, so the binary serves the HTTP API (what the tests and any
# scraper use) and no UI pages. Version stamp: the release's, not the module version's.
# Its plugins/plugins.go imports every service discovery (AWS, Azure, GCE, xDS, ...); upstream
# builds with fewer by listing them in plugins.yml and regenerating that file (`make plugins`).
# The local Prometheus discovers on Kubernetes only, so the build does the same, in a vendor tree
# of tools/prometheus made in the cache (Go refuses -overlay for the module cache), with the
# generated file listing PROMETHEUS_SD_PLUGINS (file and http come from plugins/minimum.go).
PROMETHEUS_SD_PLUGINS=(kubernetes)
build_prometheus() {
  local src="$TOOLCHAIN_CACHE/.src-prometheus" m=github.com/prometheus/prometheus plugins p
  rm -rf "$src"
  mkdir -p "$src"
  cp "$TOOLS_DIR/prometheus/go.mod" "$TOOLS_DIR/prometheus/go.sum" "$src/"
  (cd "$src" && go mod vendor)
  plugins="$src/vendor/$m/plugins/plugins.go"
  [[ -f $plugins && -f $src/vendor/modules.txt ]] || die "go mod vendor failed for prometheus"
  {
    sed -n '1,/^package plugins$/p' "$plugins"
    printf '\nimport (\n'
    for p in "${PROMETHEUS_SD_PLUGINS[@]}"; do printf '\t// Register %s plugin.\n\t_ "%s/discovery/%s"\n' "$p" "$m" "$p"; done
    printf ')\n'
  } >"$src/plugins.go"
  rm -f "$plugins"
  mv "$src/plugins.go" "$plugins"
  gobuild "$src" "$1/bin/prometheus" "$m/cmd/prometheus" \
    "$(prometheus_ldflags "$TOOLS_DIR/prometheus" "$m" "$PROMETHEUS_MODULE_VERSION" |
      sed "s/version.Version=[^ ]*/version.Version=${PROMETHEUS_VERSION#v}/")" -mod=vendor
  rm -rf "$src"
}

# tools/distribution/main.go: the registry with the htpasswd authentication and the filesystem
# storage only. Stamped as upstream's Makefile stamps it: the release and, where the proxy's .info
# records it, its commit (`registry --version`).
build_registry() {
  local m=github.com/distribution/distribution/v3 commit
  commit=$(module_commit "$TOOLS_DIR/distribution" "$m@$DISTRIBUTION_VERSION")
  gobuild "$TOOLS_DIR/distribution" "$1/bin/registry" . \
    "-X $m/version.version=$DISTRIBUTION_VERSION -X $m/version.revision=$commit -X $m/version.mainpkg=$m"
}

# The CRDs the local cluster installs on start (Argo's and the ServiceMonitor), and in
# prometheus-operator/ the other ones the operator's Prometheus controller waits for
# (`local-cluster.sh prometheus` installs those).
PROMETHEUS_STACK_CRDS=(prometheuses podmonitors probes prometheusrules)
build_crds() {
  local argo prom f
  argo=$(mod_dir "$TOOLS_DIR/argo" "$ARGO_MODULE")
  # Outside any module: only this one module is fetched (checked against the checksum DB).
  prom=$(cd "$1" && GOFLAGS='' go mod download -json \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $argo && -n $prom ]] || die "could not download the CRD modules"
  for f in "$argo"/manifests/base/crds/full/*.yaml; do
    [[ $(basename "$f") == kustomization.yaml ]] || install -m 0644 "$f" "$1/"
  done
  install -m 0644 "$prom/example/prometheus-operator-crd-full/monitoring.coreos.com_servicemonitors.yaml" "$1/"
  mkdir -p "$1/prometheus-operator"
  for f in "${PROMETHEUS_STACK_CRDS[@]}"; do
    install -m 0644 "$prom/example/prometheus-operator-crd-full/monitoring.coreos.com_$f.yaml" "$1/prometheus-operator/"
  done
  ls "$1"/argoproj.io_workflows.yaml >/dev/null
  rmdir "$1/bin"
}

# ---------------------------------------------------------------- build driver
build_one() {
  local tool=$1 version dir tmp start key rc=0
  version=$(tool_version "$tool")
  dir=$(tool_dir "$tool")
  start=$SECONDS
  key=$(tool_key "$tool")
  check_requires "$tool"
  log "$tool $version: building..."
  tmp=$(mktemp -d "$TOOLCHAIN_CACHE/.build-$tool.XXXXXX")
  chmod 0755 "$tmp"
  mkdir -p "$tmp/bin"
  # (A subshell in a plain statement: `set -e` does not work inside `f || ...`.)
  set +e
  (
    set -e
    "build_$tool" "$tmp"
  )
  rc=$?
  set -e
  if ((rc != 0)); then
    rm -rf "$tmp"
    die "$tool $version: build failed (exit $rc) after $((SECONDS - start))s"
  fi
  echo "$key" >"$tmp/.stamp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "$tool $version: built ($((SECONDS - start))s)"
}

# <root>/bin: symlinks to the pinned set. The language host and its node shims go next
# to the pulumi binary (where the CLI looks for bundled plugins) and not on PATH, so
# the CLI does not warn about "using ... from \$PATH". Providers are installed as
# plugins into PULUMI_HOME, at the versions the npm SDKs ask for.
link_all() {
  local bin="$TOOLCHAIN_CACHE/bin" tool b dir
  mkdir -p "$bin"
  for tool in etcd kube-apiserver kubectl kube-controller-manager pulumi argo workflow-controller \
    kubelet kube-scheduler kube-proxy coredns kube-router argoexec prometheus-operator prometheus-config-reloader prometheus registry; do
    dir=$(tool_dir "$tool")
    [[ -x $dir/bin/$tool ]] && ln -sfn "$dir/bin/$tool" "$bin/$tool"
  done
  dir=$(tool_dir pulumi-language-nodejs)
  if [[ -x $(tool_dir pulumi)/bin/pulumi && -x $dir/bin/pulumi-language-nodejs ]]; then
    for b in $(tool_bins pulumi-language-nodejs); do
      ln -sfn "$dir/bin/$b" "$(tool_dir pulumi)/bin/$b"
    done
    ln -sfn "$dir/bin/pulumi-analyzer-policy" "$bin/pulumi-analyzer-policy"
  fi
  dir=$(tool_dir crds)
  [[ -d $dir ]] && ln -sfn "$dir" "$TOOLCHAIN_CACHE/crds"
  install_plugin kubernetes pulumi-resource-kubernetes
  install_plugin random pulumi-resource-random
}

install_plugin() { # name tool
  local name=$1 tool=$2 version dir pulumi home marker
  version=$(tool_version "$tool")
  dir=$(tool_dir "$tool")
  pulumi=$(tool_dir pulumi)/bin/pulumi
  home="$TOOLCHAIN_CACHE/pulumi-home"
  marker="$home/plugins/resource-$name-v$version/.arkouda-stamp"
  [[ -x $pulumi && -x $dir/bin/$tool ]] || return 0
  [[ -f $marker && $(cat "$marker") == "$(cat "$dir/.stamp")" ]] && return 0
  log "installing plugin resource $name $version into $home"
  PULUMI_HOME=$home PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
    "$pulumi" plugin install resource "$name" "$version" --file "$dir/bin/$tool" --reinstall >&2
  cp "$dir/.stamp" "$marker"
}

# Downloads are network-bound and builds CPU-bound: on a cold machine the modules of every tool
# still to build are fetched in the background (one tools module after another, in build
# order) while the first tools compile, instead of each build waiting for its own downloads.
# Go's module cache locks per module, so a build and the prefetch may ask for the same one.
PREFETCH_PID=""
prefetch_modules() {
  local dirs=() tool d
  for tool in "$@"; do
    is_cached "$tool" && continue
    d="$TOOLS_DIR/$(tool_module_dir "$tool")"
    [[ " ${dirs[*]-} " == *" $d "* ]] || dirs+=("$d")
  done
  ((${#dirs[@]})) || return 0
  log "fetching the modules of ${#dirs[@]} tools modules in the background (log: $TOOLCHAIN_CACHE/.prefetch.log)"
  (
    for d in "${dirs[@]}"; do
      start=$SECONDS
      (cd "$d" && go mod download) || echo "prefetch of $d failed; its build downloads what it needs"
      echo "prefetched $(basename "$d") ($((SECONDS - start))s)"
    done
  ) >"$TOOLCHAIN_CACHE/.prefetch.log" 2>&1 &
  PREFETCH_PID=$!
}

# "tool version, ..." of the given tools.
with_versions() {
  local tool list=""
  for tool in "$@"; do list+="${list:+, }$tool $(tool_version "$tool")"; done
  echo "$list"
}

# Tools first, then sets, in build order; nothing (or only --dry-run) means every tool.
cmd_build() {
  local requested=() ordered=() cached=() missing=() tool start=$SECONDS dry_run=0
  while (($#)); do
    case $1 in
      --set) [[ -n ${2:-} ]] || die "--set needs a set (sets: ${SETS[*]})"
        set_tools "$2" >/dev/null
        mapfile -t -O "${#requested[@]}" requested < <(set_tools "$2")
        shift 2 ;;
      --dry-run) dry_run=1; shift ;;
      -*) die "unknown option '$1' (build [--set SET]... [--dry-run] [TOOL...])" ;;
      *) tool_version "$1" >/dev/null; requested+=("$1"); shift ;;
    esac
  done
  ((${#requested[@]})) || requested=("${ALL_TOOLS[@]}")
  for tool in "${ALL_TOOLS[@]}" "${OPTIONAL_TOOLS[@]}"; do
    [[ " ${requested[*]} " == *" $tool "* ]] && ordered+=("$tool")
  done
  setup_go
  mkdir -p "$TOOLCHAIN_CACHE"
  if ((!dry_run)); then
    # One build at a time per cache (CI and a developer may share a machine).
    exec 9>"$TOOLCHAIN_CACHE/.lock"
    if command -v flock >/dev/null && ! flock -n 9; then
      log "waiting for another toolchain build to finish..."
      flock 9
    fi
  fi
  for tool in "${ordered[@]}"; do
    if is_cached "$tool"; then cached+=("$tool"); else missing+=("$tool"); fi
  done
  # A warm run is this one line.
  if ((${#missing[@]} == 0)); then
    log "all ${#cached[@]} tools cached ($(with_versions "${cached[@]}"))"
  elif ((${#cached[@]})); then
    log "${#cached[@]} tools cached ($(with_versions "${cached[@]}"))"
  fi
  if ((dry_run)); then
    ((${#missing[@]} == 0)) || log "would build ${#missing[@]}: $(with_versions "${missing[@]}")"
    return 0
  fi
  if ((${#missing[@]})); then
    rm -rf "$TOOLCHAIN_CACHE"/.build-* "$TOOLCHAIN_CACHE/.src-argo" "$TOOLCHAIN_CACHE/.src-prometheus"
    prefetch_modules "${missing[@]}"
    for tool in "${missing[@]}"; do build_one "$tool"; done
    if [[ -n $PREFETCH_PID ]]; then
      wait "$PREFETCH_PID" || true
      sed 's/^/[toolchain]   /' "$TOOLCHAIN_CACHE/.prefetch.log" | grep -v '^\[toolchain\]   go: downloading' >&2 || true
    fi
    rm -rf "$TOOLCHAIN_CACHE/.src-argo"
  fi
  link_all
  ((${#missing[@]} == 0)) || log "done ($((SECONDS - start))s): built ${#missing[@]}, cached ${#cached[@]}; cache: $TOOLCHAIN_CACHE"
}

cmd_env() {
  local q tool missing=()
  # Only what is built is on PATH; name what `pulumi` needs here rather than leave a bare
  # "command not found" (or someone else's pulumi) to the next command.
  for tool in "${SET_PULUMI[@]}"; do
    [[ -x $(tool_dir "$tool")/bin/$(tool_bins "$tool" | cut -d' ' -f1) ]] || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) ||
    log "not built: ${missing[*]} (scripts/setup.sh --for real-cluster builds them)"
  printf 'export PATH=%q:"$PATH"\n' "$TOOLCHAIN_CACHE/bin"
  printf 'export ARKOUDA_TOOLCHAIN_CACHE=%q\n' "$TOOLCHAIN_CACHE"
  printf 'export ARKOUDA_CRDS_DIR=%q\n' "$(tool_dir crds)"
  printf 'export PULUMI_HOME=%q\n' "$TOOLCHAIN_CACHE/pulumi-home"
  for q in PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION \
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK; do
    printf 'export %s=true\n' "$q"
  done
}

cmd_path() {
  (($# == 1)) || die "usage: $0 path TOOL"
  local tool=$1 b
  case $tool in
    crds) tool_version crds >/dev/null && echo "$(tool_dir crds)" && return ;;
    pulumi-resource-pulumi-nodejs | pulumi-analyzer-policy) b=$tool tool=pulumi-language-nodejs ;;
    *) b=$tool ;;
  esac
  tool_version "$tool" >/dev/null
  [[ -x $(tool_dir "$tool")/bin/$b ]] || die "$b is not built; run: $0 build $tool"
  echo "$(tool_dir "$tool")/bin/$b"
}

cmd_list() {
  local tool state
  setup_go
  for tool in "${ALL_TOOLS[@]}" "${OPTIONAL_TOOLS[@]}"; do
    if is_cached "$tool"; then state=cached; else state=missing; fi
    printf '%-28s %-20s %s\n' "$tool" "$(tool_version "$tool")" "$state"
  done
}

cmd_sets() {
  local set
  for set in "${SETS[@]}"; do echo "$set: $(set_tools "$set" | tr '\n' ' ' | sed 's/ $//')"; done
}

cmd_key() {
  (($# == 1)) || die "usage: $0 key TOOL"
  tool_version "$1" >/dev/null
  setup_go
  tool_key "$1"
}

main() {
  load_versions
  case ${1:-build} in
    build) shift || true; cmd_build "$@" ;;
    env) cmd_env ;;
    path) shift; cmd_path "$@" ;;
    list) cmd_list ;;
    sets) cmd_sets ;;
    key) shift; cmd_key "$@" ;;
    -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
    *) die "unknown command '$1' (build, env, path, list, sets, key)" ;;
  esac
}

# On one line so bash has read it all before running: editing or checking out this
# file during a long build cannot change what the running build executes next.
main "$@"; exit
