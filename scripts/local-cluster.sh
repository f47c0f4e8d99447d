#!/usr/bin/env bash
# Local Kubernetes cluster for development and integration tests: etcd + kube-apiserver +
# kube-controller-manager (see ARKOUDA_LOCAL_CONTROLLER_MANAGER), all bound to 127.0.0.1,
# plus (ARKOUDA_LOCAL_NODE) one real node: containerd, kubelet, kube-scheduler, kube-proxy,
# CoreDNS and kube-router (NetworkPolicies), pods on a private bridge (scripts/local-node.sh
# describes it). No systemd.
#
# Usage: scripts/local-cluster.sh start|stop|status|env|kubeconfig|versions|logs [component]
#
#   start       Generate PKI + kubeconfig, start the processes, wait for /readyz,
#               install the Argo Workflows and ServiceMonitor CRDs, wait until they
#               are Established. A no-op (exit 0) when the cluster is already up.
#   stop        Stop the processes and remove the state dir. Safe when nothing runs.
#   status      Print whether the cluster runs (exit 0 running, 3 not running).
#   env         Print `export KUBECONFIG=<state>/kubeconfig`.
#   kubeconfig  Print the kubeconfig path.
#   versions    Print the node's component versions.
#   workflow-controller NAMESPACE
#               Run the pinned Argo workflow-controller as a host process for NAMESPACE
#               (namespaced, executor image = the locally built argoexec), so `argo submit`
#               there runs on the node; stopped by `stop`. A no-op if it already runs.
#   prometheus NAMESPACE [KEY=VALUE,...]
#               Run prometheus-operator and a Prometheus it manages as pods on the node (namespace
#               arkouda-monitoring; images built and imported on first use, their tools built by
#               scripts/toolchain.sh then) whose serviceMonitorSelector is the labels (default
#               release=kube-stack, the stack's default prometheusMatchLabels), reading
#               NAMESPACE's ServiceMonitors and prometheus.io/* annotated Services; prints the
#               URL of its HTTP API (the pod IP, reachable from the host). Another call adds a
#               namespace; the selector is the last call's. Stopped with the cluster.
#   logs [c]    Tail the log of a component (etcd, kube-apiserver, kube-controller-manager,
#               containerd, kubelet, kube-scheduler, kube-proxy, coredns, kube-router).
#
# Environment (all optional):
#   ARKOUDA_LOCAL_NODE               auto (default): run the node only for the default state
#                                    dir (one node per machine; extra control planes started
#                                    with their own ARKOUDA_LOCAL_STATE stay node-less);
#                                    1: run it (refused while another running cluster owns it;
#                                    a killed one's leftovers on the host are cleaned up first); 0: never
#   ARKOUDA_NODE_DIR                 node data: containerd's image store (kept across stops),
#                                    kubelet's root dir (default /var/lib/arkouda-node)
#   ARKOUDA_NODE_RUN_DIR             node runtime dir: sockets, runc state (default /run/arkouda-node)
#   ARKOUDA_NODE_BRIDGE              bridge name (default arkouda0)
#   ARKOUDA_NODE_POD_CIDR            pod /24 on the bridge (default 10.244.0.0/24; .1 is the node)
#   ARKOUDA_NODE_NAME                Node name (default arkouda-node)
#   ARKOUDA_NODE_KUBELET_PORT        kubelet API on the bridge address (default 10250)
#   ARKOUDA_NODE_KUBELET_HEALTHZ_PORT, ARKOUDA_LOCAL_SCHEDULER_PORT, ARKOUDA_NODE_PROXY_HEALTHZ_PORT,
#   ARKOUDA_NODE_PROXY_METRICS_PORT, ARKOUDA_NODE_DNS_HEALTH_PORT, ARKOUDA_NODE_DNS_READY_PORT
#                                    loopback ports (defaults 10248, 12259, 10256, 10249, 12080, 12181)
#   ARKOUDA_NODE_DNS_PORT            CoreDNS port on the bridge address (default 53)
#   ARKOUDA_NODE_CNI_BIN_DIR         CNI plugins (default /usr/lib/cni, Debian's)
#   ARKOUDA_NODE_READY_TIMEOUT       seconds to wait for kubelet / the node (default 120)
#   ARKOUDA_KUBELET_BIN, ARKOUDA_KUBE_SCHEDULER_BIN, ARKOUDA_KUBE_PROXY_BIN, ARKOUDA_COREDNS_BIN,
#   ARKOUDA_KUBE_ROUTER_BIN          explicit binary paths (override the toolchain)
#   ARKOUDA_LOCAL_STATE              state dir (default <repo>/.state/local-cluster)
#   ARKOUDA_LOCAL_APISERVER_PORT     kube-apiserver secure port (default 16443)
#   ARKOUDA_LOCAL_ETCD_PORT          etcd client port (default 12379)
#   ARKOUDA_LOCAL_ETCD_PEER_PORT     etcd peer port (default 12380)
#   ARKOUDA_LOCAL_KCM_PORT           kube-controller-manager secure port (default 12257)
#   ARKOUDA_LOCAL_CONTROLLER_MANAGER 1 (default): run kube-controller-manager, building it
#                                    with scripts/toolchain.sh when it is not built yet;
#                                    auto: run it only if a binary is there; 0: never
#   ARKOUDA_LOCAL_KCM_CONTROLLERS    --controllers for kube-controller-manager
#                                    (default: the ones a cluster without nodes needs,
#                                    see DEFAULT_KCM_CONTROLLERS below; "*" for all)
#   ARKOUDA_LOCAL_READY_TIMEOUT      seconds to wait for each readiness step (default 120)
#   ARKOUDA_LOCAL_INSTALL_CRDS       1 (default) / 0: install the CRDs on start
#   ARKOUDA_LOCAL_ETCD_FSYNC         0 (default: etcd --unsafe-no-fsync, the data is
#                                    throw-away) / 1: fsync as usual
#   ARKOUDA_LOCAL_APISERVER_ARGS, ARKOUDA_LOCAL_KCM_ARGS
#                                    extra flags (word-split) appended to the command lines
#   ARKOUDA_CRDS_DIR                 dir with the CRD YAML files (normally exported by
#                                    `scripts/toolchain.sh env`)
#   ARKOUDA_TOOLCHAIN_CACHE          toolchain cache (default ~/.cache/arkouda-workflows/toolchain)
#   ARKOUDA_ETCD_BIN, ARKOUDA_KUBE_APISERVER_BIN, ARKOUDA_KUBE_CONTROLLER_MANAGER_BIN,
#   ARKOUDA_KUBECTL_BIN              explicit binary paths (override the toolchain)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"

PROG="local-cluster"
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh" "$PROG:"
CONTEXT_NAME="arkouda-local"
SERVICE_CIDR="10.96.0.0/12"
SERVICE_IP="10.96.0.1"
# Controllers that matter when there are no nodes: ServiceAccount token Secrets,
# default ServiceAccounts + kube-root-ca.crt ConfigMaps in new namespaces, namespace
# deletion (finalizer), ownerReference garbage collection, aggregated ClusterRoles
# (admin/edit/view and aggregate-to-* roles stay empty without it), ResourceQuota status
# (without it the quota admission plugin rejects writes), CSR signing/approval and
# the token cleaner. Workload controllers (deployment, replicaset, job, ...) are left
# out by default: their Pods could never run here (no scheduler, no kubelet).
DEFAULT_KCM_CONTROLLERS="serviceaccount-token-controller,clusterrole-aggregation-controller,serviceaccount-controller,root-ca-certificate-publisher-controller,namespace-controller,garbage-collector-controller,resourcequota-controller,certificatesigningrequest-signing-controller,certificatesigningrequest-approving-controller,certificatesigningrequest-cleaner-controller,legacy-serviceaccount-token-cleaner-controller"

