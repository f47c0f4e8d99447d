import * as assert from "assert";
import { PART_OF_LABEL, PROJECT, projectLabel } from "../../components/names";
import { arkoudaRuntimeObjectRefs, exporterRuntimeObjectRefs } from "../../components/runtime-objects";
import { clientServiceAddress, exporterPlan, instancePlan, teardownTarget } from "../../components/target";
import { sortedByKey, sortedEntries } from "../../components/util/sort";
import { namespaceTemplates } from "../../components/workflow-templates";
import { templateNamed } from "../lib/templates";
import { fixtureExporter, fixtureInstance, fixtureNamespace } from "./fixtures";

const place = { namespace: "arkouda", kubeconfig: "/k/config", context: "prod" };
const deployRun = { action: "deploy", token: "", wait: true, timeoutSeconds: 600 } as const;
// The namespace's templates, their defaults taken from the fixture instance and exporter.
const templates = namespaceTemplates(fixtureNamespace, [fixtureInstance], [fixtureExporter]);

describe("target: an instance's plan", () => {
    const plan = instancePlan(fixtureInstance, place, templates);

    it("labels its CronWorkflows and runs as part of the project and with the instance", () => {
        assert.deepStrictEqual(plan.labels, {
            "app.kubernetes.io/part-of": "arkouda-workflows",
            "arkouda-workflows/instance": "arkouda-on-k8s",
        });
    });

    it("schedules deploy and delete from the Arkouda templates with the instance's parameters", () => {
        assert.deepStrictEqual(
            plan.schedules?.map((s) => [s.kind, s.templateName, s.arguments === plan.arguments[s.kind]]),
            [
                ["deploy", "deploy-arkouda-on-kubernetes", true],
                ["delete", "delete-arkouda-on-kubernetes", true],
            ],
        );
    });

    it("gives the templates no arguments when it is the instance their defaults come from", () => {
        assert.deepStrictEqual(plan.arguments, { deploy: {}, delete: {} });
        assert.doesNotMatch(plan.commands.deploy, / -p /);
    });

    it("gives another instance's templates only what differs; with the defaults that is all its values", () => {
        const other = instancePlan({ ...fixtureInstance, name: "other", locales: fixtureInstance.locales + 1 }, place, templates);
        assert.deepStrictEqual(other.arguments, {
            // Its declared claim is its own (other-scratch), though its volumes are written alike.
            deploy: { "instance-name": "other", locales: String(fixtureInstance.locales + 1), volumes: other.parameters.volumes },
            delete: { "instance-name": "other" },
        });
        assert.match(other.parameters.volumes, /"claimName":"other-scratch"/);
        for (const kind of ["deploy", "delete"] as const) {
            const declared = templateNamed(
                templates.map((t) => t.template),
                other.schedules!.find((e) => e.kind === kind)!.templateName,
            ).spec.arguments!.parameters!;
            const resolved = Object.fromEntries(declared.map((p) => [p.name, other.arguments[kind][p.name] ?? p.value]));
            assert.deepStrictEqual(resolved, Object.fromEntries(declared.map((p) => [p.name, other.parameters[p.name]])));
        }
    });

    it("tears down its Workflows, both CronWorkflows' children and its runtime objects", () => {
        assert.deepStrictEqual(plan.teardown.workflowSelectors, [
            "app.kubernetes.io/instance=arkouda-on-k8s",
            "arkouda-workflows/instance=arkouda-on-k8s",
            "workflows.argoproj.io/cron-workflow in (arkouda-on-k8s-deploy,arkouda-on-k8s-delete)",
        ]);
        assert.deepStrictEqual(plan.teardown.refs, arkoudaRuntimeObjectRefs("arkouda-on-k8s"));
    });

    it("exports enabled schedules and leaves disabled ones undefined", () => {
        const disabled = {
            ...fixtureInstance,
            schedules: { ...fixtureInstance.schedules, delete: { ...fixtureInstance.schedules.delete, enabled: false } },
        };
        assert.deepStrictEqual(instancePlan(disabled, place, templates).scheduleSummaries, {
            deploy: { schedules: ["0 7 * * *"], timezone: "America/New_York", suspend: false },
            delete: undefined,
        });
    });

    it("gives the argo submit commands and the client address for the cluster it is on", () => {
        assert.match(
            plan.commands.deploy,
            /^argo submit --kubeconfig \/k\/config --context prod -n arkouda --from workflowtemplate\/deploy-arkouda-on-kubernetes$/,
        );
        assert.match(plan.commands.delete, /--from workflowtemplate\/delete-arkouda-on-kubernetes$/);
        assert.strictEqual(plan.clientService, "arkouda-on-k8s.arkouda.svc.cluster.local:5555");
    });

    it("runs nothing unless a run is configured, and then from the template of its action", () => {
        assert.strictEqual(plan.run, undefined);
        assert.strictEqual(
            instancePlan({ ...fixtureInstance, run: deployRun }, place, templates).run?.templateName,
            "deploy-arkouda-on-kubernetes",
        );
        assert.strictEqual(
            instancePlan({ ...fixtureInstance, run: { ...deployRun, action: "delete" } }, place, templates).run?.templateName,
            "delete-arkouda-on-kubernetes",
        );
    });
});

describe("target: an exporter's plan", () => {
    const plan = exporterPlan({ ...fixtureExporter, run: { ...deployRun, action: "delete" } }, place, templates);

    it("has no schedules, no client address and exports no schedules", () => {
        assert.deepStrictEqual([plan.schedules, plan.clientService, plan.scheduleSummaries], [undefined, undefined, {}]);
    });

    it("uses the exporter templates and label", () => {
        assert.deepStrictEqual(
            [plan.run?.templateName, plan.labels["arkouda-workflows/exporter"]],
            ["delete-prometheus-arkouda-exporter", "arkouda-on-slurm-exporter"],
        );
        assert.match(plan.commands.deploy, /--from workflowtemplate\/deploy-prometheus-arkouda-exporter$/);
    });

    it("tears down its Workflows by label and its runtime objects", () => {
        assert.deepStrictEqual(
            plan.teardown,
            teardownTarget("exporter", "arkouda-on-slurm-exporter", exporterRuntimeObjectRefs("arkouda-on-slurm-exporter"), []),
        );
        assert.deepStrictEqual(plan.teardown.workflowSelectors, [
            "app.kubernetes.io/instance=arkouda-on-slurm-exporter",
            "arkouda-workflows/exporter=arkouda-on-slurm-exporter",
        ]);
    });
});

describe("target: names and key order", () => {
    it("spells the project name once", () => {
        assert.deepStrictEqual(
            [PROJECT, PART_OF_LABEL, projectLabel("run")],
            ["arkouda-workflows", { "app.kubernetes.io/part-of": "arkouda-workflows" }, "arkouda-workflows/run"],
        );
    });

    it("sorts by code unit, whatever the locale", () => {
        assert.deepStrictEqual(Object.keys(sortedByKey({ b: 1, B: 2, "a-b": 3, a_b: 4, "a.b": 5 })), ["B", "a-b", "a.b", "a_b", "b"]);
        assert.deepStrictEqual(sortedEntries({ z: "1", a: "2" }), [
            ["a", "2"],
            ["z", "1"],
        ]);
    });

    it("addresses the client Service by instance, namespace and port", () => {
        assert.strictEqual(
            clientServiceAddress({ ...fixtureInstance, serverPort: 6000 }, "ns"),
            "arkouda-on-k8s.ns.svc.cluster.local:6000",
        );
    });
});
