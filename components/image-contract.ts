/**
 * What the program reads of the Arkouda image's contract (bearsrus/arkouda-udp-server v2024.04.19):
 * the Kubernetes API calls made from inside the server pod, from which the Arkouda
 * ServiceAccount's grants are derived (arkouda-grants.ts), the privileges the server and locale
 * containers are given (pod-security.ts), sshd's port, the file the readiness probe waits
 * for and the paths a data volume must keep off (config/cross-rules.ts). The rest of the
 * contract (env, ports, flags), which tests and the README read, is in contract/image.ts.
 *
 * Sources: Bears-R-Us/arkouda at v2024.04.19 (`src/...`) and Bears-R-Us/arkouda-contrib
 * (`arkouda-docker/...`).
 */
import type { Verb } from "./rbac";
import { SA_TOKEN_DIR, SERVER_TOKEN_DIR, SSH_KEYS_DIR } from "./launch-scripts";

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
const BOTH = ["server", "locale"] as const;
const IMAGE_BASE = "arkouda-docker/chapel-gasnet-udp";

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

/** The user the image runs Arkouda as, and the launch scripts without `runAs` (chapel-gasnet-udp: `useradd -m ubuntu`). */
const IMAGE_USER = "ubuntu";
/** Stands for the run-as user's name in a path row: the instance's `runAs.user`, or the image's user. */
const RUN_AS_USER = "<run-as user>";

/** One path of the Arkouda server or locale container that something in it reads or writes. */
export interface PathRow {
    /** Absolute; `<run-as user>` stands for the instance's run-as user. */
    readonly path: string;
    readonly containers: readonly ("server" | "locale")[];
    readonly user: "image" | "arkouda_server" | "launch script" | "sshd" | "container runtime";
    readonly what: string;
    readonly source: string;
}

const IMAGE_SERVER = "arkouda-docker/arkouda-udp-server";

/**
 * The paths of the Arkouda containers the image, the launch scripts, sshd or the program's own
 * mounts use. A data volume mounted on one, below one or above one (which hides it) would break
 * the pod, so config refuses such a mount path (config/cross-rules.ts).
 */
export const PATH_CONTRACT: readonly PathRow[] = [
    {
        path: "/opt/arkouda",
        containers: BOTH,
        user: "image",
        what: "the Arkouda install (`arkouda_server`, which the locales run too), and the launch scripts the program mounts there",
        source: IMAGE_SERVER,
    },
    {
        path: "/opt/.arkouda",
        containers: ["server"],
        user: "arkouda_server",
        what: "`.arkouda` in its working directory, the image's WORKDIR `/opt`: made at every start, the tokens file with `--authenticate`",
        source: `\`src/ServerDaemon.chpl\`; \`${IMAGE_SERVER}\` (WORKDIR)`,
    },
    {
        path: "/opt/chapel",
        containers: BOTH,
        user: "image",
        what: "the Chapel runtime and its `amudprun` launcher (CHPL_HOME, PATH)",
        source: IMAGE_BASE,
    },
    {
        path: SA_TOKEN_DIR,
        containers: ["server"],
        user: "launch script",
        what: "the Arkouda ServiceAccount's token Secret, mounted by the program",
        source: SCRIPT,
    },
    {
        path: SERVER_TOKEN_DIR,
        containers: ["server"],
        user: "launch script",
        what: "the instance's token Secret (`authenticate`), mounted by the program",
        source: SCRIPT,
    },
    {
        path: SSH_KEYS_DIR,
        containers: BOTH,
        user: "launch script",
        what: "the SSH Secret, mounted by the program",
        source: SCRIPT,
    },
    {
        path: `/home/${RUN_AS_USER}/.ssh`,
        containers: BOTH,
        user: "sshd",
        what: "the run-as user's key pair and `authorized_keys`, installed by the launch script; sshd's StrictModes refuses them when this directory or the home above it is writable by others",
        source: `\`${SCRIPT}\`; OpenSSH 9.2 \`auth.c\``,
    },
    {
        path: "/run/sshd",
        containers: BOTH,
        user: "sshd",
        what: "the privilege-separation directory the pre-auth child is chrooted into",
        source: "OpenSSH 9.2 `sshd.c`",
    },
    {
        path: "/etc",
        containers: BOTH,
        user: "launch script",
        what: "users and groups (`groupadd`, `useradd` of the run-as user), sshd's host keys and configuration, sudo's rules",
        source: `\`${SCRIPT}\`; \`${IMAGE_BASE}\``,
    },
    {
        path: SERVER_CONNECTION_INFO_PATH,
        containers: ["server"],
        user: "arkouda_server",
        what: "the connection-info file, written once the server serves; the readiness probe waits for it (a kept one would pass it early)",
        source: "src/ServerConfig.chpl",
    },
    ...["/usr", "/bin", "/sbin", "/lib"].map((path): PathRow => ({
        path,
        containers: BOTH,
        user: "image",
        what: "the programs and libraries the launch scripts and sshd run (bash, sudo, sshd, curl, python3, useradd)",
        source: IMAGE_BASE,
    })),
    ...["/dev", "/proc", "/sys"].map((path): PathRow => ({
        path,
        containers: BOTH,
        user: "container runtime",
        what: "mounted into every container by the runtime",
        source: "runc",
    })),
];

/** The rows' paths for an instance's run-as user (`ubuntu` without `runAs`). */
export function imagePaths(runAsUser: string = IMAGE_USER): { readonly path: string; readonly row: PathRow }[] {
    return PATH_CONTRACT.map((row) => ({ row, path: row.path.replace(RUN_AS_USER, runAsUser) }));
}

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
