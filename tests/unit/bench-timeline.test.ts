import * as assert from "assert";
import { floorPhases, podDelete, podStart, previousFinish, workflowTimeline } from "../../bench/lib/timeline";

/** Hand-built objects in the shapes the API server returns: a Workflow's status.nodes and step pods. */
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString().replace(".000", "");
const WF = "deploy-arkouda-bench-abcde";

const node = (id: string, name: string, type: string, started: number, finished: number, children: string[] = []) => ({
    id,
    name,
    displayName: name.split(".").pop()!,
    type,
    startedAt: T(started),
    finishedAt: T(finished),
    children,
});

/** apply (retried: Retry node + attempt `(0)`) → locales (retried) → server; servicemonitor beside locales. */
const workflow = {
    metadata: { name: WF, creationTimestamp: T(0) },
    status: {
        startedAt: T(0),
        finishedAt: T(40),
        nodes: {
            [WF]: node(WF, WF, "DAG", 0, 40, ["r-apply"]),
            "r-apply": node("r-apply", `${WF}.apply`, "Retry", 1, 8, ["p-apply"]),
            "p-apply": node("p-apply", `${WF}.apply(0)`, "Pod", 1, 8, ["r-locales", "p-monitor"]),
            "r-locales": node("r-locales", `${WF}.locales`, "Retry", 9, 25, ["p-locales"]),
            "p-locales": node("p-locales", `${WF}.locales(0)`, "Pod", 9, 25, ["p-server"]),
            "p-monitor": node("p-monitor", `${WF}.monitor`, "Pod", 9, 14),
            "p-server": node("p-server", `${WF}.server`, "Pod", 26, 38),
        },
    },
};

/** A step pod as the watch last saw it (Argo's init, wait and main containers, all terminated). */
function stepPod(
    nodeId: string,
    nodeName: string,
    t: { created: number; scheduled: number; init: [number, number]; main: [number, number] },
) {
    const terminated = (a: number, b: number) => ({ terminated: { exitCode: 0, startedAt: T(a), finishedAt: T(b) } });
    return {
        metadata: {
            name: `${nodeId}-pod`,
            creationTimestamp: T(t.created),
            annotations: { "workflows.argoproj.io/node-id": nodeId, "workflows.argoproj.io/node-name": nodeName },
        },
        status: {
            conditions: [
                { type: "Initialized", status: "True", lastTransitionTime: T(t.init[1]) },
                { type: "PodScheduled", status: "True", lastTransitionTime: T(t.scheduled) },
            ],
            initContainerStatuses: [{ name: "init", state: terminated(...t.init) }],
            containerStatuses: [
                { name: "wait", state: terminated(t.init[1], t.main[1]) },
                { name: "main", state: terminated(...t.main) },
            ],
        },
    };
}

const pods = [
    stepPod("p-apply", `${WF}.apply(0)`, { created: 2, scheduled: 2, init: [3, 4], main: [5, 7] }),
    stepPod("p-locales", `${WF}.locales(0)`, { created: 10, scheduled: 11, init: [12, 13], main: [14, 24] }),
    stepPod("p-monitor", `${WF}.monitor`, { created: 10, scheduled: 10, init: [11, 12], main: [12, 13] }),
    stepPod("p-server", `${WF}.server`, { created: 27, scheduled: 27, init: [29, 30], main: [31, 36] }),
];