# With the node: what Deployments, Jobs, Argo's pods and Services need on top.
NODE_KCM_CONTROLLERS="node-lifecycle-controller,persistentvolume-binder-controller,persistentvolume-protection-controller,persistentvolumeclaim-protection-controller,taint-eviction-controller,deployment-controller,replicaset-controller,replicationcontroller-controller,statefulset-controller,daemonset-controller,job-controller,cronjob-controller,ttl-after-finished-controller,endpoints-controller,endpointslice-controller,endpointslice-mirroring-controller,pod-garbage-collector-controller,ttl-controller,disruption-controller"

STATE_IN="${ARKOUDA_LOCAL_STATE:-$REPO_ROOT/.state/local-cluster}"
APISERVER_PORT="${ARKOUDA_LOCAL_APISERVER_PORT:-16443}"
ETCD_PORT="${ARKOUDA_LOCAL_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${ARKOUDA_LOCAL_ETCD_PEER_PORT:-12380}"
KCM_PORT="${ARKOUDA_LOCAL_KCM_PORT:-12257}"
KCM_MODE="${ARKOUDA_LOCAL_CONTROLLER_MANAGER:-1}"
KCM_CONTROLLERS="${ARKOUDA_LOCAL_KCM_CONTROLLERS:-$DEFAULT_KCM_CONTROLLERS}"
READY_TIMEOUT="${ARKOUDA_LOCAL_READY_TIMEOUT:-120}"
INSTALL_CRDS="${ARKOUDA_LOCAL_INSTALL_CRDS:-1}"
ETCD_FSYNC="${ARKOUDA_LOCAL_ETCD_FSYNC:-0}"
TOOLCHAIN_SH="$REPO_ROOT/scripts/toolchain.sh"
VERSIONS_ENV="$REPO_ROOT/tools/versions.env"
# The environment and config of the workflow-controller (shared with the tests' controller).
WORKFLOW_CONTROLLER_DIR="$REPO_ROOT/scripts/workflow-controller"

COMPONENTS=(etcd kube-apiserver kube-controller-manager containerd kubelet kube-scheduler kube-proxy coredns kube-router)
PAUSE_IMAGE="$(sed -n 's/^PAUSE_IMAGE=//p' "$VERSIONS_ENV" 2>/dev/null | tr -d '"'\'' ')" || true
PAUSE_IMAGE="${PAUSE_IMAGE:-registry.k8s.io/pause:3.10.1}"
MARKER=".arkouda-local-cluster"

now_ms() { date +%s%3N; }
elapsed() { # start_ms -> "12.3s"
  local d=$(( $(now_ms) - $1 ))
  printf '%d.%01ds' $((d / 1000)) $(((d % 1000) / 100))
}

# Absolute path of the state dir, whether or not it exists yet.
STATE="$(realpath -m -- "$STATE_IN")"
case "$STATE" in
  /|"$HOME"|"$REPO_ROOT") die "ARKOUDA_LOCAL_STATE=$STATE_IN is not a dedicated directory" ;;
esac
PKI="$STATE/pki"
KUBECONFIG_PATH="$STATE/kubeconfig"
KCM_KUBECONFIG="$STATE/kube-controller-manager.kubeconfig"

for v in APISERVER_PORT ETCD_PORT ETCD_PEER_PORT KCM_PORT READY_TIMEOUT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
done

port_var() {
  case "$1" in
    kube-apiserver) echo ARKOUDA_LOCAL_APISERVER_PORT ;;
    etcd) echo ARKOUDA_LOCAL_ETCD_PORT ;;
    etcd-peer) echo ARKOUDA_LOCAL_ETCD_PEER_PORT ;;
    kube-controller-manager) echo ARKOUDA_LOCAL_KCM_PORT ;;
  esac
}

# ---------------------------------------------------------------- processes

pidfile() { echo "$STATE/$1.pid"; }
logfile() { echo "$STATE/$1.log"; }

# Prints the pid of a component if it is running and really is ours (its command
# line names our state dir, which guards against pid reuse).
component_pid() {
  local f pid
  f="$(pidfile "$1")"
  [[ -r "$f" ]] || return 1
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_ours "$pid" || return 1
  echo "$pid"
}

is_ours() { # pid [state dir]
  local pid="$1" dir="${2:-$STATE}" cmd
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ "$cmd" == *"$dir/"* ]]
}

# Processes still running with a state dir on their command line, pid
# file or not (e.g. the state dir was deleted by hand).
orphan_pids() { # state dir
  local p dir="$1"
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    [[ "$p" == "$$" ]] && continue
    local argv0
    argv0="$(tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | head -n1)" || continue
    case "${argv0##*/}" in
      etcd*|kube-apiserver*|kube-controller-manager*|kube-scheduler*|kube-proxy*|kubelet*|containerd|coredns*|kube-router*|workflow-controller*)
        is_ours "$p" "$dir" && echo "$p" ;;
    esac
  done
  return 0
}

launch() { # component binary args...
  local name="$1"; shift
  local pf lf
  pf="$(pidfile "$name")"; lf="$(logfile "$name")"
  # setsid: own session, so the process outlives this shell and its job control.
  # The inner shell records its own pid, then execs the binary under that pid.
  # 9<&-: do not hand the start/stop lock (fd 9) to the long-lived process.
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" </dev/null >>"$lf" 2>&1 9<&- &
  disown "$!" # no "Killed" job notice from this shell if start has to stop it again
  local i
  for i in $(seq 1 50); do [[ -s "$pf" ]] && return 0; sleep 0.02; done
  die "$name did not start (no pid file)"
}

