/**
 * What the program reads of the Arkouda image's contract (bearsrus/arkouda-udp-server v2024.04.19):
 * the Kubernetes API calls made from inside the server pod, from which the Arkouda
 * ServiceAccount's grants are derived (arkouda-grants.ts), the privileges the server and locale
 * containers are given (pod-security.ts), sshd's port and the file the readiness probe waits
 * for. The rest of the contract (env, ports, flags), which tests and the README read, is in
 * contract/image.ts.
 *
 * Sources: Bears-R-Us/arkouda at v2024.04.19 (`src/...`).
 */
import type { Verb } from "./rbac";

/** One Kubernetes API call made from inside the server pod. */
export interface ApiCallRow {
    readonly caller: "arkouda_server" | "launch script";
    readonly when: string;
    readonly method: "GET" | "POST" | "DELETE";
    /** Path below K8S_HOST; `{ns}` is NAMESPACE, `{name}` the object name. */
    readonly path: string;
    readonly apiGroup: string;
    readonly resource: string;
    readonly verb: Verb;
    readonly source: string;
}

const EI = "src/ExternalIntegration.chpl";
const SCRIPT = "components/launch-scripts.ts";

/**
 * Every API call made from inside the server pod. `deployment` is left at STANDARD (the default,
 * src/ServerConfig.chpl): the Services carry no selector and the server posts their Endpoints.
 */
export const API_CONTRACT: readonly ApiCallRow[] = [
    {
        caller: "launch script",
        when: "before start: locale discovery",
        method: "GET",
        path: "/api/v1/namespaces/{ns}/pods?labelSelector=app={APP_NAME}&fieldSelector=status.phase=Running",
        apiGroup: "",
        resource: "pods",
        verb: "list",
        source: SCRIPT,
    },
    {
        caller: "launch script",
        when: "before start: clear an earlier run's registration",
        method: "DELETE",
        path: "/api/v1/namespaces/{ns}/services/{name}",
        apiGroup: "",
        resource: "services",
        verb: "delete",
        source: SCRIPT,
    },
    {
        caller: "launch script",
        when: "before start: clear an earlier run's registration",
        method: "DELETE",
        path: "/api/v1/namespaces/{ns}/endpoints/{name}",
        apiGroup: "",
        resource: "endpoints",
        verb: "delete",
        source: SCRIPT,
    },
    {
        caller: "arkouda_server",
        when: "start-up, client and metrics endpoint",
        method: "POST",
        path: "/api/v1/namespaces/{ns}/services",
        apiGroup: "",
        resource: "services",
        verb: "create",
        source: EI,
    },
    {
        caller: "arkouda_server",
        when: "start-up, client and metrics endpoint",
        method: "POST",
        path: "/api/v1/namespaces/{ns}/endpoints",
        apiGroup: "",
        resource: "endpoints",
        verb: "create",
        source: EI,
    },
    {
        caller: "arkouda_server",
        when: "shutdown",
        method: "DELETE",
        path: "/api/v1/namespaces/{ns}/services/{name}",
        apiGroup: "",
        resource: "services",
        verb: "delete",
        source: EI,
    },
];

/** sshd's port in the Arkouda image (fixed); the GASNet ssh spawner connects to it on every pod. */
export const SSHD_PORT = 22;

/** An Arkouda pod kind, as the GASNet traffic rows name them. */
export type ArkoudaPod = "server" | "locale";

/**
 * One kind of traffic between an instance's pods that GASNet's udp conduit makes (the image's
 * Chapel is built with CHPL_COMM=gasnet, CHPL_COMM_SUBSTRATE=udp; the launch script sets
 * GASNET_SPAWNFN=S, SSH_SERVERS and GASNET_MASTERIP). The instance's NetworkPolicies let exactly
 * these in between its own pods (components/network-policy.ts).
 */
export interface GasnetTrafficRow {
    readonly from: readonly ArkoudaPod[];
    readonly to: readonly ArkoudaPod[];
    readonly protocol: "TCP" | "UDP";
    /** Unset: a port the kernel picks (bound to port 0), so any port. */
    readonly port?: number;
    readonly who: string;
    readonly what: string;
    readonly source: string;
}

const GASNET_UDP_README = "GASNet `udp-conduit/README`";
const AMUDP_SPMD = "GASNet `other/amudp/amudp_spmd.cpp` (`AMUDP_SPMDStartup`)";

export const GASNET_TRAFFIC: readonly GasnetTrafficRow[] = [
    {
        from: ["server"],
        to: ["server", "locale"],
        protocol: "TCP",
        port: SSHD_PORT,
        who: "the ssh spawner on the server (amudprun, the master)",
        what: "logs in to every host of SSH_SERVERS (the server pod itself first) to start one worker process per locale",
        source: GASNET_UDP_README,
    },
    {
        from: ["server", "locale"],
        to: ["server"],
        protocol: "TCP",
        who: "each worker's bootstrap and output connections to the master",
        what: "connects to the master's bootstrap listener and its stdin, stdout and stderr listeners, all bound to port 0 at GASNET_MASTERIP",
        source: AMUDP_SPMD,
    },
    {
        from: ["server", "locale"],
        to: ["server", "locale"],
        protocol: "UDP",
        who: "the workers' active messages",
        what: "active messages to and from every other worker's endpoint (a UDP socket bound to port 0)",
        source: GASNET_UDP_README,
    },
];

