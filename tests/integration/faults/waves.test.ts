/**
 * Fault scenario 5 (issue 13): rollout in waves with the wave-0 cluster unreachable. Two
 * "clusters" on the local API server, in two namespaces; the wave-0 one is reached through a
 * loopback TCP proxy that the test closes (connection refused), so wave 0 is really unreachable
 * while wave 1's API server is fine. `pulumi up` fails naming the wave-0 cluster and what
 * failed, creates nothing of wave 1; once the proxy listens again, the rerun completes both.
 */
import * as assert from "assert";
import * as path from "path";
import { RUN_ID, testEnv } from "../harness";
import { getObject, PulumiProject } from "../pulumi";
import { assertConverged, checkConvergence, Convergence, report } from "./convergence";
import { ApiProxy } from "./apiserver";
import { smallInstance, dropStack } from "./scenario";

const CANARY_NS = `it-fwcanary-${RUN_ID}`;
const MAIN_NS = `it-fwmain-${RUN_ID}`;

describe("faults: waves with the wave-0 cluster unreachable", function () {
    let project: PulumiProject;
    let proxy: ApiProxy;
    let values: Record<string, unknown>;
    let failed: { code: number; text: string };
    let mainInStateAfterFailure: string[];
    let mainNamespaceAfterFailure: boolean;
    let rerun: { code: number; text: string };
    let convergence: Convergence;

    before(async function () {
        proxy = new ApiProxy();
        await proxy.open();
        project = await PulumiProject.create("fwaves", "it-fwaves");
        const canaryKubeconfig = proxy.writeKubeconfig(path.join(project.dir, "..", "canary-kubeconfig.yaml"));
        values = {
            namespace: CANARY_NS,
            instances: [smallInstance("arkouda-fw")],
            rollout: { strategy: "waves" },
            clusters: [
                { name: "canary", kubeconfig: canaryKubeconfig, wave: 0 },
                { name: "main", kubeconfig: testEnv().kubeconfig, namespace: MAIN_NS, wave: 1 },
            ],
        };
        project.writeConfig(values);

        await proxy.close();
        const up = await project.up({ check: false });
        failed = { code: up.exec.code, text: `${up.exec.stdout}\n${up.exec.stderr}` };
        mainInStateAfterFailure = (await project.resources())
            .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.urn.split("::").pop()!.startsWith("main-"))
            .map((r) => r.urn.split("::").pop()!);
        mainNamespaceAfterFailure = !!(await getObject("namespace", MAIN_NS));

        await proxy.open();
        const again = await project.up({ check: false });
        rerun = { code: again.exec.code, text: again.exec.stderr + again.exec.stdout.slice(-3000) };
        convergence = await checkConvergence(project, values, [CANARY_NS, MAIN_NS]);
        report("waves: wave-0 cluster unreachable, then back", convergence);
    });

    after(async function () {
        if (proxy) await proxy.open().catch(() => undefined);
        await dropStack(project, [CANARY_NS, MAIN_NS]);
        await proxy?.close();
    });

    it("pulumi up fails while the wave-0 cluster is unreachable", function () {
        assert.notStrictEqual(failed.code, 0, failed.text);
    });

    it("the failure names the wave-0 cluster and the address it could not reach", function () {
        const lines = failed.text.split("\n");
        const errorLines = lines.filter((l) => /error/i.test(l));
        assert.ok(errorLines.length > 0, failed.text);
        assert.match(failed.text, /\(canary-[a-z-]+\)/, "no resource of the cluster 'canary' is named");
        assert.match(
            failed.text,
            new RegExp(`127\\.0\\.0\\.1:${proxy.port}.*connection refused|unreachable`),
            "the failure does not say what failed",
        );
    });

    it("does not touch wave 1: no Kubernetes object of cluster 'main' in the state, no namespace", function () {
        assert.deepStrictEqual({ state: mainInStateAfterFailure, namespace: mainNamespaceAfterFailure }, { state: [], namespace: false });
    });

    it("the rerun after the cluster is back succeeds", function () {
        assert.strictEqual(rerun.code, 0, rerun.text);
    });

    it("converges in both namespaces: nothing lost, left over, duplicated or half-written, no pending operation", function () {
        assertConverged(convergence);
    });
});
