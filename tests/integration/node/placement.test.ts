/**
 * Placement on the local node, with the real scheduler: the node is labelled and tainted (both
 * taken off in `after`, whatever happened), the step pods tolerate the taint and select the
 * label through `workflowPods`, the Arkouda pods through `pods` or their own. Every deploy here
 * that fails is checked to leave nothing of its instance. Which assertion fails without what:
 *  - `ark-bare` has no toleration: its deploy fails within its deadline and its `failure-reasons`
 *    output names the untolerated taint (without the exit handler's explanation: that assertion);
 *  - `ark-placed` tolerates the taint: its deploy Succeeds with every knob on the server (and its
 *    exporter sidecar) and locale pods: the node selector (without it the pods would not ask
 *    for the labelled node: the nodeSelector assertion), tolerations, affinity, the priority
 *    class and its priority, the extra labels and annotations; the step pods carry
 *    `workflowPods` and the step priority class; the standalone exporter likewise;
 *  - `spreadLocales: required` with 2 locales on the one node fails, and `failure-reasons`
 *    names the topology spread (without the spread both locales land on the node and the deploy
 *    Succeeds: the phase assertion); `preferred` Succeeds with both on it.
 */
import * as assert from "assert";
import * as path from "path";
import { testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { getObject, kubectl, listObjects, log, summarizeWorkflow, WorkflowController } from "../argo/kube";
import { DEPLOY, DEPLOY_EXPORTER, namespacedKinds, requireNode, standinRefs, submit, waitGone } from "./node-lib";
import { DEADLINE_MARGIN_SECONDS, deployFailureReasons, NodeChanges, watchWorkflow, workflowSeconds } from "./placement-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-place-${RUN_ID}`;
const BARE = "ark-bare";
const PLACED = "ark-placed";
const SPREAD_REQUIRED = "ark-spread-req";
const SPREAD_PREFERRED = "ark-spread-pref";
const EXPORTER = "exp-placed";
/**
 * Two of these deploys end at their deadline (an untolerated taint, a spread no node can hold), at
 * once, so the suite waits out the server step's bound (locale + server ready): short, but well
 * above a deploy here (~30 s; the suite runs alone on the node).
 */
const DEADLINES = { deploySeconds: 100, deleteSeconds: 120, localeReadySeconds: 45, serverReadySeconds: 40 };
const POOL = { key: "arkouda-it/pool", value: `it-${RUN_ID}` };
const TAINT = { key: "arkouda-it/dedicated", value: `it-${RUN_ID}`, effect: "NoSchedule" as const };
const TOLERATION = { key: TAINT.key, operator: "Equal", value: TAINT.value, effect: TAINT.effect };
/** A class for the Arkouda and step pods, below the delete class (1000). */
const PRIORITY_CLASS = `arkouda-it-${RUN_ID}`;
const AFFINITY = {
    nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] } },
        ],
    },
};

function stackConfig(kubeconfig: string): Record<string, unknown> {
    const small = {
        cpu: "100m",
        cpuLimit: "1",
        memory: "256Mi",
        chapel: { numThreadsPerLocale: 1, memMax: 100000000 },
        schedules: { deploy: { suspend: true }, delete: { suspend: true } },
    };
    const tolerating = { tolerations: [TOLERATION] };
    return {
        namespace: NS,
        deadlines: DEADLINES,
        // Every Arkouda pod asks for the labelled node; which of them tolerate its taint is each instance's own.
        pods: { nodeSelector: { [POOL.key]: POOL.value }, priorityClassName: PRIORITY_CLASS },
        workflowPods: { nodeSelector: { [POOL.key]: POOL.value }, tolerations: [TOLERATION], priorityClassName: PRIORITY_CLASS },
        instances: [
            { name: BARE, locales: 1, ...small, metrics: { enabled: false } },
            {
                name: PLACED,
                locales: 1,
                ...small,
                metrics: { enabled: true, exporterCpu: "100m", exporterMemory: "256Mi", pollingIntervalSeconds: 2 },
                pods: { ...tolerating, affinity: AFFINITY, labels: { team: "hpc" }, annotations: { "example.com/owner": "hpc-team" } },
            },
            {
                name: SPREAD_REQUIRED,
                locales: 2,
                ...small,
                metrics: { enabled: false },
                pods: { ...tolerating, spreadLocales: "required" },
            },
            {
                name: SPREAD_PREFERRED,
                locales: 2,
                ...small,
                metrics: { enabled: false },
                pods: { ...tolerating, spreadLocales: "preferred" },
            },
        ],
        exporters: [
            {
                name: EXPORTER,
                metricsServiceHost: `${PLACED}-metrics`,
                pollingIntervalSeconds: 2,
                cpu: "100m",
                memory: "256Mi",
                pods: { ...tolerating, labels: { team: "monitoring" }, annotations: { "example.com/owner": "monitoring" } },
            },
        ],
        clusters: [{ name: "node", kubeconfig }],
    };
}

