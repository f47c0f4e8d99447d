/**
 * The Arkouda image's API calls, replayed against the real kube-apiserver with the token of the
 * Arkouda ServiceAccount that `pulumi up` created (the token a server pod mounts at /opt/sa):
 * the launch script's locale discovery and clean-up, the server's registration at start-up
 * (payloads byte for byte as src/ExternalIntegration.chpl formats them, values from the env our
 * server Pod sets) and its deregistration at shutdown. Then the delete workflow's own object list,
 * applied as the workflow ServiceAccount, must leave nothing of the instance. A token without the
 * grants is refused: the replay can fail.
 */
import * as assert from "assert";
import * as https from "https";
import * as YAML from "yaml";
import { substitute } from "../lib/argo-simulate";
import { API_CONTRACT } from "../../components/image-contract";
import { registrationParameters, registrationPayloads } from "../../contract/image";
import { arkoudaNames, arkoudaRuntimeObjectRefs, serverEnv } from "../../components/runtime-objects";
import { arkoudaParameters } from "../../components/workflow-templates";
import { deleteArkoudaTemplate } from "../lib/templates";
import { arkoudaValues } from "../lib/values";
import { clusterOf, resolvedConfig } from "./fixtures";
import { log, RUN_ID, testEnv, waitFor } from "./harness";
import { decodeBase64, getObject, kubectl, PulumiProject } from "./pulumi";

const NAMESPACE = `it-contract-${RUN_ID}`;
const INSTANCE = "ak-contract";
/** The IP the server reads from /etc/hosts for its Endpoints (any pod IP will do here). */
const SERVER_IP = "10.244.0.99";

interface Reply {
    status: number;
    body: string;
}

/** One HTTP call as curl makes it from the pod: bearer token, JSON, the cluster CA. */
function call(base: string, ca: string, token: string, method: string, path: string, payload?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const url = new URL(path, base);
        const request = https.request(
            url,
            // One connection per call with a Content-Length body, as curl makes each call.
            {
                method,
                ca,
                agent: false,
                headers: {
                    Authorization: `Bearer ${token}`,
                    Accept: "application/json",
                    "Content-Type": "application/json",
                    ...(payload !== undefined ? { "Content-Length": Buffer.byteLength(payload) } : {}),
                },
            },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (c: Buffer) => chunks.push(c));
                response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            },
        );
        request.on("error", reject);
        if (payload !== undefined) request.write(payload);
        request.end();
    });
}

/** The contract row's path with its placeholders filled in. */
function pathOf(method: string, resource: string, values: Record<string, string>): string {
    const row = API_CONTRACT.find((r) => r.method === method && r.resource === resource);
    assert.ok(row, `no API_CONTRACT row for ${method} ${resource}`);
    return row.path.replace(/\{(\w+)\}/g, (_, key: string) => {
        assert.ok(key in values, `no value for {${key}} in ${row.path}`);
        return values[key];
    });
}

