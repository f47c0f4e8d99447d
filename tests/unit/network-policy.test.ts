/**
 * The NetworkPolicies of an instance and a standalone exporter: each policy's pod selector is the
 * labels the runtime objects put on the pods, its peers come from config, its ports from config
 * and the image contract (GASNet's traffic); `enabled: false` declares none, egress is left alone
 * unless asked for, and the docs' matrix says what the objects say. Pure functions, no mocks; the
 * last block runs the program under Pulumi's mocks to see them declared beside their target.
 */
import * as assert from "assert";
import { GASNET_TRAFFIC, SSHD_PORT } from "../../components/image-contract";
import {
    clusterNetworkPolicies,
    exporterNetworkPolicies,
    exporterPolicyRules,
    instanceNetworkPolicies,
    instancePolicyRules,
    metricsReaders,
    NetworkPolicyObject,
    policyMatrix,
} from "../../components/network-policy";
import { arkoudaRuntimeObjects, exporterRuntimeObjects } from "../../components/runtime-objects";
import type { ExporterConfig, InstanceConfig, PeerConfig } from "../../components/config/types";
import { arkoudaValues, exporterValues } from "../lib/values";
import { configOf, runProgram, waitsFor } from "../lib/mock-program";
import { fixtureExporter, fixtureInstance, fixtureNamespace as ns, fixtureNetworkPolicy } from "./fixtures";

const NS = "arkouda";
const instance = (extra: Partial<InstanceConfig> = {}): InstanceConfig => ({ ...fixtureInstance, ...extra });
const { clients: _clients, ...exporterDefaults } = fixtureNetworkPolicy;
/** A standalone exporter of the cluster reading the fixture instance. */
const reader: ExporterConfig = { ...fixtureExporter, name: "reader", metricsServiceHost: `${fixtureInstance.name}-metrics` };
const egressOn = {
    ...fixtureNetworkPolicy.egress,
    enabled: true,
    apiServer: [{ cidr: "192.0.2.10/32" }],
    apiServerPort: 6443,
};

type Selector = {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly { readonly key: unknown; readonly operator: string; readonly values?: readonly string[] }[];
};

/** Whether a LabelSelector selects an object with `labels` (In, NotIn, Exists, DoesNotExist). */
function selects(selector: Selector, labels: Record<string, string>): boolean {
    const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpression = (selector.matchExpressions ?? []).every((e) => {
        const key = String(e.key);
        const has = key in labels;
        switch (e.operator) {
            case "In":
                return has && (e.values ?? []).includes(labels[key]);
            case "NotIn":
                return !has || !(e.values ?? []).includes(labels[key]);
            case "Exists":
                return has;
            default:
                return !has;
        }
    });
    return byLabel && byExpression;
}

/** The labels of the server pod an instance's deploy creates. */
const serverLabels = (i: InstanceConfig): Record<string, string> =>
    (arkoudaRuntimeObjects(arkoudaValues(i), ns).serverPod as any).metadata.labels;

/** The pod labels of every pod kind, as the deploy creates them. */
function podLabels() {
    const objects = arkoudaRuntimeObjects(arkoudaValues(fixtureInstance), ns);
    const exporter = exporterRuntimeObjects(exporterValues(reader), ns);
    return {
        server: serverLabels(fixtureInstance),
        locale: (objects.localeDeployment as any).spec.template.metadata.labels as Record<string, string>,
        exporter: (exporter.deployment as any).spec.template.metadata.labels as Record<string, string>,
    };
}

const byName = (policies: readonly NetworkPolicyObject[], suffix: string) => {
    const found = policies.find((p) => p.metadata.name.endsWith(suffix));
    assert.ok(found, `no policy *${suffix} among ${policies.map((p) => p.metadata.name).join(", ")}`);
    return found;
};
const ingressFrom = (policy: NetworkPolicyObject, peers: readonly PeerConfig[]) =>
    (policy.spec.ingress ?? []).filter((r) => JSON.stringify(r.from) === JSON.stringify(peers)).flatMap((r) => r.ports);

