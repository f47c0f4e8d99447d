/**
 * Every workflow run to its end on the local node (kubelet, containerd, locally built images,
 * the stand-in Arkouda images), driven by the real workflow-controller with the imported argoexec.
 * The namespace's objects come from a real `pulumi up` of a stack with two instances (ark-a:
 * 2 locales, metrics on; ark-b: 1 locale, metrics off) and one standalone exporter reading ark-a's
 * registered metrics Service.
 *
 * The describes run in order and share the namespace. Two runs that mostly wait start with the
 * suite and their cases read them later: the deploy that cannot become ready (it ends at its
 * deadline, minutes in) and the CronWorkflow's (it fires at the next minute).
 *  - deploy (metrics on) reaches Succeeded within its deadline, and Succeeded means serving: the
 *    server registered its Service + Endpoints, a pod gets `imok` through the client Service, the
 *    server reached every locale over ssh, the sidecar exporter serves the polled metrics;
 *  - a second deploy right after it succeeds and the instance still serves;
 *  - the standalone exporter's deploy serves /metrics; its delete leaves nothing;
 *  - delete reaches Succeeded and nothing of the instance is left, of any kind;
 *  - neither delete waits out its pods' long grace period: SIGTERM ends the exporter;
 *  - a delete of an absent instance succeeds;
 *  - deploy with metrics off reaches Succeeded over a leftover `<instance>` Service + Endpoints
 *    (which would make the real server's registration fail with 409) and serves;
 *  - a deploy that cannot become ready (its image is not on the node) fails at its deadline, no
 *    server step succeeds, and its exit handler leaves nothing behind;
 *  - a CronWorkflow fires and its Workflow reaches Succeeded;
 *  - a deploy and a delete of one instance submitted together never overlap.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { getObject, kubectl, listObjects, log, summarizeWorkflow, WorkflowController } from "../argo/kube";
import {
    DELETE,
    DELETE_EXPORTER,
    DEPLOY,
    DEPLOY_EXPORTER,
    cronWorkflowRun,
    httpFromPod,
    namespacedKinds,
    objectsOf,
    probeFromPod,
    requireNode,
    setParameter,
    standinRefs,
    stepTimings,
    submit,
    waitDone,
    waitGone,
    waitSucceeded,
    SMALL_EXPORTER,
    SMALL_PODS,
    SMALL_SIDECAR,
} from "./node-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-it-${RUN_ID}`;
const A = "ark-a";
const B = "ark-b";
/** The deploy that cannot become ready. */
const C = "ark-c";
/** The CronWorkflow that fires, and the instance it deploys. */
const CRON_PROBE = "cron-fires";
const CRON_INSTANCE = "ark-cron";
const EXPORTER = "exp";
const EXPORTER_SERVER_NAME = "ark-a-seen-by-exp";
const DEADLINES = { deploySeconds: 300, deleteSeconds: 180, localeReadySeconds: 90, serverReadySeconds: 90 };
/**
 * The grace period of ark-a's and the exporter's pods: a delete that finishes well inside it
 * was not held by an exporter ignoring SIGTERM (as its container's PID 1 it would be, until the
 * kubelet's SIGKILL at the end of the grace period).
 */
const LONG_GRACE_SECONDS = 120;
const LONG_GRACE = { pods: { terminationGracePeriodSeconds: LONG_GRACE_SECONDS } } as const;

function stackConfig(kubeconfig: string): Record<string, unknown> {
    const suspended = { deploy: { suspend: true }, delete: { suspend: true } };
    return {
        namespace: NS,
        deadlines: DEADLINES,
        instances: [
            {
                name: A,
                locales: 2,
                ...SMALL_PODS,
                ...LONG_GRACE,
                metrics: { enabled: true, pollingIntervalSeconds: 2, ...SMALL_SIDECAR },
                schedules: suspended,
            },
            { name: B, locales: 1, ...SMALL_PODS, metrics: { enabled: false }, schedules: suspended },
        ],
        exporters: [
            {
                name: EXPORTER,
                serverName: EXPORTER_SERVER_NAME,
                metricsServiceHost: `${A}-metrics`,
                pollingIntervalSeconds: 2,
                ...SMALL_EXPORTER,
                ...LONG_GRACE,
            },
        ],
        clusters: [{ name: "node", kubeconfig }],
    };
}

