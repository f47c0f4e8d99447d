/**
 * Launch scripts of the Arkouda locale and server containers, stored once per namespace in the
 * LAUNCH_SCRIPTS_CONFIGMAP the stack declares beside the WorkflowTemplates (every instance's pods
 * mount the same text), so a deploy starts its pods at once instead of applying scripts first.
 *
 * The scripts are static text: every per-instance value arrives through the container env
 * (set by the runtime objects), so nothing is spliced into shell code. They must contain no
 * `{{` (Argo would try to substitute it) — the tests check that, `bash -n` and shellcheck.
 *
 * Environment: the rows of contract/image.ts whose reader is the launch script, plus
 * the optional LOCALE_DISCOVERY_INTERVAL. The server script also
 * reads EXTERNAL_SERVICE_NAME and METRICS_SERVICE_NAME (passed to arkouda_server as well) to
 * clear an earlier run's registration, and its API calls are the launch-script rows of
 * API_CONTRACT (components/image-contract.ts).
 */

/** Where the Arkouda token Secret is mounted: absolute, as the server script reads its token from there. */
export const SA_TOKEN_DIR = "/opt/sa";
export const SA_CA_PATH = `${SA_TOKEN_DIR}/ca.crt`;
/** Where the instance's token Secret (`<instance>-token`, key `token`) is mounted in the server container. */
export const SERVER_TOKEN_DIR = "/opt/arkouda-server-token";
/** Where the ssh secret is mounted in server and locale containers. */
export const SSH_KEYS_DIR = "/home/ubuntu/ssh-keys";
/** The namespace's ConfigMap of both scripts, and each script's key in it. */
export const LAUNCH_SCRIPTS_CONFIGMAP = "arkouda-launch-scripts";
export const LOCALE_SCRIPT_KEY = "locale.sh";
export const SERVER_SCRIPT_KEY = "server.sh";
/** Where the scripts are mounted (subPath of their key) in the containers. */
export const LOCALE_SCRIPT_PATH = "/opt/arkouda/start-arkouda-locale.sh";
export const SERVER_SCRIPT_PATH = "/opt/arkouda/start-arkouda-server.sh";

const COMMON = String.raw`#!/bin/bash
# Managed by arkouda-workflows. Values come from the container environment only.
set -euo pipefail

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

SSH_KEYS_DIR="${"$"}{SSH_KEYS_DIR:-/home/ubuntu/ssh-keys}"
RUN_AS_USER="${"$"}{RUN_AS_USER:-}"
RUN_AS_UID="${"$"}{RUN_AS_UID:-}"
RUN_AS_GROUP="${"$"}{RUN_AS_GROUP:-}"
RUN_AS_GID="${"$"}{RUN_AS_GID:-}"
if [ -z "$RUN_AS_USER" ]; then RUN_AS_USER=ubuntu; fi
RUN_AS_HOME="/home/$RUN_AS_USER"

# Create the run-as group and user unless Arkouda runs as the image's ubuntu user.
ensure_run_as_user() {
    if [ "$RUN_AS_USER" = "ubuntu" ]; then
        return 0
    fi
    if [ -z "$RUN_AS_UID" ] || [ -z "$RUN_AS_GROUP" ] || [ -z "$RUN_AS_GID" ]; then
        log "RUN_AS_USER=$RUN_AS_USER needs RUN_AS_UID, RUN_AS_GROUP and RUN_AS_GID"
        exit 64
    fi
    if ! getent group "$RUN_AS_GROUP" >/dev/null; then
        as_root groupadd --gid "$RUN_AS_GID" "$RUN_AS_GROUP"
    fi
    if ! id -u "$RUN_AS_USER" >/dev/null 2>&1; then
        as_root useradd --create-home --home-dir "$RUN_AS_HOME" --shell /bin/bash \
            --uid "$RUN_AS_UID" --gid "$RUN_AS_GID" "$RUN_AS_USER"
    fi
}

# Install the cluster key pair for the run-as user: private key 0600, .ssh 0700,
# the public key authorised so the GASNet ssh spawner can log in to every pod.
install_ssh_keys() {
    local ssh_dir="$RUN_AS_HOME/.ssh"
    if [ ! -r "$SSH_KEYS_DIR/id_rsa" ] || [ ! -r "$SSH_KEYS_DIR/id_rsa.pub" ]; then
        log "ssh keys missing in $SSH_KEYS_DIR"
        exit 65
    fi
    as_root install -d -m 0700 -o "$RUN_AS_USER" -g "$(id -gn "$RUN_AS_USER")" "$ssh_dir"
    as_root install -m 0600 -o "$RUN_AS_USER" -g "$(id -gn "$RUN_AS_USER")" "$SSH_KEYS_DIR/id_rsa" "$ssh_dir/id_rsa"
    as_root install -m 0644 -o "$RUN_AS_USER" -g "$(id -gn "$RUN_AS_USER")" "$SSH_KEYS_DIR/id_rsa.pub" "$ssh_dir/id_rsa.pub"
    as_root install -m 0600 -o "$RUN_AS_USER" -g "$(id -gn "$RUN_AS_USER")" "$SSH_KEYS_DIR/id_rsa.pub" "$ssh_dir/authorized_keys"
}

start_sshd() {
    as_root mkdir -p /run/sshd
    if command -v service >/dev/null 2>&1; then
        as_root service ssh start
    else
        as_root /usr/sbin/sshd
    fi
}
`;

