/**
 * Fault scenario 6 (issue 13): `pulumi destroy` while a deploy run is still executing. The real
 * Argo workflow-controller runs the stack's run (wait: false) and a deploy submitted by hand
 * from the WorkflowTemplate (as `argo submit --from` or a CronWorkflow would). With a node the
 * steps really execute; without one their pods stay Pending. Either way, at the end nothing of
 * the instance is left: no Workflow, no pod, no runtime object, nothing labelled as ours.
 *
 * The namespace is made by the test (createNamespace: false), so what the destroy itself removes
 * is visible instead of disappearing with the namespace. Needs kube-controller-manager ([KCM]):
 * the garbage collector removes a deleted Workflow's pods.
 */
import * as assert from "assert";
import * as path from "path";
import { arkoudaRuntimeObjectRefs } from "../../../components/runtime-objects";
import { log, RUN_ID, testEnv, waitFor } from "../harness";
import { MANAGED_BY, NAMESPACED_KINDS, PART_OF } from "../fixtures";
import { getObject, kubectl, listObjects, PulumiProject } from "../pulumi";
import { WorkflowController } from "../argo/kube";
import { Convergence, report } from "./convergence";
import { smallInstance } from "./scenario";

const NS = `it-dstrun-${RUN_ID}`;
const INSTANCE = "arkouda-dr";

describe("faults: [KCM] pulumi destroy while a deploy run executes", function () {
    let project: PulumiProject;
    let controller: WorkflowController | undefined;
    let destroy: { code: number; text: string };
    let handSubmitted = "";
    let phasesAtDestroy: string[] = [];
    let left: string[] = [];
    let checked = 0;

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        await kubectl(["create", "namespace", NS]);
        await waitFor(`the default ServiceAccount of ${NS}`, 30_000, async () =>
            (await getObject("serviceaccount", "default", NS)) ? true : undefined,
        );
        controller = new WorkflowController(NS, path.join(testEnv().tmpRoot, `workflow-controller-${NS}.log`));
        await controller.start();

        const values = {
            namespace: NS,
            createNamespace: false,
            instances: [smallInstance(INSTANCE, { run: { action: "deploy", wait: false } })],
            clusters: [{ name: "dr", kubeconfig: testEnv().kubeconfig }],
        };
        project = await PulumiProject.create("dstrun", "it-dstrun");
        project.writeConfig(values);
        await project.up();

        // A second deploy of the same instance from the template, outside Pulumi.
        const submitted = await kubectl(["create", "-n", NS, "-o", "name", "-f", "-"], {
            input: JSON.stringify({
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Workflow",
                metadata: { generateName: `${INSTANCE}-by-hand-` },
                spec: { workflowTemplateRef: { name: "deploy-arkouda-on-kubernetes" } },
            }),
        });
        handSubmitted = submitted.stdout.trim().split("/").pop() ?? "";

        // Destroy only once the controller has picked the runs up (Running, or waiting on the mutex).
        const workflows = await waitFor("the controller to start both deploy Workflows", 60_000, async () => {
            const list = await listObjects(["workflows.argoproj.io"], { namespace: NS });
            return list.length === 2 && list.every((w) => w.status?.phase) ? list : undefined;
        });
        phasesAtDestroy = workflows.map((w) => `${w.metadata.name}: ${w.status.phase}`).sort();
        log(`destroying while: ${phasesAtDestroy.join(", ")}`);
        const d = await project.destroy({ check: false });
        destroy = { code: d.exec.code, text: d.exec.stderr + d.exec.stdout.slice(-3000) };

        // What is left, checked twice: right after the destroy, and after a pause in which a step
        // that was still executing would have created something.
        const survey = async (): Promise<string[]> => {
            const found: string[] = [];
            const all = await listObjects(NAMESPACED_KINDS, { namespace: NS });
            checked = all.length;
            for (const o of all) {
                const labels = o.metadata.labels ?? {};
                const ours =
                    labels["app.kubernetes.io/part-of"] === "arkouda-workflows" ||
                    labels["app.kubernetes.io/managed-by"] === "arkouda-workflows" ||
                    Object.values(labels).includes(INSTANCE) ||
                    o.metadata.name.startsWith(INSTANCE) ||
                    o.kind === "Workflow" ||
                    o.kind === "Pod";
                if (ours) found.push(`${o.kind}/${o.metadata.name}`);
            }
            for (const ref of arkoudaRuntimeObjectRefs(INSTANCE)) {
                checked++;
                if (await getObject(`${ref.kind.toLowerCase()}`, ref.name, NS)) found.push(`${ref.kind}/${ref.name}`);
            }
            return [...new Set(found)].sort();
        };
        left = await waitFor("the namespace to be empty of the instance", 60_000, async () => {
            const now = await survey();
            return now.length === 0 ? now : undefined;
        }).catch(async () => survey());
        if (left.length === 0) {
            await new Promise((r) => setTimeout(r, 5000));
            left = await survey();
        }
        const convergence: Convergence = { checked, lost: [], leftOver: left, duplicates: [], halfWritten: [], pending: [] };
        report("pulumi destroy while a deploy run executes", convergence);
    });

    after(async function () {
        await controller?.stop();
        if (project) await project.cleanUp([NS]);
        else await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=false"], { check: false });
    });

    it("had both deploy runs started and not finished when the destroy began", function () {
        assert.ok(handSubmitted.startsWith(`${INSTANCE}-by-hand-`), handSubmitted);
        assert.deepStrictEqual(phasesAtDestroy.filter((p) => /: (Running|Pending)$/.test(p)).length, 2, phasesAtDestroy.join(", "));
    });

    it("pulumi destroy succeeds", function () {
        assert.strictEqual(destroy.code, 0, destroy.text);
    });

    it("leaves no Workflow, pod, runtime object or labelled object of the instance in the namespace", function () {
        assert.deepStrictEqual(left, []);
    });

    it("leaves the state empty", async function () {
        const resources = (await project.resources()).filter((r) => r.type !== "pulumi:pulumi:Stack");
        assert.deepStrictEqual(
            resources.map((r) => r.urn.split("::").pop()),
            [],
        );
    });

    it("leaves nothing labelled part-of or managed-by arkouda-workflows", async function () {
        const labelled: string[] = [];
        for (const selector of [PART_OF, MANAGED_BY]) {
            for (const o of await listObjects(NAMESPACED_KINDS, { namespace: NS, selector })) labelled.push(`${o.kind}/${o.metadata.name}`);
        }
        assert.deepStrictEqual(labelled, []);
    });
});
