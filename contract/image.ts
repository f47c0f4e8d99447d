/**
 * What the real images read and do that the program does not read itself (bearsrus/arkouda-udp-server
 * and bearsrus/prometheus-arkouda-exporter, v2024.04.19), one row per fact, with the upstream source
 * file that shows it. The pod builders set values; these tables say which names the images read,
 * so a name the image never reads (upstream's EXPORT_PORT) cannot slip in unnoticed: unit tests
 * compare every rendered container against these rows, and the README's contract tables are
 * rendered from them (scripts/readme-tables.ts). What the program does read of the contract (the
 * API calls the Arkouda Roles are derived from, sshd's port, the connection-info file) is in
 * components/image-contract.ts.
 *
 * Sources: Bears-R-Us/arkouda at v2024.04.19 (`src/...`) and Bears-R-Us/arkouda-contrib
 * (`arkouda_metrics_exporter/...`, `arkouda-docker/...`).
 */

/** The containers the program runs from the Arkouda images. */
export type ContractContainer = "server" | "locale" | "metrics-sidecar" | "exporter";

/** Who acts on a row: the image's own binary, our launch script (in the image), or a runtime. */
export type ContractReader = "arkouda_server" | "launch script" | "Chapel runtime" | "GASNet" | "exporter" | "sshd" | "kubelet";

export interface EnvRow {
    readonly container: ContractContainer;
    readonly name: string;
    readonly reader: ContractReader;
    /** The image's default when unset ("none": no default, the value is required). */
    readonly imageDefault: string;
    /** What we pass, in words (the value itself comes from the pod builders). */
    readonly ours: string;
    /** What the image does with it. */
    readonly effect: string;
    readonly source: string;
}

export interface PortRow {
    readonly container: ContractContainer;
    /** containerPort name in our manifests. */
    readonly portName: string;
    readonly reader: ContractReader;
    /** Env var or flag that sets the port, or "fixed". */
    readonly setBy: string;
    readonly effect: string;
    readonly source: string;
}

export interface FlagRow {
    readonly flag: string;
    readonly ours: string;
    readonly effect: string;
    readonly source: string;
}

const EI = "src/ExternalIntegration.chpl";
const SD = "src/ServerDaemon.chpl";
const SC = "src/ServerConfig.chpl";
const EXPORTER = "arkouda_metrics_exporter/client/arkouda_metrics_exporter/metrics.py";
const SCRIPT = "components/launch-scripts.ts";

