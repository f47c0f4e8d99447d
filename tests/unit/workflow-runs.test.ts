import * as assert from "assert";
import { criticalPath, workflowRunsMarkdown } from "../../bench/lib/workflow-runs";

/** Step phases in the report's column order; total: their sum. */
function phases(...s: [number, number, number, number, number, number, number]) {
    const [pickupS, schedulingS, sandboxS, initS, mainStartS, workS, afterS] = s;
    return { pickupS, schedulingS, sandboxS, initS, mainStartS, workS, afterS, totalS: s.reduce((a, b) => a + b, 0) };
}

describe("bench workflow-runs figures", () => {
    it("criticalPath follows the steps that decided the run's length, skipping a parallel shorter one", () => {
        const s = (step: string, a: number, b: number) => ({ step, startedAt: a * 1000, finishedAt: b * 1000 });
        const steps = [s("apply", 0, 5), s("locales", 6, 20), s("monitor", 6, 8), s("server", 21, 30)];
        assert.deepStrictEqual(criticalPath(steps), ["apply", "locales", "server"]);
    });

    it("criticalPath of no step is empty", () => {
        assert.deepStrictEqual(criticalPath([]), []);
    });

    it("the markdown table gives the sequential pod start latency as a share of the critical path", () => {
        const run = {
            template: "deploy-arkouda-on-kubernetes",
            workflow: "w",
            phase: "Succeeded",
            submitToSucceededS: 31,
            workflowS: 30,
            stepPods: 4,
            instancePods: 3,
            steps: [
                { step: "apply", durationS: 5, podStartLatencyS: 2, onCriticalPath: true, phases: phases(1, 1, 1, 0, 0, 3, 1) },
                { step: "server", durationS: 9, podStartLatencyS: 3, onCriticalPath: true, phases: phases(2, 0, 1, 1, 1, 5, 1) },
            ],
            criticalPathS: 20,
            sequentialPodStartS: 5,
            tailS: 1,
            floor: [{ step: "server", phase: "work", seconds: 5 }],
            podDeletes: [{ pod: "bench-run-server", requestedS: 3, stopS: 30, goneS: 1, requestedToGoneS: 31, gracePeriodS: 30 }],
        };
        const md = workflowRunsMarkdown({ namespace: "n", instanceName: "i", runs: [run] });
        assert.match(
            md,
            /\| deploy-arkouda-on-kubernetes \(1×\) \| 31\.0 \| 30\.0 \| 4 \| 3 \| 20\.0 \| 5\.0 \| 25% \| apply \(5\.0 s, start 2\.0 s\) → server/,
        );
        assert.match(
            md,
            /\| step \(s; API server timestamps, 1 s resolution\) \| critical path \| pickup \| scheduling \| sandbox \| init \| main start \| work \| after \| total \| node \|/,
        );
        assert.match(md, /\| server \| yes \| 2 \| 0 \| 1 \| 1 \| 1 \| 5 \| 1 \| 11 \| 9 \|/);
        assert.match(md, /\| \*\*critical path\*\* \| \| 3 \| 1 \| 2 \| 1 \| 1 \| 8 \| 2 \| 18 \| \|/);
        assert.match(
            md,
            /Floor: server work 5 s of the critical path's 18 s; then 1 s .* Slowest Arkouda pod: bench-run-server, delete requested → gone 31 s \(terminationGracePeriodSeconds 30\)/,
        );
        assert.match(md, /\| bench-run-server \| 3 \| 30 \| 1 \| 31 \| 30 \|/);
    });
});
