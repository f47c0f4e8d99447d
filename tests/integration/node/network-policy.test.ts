/**
 * NetworkPolicies on the local node, with a policy enforcer running there (docs/security.md,
 * network policies). One stack (namespace node-netpol-<id>) with ark-n (2 locales, metrics on)
 * and a standalone exporter exp-n reading it; `networkPolicy.clients` and `.prometheus` select
 * probe pods by labels of this test's own.
 *
 * With the policies on:
 *  - `pulumi up` declares the three policies; the deploy and the exporter's deploy Succeed (the
 *    server's ssh spawner reaches every locale's sshd, the server reaches the API server, the
 *    standalone exporter reaches the server's metrics daemon);
 *  - a probe pod in `prometheus` reads the standalone exporter's and the sidecar's /metrics, the
 *    server's series among them: the exporters still scrape;
 *  - a probe pod outside `clients` (and outside `prometheus`) connects to neither the client port
 *    nor the sshd of the server or of any locale, nor to /metrics;
 *  - a probe pod inside `clients` gets its `ruok` answered on the client port, and still reaches
 *    no sshd (only the instance's own pods do).
 * With the policies off (`networkPolicy.enabled: false`, the control): both probes reach the
 * client port and every sshd, so what failed above was the policies, not the listeners.
 *
 * The suite needs an enforcer: without one every "cannot connect" would fail. It is skipped,
 * naming what it looked for, only when none runs on the node; a skipped run proves nothing.
 */
