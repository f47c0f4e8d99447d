# shellcheck shell=bash
# The local node of scripts/local-cluster.sh (sourced by it, not run on its own): containerd
# + runc + CNI bridge (Debian packages), kubelet, kube-scheduler, kube-proxy (iptables),
# CoreDNS and kube-router's NetworkPolicy controller (built from their Go modules by
# scripts/toolchain.sh), on top of the loopback control plane. One node per machine: its
# host-wide pieces (bridge, iptables chains and ipsets, containerd/kubelet dirs, cgroups) are
# named by the env below and owned by the state dir that started them.
#
# The machine has a cgroup v1 hierarchy: kubelet runs with failCgroupV1: false and the
# cgroupfs driver, containerd with SystemdCgroup = false.
#
# Network: pods live on a bridge this script creates with a private /24; the bridge holds the
# node's address (kubelet's --node-ip), pods get no default route, only the pod /24 and a route
# to the Service range via the bridge address. Nothing is NATed or routed off the machine:
# net.ipv4.ip_forward stays as it is; forwarding is enabled on the bridge interface alone
# (so a pod reaches another pod through a ClusterIP) and an iptables rule drops anything
# forwarded from the bridge to another interface. The `kubernetes` ClusterIP is DNATed to
# the loopback kube-apiserver (route_localnet on the bridge only); kube-proxy programs every
# other Service; CoreDNS answers cluster names on the bridge address (behind the kube-dns
# Service) and forwards nothing; kube-router enforces NetworkPolicies (iptables and ipset, its
# firewall alone: no routing, no service proxy).

NODE_NAME="${ARKOUDA_NODE_NAME:-arkouda-node}"
NODE_DIR="${ARKOUDA_NODE_DIR:-/var/lib/arkouda-node}"
NODE_RUN="${ARKOUDA_NODE_RUN_DIR:-/run/arkouda-node}"
NODE_BRIDGE="${ARKOUDA_NODE_BRIDGE:-arkouda0}"
NODE_POD_CIDR="${ARKOUDA_NODE_POD_CIDR:-10.244.0.0/24}"
NODE_KUBELET_PORT="${ARKOUDA_NODE_KUBELET_PORT:-10250}"
NODE_KUBELET_HEALTHZ_PORT="${ARKOUDA_NODE_KUBELET_HEALTHZ_PORT:-10248}"
NODE_SCHEDULER_PORT="${ARKOUDA_LOCAL_SCHEDULER_PORT:-12259}"
NODE_PROXY_HEALTHZ_PORT="${ARKOUDA_NODE_PROXY_HEALTHZ_PORT:-10256}"
NODE_PROXY_METRICS_PORT="${ARKOUDA_NODE_PROXY_METRICS_PORT:-10249}"
NODE_DNS_PORT="${ARKOUDA_NODE_DNS_PORT:-53}"
NODE_DNS_HEALTH_PORT="${ARKOUDA_NODE_DNS_HEALTH_PORT:-12080}"
NODE_DNS_READY_PORT="${ARKOUDA_NODE_DNS_READY_PORT:-12181}"
NODE_CNI_BIN="${ARKOUDA_NODE_CNI_BIN_DIR:-/usr/lib/cni}"
NODE_READY_TIMEOUT="${ARKOUDA_NODE_READY_TIMEOUT:-120}"
CLUSTER_DNS_IP="10.96.0.10"
CLUSTER_DOMAIN="cluster.local"
# shellcheck disable=SC2034 # read by local-cluster.sh
NODE_COMPONENTS=(containerd kubelet kube-scheduler kube-proxy coredns kube-router)
NODE_CHAIN="ARKOUDA-NODE"

NODE_CONF="$STATE/node"
NODE_CONTAINERD_SOCK="$NODE_RUN/containerd/containerd.sock"
# containerd's registry config_path: empty, every registry is reached as containerd's defaults
# say; a test that runs a registry of its own drops a <host:port>/hosts.toml here (read at every pull).
NODE_REGISTRY_HOSTS="$NODE_RUN/registry-hosts"

[[ "$NODE_POD_CIDR" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.0/24$ ]] ||
  die "ARKOUDA_NODE_POD_CIDR must be a /24 ending in .0/24 such as 10.244.0.0/24 (got '$NODE_POD_CIDR')"
NODE_IP="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}.1"
for v in NODE_KUBELET_PORT NODE_KUBELET_HEALTHZ_PORT NODE_SCHEDULER_PORT NODE_PROXY_HEALTHZ_PORT \
  NODE_PROXY_METRICS_PORT NODE_DNS_PORT NODE_DNS_HEALTH_PORT NODE_DNS_READY_PORT NODE_READY_TIMEOUT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
