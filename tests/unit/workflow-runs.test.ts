import * as assert from "assert";
import { criticalPath, RunFigure, workflowRunsMarkdown } from "../../bench/lib/workflow-runs";
import { workflowRunsTargets } from "../../bench/sections/workflow-runs";

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

    it("repeated runs: the median run decides the target and shows its timeline, every run's figure beside", () => {
        const run = (template: string, workflow: string, submitToSucceededS: number): RunFigure => ({
            template,
            workflow,
            phase: "Succeeded",
            submitToSucceededS,
            workflowS: submitToSucceededS - 1,
            stepPods: 1,
            instancePods: 0,
            steps: [
                {
                    step: "delete",
                    durationS: submitToSucceededS - 3,
                    podStartLatencyS: 2,
                    onCriticalPath: true,
                    phases: phases(1, 0, 1, 0, 1, 2, 0),
                },
            ],
            criticalPathS: 5,
            sequentialPodStartS: 2,
            tailS: 1,
            floor: [{ step: "delete", phase: "work", seconds: 2 }],
        });
        const d = "delete-arkouda-on-kubernetes";
        const result = { namespace: "n", instanceName: "i", runs: [run(d, "slow", 13.5), run(d, "fast", 8.7), run(d, "mid", 9.4)] };
        const md = workflowRunsMarkdown(result);
        assert.match(md, /\| delete-arkouda-on-kubernetes \(3×\) \| 9\.4 \(13\.5, 8\.7, 9\.4\) \|.*\| delete \(6\.4 s, start 2\.0 s\) \|/);
        assert.match(md, /`mid`/);
        assert.doesNotMatch(md, /`slow`|`fast`/);
        const [, del] = workflowRunsTargets({ md: [], json: {}, result });
        assert.deepStrictEqual(del, {
            target: "delete ≤ 10 s (one instance on the local node, submit → Succeeded)",
            value: "9.4 s (median of 3: 13.5, 8.7, 9.4)",
            ok: true,
        });
    });
});
