/**
 * Two clusters rolled out in waves (two namespaces of the same API server, same kubeconfig):
 * the engine event log must show wave 1 created only after wave 0 is complete. No runs (they
 * need an Argo controller): the gate of a cluster without runs is the whole cluster.
 *
 * The wave-1 cluster uses a namespace the stack does not own (createNamespace: false), so
 * `pulumi destroy` must leave that namespace in place and empty of project objects: this
 * shows the RuntimeTeardown itself removes what runs created, not the namespace deletion.
 *
 * Needs kube-controller-manager: "[KCM]" tests (namespace controller), and the destroy's
 * foreground deletion of the simulated Deployments (garbage collector).
 */
import * as assert from "assert";
import { RUN_ID, testEnv, waitFor } from "./harness";
import { MANAGED_BY, NAMESPACED_KINDS, PART_OF, resolvedConfig, resourceOfKind, simulatedRunObjects } from "./fixtures";
import {
    applyManifests,
    EngineEvent,
    getObject,
    kubectl,
    KubeObject,
    listObjects,
    PulumiProject,
    RunOutcome,
    StepEventMetadata,
} from "./pulumi";

const CANARY_NS = `it-canary-${RUN_ID}`;
const MAIN_NS = `it-main-${RUN_ID}`;

function wavesConfig(kubeconfig: string): Record<string, unknown> {
    return {
        namespace: CANARY_NS,
        instances: [{ name: "arkouda-wv", locales: 1, cpu: "500m", memory: "1Gi", chapel: { numThreadsPerLocale: 1, memMax: 500000000 } }],
        exporters: [{ name: "wv-exporter", metricsServiceHost: "arkouda-metrics.hpc.example" }],
        rollout: { strategy: "waves" },
        clusters: [
            { name: "canary", kubeconfig, wave: 0 },
            { name: "main", kubeconfig, namespace: MAIN_NS, createNamespace: false, wave: 1 },
        ],
    };
}

/** Resource name (last URN segment); every resource of a cluster is named `<cluster>-...`. */
const nameOf = (urn: string) => urn.split("::").pop() ?? "";
const inCluster = (cluster: string) => (m: StepEventMetadata) => nameOf(m.urn).startsWith(`${cluster}-`);
const isProvider = (m: StepEventMetadata) => m.type.startsWith("pulumi:providers:");
const isCustom = (m: StepEventMetadata) => (m.new ?? m.old)?.custom === true;

function stepEvents(events: readonly EngineEvent[], kind: "pre" | "outputs", op: string): { seq: number; m: StepEventMetadata }[] {
    return events
        .map((e) => ({ seq: e.sequence, m: (kind === "pre" ? e.resourcePreEvent : e.resOutputsEvent)?.metadata }))
        .filter((x): x is { seq: number; m: StepEventMetadata } => x.m !== undefined && x.m.op === op);
}