describe("network policies: an instance's", () => {
    const policies = instanceNetworkPolicies(fixtureInstance, NS, []);
    const server = byName(policies, "-server-policy");
    const locale = byName(policies, "-locale-policy");
    const labels = podLabels();
    const own = server.spec.ingress![0].from;

    it("one for the server pod and one for the locales, sorted by name, in the namespace, labelled as the stack's", () => {
        assert.deepStrictEqual(
            policies.map((p) => p.metadata.name),
            [`${fixtureInstance.name}-locale-policy`, `${fixtureInstance.name}-server-policy`],
        );
        for (const p of policies) {
            assert.strictEqual(p.metadata.namespace, NS);
            assert.strictEqual(p.metadata.labels["app.kubernetes.io/part-of"], "arkouda-workflows");
            assert.strictEqual(p.metadata.labels["app.kubernetes.io/instance"], fixtureInstance.name);
        }
    });

    it("each selects exactly its pod kind by the labels the deploy puts on the pods", () => {
        assert.ok(selects(server.spec.podSelector, labels.server));
        assert.ok(!selects(server.spec.podSelector, labels.locale));
        assert.ok(selects(locale.spec.podSelector, labels.locale));
        assert.ok(!selects(locale.spec.podSelector, labels.server));
        assert.ok(!selects(server.spec.podSelector, labels.exporter) && !selects(locale.spec.podSelector, labels.exporter));
        // Another instance's pods are not selected.
        assert.ok(!selects(server.spec.podSelector, serverLabels({ ...fixtureInstance, name: "other" })));
    });

    it("the instance's own pods: the server and the locales, nothing else (no other instance, no exporter)", () => {
        assert.strictEqual(own.length, 1);
        const selector = own[0].podSelector!;
        assert.strictEqual(own[0].namespaceSelector, undefined, "same namespace only");
        assert.ok(selects(selector, labels.server) && selects(selector, labels.locale));
        assert.ok(!selects(selector, labels.exporter));
        assert.ok(!selects(selector, serverLabels({ ...fixtureInstance, name: "other" })));
    });

    it("server: every TCP and UDP port from the instance's own pods (sshd and GASNet, whose ports the kernel picks)", () => {
        assert.deepStrictEqual(ingressFrom(server, own), [{ protocol: "TCP" }, { protocol: "UDP" }]);
        // The contract's rows: the server takes the spawner's ssh, the workers' TCP and UDP.
        assert.ok(GASNET_TRAFFIC.some((r) => r.to.includes("server") && r.protocol === "TCP" && r.port === undefined));
    });

    it("locales: sshd (22) and UDP from the instance's own pods, and nothing else", () => {
        assert.deepStrictEqual(locale.spec.ingress, [{ from: own, ports: [{ protocol: "TCP", port: SSHD_PORT }, { protocol: "UDP" }] }]);
    });

    it("server: the client port only from networkPolicy.clients", () => {
        assert.deepStrictEqual(ingressFrom(server, fixtureNetworkPolicy.clients), [{ protocol: "TCP", port: fixtureInstance.serverPort }]);
        const clients = [
            { namespaceSelector: { matchLabels: { team: "hpc" } } },
            { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } },
        ];
        const custom = byName(
            instanceNetworkPolicies(instance({ networkPolicy: { ...fixtureNetworkPolicy, clients } }), NS, []),
            "-server-policy",
        );
        assert.deepStrictEqual(ingressFrom(custom, clients), [{ protocol: "TCP", port: fixtureInstance.serverPort }]);
    });

    it("server: the sidecar's /metrics only from networkPolicy.prometheus; the metrics daemon from no one without a standalone exporter", () => {
        assert.deepStrictEqual(ingressFrom(server, fixtureNetworkPolicy.prometheus), [
            { protocol: "TCP", port: fixtureInstance.metrics.exporterPort },
        ]);
        const ports = (server.spec.ingress ?? []).flatMap((r) => r.ports.map((p) => p.port));
        assert.ok(!ports.includes(fixtureInstance.metrics.servicePort));
        assert.strictEqual(server.spec.ingress!.length, 3);
    });

    it("server: the metrics daemon from the standalone exporters of the cluster that read it, by their pods' labels", () => {
        const policy = byName(instanceNetworkPolicies(fixtureInstance, NS, ["reader"]), "-server-policy");
        const rule = policy.spec.ingress!.find((r) => r.ports.some((p) => p.port === fixtureInstance.metrics.servicePort))!;
        assert.deepStrictEqual(rule.ports, [{ protocol: "TCP", port: fixtureInstance.metrics.servicePort }]);
        assert.strictEqual(rule.from.length, 1);
        assert.ok(selects(rule.from[0].podSelector!, labels.exporter));
        assert.ok(!selects(rule.from[0].podSelector!, labels.server));
        assert.deepStrictEqual(metricsReaders(fixtureInstance, [reader, fixtureExporter]), ["reader"]);
    });

    it("metrics off: no /metrics and no metrics daemon rule, the rest as before", () => {
        const off = instance({ metrics: { ...fixtureInstance.metrics, enabled: false } });
        const policy = byName(instanceNetworkPolicies(off, NS, ["reader"]), "-server-policy");
        assert.deepStrictEqual(
            policy.spec.ingress!.flatMap((r) => r.ports.map((p) => `${p.protocol}/${p.port ?? "any"}`)),
            ["TCP/any", "UDP/any", `TCP/${fixtureInstance.serverPort}`],
        );
    });

    it("egress is left alone by default: the policies are of type Ingress only", () => {
        for (const p of policies) {
            assert.deepStrictEqual(p.spec.policyTypes, ["Ingress"]);
            assert.strictEqual(p.spec.egress, undefined);
        }
    });

    it("with egress on: DNS, the API server (server only) and the instance's own pods, nothing else", () => {
        const on = instanceNetworkPolicies(instance({ networkPolicy: { ...fixtureNetworkPolicy, egress: egressOn } }), NS, []);
        const s = byName(on, "-server-policy");
        const l = byName(on, "-locale-policy");
        for (const p of on) assert.deepStrictEqual(p.spec.policyTypes, ["Ingress", "Egress"]);
        const dns = [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ];
        assert.deepStrictEqual(s.spec.egress, [
            { to: fixtureNetworkPolicy.egress.dns, ports: dns },
            { to: [{ ipBlock: { cidr: "192.0.2.10/32" } }], ports: [{ protocol: "TCP", port: 6443 }] },
            { to: own, ports: [{ protocol: "TCP" }, { protocol: "UDP" }] },
        ]);
        assert.deepStrictEqual(l.spec.egress, [
            { to: fixtureNetworkPolicy.egress.dns, ports: dns },
            { to: own, ports: [{ protocol: "TCP" }, { protocol: "UDP" }] },
        ]);
    });

    it("an empty clients list lets no pod reach the client port (the rule is left out: an empty `from` would mean everyone)", () => {
        const none = byName(
            instanceNetworkPolicies(instance({ networkPolicy: { ...fixtureNetworkPolicy, clients: [] } }), NS, []),
            "-server-policy",
        );
        assert.ok(none.spec.ingress!.every((r) => r.from.length > 0));
        assert.ok(!none.spec.ingress!.some((r) => r.ports.some((p) => p.port === fixtureInstance.serverPort)));
    });

    it("enabled: false declares none", () => {
        assert.deepStrictEqual(
            instanceNetworkPolicies(instance({ networkPolicy: { ...fixtureNetworkPolicy, enabled: false } }), NS, ["reader"]),
            [],
        );
    });
});