/** Locale pods: run-as user, ssh keys, sshd; then stay up so the server can spawn over ssh. */
export const LOCALE_LAUNCH_SCRIPT = `${COMMON}
ensure_run_as_user
install_ssh_keys
start_sshd
log "locale ready: sshd running for $RUN_AS_USER"

# Keep the container alive; exit cleanly on SIGTERM.
trap 'log "terminating"; exit 0' TERM INT
while true; do
    sleep 3600 &
    wait $!
done
`;

const SERVER_BODY = String.raw`
SA_TOKEN_FILE="/opt/sa/token"
SA_CA_FILE="/opt/sa/ca.crt"
SERVER_TOKEN_FILE="/opt/arkouda-server-token/token"
: "${"$"}{NUMLOCALES:?NUMLOCALES is required}"
: "${"$"}{K8S_HOST:?K8S_HOST is required}"
: "${"$"}{NAMESPACE:?NAMESPACE is required}"
: "${"$"}{APP_NAME:?APP_NAME is required}"
: "${"$"}{MY_IP:?MY_IP is required}"
LOCALE_DISCOVERY_SECONDS="${"$"}{LOCALE_DISCOVERY_SECONDS:-300}"
LOCALE_DISCOVERY_INTERVAL="${"$"}{LOCALE_DISCOVERY_INTERVAL:-1}"

# The Arkouda service-account token, read from its absolute mount path (a relative one depends on the working directory).
SSL_TOKEN="$(cat "$SA_TOKEN_FILE")"
export SSL_TOKEN
: "${"$"}{EXTERNAL_SERVICE_NAME:?EXTERNAL_SERVICE_NAME is required}"
: "${"$"}{METRICS_SERVICE_NAME:?METRICS_SERVICE_NAME is required}"

# DELETE one object by API path; absent is fine, any other answer stops the start.
api_delete() {
    local path=$1 code
    code="$(curl --silent --show-error --output /dev/null --write-out '%{http_code}' --max-time 10 \
        --cacert "$SA_CA_FILE" \
        --header "Authorization: Bearer $SSL_TOKEN" \
        --request DELETE "$K8S_HOST$path")" || code="no answer"
    case "$code" in
        200 | 202 | 404) return 0 ;;
        *)
            log "DELETE $path: HTTP $code"
            return 1
            ;;
    esac
}

# arkouda_server POSTs its Services and Endpoints and fails on a 409: a server that was killed
# never deregistered, and nothing ever deletes the Endpoints it posted. Clear both first.
clear_registration() {
    local name
    for name in "$EXTERNAL_SERVICE_NAME" "$METRICS_SERVICE_NAME"; do
        api_delete "/api/v1/namespaces/$NAMESPACE/services/$name"
        api_delete "/api/v1/namespaces/$NAMESPACE/endpoints/$name"
    done
}

# With --authenticate the server takes the last line of <its working directory>/.arkouda/tokens.txt
# as its token (src/Security.chpl): the Secret's token goes there, owned by the run-as user and
# readable by no one else (the mounted Secret is root's alone).
install_server_token() {
    local dir="$PWD/.arkouda" group
    if [ ! -s "$SERVER_TOKEN_FILE" ]; then
        log "AUTHENTICATE is true but $SERVER_TOKEN_FILE is missing or empty: the instance's token Secret is not in the namespace (instances[].authenticate: true declares it)"
        exit 66
    fi
    group="$(id -gn "$RUN_AS_USER")"
    as_root install -d -m 0700 -o "$RUN_AS_USER" -g "$group" "$dir"
    as_root install -m 0600 -o "$RUN_AS_USER" -g "$group" "$SERVER_TOKEN_FILE" "$dir/tokens.txt"
}

# Copies stdin to stdout with every occurrence of the token replaced: arkouda_server prints its
# connect URL, token included, when it starts serving (src/ServerDaemon.chpl). The token is held
# in a shell variable, never in a command's arguments.
mask_token() {
    local token line
    IFS= read -r token <"$SERVER_TOKEN_FILE" || true
    while IFS= read -r line || [ -n "$line" ]; do
        printf '%s\n' "${"$"}{line//"$token"/<token>}"
    done
}

# Runs the server command as this process. With a token, its output reaches the pod log through
# mask_token; this shell stays the container's main process, passes SIGTERM on and exits with
# the server's status.
run_server() {
    if [ "${"$"}{AUTHENTICATE:-false}" != "true" ]; then
        exec "$@"
    fi
    local fifo filter server status=0
    fifo="$(mktemp -u /tmp/arkouda-server-output.XXXXXX)"
    mkfifo -m 0600 "$fifo"
    mask_token <"$fifo" &
    filter=$!
    "$@" >"$fifo" 2>&1 &
    server=$!
    trap 'kill -TERM "$server" 2>/dev/null || true' TERM INT
    while :; do
        wait "$server" && status=0 || status=$?
        kill -0 "$server" 2>/dev/null || break
    done
    wait "$filter" || true
    rm -f "$fifo"
    exit "$status"
}

# Print the IPs of the Ready locale pods (label app=$APP_NAME), one per line, sorted. Ready, not
# only Running: the server starts beside its locales, and a locale turns Ready once its sshd
# accepts connections (its readiness probe), which the GASNet ssh spawner needs. A pod being
# deleted is an old locale on its way out.
locale_ips() {
    curl --silent --show-error --fail --max-time 10 \
        --cacert "$SA_CA_FILE" \
        --header "Authorization: Bearer $SSL_TOKEN" \
        --get --data-urlencode "labelSelector=app=$APP_NAME" \
        --data-urlencode "fieldSelector=status.phase=Running" \
        "$K8S_HOST/api/v1/namespaces/$NAMESPACE/pods" |
        python3 -c 'import json, sys
def ready(status):
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
pods = json.load(sys.stdin).get("items", [])
ips = sorted(p["status"]["podIP"] for p in pods
             if p.get("status", {}).get("podIP") and p["status"].get("phase") == "Running"
             and ready(p["status"]) and not p["metadata"].get("deletionTimestamp"))
print("\n".join(ips))'
}

# Bounded discovery: NUMLOCALES counts the server, so NUMLOCALES-1 locale pods are expected. It
# waits as long as the deploy waits for the locales (LOCALE_DISCOVERY_SECONDS, the locales' ready
# bound), counted from this script's start, which is after the locales' wait began.
wanted=$((NUMLOCALES - 1))
LOCALE_IPS=""
while :; do
    ips="$(locale_ips || true)"
    count=0
    if [ -n "$ips" ]; then count=$(printf '%s\n' "$ips" | wc -l); fi
    if [ "$count" -eq "$wanted" ]; then
        LOCALE_IPS="$(printf '%s\n' "$ips" | tr '\n' ' ')"
        break
    fi
    if [ "$SECONDS" -ge "$LOCALE_DISCOVERY_SECONDS" ]; then
        log "found $count of $wanted Ready locale pods after $SECONDS s (LOCALE_DISCOVERY_SECONDS=$LOCALE_DISCOVERY_SECONDS, deadlines.localeReadySeconds); giving up"
        exit 75
    fi
    log "found $count of $wanted Ready locale pods; retrying in $LOCALE_DISCOVERY_INTERVAL s"
    sleep "$LOCALE_DISCOVERY_INTERVAL"
done

ensure_run_as_user
install_ssh_keys
start_sshd
clear_registration
if [ "${"$"}{AUTHENTICATE:-false}" = "true" ]; then
    install_server_token
fi

# GASNet UDP conduit, ssh spawner: locale 0 is this pod, then every locale pod.
SSH_SERVERS="$MY_IP ${"$"}{LOCALE_IPS% }"
export SSH_SERVERS
export GASNET_SSH_SERVERS="$SSH_SERVERS"
export GASNET_SPAWNFN=S
export GASNET_MASTERIP="$MY_IP"
export GASNET_SSH_OPTIONS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
log "starting arkouda_server on $NUMLOCALES locales: $SSH_SERVERS"

daemons="ServerDaemonType.INTEGRATION"
if [ "${"$"}{COLLECT_METRICS:-false}" = "true" ]; then
    daemons="ServerDaemonType.INTEGRATION,ServerDaemonType.METRICS"
fi
args=(
    -nl "$NUMLOCALES"
    "--ExternalIntegration.systemType=SystemType.KUBERNETES"
    "--ServerDaemon.daemonTypes=$daemons"
    "--ServerPort=${"$"}{ARKOUDA_SERVER_PORT:-5555}"
    "--memTrack=${"$"}{MEMTRACK:-true}"
    "--logLevel=${"$"}{LOG_LEVEL:-LogLevel.INFO}"
)
if [ -n "${"$"}{CHPL_MEM_MAX:-}" ]; then
    args+=("--memMax=$CHPL_MEM_MAX")
fi
if [ "${"$"}{AUTHENTICATE:-false}" = "true" ]; then
    args+=("--authenticate=true")
fi

if [ "$RUN_AS_USER" = "$(id -un)" ]; then
    run_server /opt/arkouda/arkouda_server "${"$"}{args[@]}"
fi
# Run as the configured user, keeping the environment the server and GASNet need; from root,
# sudo needs no setuid (the container runs with privilege escalation off).
run_server sudo --preserve-env -H -u "$RUN_AS_USER" /opt/arkouda/arkouda_server "${"$"}{args[@]}"
`;

/** Server pod: discover locales via the Kubernetes API, then start arkouda_server over GASNet UDP. */
export const SERVER_LAUNCH_SCRIPT = `${COMMON}${SERVER_BODY}`;
