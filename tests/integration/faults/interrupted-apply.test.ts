/**
 * Fault scenario 1 (issue 13): `pulumi up` killed with SIGKILL mid-apply (the CLI, language
 * host, node and plugins: the whole process group, as an OOM kill or a cancelled CI job does),
 * at three points picked by watching the API server and the engine event log, never by time:
 *
 *   1. the first WorkflowTemplate has arrived in the API server (the others are in flight);
 *   2. the first CronWorkflow of a newly added instance has arrived;
 *   3. the engine has started waiting for a run (its WorkflowRunCompletion create began).
 *
 * After each kill the test records what the kill left (lock, pending operations), checks that
 * a plain `pulumi up` is refused with a message naming the fix, runs the recovery the README
 * documents, and compares the cluster with the stack.
 *
 * One stack, three phases: each phase's config adds to the previous one, so each kill lands on
 * a stack that already went through the recovery before it.
 *
 * No Argo controller runs in this namespace: in phase 3 the test stands in for it and marks the
 * run's Workflow Succeeded once the recovery's `pulumi up` is waiting on it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { log, RUN_ID, testEnv } from "../harness";
import { kubectl, listObjects, PulumiProject } from "../pulumi";
import { assertConverged, checkConvergence, Convergence, report } from "./convergence";
import { Background, startPulumi, stepEvent, untilEvent } from "./pulumi-runs";
import { watchAdded } from "./apiserver";
import { smallInstance, dropStack } from "./scenario";

const NS = `it-kill-${RUN_ID}`;

/** The documented recovery after a killed `pulumi up` (README "When things go wrong"). */
export const RECOVERY: readonly (readonly string[])[] = [
    ["cancel", "--yes"],
    ["refresh", "--yes", "--skip-preview", "--clear-pending-creates"],
    ["up", "--yes", "--skip-preview"],
];

interface KillOutcome {
    /** Lock files under the backend right after the kill. */
    locks: string[];
    /** `pending_operations` in the state right after the kill. */
    pending: string[];
    /** The plain `pulumi up` tried first after the kill. */
    plainUp: { code: number; text: string };
    /** Each recovery command and its exit code. */
    recovery: { command: string; code: number; text: string }[];
    convergence: Convergence;
}

