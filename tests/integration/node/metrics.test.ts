/**
 * What a deploy's ServiceMonitor and exporter Service make a real Prometheus scrape, on the local
 * node: prometheus-operator and a Prometheus it manages (`scripts/local-cluster.sh prometheus`,
 * images built from the pinned modules), whose serviceMonitorSelector is the stack's
 * prometheusMatchLabels and which has an annotation-based job (prometheus.io/*) besides. Its HTTP
 * API is read from the host at the Prometheus pod's IP.
 *
 * One stack (namespace metrics-it-<id>) with:
 *  - mon-a: metrics on, ServiceMonitor at the polling interval (5 s);
 *  - mon-b: ServiceMonitor interval 2s and scrapeTimeout 1s (the polling interval stays 5 s),
 *    annotations off;
 *  - mon-c: ServiceMonitor off, annotations on;
 *  - ext: a standalone exporter aimed at a server stand-in run on the host at the node's address,
 *    outside Kubernetes (as an Arkouda on Slurm is);
 * and a second stack (namespace metrics-off-it-<id>) whose instance and exporter both have the
 * ServiceMonitor off, so its templates have no ServiceMonitor step and its workflow Role no grant
 * on ServiceMonitors: a deploy that still touched one would fail with 403, as it would with 404 on
 * a cluster without the prometheus-operator CRD.
 *
 * Both namespaces are the stacks' own, with the default podSecurity (enforce baseline, warn
 * restricted), so the exporters are scraped as they run under it; `local-cluster.sh prometheus`
 * only adds its scrape label to NS, after `pulumi up` created it. Prometheus and its operator run
 * in arkouda-monitoring, no stack's namespace. Each stack also declares its namespace's delete
 * PriorityClass, cluster-wide, which the cleanup removes with the namespaces.
 *
 * What fails without what:
 *  - the match labels on the ServiceMonitor (or a wrong port name, selector or target labels): the
 *    scrape job never loads / the target is never up / the series lack arkouda_instance, launcher;
 *  - the negative control fails if Prometheus selected ServiceMonitors whatever their labels;
 *  - serviceMonitor.enabled: mon-c gets a ServiceMonitor and a job; the second stack's Role grants
 *    ServiceMonitors;
 *  - interval/scrapeTimeout: mon-b's target reports 5s and no 1s timeout;
 *  - the annotations: no annotation target for mon-c, or one for mon-b;
 *  - the delete: its target stays.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { getObject, kubectl, log, summarizeWorkflow, WorkflowController } from "../argo/kube";
import { ANNOTATIONS_POOL, poll, Prometheus, serviceMonitorPool, Target } from "../../lib/prometheus";
import { SCRAPE_TARGET_LABELS } from "../../../components/runtime-objects";
import {
    DELETE,
    DELETE_EXPORTER,
    DEPLOY,
    DEPLOY_EXPORTER,
    requireNode,
    standinRefs,
    submit,
    submitFromCron,
    waitSucceeded,
    workflow,
    SMALL_EXPORTER,
    SMALL_PODS,
    SMALL_SIDECAR,
} from "./node-lib";
import { fakeSsh, freePort, Proc, PYTHON, SERVER_STANDIN } from "./standin-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `metrics-it-${RUN_ID}`;
const NS_OFF = `metrics-off-it-${RUN_ID}`;
/** What the test Prometheus selects ServiceMonitors by, and so the stacks' prometheusMatchLabels. */
const MATCH = { "arkouda-workflows.local/prometheus": `it-${RUN_ID}` };
const POLLING_SECONDS = 5;
const DEADLINES = { deploySeconds: 300, deleteSeconds: 180, localeReadySeconds: 90, serverReadySeconds: 90 };
/**
 * Prometheus loads a new ServiceMonitor's job once the operator has written the config Secret and
 * the kubelet has refreshed the pod's volume (at its sync period: 10 s on the local node, a minute
 * by default): bounded here, measured by the bench.
 */
const CONFIG_LOAD_MS = 180_000;
/** Prometheus hands discovered targets to the scrape loops at most every 5 s. */
const DISCOVERY_THROTTLE_MS = 5_000;

const small = { ...SMALL_PODS, locales: 1 };
const suspended = { deploy: { suspend: true }, delete: { suspend: true } };
/** Small sidecars too: four instances with exporters, Prometheus and the step pods share the node's 2 CPUs. */
const metrics = (extra: object) => ({
    enabled: true,
    pollingIntervalSeconds: POLLING_SECONDS,
    prometheusMatchLabels: MATCH,
    ...SMALL_SIDECAR,
    ...extra,
});

