/**
 * The schema of `networkPolicy`: whether the program declares NetworkPolicies for the Arkouda pods
 * and the standalone exporters, who may reach the client port (`clients`) and the exporters'
 * /metrics (`prometheus`), and what the pods may reach when egress is restricted too. A
 * namespace-wide default, each key of which an instance or exporter may replace whole under its own
 * `networkPolicy` (as `pods` placement does). Peers have the shape of a NetworkPolicy's own peers
 * (label selectors, or an `ipBlock` whose CIDR and `except` are checked as the API server checks
 * them), so a typo is a config error naming its key rather than a policy the API server refuses.
 */
import { z } from "zod";
import * as rules from "./rules";
import { doc } from "./key-docs";
import { checked, int, strictObject } from "./schema-kit";
import { labelSelector } from "./placement";

const cidr = () => checked(rules.cidr, "CIDR");

/** A NetworkPolicy ipBlock: a CIDR and the strict subsets of it to leave out. */
const ipBlockSchema = strictObject({
    cidr: cidr(),
    except: z.array(cidr()).optional(),
}).superRefine((block, ctx) => {
    if (rules.cidr(block.cidr)) return;
    (block.except ?? []).forEach((inner, i) => {
        if (rules.cidr(inner) || rules.cidrStrictlyInside(inner, block.cidr)) return;
        ctx.addIssue({
            code: "custom",
            path: ["except", i],
            input: inner,
            message: `must be a strict subset of cidr ${block.cidr} (inside it, with a longer prefix), as the API server requires; remove it or widen cidr`,
        });
    });
});

/** One NetworkPolicy peer: pods by label (in this namespace, or in the namespaces a selector picks), or addresses. */
const peerSchema = strictObject({
    podSelector: labelSelector.optional(),
    namespaceSelector: labelSelector.optional(),
    ipBlock: ipBlockSchema.optional(),
}).superRefine((peer, ctx) => {
    const selectors = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
    if (peer.ipBlock && selectors)
        ctx.addIssue({
            code: "custom",
            path: ["ipBlock"],
            input: peer.ipBlock,
            message:
                "cannot be combined with podSelector or namespaceSelector in one peer (the API server refuses it); make it a peer of its own",
        });
    if (!peer.ipBlock && !selectors)
        ctx.addIssue({
            code: "custom",
            path: [],
            input: peer,
            message:
                "must set podSelector, namespaceSelector (or both), or ipBlock; an empty selector `{}` selects every pod (or namespace)",
        });
});

type Peer = z.output<typeof peerSchema>;

/** A peer with its label selector's requirements and values sorted: what lands in a manifest must not depend on the writing order. */
function stablePeer(peer: Peer): Peer {
    const selector = (s: Peer["podSelector"]) =>
        s && {
            ...(s.matchLabels ? { matchLabels: s.matchLabels } : {}),
            ...(s.matchExpressions
                ? {
                      matchExpressions: s.matchExpressions
                          .map((e) => ({ ...e, ...(e.values ? { values: [...new Set(e.values)].sort() } : {}) }))
                          .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
                  }
                : {}),
        };
    return {
        ...(peer.namespaceSelector ? { namespaceSelector: selector(peer.namespaceSelector) } : {}),
        ...(peer.podSelector ? { podSelector: selector(peer.podSelector) } : {}),
        ...(peer.ipBlock
            ? { ipBlock: { cidr: peer.ipBlock.cidr, ...(peer.ipBlock.except ? { except: [...new Set(peer.ipBlock.except)].sort() } : {}) } }
            : {}),
    };
}