describe("integration: rollout waves", function () {
    let project: PulumiProject;
    let values: Record<string, unknown>;
    let up: RunOutcome;

    before(async function () {
        values = wavesConfig(testEnv().kubeconfig);
        await kubectl(["create", "namespace", MAIN_NS]);
        project = await PulumiProject.create("waves", "it-waves");
        project.writeConfig(values);
        up = await project.up({ eventLog: true, check: false });
    });

    after(async function () {
        if (project) await project.cleanUp([CANARY_NS, MAIN_NS]);
        else await kubectl(["delete", "namespace", MAIN_NS, "--ignore-not-found", "--wait=false"], { check: false });
    });

    it("pulumi up succeeds and each namespace holds its own four WorkflowTemplates", async function () {
        assert.strictEqual(up.exec.code, 0, up.exec.stderr + up.exec.stdout.slice(-3000));
        const counts = [];
        for (const ns of [CANARY_NS, MAIN_NS])
            counts.push((await listObjects(["workflowtemplates.argoproj.io"], { namespace: ns })).length);
        assert.deepStrictEqual(counts, [4, 4]);
    });

    it("exports the waves: canary in wave 0, main in wave 1 waiting for canary", async function () {
        const outputs = JSON.parse((await project.pulumi(["stack", "output", "--json"])).stdout) as {
            clusters: Record<string, { wave: number; waitsFor: string[]; namespace: string }>;
        };
        const summary = Object.fromEntries(
            Object.entries(outputs.clusters).map(([name, c]) => [name, { wave: c.wave, waitsFor: c.waitsFor, namespace: c.namespace }]),
        );
        assert.deepStrictEqual(summary, {
            canary: { wave: 0, waitsFor: [], namespace: CANARY_NS },
            main: { wave: 1, waitsFor: ["canary"], namespace: MAIN_NS },
        });
    });

    /** Wave-1 creates (of resources matching `select`) that started before wave 0's last create finished. */
    function earlyWaveOneCreates(
        select: (m: StepEventMetadata) => boolean,
        minimum: number,
    ): { waveZeroDone: number; early: string[]; checked: number } {
        const events = up.events ?? [];
        assert.ok(events.length > 0, "no engine events recorded (--event-log)");
        const waveZero = stepEvents(events, "outputs", "create").filter((x) => inCluster("canary")(x.m) && isCustom(x.m));
        const waveOne = stepEvents(events, "pre", "create").filter((x) => inCluster("main")(x.m) && isCustom(x.m) && select(x.m));
        assert.ok(
            waveZero.length >= 15 && waveOne.length >= minimum,
            `too few creates recorded: wave 0 ${waveZero.length}, wave 1 ${waveOne.length}`,
        );
        const waveZeroDone = Math.max(...waveZero.map((x) => x.seq));
        const early = waveOne
            .filter((x) => x.seq < waveZeroDone)
            .map((x) => `${x.m.type} ${nameOf(x.m.urn)} (event ${x.seq} < ${waveZeroDone})`);
        return { waveZeroDone, early, checked: waveOne.length };
    }

    it("creates every Kubernetes object of wave 1 only after every wave-0 resource was created", function () {
        // Namespace-less cluster: 2 ServiceAccounts, 3 Roles, 3 RoleBindings, 2 Secrets, 4 templates, 2 CronWorkflows.
        const { early } = earlyWaveOneCreates((m) => m.type.startsWith("kubernetes:") && !isProvider(m), 16);
        assert.deepStrictEqual(early, []);
    });

    it("creates no other wave-1 resource (key pair, teardowns, random) before wave 0 is complete", function () {
        // The SSH key pair and the namespace's RuntimeTeardown.
        const { early } = earlyWaveOneCreates((m) => !m.type.startsWith("kubernetes:") && !isProvider(m), 2);
        assert.deepStrictEqual(early, []);
    });

    describe("pulumi destroy", function () {
        let destroy: RunOutcome;
        let simulated: KubeObject[];

        before(async function () {
            const config = resolvedConfig(values);
            simulated = [...simulatedRunObjects(config, "canary"), ...simulatedRunObjects(config, "main")];
            await applyManifests(simulated);
            destroy = await project.destroy({ eventLog: true, check: false });
        });

        it("succeeds", function () {
            assert.strictEqual(destroy.exec.code, 0, destroy.exec.stderr + destroy.exec.stdout.slice(-3000));
        });

        it("deletes wave 1 before wave 0 (the reverse of the rollout)", function () {
            const events = destroy.events ?? [];
            const mainDone = stepEvents(events, "outputs", "delete").filter(
                (x) => inCluster("main")(x.m) && isCustom(x.m) && !isProvider(x.m),
            );
            const canaryStart = stepEvents(events, "pre", "delete").filter(
                (x) => inCluster("canary")(x.m) && isCustom(x.m) && !isProvider(x.m),
            );
            assert.ok(mainDone.length > 0 && canaryStart.length > 0, "no deletes recorded");
            const lastMain = Math.max(...mainDone.map((x) => x.seq));
            assert.deepStrictEqual(
                canaryStart.filter((x) => x.seq < lastMain).map((x) => nameOf(x.m.urn)),
                [],
            );
        });

        it("removes the simulated run objects from the namespace it does not own (RuntimeTeardown)", async function () {
            const left: string[] = [];
            for (const o of simulated.filter((s) => s.metadata.namespace === MAIN_NS)) {
                if (await getObject(resourceOfKind(o.kind), o.metadata.name, MAIN_NS)) left.push(`${o.kind}/${o.metadata.name}`);
            }
            assert.deepStrictEqual(left, []);
        });

        it("leaves no object labelled part-of or managed-by arkouda-workflows in that namespace", async function () {
            const left: string[] = [];
            for (const selector of [PART_OF, MANAGED_BY]) {
                for (const o of await listObjects(NAMESPACED_KINDS, { namespace: MAIN_NS, selector }))
                    left.push(`${o.kind}/${o.metadata.name}`);
            }
            assert.deepStrictEqual(left, []);
        });

        it("keeps the namespace it did not create", async function () {
            const ns = await getObject("namespace", MAIN_NS);
            assert.ok(ns && !ns.metadata.deletionTimestamp, `namespace ${MAIN_NS} is gone or terminating`);
        });

        it("[KCM] deletes the namespace it created", async function () {
            await waitFor(
                `namespace ${CANARY_NS} to be gone (is the namespace controller of kube-controller-manager running?)`,
                120_000,
                async () => ((await getObject("namespace", CANARY_NS)) ? undefined : true),
            );
        });
    });
});
