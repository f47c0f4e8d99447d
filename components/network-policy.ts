/**
 * The NetworkPolicies of one cluster's instances and standalone exporters, as pure functions of
 * their config: one policy per Arkouda pod kind of an instance (`<instance>-server-policy`,
 * `<instance>-locale-policy`) and one per standalone exporter (`<exporter>-exporter-policy`). They
 * select the pods by the labels the runtime objects put on them (runtime-objects/), so Pulumi
 * declares them before any deploy runs and no workflow needs a grant on NetworkPolicies.
 *
 * Each policy is built from rules (`PolicyRule`): who may reach which pods on which ports, and
 * why. The docs' matrix (docs/security.md) is rendered from the same rules, and the tests hold the
 * objects to them. Ports come from config and the image contract:
 *  - between an instance's own pods, what GASNet's udp conduit makes (GASNET_TRAFFIC of
 *    components/image-contract.ts): sshd's fixed 22 (the ssh spawner on the server logs in to
 *    every pod, itself included), the workers' TCP connections to the master's listeners on the
 *    server pod and UDP between all workers, both on ports the kernel picks; so the instance's own
 *    pods get every TCP port of the server, sshd of the locales and every UDP port of all of
 *    them, and no other pod does;
 *  - the client port (`serverPort`), the metrics daemon (`metrics.servicePort`, read by the
 *    sidecar over localhost and by a standalone exporter of the cluster over the network), the
 *    exporters' /metrics (`exporterPort`).
 * Not selected, so not restricted: the Argo step pods (they talk to the API server only). The
 * kubelet's probes come from the node, which NetworkPolicy implementations let through.
 */
import type { ExporterConfig, InstanceConfig, PeerConfig } from "./config/types";
import { metricsTarget } from "./config/cross-rules";
import { ArkoudaPod, GASNET_TRAFFIC } from "./image-contract";
import { standardLabels } from "./runtime-objects/common";
import { PART_OF_LABEL } from "./names";

type LabelSelector = PeerConfig["podSelector"] & object;

/** One port a rule opens: a number, or every port of the protocol (`port` unset). */
export interface PolicyPort {
    readonly protocol: "TCP" | "UDP";
    readonly port?: number;
}

/** The pods a policy selects (and the pods a rule names as a peer). */
export type PodKind = "server" | "locale" | "exporter";

/** Who a rule lets in (ingress) or lets the pods reach (egress), in the docs' words. */
export type PeerKind =
    | "the instance's pods"
    | "`networkPolicy.clients`"
    | "`networkPolicy.prometheus`"
    | "a standalone exporter of the cluster reading the instance"
    | "`networkPolicy.egress.dns`"
    | "`networkPolicy.egress.apiServer`"
    | "the server pod of the instance it reads"
    | "`networkPolicy.egress.metricsServer`";

/** One rule of one policy: its pods accept (ingress) or may open (egress) these ports with these peers. */
export interface PolicyRule {
    readonly direction: "ingress" | "egress";
    readonly pods: PodKind;
    readonly peer: PeerKind;
    readonly peers: readonly PeerConfig[];
    readonly ports: readonly PolicyPort[];
    /** What a port is, in the docs' words (as many as `ports`, in their order). */
    readonly what: readonly string[];
    /** When the rule is there, in the docs' words. */
    readonly when: string;
}

export interface NetworkPolicyObject {
    readonly apiVersion: "networking.k8s.io/v1";
    readonly kind: "NetworkPolicy";
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
    readonly spec: {
        readonly podSelector: LabelSelector;
        readonly policyTypes: readonly ("Ingress" | "Egress")[];
        readonly ingress?: readonly { readonly from: readonly PeerConfig[]; readonly ports: readonly PolicyPort[] }[];
        readonly egress?: readonly { readonly to: readonly PeerConfig[]; readonly ports: readonly PolicyPort[] }[];
    };
}

