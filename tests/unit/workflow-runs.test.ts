import * as assert from "assert";
import { criticalPath, workflowRunsMarkdown } from "../../bench/lib/workflow-runs";

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
                { step: "apply", durationS: 5, podStartLatencyS: 2, onCriticalPath: true },
                { step: "server", durationS: 9, podStartLatencyS: 3, onCriticalPath: true },
            ],
            criticalPathS: 20,
            sequentialPodStartS: 5,
        };
        const md = workflowRunsMarkdown({ namespace: "n", instanceName: "i", runs: [run] });
        assert.match(
            md,
            /\| deploy-arkouda-on-kubernetes \(1×\) \| 31\.0 \| 30\.0 \| 4 \| 3 \| 20\.0 \| 5\.0 \| 25% \| apply \(5\.0 s, start 2\.0 s\) → server/,
        );
    });
});