describe("network policies: a standalone exporter's", () => {
    const labels = podLabels();

    it("selects the exporter's pod and lets only networkPolicy.prometheus reach /metrics", () => {
        const [policy, ...rest] = exporterNetworkPolicies(reader, NS, [fixtureInstance]);
        assert.deepStrictEqual(rest, []);
        assert.strictEqual(policy.metadata.name, "reader-exporter-policy");
        assert.ok(selects(policy.spec.podSelector, labels.exporter));
        assert.ok(!selects(policy.spec.podSelector, labels.server));
        assert.deepStrictEqual(policy.spec.ingress, [
            { from: fixtureNetworkPolicy.prometheus, ports: [{ protocol: "TCP", port: reader.exporterPort }] },
        ]);
        assert.deepStrictEqual(policy.spec.policyTypes, ["Ingress"]);
    });

    it("with egress on: DNS and the server pod of the instance it reads, or metricsServer for one elsewhere", () => {
        const on = (e: ExporterConfig, metricsServer: { cidr: string }[] = []) => ({
            ...e,
            networkPolicy: { ...exporterDefaults, egress: { ...egressOn, metricsServer } },
        });
        const [inCluster] = exporterNetworkPolicies(on(reader), NS, [fixtureInstance]);
        const to = inCluster.spec.egress![1];
        assert.deepStrictEqual(to.ports, [{ protocol: "TCP", port: reader.metricsServicePort }]);
        assert.ok(selects(to.to[0].podSelector!, labels.server));
        const [elsewhere] = exporterNetworkPolicies(on(fixtureExporter, [{ cidr: "198.51.100.0/24" }]), NS, [fixtureInstance]);
        assert.deepStrictEqual(elsewhere.spec.egress![1].to, [{ ipBlock: { cidr: "198.51.100.0/24" } }]);
    });

    it("enabled: false declares none", () => {
        assert.deepStrictEqual(exporterNetworkPolicies({ ...reader, networkPolicy: { ...exporterDefaults, enabled: false } }, NS, []), []);
    });

    it("a cluster: each instance's server admits the exporters that read it, and only those", () => {
        const policies = clusterNetworkPolicies({
            namespace: NS,
            instances: [fixtureInstance, instance({ name: "other" })],
            exporters: [reader],
        });
        const port = fixtureInstance.metrics.servicePort;
        const admits = (name: string) =>
            byName(policies.get(name)!, "-server-policy").spec.ingress!.some((r) => r.ports.some((p) => p.port === port));
        assert.ok(admits(fixtureInstance.name));
        assert.ok(!admits("other"));
        assert.strictEqual(policies.get("reader")!.length, 1);
    });
});