describe("faults: pulumi up killed with SIGKILL mid-apply", function () {
    let project: PulumiProject;
    const kubeconfig = () => testEnv().kubeconfig;
    const config = (instances: Record<string, unknown>[]) => ({
        namespace: NS,
        instances,
        clusters: [{ name: "kill", kubeconfig: kubeconfig() }],
    });

    before(async function () {
        project = await PulumiProject.create("kill", "it-kill");
    });

    after(async function () {
        await dropStack(project, [NS]);
    });

    // One lock per run: <backend>/.pulumi/locks/<org>/<project>/<stack>/<uuid>.json (plus a .attrs file beside it).
    const lockFiles = () =>
        project
            .rawStateFiles()
            .map((f) => f.file)
            .filter((f) => /\.pulumi\/locks\/.*\.json$/.test(f));

    async function killAndRecover(
        label: string,
        values: Record<string, unknown>,
        killPoint: (run: Background) => Promise<void>,
        duringUp?: (run: Background) => Promise<void>,
    ): Promise<KillOutcome> {
        project.writeConfig(values);
        const run = startPulumi(project, ["up", "--yes", "--skip-preview"], `kill-${label}`);
        await killPoint(run);
        run.killGroup();
        await run.done;
        // The kill may land while the backend rewrites a checkpoint's metadata sidecar, which
        // gocloud's fileblob writes in place (the checkpoint itself is replaced atomically): an
        // empty `<stack>.json.attrs` makes every command fail with "failed to load checkpoint:
        // EOF". The documented fix (README "When things go wrong"): delete the empty sidecar.
        const truncated = project
            .rawStateFiles()
            .filter((f) => f.file.endsWith(".attrs") && f.text.length === 0)
            .map((f) => f.file);
        for (const f of truncated) fs.rmSync(path.join(project.stateDir, f));
        if (truncated.length > 0) log(`killed at ${label}: removed the truncated metadata sidecar(s) ${truncated.join(", ")}`);
        const locks = lockFiles();
        const exported = JSON.parse(await project.exportText()) as {
            deployment?: { pending_operations?: { type: string; resource: { urn: string } }[] };
        };
        const pending = (exported.deployment?.pending_operations ?? []).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`);
        log(`killed at ${label}: ${locks.length} lock(s), pending: ${pending.join(", ") || "none"}`);

        const plain = await project.pulumi(["up", "--yes", "--skip-preview"], { check: false });
        const recovery: KillOutcome["recovery"] = [];
        for (const command of RECOVERY) {
            if (command[0] === "up" && duringUp) {
                const up = startPulumi(project, command, `recover-${label}`);
                await duringUp(up);
                const r = await up.done;
                recovery.push({ command: command.join(" "), code: r.code, text: r.stderr + r.stdout.slice(-3000) });
            } else {
                const r = await project.pulumi(command, { check: false });
                recovery.push({ command: command.join(" "), code: r.code, text: r.stderr + r.stdout.slice(-3000) });
            }
        }
        const convergence = await checkConvergence(project, values, [NS]);
        report(`SIGKILL ${label}, then ${RECOVERY.map((c) => `pulumi ${c[0]}`).join(" + ")}`, convergence);
        return { locks, pending, plainUp: { code: plain.code, text: plain.stderr + plain.stdout.slice(-2000) }, recovery, convergence };
    }

    const assertRecovered = (outcome: () => KillOutcome) => {
        it("the kill leaves the stack locked, and a plain pulumi up is refused naming `pulumi cancel`", function () {
            const o = outcome();
            assert.strictEqual(o.locks.length, 1, `locks: ${o.locks.join(", ")}`);
            assert.notStrictEqual(o.plainUp.code, 0, o.plainUp.text);
            assert.match(o.plainUp.text, /currently locked by 1 lock\(s\)[\s\S]*pulumi cancel/);
        });

        it("every documented recovery command succeeds", function () {
            const o = outcome();
            assert.deepStrictEqual(
                o.recovery.map((r) => `${r.command}: ${r.code}`),
                RECOVERY.map((c) => `${c.join(" ")}: 0`),
                o.recovery
                    .filter((r) => r.code !== 0)
                    .map((r) => r.text)
                    .join("\n"),
            );
        });

        it("converges: nothing lost, left over, duplicated or half-written, no pending operation", function () {
            assertConverged(outcome().convergence);
        });
    };

    describe("killed while the WorkflowTemplates are created", function () {
        let outcome: KillOutcome;
        before(async function () {
            const watch = watchAdded(`/apis/argoproj.io/v1alpha1/namespaces/${NS}/workflowtemplates`);
            // An open watch keeps mocha from exiting: stop it however the hook ends.
            try {
                await watch.ready;
                outcome = await killAndRecover("templates", config([smallInstance("arkouda-ka")]), async (run) => {
                    await Promise.race([
                        watch.added,
                        run.done.then(() => Promise.reject(new Error("pulumi up ended before the first template arrived"))),
                    ]);
                });
            } finally {
                watch.stop();
            }
        });
        assertRecovered(() => outcome);
    });

    describe("killed while the CronWorkflows of a new instance are created", function () {
        let outcome: KillOutcome;
        before(async function () {
            const watch = watchAdded(`/apis/argoproj.io/v1alpha1/namespaces/${NS}/cronworkflows`, (o) =>
                o.metadata.name.startsWith("arkouda-kb-"),
            );
            try {
                await watch.ready;
                outcome = await killAndRecover(
                    "cronworkflows",
                    config([smallInstance("arkouda-ka"), smallInstance("arkouda-kb")]),
                    async (run) => {
                        await Promise.race([
                            watch.added,
                            run.done.then(() => Promise.reject(new Error("pulumi up ended before the first CronWorkflow arrived"))),
                        ]);
                    },
                );
            } finally {
                watch.stop();
            }
        });
        assertRecovered(() => outcome);
    });

    describe("killed while a run is waited on", function () {
        let outcome: KillOutcome;
        let workflowsAfterKill: string[] = [];
        before(async function () {
            const values = config([
                smallInstance("arkouda-ka", { run: { action: "deploy", wait: true, timeoutSeconds: 600 } }),
                smallInstance("arkouda-kb"),
            ]);
            const waiting = stepEvent("pre", "create", "WorkflowRunCompletion");
            outcome = await killAndRecover(
                "run-wait",
                values,
                async (run) => {
                    await untilEvent(run, "the wait for the run to begin", waiting);
                    workflowsAfterKill = (await listObjects(["workflows.argoproj.io"], { namespace: NS })).map((w) => w.metadata.name);
                },
                async (up) => {
                    // Stand-in for the Argo controller: the run succeeds once the rerun waits on it again.
                    await untilEvent(up, "the rerun to wait on the run", waiting);
                    const status = JSON.stringify({
                        status: { phase: "Succeeded", startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() },
                    });
                    for (const w of await listObjects(["workflows.argoproj.io"], { namespace: NS })) {
                        await kubectl(["patch", "workflow", w.metadata.name, "-n", NS, "--type", "merge", "-p", status]);
                        // Should the CRD serve status as a subresource, the patch above leaves it alone.
                        const phase = (await kubectl(["get", "workflow", w.metadata.name, "-n", NS, "-o", "jsonpath={.status.phase}"]))
                            .stdout;
                        if (phase !== "Succeeded")
                            await kubectl([
                                "patch",
                                "workflow",
                                w.metadata.name,
                                "-n",
                                NS,
                                "--subresource",
                                "status",
                                "--type",
                                "merge",
                                "-p",
                                status,
                            ]);
                    }
                },
            );
        });

        it("the run's Workflow was submitted before the kill", function () {
            assert.strictEqual(workflowsAfterKill.length, 1, workflowsAfterKill.join(", "));
        });

        it("the recovery waits on that same Workflow instead of submitting another", async function () {
            const now = (await listObjects(["workflows.argoproj.io"], { namespace: NS })).map((w) => w.metadata.name);
            assert.deepStrictEqual(now, workflowsAfterKill);
        });

        assertRecovered(() => outcome);
    });
});