export const ENV_CONTRACT: readonly EnvRow[] = [
    // Read by arkouda_server itself.
    {
        container: "server",
        name: "K8S_HOST",
        reader: "arkouda_server",
        imageDefault: "none",
        ours: "`kubernetesApiUrl`",
        effect: "base URL of every registration call",
        source: EI,
    },
    {
        container: "server",
        name: "NAMESPACE",
        reader: "arkouda_server",
        imageDefault: "`default` (Service create only)",
        ours: "the cluster's namespace",
        effect: "namespace of the registered Services and Endpoints",
        source: EI,
    },
    {
        container: "server",
        name: "CACERT_FILE",
        reader: "arkouda_server",
        imageDefault: "none",
        ours: "`/opt/sa/ca.crt` (token Secret)",
        effect: "curl CA file (peer verification is off in the binary)",
        source: EI,
    },
    {
        container: "server",
        name: "EXTERNAL_SERVICE_NAME",
        reader: "arkouda_server",
        imageDefault: "none",
        ours: "`<instance>`",
        effect: "name of the client Service + Endpoints it registers",
        source: EI,
    },
    {
        container: "server",
        name: "EXTERNAL_SERVICE_PORT",
        reader: "arkouda_server",
        imageDefault: "5555",
        ours: "`serverPort`",
        effect: "Service port and the Endpoints port (so it must be the port the server binds)",
        source: EI,
    },
    {
        container: "server",
        name: "EXTERNAL_SERVICE_TARGET_PORT",
        reader: "arkouda_server",
        imageDefault: "5555",
        ours: "`serverPort`",
        effect: "Service targetPort",
        source: EI,
    },
    {
        container: "server",
        name: "METRICS_SERVICE_NAME",
        reader: "arkouda_server",
        imageDefault: "none",
        ours: "`<instance>-metrics`",
        effect: "name of the metrics Service + Endpoints it registers",
        source: EI,
    },
    {
        container: "server",
        name: "METRICS_SERVICE_PORT",
        reader: "arkouda_server",
        imageDefault: "5556",
        ours: "`metrics.servicePort`",
        effect: "read, then overwritten by METRICS_SERVICE_TARGET_PORT (upstream quirk)",
        source: EI,
    },
    {
        container: "server",
        name: "METRICS_SERVICE_TARGET_PORT",
        reader: "arkouda_server",
        imageDefault: "5556",
        ours: "`metrics.servicePort`",
        effect: "metrics Service port and Endpoints port",
        source: EI,
    },
    {
        container: "server",
        name: "METRICS_SERVER_PORT",
        reader: "arkouda_server",
        imageDefault: "5556",
        ours: "`metrics.servicePort`",
        effect: "the port the METRICS daemon listens on (must equal the registered port)",
        source: SD,
    },
    {
        container: "server",
        name: "ARKOUDA_SERVER_CONNECTION_INFO",
        reader: "arkouda_server",
        imageDefault: "unset (no file)",
        ours: "`/tmp/arkouda-server-connection-info`",
        effect: "file written after registration, when the server starts serving; the readiness probe waits for it",
        source: SC,
    },
    // Read by the Chapel runtime and GASNet (the launch script passes them on over ssh).
    {
        container: "server",
        name: "CHPL_RT_NUM_THREADS_PER_LOCALE",
        reader: "Chapel runtime",
        imageDefault: "runtime's choice",
        ours: "`chapel.numThreadsPerLocale`",
        effect: "threads per locale",
        source: "Chapel runtime (CHPL_RT_*)",
    },
    {
        container: "server",
        name: "GASNET_SUPERNODE_MAXSIZE",
        reader: "GASNet",
        imageDefault: "GASNet's",
        ours: "`1`",
        effect: "one process per pod, no shared-memory supernodes",
        source: "GASNet (udp conduit)",
    },
    // Read by our launch script, which runs inside the image.
    {
        container: "server",
        name: "APP_NAME",
        reader: "launch script",
        imageDefault: "none",
        ours: "`<instance>-locale`",
        effect: "label value `app` the locale pods are listed by",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "NUMLOCALES",
        reader: "launch script",
        imageDefault: "none",
        ours: "`locales + 1`",
        effect: "`arkouda_server -nl`",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "LOCALE_DISCOVERY_SECONDS",
        reader: "launch script",
        imageDefault: "300",
        ours: "`deadlines.localeReadySeconds`",
        effect: "how long the server waits for its locale pods to be Ready before it gives up (exit 75)",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "MY_IP",
        reader: "launch script",
        imageDefault: "none",
        ours: "`status.podIP`",
        effect: "locale 0 in SSH_SERVERS and GASNET_MASTERIP",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "ARKOUDA_SERVER_PORT",
        reader: "launch script",
        imageDefault: "5555",
        ours: "`serverPort`",
        effect: "`--ServerPort`",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "LOG_LEVEL",
        reader: "launch script",
        imageDefault: "`LogLevel.INFO`",
        ours: "`logLevel`",
        effect: "`--logLevel`",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "MEMTRACK",
        reader: "launch script",
        imageDefault: "true",
        ours: "`memTrack`",
        effect: "`--memTrack`",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "CHPL_MEM_MAX",
        reader: "launch script",
        imageDefault: "unset",
        ours: "`chapel.memMax`",
        effect: "`--memMax`",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "COLLECT_METRICS",
        reader: "launch script",
        imageDefault: "false",
        ours: "`metrics.enabled`",
        effect: "adds the METRICS daemon to `--ServerDaemon.daemonTypes`",
        source: SCRIPT,
    },
    {
        container: "server",
        name: "AUTHENTICATE",
        reader: "launch script",
        imageDefault: "false (the image's start script: `--authenticate=${AUTHENTICATE:-false}`)",
        ours: "`authenticate`",
        effect: "adds `--authenticate`, installs the token of the Secret `<instance>-token` as the server's tokens file and masks it in the server's output",
        source: SCRIPT,
    },
    ...runAsRows("server"),
    ...runAsRows("locale"),
    // The prometheus-arkouda-exporter, as the server pod's sidecar and standalone.
    ...exporterRows(
        "metrics-sidecar",
        "`localhost` (same pod)",
        "`<serverName>`",
        "`metrics.pollingIntervalSeconds`",
        "`metrics.exporterPort`",
        "`metrics.servicePort`",
    ),
    ...exporterRows(
        "exporter",
        "`exporters[].metricsServiceHost`",
        "`exporters[].serverName`",
        "`exporters[].pollingIntervalSeconds`",
        "`exporters[].exporterPort`",
        "`exporters[].metricsServicePort`",
    ),
];