/** Where the readiness probe looks for ARKOUDA_SERVER_CONNECTION_INFO's file. */
export const SERVER_CONNECTION_INFO_PATH = "/tmp/arkouda-server-connection-info";

/** A Linux capability the Pod Security `baseline` level lets a container add (and no other). */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
] as const;
export type Capability = (typeof BASELINE_CAPABILITIES)[number];

/** One privilege a process in the Arkouda server or locale container needs, and why. */
export interface PrivilegeRow {
    readonly containers: readonly ("server" | "locale")[];
    readonly actor: "sshd" | "launch script" | "sudo";
    /** A capability, or `uid 0`: the container starts as root. */
    readonly need: Capability | "uid 0";
    readonly why: string;
    readonly source: string;
}

const BOTH = ["server", "locale"] as const;
const IMAGE_BASE = "arkouda-docker/chapel-gasnet-udp";
const OPENSSH = "OpenSSH 9.2 `sshd.c`, `monitor.c` (privilege separation)";

/**
 * What sshd, the launch scripts and sudo need in the Arkouda containers; the containers get
 * exactly these capabilities (every other one is dropped) and nothing else. The image runs as
 * `ubuntu` with passwordless sudo (chapel-gasnet-udp: `adduser ubuntu sudo`, `%sudo ALL=(ALL)
 * NOPASSWD:ALL`) and starts sshd with `sudo service ssh start`; the containers start as root
 * instead, so no setuid binary is needed and privilege escalation stays off: arkouda_server and
 * the locale processes (sshd sessions) run as the run-as user with no way back to root.
 */
export const PRIVILEGE_CONTRACT: readonly PrivilegeRow[] = [
    {
        containers: BOTH,
        actor: "sshd",
        need: "uid 0",
        why: "privilege separation (a root monitor, a pre-auth child as user sshd in a chroot) and logging the GASNet ssh spawner in as the run-as user",
        source: IMAGE_BASE,
    },
    {
        containers: BOTH,
        actor: "launch script",
        need: "uid 0",
        why: "creates the run-as user (groupadd, useradd) and installs the SSH key pair (and the server's token) owned by it, from Secrets only root can read",
        source: SCRIPT,
    },
    { containers: BOTH, actor: "sshd", need: "NET_BIND_SERVICE", why: "listens on port 22, fixed in the image", source: IMAGE_BASE },
    { containers: BOTH, actor: "sshd", need: "SYS_CHROOT", why: "chroots the pre-auth child into /run/sshd", source: OPENSSH },
    {
        containers: BOTH,
        actor: "sshd",
        need: "SETUID",
        why: "runs the pre-auth child as user sshd and the session as the run-as user",
        source: OPENSSH,
    },
    {
        containers: BOTH,
        actor: "sshd",
        need: "SETGID",
        why: "sets the groups of the pre-auth child and of the session (setgroups, setgid)",
        source: OPENSSH,
    },
    {
        containers: BOTH,
        actor: "sshd",
        need: "AUDIT_WRITE",
        why: "records each login with Linux audit; the image's OpenSSH (linked with libaudit) ends the login when it cannot (`linux_audit_write_entry failed`)",
        source: "OpenSSH 9.2 `audit-linux.c`",
    },
    {
        containers: BOTH,
        actor: "sshd",
        need: "KILL",
        why: "the root monitor signals its child, which runs as another user: it kills the pre-auth child after a failed login and relays SIGHUP and SIGTERM to the session",
        source: OPENSSH,
    },
    {
        containers: BOTH,
        actor: "launch script",
        need: "CHOWN",
        why: "`install -o` and `useradd` hand the key pair, the token and the home to the run-as user",
        source: SCRIPT,
    },
    {
        containers: BOTH,
        actor: "launch script",
        need: "FOWNER",
        why: "`install -m` sets the mode of a file it has already handed to the run-as user",
        source: SCRIPT,
    },
    {
        containers: BOTH,
        actor: "launch script",
        need: "DAC_OVERRIDE",
        why: "writes into the run-as user's home (and reads the keys mounted below it), which root does not own",
        source: SCRIPT,
    },
    {
        containers: ["server"],
        actor: "sudo",
        need: "SETUID",
        why: "the launch script starts arkouda_server as the run-as user (`sudo -u`)",
        source: SCRIPT,
    },
    {
        containers: ["server"],
        actor: "sudo",
        need: "SETGID",
        why: "`sudo -u` sets the run-as user's groups",
        source: SCRIPT,
    },
    {
        containers: ["server"],
        actor: "sudo",
        need: "KILL",
        why: "relays the pod's SIGTERM to arkouda_server, which runs as another user",
        source: SCRIPT,
    },
];

/** The capabilities a container adds: those its rows need, sorted. */
export function containerCapabilities(container: "server" | "locale"): Capability[] {
    const needs = PRIVILEGE_CONTRACT.filter((r) => r.containers.includes(container)).map((r) => r.need);
    return [...new Set(needs.filter((n): n is Capability => n !== "uid 0"))].sort();
}