# TERM, up to STOP_GRACE_TENTHS/10 s of grace, then KILL. The grace is short on
# purpose: `stop` throws the state away, so a graceful shutdown (3 s for
# kube-apiserver, 2 s for etcd) buys nothing.
STOP_GRACE_TENTHS=10
# A zombie counts as gone: the processes are reparented away from us and whoever
# inherits them may be slow to reap.
pid_alive() {
  local st
  st="$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' 2>/dev/null <"/proc/$1/stat")" || return 1
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}
stop_pids() { # pids...
  local pids=("$@") p i alive
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for i in $(seq 1 "$STOP_GRACE_TENTHS"); do
    alive=()
    for p in "${pids[@]}"; do pid_alive "$p" && alive+=("$p"); done
    ((${#alive[@]})) || return 0
    sleep 0.1
  done
  kill -KILL "${alive[@]}" 2>/dev/null || true
  for i in $(seq 1 50); do
    alive=()
    for p in "${pids[@]}"; do pid_alive "$p" && alive+=("$p"); done
    ((${#alive[@]})) || return 0
    sleep 0.1
  done
  log "warning: process(es) ${alive[*]} survived SIGKILL"
}

stop_all() { # prints the number of processes stopped
  local front=() back=() c p n=0
  # The API clients first, etcd last: kube-apiserver shuts down slowly without etcd.
  for c in workflow-controller kube-router coredns kube-proxy kubelet kube-scheduler containerd kube-controller-manager kube-apiserver; do
    p="$(component_pid "$c")" && front+=("$p")
  done
  p="$(component_pid etcd)" && back+=("$p")
  while read -r p; do
    [[ -n "$p" ]] || continue
    [[ " ${front[*]} ${back[*]} " == *" $p "* ]] && continue
    if [[ "$(tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | head -n1)" == *etcd* ]]; then back+=("$p"); else front+=("$p"); fi
  done < <(orphan_pids "$STATE")
  stop_pids "${front[@]}"
  stop_pids "${back[@]}"
  echo $(( ${#front[@]} + ${#back[@]} ))
}

remove_state() {
  [[ -e "$STATE" ]] || return 0
  if [[ -e "$STATE/$MARKER" ]]; then
    rm -rf -- "$STATE"
  elif [[ -d "$STATE" && -z "$(ls -A -- "$STATE")" ]]; then
    rmdir -- "$STATE"
  else
    die "$STATE has no $MARKER marker; not removing a directory this script did not create"
  fi
}

tail_log() { # component [lines]
  local lf
  lf="$(logfile "$1")"
  [[ -s "$lf" ]] || { log "($1 wrote no log at $lf)"; return 0; }
  printf '%s: ---- last lines of %s ----\n' "$PROG" "$lf" >&2
  # Skip the flag dump the Kubernetes components print at start-up.
  grep -v '\] FLAG: --' "$lf" | tail -n "${2:-30}" >&2
  printf '%s: ----\n' "$PROG" >&2
}

# ---------------------------------------------------------------- tools

# Binaries: explicit env override, then `scripts/toolchain.sh path`, then the
# toolchain cache, then PATH (kubectl only: a random etcd/kube-apiserver on PATH
# is not what tools/versions.env pins, but it is still better than nothing).
resolve_tool() { # tool envvar
  local tool="$1" var="$2" p=""
  if [[ -n "${!var:-}" ]]; then
    [[ -x "${!var}" ]] || die "$var=${!var} is not an executable"
    echo "${!var}"; return 0
  fi
  if [[ -x "$TOOLCHAIN_SH" ]]; then
    p="$("$TOOLCHAIN_SH" path "$tool" 2>/dev/null)" || p=""
    if [[ -n "$p" && -x "$p" ]]; then echo "$p"; return 0; fi
  fi
  if [[ -x "$TOOLCHAIN_CACHE/bin/$tool" ]]; then echo "$TOOLCHAIN_CACHE/bin/$tool"; return 0; fi
  p="$(command -v "$tool" 2>/dev/null)" || p=""
  if [[ -n "$p" ]]; then echo "$p"; return 0; fi
  return 1
}

need_tool() { # tool envvar
  resolve_tool "$1" "$2" || die "$1 not found. Build it (scripts/toolchain.sh build $1, or the local \
cluster's whole set: scripts/setup.sh --for local; binaries land in $TOOLCHAIN_CACHE/bin) or set $2 to a binary"
}

# The CRD dir: ARKOUDA_CRDS_DIR (as exported by `scripts/toolchain.sh env`), else
# the Go module cache at the versions pinned in tools/versions.env.
resolve_crds() {
  local dir="${ARKOUDA_CRDS_DIR:-}"
  if [[ -z "$dir" && -x "$TOOLCHAIN_SH" ]]; then
    dir="$("$TOOLCHAIN_SH" path crds 2>/dev/null)" || dir=""
  fi
  if [[ -n "$dir" && ! -d "$dir" ]]; then
    # `toolchain.sh env` names the dir even before `toolchain.sh build crds` made it.
    log "warning: CRD dir $dir does not exist (run scripts/toolchain.sh build crds); using the Go module cache"
    dir=""
  fi
  if [[ -n "$dir" ]]; then
    # Only the top level: prometheus-operator/ holds the CRDs `prometheus` installs on demand.
    find "$dir" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 |
      xargs -0 -r grep -l '^kind: CustomResourceDefinition' | sort
    return 0
  fi
  # Fallback: the Go module cache.
  command -v go >/dev/null || die "no ARKOUDA_CRDS_DIR and no go to find the CRDs (run scripts/toolchain.sh)"
  [[ -r "$VERSIONS_ENV" ]] || die "no ARKOUDA_CRDS_DIR and no $VERSIONS_ENV"
  local argo_v prom_v argo_dir prom_dir
  argo_v="$(sed -n 's/^ARGO_VERSION=//p' "$VERSIONS_ENV" | tr -d '"'\'' ')"
  prom_v="$(sed -n 's/^PROMETHEUS_OPERATOR_VERSION=//p' "$VERSIONS_ENV" | tr -d '"'\'' ')"
  # Major version >= 2 is part of the module path (v4.0.5 -> .../argo-workflows/v4).
  local argo_mod
  argo_mod="github.com/argoproj/argo-workflows/v$(echo "${argo_v#v}" | cut -d. -f1)"
  argo_dir="$(module_dir "$argo_mod@$argo_v")"
  prom_dir="$(module_dir "github.com/prometheus-operator/prometheus-operator@$prom_v")"
  find "$argo_dir/manifests/base/crds/full" -maxdepth 1 -name '*.yaml' -print0 |
    xargs -0 -r grep -l '^kind: CustomResourceDefinition' | sort
  echo "$prom_dir/example/prometheus-operator-crd-full/monitoring.coreos.com_servicemonitors.yaml"
}

module_dir() {
  local out
  out="$(cd / && GOFLAGS=-mod=mod GOWORK=off go mod download -json "$1" 2>&1)" ||
    die "go mod download $1 failed: $out"
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$out" | head -n1
}

# ---------------------------------------------------------------- ports

# Prints "<process name> (pid N)" for whoever listens on TCP port $1, "" if free.
port_holder() {
  local port="$1" line
  if command -v ss >/dev/null; then
    line="$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n1)"
    [[ -n "$line" ]] || return 1
    if [[ "$line" =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
      echo "${BASH_REMATCH[1]} (pid ${BASH_REMATCH[2]})"
    else
      echo "an unknown process"
    fi
    return 0
  fi
  # No ss: a connect on loopback tells whether something listens there.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "an unknown process"; return 0
  fi
  return 1
}

check_ports() {
  local kcm="$1" seen="" entry name port holder
  local entries=("kube-apiserver:$APISERVER_PORT" "etcd:$ETCD_PORT" "etcd-peer:$ETCD_PEER_PORT")
  [[ "$kcm" == 1 ]] && entries+=("kube-controller-manager:$KCM_PORT")
  for entry in "${entries[@]}"; do
    name="${entry%%:*}"; port="${entry##*:}"
    ((port > 0 && port < 65536)) || die "$(port_var "$name")=$port is not a valid port"
    [[ " $seen " == *" $port "* ]] && die "port $port is configured twice; set $(port_var "$name") to another port"
    seen="$seen $port"
    if holder="$(port_holder "$port")"; then
      case "$holder" in
        etcd\ *|kube-apiserver\ *|kube-controller*) holder="$holder, probably another local cluster" ;;
      esac
      die "port $port (for $name) is already in use by $holder; set $(port_var "$name") to a free port, or stop that process"
    fi
  done
}

# ---------------------------------------------------------------- health

curl_admin() { # path -> body; uses the admin client cert
  curl -sS --max-time 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$(recorded_port APISERVER_PORT)$1" 2>/dev/null
}

apiserver_ready() { [[ "$(curl_admin /readyz)" == ok ]]; }

etcd_healthy() {
  curl -sS --max-time 3 --cacert "$PKI/etcd-ca.crt" --cert "$PKI/apiserver-etcd-client.crt" \
    --key "$PKI/apiserver-etcd-client.key" "https://127.0.0.1:$ETCD_PORT/health" 2>/dev/null |
    grep -q '"health":"true"'
}

kcm_healthy() {
  [[ "$(curl -sS --max-time 3 -k "https://127.0.0.1:$KCM_PORT/healthz" 2>/dev/null)" == ok ]]
}

wait_for() { # component description check-fn
  local name="$1" what="$2" check="$3" deadline pid
  deadline=$(( $(date +%s) + READY_TIMEOUT ))
  while :; do
    "$check" && return 0
    if ! pid="$(component_pid "$name")"; then
      log "$name exited while waiting for $what"
      tail_log "$name" 40
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      log "timed out after ${READY_TIMEOUT}s waiting for $what (ARKOUDA_LOCAL_READY_TIMEOUT)"
      tail_log "$name" 40
      return 1
    fi
    sleep 0.2
  done
}

# The ports a running cluster was started with (a later command may have other
# ARKOUDA_LOCAL_*_PORT values in its environment).
write_ports() {
  printf 'APISERVER_PORT=%s\nETCD_PORT=%s\nETCD_PEER_PORT=%s\nKCM_PORT=%s\n' \
    "$APISERVER_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT" "$KCM_PORT" >"$STATE/ports"
}
recorded_port() { # NAME -> value recorded in $STATE/ports, or the configured one
  local v=""
  [[ -r "$STATE/ports" ]] && v="$(sed -n "s/^$1=\([0-9]*\)$/\1/p" "$STATE/ports")"
  echo "${v:-${!1}}"
}

is_running() { # all started components alive and the apiserver ready
  local c
  component_pid etcd >/dev/null || return 1
  component_pid kube-apiserver >/dev/null || return 1
  if [[ -e "$STATE/kube-controller-manager.enabled" ]]; then
    component_pid kube-controller-manager >/dev/null || return 1
  fi
  if [[ -e "$STATE/node.enabled" ]]; then
    for c in "${NODE_COMPONENTS[@]}"; do component_pid "$c" >/dev/null || return 1; done
  fi
  apiserver_ready
}

# ---------------------------------------------------------------- PKI

gen_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  local cnf="$PKI/openssl.cnf"
  cat >"$cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[apiserver]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost,IP:$SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
[etcd]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[kcm]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
EOF
  genkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key" 2>/dev/null; }
  mkca() { # name CN
    genkey "$1"
    openssl req -x509 -new -sha256 -days 3650 -config "$cnf" -extensions ca \
      -key "$PKI/$1.key" -subj "/CN=$2" -out "$PKI/$1.crt" 2>/dev/null
  }
  sign() { # name subject ext ca
    genkey "$1"
    openssl req -new -sha256 -config "$cnf" -key "$PKI/$1.key" -subj "$2" -out "$PKI/$1.csr" 2>/dev/null
    openssl x509 -req -sha256 -days 825 -in "$PKI/$1.csr" -CA "$PKI/$4.crt" -CAkey "$PKI/$4.key" \
      -set_serial "0x$(openssl rand -hex 15)" -extfile "$cnf" -extensions "$3" -out "$PKI/$1.crt" 2>/dev/null
    rm -f "$PKI/$1.csr"
  }
  mkca ca "arkouda-local-ca"
  mkca etcd-ca "arkouda-local-etcd-ca"
  sign apiserver "/CN=kube-apiserver" apiserver ca
  sign admin "/O=system:masters/CN=arkouda-local-admin" client ca
  sign kube-controller-manager "/CN=system:kube-controller-manager" client ca
  sign kcm-serving "/CN=kube-controller-manager" kcm ca
  sign etcd-server "/CN=etcd-server" etcd etcd-ca
  sign apiserver-etcd-client "/CN=kube-apiserver-etcd-client" client etcd-ca
  # Front proxy (request header) CA: kube-apiserver publishes it in
  # kube-system/extension-apiserver-authentication, which delegating servers such as
  # kube-controller-manager (and any aggregated API server) read.
  mkca front-proxy-ca "arkouda-local-front-proxy-ca"
  sign front-proxy-client "/CN=front-proxy-client" client front-proxy-ca
  # ServiceAccount token signing key pair.
  genkey sa
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key
}

write_kubeconfig() { # path user-cert-name user-name context
  local path="$1" cert="$2" user="$3" ctx="$4"
  local b64="base64 -w0" mask
  # Only for this file: a umask left at 077 would reach containerd and kubelet (0700 snapshot
  # dirs make / unreadable to a container's non-root users).
  mask="$(umask)"
  umask 077
  cat >"$path" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT_NAME
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $($b64 <"$PKI/$cert.crt")
    client-key-data: $($b64 <"$PKI/$cert.key")
contexts:
- name: $ctx
  context:
    cluster: $CONTEXT_NAME
    user: $user
current-context: $ctx
EOF
  umask "$mask"
}

# ---------------------------------------------------------------- commands

print_usage_lines() {
  echo "kubeconfig: $KUBECONFIG_PATH (context $CONTEXT_NAME, server https://127.0.0.1:$APISERVER_PORT)"
  echo "export KUBECONFIG=$KUBECONFIG_PATH"
}

# Established CRDs (and only those) are listed in discovery, which is cheap to poll;
# reading the CRDs back (kubectl wait) means serialising ~20 MB of schema each time.
crds_served() { # reads "group|version...|plural" lines from $STATE/crds/*.out
  local line group versions plural v body
  while IFS='|' read -r group versions plural || [[ -n "$group" ]]; do
    [[ -n "$group" ]] || continue
    for v in $versions; do
      body="$(curl_admin "/apis/$group/$v")" || return 1
      [[ "$body" =~ \"name\":[[:space:]]*\"$plural\" ]] || return 1
    done
  done < <(cat "$STATE"/crds/*.out)
}

install_crds() {
  local kubectl="$1" files=() f i
  while IFS= read -r f; do [[ -n "$f" ]] && files+=("$f"); done < <(resolve_crds)
  if ((${#files[@]} == 0)); then
    log "no CRD files found (ARKOUDA_CRDS_DIR=${ARKOUDA_CRDS_DIR:-unset})"; return 1
  fi
  for f in "${files[@]}"; do [[ -r "$f" ]] || { log "CRD file $f is missing"; return 1; }; done
  local dir="$STATE/crds" pids=() rc=0
  rm -rf "$dir"; mkdir -p "$dir"
  # Server-side apply (the full Argo CRDs are too big for client-side apply's
  # last-applied-configuration annotation), one kubectl per file in parallel: the
  # apiserver spends most of the time, and two cores do it faster than one.
  for i in "${!files[@]}"; do
    "$kubectl" --kubeconfig "$KUBECONFIG_PATH" apply --server-side --force-conflicts \
      --field-manager=arkouda-local-cluster -f "${files[$i]}" \
      -o jsonpath='{.spec.group}{"|"}{.spec.versions[?(@.served==true)].name}{"|"}{.spec.names.plural}{"\n"}' \
      >"$dir/$i.out" 2>"$dir/$i.err" </dev/null &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      # On a loaded machine the apiserver may time a big CRD out (60 s); applying is idempotent.
      if grep -q 'Timeout' "$dir/$i.err" && "$kubectl" --kubeconfig "$KUBECONFIG_PATH" apply --server-side \
        --force-conflicts --field-manager=arkouda-local-cluster -f "${files[$i]}" \
        -o jsonpath='{.spec.group}{"|"}{.spec.versions[?(@.served==true)].name}{"|"}{.spec.names.plural}{"\n"}' \
        >"$dir/$i.out" 2>"$dir/$i.err" </dev/null; then
        continue
      fi
      rc=1
      log "kubectl apply --server-side -f ${files[$i]} failed:"
      cat "$dir/$i.err" >&2
    fi
  done
  ((rc == 0)) || { log "installing the CRDs failed"; return 1; }
  local deadline=$(( $(date +%s) + READY_TIMEOUT ))
  until crds_served; do
    if (( $(date +%s) >= deadline )); then
      log "the CRDs did not become Established within ${READY_TIMEOUT}s:"
      "$kubectl" --kubeconfig "$KUBECONFIG_PATH" get crd \
        -o custom-columns='NAME:.metadata.name,ESTABLISHED:.status.conditions[?(@.type=="Established")].status' >&2 || true
      return 1
    fi
    sleep 0.2
  done
  log "installed ${#files[@]} CRD files: $(cut -d'|' -f3 "$dir"/*.out | sort | tr '\n' ' ')(Established, served)"
}

# ---------------------------------------------------------------- start, phase by phase
# The phases share what they resolve through these globals (set by resolve_binaries and
# write_state): the binaries, whether kube-controller-manager and the node run, and the
# kube-apiserver flags the node needs.
ETCD_BIN="" APISERVER_BIN="" KCM_BIN="" WANT_KCM=0 WANT_NODE=0 APISERVER_NODE_ARGS=()

# Serialises concurrent start/stop on the same parent dir (no lock file left behind).
lock_state_parent() {
  mkdir -p "$(dirname "$STATE")"
  exec 9<"$(dirname "$STATE")"
  flock -w 300 9 || die "timed out waiting for another $PROG command on $STATE"
}

# A running cluster must be the one asked for: same ports.
check_running_ports() {
  local v want have
  for v in APISERVER_PORT ETCD_PORT ETCD_PEER_PORT KCM_PORT; do
    have="$(recorded_port "$v")"; want="${!v}"
    [[ "$have" == "$want" ]] || die "already running with $v=$have (state $STATE), not $want: \
run \`$0 stop\` first, or use another ARKOUDA_LOCAL_STATE"
  done
}

# Anything half-up from an earlier run: stop it and start from scratch.
clean_leftovers() {
  local n
  if [[ -e "$STATE" ]]; then
    n="$(stop_all)"
    if ((n > 0)); then log "stopped $n leftover process(es) of a previous, unhealthy run"; fi
    remove_state
  else
    n="$(stop_all)"
    if ((n > 0)); then log "stopped $n orphaned process(es) that used $STATE"; fi
  fi
}

# The node's checks (and the takeover of a killed owner's node) come first, then the control
# plane's binaries; kube-controller-manager is built when it is wanted and missing.
resolve_binaries() {
  if node_wanted; then
    WANT_NODE=1
    node_preflight
    node_check_ports
    node_tools
  fi
  ETCD_BIN="$(need_tool etcd ARKOUDA_ETCD_BIN)"
  APISERVER_BIN="$(need_tool kube-apiserver ARKOUDA_KUBE_APISERVER_BIN)"
  KUBECTL_BIN="$(need_tool kubectl ARKOUDA_KUBECTL_BIN)"
  case "$KCM_MODE" in
    0|false|no) ;;
    1|true|yes)
      WANT_KCM=1
      if ! KCM_BIN="$(resolve_tool kube-controller-manager ARKOUDA_KUBE_CONTROLLER_MANAGER_BIN)"; then
        log "kube-controller-manager is not built yet: building it (scripts/toolchain.sh build kube-controller-manager)"
        "$TOOLCHAIN_SH" build kube-controller-manager >&2 &&
          KCM_BIN="$("$TOOLCHAIN_SH" path kube-controller-manager)" ||
          die "could not build kube-controller-manager; ARKOUDA_LOCAL_CONTROLLER_MANAGER=0 starts without it"
      fi ;;
    auto)
      if KCM_BIN="$(resolve_tool kube-controller-manager ARKOUDA_KUBE_CONTROLLER_MANAGER_BIN)"; then
        WANT_KCM=1
      else
        KCM_BIN=""
        log "warning: no kube-controller-manager found; running without it. ServiceAccount token"
        log "  Secrets stay unpopulated, deleted namespaces stay Terminating and ownerReference"
        log "  garbage collection does not happen (ARKOUDA_LOCAL_CONTROLLER_MANAGER=0 silences this)"
      fi ;;
    *) die "ARKOUDA_LOCAL_CONTROLLER_MANAGER must be 1, auto or 0 (got '$KCM_MODE')" ;;
  esac
  command -v openssl >/dev/null || die "openssl is required"
  command -v curl >/dev/null || die "curl is required"
}

# The state dir with its marker and ports, the PKI and the kubeconfigs (the node's too).
write_state() {
  mkdir -p "$STATE"
  chmod 700 "$STATE"
  : >"$STATE/$MARKER"
  write_ports
  gen_pki
  write_kubeconfig "$KUBECONFIG_PATH" admin arkouda-local-admin "$CONTEXT_NAME"
  write_kubeconfig "$KCM_KUBECONFIG" kube-controller-manager system:kube-controller-manager "$CONTEXT_NAME"
  if ((WANT_NODE)); then
    ((WANT_KCM)) || die "the node needs kube-controller-manager (node lifecycle, Deployments, Jobs); \
ARKOUDA_LOCAL_CONTROLLER_MANAGER=0 needs ARKOUDA_LOCAL_NODE=0"
    node_pki
    # kube-apiserver reaches kubelet on the node's bridge address with a client certificate
    # (kubelet authorises it by webhook) and checks kubelet's serving certificate.
    APISERVER_NODE_ARGS=(--kubelet-preferred-address-types=InternalIP
      --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
      --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
      --kubelet-certificate-authority="$PKI/ca.crt")
    if [[ "$KCM_CONTROLLERS" == "$DEFAULT_KCM_CONTROLLERS" ]]; then KCM_CONTROLLERS="$KCM_CONTROLLERS,$NODE_KCM_CONTROLLERS"; fi
  fi
}

# etcd: client + peer URLs on loopback only, client TLS with client certs.
start_etcd() {
  local etcd_args=(
    --name=arkouda-local
    --data-dir="$STATE/etcd"
    --listen-client-urls="https://127.0.0.1:$ETCD_PORT"
    --advertise-client-urls="https://127.0.0.1:$ETCD_PORT"
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT"
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT"
    --initial-cluster="arkouda-local=http://127.0.0.1:$ETCD_PEER_PORT"
    --initial-cluster-state=new
    --cert-file="$PKI/etcd-server.crt"
    --key-file="$PKI/etcd-server.key"
    --trusted-ca-file="$PKI/etcd-ca.crt"
    --client-cert-auth=true
    --log-level=warn
  )
  [[ "$ETCD_FSYNC" == 1 ]] || etcd_args+=(--unsafe-no-fsync=true)
  launch etcd "$ETCD_BIN" "${etcd_args[@]}"
  if ! wait_for etcd "etcd health on 127.0.0.1:$ETCD_PORT" etcd_healthy; then
    stop_all >/dev/null; die "etcd failed to start (logs kept in $STATE)"
  fi
}

# kube-apiserver: loopback only, RBAC, SA token issuing; waits for /readyz.
start_apiserver() {
  local api_extra=()
  read -r -a api_extra <<<"${ARKOUDA_LOCAL_APISERVER_ARGS:-}"
  launch kube-apiserver "$APISERVER_BIN" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="$APISERVER_PORT" \
    --cert-dir="$PKI" \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --etcd-servers="https://127.0.0.1:$ETCD_PORT" \
    --etcd-cafile="$PKI/etcd-ca.crt" \
    --etcd-certfile="$PKI/apiserver-etcd-client.crt" \
    --etcd-keyfile="$PKI/apiserver-etcd-client.key" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --allow-privileged=true \
    --profiling=false \
    --v=1 \
    "${APISERVER_NODE_ARGS[@]}" \
    "${api_extra[@]}"
  if ! wait_for kube-apiserver "kube-apiserver /readyz on 127.0.0.1:$APISERVER_PORT" apiserver_ready; then
    stop_all >/dev/null; die "kube-apiserver failed to become ready (logs kept in $STATE)"
  fi
}

# kube-controller-manager (optional, see the header); not waited for here: the CRDs install
# meanwhile, then wait_controller_manager.
start_controller_manager() {
  local kcm_extra=()
  read -r -a kcm_extra <<<"${ARKOUDA_LOCAL_KCM_ARGS:-}"
  : >"$STATE/kube-controller-manager.enabled"
  launch kube-controller-manager "$KCM_BIN" \
    --kubeconfig="$KCM_KUBECONFIG" \
    --authentication-kubeconfig="$KCM_KUBECONFIG" \
    --authorization-kubeconfig="$KCM_KUBECONFIG" \
    --bind-address=127.0.0.1 \
    --secure-port="$KCM_PORT" \
    --cert-dir="$PKI" \
    --tls-cert-file="$PKI/kcm-serving.crt" \
    --tls-private-key-file="$PKI/kcm-serving.key" \
    --client-ca-file="$PKI/ca.crt" \
    --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" \
    --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" \
    --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --controllers="$KCM_CONTROLLERS" \
    --profiling=false \
    --v=1 \
    "${kcm_extra[@]}"
}

# The CRDs, or the cluster stops.
install_crds_or_stop() {
  if ! install_crds "$KUBECTL_BIN"; then
    stop_all >/dev/null; die "CRD installation failed; cluster stopped (logs kept in $STATE)"
  fi
}

wait_controller_manager() {
  if ! wait_for kube-controller-manager "kube-controller-manager /healthz on 127.0.0.1:$KCM_PORT" kcm_healthy; then
    stop_all >/dev/null; die "kube-controller-manager failed to start (logs kept in $STATE)"
  fi
}

print_started() { # start_ms t_pki t_etcd t_api t_crds
  echo "local cluster started in $(elapsed "$1") (pki+kubeconfig $2, etcd $3, kube-apiserver ready $4, CRDs $5)"
  echo "components: etcd pid $(component_pid etcd), kube-apiserver pid $(component_pid kube-apiserver)$(
    ((WANT_KCM)) && echo ", kube-controller-manager pid $(component_pid kube-controller-manager)" || echo ", no kube-controller-manager")"
  ((WANT_NODE)) && echo "node: $NODE_NAME ($NODE_IP on $NODE_BRIDGE), pids containerd $(component_pid containerd), kubelet $(component_pid kubelet), kube-scheduler $(component_pid kube-scheduler), kube-proxy $(component_pid kube-proxy), coredns $(component_pid coredns), kube-router $(component_pid kube-router)"
  echo "logs: $STATE/*.log"
  print_usage_lines
}

cmd_start() {
  local t0; t0="$(now_ms)"
  lock_state_parent
  if is_running; then
    check_running_ports
    echo "local cluster is already running (state $STATE); checked in $(elapsed "$t0")"
    print_usage_lines
    return 0
  fi
  clean_leftovers
  resolve_binaries
  check_ports "$WANT_KCM"
  write_state
  local t_pki; t_pki="$(elapsed "$t0")"
  start_etcd
  local t_etcd; t_etcd="$(elapsed "$t0")"
  start_apiserver
  local t_api; t_api="$(elapsed "$t0")"
  if ((WANT_KCM)); then start_controller_manager; fi
  if [[ "$INSTALL_CRDS" == 1 ]]; then install_crds_or_stop; fi
  local t_crds; t_crds="$(elapsed "$t0")"
  if ((WANT_KCM)); then wait_controller_manager; fi
  if ((WANT_NODE)); then node_start; fi
  print_started "$t0" "$t_pki" "$t_etcd" "$t_api" "$t_crds"
}

cmd_stop() {
  local t0; t0="$(now_ms)"
  if [[ -d "$(dirname "$STATE")" ]]; then
    exec 9<"$(dirname "$STATE")"
    flock -w 300 9 || die "timed out waiting for another $PROG command on $STATE"
  fi
  local node=0
  if [[ -e "$STATE/node.enabled" ]] || [[ -r "$NODE_RUN/owner" && "$(<"$NODE_RUN/owner")" == "$STATE" ]]; then
    node=1
    # shellcheck disable=SC2034 # both used by node_stop (local-node.sh)
    KUBECTL_BIN="$(resolve_tool kubectl ARKOUDA_KUBECTL_BIN)" || KUBECTL_BIN=""
    # shellcheck disable=SC2034
    PROXY_BIN="$(resolve_tool kube-proxy ARKOUDA_KUBE_PROXY_BIN)" || PROXY_BIN=""
    # The controllers that would recreate pods go before the pods do.
    local p pids=()
    for p in kube-controller-manager kube-scheduler; do p="$(component_pid "$p")" && pids+=("$p"); done
    stop_pids "${pids[@]}"
    node_stop
  fi
  local n; n="$(stop_all)"
  remove_state
  ((node)) && echo "node stopped: pods, mounts, cgroups, bridge $NODE_BRIDGE, iptables rules, ipsets and sysctls undone"
  if ((n > 0)); then
    echo "stopped $n process(es) and removed $STATE in $(elapsed "$t0")"
  else
    echo "local cluster was not running (nothing to stop); $STATE is gone"
  fi
}

cmd_status() {
  local c p line=""
  for c in "${COMPONENTS[@]}"; do
    if p="$(component_pid "$c")"; then line="$line $c=$p"; fi
  done
  if is_running; then
    echo "running: https://127.0.0.1:$(recorded_port APISERVER_PORT) (pids:$line; state $STATE)"
    if [[ -e "$STATE/node.enabled" ]]; then
      # shellcheck disable=SC2034 # used by node_ready (local-node.sh)
      KUBECTL_BIN="$(resolve_tool kubectl ARKOUDA_KUBECTL_BIN)" || KUBECTL_BIN=kubectl
      if node_ready; then echo "node: $NODE_NAME Ready ($NODE_IP on $NODE_BRIDGE)"
      else echo "node: $NODE_NAME not Ready"; fi
    else
      echo "node: none (ARKOUDA_LOCAL_NODE)"
    fi
    return 0
  fi
  [[ -n "$line" ]] || line="$(orphan_pids "$STATE" | tr '\n' ' ')"
  if [[ -n "${line// /}" ]]; then
    echo "not running (unhealthy: processes left: ${line# }; \`$0 stop\` cleans up)"
  else
    echo "not running"
  fi
  return 3
}

cmd_logs() {
  local c="${1:-kube-apiserver}"
  [[ -e "$(logfile "$c")" ]] || die "no log for '$c' in $STATE"
  tail -n 100 "$(logfile "$c")"
}

# shellcheck source=local-node.sh
source "$SCRIPT_DIR/local-node.sh"

cmd_workflow_controller() {
  local ns="${1:-}" wc kubectl argo_v config
  [[ "$ns" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "usage: $0 workflow-controller NAMESPACE (a DNS label; got '$ns')"
  is_running || die "the local cluster is not running ($0 start first)"
  local running_ns="" p
  if p="$(component_pid workflow-controller)"; then
    running_ns="$(cat "$STATE/workflow-controller.namespace" 2>/dev/null)"
    if [[ "$running_ns" == "$ns" ]]; then
      echo "workflow-controller already runs for namespace $ns (pid $p)"
      return 0
    fi
    log "stopping the workflow-controller of namespace $running_ns (pid $p) to run one for $ns"
    stop_pids "$p"
  fi
  wc="$(need_tool workflow-controller ARKOUDA_WORKFLOW_CONTROLLER_BIN)"
  kubectl="$(need_tool kubectl ARKOUDA_KUBECTL_BIN)"
  argo_v="$(sed -n 's/^ARGO_VERSION=//p' "$VERSIONS_ENV" | tr -d '"'\'' ')"
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" create namespace "$ns" >/dev/null 2>&1 || true
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" create configmap workflow-controller-configmap -n "$ns" \
    --from-file=config="$WORKFLOW_CONTROLLER_DIR/config.yaml" --dry-run=client -o yaml |
    "$kubectl" --kubeconfig "$KUBECONFIG_PATH" apply --server-side --field-manager=arkouda-local-cluster -f - >/dev/null
  echo "$ns" >"$STATE/workflow-controller.namespace"
  local -a wc_env
  mapfile -t wc_env < <(grep -E '^[A-Z_]+=' "$WORKFLOW_CONTROLLER_DIR/env")
  launch workflow-controller env "${wc_env[@]}" "$wc" \
    --kubeconfig "$KUBECONFIG_PATH" --namespaced --namespace "$ns" --managed-namespace "$ns" \
    --configmap workflow-controller-configmap \
    --executor-image "quay.io/argoproj/argoexec:$argo_v" --executor-image-pull-policy IfNotPresent \
    --loglevel info
  local deadline=$(( $(date +%s) + 60 ))
  until grep -q "Starting CronWorkflow controller" "$(logfile workflow-controller)" 2>/dev/null; do
    component_pid workflow-controller >/dev/null || { tail_log workflow-controller 40; die "workflow-controller exited"; }
    (( $(date +%s) < deadline )) || { tail_log workflow-controller 40; die "workflow-controller did not start within 60s"; }
    sleep 0.5
  done
  echo "workflow-controller $argo_v runs for namespace $ns (pid $(component_pid workflow-controller), log $(logfile workflow-controller))"
}

# ---------------------------------------------------------------- prometheus
# The metrics stack an operator of a real cluster runs (prometheus-operator + a Prometheus it
# manages), on the node, for the tests that check what a deploy's ServiceMonitor and Service
# make a Prometheus scrape. Images are the local builds (quay.io references, never pulled).
MONITORING_NS="arkouda-monitoring"
PROMETHEUS_NAME="arkouda"
# Namespaces whose ServiceMonitors and annotated Services this Prometheus reads carry this label.
PROMETHEUS_NS_LABEL="arkouda-workflows.local/prometheus"

# The prometheus-operator's own grants (cluster-wide: it watches every namespace for monitors).
operator_manifests() { # operator_version prometheus_version labels_yaml
  local op=$1
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $MONITORING_NS}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: prometheus-operator, namespace: $MONITORING_NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: arkouda-local-prometheus-operator}
rules:
- apiGroups: [monitoring.coreos.com]
  resources: [alertmanagers, alertmanagers/finalizers, alertmanagers/status, alertmanagerconfigs,
    prometheuses, prometheuses/finalizers, prometheuses/status, prometheusagents,
    prometheusagents/finalizers, prometheusagents/status, thanosrulers, thanosrulers/finalizers,
    thanosrulers/status, scrapeconfigs, servicemonitors, servicemonitors/status, podmonitors, probes,
    prometheusrules]
  verbs: ["*"]
- {apiGroups: [apps], resources: [statefulsets], verbs: ["*"]}
- {apiGroups: [""], resources: [configmaps, secrets], verbs: ["*"]}
- {apiGroups: [""], resources: [pods], verbs: [list, delete]}
- {apiGroups: [""], resources: [services, services/finalizers, endpoints], verbs: [get, create, update, delete]}
- {apiGroups: [""], resources: [nodes], verbs: [list, watch]}
- {apiGroups: [""], resources: [namespaces], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [events], verbs: [patch, create]}
- {apiGroups: [networking.k8s.io], resources: [ingresses], verbs: [get, list, watch]}
- {apiGroups: [storage.k8s.io], resources: [storageclasses], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: arkouda-local-prometheus-operator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: arkouda-local-prometheus-operator}
subjects: [{kind: ServiceAccount, name: prometheus-operator, namespace: $MONITORING_NS}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus-operator, namespace: $MONITORING_NS}
spec:
  replicas: 1
  selector: {matchLabels: {app.kubernetes.io/name: prometheus-operator}}
  template:
    metadata: {labels: {app.kubernetes.io/name: prometheus-operator}}
    spec:
      serviceAccountName: prometheus-operator
      securityContext: {runAsNonRoot: true, runAsUser: 65534}
      containers:
      - name: prometheus-operator
        image: quay.io/prometheus-operator/prometheus-operator:$op
        imagePullPolicy: IfNotPresent
        args:
        - --prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:$op
        - --prometheus-instance-namespaces=$MONITORING_NS
        resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 500m, memory: 256Mi}}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
EOF
}

# A Prometheus selecting ServiceMonitors by `labels` in the labelled namespaces, with an
# annotation-based job (the prometheus.io/* convention) over the same namespaces. Prometheus'
# own account gets nothing cluster-wide: each scraped namespace grants it what docs/metrics.md
# says an operator must grant (prometheus_grants).
prometheus_manifests() { # prometheus_version labels_yaml
  cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: prometheus, namespace: $MONITORING_NS}
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: $PROMETHEUS_NAME, namespace: $MONITORING_NS}
spec:
  image: quay.io/prometheus/prometheus:$1
  version: $1
  imagePullPolicy: IfNotPresent
  serviceAccountName: prometheus
  replicas: 1
  retention: 2h
  scrapeInterval: 15s
  evaluationInterval: 30s
  securityContext: {runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534}
  resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {cpu: "1", memory: 1Gi}}
  serviceMonitorSelector: {matchLabels: {$2}}
  serviceMonitorNamespaceSelector: {matchLabels: {$PROMETHEUS_NS_LABEL: scrape}}
  additionalScrapeConfigs: {name: $PROMETHEUS_NAME-annotations, key: annotations.yaml}
EOF
}

# Services annotated prometheus.io/scrape: "true" in NAMESPACES, scraped at prometheus.io/port and
# prometheus.io/path, their labels copied onto the series (what such charts' jobs do).
annotation_job() { # namespace...
  printf -- '- job_name: annotations\n  scrape_interval: 5s\n  kubernetes_sd_configs:\n  - role: endpoints\n    namespaces:\n      names: [%s]\n' \
    "$(IFS=,; echo "$*")"
  cat <<'EOF'
  relabel_configs:
  - {source_labels: [__meta_kubernetes_service_annotation_prometheus_io_scrape], action: keep, regex: "true"}
  - {source_labels: [__meta_kubernetes_service_annotation_prometheus_io_path], target_label: __metrics_path__, regex: (.+)}
  - source_labels: [__address__, __meta_kubernetes_service_annotation_prometheus_io_port]
    regex: ([^:]+)(?::\d+)?;(\d+)
    replacement: $1:$2
    target_label: __address__
  - {action: labelmap, regex: __meta_kubernetes_service_label_(.+)}
  - {source_labels: [__meta_kubernetes_namespace], target_label: namespace}
  - {source_labels: [__meta_kubernetes_service_name], target_label: service}
EOF
}

# What Prometheus needs in a namespace to discover a Service's targets (docs/metrics.md).
prometheus_grants() { # namespace
  cat <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: prometheus-arkouda-discovery, namespace: $1}
rules:
- {apiGroups: [""], resources: [services, endpoints, pods], verbs: [get, list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: prometheus-arkouda-discovery, namespace: $1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: prometheus-arkouda-discovery}
subjects: [{kind: ServiceAccount, name: prometheus, namespace: $MONITORING_NS}]
EOF
}

cmd_prometheus() {
  local ns="${1:-}" labels="${2:-release=kube-stack}" kubectl op_v prom_v crds f pair labels_yaml="" ip
  [[ "$ns" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] ||
    die "usage: $0 prometheus NAMESPACE [KEY=VALUE,...] (NAMESPACE a DNS label; got '$ns')"
  [[ "$labels" =~ ^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)*$ ]] ||
    die "labels must be KEY=VALUE[,KEY=VALUE...] (got '$labels')"
  is_running || die "the local cluster is not running ($0 start first)"
  [[ -S "$NODE_CONTAINERD_SOCK" ]] || die "the local node is not running: Prometheus runs as pods on it"
  kubectl="$(need_tool kubectl ARKOUDA_KUBECTL_BIN)"
  op_v="$(sed -n 's/^PROMETHEUS_OPERATOR_VERSION=//p' "$VERSIONS_ENV" | tr -d '"'\'' ')"
  prom_v="$(sed -n 's/^PROMETHEUS_VERSION=//p' "$VERSIONS_ENV" | tr -d '"'\'' ')"
  "$TOOLCHAIN_SH" build prometheus-operator prometheus-config-reloader prometheus crds >&2
  ARKOUDA_CONTAINERD_ADDRESS="$NODE_CONTAINERD_SOCK" ARKOUDA_TOOLCHAIN_CACHE="$TOOLCHAIN_CACHE" \
    "$REPO_ROOT/scripts/images.sh" import prometheus-operator prometheus-config-reloader prometheus >&2
  crds="$("$TOOLCHAIN_SH" path crds)/prometheus-operator"
  for f in "$crds"/*.yaml; do
    "$kubectl" --kubeconfig "$KUBECONFIG_PATH" apply --server-side --force-conflicts \
      --field-manager=arkouda-local-cluster -f "$f" >/dev/null
  done
  # A CRD read before the API server has set its status has no conditions, and kubectl wait
  # then fails at once ("<nil> is of the type <nil>") instead of waiting: ask again until the bound.
  local crd_deadline=$(( $(date +%s) + READY_TIMEOUT ))
  until "$kubectl" --kubeconfig "$KUBECONFIG_PATH" wait --for=condition=Established --timeout=5s \
    crd/prometheuses.monitoring.coreos.com crd/podmonitors.monitoring.coreos.com \
    crd/probes.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com >/dev/null 2>&1; do
    (( $(date +%s) < crd_deadline )) || die "the prometheus-operator CRDs were not Established within ${READY_TIMEOUT}s"
    sleep 1
  done
  IFS=, read -ra pairs <<<"$labels"
  for pair in "${pairs[@]}"; do labels_yaml+="${labels_yaml:+, }\"${pair%%=*}\": \"${pair#*=}\""; done
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" create namespace "$ns" >/dev/null 2>&1 || true
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" label namespace "$ns" --overwrite "$PROMETHEUS_NS_LABEL=scrape" >/dev/null
  local scraped pairs=()
  mapfile -t scraped < <("$kubectl" --kubeconfig "$KUBECONFIG_PATH" get namespaces -l "$PROMETHEUS_NS_LABEL=scrape" \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
  {
    operator_manifests "$op_v"
    echo ---
    prometheus_grants "$ns"
    echo ---
    "$kubectl" --kubeconfig "$KUBECONFIG_PATH" create secret generic "$PROMETHEUS_NAME-annotations" -n "$MONITORING_NS" \
      --from-literal=annotations.yaml="$(annotation_job "${scraped[@]}")" --dry-run=client -o yaml
    echo ---
    prometheus_manifests "$prom_v" "$labels_yaml"
  } | "$kubectl" --kubeconfig "$KUBECONFIG_PATH" apply --server-side --force-conflicts \
    --field-manager=arkouda-local-cluster -f - >/dev/null
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" -n "$MONITORING_NS" rollout status deployment/prometheus-operator \
    --timeout="${READY_TIMEOUT}s" >&2
  local deadline=$(( $(date +%s) + READY_TIMEOUT ))
  until "$kubectl" --kubeconfig "$KUBECONFIG_PATH" -n "$MONITORING_NS" wait --for=condition=Ready \
    "pod/prometheus-$PROMETHEUS_NAME-0" --timeout=5s >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then
      "$kubectl" --kubeconfig "$KUBECONFIG_PATH" -n "$MONITORING_NS" get pods -o wide >&2 || true
      "$kubectl" --kubeconfig "$KUBECONFIG_PATH" -n "$MONITORING_NS" logs deployment/prometheus-operator --tail=30 >&2 || true
      die "Prometheus did not become Ready within ${READY_TIMEOUT}s"
    fi
    sleep 1
  done
  ip="$("$kubectl" --kubeconfig "$KUBECONFIG_PATH" -n "$MONITORING_NS" get pod "prometheus-$PROMETHEUS_NAME-0" \
    -o jsonpath='{.status.podIP}')"
  echo "http://$ip:9090" >"$STATE/prometheus.url"
  log "Prometheus $prom_v (prometheus-operator $op_v) scrapes ServiceMonitors labelled $labels in ${scraped[*]}"
  echo "http://$ip:9090"
}

cmd_versions() {
  node_tools_quiet
  node_versions
}

case "${1:-}" in
  start) cmd_start ;;
  versions) cmd_versions ;;
  workflow-controller) shift; cmd_workflow_controller "$@" ;;
  prometheus) shift; cmd_prometheus "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) echo "export KUBECONFIG=$KUBECONFIG_PATH" ;;
  kubeconfig) echo "$KUBECONFIG_PATH" ;;
  logs) shift; cmd_logs "$@" ;;
  -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) echo "usage: $0 start|stop|status|env|kubeconfig|versions|logs [component]" >&2; exit 2 ;;
esac
