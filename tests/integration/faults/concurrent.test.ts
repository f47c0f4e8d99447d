/**
 * Fault scenario 3 (issue 13): two `pulumi up` on one stack at once. The second is refused
 * with a message that says the stack is locked (file backend lock); it changes nothing; the
 * first finishes, and the state and the cluster then agree.
 */
import * as assert from "assert";
import { RUN_ID, testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { assertConverged, checkConvergence, Convergence, report } from "./convergence";
import { startPulumi, stepEvent, untilEvent } from "./pulumi-runs";
import { smallInstance, dropStack } from "./scenario";

const NS = `it-conc-${RUN_ID}`;

describe("faults: two pulumi up on one stack at once", function () {
    let project: PulumiProject;
    let second: { code: number; text: string; stdout: string };
    let first: { code: number; text: string };
    let history: { kind: string; result: string }[];
    let convergence: Convergence;

    before(async function () {
        const values = {
            namespace: NS,
            instances: [smallInstance("arkouda-cc")],
            clusters: [{ name: "cc", kubeconfig: testEnv().kubeconfig }],
        };
        project = await PulumiProject.create("conc", "it-conc");
        project.writeConfig(values);
        const a = startPulumi(project, ["up", "--yes", "--skip-preview"], "first");
        // The first run holds the lock once its engine has started creating resources.
        await untilEvent(a, "the first run's first create", stepEvent("pre", "create", ""));
        const b = await project.pulumi(["up", "--yes", "--skip-preview"], { check: false });
        second = { code: b.code, text: `${b.stderr}\n${b.stdout}`, stdout: b.stdout };
        const done = await a.done;
        first = { code: done.code, text: done.stderr + done.stdout.slice(-3000) };
        history = JSON.parse((await project.pulumi(["stack", "history", "--json"])).stdout) as { kind: string; result: string }[];
        convergence = await checkConvergence(project, values, [NS]);
        report("two pulumi up at once", convergence);
    });

    after(async function () {
        await dropStack(project, [NS]);
    });

    it("refuses the second pulumi up", function () {
        assert.notStrictEqual(second.code, 0, second.text);
    });

    it("says why: the stack is locked by the other run", function () {
        assert.match(second.text, /the stack is currently locked by 1 lock\(s\)/);
    });

    it("the refused run starts no resource operation", function () {
        assert.doesNotMatch(second.stdout, /creating|created|updating|deleting/i);
    });

    it("the first pulumi up completes", function () {
        assert.strictEqual(first.code, 0, first.text);
    });

    it("the stack history records only the first run, as a success", function () {
        assert.deepStrictEqual(
            history.map((h) => `${h.kind} ${h.result}`),
            ["update succeeded"],
        );
    });

    it("converges: nothing lost, left over, duplicated or half-written, no pending operation", function () {
        assertConverged(convergence);
    });
});