function runAsRows(container: ContractContainer): EnvRow[] {
    const row = (name: string, ours: string, effect: string): EnvRow => ({
        container,
        name,
        reader: "launch script",
        imageDefault: name === "SSH_KEYS_DIR" ? "`/home/ubuntu/ssh-keys`" : "unset (the image's `ubuntu`)",
        ours,
        effect,
        source: SCRIPT,
    });
    return [
        row("RUN_AS_USER", "`runAs.user`", "user the server runs as and sshd logs in"),
        row("RUN_AS_UID", "`runAs.uid`", "uid of a created run-as user"),
        row("RUN_AS_GROUP", "`runAs.group`", "group of a created run-as user"),
        row("RUN_AS_GID", "`runAs.gid`", "gid of a created run-as group"),
        row("SSH_KEYS_DIR", "the mounted SSH Secret", "key pair installed for the run-as user; public key authorised"),
    ];
}

function exporterRows(
    container: ContractContainer,
    host: string,
    serverName: string,
    interval: string,
    scrapePort: string,
    metricsPort: string,
): EnvRow[] {
    return [
        {
            container,
            name: "HOME",
            reader: "exporter",
            imageDefault: "`/root` (the image runs as root)",
            ours: "an emptyDir (the container runs as uid 65534, which owns no home)",
            effect: "the arkouda client makes `~/.arkouda` and its tokens.txt at every connect and cannot connect without them; the home's last component is the `user` it sends",
            source: "arkouda/security.py, arkouda/client.py",
        },
        {
            container,
            name: "ARKOUDA_METRICS_SERVICE_HOST",
            reader: "exporter",
            imageDefault: "`localhost`",
            ours: host,
            effect: "host of the Arkouda metrics daemon it connects to",
            source: EXPORTER,
        },
        {
            container,
            name: "ARKOUDA_METRICS_SERVICE_PORT",
            reader: "exporter",
            imageDefault: "5556",
            ours: metricsPort,
            effect: "port of the metrics daemon",
            source: EXPORTER,
        },
        {
            container,
            name: "ARKOUDA_METRICS_SERVER_NAME",
            reader: "exporter",
            imageDefault: "`arkouda-metrics`",
            ours: serverName,
            effect: "`arkouda_server_name` label on every metric",
            source: EXPORTER,
        },
        {
            container,
            name: "METRICS_POLLING_INTERVAL",
            reader: "exporter",
            imageDefault: "5",
            ours: interval,
            effect: "seconds between polls",
            source: EXPORTER,
        },
        {
            container,
            name: "METRICS_SCRAPE_PORT",
            reader: "exporter",
            imageDefault: "5080",
            ours: scrapePort,
            effect: "port `/metrics` is served on",
            source: EXPORTER,
        },
    ];
}

