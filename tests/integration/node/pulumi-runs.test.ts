/**
 * Declared runs through the real Pulumi engine, run to their end on the local node by the real
 * workflow-controller:
 *  - `pulumi up` with a declared deploy run and `wait: true` returns once the run Succeeded (and
 *    the instance serves);
 *  - a run that fails makes `pulumi up` fail with the run's own message;
 *  - `pulumi destroy` after a successful run leaves the namespace without any object of the
 *    program or of its runs.
 * The namespace is created outside the stack (createNamespace: false) so that what is left in it
 * after the destroy can be inspected.
 */
import * as assert from "assert";
import * as path from "path";
import { testEnv } from "../harness";
import { errorText, PulumiProject } from "../pulumi";
import { createNamespace, deleteNamespace, kubectl, listObjects, log, summarizeWorkflow, waitFor, WorkflowController } from "../argo/kube";
import { namespacedKinds, probeFromPod, requireNode, standinRefs, SMALL_INSTANCE } from "./node-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-runs-${RUN_ID}`;
const P = "ark-p";
const Q = "ark-q";
const DEADLINES = { deploySeconds: 240, deleteSeconds: 120, localeReadySeconds: 90, serverReadySeconds: 60 };
const small = SMALL_INSTANCE;

function config(kubeconfig: string, withFailingRun: boolean): Record<string, unknown> {
    return {
        namespace: NS,
        createNamespace: false,
        deadlines: DEADLINES,
        instances: [
            { name: P, ...small, run: { action: "deploy", wait: true, timeoutSeconds: 600 } },
            // No image of this tag exists on the node and it may not be pulled: the locales never start.
            ...(withFailingRun
                ? [
                      {
                          name: Q,
                          ...small,
                          version: "v0.0.0-not-built",
                          imagePullPolicy: "Never",
                          run: { action: "deploy", wait: true, timeoutSeconds: 600 },
                      },
                  ]
                : []),
        ],
        clusters: [{ name: "node", kubeconfig }],
    };
}

describe("declared runs with pulumi on the local node", function () {
    this.timeout(900_000);
    let project: PulumiProject;
    let controller: WorkflowController;
    let serverImage: string;

    const runsOf = async (instance: string) =>
        listObjects("workflows", NS, `arkouda-workflows/run=deploy`).then((l) =>
            l.filter((w) => w.metadata.name.startsWith(`${instance}-deploy-`)),
        );

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        const refs = await standinRefs();
        serverImage = refs.server;
        await requireNode([refs.server]);
        await createNamespace(NS);
        controller = new WorkflowController(NS, path.join(testEnv().tmpRoot, `node-runs-controller.log`));
        await controller.start();
        project = await PulumiProject.create("node-runs", "it-node-runs");
    });

    after(async function () {
        await controller?.stop();
        if (project) await project.cleanUp([]);
        if (process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await deleteNamespace(NS);
    });

    describe("a declared deploy run with wait: true", function () {
        let upReturned = 0;
        let code = -1;
        let output = "";

        before(async function () {
            project.writeConfig(config(testEnv().kubeconfig, false));
            const outcome = await project.up({ check: false });
            upReturned = Date.now();
            code = outcome.exec.code;
            output = `${outcome.exec.stdout}\n${outcome.exec.stderr}`;
        });

        it("pulumi up succeeds", () => {
            assert.strictEqual(code, 0, output.slice(-3000));
        });

        it("returns only after the run Succeeded", async () => {
            const [wf] = await runsOf(P);
            assert.ok(wf, "no run Workflow");
            assert.strictEqual(wf.status?.phase, "Succeeded", summarizeWorkflow(wf));
            assert.ok(
                Date.parse(wf.status.finishedAt) <= upReturned,
                `the run finished at ${wf.status.finishedAt}, after pulumi up returned at ${new Date(upReturned).toISOString()}`,
            );
        });

        it("the instance serves once pulumi up returned", async () => {
            assert.deepStrictEqual(await probeFromPod(NS, serverImage, P, 5555), { phase: "Succeeded", log: "imok" });
        });
    });

    describe("a declared run that fails", function () {
        it("makes pulumi up fail with the run's own message", async () => {
            project.writeConfig(config(testEnv().kubeconfig, true));
            const outcome = await project.up({ check: false, json: true });
            assert.notStrictEqual(outcome.exec.code, 0, "pulumi up succeeded although the run cannot");
            const [wf] = await runsOf(Q);
            assert.ok(wf, "no run Workflow for the failing instance");
            assert.ok(["Failed", "Error"].includes(wf.status?.phase), summarizeWorkflow(wf));
            const text = errorText(outcome);
            assert.match(text, new RegExp(`Argo Workflow ${NS}/${wf.metadata.name} ${wf.status.phase}`), text.slice(-2000));
            const message = (wf.status.message ?? "").trim();
            if (message)
                assert.ok(
                    text.includes(message),
                    `pulumi's error does not carry the run's message ${JSON.stringify(message)}:\n${text.slice(-2000)}`,
                );
            else {
                // A failed step's pods carry the cause; its Retry and DAG nodes only say that it failed.
                const failing = Object.values<any>(wf.status.nodes ?? {}).filter(
                    (n) => n.type === "Pod" && ["Failed", "Error"].includes(n.phase) && n.message,
                );
                assert.ok(
                    failing.some((n) => text.includes(n.message.trim())),
                    `pulumi's error does not carry the failing step's message:\n${text.slice(-2000)}`,
                );
            }
            log(`failing run: ${text.split("\n").find((l) => l.includes("Argo Workflow")) ?? ""}`);
        });
    });

    describe("pulumi destroy after a successful run", function () {
        it("leaves the namespace without any object of the program or of its runs", async () => {
            const outcome = await project.destroy({ check: false });
            assert.strictEqual(outcome.exec.code, 0, outcome.exec.stderr.slice(-3000));
            const kinds = await namespacedKinds();
            const leftover = async () => {
                const r = await kubectl(["get", kinds.join(","), "-n", NS, "-o", "json", "--ignore-not-found"]);
                return (
                    (JSON.parse(r.stdout).items as any[])
                        .filter((o) => !(o.kind === "ServiceAccount" && o.metadata.name === "default"))
                        .filter(
                            (o) =>
                                !(
                                    o.kind === "ConfigMap" &&
                                    ["kube-root-ca.crt", "workflow-controller-configmap"].includes(o.metadata.name)
                                ),
                        )
                        // The tests' own probe pods.
                        .filter((o) => o.metadata.labels?.["arkouda-workflows/it"] !== "probe")
                        .map((o) => `${o.kind}/${o.metadata.name}`)
                );
            };
            // Owned objects (task results, pods of failed runs) go with their Workflow through the
            // garbage collector: give it a moment.
            let left: string[] = [];
            await waitFor("an empty namespace", 60_000, async () => ((left = await leftover()).length === 0 ? true : undefined)).catch(
                () => undefined,
            );
            assert.deepStrictEqual(left, []);
        });
    });
});