/** Peers, each once, in a stable order. */
const peerList = (type: string) =>
    doc(
        z.array(peerSchema).transform((list) => {
            const byText = new Map(list.map((p) => [JSON.stringify(stablePeer(p)), stablePeer(p)]));
            return [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
        }),
        { type },
    );

const PEERS = "list of NetworkPolicy peers (`podSelector` and/or `namespaceSelector`, LabelSelectors; or `ipBlock`: `cidr`, `except`)";
const IP_BLOCKS = "list of `{cidr, except}` (IPv4 or IPv6)";

/** Every pod of the namespace: the default `clients`, so clients beside the instance keep working. */
const DEFAULT_CLIENTS = [{ podSelector: {} }];
/** The label prometheus-operator puts on every Prometheus pod it runs. */
export const PROMETHEUS_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": "prometheus" };
/** Prometheus pods, in any namespace. */
const DEFAULT_PROMETHEUS = [{ namespaceSelector: {}, podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }];
/** The cluster DNS as kube-dns and CoreDNS deployments label it. */
const DEFAULT_DNS = [
    {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    },
];
/** The port kube-apiserver serves on behind the `kubernetes` Service on most clusters (kubeadm, kind, k3s). */
const DEFAULT_API_SERVER_PORT = 6443;

const egressSchema = strictObject({
    enabled: doc(z.boolean().default(false), {
        description:
            "also restrict what the pods may reach: DNS, the API server (the server pod), the instance's own pods, and an exporter's metrics daemon; nothing else",
        replaces: "–",
    }),
    dns: doc(peerList(PEERS).prefault(DEFAULT_DNS), {
        description: "where the pods resolve names (UDP and TCP 53)",
        replaces: "–",
    }),
    apiServer: doc(z.array(ipBlockSchema).default([]), {
        type: IP_BLOCKS,
        description:
            "the addresses of the `kubernetes` Service's endpoints (`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`), which the server pod calls; required with `enabled` for an instance",
        replaces: "–",
    }),
    apiServerPort: doc(int(1, 65535).default(DEFAULT_API_SERVER_PORT), {
        type: "port",
        description: "the port of those endpoints (the API server's own port, not the Service's 443)",
        replaces: "–",
    }),
    metricsServer: doc(z.array(ipBlockSchema).default([]), {
        type: IP_BLOCKS,
        description:
            "standalone exporters only: the addresses of an Arkouda metrics daemon outside this cluster's instances (Slurm); required with `enabled` for such an exporter",
        replaces: "–",
    }),
});

const NETWORK_POLICY_DOCS = {
    enabled: {
        description:
            "declare a NetworkPolicy per Arkouda pod kind (server, locales) and standalone exporter: sshd and GASNet only from the instance's own pods, the client port only from `clients`, /metrics only from `prometheus`, the metrics daemon only from its exporter (docs/security.md)",
        replaces: "– (no policy: every pod of the cluster reached every port)",
    },
    clients: {
        description: "who may reach an instance's client port (`serverPort`); `[]`: no pod (the kubelet's probes still do)",
        replaces: "–",
    },
    prometheus: {
        description: "who may reach the exporters' /metrics (the sidecar's and a standalone exporter's `exporterPort`)",
        replaces: "–",
    },
    egress: { description: "", replaces: "–" },
} as const;

/** The keys' schemas without defaults (an instance's own keys); the namespace's `networkPolicy` states the defaults. */
const networkPolicyValues = {
    enabled: () => z.boolean(),
    clients: () => peerList(PEERS),
    prometheus: () => peerList(PEERS),
    egress: () => egressSchema,
};

/** `networkPolicy`: the namespace-wide default of every instance and standalone exporter. */
export const networkPolicySchema = strictObject({
    enabled: doc(networkPolicyValues.enabled().default(true), NETWORK_POLICY_DOCS.enabled),
    clients: doc(networkPolicyValues.clients().prefault(DEFAULT_CLIENTS), {
        ...NETWORK_POLICY_DOCS.clients,
        default: "`[{podSelector: {}}]` (every pod of the namespace)",
    }),
    prometheus: doc(networkPolicyValues.prometheus().prefault(DEFAULT_PROMETHEUS), {
        ...NETWORK_POLICY_DOCS.prometheus,
        default:
            "`[{namespaceSelector: {}, podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}]` (prometheus-operator's Prometheus pods, any namespace)",
    }),
    egress: egressSchema.prefault({}),
});

/** An instance's or exporter's own `networkPolicy`: each key it sets replaces the namespace's whole. */
function overridingNetworkPolicy<K extends keyof typeof networkPolicyValues>(keys: readonly K[]) {
    const shape = Object.fromEntries(
        keys.map((key) => [
            key,
            doc(networkPolicyValues[key]().optional(), {
                description:
                    key === "egress"
                        ? "replaces the namespace's `networkPolicy.egress` whole (its keys as there)"
                        : NETWORK_POLICY_DOCS[key].description,
                default: `top-level \`networkPolicy.${key}\``,
                replaces: "",
                ...(key === "egress" ? { type: "egress, as `networkPolicy.egress`", table: "egress" } : {}),
            }),
        ]),
    ) as { [P in K]: z.ZodOptional<ReturnType<(typeof networkPolicyValues)[P]>> };
    const schema = strictObject(shape);
    return schema.prefault({} as z.input<typeof schema>);
}

export const instanceNetworkPolicySchema = overridingNetworkPolicy(["enabled", "clients", "prometheus", "egress"]);
/** An exporter has no client port. */
export const exporterNetworkPolicySchema = overridingNetworkPolicy(["enabled", "prometheus", "egress"]);