describe("network policies: the matrix the docs show", () => {
    it("has a row per port of every rule with peers, each as the objects have it", () => {
        const inst = instance({ networkPolicy: { ...fixtureNetworkPolicy, egress: egressOn } });
        const rules = instancePolicyRules(inst, ["reader"]);
        const objects = instanceNetworkPolicies(inst, NS, ["reader"]);
        const rows = policyMatrix(rules);
        const objectPorts = objects.flatMap((p) => [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])].flatMap((r) => r.ports));
        assert.strictEqual(rows.length, objectPorts.length);
        assert.deepStrictEqual(
            rows.map((r) => `${r.protocol}/${r.port}`).sort(),
            objectPorts.map((p) => `${p.protocol}/${p.port ?? "any"}`).sort(),
        );
        assert.ok(rows.some((r) => r.from === "`networkPolicy.clients`" && r.port === String(inst.serverPort)));
    });

    it("leaves out a rule without peers", () => {
        const rows = policyMatrix(instancePolicyRules(instance({ networkPolicy: { ...fixtureNetworkPolicy, clients: [] } }), []));
        assert.ok(!rows.some((r) => r.from === "`networkPolicy.clients`"));
        assert.ok(exporterPolicyRules(reader, []).length === 1);
    });
});

describe("network policies: declared by the program", function () {
    this.timeout(60000);

    it("beside each target, on the cluster's provider, before its runs and schedules and after nothing of the target; the teardown waits for them; none when disabled", async () => {
        const run = await runProgram(
            configOf({
                instances: [{ name: "arkouda-a", run: { action: "deploy", wait: false } }],
                exporters: [{ name: "exp", metricsServiceHost: "arkouda-a-metrics" }],
            }),
        );
        const policies = run.declared.filter((d) => d.inputs.kind === "NetworkPolicy");
        assert.deepStrictEqual(policies.map((d) => d.inputs.metadata.name).sort(), [
            "arkouda-a-locale-policy",
            "arkouda-a-server-policy",
            "exp-exporter-policy",
        ]);
        for (const p of policies) assert.match(p.provider, /default-kubernetes/);
        const runs = run.declared.filter((d) => d.name === "default-arkouda-a-run");
        assert.strictEqual(runs.length, 1);
        const server = policies.find((p) => p.inputs.metadata.name === "arkouda-a-server-policy")!;
        assert.ok(waitsFor(run, runs[0], server.resource!), "the run does not wait for the policies");
        // On destroy the teardown removes the pods before their policies go.
        const teardown = run.declared.find((d) => d.name === "default-teardown")!;
        for (const p of policies) {
            assert.ok(((teardown.opts.dependsOn as unknown[]) ?? []).includes(p.resource), `the teardown does not wait for ${p.name}`);
            assert.ok(!waitsFor(run, p, teardown.resource!), `${p.name} waits for the teardown`);
        }

        const off = await runProgram(configOf({ instances: [{ name: "arkouda-a" }], networkPolicy: { enabled: false } }));
        assert.deepStrictEqual(
            off.declared.filter((d) => d.inputs.kind === "NetworkPolicy"),
            [],
        );
    });
});