const COMPONENT = { server: "server", locale: "locale", exporter: "metrics-exporter" } as const;

/** The pods of `kind` of an instance (or, for "exporter", of a standalone exporter named `name`), by the runtime objects' standard labels. */
function podSelector(name: string, kind: PodKind): LabelSelector {
    const { "app.kubernetes.io/managed-by": _by, ...labels } = standardLabels(name, COMPONENT[kind]);
    return { matchLabels: labels };
}

/** Every Arkouda pod of an instance (server and locales), in the policy's namespace. */
function instancePods(instance: string): PeerConfig {
    return {
        podSelector: {
            matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: [COMPONENT.locale, COMPONENT.server] }],
            matchLabels: { "app.kubernetes.io/instance": instance, "app.kubernetes.io/name": "arkouda" },
        },
    };
}

/**
 * The ports GASNet opens between an instance's pods (GASNET_TRAFFIC): those `kind` accepts
 * (ingress) or opens (egress), each once, with who uses it; "any" port of a protocol takes in its
 * numbered ones (sshd's 22 within the server's TCP).
 */
function gasnetPorts(kind: ArkoudaPod, direction: "ingress" | "egress"): { ports: PolicyPort[]; what: string[] } {
    const rows = GASNET_TRAFFIC.filter((r) => (direction === "ingress" ? r.to : r.from).includes(kind));
    const anyPort = new Set(rows.filter((r) => r.port === undefined).map((r) => r.protocol));
    const byPort = new Map<string, { port: PolicyPort; what: string[] }>();
    for (const r of rows) {
        const port: PolicyPort =
            r.port === undefined || anyPort.has(r.protocol) ? { protocol: r.protocol } : { protocol: r.protocol, port: r.port };
        const key = `${port.protocol}/${port.port ?? "any"}`;
        const entry: { port: PolicyPort; what: string[] } = byPort.get(key) ?? { port, what: [] };
        entry.what.push(`GASNet: ${r.who}${r.port !== undefined && port.port === undefined ? `, to port ${r.port}` : ""}`);
        byPort.set(key, entry);
    }
    const entries = [...byPort.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
    return { ports: entries.map((e) => e.port), what: entries.map((e) => e.what.join("; ")) };
}

const ALWAYS = "always";
const METRICS = "`metrics.enabled`";
const EGRESS = "`egress.enabled`";

const tcp = (port?: number): PolicyPort => (port === undefined ? { protocol: "TCP" } : { protocol: "TCP", port });
const DNS_PORTS = [{ protocol: "UDP", port: 53 }, tcp(53)] as const satisfies readonly PolicyPort[];

function dnsRule(pods: PodKind, dns: readonly PeerConfig[]): PolicyRule {
    return {
        direction: "egress",
        pods,
        peer: "`networkPolicy.egress.dns`",
        peers: dns,
        ports: DNS_PORTS,
        what: ["DNS", "DNS"],
        when: EGRESS,
    };
}

/**
 * The rules of an instance's server and locale policies. `readers` are the standalone exporters of
 * the cluster that read this instance's metrics daemon.
 */
export function instancePolicyRules(instance: InstanceConfig, readers: readonly string[]): PolicyRule[] {
    const { networkPolicy: np, name } = instance;
    if (!np.enabled) return [];
    const own = [instancePods(name)];
    const gasnet = (pods: ArkoudaPod, direction: "ingress" | "egress"): PolicyRule => ({
        direction,
        pods,
        peer: "the instance's pods",
        peers: own,
        ...gasnetPorts(pods, direction),
        when: direction === "ingress" ? ALWAYS : EGRESS,
    });
    const rules: PolicyRule[] = [
        gasnet("server", "ingress"),
        {
            direction: "ingress",
            pods: "server",
            peer: "`networkPolicy.clients`",
            peers: np.clients,
            ports: [tcp(instance.serverPort)],
            what: ["arkouda_server's client socket (`serverPort`)"],
            when: ALWAYS,
        },
        gasnet("locale", "ingress"),
    ];
    if (instance.metrics.enabled) {
        rules.push({
            direction: "ingress",
            pods: "server",
            peer: "`networkPolicy.prometheus`",
            peers: np.prometheus,
            ports: [tcp(instance.metrics.exporterPort)],
            what: ["the exporter sidecar's /metrics (`metrics.exporterPort`)"],
            when: METRICS,
        });
        if (readers.length > 0)
            rules.push({
                direction: "ingress",
                pods: "server",
                peer: "a standalone exporter of the cluster reading the instance",
                peers: [...readers].sort().map((reader) => ({ podSelector: podSelector(reader, "exporter") })),
                ports: [tcp(instance.metrics.servicePort)],
                what: ["arkouda_server's metrics daemon (`metrics.servicePort`; the sidecar reads it over localhost)"],
                when: `${METRICS}, and an exporter's \`metricsServiceHost\` names the instance's metrics Service`,
            });
    }
    if (np.egress.enabled) {
        rules.push(
            dnsRule("server", np.egress.dns),
            {
                direction: "egress",
                pods: "server",
                peer: "`networkPolicy.egress.apiServer`",
                peers: np.egress.apiServer.map((ipBlock) => ({ ipBlock })),
                ports: [tcp(np.egress.apiServerPort)],
                what: ["the API server: the launch script's locale discovery and clean-up, arkouda_server's Service registration"],
                when: EGRESS,
            },
            gasnet("server", "egress"),
            dnsRule("locale", np.egress.dns),
            gasnet("locale", "egress"),
        );
    }
    return rules;
}

/** The rules of a standalone exporter's policy; `instances` are the cluster's (its metrics daemon may be one of them). */
export function exporterPolicyRules(exporter: ExporterConfig, instances: readonly InstanceConfig[]): PolicyRule[] {
    const { networkPolicy: np } = exporter;
    if (!np.enabled) return [];
    const rules: PolicyRule[] = [
        {
            direction: "ingress",
            pods: "exporter",
            peer: "`networkPolicy.prometheus`",
            peers: np.prometheus,
            ports: [tcp(exporter.exporterPort)],
            what: ["/metrics (`exporterPort`)"],
            when: ALWAYS,
        },
    ];
    if (np.egress.enabled) {
        const target = metricsTarget(exporter, instances);
        rules.push(dnsRule("exporter", np.egress.dns), {
            direction: "egress",
            pods: "exporter",
            peer: target ? "the server pod of the instance it reads" : "`networkPolicy.egress.metricsServer`",
            peers: target ? [{ podSelector: podSelector(target.name, "server") }] : np.egress.metricsServer.map((ipBlock) => ({ ipBlock })),
            ports: [tcp(exporter.metricsServicePort)],
            what: ["the metrics daemon it reads (`metricsServicePort`)"],
            when: target
                ? `${EGRESS}, its \`metricsServiceHost\` an instance's metrics Service`
                : `${EGRESS}, any other \`metricsServiceHost\``,
        });
    }
    return rules;
}

/** One policy of the rules that select `pods` of target `name`; none when no rule does. */
function policyOf(
    policyName: string,
    target: string,
    kind: PodKind,
    namespace: string,
    rules: readonly PolicyRule[],
): NetworkPolicyObject | undefined {
    const mine = rules.filter((r) => r.pods === kind);
    if (mine.length === 0) return undefined;
    // A rule without peers is left out: an empty `from` or `to` would mean every peer.
    const effective = mine.filter((r) => r.peers.length > 0);
    const ingress = effective.filter((r) => r.direction === "ingress").map((r) => ({ from: r.peers, ports: r.ports }));
    const egress = effective.filter((r) => r.direction === "egress").map((r) => ({ to: r.peers, ports: r.ports }));
    const restrictsEgress = mine.some((r) => r.direction === "egress");
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: {
            name: policyName,
            namespace,
            labels: { ...standardLabels(target, "network-policy"), ...PART_OF_LABEL },
        },
        spec: {
            podSelector: podSelector(target, kind),
            // Ingress always: a policy that lists no ingress rule but names the type denies all ingress.
            policyTypes: restrictsEgress ? ["Ingress", "Egress"] : ["Ingress"],
            ingress,
            ...(restrictsEgress ? { egress } : {}),
        },
    };
}

