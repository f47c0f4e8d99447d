/**
 * Steps that talk to the API server, on the local node with the real controller:
 *  - the API server refuses the pods' connections (a TCP reset on the pod bridge: to a step,
 *    an API server that is down; the controller and kubelet reach it over loopback and keep
 *    working) while a deploy's first step runs its first attempt; once that attempt has failed
 *    the API server is reachable again, and the deploy Succeeds, its first step after a retry
 *    (without `retryStrategy` the first attempt's failure fails the deploy: the phase assertion).
 *    The fault is timed by the step's own failure, not by a sleep: stopping the API server
 *    process instead cannot be aimed at a kubectl call that takes under a second;
 *  - the workflow Role loses its grant on Services: the deploy fails after one attempt of the
 *    step that applies them, whose message names the forbidden verb and resource (retrying
 *    Forbidden as well: the attempt-count assertion); its other steps, side by side, ran, and the
 *    clean-up removes what they created. The Role is put back in `after`, as is the rule.
 */
import * as assert from "assert";
import * as path from "path";
import { testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { attempts, kubectl, kubectlJson, log, sleep, summarizeWorkflow, WorkflowController } from "../argo/kube";
import { DEPLOY, namespacedKinds, requireNode, standinRefs, submit, waitGone, workflow, SMALL_INSTANCE } from "./node-lib";
import { PodApiBlock, watchWorkflow } from "./placement-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-retry-${RUN_ID}`;
const I = "ark-retry";
/** The step that applies the Services: a kubectl container, among the deploy's first steps. */
const FIRST_STEP = "apply-services";
const DEADLINES = { deploySeconds: 300, deleteSeconds: 120, localeReadySeconds: 90, serverReadySeconds: 90 };
const WORKFLOW_ROLE = "arkouda-workflows";

/** The attempts of a step that retries: the Pod nodes whose parent is its Retry node, oldest first. */
describe("steps that talk to the API server retry what a passing outage fails (local node)", function () {
    this.timeout(900_000);
    let project: PulumiProject;
    let controller: WorkflowController;
    let kinds: string[];
    let block: PodApiBlock;
    let savedRole: any;

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        block = new PodApiBlock();
        const refs = await standinRefs();
        await requireNode([refs.server]);
        kinds = await namespacedKinds();
        project = await PulumiProject.create("node-retries", "it-retries");
        project.writeConfig({
            namespace: NS,
            deadlines: DEADLINES,
            instances: [
                {
                    name: I,
                    ...SMALL_INSTANCE,
                },
            ],
            clusters: [{ name: "node", kubeconfig: testEnv().kubeconfig }],
        });
        await project.up();
        controller = new WorkflowController(NS, path.join(testEnv().tmpRoot, "node-retries", "workflow-controller.log"));
        await controller.start();
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && controller) log(`workflow-controller log (tail):\n${controller.tail(40)}`);
    });

    after(async function () {
        await block?.remove();
        if (savedRole) await kubectl(["replace", "-f", "-"], { input: JSON.stringify(savedRole), check: false });
        await controller?.stop();
        if (project && process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await project.cleanUp([NS]);
        await kubectl(["delete", "priorityclass", `arkouda-workflows-delete-${NS}`, "--ignore-not-found"], { check: false });
    });

    describe("an API server that refuses the first attempt of a deploy's first step", function () {
        let wf: any;

        before(async function () {
            await block.add();
            const name = await submit(NS, DEPLOY);
            try {
                // Until the first attempt's kubectl has failed (its pod's status reaches the API server over loopback).
                const deadline = Date.now() + 120_000;
                for (;;) {
                    const first = Object.values<any>((await workflow(NS, name))?.status?.nodes ?? {}).find(
                        (n) => n.type === "Pod" && n.displayName.startsWith(FIRST_STEP) && ["Failed", "Error"].includes(n.phase),
                    );
                    const pods = await kubectlJson<{ items: any[] }>([
                        "get",
                        "pods",
                        "-n",
                        NS,
                        "-l",
                        `workflows.argoproj.io/workflow=${name}`,
                    ]);
                    const exited = pods.items.some((p) =>
                        (p.status?.containerStatuses ?? []).some(
                            (c: any) => c.name === "main" && c.state?.terminated && c.state.terminated.exitCode !== 0,
                        ),
                    );
                    if (first || exited) break;
                    if (Date.now() > deadline)
                        throw new Error(`the first attempt of ${FIRST_STEP} did not fail with the API server unreachable`);
                    await sleep(500);
                }
            } finally {
                await block.remove();
            }
            wf = (await watchWorkflow(NS, name, (DEADLINES.deploySeconds + 60) * 1000)).wf;
        });

        it("the deploy Succeeds", () => {
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
        });

        it("its first step succeeded on a retry, after an attempt that failed to reach the API server", () => {
            const tries = attempts(wf, FIRST_STEP);
            assert.ok(tries.length >= 2, `${tries.length} attempt(s): ${summarizeWorkflow(wf)}`);
            // What the pod sees depends on where the block meets its packets: a reset, or a dial that times out.
            assert.match(
                tries[0].message ?? "",
                /refused|connection reset|i\/o timeout/,
                `first attempt: ${JSON.stringify(tries[0].message)}`,
            );
            assert.strictEqual(tries.at(-1)?.phase, "Succeeded");
            log(`retried deploy: ${tries.length} attempts, the first said ${JSON.stringify(tries[0].message)}`);
        });

        after(async function () {
            const name = await submit(NS, "delete-arkouda-on-kubernetes");
            await watchWorkflow(NS, name, (DEADLINES.deleteSeconds + 60) * 1000);
            await waitGone(NS, I, kinds);
        });
    });

    describe("a workflow Role without its grant on Services", function () {
        let wf: any;

        before(async function () {
            savedRole = await kubectlJson(["get", "role", WORKFLOW_ROLE, "-n", NS]);
            delete savedRole.metadata.resourceVersion;
            delete savedRole.metadata.managedFields;
            const rules = savedRole.rules.filter((r: any) => !(r.resources ?? []).includes("services"));
            assert.ok(rules.length < savedRole.rules.length, "the Role grants nothing on services to take away");
            await kubectl(["patch", "role", WORKFLOW_ROLE, "-n", NS, "--type=merge", "-p", JSON.stringify({ rules })]);
            try {
                wf = (
                    await watchWorkflow(
                        NS,
                        await submit(NS, DEPLOY, { "instance-name": "ark-forbidden", "server-name": "ark-forbidden" }),
                        300_000,
                    )
                ).wf;
            } finally {
                await kubectl(["replace", "-f", "-"], { input: JSON.stringify(savedRole) });
                savedRole = undefined;
            }
        });

        it("the deploy fails", () => {
            assert.strictEqual(wf.status.phase, "Failed", summarizeWorkflow(wf));
        });

        it("after one attempt of the step that applies the Services, whose message names the forbidden verb and resource", () => {
            const tries = attempts(wf, FIRST_STEP);
            assert.strictEqual(tries.length, 1, `Forbidden was retried: ${summarizeWorkflow(wf)}`);
            assert.match(
                tries[0].message ?? "",
                /forbidden: User "system:serviceaccount:[^"]+:arkouda-workflows" cannot \w+ resource "services"/,
                tries[0].message,
            );
        });

        it("leaves nothing of the instance", async () => {
            await waitGone(NS, "ark-forbidden", kinds);
        });
    });
});