describe("integration: the Arkouda image's API calls, replayed with the Arkouda ServiceAccount's token [KCM]", function () {
    let project: PulumiProject;
    let base: string;
    let ca: string;
    let token: string;
    let env: Record<string, string>;
    const names = arkoudaNames(INSTANCE);
    const config = {
        namespace: NAMESPACE,
        instances: [
            {
                name: INSTANCE,
                locales: 1,
                cpu: "500m",
                memory: "1Gi",
                chapel: { numThreadsPerLocale: 1, memMax: 500000000 },
                serverPort: 6100,
                metrics: { servicePort: 6101, exporterPort: 6102 },
            },
        ],
        clusters: [{ name: "contract", kubeconfig: "" }],
    };

    // The server's calls, as the binary makes them from its env.
    const client = () => registrationParameters(env).client;
    const metrics = () => registrationParameters(env).metrics;
    const asArkouda = (method: string, path: string, payload?: string) => call(base, ca, token, method, path, payload);
    const register = async (t = token) => {
        const statuses: number[] = [];
        for (const [name, port, target] of [client(), metrics()]) {
            const payloads = registrationPayloads(name, port, target, SERVER_IP);
            statuses.push((await call(base, ca, t, "POST", pathOf("POST", "services", { ns: NAMESPACE }), payloads.service)).status);
            statuses.push((await call(base, ca, t, "POST", pathOf("POST", "endpoints", { ns: NAMESPACE }), payloads.endpoints)).status);
        }
        return statuses;
    };
    const clearRegistration = async () => {
        const statuses: number[] = [];
        for (const name of [env.EXTERNAL_SERVICE_NAME, env.METRICS_SERVICE_NAME]) {
            statuses.push((await asArkouda("DELETE", pathOf("DELETE", "services", { ns: NAMESPACE, name }))).status);
            statuses.push((await asArkouda("DELETE", pathOf("DELETE", "endpoints", { ns: NAMESPACE, name }))).status);
        }
        return statuses;
    };
    const registered = async () => {
        const found: string[] = [];
        for (const kind of ["service", "endpoints"])
            for (const name of [names.clientService, names.metricsService])
                if (await getObject(kind, name, NAMESPACE)) found.push(`${kind}/${name}`);
        return found;
    };

    before(async function () {
        const { kubeconfig } = testEnv();
        config.clusters[0].kubeconfig = kubeconfig;
        project = await PulumiProject.create("contract", "it-contract");
        project.writeConfig(config);
        await project.up();
        const { cluster, settings } = clusterOf(resolvedConfig(config), "contract");
        env = Object.fromEntries(
            serverEnv(arkoudaValues(cluster.instances[0]), settings, NAMESPACE, true)
                .filter((e) => e.value !== undefined)
                .map((e) => [e.name as string, e.value as string]),
        );
        const secret = await waitFor("the token controller to fill the Arkouda token Secret", 60_000, async () => {
            const s = await getObject("secret", settings.arkoudaTokenSecretName, NAMESPACE);
            return s?.data?.token ? s : undefined;
        });
        token = decodeBase64(secret.data.token);
        ca = decodeBase64(secret.data["ca.crt"]);
        base = (
            YAML.parse((await kubectl(["config", "view", "--raw", "--minify", "-o", "yaml"])).stdout) as {
                clusters: { cluster: { server: string } }[];
            }
        ).clusters[0].cluster.server;
        log(`replaying against ${base} (the pod would use K8S_HOST=${env.K8S_HOST})`);
    });

    after(async function () {
        if (project) await project.cleanUp([NAMESPACE]);
    });

    it("locale discovery: the launch script's pod list answers with the locale pods' IPs", async function () {
        // A locale pod that is never scheduled, with the status a kubelet would report.
        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: `${names.locale}-replay`, namespace: NAMESPACE, labels: { app: env.APP_NAME } },
            spec: { schedulingGates: [{ name: "contract-replay" }], containers: [{ name: "c", image: "none" }] },
        };
        await kubectl(["apply", "-f", "-"], { input: JSON.stringify(pod) });
        const status = { status: { phase: "Running", podIP: "10.244.0.77", podIPs: [{ ip: "10.244.0.77" }] } };
        await kubectl([
            "patch",
            "pod",
            pod.metadata.name,
            "-n",
            NAMESPACE,
            "--subresource=status",
            "--type=merge",
            "-p",
            JSON.stringify(status),
        ]);
        const reply = await asArkouda("GET", pathOf("GET", "pods", { ns: NAMESPACE, APP_NAME: env.APP_NAME }));
        assert.strictEqual(reply.status, 200, reply.body);
        const ips = (JSON.parse(reply.body) as { items: { status: { podIP?: string } }[] }).items.map((p) => p.status.podIP);
        assert.deepStrictEqual(ips, ["10.244.0.77"]);
    });

    it("a leftover of an earlier run makes the server's registration fail (409): the reason for the clean-up", async function () {
        const [name, port, target] = client();
        const leftover = registrationPayloads(name, port, target, SERVER_IP);
        await kubectl(["create", "-n", NAMESPACE, "-f", "-"], { input: leftover.service });
        await kubectl(["create", "-n", NAMESPACE, "-f", "-"], { input: leftover.endpoints });
        const reply = await asArkouda("POST", pathOf("POST", "services", { ns: NAMESPACE }), leftover.service);
        assert.strictEqual(reply.status, 409, reply.body);
    });

    it("the launch script's clean-up removes the leftover Services and Endpoints", async function () {
        const statuses = await clearRegistration();
        assert.ok(
            statuses.every((s) => s === 200 || s === 404),
            `statuses ${statuses}`,
        );
        assert.ok(statuses.includes(200), `nothing was deleted: ${statuses}`);
        assert.deepStrictEqual(await registered(), []);
    });

    it("start-up: the server's four registration calls succeed (201)", async function () {
        assert.deepStrictEqual(await register(), [201, 201, 201, 201]);
    });

    it("the registered client Service has no selector and its Endpoints reach the server's client port", async function () {
        const service = await getObject("service", names.clientService, NAMESPACE);
        const endpoints = await getObject("endpoints", names.clientService, NAMESPACE);
        assert.strictEqual(service?.spec.selector, undefined);
        assert.deepStrictEqual(endpoints?.subsets, [{ addresses: [{ ip: SERVER_IP }], ports: [{ port: 6100, protocol: "TCP" }] }]);
    });

    it("the registered metrics Endpoints reach the port the metrics daemon listens on", async function () {
        const endpoints = await getObject("endpoints", names.metricsService, NAMESPACE);
        const service = await getObject("service", names.metricsService, NAMESPACE);
        assert.strictEqual(endpoints?.subsets[0].ports[0].port, Number(env.METRICS_SERVER_PORT));
        assert.strictEqual(service?.spec.ports[0].targetPort, Number(env.METRICS_SERVER_PORT));
    });

    it("shutdown: the server's deregistration deletes both Services (200)", async function () {
        const statuses = [];
        for (const name of [env.EXTERNAL_SERVICE_NAME, env.METRICS_SERVICE_NAME])
            statuses.push((await asArkouda("DELETE", pathOf("DELETE", "services", { ns: NAMESPACE, name }), "{}")).status);
        assert.deepStrictEqual(statuses, [200, 200]);
    });

    it("a redeploy after that shutdown registers again (clean-up, then 201s)", async function () {
        await clearRegistration();
        assert.deepStrictEqual(await register(), [201, 201, 201, 201]);
    });

    it("the delete workflow's object list, applied as the workflow ServiceAccount, leaves nothing of the instance", async function () {
        const { cluster, settings } = clusterOf(resolvedConfig(config), "contract");
        const template = deleteArkoudaTemplate(settings, cluster.instances[0]).spec.templates!.find((t) => t.name === "delete-objects")!;
        const { resource } = substitute(template, { parameters: arkoudaParameters(cluster.instances[0]) });
        // What the executor runs for a resource delete: kubectl <action> <flags> -f <manifest>.
        await kubectl(
            [
                `--as=system:serviceaccount:${NAMESPACE}:${settings.workflowServiceAccountName}`,
                resource!.action,
                ...resource!.flags!,
                "--filename=-",
            ],
            { input: resource!.manifest! },
        );
        const left: string[] = [];
        for (const ref of arkoudaRuntimeObjectRefs(INSTANCE).filter((r) => r.kind !== "ServiceMonitor")) {
            if (await getObject(ref.kind.toLowerCase(), ref.name, NAMESPACE)) left.push(`${ref.kind}/${ref.name}`);
        }
        assert.deepStrictEqual(left, []);
        assert.deepStrictEqual(await registered(), []);
    });

    it("negative control: a token without the registration grants is refused (403)", async function () {
        const account = "contract-discovery-only";
        await kubectl(["create", "serviceaccount", account, "-n", NAMESPACE]);
        await kubectl([
            "create",
            "rolebinding",
            account,
            "-n",
            NAMESPACE,
            "--role=arkouda-pod-discovery",
            `--serviceaccount=${NAMESPACE}:${account}`,
        ]);
        const weak = (await kubectl(["create", "token", account, "-n", NAMESPACE])).stdout.trim();
        assert.strictEqual(
            (await call(base, ca, weak, "GET", pathOf("GET", "pods", { ns: NAMESPACE, APP_NAME: env.APP_NAME }))).status,
            200,
        );
        assert.deepStrictEqual(await register(weak), [403, 403, 403, 403]);
    });
});