/** The names of a target's policies. */
const networkPolicyNames = (name: string) => ({
    server: `${name}-server-policy`,
    locale: `${name}-locale-policy`,
    exporter: `${name}-exporter-policy`,
});

/** The policies of one instance, sorted by name: none with `networkPolicy.enabled: false`. */
export function instanceNetworkPolicies(instance: InstanceConfig, namespace: string, readers: readonly string[]): NetworkPolicyObject[] {
    const rules = instancePolicyRules(instance, readers);
    const names = networkPolicyNames(instance.name);
    return [
        policyOf(names.locale, instance.name, "locale", namespace, rules),
        policyOf(names.server, instance.name, "server", namespace, rules),
    ].filter((p): p is NetworkPolicyObject => p !== undefined);
}

/** The policy of one standalone exporter (none with `networkPolicy.enabled: false`). */
export function exporterNetworkPolicies(
    exporter: ExporterConfig,
    namespace: string,
    instances: readonly InstanceConfig[],
): NetworkPolicyObject[] {
    const policy = policyOf(
        networkPolicyNames(exporter.name).exporter,
        exporter.name,
        "exporter",
        namespace,
        exporterPolicyRules(exporter, instances),
    );
    return policy ? [policy] : [];
}

/** The standalone exporters of `exporters` that read `instance`'s metrics daemon. */
export function metricsReaders(instance: InstanceConfig, exporters: readonly ExporterConfig[]): string[] {
    return exporters
        .filter((e) => metricsTarget(e, [instance]) !== undefined)
        .map((e) => e.name)
        .sort();
}