describe("workflows on the local node (stand-in Arkouda images)", function () {
    this.timeout(900_000);
    let project: PulumiProject;
    let controller: WorkflowController;
    let refs: { server: string; exporter: string };
    let kinds: string[];
    let dir: string;
    let failed = false;
    /** The runs started with the suite, read by their cases (see the header). */
    let cannotBecomeReady: Promise<any>;
    let cronRun: Promise<any>;

    /** A Workflow with exactly the parameters of an instance's CronWorkflow (`argo submit --from cronworkflow/...`). */
    async function submitLike(cron: string, overrides: Record<string, string> = {}, prefix?: string): Promise<string> {
        const c = await getObject("cronworkflow", cron, NS);
        assert.ok(c, `CronWorkflow ${cron} is missing`);
        const params = structuredClone(c.spec.workflowSpec.arguments?.parameters ?? []);
        for (const [k, v] of Object.entries(overrides)) setParameter(params, k, v);
        const wf = {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Workflow",
            metadata: { generateName: `${prefix ?? c.spec.workflowSpec.workflowTemplateRef.name}-`, namespace: NS },
            spec: { ...c.spec.workflowSpec, arguments: { parameters: params } },
        };
        const r = await kubectl(["create", "-n", NS, "-f", "-", "-o", "json"], { input: JSON.stringify(wf) });
        return JSON.parse(r.stdout).metadata.name;
    }

    /** ark-c's deploy: its image tag is not on the node and may not be pulled, so its pods never start. The finished Workflow. */
    async function deployThatCannotBecomeReady(): Promise<any> {
        const name = await submit(NS, DEPLOY, {
            "instance-name": C,
            "server-name": C,
            "arkouda-version": "v0.0.0-not-built",
            "image-pull-policy": "Never",
        });
        // The workflow ends at the server step's bound (localeReadySeconds + serverReadySeconds,
        // below deploySeconds), then its exit handler runs.
        return waitDone(NS, name, (DEADLINES.deploySeconds + 120) * 1000);
    }

    async function serverLog(instance: string): Promise<string> {
        return (await kubectl(["logs", `${instance}-server`, "-n", NS, "-c", "arkouda-udp-server"], { check: false })).stdout;
    }

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        refs = await standinRefs();
        await requireNode([refs.server, refs.exporter]);
        kinds = await namespacedKinds();
        project = await PulumiProject.create("node-workflows", "it-node");
        project.writeConfig(stackConfig(testEnv().kubeconfig));
        await project.up();
        dir = path.join(testEnv().tmpRoot, "node-workflows");
        fs.mkdirSync(dir, { recursive: true });
        controller = new WorkflowController(NS, path.join(dir, "workflow-controller.log"));
        await controller.start();
        log(`node tests: namespace ${NS}, controller log ${controller.logFile}`);
        cannotBecomeReady = deployThatCannotBecomeReady();
        cronRun = cronWorkflowRun(NS, `${B}-deploy`, CRON_PROBE, { "instance-name": CRON_INSTANCE }, (DEADLINES.deploySeconds + 60) * 1000);
        // Read by their cases; a rejection before then is reported there, not as unhandled.
        for (const run of [cannotBecomeReady, cronRun]) run.catch(() => undefined);
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed") {
            failed = true;
            if (controller) log(`workflow-controller log (tail):\n${controller.tail(30)}`);
        }
    });

    after(async function () {
        await controller?.stop();
        if (failed) log(`kept the controller log ${controller?.logFile}`);
        if (project && process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await project.cleanUp([NS]);
    });

    describe(`deploy ${A} (metrics on)`, function () {
        let wf: any;

        before(async function () {
            // The template's defaults are the first instance's: exactly `argo submit --from workflowtemplate/...`.
            const name = await submit(NS, DEPLOY);
            wf = await waitDone(NS, name, (DEADLINES.deploySeconds + 60) * 1000);
        });

        it("reaches Succeeded within its deadline", async () => {
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
            const seconds = (Date.parse(wf.status.finishedAt) - Date.parse(wf.status.startedAt)) / 1000;
            assert.ok(seconds < DEADLINES.deploySeconds, `${seconds}s`);
            log(`deploy ${A}: ${seconds}s`);
        });

        it("the server registered a selector-less Service and Endpoints with its pod IP (registration succeeded)", async () => {
            const pod = await getObject("pod", `${A}-server`, NS);
            const svc = await getObject("service", A, NS);
            const ep = await getObject("endpoints", A, NS);
            assert.ok(svc && ep, "client Service/Endpoints missing");
            assert.strictEqual(svc.spec.selector, undefined);
            assert.deepStrictEqual(
                ep.subsets[0].addresses.map((a: any) => a.ip),
                [pod.status.podIP],
            );
            assert.ok(await getObject("service", `${A}-metrics`, NS), "metrics Service missing (metrics daemon on)");
        });

        it("a pod connects to the instance's client Service and gets an answer (imok)", async () => {
            const r = await probeFromPod(NS, refs.server, A, 5555);
            assert.deepStrictEqual(r, { phase: "Succeeded", log: "imok" });
        });

        it("the server reached every locale over ssh: itself and each locale pod", async () => {
            const text = await serverLog(A);
            const server = await getObject("pod", `${A}-server`, NS);
            const locales = (await listObjects("pods", NS, `app=${A}-locale`)).map((p) => p.status.podIP).sort();
            assert.strictEqual(locales.length, 2);
            const reached = [...text.matchAll(/locale (\d+) of (\d+) reached over ssh on host (\S+)/g)].map((m) => ({
                id: Number(m[1]),
                of: Number(m[2]),
                host: m[3],
            }));
            assert.deepStrictEqual(
                reached.map((r) => r.id),
                [0, 1, 2],
                text,
            );
            assert.ok(reached.every((r) => r.of === 3));
            assert.strictEqual(reached[0].host, server.status.podIP);
            assert.deepStrictEqual(
                reached
                    .slice(1)
                    .map((r) => r.host)
                    .sort(),
                locales,
            );
        });

        it("the metrics sidecar serves the polled metrics on the exporter Service", async () => {
            const r = await httpFromPod(NS, refs.server, `http://${A}-metrics-exporter:5080/metrics`);
            assert.strictEqual(r.phase, "Succeeded", r.log);
            assert.match(r.log, /arkouda_server_information_info\{.*arkouda_number_of_locales="3"/);
        });
    });

    describe("a second deploy right after a deploy", function () {
        it("reaches Succeeded and the instance still serves", async () => {
            const name = await submit(NS, DEPLOY);
            const wf = await waitSucceeded(NS, name, (DEADLINES.deploySeconds + 60) * 1000);
            assert.strictEqual(wf.status.phase, "Succeeded");
            assert.deepStrictEqual(await probeFromPod(NS, refs.server, A, 5555), { phase: "Succeeded", log: "imok" });
        });
    });

    describe(`the standalone exporter ${EXPORTER} (reads ${A}'s registered metrics Service)`, function () {
        it("deploy reaches Succeeded with its Deployment ready", async () => {
            const name = await submit(NS, DEPLOY_EXPORTER);
            await waitSucceeded(NS, name, 300_000);
            const d = await getObject("deployment", EXPORTER, NS);
            assert.strictEqual(d.status.readyReplicas, 1);
        });

        it("serves /metrics polled from the instance, labelled with its serverName", async () => {
            const r = await httpFromPod(NS, refs.server, `http://${EXPORTER}:5080/metrics`);
            assert.strictEqual(r.phase, "Succeeded", r.log);
            // Arkouda reports no SERVER metric, so arkouda_number_of_connections never has a sample.
            assert.match(r.log, /arkouda_memory_used_per_locale\{/);
            assert.match(
                r.log,
                new RegExp(`arkouda_server_information_info\\{arkouda_server_name="${EXPORTER_SERVER_NAME}"`),
                r.log.slice(0, 1500),
            );
        });

        it(`delete reaches Succeeded and nothing of the exporter is left, well inside its pod's ${LONG_GRACE_SECONDS} s grace period (SIGTERM ends the exporter)`, async () => {
            const started = Date.now();
            const name = await submit(NS, DELETE_EXPORTER);
            await waitSucceeded(NS, name, 300_000);
            await waitGone(NS, EXPORTER, kinds);
            const seconds = (Date.now() - started) / 1000;
            log(`delete ${EXPORTER}: ${seconds}s until nothing was left`);
            assert.ok(seconds < LONG_GRACE_SECONDS / 2, `${seconds}s: the exporter pod waited out its grace period`);
        });
    });

    describe(`delete ${A}`, function () {
        it("reaches Succeeded and nothing of the instance is left, of any kind (registered Services and Endpoints included)", async () => {
            assert.ok((await objectsOf(NS, A, kinds)).length > 0, "nothing to delete: the deploy did not leave the instance");
            const name = await submit(NS, DELETE);
            const wf = await waitSucceeded(NS, name, (DEADLINES.deleteSeconds + 60) * 1000);
            await waitGone(NS, A, kinds);
            const seconds = (Date.parse(wf.status.finishedAt) - Date.parse(wf.status.startedAt)) / 1000;
            log(`delete ${A}: ${seconds}s`);
            assert.ok(
                seconds < LONG_GRACE_SECONDS / 2,
                `${seconds}s against the server pod's ${LONG_GRACE_SECONDS} s grace period: its exporter sidecar waited it out`,
            );
        });

        it("a delete of an absent instance reaches Succeeded", async () => {
            const name = await submit(NS, DELETE, { "instance-name": "never-deployed" });
            const wf = await waitDone(NS, name, 300_000);
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
        });
    });

    describe(`deploy ${B} (metrics off)`, function () {
        before(async function () {
            // A Service and Endpoints left over from an earlier run of the instance (the real
            // server's registration POST would get 409 and it would never serve).
            for (const kind of ["Service", "Endpoints"]) {
                const spec =
                    kind === "Service"
                        ? { spec: { ports: [{ port: 5555 }] } }
                        : { subsets: [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ port: 5555 }] }] };
                await kubectl(["create", "-n", NS, "-f", "-"], {
                    input: JSON.stringify({ apiVersion: "v1", kind, metadata: { name: B }, ...spec }),
                });
            }
        });

        it("reaches Succeeded over a leftover Service and Endpoints, serves through its client Service, and registers no metrics Service", async () => {
            const name = await submitLike(`${B}-deploy`);
            const wf = await waitSucceeded(NS, name, (DEADLINES.deploySeconds + 60) * 1000);
            assert.ok((Date.parse(wf.status.finishedAt) - Date.parse(wf.status.startedAt)) / 1000 < DEADLINES.deploySeconds);
            assert.deepStrictEqual(await probeFromPod(NS, refs.server, B, 5555), { phase: "Succeeded", log: "imok" });
            assert.strictEqual(await getObject("service", `${B}-metrics`, NS), undefined);
            assert.match(await serverLog(B), /locale 1 of 2 reached over ssh/);
            const server = await getObject("pod", `${B}-server`, NS);
            assert.deepStrictEqual(
                (await getObject("endpoints", B, NS)).subsets[0].addresses.map((a: any) => a.ip),
                [server.status.podIP],
            );
        });

        it("its delete leaves nothing", async () => {
            const name = await submitLike(`${B}-delete`);
            await waitSucceeded(NS, name, (DEADLINES.deleteSeconds + 60) * 1000);
            await waitGone(NS, B, kinds);
        });
    });

    describe("a deploy that cannot become ready", function () {
        let wf: any;

        before(async function () {
            wf = await cannotBecomeReady;
        });

        it("fails", async () => {
            assert.strictEqual(wf.status.phase, "Failed", summarizeWorkflow(wf));
        });

        it("fails at its deadline: the locale step ends after localeReadySeconds, not before, and no server step succeeds", async () => {
            const step = stepTimings(wf).find((s) => s.step === "deploy-locales");
            assert.ok(step, summarizeWorkflow(wf));
            assert.notStrictEqual(step.phase, "Succeeded");
            const seconds = (step.finishedAt - step.startedAt) / 1000;
            assert.ok(
                seconds >= DEADLINES.localeReadySeconds - 5,
                `deploy-locales ended after ${seconds}s, before its ${DEADLINES.localeReadySeconds}s deadline`,
            );
            // The server step runs beside the locales; its pod cannot start either.
            const servers = stepTimings(wf).filter((s) => s.step.startsWith("deploy-server"));
            assert.ok(servers.length > 0, `no server step ran beside the locales: ${summarizeWorkflow(wf)}`);
            assert.ok(
                servers.every((s) => s.phase !== "Succeeded"),
                `a server step succeeded although the locales never became ready: ${summarizeWorkflow(wf)}`,
            );
        });

        it("its exit handler leaves nothing of the instance behind", async () => {
            const cleanUp = Object.values(wf.status.nodes).filter((n: any) => n.displayName === "clean-up-failed-deploy");
            assert.ok(cleanUp.length === 1 && (cleanUp[0] as any).phase === "Succeeded", summarizeWorkflow(wf));
            await waitGone(NS, C, kinds);
        });
    });

    describe("a CronWorkflow", function () {
        it("fires and its Workflow reaches Succeeded", async () => {
            try {
                const wf = await cronRun;
                assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
                assert.strictEqual(wf.spec.workflowTemplateRef.name, DEPLOY);
                assert.deepStrictEqual(await probeFromPod(NS, refs.server, CRON_INSTANCE, 5555), { phase: "Succeeded", log: "imok" });
            } finally {
                await kubectl(["delete", "cronworkflow", CRON_PROBE, "-n", NS, "--ignore-not-found"], { check: false });
                const del = await submitLike(`${B}-delete`, { "instance-name": CRON_INSTANCE });
                await waitDone(NS, del, 300_000);
            }
        });
    });

    describe("a deploy and a delete of one instance submitted together", function () {
        it("never overlap: every step of one ends before the first step of the other starts", async () => {
            const D = "ark-d";
            const [deploy, del] = await Promise.all([
                submitLike(`${B}-deploy`, { "instance-name": D }),
                submitLike(`${B}-delete`, { "instance-name": D }),
            ]);
            const [a, b] = await Promise.all([waitDone(NS, deploy, 600_000), waitDone(NS, del, 600_000)]);
            assert.strictEqual(a.status.phase, "Succeeded", summarizeWorkflow(a));
            assert.strictEqual(b.status.phase, "Succeeded", summarizeWorkflow(b));
            const ta = stepTimings(a);
            const tb = stepTimings(b);
            assert.ok(ta.length >= 3 && tb.length >= 1, `${ta.length} deploy steps, ${tb.length} delete steps`);
            const span = (t: typeof ta) => ({
                start: Math.min(...t.map((s) => s.startedAt)),
                end: Math.max(...t.map((s) => s.finishedAt)),
            });
            const sa = span(ta);
            const sb = span(tb);
            assert.ok(
                sa.end <= sb.start || sb.end <= sa.start,
                `overlap: deploy ${new Date(sa.start).toISOString()}..${new Date(sa.end).toISOString()}, delete ${new Date(sb.start).toISOString()}..${new Date(sb.end).toISOString()}`,
            );
            // Whichever ran last decides what is left; clean up either way.
            const last = await submitLike(`${B}-delete`, { "instance-name": D });
            await waitSucceeded(NS, last, 300_000);
            await waitGone(NS, D, kinds);
        });
    });
});