const A = { name: "mon-a", serverName: "mon-a-srv", launcher: "kubernetes-it" };
const B = { name: "mon-b", serverName: "mon-b-srv", launcher: "kubernetes" };
const C = { name: "mon-c", serverName: "mon-c-srv", launcher: "kubernetes" };
const EXT = { name: "ext", serverName: "outside-srv", launcher: "slurm" };

describe("Prometheus scrapes what a deploy registers (prometheus-operator on the local node)", function () {
    this.timeout(1_800_000);
    let project: PulumiProject;
    let offProject: PulumiProject;
    let controller: WorkflowController;
    let prometheus: Prometheus;
    let outside: Proc | undefined;
    let outsideMetricsPort: number;
    let nodeIp: string;
    let dir: string;

    /** The targets of a pool once one is up, with the time it took; fails naming what Prometheus last saw. */
    async function waitUp(pool: string, match: (t: Target) => boolean, timeoutMs: number): Promise<{ target: Target; ms: number }> {
        const start = Date.now();
        let last: Target[] = [];
        const target = await poll(timeoutMs, async () => {
            last = await prometheus.poolTargets(pool);
            return last.find((t) => match(t) && t.health === "up");
        });
        assert.ok(
            target,
            `no target of ${pool} was up within ${timeoutMs / 1000}s; targets of the pool: ${JSON.stringify(last.map((t) => ({ url: t.scrapeUrl, health: t.health, error: t.lastError })))}`,
        );
        return { target, ms: Date.now() - start };
    }

    async function waitJobLoaded(pool: string): Promise<void> {
        const loaded = await poll(CONFIG_LOAD_MS, async () => ((await prometheus.loadedJobs()).includes(pool) ? true : undefined), 1000);
        if (!loaded) {
            const operator = await kubectl(["logs", "-n", "arkouda-monitoring", "deployment/prometheus-operator", "--tail=20"], {
                check: false,
            });
            assert.fail(
                `Prometheus never loaded the job ${pool} (jobs: ${(await prometheus.loadedJobs()).join(", ")}): the operator did not select the ServiceMonitor (labels, namespace) or rejected it; operator log:\n${operator.stdout}`,
            );
        }
    }

    const service = (name: string) => `${name}-metrics-exporter`;
    const inNs = (svc: string) => (t: Target) => t.labels.namespace === NS && t.labels.service === svc;

    before(async function () {
        const env = testEnv();
        process.env.KUBECONFIG = env.kubeconfig;
        const refs = await standinRefs();
        const node = await requireNode([refs.server, refs.exporter]);
        nodeIp = node.status.addresses.find((a: any) => a.type === "InternalIP").address;
        dir = path.join(env.tmpRoot, "node-metrics");
        fs.mkdirSync(dir, { recursive: true });

        // The Arkouda "outside the cluster": the server stand-in as a host process, its metrics
        // daemon on every address, so the exporter pod reaches it at the node's address.
        outsideMetricsPort = await freePort();
        const clientPort = await freePort();
        const sshDir = fs.mkdtempSync(path.join(dir, "outside-"));
        outside = new Proc(
            PYTHON,
            [
                SERVER_STANDIN,
                "-nl",
                "1",
                "--ExternalIntegration.systemType=SystemType.NONE",
                "--ServerDaemon.daemonTypes=ServerDaemonType.DEFAULT,ServerDaemonType.METRICS",
                `--ServerPort=${clientPort}`,
            ],
            {
                PATH: process.env.PATH,
                HOME: process.env.HOME,
                METRICS_SERVER_PORT: String(outsideMetricsPort),
                SSH_SERVERS: nodeIp,
                GASNET_SSH_SERVERS: nodeIp,
                GASNET_SSH_CMD: fakeSsh(sshDir),
                ARKOUDA_STANDIN_LOCALE_TIMEOUT: "20",
            },
            sshDir,
        );
        await outside.waitOutput(/server listening on/, 60_000);

        const config = (namespace: string, instances: object[], exporters: object[]) => ({
            namespace,
            deadlines: DEADLINES,
            instances,
            exporters,
            clusters: [{ name: "node", kubeconfig: env.kubeconfig }],
        });
        project = await PulumiProject.create("node-metrics", "it-metrics");
        project.writeConfig(
            config(
                NS,
                [
                    { ...A, ...small, metrics: metrics({}), schedules: suspended },
                    {
                        ...B,
                        ...small,
                        metrics: metrics({ serviceMonitor: { interval: "2s", scrapeTimeout: "1s" }, scrapeAnnotations: false }),
                        schedules: suspended,
                    },
                    { ...C, ...small, metrics: metrics({ serviceMonitor: { enabled: false } }), schedules: suspended },
                ],
                [
                    {
                        ...EXT,
                        metricsServiceHost: nodeIp,
                        metricsServicePort: outsideMetricsPort,
                        pollingIntervalSeconds: POLLING_SECONDS,
                        prometheusMatchLabels: MATCH,
                        ...SMALL_EXPORTER,
                    },
                ],
            ),
        );
        offProject = await PulumiProject.create("node-metrics-off", "it-metrics-off");
        offProject.writeConfig(
            config(
                NS_OFF,
                [{ name: "mon-off", ...small, metrics: metrics({ serviceMonitor: { enabled: false } }), schedules: suspended }],
                [
                    {
                        name: "ext-off",
                        metricsServiceHost: "mon-off-metrics",
                        ...SMALL_EXPORTER,
                        serviceMonitor: { enabled: false },
                    },
                ],
            ),
        );
        await Promise.all([project.up(), offProject.up()]);
        prometheus = await Prometheus.start(NS, MATCH, env.env);
        log(`metrics tests: namespaces ${NS}, ${NS_OFF}; Prometheus ${prometheus.url}`);
        controller = new WorkflowController(NS, path.join(dir, "workflow-controller.log"));
        await controller.start();
    });

    after(async function () {
        await outside?.stop();
        await controller?.stop();
        if (process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") {
            await project?.cleanUp([NS]);
            await offProject?.cleanUp([NS_OFF]);
        }
        for (const ns of [NS, NS_OFF]) {
            await kubectl(["delete", "priorityclass", `arkouda-workflows-delete-${ns}`, "--ignore-not-found"], { check: false });
        }
    });

    describe("after a deploy with metrics on", function () {
        let succeededAt: number | undefined;
        const runs: Record<string, string> = {};

        before(async function () {
            // mon-a's exporter Service, selected by a ServiceMonitor whose labels Prometheus does not select.
            const unselected = {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: "unselected", namespace: NS, labels: { "arkouda-workflows.local/prometheus": "someone-else" } },
                spec: {
                    endpoints: [{ port: "http", path: "/metrics", interval: `${POLLING_SECONDS}s` }],
                    selector: { matchLabels: { instance: service(A.name) } },
                    targetLabels: [...SCRAPE_TARGET_LABELS],
                },
            };
            await kubectl(["create", "-n", NS, "-f", "-"], { input: JSON.stringify(unselected) });
            // Each as its CronWorkflow would run it (mon-a's are also the template's defaults).
            for (const i of [A, B, C]) runs[i.name] = await submitFromCron(NS, `${i.name}-deploy`);
        });

        it("deploys of mon-a, mon-b and mon-c reach Succeeded", async () => {
            const done = await Promise.all(
                Object.values(runs).map((name) => waitSucceeded(NS, name, (DEADLINES.deploySeconds + 60) * 1000)),
            );
            succeededAt = Math.max(...done.map((wf) => Date.parse(wf.status.finishedAt)));
        });

        it(`mon-a: Prometheus lists the exporter as an active target with up == 1 within three polling intervals (${3 * POLLING_SECONDS} s, plus its ${DISCOVERY_THROTTLE_MS / 1000} s discovery batching) of loading its job`, async () => {
            assert.ok(succeededAt !== undefined, "the deploys did not succeed");
            const pool = serviceMonitorPool(NS, `${A.name}-servicemonitor`);
            await waitJobLoaded(pool);
            const { target, ms } = await waitUp(pool, inNs(service(A.name)), 3 * POLLING_SECONDS * 1000 + DISCOVERY_THROTTLE_MS);
            log(`mon-a: target up ${ms} ms after its job loaded, ${Date.now() - succeededAt!} ms after the deploys Succeeded`);
            assert.strictEqual(
                target.scrapeInterval,
                `${POLLING_SECONDS}s`,
                "the ServiceMonitor's default interval is the polling interval",
            );
            // mon-a keeps the scrape annotations on, so the annotation-based job scrapes it too.
            const up = await prometheus.query(`up{namespace="${NS}",service="${service(A.name)}",job!="${ANNOTATIONS_POOL}"}`);
            assert.deepStrictEqual(
                up.map((s) => s.value[1]),
                ["1"],
                JSON.stringify(up),
            );
        });

        it("mon-a: a query returns Arkouda series carrying every label the ServiceMonitor promises (targetLabels)", async () => {
            const series = await poll(30_000, async () => {
                const r = await prometheus.query(`arkouda_server_information_info{namespace="${NS}",service="${service(A.name)}"}`);
                return r.length > 0 ? r : undefined;
            });
            assert.ok(series, "no arkouda_server_information_info series of mon-a");
            const expected: Record<string, string> = { arkouda_instance: A.serverName, launcher: A.launcher };
            for (const label of SCRAPE_TARGET_LABELS) {
                assert.ok(label in expected, `targetLabel ${label} has no expectation in this test`);
                assert.strictEqual(series[0].metric[label], expected[label], `${label} of ${JSON.stringify(series[0].metric)}`);
            }
            const used = await prometheus.query(`arkouda_memory_used_per_locale{namespace="${NS}",arkouda_instance="${A.serverName}"}`);
            assert.ok(used.length > 0, "no arkouda_memory_used_per_locale series by arkouda_instance");
        });

        it("negative control: a ServiceMonitor whose labels differ from Prometheus' selector is not scraped", async () => {
            // mon-a's job is loaded (previous test), so the operator has seen both ServiceMonitors.
            const jobs = await prometheus.loadedJobs();
            assert.ok(jobs.includes(serviceMonitorPool(NS, `${A.name}-servicemonitor`)), jobs.join(", "));
            assert.ok(
                !jobs.includes(serviceMonitorPool(NS, "unselected")),
                `the unselected ServiceMonitor became a job: ${jobs.join(", ")}`,
            );
            assert.deepStrictEqual(await prometheus.poolTargets(serviceMonitorPool(NS, "unselected")), []);
        });

        it("mon-b: the ServiceMonitor's interval (2s) and scrapeTimeout (1s) apply, apart from the polling interval (5 s)", async () => {
            const pool = serviceMonitorPool(NS, `${B.name}-servicemonitor`);
            await waitJobLoaded(pool);
            const { target } = await waitUp(pool, inNs(service(B.name)), 3 * POLLING_SECONDS * 1000 + DISCOVERY_THROTTLE_MS);
            assert.deepStrictEqual([target.scrapeInterval, target.scrapeTimeout], ["2s", "1s"]);
            const env = (await getObject("pod", `${B.name}-server`, NS)).spec.initContainers[0].env;
            assert.strictEqual(env.find((e: any) => e.name === "METRICS_POLLING_INTERVAL").value, String(POLLING_SECONDS));
        });

        it("mon-c (serviceMonitor off): no ServiceMonitor, no job, the Services applied without it", async () => {
            assert.strictEqual(await getObject("servicemonitor", `${C.name}-servicemonitor`, NS), undefined);
            assert.ok(!(await prometheus.loadedJobs()).includes(serviceMonitorPool(NS, `${C.name}-servicemonitor`)));
            const wf = await workflow(NS, runs[C.name]);
            const phase = (step: string) => (Object.values(wf.status.nodes).find((n: any) => n.displayName === step) as any)?.phase;
            assert.deepStrictEqual(
                [phase("apply-services-and-servicemonitor"), phase("apply-services")],
                ["Skipped", "Succeeded"],
                summarizeWorkflow(wf),
            );
        });

        it("annotations: an annotation-based job scrapes mon-c (annotations on) at prometheus.io/port and path, not mon-b (off)", async () => {
            const svc = await getObject("service", service(C.name), NS);
            assert.deepStrictEqual(
                [
                    svc.metadata.annotations["prometheus.io/scrape"],
                    svc.metadata.annotations["prometheus.io/port"],
                    svc.metadata.annotations["prometheus.io/path"],
                ],
                ["true", "5080", "/metrics"],
            );
            const { target } = await waitUp(ANNOTATIONS_POOL, inNs(service(C.name)), 120_000);
            assert.match(target.scrapeUrl, /:5080\/metrics$/);
            assert.strictEqual(target.labels.arkouda_instance, C.serverName);
            const b = (await prometheus.poolTargets(ANNOTATIONS_POOL)).filter(inNs(service(B.name)));
            assert.deepStrictEqual(b, [], "mon-b's Service says prometheus.io/scrape: false");
            assert.strictEqual((await getObject("service", service(B.name), NS)).metadata.annotations["prometheus.io/scrape"], "false");
        });

        it("after the delete of mon-a, its target is gone from Prometheus", async () => {
            const pool = serviceMonitorPool(NS, `${A.name}-servicemonitor`);
            assert.ok((await prometheus.poolTargets(pool)).length > 0, "nothing to see go: mon-a's target is not there");
            await waitSucceeded(NS, await submit(NS, DELETE), (DEADLINES.deleteSeconds + 60) * 1000);
            const gone = await poll(
                CONFIG_LOAD_MS,
                async () => ((await prometheus.poolTargets(pool)).length === 0 ? true : undefined),
                1000,
            );
            assert.ok(gone, `mon-a's target is still there: ${JSON.stringify(await prometheus.poolTargets(pool))}`);
        });
    });

    describe("a standalone exporter aimed at an Arkouda outside the cluster", function () {
        it("is scraped the same way: up == 1 and its series carry its serverName and launcher", async () => {
            const name = await submit(NS, DEPLOY_EXPORTER);
            await waitSucceeded(NS, name, 300_000);
            const pool = serviceMonitorPool(NS, EXT.name);
            await waitJobLoaded(pool);
            await waitUp(pool, inNs(EXT.name), 3 * POLLING_SECONDS * 1000 + DISCOVERY_THROTTLE_MS);
            const series = await poll(30_000, async () => {
                const r = await prometheus.query(`arkouda_server_information_info{namespace="${NS}",service="${EXT.name}"}`);
                return r.length > 0 ? r : undefined;
            });
            assert.ok(series, "no Arkouda series from the outside server");
            assert.strictEqual(series[0].metric.arkouda_instance, EXT.serverName);
            assert.strictEqual(series[0].metric.launcher, EXT.launcher);
            assert.strictEqual(series[0].metric.arkouda_server_name, EXT.serverName);
        });

        it("its delete takes the target away", async () => {
            await waitSucceeded(NS, await submit(NS, DELETE_EXPORTER), 300_000);
            const pool = serviceMonitorPool(NS, EXT.name);
            const gone = await poll(
                CONFIG_LOAD_MS,
                async () => ((await prometheus.poolTargets(pool)).length === 0 ? true : undefined),
                1000,
            );
            assert.ok(gone, `the exporter's target is still there: ${JSON.stringify(await prometheus.poolTargets(pool))}`);
        });
    });

    describe("a namespace whose instances and exporters all have the ServiceMonitor off", function () {
        let offController: WorkflowController;

        before(async function () {
            await controller.stop();
            offController = new WorkflowController(NS_OFF, path.join(dir, "workflow-controller-off.log"));
            await offController.start();
        });

        after(async function () {
            await offController?.stop();
        });

        it("its workflow Role grants nothing on ServiceMonitors (no prometheus-operator CRD is needed)", async () => {
            const r = await kubectl(
                [
                    "auth",
                    "can-i",
                    "create",
                    "servicemonitors.monitoring.coreos.com",
                    "-n",
                    NS_OFF,
                    `--as=system:serviceaccount:${NS_OFF}:arkouda-workflows`,
                ],
                { check: false },
            );
            assert.strictEqual(r.stdout.trim(), "no");
        });

        it("deploy and delete of the instance and the exporter reach Succeeded (a ServiceMonitor step would fail: 403) and leave no ServiceMonitor", async () => {
            // The instance and the exporter are apart (neither reads the other): each pair at once.
            await Promise.all([
                submit(NS_OFF, DEPLOY).then((name) => waitSucceeded(NS_OFF, name, (DEADLINES.deploySeconds + 60) * 1000)),
                submit(NS_OFF, DEPLOY_EXPORTER).then((name) => waitSucceeded(NS_OFF, name, 300_000)),
            ]);
            const monitors = JSON.parse((await kubectl(["get", "servicemonitors", "-n", NS_OFF, "-o", "json"])).stdout).items;
            assert.deepStrictEqual(monitors, []);
            await Promise.all([
                submit(NS_OFF, DELETE).then((name) => waitSucceeded(NS_OFF, name, (DEADLINES.deleteSeconds + 60) * 1000)),
                submit(NS_OFF, DELETE_EXPORTER).then((name) => waitSucceeded(NS_OFF, name, 300_000)),
            ]);
        });
    });
});