/** Every policy of a cluster's targets, by target name. */
export function clusterNetworkPolicies(cluster: {
    readonly namespace: string;
    readonly instances: readonly InstanceConfig[];
    readonly exporters: readonly ExporterConfig[];
}): Map<string, NetworkPolicyObject[]> {
    return new Map([
        ...cluster.instances.map(
            (i) => [i.name, instanceNetworkPolicies(i, cluster.namespace, metricsReaders(i, cluster.exporters))] as const,
        ),
        ...cluster.exporters.map((e) => [e.name, exporterNetworkPolicies(e, cluster.namespace, cluster.instances)] as const),
    ]);
}

/** One row of the docs' matrix: who reaches which pods on which port, and what listens there. */
export interface MatrixRow {
    readonly from: string;
    readonly to: string;
    readonly port: string;
    readonly protocol: string;
    readonly what: string;
    readonly when: string;
}

const POD_WORDS: Readonly<Record<PodKind, string>> = {
    server: "server pod (`<instance>-server`)",
    locale: "locale pods (`<instance>-locale-…`)",
    exporter: "standalone exporter (`<exporter>-…`)",
};

/** The matrix of `rules`: one row per port, in the rules' order, each once (a rule without peers lets nobody in). */
export function policyMatrix(rules: readonly PolicyRule[]): MatrixRow[] {
    const rows = rules
        .filter((r) => r.peers.length > 0)
        .flatMap((r) =>
            r.ports.map((p, i): MatrixRow => {
                const pods = POD_WORDS[r.pods];
                return {
                    from: r.direction === "ingress" ? r.peer : pods,
                    to: r.direction === "ingress" ? pods : r.peer,
                    port: p.port === undefined ? "any" : String(p.port),
                    protocol: p.protocol,
                    what: r.what[i] ?? "",
                    when: r.when,
                };
            }),
        );
    return [...new Map(rows.map((r) => [JSON.stringify(r), r])).values()];
}
