/**
 * A full cluster must still be able to delete, on the local node with the real scheduler:
 *  - an instance sized to take all of the node's free CPU deploys (its wait steps request
 *    nothing), leaving less than a kubectl step's 50m; its delete Succeeds within its deadline:
 *    its steps are resource steps whose executor containers request no CPU, at the PriorityClass
 *    the stack declares. A delete step that requested CPU (a kubectl container, 50m) would stay
 *    Pending here unless it preempted: the request assertion fails;
 *  - a delete run `pulumi up` waits for, whose step pods no node can take (a node selector
 *    nobody matches), fails within its deadline plus DEADLINE_MARGIN_SECONDS, and `pulumi up`'s error
 *    names the scheduler's reason the step waited with (Argo replaces it at the deadline).
 *    Argo v4.0.5 does not look at a Workflow whose pods are all Pending until its 20-minute
 *    resync: without the wait's nudge at the deadline the duration assertion fails; without the
 *    reason kept while polling, the message assertion.
 */
import * as assert from "assert";
import * as path from "path";
import { testEnv } from "../harness";
import { errorText, PulumiProject } from "../pulumi";
import { kubectl, listObjects, log, summarizeWorkflow, WorkflowController } from "../argo/kube";
import { DELETE, DEPLOY, namespacedKinds, requireNode, standinRefs, submit, waitGone, waitSucceeded } from "./node-lib";
import { DEADLINE_MARGIN_SECONDS, freeCpuMillis, watchWorkflow, workflowSeconds } from "./placement-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-full-${RUN_ID}`;
const I = "ark-full";
/** The unschedulable delete ends at its deadline: short, but three times a preempting delete here (the suite runs alone). */
const DEADLINES = { deploySeconds: 300, deleteSeconds: 45, localeReadySeconds: 120, serverReadySeconds: 120 };
/** The CPU a kubectl step requests (components/workflow-templates/steps.ts). */
const STEP_CPU_MILLIS = 50;

describe("a full node can still delete (local node, real scheduler)", function () {
    this.timeout(900_000);
    let project: PulumiProject;
    let controller: WorkflowController;
    let nodeName: string;
    let kinds: string[];
    let instance: Record<string, unknown>;
    let config: Record<string, unknown>;

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        const refs = await standinRefs();
        nodeName = (await requireNode([refs.server])).metadata.name;
        kinds = await namespacedKinds();
        // Server and one locale share what is free, so less than a kubectl step is left.
        const free = await freeCpuMillis(nodeName);
        const perPod = Math.floor((free - STEP_CPU_MILLIS / 2) / 2);
        assert.ok(perPod >= 100, `node ${nodeName} has only ${free}m CPU free; the test needs 250m`);
        log(`full node: ${free}m CPU free, the instance takes 2 x ${perPod}m`);
        instance = {
            name: I,
            locales: 1,
            cpu: `${perPod}m`,
            memory: "256Mi",
            chapel: { numThreadsPerLocale: 1, memMax: 100000000 },
            metrics: { enabled: false },
            schedules: { deploy: { suspend: true }, delete: { suspend: true } },
        };
        config = {
            namespace: NS,
            deadlines: DEADLINES,
            instances: [instance],
            clusters: [{ name: "node", kubeconfig: testEnv().kubeconfig }],
        };
        project = await PulumiProject.create("node-full", "it-full");
        project.writeConfig(config);
        await project.up();
        controller = new WorkflowController(NS, path.join(testEnv().tmpRoot, "node-full", "workflow-controller.log"));
        await controller.start();
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && controller) log(`workflow-controller log (tail):\n${controller.tail(40)}`);
    });

    after(async function () {
        await controller?.stop();
        if (project && process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await project.cleanUp([NS]);
        await kubectl(["delete", "priorityclass", `arkouda-workflows-delete-${NS}`, "--ignore-not-found"], { check: false });
    });

    it("the instance deploys and leaves the node less CPU than a delete step requests", async () => {
        await waitSucceeded(NS, await submit(NS, DEPLOY), (DEADLINES.deploySeconds + 60) * 1000);
        const free = await freeCpuMillis(nodeName);
        assert.ok(free < STEP_CPU_MILLIS, `${free}m CPU is still free: the node is not full, the delete below proves nothing`);
    });

    it("its delete Succeeds within its deadline, its steps requesting no CPU at the delete class, and leaves nothing", async () => {
        const name = await submit(NS, DELETE);
        const { wf, pods } = await watchWorkflow(NS, name, (DEADLINES.deleteSeconds + DEADLINE_MARGIN_SECONDS) * 1000);
        assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
        assert.ok(workflowSeconds(wf) <= DEADLINES.deleteSeconds, `${workflowSeconds(wf)}s`);
        const steps = [...pods.values()];
        assert.ok(steps.length > 0, "no step pod was seen");
        for (const pod of steps) {
            assert.strictEqual(pod.spec.priorityClassName, `arkouda-workflows-delete-${NS}`, pod.metadata.name);
            assert.strictEqual(pod.spec.priority, 1000, pod.metadata.name);
        }
        // Resource steps: their executor containers request no CPU, so the full node takes them.
        for (const pod of steps) {
            const requests = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: any) => c.resources?.requests?.cpu);
            assert.deepStrictEqual(
                requests.filter((r) => r !== undefined),
                [],
                `${pod.metadata.name} requests CPU: it would need a preemption on this node`,
            );
        }
        await waitGone(NS, I, kinds);
    });

    it("a delete run whose step pods no node can take fails within its deadline plus the margin, and pulumi up names the scheduler's reason", async () => {
        // The stack's step pods now ask for a node nobody has, and `pulumi up` submits and waits for a delete.
        project.writeConfig({
            ...config,
            workflowPods: { nodeSelector: { "arkouda-it/no-such-node": "true" } },
            instances: [{ ...instance, run: { action: "delete", wait: true, timeoutSeconds: DEADLINES.deleteSeconds + 300 } }],
        });
        const outcome = await project.up({ check: false });
        assert.notStrictEqual(outcome.exec.code, 0, "pulumi up succeeded although its delete run cannot");
        const [wf] = await listObjects("workflows", NS, "arkouda-workflows/run=delete");
        assert.ok(wf, "no delete run Workflow");
        assert.strictEqual(wf.status?.phase, "Failed", summarizeWorkflow(wf));
        const seconds = workflowSeconds(wf);
        assert.ok(
            seconds <= DEADLINES.deleteSeconds + DEADLINE_MARGIN_SECONDS,
            `failed after ${seconds}s, deadline ${DEADLINES.deleteSeconds}s + ${DEADLINE_MARGIN_SECONDS}s\n${controller.linesAbout(wf.metadata.name).slice(-20).join("\n")}`,
        );
        const text = errorText(outcome);
        assert.match(text, /while Pending, delete-objects: Unschedulable: .*didn't match Pod's node affinity\/selector/, text.slice(-2000));
        log(`unschedulable delete run: failed after ${seconds}s`);
    });
});