export const PORT_CONTRACT: readonly PortRow[] = [
    {
        container: "server",
        portName: "client",
        reader: "arkouda_server",
        setBy: "`--ServerPort`",
        effect: "client (ZMQ) socket, bound before registration",
        source: SD,
    },
    {
        container: "server",
        portName: "metrics",
        reader: "arkouda_server",
        setBy: "METRICS_SERVER_PORT",
        effect: "METRICS daemon socket (only with metrics on)",
        source: SD,
    },
    {
        container: "server",
        portName: "ssh",
        reader: "sshd",
        setBy: "fixed 22",
        effect: "GASNet ssh spawner logs in",
        source: "arkouda-docker/chapel-gasnet-udp",
    },
    {
        container: "locale",
        portName: "ssh",
        reader: "sshd",
        setBy: "fixed 22",
        effect: "the server's ssh spawner starts the locale process",
        source: "arkouda-docker/chapel-gasnet-udp",
    },
    {
        container: "metrics-sidecar",
        portName: "http",
        reader: "exporter",
        setBy: "METRICS_SCRAPE_PORT",
        effect: "Prometheus `/metrics`",
        source: EXPORTER,
    },
    {
        container: "exporter",
        portName: "http",
        reader: "exporter",
        setBy: "METRICS_SCRAPE_PORT",
        effect: "Prometheus `/metrics`",
        source: EXPORTER,
    },
];

export const FLAG_CONTRACT: readonly FlagRow[] = [
    { flag: "-nl", ours: "NUMLOCALES", effect: "number of locales (server + locale pods)", source: "Chapel launcher (amudprun)" },
    {
        flag: "--ExternalIntegration.systemType",
        ours: "`SystemType.KUBERNETES`",
        effect: "register with Kubernetes at start-up",
        source: EI,
    },
    {
        flag: "--ServerDaemon.daemonTypes",
        ours: "`ServerDaemonType.INTEGRATION` (+ `,ServerDaemonType.METRICS` with metrics on)",
        effect: "which daemons run; no STATUS daemon, so its port (5557) is not bound",
        source: SD,
    },
    { flag: "--ServerPort", ours: "`serverPort`", effect: "client socket port", source: SC },
    { flag: "--memTrack", ours: "`memTrack`", effect: "Chapel memory tracking", source: SC },
    { flag: "--logLevel", ours: "`logLevel`", effect: "server log level", source: SC },
    { flag: "--memMax", ours: "`chapel.memMax`", effect: "memory limit per locale", source: SC },
    {
        flag: "--authenticate",
        ours: "`authenticate`",
        effect: "every request on the client socket must carry the server's token (the token facts below)",
        source: SC,
    },
];

/** The env var names one container reads, sorted. */
export function contractEnvNames(container: ContractContainer): string[] {
    return ENV_CONTRACT.filter((r) => r.container === container)
        .map((r) => r.name)
        .sort();
}

/** The Service and Endpoints payloads arkouda_server POSTs (src/ExternalIntegration.chpl, deployment STANDARD), byte for byte. */
export function registrationPayloads(
    serviceName: string,
    servicePort: number,
    targetPort: number,
    hostIp: string,
): { service: string; endpoints: string } {
    return {
        service: `{"apiVersion": "v1","kind": "Service","metadata": {"name": "${serviceName}"},"spec": {"ports": [{"port": ${servicePort},"protocol": "TCP","targetPort": ${targetPort}}]}}`,
        endpoints: `{"kind": "Endpoints","apiVersion": "v1", "metadata": {"name": "${serviceName}"}, "subsets": [{"addresses": [{"ip": "${hostIp}"}],"ports": [{"port": ${servicePort}, "protocol": "TCP"}]}]}`,
    };
}

/**
 * The (name, port, targetPort) arkouda_server registers for each endpoint, from its env, with
 * the binary's defaults and its METRICS quirk: the metrics port is read and then overwritten by
 * METRICS_SERVICE_TARGET_PORT, and the metrics targetPort stays 0 (the API server defaults it
 * to the port).
 */
export function registrationParameters(env: Readonly<Record<string, string | undefined>>): {
    client: [string, number, number];
    metrics: [string, number, number];
} {
    const int = (name: string, fallback: string) => Number.parseInt(env[name] ?? fallback, 10);
    return {
        client: [env.EXTERNAL_SERVICE_NAME ?? "", int("EXTERNAL_SERVICE_PORT", "5555"), int("EXTERNAL_SERVICE_TARGET_PORT", "5555")],
        metrics: [env.METRICS_SERVICE_NAME ?? "", int("METRICS_SERVICE_TARGET_PORT", "5556"), 0],
    };
}