describe("bench timeline: where each second of a workflow run goes", () => {
    const timeline = workflowTimeline(workflow, pods, ["apply", "locales", "server"]);
    const step = (name: string) => timeline.find((s) => s.step === name)!;

    it("shows a retried step's attempt `<step>(0)` by its step name, oldest first", () => {
        assert.deepStrictEqual(
            timeline.map((s) => s.step),
            ["apply", "locales", "monitor", "server"],
        );
    });

    it("splits a first step from the Workflow's creation to its node's finishedAt", () => {
        assert.deepStrictEqual(step("apply").phases, {
            pickupS: 2,
            schedulingS: 0,
            sandboxS: 1,
            initS: 1,
            mainStartS: 1,
            workS: 2,
            afterS: 1,
            totalS: 8,
        });
    });

    it("starts a step's pickup when the step it depends on finished, through Retry nodes", () => {
        assert.deepStrictEqual(step("locales").phases, {
            pickupS: 2,
            schedulingS: 1,
            sandboxS: 1,
            initS: 1,
            mainStartS: 1,
            workS: 10,
            afterS: 1,
            totalS: 17,
        });
        // The server depends on the locales (finished at 25), not on the monitor (finished at 14).
        assert.deepStrictEqual(step("server").phases, {
            pickupS: 2,
            schedulingS: 0,
            sandboxS: 2,
            initS: 1,
            mainStartS: 1,
            workS: 5,
            afterS: 2,
            totalS: 13,
        });
        assert.strictEqual(step("server").podStartLatencyS, 4);
        assert.strictEqual(step("server").durationS, 12);
    });

    it("counts an earlier attempt of the same step as what came before", () => {
        const retried = {
            ...workflow.status.nodes,
            "r-apply": node("r-apply", `${WF}.apply`, "Retry", 1, 20, ["p-apply0", "p-apply1"]),
            "p-apply0": node("p-apply0", `${WF}.apply(0)`, "Pod", 1, 8),
            "p-apply1": node("p-apply1", `${WF}.apply(1)`, "Pod", 14, 20),
        };
        assert.strictEqual(previousFinish(retried, "p-apply1"), Date.parse(T(8)));
        assert.ok(Number.isNaN(previousFinish(retried, "p-apply0")));
    });

    it("gives an unseen boundary a dash and its time to the next phase, so the phases still add up", () => {
        const noInit = stepPod("p-server", `${WF}.server`, { created: 27, scheduled: 27, init: [29, 30], main: [31, 36] });
        noInit.status.initContainerStatuses = [];
        const [server] = workflowTimeline(workflow, [noInit], []).filter((s) => s.step === "server");
        assert.ok(Number.isNaN(server.phases.sandboxS) && Number.isNaN(server.phases.initS));
        assert.strictEqual(server.phases.mainStartS, 4);
        const finite = Object.entries(server.phases)
            .filter(([k, v]) => k !== "totalS" && Number.isFinite(v))
            .reduce((a, [, v]) => a + v, 0);
        assert.strictEqual(finite, server.phases.totalS);
    });

    it("names the critical path's largest phases as the floor", () => {
        assert.deepStrictEqual(floorPhases(timeline, 2), [
            { step: "locales", phase: "work", seconds: 10 },
            { step: "server", phase: "work", seconds: 5 },
        ]);
    });

    it("splits an Arkouda pod's start: created, scheduled, containers started, Ready", () => {
        const pod = {
            metadata: { name: "bench-run-server", creationTimestamp: T(27) },
            status: {
                conditions: [
                    { type: "PodScheduled", status: "True", lastTransitionTime: T(28) },
                    { type: "Ready", status: "True", lastTransitionTime: T(35) },
                ],
                containerStatuses: [
                    { name: "server", state: { running: { startedAt: T(30) } } },
                    { name: "exporter", state: { running: { startedAt: T(31) } } },
                ],
            },
        };
        assert.deepStrictEqual(podStart(pod, Date.parse(T(0))), {
            pod: "bench-run-server",
            createdS: 27,
            schedulingS: 1,
            startS: 3,
            readyS: 4,
            createdToReadyS: 8,
        });
    });

    it("dates an Arkouda pod's delete from its request (deletionTimestamp less the grace period) to gone", () => {
        const pod = {
            metadata: { name: "bench-run-server", deletionTimestamp: T(38), deletionGracePeriodSeconds: 30 },
            spec: { terminationGracePeriodSeconds: 30 },
            status: {
                containerStatuses: [
                    { name: "server", state: { terminated: { exitCode: 137, startedAt: T(0), finishedAt: T(38) } } },
                    { name: "exporter", state: { terminated: { exitCode: 0, startedAt: T(0), finishedAt: T(9) } } },
                ],
            },
        };
        assert.deepStrictEqual(podDelete(pod, pod, Date.parse(T(39)), Date.parse(T(5))), {
            pod: "bench-run-server",
            requestedS: 3,
            stopS: 30,
            goneS: 1,
            requestedToGoneS: 31,
            gracePeriodS: 30,
        });
    });

    it("dates the request from the first version being deleted, not the kubelet's final delete (grace 0) the last version carries", () => {
        const status = {
            containerStatuses: [{ name: "server", state: { terminated: { exitCode: 137, startedAt: T(0), finishedAt: T(12) } } }],
        };
        const spec = { terminationGracePeriodSeconds: 2 };
        const asked = { metadata: { name: "bench-run-server", deletionTimestamp: T(10), deletionGracePeriodSeconds: 2 }, spec, status };
        const last = { metadata: { name: "bench-run-server", deletionTimestamp: T(13), deletionGracePeriodSeconds: 0 }, spec, status };
        assert.deepStrictEqual(podDelete(last, asked, Date.parse(T(14)), Date.parse(T(5))), {
            pod: "bench-run-server",
            requestedS: 3,
            stopS: 4,
            goneS: 2,
            requestedToGoneS: 6,
            gracePeriodS: 2,
        });
    });
});
