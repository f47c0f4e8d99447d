/**
 * Fault scenario 2 (issue 13): the API server stops during `pulumi up` and comes back. The
 * local kube-apiserver (scripts/local-cluster.sh) is stopped by its pid file the moment the
 * first WorkflowTemplate arrives (an API watch, not a sleep), and started again with the same
 * command line after the run has failed. The failed run names the cluster and what failed; the
 * rerun converges.
 *
 * This stops the shared local API server for a few seconds: kube-controller-manager and any
 * other client reconnect by themselves.
 */
import * as assert from "assert";
import { log, RUN_ID, testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { assertConverged, checkConvergence, Convergence, report } from "./convergence";
import { startPulumi } from "./pulumi-runs";
import { startApiServer, StoppedApiServer, stopApiServer, watchAdded } from "./apiserver";
import { since, smallInstance, dropStack } from "./scenario";

const NS = `it-apistop-${RUN_ID}`;

describe("faults: the API server stops during pulumi up and comes back", function () {
    let project: PulumiProject;
    let values: Record<string, unknown>;
    let stopped: StoppedApiServer | undefined;
    let failed: { code: number; text: string };
    let apiPort = "";
    let rerun: { code: number; text: string };
    let convergence: Convergence;

    before(async function () {
        values = {
            namespace: NS,
            instances: [smallInstance("arkouda-as1"), smallInstance("arkouda-as2")],
            clusters: [{ name: "apistop", kubeconfig: testEnv().kubeconfig }],
        };
        project = await PulumiProject.create("apistop", "it-apistop");
        project.writeConfig(values);
        apiPort = /127\.0\.0\.1:(\d+)/.exec(require("fs").readFileSync(testEnv().kubeconfig, "utf8"))?.[1] ?? "";

        const watch = watchAdded(`/apis/argoproj.io/v1alpha1/namespaces/${NS}/workflowtemplates`);
        await watch.ready;
        const run = startPulumi(project, ["up", "--yes", "--skip-preview"], "apistop");
        try {
            await Promise.race([
                watch.added,
                run.done.then((r) => Promise.reject(new Error(`pulumi up ended before any template arrived:\n${r.stderr}${r.stdout}`))),
            ]);
            stopped = await stopApiServer();
            const t = Date.now();
            const result = await Promise.race([run.done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 240_000))]);
            if (!result) {
                run.killGroup();
                throw new Error("pulumi up did not end within 240 s of the API server stopping");
            }
            log(`pulumi up ended ${since(t)} after the API server stopped (exit ${result.code})`);
            failed = { code: result.code, text: `${result.stdout}\n${result.stderr}` };
        } finally {
            watch.stop();
            if (stopped) await startApiServer(stopped);
        }
        const again = await project.up({ check: false });
        rerun = { code: again.exec.code, text: again.exec.stderr + again.exec.stdout.slice(-3000) };
        convergence = await checkConvergence(project, values, [NS]);
        report("API server stopped during pulumi up, then back", convergence);
    });

    after(async function () {
        await dropStack(project, [NS]);
    });

    it("the interrupted pulumi up fails", function () {
        assert.notStrictEqual(failed.code, 0, failed.text);
    });

    it("its output names the cluster (a resource of ArkoudaCluster 'apistop') and what failed (the API server address)", function () {
        assert.match(failed.text, /\(apistop-[a-z0-9-]+\)/, "no resource of the cluster 'apistop' is named");
        assert.match(
            failed.text,
            new RegExp(`127\\.0\\.0\\.1:${apiPort}|unreachable|connection refused`),
            "the failure does not say what failed",
        );
    });

    it("the rerun after the API server is back succeeds", function () {
        assert.strictEqual(rerun.code, 0, rerun.text);
    });

    it("converges: nothing lost, left over, duplicated or half-written, no pending operation", function () {
        assertConverged(convergence);
    });
});