describe("placement on the local node (labelled and tainted)", function () {
    this.timeout(1_200_000);
    let project: PulumiProject;
    let controller: WorkflowController;
    let node: NodeChanges;
    let kinds: string[];

    /** A deploy of `instance` (the template's parameters where it differs from the first instance, as its CronWorkflow passes them). */
    async function deploy(instance: string) {
        const cron = await getObject("cronworkflow", `${instance}-deploy`, NS);
        const given = Object.fromEntries((cron.spec.workflowSpec.arguments?.parameters ?? []).map((p: any) => [p.name, p.value]));
        const name = await submit(NS, DEPLOY, given as Record<string, string>);
        return watchWorkflow(NS, name, (DEADLINES.deploySeconds + 120) * 1000);
    }

    /**
     * The two deploys that end at their deadline start together in `before` (each instance has a
     * mutex of its own), so the suite waits for one deadline, not two; their cases read them, and
     * come after the deploys that succeed, which run meanwhile.
     */
    let failing: Record<typeof BARE | typeof SPREAD_REQUIRED, Promise<Awaited<ReturnType<typeof deploy>>>>;

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        const refs = await standinRefs();
        const ready = await requireNode([refs.server, refs.exporter]);
        kinds = await namespacedKinds();
        node = new NodeChanges(ready.metadata.name);
        await node.label(POOL.key, POOL.value);
        await node.taint(TAINT.key, TAINT.value, TAINT.effect);
        await kubectl(["create", "priorityclass", PRIORITY_CLASS, "--value=100", "--description=arkouda-workflows placement test"]);
        project = await PulumiProject.create("node-placement", "it-placement");
        project.writeConfig(stackConfig(testEnv().kubeconfig));
        await project.up();
        controller = new WorkflowController(NS, path.join(testEnv().tmpRoot, "node-placement", "workflow-controller.log"));
        await controller.start();
        failing = { [BARE]: deploy(BARE), [SPREAD_REQUIRED]: deploy(SPREAD_REQUIRED) };
        // Read by their cases; a rejection before then is reported there, not as unhandled.
        for (const run of Object.values(failing)) run.catch(() => undefined);
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && controller) log(`workflow-controller log (tail):\n${controller.tail(40)}`);
    });

    after(async function () {
        await controller?.stop();
        // The node first: other suites schedule on it.
        await node?.restore();
        if (project && process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await project.cleanUp([NS]);
        await kubectl(["delete", "priorityclass", PRIORITY_CLASS, `arkouda-workflows-delete-${NS}`, "--ignore-not-found"], {
            check: false,
        });
    });

    describe(`${PLACED}: pods that tolerate it`, function () {
        let watched: Awaited<ReturnType<typeof deploy>>;

        before(async function () {
            watched = await deploy(PLACED);
        });

        it("its deploy Succeeds", async () => {
            assert.strictEqual(watched.wf.status.phase, "Succeeded", summarizeWorkflow(watched.wf));
        });

        it("the server (with its exporter sidecar) and the locale carry every placement knob, on the labelled node", async () => {
            const pods = await listObjects("pods", NS, `app.kubernetes.io/instance=${PLACED}`);
            assert.deepStrictEqual(pods.map((p) => p.metadata.labels["app.kubernetes.io/component"]).sort(), ["locale", "server"]);
            for (const pod of pods) {
                const what = pod.metadata.name;
                assert.strictEqual(pod.spec.nodeName, node.node, what);
                assert.deepStrictEqual(pod.spec.nodeSelector, { [POOL.key]: POOL.value }, what);
                assert.ok(
                    pod.spec.tolerations.some((t: any) => t.key === TAINT.key && t.value === TAINT.value),
                    what,
                );
                assert.deepStrictEqual(pod.spec.affinity, AFFINITY, what);
                assert.deepStrictEqual([pod.spec.priorityClassName, pod.spec.priority], [PRIORITY_CLASS, 100], what);
                assert.strictEqual(pod.metadata.labels.team, "hpc", what);
                assert.strictEqual(pod.metadata.annotations["example.com/owner"], "hpc-team", what);
            }
            const server = pods.find((p) => p.metadata.name === `${PLACED}-server`);
            assert.deepStrictEqual(
                server.spec.initContainers.map((c: any) => c.name),
                ["arkouda-metrics-exporter"],
                "the exporter sidecar runs in the placed server pod",
            );
        });

        it("its step pods ran on the workflow pods' placement, at their class", async () => {
            const steps = [...watched.pods.values()];
            assert.ok(steps.length >= 3, `${steps.length} step pods seen`);
            for (const pod of steps) {
                assert.deepStrictEqual(pod.spec.nodeSelector, { [POOL.key]: POOL.value }, pod.metadata.name);
                assert.ok(
                    pod.spec.tolerations.some((t: any) => t.key === TAINT.key),
                    pod.metadata.name,
                );
                assert.strictEqual(pod.spec.priorityClassName, PRIORITY_CLASS, pod.metadata.name);
            }
        });

        it("the standalone exporter deploys on its own placement", async () => {
            const { wf } = await watchWorkflow(NS, await submit(NS, DEPLOY_EXPORTER), 300_000);
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
            const [pod] = await listObjects("pods", NS, `app=${EXPORTER}`);
            assert.strictEqual(pod.spec.nodeName, node.node);
            assert.deepStrictEqual([pod.spec.priorityClassName, pod.metadata.labels.team], [PRIORITY_CLASS, "monitoring"]);
            assert.strictEqual(pod.metadata.annotations["example.com/owner"], "monitoring");
        });
    });

    describe("spreadLocales on one node", function () {
        it("preferred, with 2 locales, Succeeds with both on the node", async () => {
            const { wf } = await deploy(SPREAD_PREFERRED);
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
            const locales = await listObjects("pods", NS, `app=${SPREAD_PREFERRED}-locale`);
            assert.deepStrictEqual(
                locales.map((p) => p.spec.nodeName),
                [node.node, node.node],
            );
            assert.strictEqual(locales[0].spec.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
        });

        it("required, with 2 locales, fails within its deadline (plus the margin) naming the topology spread, and leaves nothing", async () => {
            const { wf } = await failing[SPREAD_REQUIRED];
            assert.strictEqual(wf.status.phase, "Failed", summarizeWorkflow(wf));
            assert.ok(workflowSeconds(wf) <= DEADLINES.deploySeconds + DEADLINE_MARGIN_SECONDS, `${workflowSeconds(wf)}s`);
            const reasons = deployFailureReasons(wf);
            assert.match(reasons, /PodScheduled=Unschedulable .*topology spread constraints/, reasons);
            await waitGone(NS, SPREAD_REQUIRED, kinds);
        });
    });

    describe(`${BARE}: pods that do not tolerate the node's taint`, function () {
        it("its deploy fails within its deadline (plus the margin), names the untolerated taint, and its exit handler leaves nothing", async () => {
            const { wf } = await failing[BARE];
            assert.strictEqual(wf.status.phase, "Failed", summarizeWorkflow(wf));
            assert.ok(workflowSeconds(wf) <= DEADLINES.deploySeconds + DEADLINE_MARGIN_SECONDS, `${workflowSeconds(wf)}s`);
            const reasons = deployFailureReasons(wf);
            assert.match(
                reasons,
                // The scheduler of this Kubernetes says "had untolerated taint(s)" without naming the taint.
                new RegExp(`${BARE}-locale-\\S+ Pending:.*PodScheduled=Unschedulable .*untolerated taint`),
                reasons,
            );
            log(`${BARE}: failure-reasons ${JSON.stringify(reasons)}`);
            await waitGone(NS, BARE, kinds);
        });
    });
});
