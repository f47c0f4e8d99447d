import { strict as assert } from "assert";
import {
    checkWorkflowRunInputs,
    diffWorkflowRun,
    failingNodeMessage,
    interpretWorkflowStatus,
    overdue,
    unschedulableSteps,
    waitForWorkflow,
    workflowRunIdentityChanged,
    workflowRunInputs,
    workflowRunProvider,
} from "../../components/dynamic/workflow-run-completion";
import { localApiServer, runSerializedProvider, sendJson, TEST_TOKEN, UNKNOWN, virtualClock } from "./dynamic-provider-runner";

const succeeded = {
    metadata: { name: "wf", namespace: "ns", uid: "uid-1" },
    status: { phase: "Succeeded", startedAt: "2025-01-01T00:00:00Z", finishedAt: "2025-01-01T00:05:00Z", message: "" },
};
const failedNodes = {
    wf: {
        id: "wf",
        name: "wf",
        displayName: "wf",
        type: "DAG",
        phase: "Failed",
        message: "child 'wf-123' failed",
        finishedAt: "2025-01-01T00:03:00Z",
    },
    "wf-111": { id: "wf-111", name: "wf.server", displayName: "server", type: "Pod", phase: "Succeeded", message: "" },
    "wf-123": {
        id: "wf-123",
        name: "wf.locales",
        displayName: "wait-locales",
        type: "Pod",
        phase: "Failed",
        message: "timed out waiting for 4 locale pods",
        finishedAt: "2025-01-01T00:02:00Z",
    },
    "wf-124": {
        id: "wf-124",
        name: "wf.later",
        displayName: "later",
        type: "Pod",
        phase: "Error",
        message: "pod deleted",
        finishedAt: "2025-01-01T00:02:30Z",
    },
};