done
[[ ${#NODE_BRIDGE} -le 15 && "$NODE_BRIDGE" =~ ^[a-zA-Z0-9_-]+$ ]] ||
  die "ARKOUDA_NODE_BRIDGE must be an interface name of at most 15 letters, digits, - or _ (got '$NODE_BRIDGE')"

# Whether this start runs the node: ARKOUDA_LOCAL_NODE=1/0, or by default only for the default
# state dir (the extra control planes other people start beside it stay node-less).
node_wanted() {
  case "${ARKOUDA_LOCAL_NODE:-auto}" in
    1|true|yes) return 0 ;;
    0|false|no) return 1 ;;
    auto) [[ "$STATE" == "$(realpath -m -- "$REPO_ROOT/.state/local-cluster")" ]] ;;
    *) die "ARKOUDA_LOCAL_NODE must be 1, 0 or auto (got '${ARKOUDA_LOCAL_NODE}'); auto runs the node for the default state dir only" ;;
  esac
}
node_enabled() { [[ -e "$STATE/node.enabled" ]]; }

# ---------------------------------------------------------------- preflight

# Everything the node needs, checked before anything starts; one message listing what is missing.
node_preflight() {
  local missing=() c
  ((EUID == 0)) || missing+=("root (kubelet, containerd and the bridge need it; run as root or set ARKOUDA_LOCAL_NODE=0)")
  grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null ||
    missing+=("overlayfs (containerd's snapshotter): modprobe overlay")
  if [[ ! -d /sys/class/net/$NODE_BRIDGE ]]; then
    if ip link add "$NODE_BRIDGE-pf" type bridge 2>/dev/null; then ip link del "$NODE_BRIDGE-pf" 2>/dev/null || true
    else missing+=("bridge interfaces (ip link add type bridge failed): modprobe bridge"); fi
  fi
  if [[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" == cgroup2fs ]]; then
    missing+=("a cgroup v1 hierarchy (this node is configured for cgroup v1; /sys/fs/cgroup is cgroup v2)")
  else
    for c in cpu cpuacct cpuset memory devices freezer pids; do
      [[ -d /sys/fs/cgroup/$c ]] || missing+=("the cgroup v1 '$c' controller mounted at /sys/fs/cgroup/$c")
    done
  fi
  for c in containerd containerd-shim-runc-v2 ctr runc iptables ip6tables iptables-save iptables-restore ipset \
    ip mount umount; do
    command -v "$c" >/dev/null || missing+=("$c (scripts/setup.sh installs the Debian packages)")
  done
  # kube-router filters traffic between pods of the bridge only if bridged frames pass iptables.
  [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || modprobe br_netfilter 2>/dev/null ||
    missing+=("bridge netfilter (NetworkPolicies between pods of the bridge): modprobe br_netfilter")
  for c in bridge host-local loopback; do
    [[ -x $NODE_CNI_BIN/$c ]] || missing+=("CNI plugin $NODE_CNI_BIN/$c (Debian containernetworking-plugins, or set ARKOUDA_NODE_CNI_BIN_DIR)")
  done
  if ((${#missing[@]})); then
    log "the local node cannot run on this machine; missing:"
    for c in "${missing[@]}"; do log "  - $c"; done
    die "node preflight failed (ARKOUDA_LOCAL_NODE=0 starts the control plane without a node)"
  fi
  # One node per machine.
  if [[ -r $NODE_RUN/owner ]]; then
    local owner; owner="$(<"$NODE_RUN/owner")"
    if [[ $owner != "$STATE" && -d $owner && -n "$(orphan_pids "$owner")" ]]; then
      die "the local node already belongs to the cluster in $owner; start this one with ARKOUDA_LOCAL_NODE=0, or stop that one first"
    fi
    # Its processes were killed (a machine or session restart, or an earlier run of ours that
    # start has just stopped) without a node stop: what the node left on the host (mounts,
    # bridge, iptables chains, sysctls, cgroups) is undone before this node starts.
    log "the node's last owner $owner is not running; cleaning up after it and taking the node over"
    node_stop
  fi
}

node_check_ports() {
  local entry name port holder
  for entry in "kubelet:$NODE_KUBELET_PORT:ARKOUDA_NODE_KUBELET_PORT" \
    "kubelet-healthz:$NODE_KUBELET_HEALTHZ_PORT:ARKOUDA_NODE_KUBELET_HEALTHZ_PORT" \
    "kube-scheduler:$NODE_SCHEDULER_PORT:ARKOUDA_LOCAL_SCHEDULER_PORT" \
    "kube-proxy-healthz:$NODE_PROXY_HEALTHZ_PORT:ARKOUDA_NODE_PROXY_HEALTHZ_PORT" \
    "kube-proxy-metrics:$NODE_PROXY_METRICS_PORT:ARKOUDA_NODE_PROXY_METRICS_PORT" \
    "coredns-health:$NODE_DNS_HEALTH_PORT:ARKOUDA_NODE_DNS_HEALTH_PORT" \
    "coredns-ready:$NODE_DNS_READY_PORT:ARKOUDA_NODE_DNS_READY_PORT"; do
    IFS=: read -r name port var <<<"$entry"
    if holder="$(port_holder "$port")"; then
      die "port $port (for $name) is already in use by $holder; set $var to a free port, or stop that process"
    fi
  done
}

# ---------------------------------------------------------------- binaries

# Resolves (building with the toolchain if needed) the node's Go-built binaries.
node_tools() {
  local t var missing=()
  for t in kubelet kube-scheduler kube-proxy coredns kube-router; do
    var="ARKOUDA_$(echo "$t" | tr 'a-z-' 'A-Z_')_BIN"
    resolve_tool "$t" "$var" >/dev/null || missing+=("$t")
  done
  if ((${#missing[@]})); then
    log "not built yet: ${missing[*]}; building them (scripts/toolchain.sh build ${missing[*]})"
    "$TOOLCHAIN_SH" build "${missing[@]}" >&2 || die "could not build ${missing[*]}"
  fi
  KUBELET_BIN="$(need_tool kubelet ARKOUDA_KUBELET_BIN)"
  SCHEDULER_BIN="$(need_tool kube-scheduler ARKOUDA_KUBE_SCHEDULER_BIN)"
  PROXY_BIN="$(need_tool kube-proxy ARKOUDA_KUBE_PROXY_BIN)"
  COREDNS_BIN="$(need_tool coredns ARKOUDA_COREDNS_BIN)"
  KUBE_ROUTER_BIN="$(need_tool kube-router ARKOUDA_KUBE_ROUTER_BIN)"
}

# ---------------------------------------------------------------- PKI + config files

node_pki() {
  # sign (defined by gen_pki) reads the openssl config from $cnf.
  local cnf="$PKI/openssl.cnf"
  cat >>"$cnf" <<EOF
[kubelet]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:$NODE_IP,DNS:$NODE_NAME
[loopback-serving]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
EOF
  sign kubelet-serving "/CN=$NODE_NAME" kubelet ca
  sign kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" client ca
  # kube-apiserver -> kubelet (logs, exec, port-forward): authorised by kubelet's webhook
  # through RBAC (system:kubelet-api-admin), not by anonymous access.
  sign apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" client ca
  sign kube-scheduler "/CN=system:kube-scheduler" client ca
  sign scheduler-serving "/CN=kube-scheduler" loopback-serving ca
  sign kube-proxy "/CN=system:kube-proxy" client ca
  sign coredns "/CN=system:coredns" client ca
  sign kube-router "/CN=system:kube-router" client ca
  chmod 600 "$PKI"/*.key
  write_kubeconfig "$STATE/kubelet.kubeconfig" kubelet-client "system:node:$NODE_NAME" "$CONTEXT_NAME"
  write_kubeconfig "$STATE/kube-scheduler.kubeconfig" kube-scheduler system:kube-scheduler "$CONTEXT_NAME"
  write_kubeconfig "$STATE/kube-proxy.kubeconfig" kube-proxy system:kube-proxy "$CONTEXT_NAME"
  write_kubeconfig "$STATE/coredns.kubeconfig" coredns system:coredns "$CONTEXT_NAME"
  write_kubeconfig "$STATE/kube-router.kubeconfig" kube-router system:kube-router "$CONTEXT_NAME"
}

node_write_configs() {
  mkdir -p "$NODE_CONF/cni" "$NODE_REGISTRY_HOSTS"
  cat >"$NODE_CONF/containerd.toml" <<EOF
version = 2
root = "$NODE_DIR/containerd"
state = "$NODE_RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$NODE_CONTAINERD_SOCK"
[ttrpc]
  address = "$NODE_RUN/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This VM lacks CAP_SYS_RESOURCE: writing a lower oom_score_adj than containerd's own
  # fails inside runc ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # cgroup v1 with the cgroupfs driver, like kubelet (no systemd here).
        SystemdCgroup = false
        Root = "$NODE_RUN/runc"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$NODE_REGISTRY_HOSTS"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$NODE_CNI_BIN"
    conf_dir = "$NODE_CONF/cni"
    max_conf_num = 1
EOF
  cat >"$NODE_CONF/cni/10-arkouda-node.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "arkouda-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE_DIR/cni",
        "ranges": [[{"subnet": "$NODE_POD_CIDR", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "$SERVICE_CIDR", "gw": "$NODE_IP"}]
      }
    },
    {"type": "loopback"}
  ]
}
EOF
  cat >"$NODE_CONF/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $NODE_KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $NODE_KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization:
  mode: Webhook
# cgroup v1 on this machine: kubelet 1.35+ refuses v1 unless told, then only warns.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$NODE_CONTAINERD_SOCK
clusterDNS: [$CLUSTER_DNS_IP]
clusterDomain: $CLUSTER_DOMAIN
# No host resolv.conf: pods resolve cluster names only; nothing is asked off the machine.
resolvConf: ""
failSwapOn: false
serializeImagePulls: false
rotateCertificates: false
serverTLSBootstrap: false
maxPods: 110
# The disk is shared with builds and caches: evict only when really short.
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%"}
imageGCHighThresholdPercent: 98
imageGCLowThresholdPercent: 95
containerLogMaxSize: 10Mi
# Mounted Secrets and ConfigMaps follow their objects at each pod sync (a minute by default): a
# ServiceMonitor reaches Prometheus through the config reloader's Secret volume in seconds.
syncFrequency: 10s
EOF
  cat >"$NODE_CONF/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $STATE/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$NODE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$NODE_PROXY_METRICS_PORT
clusterCIDR: $NODE_POD_CIDR
# NodePorts only on the bridge address (not 127.0.0.1: that would set route_localnet on
# every interface).
nodePortAddresses: ["$NODE_IP/32"]
# A pod that reaches another pod on the same bridge through a ClusterIP gets the reply back
# through the host (the reply is SNATed to the bridge address, never leaves the bridge).
iptables:
  masqueradeAll: true
# 0: leave the host's conntrack sysctls alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
  cat >"$NODE_CONF/Corefile" <<EOF
.:$NODE_DNS_PORT {
    bind $NODE_IP
    errors
    health 127.0.0.1:$NODE_DNS_HEALTH_PORT
    ready 127.0.0.1:$NODE_DNS_READY_PORT
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $STATE/coredns.kubeconfig $CONTEXT_NAME
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    cache 30
    reload
    loadbalance
}
EOF
}

# ---------------------------------------------------------------- host network

sysctl_path() { echo "/proc/sys/${1//.//}"; }

# Records a sysctl's value (once) before the node changes it, so stop can put it back.
record_sysctl() {
  local k=$1 f
  f="$(sysctl_path "$k")"
  [[ -r $f ]] || return 0
  grep -q "^$k=" "$NODE_RUN/sysctls.orig" 2>/dev/null || echo "$k=$(<"$f")" >>"$NODE_RUN/sysctls.orig"
}
set_sysctl() { record_sysctl "$1"; echo "$2" >"$(sysctl_path "$1")"; }

node_network_up() {
  if [[ ! -d /sys/class/net/$NODE_BRIDGE ]]; then
    ip link add "$NODE_BRIDGE" type bridge
    echo "$NODE_BRIDGE" >"$NODE_RUN/bridge.created"
  fi
  ip addr replace "$NODE_IP/24" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  # The `kubernetes` ClusterIP goes to the loopback kube-apiserver: DNAT to 127.0.0.1 from
  # the bridge needs route_localnet there (and only there).
  set_sysctl "net.ipv4.conf.$NODE_BRIDGE.route_localnet" 1
  # Pod -> ClusterIP -> pod on the same bridge is routed through the host. Forwarding on
  # this interface only; net.ipv4.ip_forward is left as it is.
  set_sysctl "net.ipv4.conf.$NODE_BRIDGE.forwarding" 1
  # Frames between pods of the bridge go through iptables, where kube-router filters them
  # (its routing controller, which we do not run, is what would set this).
  set_sysctl net.bridge.bridge-nf-call-iptables 1
  node_iptables_up
}

ipt() { iptables -w 5 "$@"; }

# Our own chains: jumped to first from PREROUTING and OUTPUT (nat) and FORWARD (mangle), and
# from FORWARD (filter) right after the NetworkPolicy enforcer (node_iptables_jumps).
node_iptables_up() {
  local apiport; apiport="$(recorded_port APISERVER_PORT)"
  ipt -t nat -N "$NODE_CHAIN" 2>/dev/null || ipt -t nat -F "$NODE_CHAIN"
  ipt -t nat -A "$NODE_CHAIN" -s "$NODE_POD_CIDR" -d "$SERVICE_IP/32" -p tcp --dport 443 \
    -m comment --comment "kubernetes ClusterIP to the loopback kube-apiserver" \
    -j DNAT --to-destination "127.0.0.1:$apiport"
  # The same for the host's own connections (kube-apiserver publishes no endpoints for its
  # loopback address, so kube-proxy has none to program).
  ipt -t nat -N "$NODE_CHAIN-OUT" 2>/dev/null || ipt -t nat -F "$NODE_CHAIN-OUT"
  ipt -t nat -A "$NODE_CHAIN-OUT" -d "$SERVICE_IP/32" -p tcp --dport 443 \
    -m comment --comment "kubernetes ClusterIP to the loopback kube-apiserver" \
    -j DNAT --to-destination "127.0.0.1:$apiport"
  # mangle's FORWARD runs before every filter rule, so before the ACCEPT kube-router gives the
  # traffic its policies let through: nothing from a pod is routed off the bridge.
  ipt -t mangle -N "$NODE_CHAIN" 2>/dev/null || ipt -t mangle -F "$NODE_CHAIN"
  ipt -t mangle -A "$NODE_CHAIN" -i "$NODE_BRIDGE" ! -o "$NODE_BRIDGE" -m comment \
    --comment "pod traffic never leaves the machine" -j DROP
  # Pod to pod on the bridge, whatever the host's FORWARD policy; after the enforcer's verdict.
  ipt -t filter -N "$NODE_CHAIN" 2>/dev/null || ipt -t filter -F "$NODE_CHAIN"
  ipt -t filter -A "$NODE_CHAIN" -i "$NODE_BRIDGE" -o "$NODE_BRIDGE" -j ACCEPT
  node_iptables_jumps
}

# (Re)puts our jumps first (kube-proxy inserts its own at the top when it starts), except in
# filter's FORWARD, where ours goes right after kube-router's: kube-router moves its jumps to the
# top at every sync, and an ACCEPT of pod traffic above them would bypass every NetworkPolicy.
node_iptables_jumps() {
  local at
  while ipt -t nat -D PREROUTING -j "$NODE_CHAIN" 2>/dev/null; do :; done
  ipt -t nat -I PREROUTING 1 -j "$NODE_CHAIN"
  while ipt -t nat -D OUTPUT -j "$NODE_CHAIN-OUT" 2>/dev/null; do :; done
  ipt -t nat -I OUTPUT 1 -j "$NODE_CHAIN-OUT"
  while ipt -t mangle -D FORWARD -j "$NODE_CHAIN" 2>/dev/null; do :; done
  ipt -t mangle -I FORWARD 1 -j "$NODE_CHAIN"
  while ipt -t filter -D FORWARD -j "$NODE_CHAIN" 2>/dev/null; do :; done
  at="$(ipt -t filter -S FORWARD |
    awk '/^-A / { n++ } /^-A .* -j KUBE-ROUTER-FORWARD( |$)/ && !at { at = n } END { print at + 0 }')" || at=0
  ipt -t filter -I FORWARD "$((at + 1))" -j "$NODE_CHAIN"
}

node_iptables_down() {
  local t
  while ipt -t nat -D OUTPUT -j "$NODE_CHAIN-OUT" 2>/dev/null; do :; done
  ipt -t nat -F "$NODE_CHAIN-OUT" 2>/dev/null || true
  ipt -t nat -X "$NODE_CHAIN-OUT" 2>/dev/null || true
  for t in nat mangle filter; do
    while ipt -t "$t" -D PREROUTING -j "$NODE_CHAIN" 2>/dev/null; do :; done
    while ipt -t "$t" -D FORWARD -j "$NODE_CHAIN" 2>/dev/null; do :; done
    ipt -t "$t" -F "$NODE_CHAIN" 2>/dev/null || true
    ipt -t "$t" -X "$NODE_CHAIN" 2>/dev/null || true
  done
}

# kube-proxy's, kubelet's and kube-router's chains (KUBE-*: KUBE-ROUTER-*, KUBE-NWPLCY-*,
# KUBE-POD-FW-* are kube-router's), in every table, IPv4 and IPv6. Nothing else on this machine
# runs Kubernetes networking (a second node is refused).
kube_iptables_down() {
  local bin t chain
  if [[ -n "${PROXY_BIN:-}" && -x "$PROXY_BIN" ]]; then
    "$PROXY_BIN" --cleanup --v=0 >>"$(logfile kube-proxy)" 2>&1 || true
  fi
  for bin in iptables ip6tables; do
    for t in nat filter mangle; do
      # Jumps first (rules in built-in chains that target KUBE-*), then the chains.
      { "$bin" -w 5 -t "$t" -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' | grep -vE '^-A KUBE-' || true; } |
        while read -r _ chain rest; do
          # The rule spec is re-split as iptables printed it (quoted comments included).
          eval "$bin -w 5 -t $t -D $chain $rest" 2>/dev/null || true
        done
      local chains
      chains="$("$bin" -w 5 -t "$t" -S 2>/dev/null | sed -n 's/^-N \(KUBE-[A-Za-z0-9_-]*\)$/\1/p')" || true
      for chain in $chains; do "$bin" -w 5 -t "$t" -F "$chain" 2>/dev/null || true; done
      for chain in $chains; do "$bin" -w 5 -t "$t" -X "$chain" 2>/dev/null || true; done
    done
  done
}

# kube-router's NetworkPolicy ipsets (KUBE-SRC-*, KUBE-DST-*, and the TMP-* it swaps them
# through), once no rule uses them. Its --cleanup-config is no help: in v2.1.0 it cleans
# nothing of the firewall (its controller is not set up) and would tear down routes and IPVS.
kube_router_ipsets_down() {
  local set
  command -v ipset >/dev/null || return 0
  for set in $(ipset list -n 2>/dev/null | grep -E '^(inet6:)?(KUBE-SRC-|KUBE-DST-|TMP-)[A-Z2-7]{16}$' || true); do
    ipset destroy "$set" 2>/dev/null || true
  done
}

node_network_down() {
  node_iptables_down
  kube_iptables_down
  kube_router_ipsets_down
  if [[ -r $NODE_RUN/bridge.created || -d /sys/class/net/$NODE_BRIDGE ]]; then
    ip link del "$NODE_BRIDGE" 2>/dev/null || true
  fi
  # Pods' veths went with their network namespaces; anything left on our bridge's name is gone
  # with it. Leftover CNI namespaces of our pods (a hard stop skipped their teardown):
  local ns
  for ns in /run/netns/cni-*; do
    [[ -e $ns ]] || continue
    if ip netns exec "$(basename "$ns")" ip -4 -o addr show 2>/dev/null | grep -q " ${NODE_IP%.1}\."; then
      umount "$ns" 2>/dev/null || true
      rm -f "$ns"
    fi
  done
}

node_restore_sysctls() {
  local line k v f
  [[ -r $NODE_RUN/sysctls.orig ]] || return 0
  while IFS= read -r line; do
    k=${line%%=*} v=${line#*=}
    f="$(sysctl_path "$k")"
    if [[ -w $f ]]; then echo "$v" >"$f" 2>/dev/null || true; fi
  done <"$NODE_RUN/sysctls.orig"
}

# ---------------------------------------------------------------- processes

kubectl_admin() { "$KUBECTL_BIN" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

node_ready() {
  [[ "$(kubectl_admin get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}
node_untainted() {
  [[ -z "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.spec.taints}' 2>/dev/null)" ]]
}
containerd_up() { ctr --address "$NODE_CONTAINERD_SOCK" version >/dev/null 2>&1; }
kubelet_healthy() { [[ "$(curl -s --max-time 2 "http://127.0.0.1:$NODE_KUBELET_HEALTHZ_PORT/healthz")" == ok ]]; }
scheduler_healthy() { [[ "$(curl -sk --max-time 2 "https://127.0.0.1:$NODE_SCHEDULER_PORT/healthz")" == ok ]]; }
proxy_healthy() { curl -s --max-time 2 "http://127.0.0.1:$NODE_PROXY_HEALTHZ_PORT/healthz" | grep -q lastUpdated; }
# kube-router has done a full sync: its jump from FORWARD is there, and its chain ends with the
# ACCEPT of what the policies let through (each full sync appends it). It serves no health port
# here (upstream's listens on every interface).
kube_router_synced() {
  ipt -t filter -S FORWARD 2>/dev/null | awk '/ -j KUBE-ROUTER-FORWARD( |$)/ { f = 1 } END { exit !f }' &&
    ipt -t filter -S KUBE-ROUTER-FORWARD 2>/dev/null | awk '/--mark 0x20000\/0x20000 -j ACCEPT/ { f = 1 } END { exit !f }'
}
coredns_ready() { [[ "$(curl -s --max-time 2 "http://127.0.0.1:$NODE_DNS_READY_PORT/ready")" == OK ]]; }

node_wait() { # what timeout-seconds check
  local what=$1 timeout=$2 check=$3 deadline=$(( $(date +%s) + $2 ))
  until "$check"; do
    if (( $(date +%s) >= deadline )); then
      log "$what: not within ${timeout}s"
      return 1
    fi
    sleep 0.5
  done
}

node_fail() { # component message
  tail_log "$1" 40
  node_stop >/dev/null 2>&1 || true
  stop_all >/dev/null
  die "$2 (logs kept in $STATE)"
}

# Cluster objects the node needs: RBAC for kube-apiserver -> kubelet, CoreDNS and kube-router, the kube-dns
# Service with an EndpointSlice on the bridge address (CoreDNS runs on the host).
node_objects() {
  kubectl_admin apply --server-side --field-manager=arkouda-local-cluster -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: arkouda-local:apiserver-kubelet-client}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:coredns}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: system:coredns}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: arkouda-local:kube-router}
rules:
# kube-router starts informers on all of these whatever it runs; its firewall reads the node.
- {apiGroups: [""], resources: [namespaces, pods, services, endpoints, nodes], verbs: [get, list, watch]}
- {apiGroups: [networking.k8s.io], resources: [networkpolicies], verbs: [get, list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: arkouda-local:kube-router}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: arkouda-local:kube-router}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: system:kube-router}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  clusterIP: $CLUSTER_DNS_IP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: $NODE_DNS_PORT}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: $NODE_DNS_PORT}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-host
  namespace: kube-system
  labels: {kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: arkouda-local-cluster}
addressType: IPv4
endpoints:
- addresses: [$NODE_IP]
  conditions: {ready: true}
  nodeName: $NODE_NAME
ports:
- {name: dns, port: $NODE_DNS_PORT, protocol: UDP}
- {name: dns-tcp, port: $NODE_DNS_PORT, protocol: TCP}
EOF
}

node_start() {
  local t0 tn; t0="$(now_ms)"
  mkdir -p "$NODE_RUN" "$NODE_DIR" "$NODE_CONF"
  chmod 700 "$NODE_RUN" "$NODE_DIR"
  echo "$STATE" >"$NODE_RUN/owner"
  : >"$STATE/node.enabled"
  node_pki
  node_write_configs
  node_network_up

  # The control plane runs with umask 077 (write_kubeconfig sets it); containerd and kubelet
  # must not: snapshot roots, pod volumes and rootfs dirs would be 0700 and a container user
  # without CAP_DAC_OVERRIDE (Argo's resource steps run as 8737 with every capability dropped)
  # could not even look its command up.
  umask 022
  launch containerd containerd --config "$NODE_CONF/containerd.toml" --log-level warn
  node_wait containerd 30 containerd_up || node_fail containerd "containerd did not start"
  tn="$(elapsed "$t0")"
  ARKOUDA_CONTAINERD_ADDRESS="$NODE_CONTAINERD_SOCK" ARKOUDA_TOOLCHAIN_CACHE="$TOOLCHAIN_CACHE" \
    "$REPO_ROOT/scripts/images.sh" import >&2 || node_fail containerd "building or importing the images failed"
  local t_img; t_img="$(elapsed "$t0")"

  node_objects || node_fail kube-apiserver "creating the node's RBAC and kube-dns objects failed"

  launch kube-scheduler "$SCHEDULER_BIN" \
    --kubeconfig="$STATE/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$NODE_SCHEDULER_PORT" \
    --tls-cert-file="$PKI/scheduler-serving.crt" --tls-private-key-file="$PKI/scheduler-serving.key" \
    --leader-elect=false --profiling=false --v=1

  # kubelet sets these at start; stop puts the machine's values back.
  record_sysctl vm.overcommit_memory
  record_sysctl kernel.panic
  record_sysctl kernel.panic_on_oops
  launch kubelet "$KUBELET_BIN" \
    --config="$NODE_CONF/kubelet.yaml" \
    --kubeconfig="$STATE/kubelet.kubeconfig" \
    --root-dir="$NODE_DIR/kubelet" \
    --cert-dir="$PKI" \
    --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" \
    --v=1

  launch kube-proxy "$PROXY_BIN" --config="$NODE_CONF/kube-proxy.yaml" --v=1
  launch coredns "$COREDNS_BIN" -conf "$NODE_CONF/Corefile"

  node_wait kubelet "$NODE_READY_TIMEOUT" kubelet_healthy || node_fail kubelet "kubelet did not become healthy"
  node_wait kube-scheduler 60 scheduler_healthy || node_fail kube-scheduler "kube-scheduler did not become healthy"
  node_wait kube-proxy 60 proxy_healthy || node_fail kube-proxy "kube-proxy did not become healthy"
  node_iptables_jumps
  node_wait coredns 60 coredns_ready || node_fail coredns "CoreDNS did not become ready"
  node_wait "node $NODE_NAME Ready" "$NODE_READY_TIMEOUT" node_ready || node_fail kubelet "node $NODE_NAME did not become Ready"
  # kube-router reads the Node when it starts (the pods whose hostIP is its InternalIP are the
  # ones it filters), so it starts once kubelet has registered it, and start returns only after
  # its first sync. Firewall only: the node has its own bridge and routes, and kube-proxy is the
  # service proxy.
  launch kube-router "$KUBE_ROUTER_BIN" \
    --kubeconfig="$STATE/kube-router.kubeconfig" \
    --hostname-override="$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false \
    --enable-cni=false --enable-ipv4=true --enable-ipv6=false \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --health-port=0 --metrics-port=0 \
    --v=1
  node_wait kube-router 60 kube_router_synced || node_fail kube-router "kube-router did not sync the node's NetworkPolicies"
  # The not-ready taint goes once node-lifecycle has seen the node Ready.
  node_wait "node $NODE_NAME untainted" 60 node_untainted || node_fail kube-controller-manager "node $NODE_NAME kept its taints"
  echo "node $NODE_NAME Ready in $(elapsed "$t0") (containerd $tn, images $t_img); address $NODE_IP on bridge $NODE_BRIDGE"
}

# Stops pods, then the node's processes, then undoes what the node changed on the host.
node_stop() {
  local p pids=()
  if [[ -x "${KUBECTL_BIN:-}" ]] && apiserver_ready 2>/dev/null && component_pid kubelet >/dev/null; then
    # No new pods: the controllers that would recreate them go first (stop_node_controllers),
    # then kubelet kills every pod and tears its network down.
    kubectl_admin delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1 || true
    local deadline=$(( $(date +%s) + 30 ))
    while (( $(date +%s) < deadline )); do
      [[ -z "$(ctr --address "$NODE_CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null)" ]] && break
      sleep 0.5
    done
  fi
  for p in kube-router coredns kube-proxy kubelet kube-scheduler; do
    pids=(); local q; q="$(component_pid "$p")" && pids+=("$q")
    stop_pids "${pids[@]}"
  done
  # Whatever kubelet did not stop (a hard stop): kill the tasks through containerd.
  if containerd_up; then
    local id
    for id in $(ctr --address "$NODE_CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$NODE_CONTAINERD_SOCK" -n k8s.io tasks kill -s KILL "$id" >/dev/null 2>&1 || true
    done
    sleep 1
    for id in $(ctr --address "$NODE_CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$NODE_CONTAINERD_SOCK" -n k8s.io tasks delete -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr --address "$NODE_CONTAINERD_SOCK" -n k8s.io containers ls -q 2>/dev/null); do
      ctr --address "$NODE_CONTAINERD_SOCK" -n k8s.io containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  pids=(); p="$(component_pid containerd)" && pids+=("$p")
  stop_pids "${pids[@]}"
  # runc shims of our containerd (they outlive it by design).
  local shim
  for shim in $(pgrep -f "containerd-shim-runc-v2 .*-address $NODE_CONTAINERD_SOCK" || true); do
    kill -KILL "$shim" 2>/dev/null || true
  done
  node_unmount "$NODE_DIR/kubelet"
  node_unmount "$NODE_RUN"
  node_unmount "$NODE_DIR/containerd"
  node_network_down
  node_restore_sysctls
  node_cgroups_down
  rm -rf "$NODE_DIR/kubelet" "$NODE_DIR/cni" "$NODE_DIR/opt"
  rm -rf /var/lib/cni/results/arkouda-node-* 2>/dev/null || true
  rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true
  # containerd 1.6 puts shim sockets under /run/containerd/s whatever its state dir is.
  if [[ -d /run/containerd ]] && ! pgrep -x containerd >/dev/null; then rm -rf /run/containerd; fi
  rm -rf "$NODE_RUN"
  rm -f "$STATE/node.enabled"
}

# Unmounts everything at or below a path, deepest first.
node_unmount() {
  local m
  [[ -e $1 ]] || return 0
  while IFS= read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done < <(awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# kubelet's QoS cgroups (kubepods/...) in every v1 hierarchy, deepest first; a cgroup with a
# process left in it stays (and is reported).
node_cgroups_down() {
  local h d left=0
  for h in /sys/fs/cgroup/*/; do
    [[ -d ${h}kubepods ]] || continue
    while IFS= read -r d; do rmdir "$d" 2>/dev/null || left=1; done < <(find "${h}kubepods" -depth -type d)
  done
  ((left == 0)) || log "warning: some kubepods cgroups still hold processes and were left in place"
}

node_tools_quiet() {
  KUBELET_BIN="$(resolve_tool kubelet ARKOUDA_KUBELET_BIN)" || KUBELET_BIN=/nonexistent
  SCHEDULER_BIN="$(resolve_tool kube-scheduler ARKOUDA_KUBE_SCHEDULER_BIN)" || SCHEDULER_BIN=/nonexistent
  PROXY_BIN="$(resolve_tool kube-proxy ARKOUDA_KUBE_PROXY_BIN)" || PROXY_BIN=/nonexistent
  COREDNS_BIN="$(resolve_tool coredns ARKOUDA_COREDNS_BIN)" || COREDNS_BIN=/nonexistent
  KUBE_ROUTER_BIN="$(resolve_tool kube-router ARKOUDA_KUBE_ROUTER_BIN)" || KUBE_ROUTER_BIN=/nonexistent
}

# Component versions, one line each (test-all prints them).
node_versions() {
  local v
  echo "kubelet: $("$KUBELET_BIN" --version 2>/dev/null | awk '{print $2}')"
  echo "kube-scheduler: $("$SCHEDULER_BIN" --version 2>/dev/null | awk '{print $2}')"
  echo "kube-proxy: $("$PROXY_BIN" --version 2>/dev/null | awk '{print $2}')"
  echo "coredns: $("$COREDNS_BIN" -version 2>/dev/null | head -n1)"
  # "Running <argv0> version v2.1.0, built on <date>, go1.26.x" (on stderr)
  echo "kube-router: $("$KUBE_ROUTER_BIN" --version 2>&1 | sed -n 's/.* version \([^,]*\),.*/\1/p')"
  echo "containerd: $(containerd --version 2>/dev/null | awk '{print $3}')"
  echo "runc: $(runc --version 2>/dev/null | head -n1 | awk '{print $3}')"
  v="$(dpkg-query -W -f '${Version}' containernetworking-plugins 2>/dev/null)" || v="unknown"
  echo "cni plugins: containernetworking-plugins $v ($NODE_CNI_BIN)"
  echo "iptables: $(iptables --version 2>/dev/null | awk '{print $2, $3}')"
  echo "ipset: $(ipset --version 2>/dev/null | awk '{print $2}' | tr -d ,)"
  local ae
  if ae="$(resolve_tool argoexec ARKOUDA_ARGOEXEC_BIN 2>/dev/null)"; then
    echo "argoexec: $("$ae" version --short 2>/dev/null | head -n1 | awk '{print $NF}')"
  else
    echo "argoexec: not built"
  fi
  if containerd_up; then
    echo "images in containerd (k8s.io): $(ctr --address "$NODE_CONTAINERD_SOCK" -n k8s.io images ls -q 2>/dev/null | grep -v '^sha256:' | tr '\n' ' ')"
  fi
}