import * as assert from "assert";
import * as path from "path";
import { testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { getObject, kubectl, listObjects, log, run, waitFor, WorkflowController } from "../argo/kube";
import {
    DEPLOY,
    DEPLOY_EXPORTER,
    requireNode,
    SMALL_EXPORTER,
    SMALL_PODS,
    SMALL_SIDECAR,
    standinRefs,
    submit,
    waitSucceeded,
} from "./node-lib";
import { SSHD_PORT } from "../../../components/image-contract";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-netpol-${RUN_ID}`;
const I = "ark-n";
const EXPORTER = "exp-n";
const SERVER_PORT = 5555;
const EXPORTER_PORT = 5080;
const DEADLINES = { deploySeconds: 300, deleteSeconds: 180, localeReadySeconds: 90, serverReadySeconds: 90 };
/** The labels `networkPolicy.clients` and `.prometheus` select: only this test's probe pods carry them. */
const CLIENT = { "arkouda-workflows.local/netpol-client": "yes" };
const PROMETHEUS = { "arkouda-workflows.local/netpol-prometheus": "yes" };
/**
 * NetworkPolicy enforcers that can run on such a node, as host processes or kube-system pods.
 * The local node runs kube-router's policy controller (scripts/local-node.sh); the others are
 * listed so that any of them counts.
 */
const ENFORCERS = ["kube-router", "kube-network-policies", "calico-felix", "calico-node", "cilium-agent", "antrea-agent"];

function stackConfig(kubeconfig: string, enabled: boolean): Record<string, unknown> {
    return {
        namespace: NS,
        deadlines: DEADLINES,
        networkPolicy: {
            enabled,
            clients: [{ podSelector: { matchLabels: CLIENT } }],
            prometheus: [{ podSelector: { matchLabels: PROMETHEUS } }],
        },
        instances: [
            {
                name: I,
                locales: 2,
                ...SMALL_PODS,
                serverPort: SERVER_PORT,
                metrics: {
                    enabled: true,
                    pollingIntervalSeconds: 2,
                    exporterPort: EXPORTER_PORT,
                    ...SMALL_SIDECAR,
                },
                schedules: { deploy: { suspend: true }, delete: { suspend: true } },
            },
        ],
        exporters: [
            {
                name: EXPORTER,
                metricsServiceHost: `${I}-metrics`,
                pollingIntervalSeconds: 2,
                exporterPort: EXPORTER_PORT,
                ...SMALL_EXPORTER,
            },
        ],
        clusters: [{ name: "node", kubeconfig }],
    };
}

/** The enforcer running on the node, or undefined: a host process of that name, or a kube-system pod named after one. */
async function runningEnforcer(): Promise<string | undefined> {
    for (const name of ENFORCERS) {
        const r = await run("pgrep", ["-x", name], { check: false });
        if (r.code === 0) return `${name} (host process ${r.stdout.trim().split("\n")[0]})`;
    }
    const pods = await listObjects("pods", "kube-system").catch(() => []);
    const pod = pods.find((p) => p.status?.phase === "Running" && ENFORCERS.some((e) => p.metadata.name.startsWith(e)));
    return pod ? `kube-system/${pod.metadata.name}` : undefined;
}

/**
 * What a probe pod does: TCP connects to every target at once, each retried for
 * CONNECT_WINDOW_SECONDS until it opens ("open", or the last reason it did not), `ruok` on the
 * client port when asked, and a GET of each URL (retried for a minute while the exporter
 * starts), reporting whether the server's series is in the body. Prints one JSON line.
 *
 * The window is there because an enforcer learns of a new pod by watching it: kube-router puts
 * the probe's IP into the sets its policies allow only after its next sync, and until then the
 * probe is refused like any stranger. A target that stays refused for the whole window is refused.
 */
const CONNECT_WINDOW_SECONDS = 30;
const PROBE = String.raw`
import json, socket, sys, threading, time, urllib.request
spec = json.loads(sys.argv[1])
out = {"connect": {}, "ruok": None, "metrics": {}}
def connect(name, host, port):
    deadline = time.time() + ${CONNECT_WINDOW_SECONDS}
    while True:
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect((host, port))
            out["connect"][name] = "open"
            return
        except socket.timeout:
            out["connect"][name] = "timeout"
        except OSError as e:
            out["connect"][name] = "error %s" % e.errno
        finally:
            s.close()
        if time.time() >= deadline:
            return
        time.sleep(0.5)
threads = [threading.Thread(target=connect, args=(name, host, port)) for name, (host, port) in sorted(spec.get("connect", {}).items())]
for t in threads:
    t.start()
for t in threads:
    t.join()
if spec.get("ruok"):
    import zmq
    host, port = spec["ruok"]
    z = zmq.Context().socket(zmq.REQ)
    z.setsockopt(zmq.LINGER, 0)
    z.setsockopt(zmq.RCVTIMEO, ${CONNECT_WINDOW_SECONDS} * 1000)
    z.connect("tcp://%s:%s" % (host, port))
    z.send_string(json.dumps({"user": "it", "token": "", "cmd": "ruok", "format": "STRING", "args": "", "size": -1}))
    try:
        out["ruok"] = json.loads(z.recv_string())["msg"]
    except zmq.Again:
        out["ruok"] = "no answer"
for name, url in sorted(spec.get("metrics", {}).items()):
    found = "unreachable"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            body = urllib.request.urlopen(url, timeout=5).read().decode()
            found = "series" if "arkouda_server_information_info{" in body else "no series"
            if found == "series":
                break
        except Exception as e:
            found = "unreachable: %s" % e
        time.sleep(2)
    out["metrics"][name] = found
print(json.dumps(out))
`;

interface ProbeSpec {
    readonly connect?: Record<string, [string, number]>;
    readonly ruok?: [string, number];
    readonly metrics?: Record<string, string>;
}
interface ProbeResult {
    readonly connect: Record<string, string>;
    readonly ruok: string | null;
    readonly metrics: Record<string, string>;
}

const RESTRICTED_PROBE = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
};

describe("network policies on the local node (with an enforcer)", function () {
    this.timeout(1_200_000);
    let project: PulumiProject;
    let controller: WorkflowController | undefined;
    let image: string;

    const up = async (enabled: boolean) => {
        project.writeConfig(stackConfig(testEnv().kubeconfig, enabled));
        const outcome = await project.up({ check: false });
        assert.strictEqual(outcome.exec.code, 0, `${outcome.exec.stdout.slice(-2000)}\n${outcome.exec.stderr.slice(-2000)}`);
    };

    /** Runs the probe in a pod carrying `labels` (besides the test's probe label) and returns what it found. */
    async function probe(labels: Record<string, string>, spec: ProbeSpec): Promise<ProbeResult> {
        const name = `netpol-${Math.random().toString(36).slice(2, 7)}`;
        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, labels: { "arkouda-workflows/it": "probe", ...labels } },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: RESTRICTED_PROBE.securityContext,
                containers: [
                    {
                        name: "probe",
                        image,
                        imagePullPolicy: "Never",
                        command: ["python3", "-c", PROBE, JSON.stringify(spec)],
                        securityContext: RESTRICTED_PROBE.container,
                    },
                ],
            },
        };
        await kubectl(["create", "-n", NS, "-f", "-"], { input: JSON.stringify(pod) });
        try {
            await waitFor(`probe ${name}`, 240_000, async () => {
                const p = await getObject("pod", name, NS);
                return ["Succeeded", "Failed"].includes(p?.status?.phase) ? true : undefined;
            });
            const text = (await kubectl(["logs", name, "-n", NS], { check: false })).stdout.trim();
            try {
                return JSON.parse(text.split("\n").at(-1) ?? "") as ProbeResult;
            } catch {
                throw new Error(`probe ${name} printed no result:\n${text}`);
            }
        } finally {
            await kubectl(["delete", "pod", name, "-n", NS, "--ignore-not-found", "--wait=false"], { check: false });
        }
    }

    /** The client port and sshd of the server pod and of every locale pod, by pod IP. */
    async function targets(): Promise<Record<string, [string, number]>> {
        const server = await getObject("pod", `${I}-server`, NS);
        assert.ok(server?.status?.podIP, `${I}-server has no IP`);
        const locales = (await listObjects("pods", NS, `app=${I}-locale`)).filter((p) => p.status?.podIP && !p.metadata.deletionTimestamp);
        assert.strictEqual(locales.length, 2, locales.map((p) => p.metadata.name).join(", "));
        return {
            client: [server.status.podIP, SERVER_PORT],
            "sshd server": [server.status.podIP, SSHD_PORT],
            ...Object.fromEntries(locales.map((p, i): [string, [string, number]] => [`sshd locale ${i}`, [p.status.podIP, SSHD_PORT]])),
            "sidecar /metrics": [server.status.podIP, EXPORTER_PORT],
        };
    }

    const reachable = (r: ProbeResult) =>
        Object.entries(r.connect)
            .filter(([, v]) => v === "open")
            .map(([k]) => k)
            .sort();

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        const refs = await standinRefs();
        await requireNode([refs.server, refs.exporter]);
        const enforcer = await runningEnforcer();
        if (!enforcer) {
            log(
                `network policy tests SKIPPED: no NetworkPolicy enforcer runs on the local node (looked for ${ENFORCERS.join(", ")} as host processes and kube-system pods); a skip proves nothing about the policies`,
            );
            this.skip();
        }
        log(`network policy tests: enforcer ${enforcer}, namespace ${NS}`);
        image = refs.server;
        project = await PulumiProject.create("node-netpol", "it-node-netpol");
        await up(true);
        controller = new WorkflowController(NS, path.join(testEnv().tmpRoot, "node-netpol-workflow-controller.log"));
        await controller.start();
    });

    after(async function () {
        await controller?.stop();
        if (project && process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await project.cleanUp([NS]);
    });

    describe("with the policies on", function () {
        it("pulumi up declared a policy per pod kind and the exporter's", async () => {
            const names = (await listObjects("networkpolicies", NS)).map((p) => p.metadata.name).sort();
            assert.deepStrictEqual(names, [`${EXPORTER}-exporter-policy`, `${I}-locale-policy`, `${I}-server-policy`].sort());
        });

        it("the deploy Succeeds (the spawner reaches every locale's sshd; the server reaches the API server)", async () => {
            await waitSucceeded(NS, await submit(NS, DEPLOY), (DEADLINES.deploySeconds + 60) * 1000);
        });

        it("the standalone exporter's deploy Succeeds", async () => {
            await waitSucceeded(NS, await submit(NS, DEPLOY_EXPORTER), 300_000);
        });

        it("a pod in prometheus reads the server's series from the standalone exporter and the sidecar: the exporters still scrape", async () => {
            const r = await probe(PROMETHEUS, {
                metrics: {
                    standalone: `http://${EXPORTER}:${EXPORTER_PORT}/metrics`,
                    sidecar: `http://${I}-metrics-exporter:${EXPORTER_PORT}/metrics`,
                },
            });
            assert.deepStrictEqual(r.metrics, { sidecar: "series", standalone: "series" });
        });

        it("a probe outside clients and prometheus connects to neither the client port, any sshd nor /metrics", async () => {
            const all = await targets();
            const r = await probe({}, { connect: all });
            log(`outside probe, policies on: ${JSON.stringify(r.connect)}`);
            assert.deepStrictEqual(reachable(r), []);
            assert.strictEqual(Object.keys(r.connect).length, Object.keys(all).length);
        });

        it("a probe inside clients gets its ruok answered on the client port, and reaches no sshd", async () => {
            const all = await targets();
            const r = await probe(CLIENT, { connect: all, ruok: all.client });
            log(`inside probe, policies on: ${JSON.stringify(r.connect)}`);
            assert.strictEqual(r.ruok, "imok");
            assert.deepStrictEqual(reachable(r), ["client"]);
        });
    });

    describe("with the policies off (the control)", function () {
        before(async () => {
            await up(false);
            assert.deepStrictEqual(await listObjects("networkpolicies", NS), []);
        });

        // The enforcer follows the deleted policies within its sync; the probes are repeated until it has, bounded.
        const untilAllOpen = async (labels: Record<string, string>) => {
            const all = await targets();
            let last: ProbeResult | undefined;
            await waitFor(
                "every target reachable once the policies are gone",
                180_000,
                async () => {
                    last = await probe(labels, { connect: all });
                    return reachable(last).length === Object.keys(all).length ? true : undefined;
                },
                async () => JSON.stringify(last?.connect),
            ).catch(() => undefined);
            assert.deepStrictEqual(reachable(last!), Object.keys(all).sort(), JSON.stringify(last?.connect));
        };

        it("the probe outside clients reaches the client port and every sshd", async () => {
            await untilAllOpen({});
        });

        it("the probe inside clients too", async () => {
            await untilAllOpen(CLIENT);
        });
    });
});
