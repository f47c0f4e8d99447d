/**
 * The local node (scripts/local-cluster.sh start with the node on): kubelet, containerd,
 * kube-proxy and CoreDNS behave like a real cluster's. Runs pods from the locally built
 * kubectl image (scripts/images.sh), never pulled.
 */
import { strict as assert } from "assert";
import { promises as dns } from "dns";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { createNamespace, deleteNamespace, getObject, kubectl, kubectlJson, REPO_ROOT, waitFor } from "./argo/kube";

const pin = (key: string): string => {
    const m = new RegExp(`^${key}=(\\S+)`, "m").exec(fs.readFileSync(path.join(REPO_ROOT, "tools", "versions.env"), "utf8"));
    if (!m) throw new Error(`${key} is not pinned in tools/versions.env`);
    return m[1];
};
const KUBERNETES_VERSION = pin("KUBERNETES_VERSION");
const KUBECTL_IMAGE = `registry.k8s.io/kubectl:${KUBERNETES_VERSION}`;
const CLUSTER_DNS = "10.96.0.10";
const NS = `node-it-${process.env.ARKOUDA_IT_RUN_ID ?? Date.now().toString(36)}`;

interface Done {
    phase: string;
    log: string;
}

async function podLog(name: string): Promise<string> {
    return (await kubectl(["logs", "-n", NS, name], { check: false })).stdout;
}

/** Runs a kubectl-image pod to completion; its phase and log. */
async function runPod(name: string, args: string[], env: { name: string; value: string }[] = [], timeoutMs = 120_000): Promise<Done> {
    await kubectl(["create", "-n", NS, "-f", "-"], {
        input: JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name },
            spec: {
                restartPolicy: "Never",
                containers: [{ name: "main", image: KUBECTL_IMAGE, imagePullPolicy: "Never", command: ["kubectl"], args, env }],
            },
        }),
    });
    const pod = await waitFor(
        `pod ${name} to finish`,
        timeoutMs,
        async () => {
            const p = await getObject("pod", name, NS);
            return ["Succeeded", "Failed"].includes(p?.status?.phase) ? p : undefined;
        },
        async () => JSON.stringify((await getObject("pod", name, NS))?.status ?? {}),
    );
    return { phase: pod.status.phase, log: await podLog(name) };
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: 10_000 }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
        req.on("error", reject);
    });
}

describe("local node", function () {
    this.timeout(300_000);

    before(async () => {
        await createNamespace(NS);
        // A server behind a ClusterIP Service: `kubectl proxy` in the kubectl image answers
        // /version over plain HTTP with its ServiceAccount's credentials.
        await kubectl(["create", "-n", NS, "-f", "-"], {
            input: JSON.stringify({
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "proxy" },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: { app: "proxy" } },
                    template: {
                        metadata: { labels: { app: "proxy" } },
                        spec: {
                            containers: [
                                {
                                    name: "proxy",
                                    image: KUBECTL_IMAGE,
                                    imagePullPolicy: "Never",
                                    command: ["kubectl"],
                                    args: ["proxy", "--address=0.0.0.0", "--port=8080", "--accept-hosts=.*"],
                                    ports: [{ containerPort: 8080 }],
                                    readinessProbe: { httpGet: { path: "/version", port: 8080 }, periodSeconds: 1 },
                                },
                            ],
                        },
                    },
                },
            }),
        });
        await kubectl(["create", "-n", NS, "-f", "-"], {
            input: JSON.stringify({
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "proxy" },
                spec: { selector: { app: "proxy" }, ports: [{ port: 80, targetPort: 8080 }] },
            }),
        });
    });

    after(async () => {
        await deleteNamespace(NS);
    });

    it("has one Ready, untainted node running the pinned kubelet on containerd", async () => {
        const nodes = (await kubectlJson<{ items: any[] }>(["get", "nodes"])).items;
        assert.equal(nodes.length, 1, `nodes: ${nodes.map((n) => n.metadata.name).join(", ")}`);
        const node = nodes[0];
        const ready = node.status.conditions.find((c: any) => c.type === "Ready");
        assert.equal(ready?.status, "True", `Ready condition: ${JSON.stringify(ready)}`);
        assert.deepEqual(node.spec.taints ?? [], []);
        assert.equal(node.status.nodeInfo.kubeletVersion, KUBERNETES_VERSION);
        assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
    });

    it("runs a pod from the local kubectl image that reaches https://kubernetes.default.svc with its ServiceAccount token", async () => {
        // kubectl's in-cluster config, aimed at the name the product's kubernetesApiUrl defaults
        // to instead of the ClusterIP kubelet puts in KUBERNETES_SERVICE_HOST.
        const done = await runPod(
            "whoami",
            // A whole line: the runtime may hold back a last line without its newline from the log.
            ["auth", "whoami", "-o", 'jsonpath={.status.userInfo.username}{"\\n"}'],
            [
                { name: "KUBERNETES_SERVICE_HOST", value: "kubernetes.default.svc" },
                { name: "KUBERNETES_SERVICE_PORT", value: "443" },
            ],
        );
        assert.equal(done.phase, "Succeeded", done.log);
        assert.equal(done.log.trim(), `system:serviceaccount:${NS}:default`);
    });

    it("marks a pod whose command fails as Failed", async () => {
        const done = await runPod("fails", ["get", "--raw", "/no-such-path"]);
        assert.equal(done.phase, "Failed", done.log);
    });

    it("routes a ClusterIP Service to its pod for another pod, by the Service's short name", async () => {
        await waitFor("the proxy Service's endpoints", 120_000, async () => {
            const slices = (
                await kubectlJson<{ items: any[] }>(["get", "endpointslices", "-n", NS, "-l", "kubernetes.io/service-name=proxy"])
            ).items;
            return slices.some((s) => (s.endpoints ?? []).some((e: any) => e.conditions?.ready)) ? true : undefined;
        });
        // An empty kubeconfig: no in-cluster credentials, the request goes through the proxy's.
        const done = await runPod("client", ["--kubeconfig=/dev/null", "--server=http://proxy", "version", "-o", "json"]);
        assert.equal(done.phase, "Succeeded", done.log);
        assert.equal(JSON.parse(done.log).serverVersion.gitVersion, KUBERNETES_VERSION);
    });

    it("routes a ClusterIP Service to its pod from the node's host", async () => {
        const svc = await getObject("service", "proxy", NS);
        const r = await httpGet(`http://${svc.spec.clusterIP}/version`);
        assert.equal(r.status, 200, r.body);
        assert.equal(JSON.parse(r.body).gitVersion, KUBERNETES_VERSION);
    });

    it("resolves Service names through the cluster DNS Service", async () => {
        const resolver = new dns.Resolver();
        resolver.setServers([CLUSTER_DNS]);
        const svc = await getObject("service", "proxy", NS);
        assert.deepEqual(await resolver.resolve4(`proxy.${NS}.svc.cluster.local`), [svc.spec.clusterIP]);
        assert.deepEqual(await resolver.resolve4("kubernetes.default.svc.cluster.local"), ["10.96.0.1"]);
    });

    it("answers no name outside the cluster domain (nothing is forwarded off the machine)", async () => {
        const resolver = new dns.Resolver({ timeout: 3000, tries: 1 });
        resolver.setServers([CLUSTER_DNS]);
        await assert.rejects(resolver.resolve4("deb.debian.org"));
    });
});