describe("workflow-run-completion", function () {
    describe("interpretWorkflowStatus", function () {
        it("Succeeded is done and ok, with the timestamps", function () {
            assert.deepEqual(interpretWorkflowStatus(succeeded), {
                done: true,
                ok: true,
                phase: "Succeeded",
                message: "",
                startedAt: "2025-01-01T00:00:00Z",
                finishedAt: "2025-01-01T00:05:00Z",
            });
        });
        it("Failed with a status message uses it", function () {
            const st = interpretWorkflowStatus({ status: { phase: "Failed", message: "Step exceeded its deadline", nodes: failedNodes } });
            assert.equal(st.done, true);
            assert.equal(st.ok, false);
            assert.equal(st.message, "Step exceeded its deadline");
        });
        it("Failed without a status message takes the earliest failing leaf node's message", function () {
            const st = interpretWorkflowStatus({ status: { phase: "Failed", message: "", nodes: failedNodes } });
            assert.deepEqual(
                [st.done, st.ok, st.phase, st.message],
                [true, false, "Failed", "wait-locales: timed out waiting for 4 locale pods"],
            );
        });
        it("Error is done and not ok; without any message it says so", function () {
            const st = interpretWorkflowStatus({ status: { phase: "Error" } });
            assert.deepEqual([st.done, st.ok, st.phase, st.message], [true, false, "Error", "no message"]);
            assert.equal(
                failingNodeMessage({ a: { phase: "Error", type: "Steps", displayName: "steps", message: "boom" } }),
                "steps: boom",
            );
            assert.equal(failingNodeMessage(undefined), "");
        });
        it("a failed deploy's failure-reasons output (why its pods were not ready) joins the message", function () {
            const outputs = {
                parameters: [
                    { name: "failure-reasons", value: "a-locale-x Pending: PodScheduled=Unschedulable 0/1 nodes are available\n" },
                ],
            };
            const st = interpretWorkflowStatus({ status: { phase: "Failed", message: "", nodes: failedNodes, outputs } });
            assert.equal(
                st.message,
                "wait-locales: timed out waiting for 4 locale pods; failure-reasons: a-locale-x Pending: PodScheduled=Unschedulable 0/1 nodes are available",
            );
            const empty = { parameters: [{ name: "failure-reasons", value: "" }] };
            assert.equal(interpretWorkflowStatus({ status: { phase: "Failed", message: "m", outputs: empty } }).message, "m");
        });
        it("names the steps that wait to be scheduled, with the scheduler's reason", function () {
            const nodes = {
                a: {
                    displayName: "delete-objects",
                    type: "Pod",
                    phase: "Pending",
                    message: "Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.",
                },
                b: { displayName: "delete-servicemonitor", type: "Pod", phase: "Pending", message: "PodInitializing" },
                c: { displayName: "delete", type: "DAG", phase: "Running" },
            };
            assert.deepEqual(unschedulableSteps({ status: { phase: "Running", nodes } }), {
                "delete-objects": "Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.",
            });
            assert.deepEqual(unschedulableSteps({}), {});
        });
        it("Running and Pending are not done", function () {
            assert.deepEqual(interpretWorkflowStatus({ status: { phase: "Running", startedAt: "t" } }), {
                done: false,
                ok: false,
                phase: "Running",
                message: "",
                startedAt: "t",
                finishedAt: undefined,
            });
            assert.equal(interpretWorkflowStatus({ status: { phase: "Pending" } }).done, false);
        });
        it("an absent status or phase reads as Pending", function () {
            assert.deepEqual(interpretWorkflowStatus({ metadata: {} }), { done: false, ok: false, phase: "Pending", message: "" });
            assert.deepEqual(interpretWorkflowStatus(undefined), { done: false, ok: false, phase: "Pending", message: "" });
            assert.equal(interpretWorkflowStatus({ status: { phase: "" } }).phase, "Pending");
        });
    });

    describe("inputs and diff", function () {
        const base = { kube: { kubeconfig: "k" }, namespace: "ns", workflowName: "wf", workflowUid: "u", timeoutSeconds: 60 };
        it("validates inputs, letting preview's unknowns through", function () {
            assert.deepEqual(checkWorkflowRunInputs(base), []);
            assert.deepEqual(
                checkWorkflowRunInputs({ ...base, workflowName: UNKNOWN, workflowUid: UNKNOWN, kube: UNKNOWN, timeoutSeconds: UNKNOWN }),
                [],
            );
            assert.deepEqual(
                checkWorkflowRunInputs({ kube: 3, namespace: "", timeoutSeconds: 0, pollSeconds: -1 }).map((f) => f.property),
                ["kube", "namespace", "workflowName", "timeoutSeconds", "pollSeconds"],
            );
        });
        it("keeps only known input fields", function () {
            assert.deepEqual(
                workflowRunInputs({ ...base, kube: { kubeconfig: "k", extra: 1, context: "" }, phase: "Succeeded", __provider: "x" }),
                { kube: { kubeconfig: "k" }, namespace: "ns", workflowName: "wf", workflowUid: "u", timeoutSeconds: 60 },
            );
            assert.equal(workflowRunInputs({ ...base, kube: UNKNOWN }).kube, UNKNOWN);
        });
        it("a different Workflow (name, namespace or uid) is a new run; other changes are settings; never a replacement", function () {
            const olds = { ...base, phase: "Succeeded", message: "", startedAt: "a", finishedAt: "b" };
            assert.deepEqual(diffWorkflowRun(olds, base), { changes: false, replaces: [] });
            assert.equal(workflowRunIdentityChanged(olds, { ...base, workflowUid: "v" }), true);
            assert.equal(workflowRunIdentityChanged(olds, { ...base, workflowName: "wf2" }), true);
            assert.equal(workflowRunIdentityChanged(olds, { ...base, timeoutSeconds: 5 }), false);
            assert.deepEqual(diffWorkflowRun(olds, { ...base, timeoutSeconds: 5 }), { changes: true, replaces: [] });
            assert.deepEqual(diffWorkflowRun(olds, { ...base, kube: { kubeconfig: "rotated" } }), { changes: true, replaces: [] });
            assert.deepEqual(diffWorkflowRun(olds, { ...base, workflowUid: "v" }), { changes: true, replaces: [] });
        });
    });

    describe("waiting against a local API server", function () {
        /** Scripted answers per workflow name: each GET takes the next one (the last repeats). */
        const script = new Map<string, Array<{ code: number; body: unknown }>>();
        const hits: string[] = [];
        const patches: { url: string; contentType: string; body: unknown }[] = [];
        const api = localApiServer((req, body, res) => {
            if (req.method === "PATCH") {
                patches.push({ url: req.url ?? "", contentType: String(req.headers["content-type"]), body: JSON.parse(body) });
                sendJson(res, 200, {});
                return;
            }
            hits.push(`${req.method} ${req.url}`);
            const m = /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/workflows\/([^/?]+)$/.exec(req.url ?? "");
            const answers = m ? script.get(decodeURIComponent(m[2])) : undefined;
            const a = answers
                ? answers.length > 1
                    ? answers.shift()!
                    : answers[0]
                : { code: 404, body: { kind: "Status", reason: "NotFound", message: 'workflows.argoproj.io "x" not found' } };
            sendJson(res, a.code, a.body);
        });
        beforeEach(() => {
            script.clear();
            hits.splice(0);
        });

        const kubeconfig = api.kubeconfig;
        const wf = (phase: string | undefined, extra: Record<string, unknown> = {}) => ({
            code: 200,
            body: {
                metadata: { name: "wf", namespace: "ns", uid: "uid-1" },
                ...(phase === undefined ? {} : { status: { phase, ...extra } }),
            },
        });
        const clock = () => virtualClock(1_000_000);
        const inputs = (name: string, timeoutSeconds = 60, uid?: string) => ({
            kube: { kubeconfig: kubeconfig() },
            namespace: "ns",
            workflowName: name,
            workflowUid: uid,
            timeoutSeconds,
            pollSeconds: 5,
        });

        it("polls until Succeeded and returns phase, message and times", async function () {
            script.set("wf", [
                wf(undefined),
                wf("Running"),
                wf("Running"),
                wf("Succeeded", { message: "", startedAt: "s", finishedAt: "f" }),
            ]);
            const out = await waitForWorkflow(inputs("wf", 60, "uid-1"), clock());
            assert.deepEqual(out, { phase: "Succeeded", message: "", startedAt: "s", finishedAt: "f" });
            assert.equal(hits.length, 4);
            assert.equal(hits[0], "GET /apis/argoproj.io/v1alpha1/namespaces/ns/workflows/wf");
        });

        it("fails with the Workflow's message, or the failing node's", async function () {
            script.set("wf", [wf("Running"), wf("Failed", { message: "", nodes: failedNodes })]);
            await assert.rejects(waitForWorkflow(inputs("wf"), clock()), {
                message: "Argo Workflow ns/wf Failed: wait-locales: timed out waiting for 4 locale pods",
            });
            script.set("wf", [wf("Error", { message: "pod was deleted" })]);
            await assert.rejects(waitForWorkflow(inputs("wf"), clock()), { message: "Argo Workflow ns/wf Error: pod was deleted" });
        });

        it("keeps the scheduler's reason a step waited with, which Argo replaces when it gives up on the pod", async function () {
            const pending = {
                a: {
                    displayName: "delete-objects",
                    type: "Pod",
                    phase: "Pending",
                    message: "Unschedulable: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
                },
            };
            const failed = { a: { displayName: "delete-objects", type: "Pod", phase: "Failed", message: "Step exceeded its deadline" } };
            script.set("wf", [wf("Running", { nodes: pending }), wf("Failed", { message: "", nodes: failed })]);
            await assert.rejects(waitForWorkflow(inputs("wf"), clock()), {
                message:
                    "Argo Workflow ns/wf Failed: delete-objects: Step exceeded its deadline (while Pending, delete-objects: Unschedulable: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.)",
            });
        });

        it("nudges the controller with an annotation while the Workflow runs past its template's deadline", async function () {
            patches.splice(0);
            const c = clock();
            const started = new Date(c.now() - 100_000).toISOString();
            const overdueRun = wf("Running", { startedAt: started, storedWorkflowTemplateSpec: { activeDeadlineSeconds: 60 } });
            script.set("wf", [overdueRun, overdueRun, overdueRun, overdueRun, wf("Failed", { message: "Step exceeded its deadline" })]);
            await assert.rejects(waitForWorkflow(inputs("wf"), c), { message: "Argo Workflow ns/wf Failed: Step exceeded its deadline" });
            assert.ok(patches.length >= 1 && patches.length <= 2, `${patches.length} nudges`);
            assert.equal(patches[0].url, "/apis/argoproj.io/v1alpha1/namespaces/ns/workflows/wf");
            assert.equal(patches[0].contentType, "application/merge-patch+json");
            assert.ok(Object.keys((patches[0].body as any).metadata.annotations).includes("arkouda-workflows/deadline-check"));
        });

        it("does not nudge a Workflow within its deadline", function () {
            const now = Date.parse("2025-01-01T00:01:00Z");
            const running = (extra: object) => ({ status: { phase: "Running", startedAt: "2025-01-01T00:00:00Z", ...extra } });
            assert.equal(overdue(running({ storedWorkflowTemplateSpec: { activeDeadlineSeconds: 60 } }), now, 15), false);
            assert.equal(overdue(running({ storedWorkflowTemplateSpec: { activeDeadlineSeconds: 30 } }), now, 15), true);
            assert.equal(overdue({ spec: { activeDeadlineSeconds: 30 }, ...running({}) }, now, 15), true);
            assert.equal(overdue(running({}), now, 15), false);
            assert.equal(
                overdue({ status: { phase: "Failed", startedAt: "2025-01-01T00:00:00Z" }, spec: { activeDeadlineSeconds: 1 } }, now, 15),
                false,
            );
        });

        it("gives up after timeoutSeconds with the last phase", async function () {
            script.set("wf", [wf("Running")]);
            const c = clock();
            await assert.rejects(waitForWorkflow(inputs("wf", 12), c), {
                message: "Argo Workflow ns/wf did not finish within 12 s (phase: Running)",
            });
            assert.equal(hits.length, 4); // t=0, 5, 10, 12
        });

        it("retries transient API errors, fails at once on Forbidden", async function () {
            script.set("wf", [
                { code: 503, body: { kind: "Status", reason: "ServiceUnavailable", message: "etcd leader changed" } },
                wf("Succeeded"),
            ]);
            assert.equal((await waitForWorkflow(inputs("wf"), clock())).phase, "Succeeded");
            script.set("wf", [{ code: 503, body: { kind: "Status", reason: "ServiceUnavailable", message: "etcd leader changed" } }]);
            await assert.rejects(
                waitForWorkflow(inputs("wf", 6), clock()),
                /did not finish within 6 s \(phase: Unknown\); last API error: .*HTTP 503 ServiceUnavailable: etcd leader changed/,
            );
            script.set("wf", [{ code: 403, body: { kind: "Status", reason: "Forbidden", message: "nope" } }]);
            await assert.rejects(
                waitForWorkflow(inputs("wf"), clock()),
                /Argo Workflow ns\/wf: cannot read it: .*HTTP 403 Forbidden: nope/,
            );
        });

        it("fails when the Workflow stays absent, or was replaced by another uid", async function () {
            await assert.rejects(waitForWorkflow(inputs("gone", 600), clock()), {
                message: "Argo Workflow ns/gone not found (it was never created, or was deleted before it finished)",
            });
            script.set("wf", [wf("Running")]);
            await assert.rejects(waitForWorkflow(inputs("wf", 60, "uid-0"), clock()), /has uid uid-1, not the expected uid-0/);
        });

        it("the serialized provider waits in a separate process; update re-waits only for a new run; delete does nothing", async function () {
            this.timeout(60000);
            script.set("wf", [wf("Running"), wf("Succeeded", { startedAt: "s", finishedAt: "f" })]);
            const news = { ...inputs("wf", 30, "uid-1"), pollSeconds: 0.1, __provider: "ignored" };
            const created = await runSerializedProvider(workflowRunProvider, "create", [news]);
            assert.equal(created.error, undefined);
            assert.equal(created.result.id, "ns/wf");
            assert.deepEqual(
                { ...created.result.outs, kube: undefined },
                {
                    kube: undefined,
                    namespace: "ns",
                    workflowName: "wf",
                    workflowUid: "uid-1",
                    timeoutSeconds: 30,
                    pollSeconds: 0.1,
                    phase: "Succeeded",
                    message: "",
                    startedAt: "s",
                    finishedAt: "f",
                },
            );
            assert.equal(
                created.result.outs.kube.kubeconfig,
                kubeconfig(),
                "kube is echoed (as a secret output) so later operations reach the cluster",
            );
            assert.ok(!created.text.includes(TEST_TOKEN), "no credential in the serialized provider");
            assert.ok(created.text.length < 60000, `serialized provider is ${created.text.length} chars`);

            script.set("wf", [wf("Failed", { message: "boom" })]);
            const failed = await runSerializedProvider(workflowRunProvider, "create", [news]);
            assert.equal(failed.error, "Argo Workflow ns/wf Failed: boom");

            hits.splice(0);
            const olds = created.result.outs;
            const same = await runSerializedProvider(workflowRunProvider, "update", ["ns/wf", olds, { ...news, timeoutSeconds: 99 }]);
            assert.equal(same.result.outs.timeoutSeconds, 99);
            assert.equal(same.result.outs.phase, "Succeeded");
            assert.equal(hits.length, 0, "settings-only change does not poll");
            script.set("wf2", [wf("Succeeded", { startedAt: "s2", finishedAt: "f2" })]);
            const rerun = await runSerializedProvider(workflowRunProvider, "update", [
                "ns/wf",
                olds,
                { ...news, workflowName: "wf2", workflowUid: undefined },
            ]);
            assert.equal(rerun.error, undefined);
            assert.equal(rerun.result.outs.finishedAt, "f2");
            assert.equal(hits.length, 1);

            const deleted = await runSerializedProvider(workflowRunProvider, "delete", ["ns/wf", olds]);
            assert.equal(deleted.error, undefined);
            assert.equal(hits.length, 1);
        });
    });
});
