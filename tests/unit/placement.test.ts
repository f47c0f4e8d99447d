/**
 * Placement reaches every pod the program and its workflows create: the server (each variant,
 * with the exporter sidecar), the locales, the standalone exporter and Argo's step pods; delete
 * steps run at the delete PriorityClass and no deploy step does; every step that talks to the API
 * server retries transient failures only.
 */
import * as assert from "assert";
import type { Template, WorkflowTemplate } from "../../components/argo/model";
import { MAX_LOCALES } from "../../components/config/rules";
import type { NamespaceSettings } from "../../components/config/types";
import { localeSpread, PROGRAM_POD_LABEL_KEYS, tolerationsWithAdmissionDefaults } from "../../components/runtime-objects/placement";
import { arkoudaParameters, exporterParameters } from "../../components/workflow-templates";
import { RETRY_EXPRESSION } from "../../components/workflow-templates/steps";
import { configOf, runProgram } from "../lib/mock-program";
import {
    allWorkflowTemplates,
    deleteArkoudaTemplate,
    deleteExporterTemplate,
    deployArkoudaTemplate,
    deployExporterTemplate,
} from "../lib/templates";
import { fixtureExporter, fixtureInstance, fixtureNamespace as ns } from "./fixtures";
import { manifestsOf } from "./render-helpers";

const SERVER_STEPS = [
    "deploy-server",
    "deploy-server-without-metrics",
    "deploy-server-with-priority-class",
    "deploy-server-without-metrics-with-priority-class",
];
const placement = fixtureInstance.pods;
const admissionTolerations = tolerationsWithAdmissionDefaults([]);

/** The pod spec and metadata a step applies (a Pod's own, a Deployment's template). */
function podOf(wt: WorkflowTemplate, step: string, parameters: Record<string, string>) {
    const [object] = manifestsOf(wt, step, parameters) as any[];
    return object.kind === "Pod" ? { metadata: object.metadata, spec: object.spec } : object.spec.template;
}

describe("placement: the Arkouda pods and the standalone exporter", () => {
    const params = arkoudaParameters(fixtureInstance);
    const deploy = deployArkoudaTemplate(ns, fixtureInstance);
    const arkoudaPods = ["deploy-locales", ...SERVER_STEPS].map((step) => ({ step, pod: podOf(deploy, step, params) }));
    const exporterPod = podOf(deployExporterTemplate(ns, fixtureExporter), "deploy-exporter", exporterParameters(fixtureExporter));
    const every = [...arkoudaPods, { step: "deploy-exporter", pod: exporterPod }];

    it("every pod kind carries the node selector, tolerations (with admission's two) and affinity", () => {
        for (const { step, pod } of every) {
            assert.deepStrictEqual(pod.spec.nodeSelector, placement.nodeSelector, step);
            assert.deepStrictEqual(pod.spec.tolerations, [...placement.tolerations, ...admissionTolerations], step);
            assert.deepStrictEqual(pod.spec.affinity, placement.affinity, step);
        }
    });

    it("every pod kind carries the extra labels beside the program's, and the annotations", () => {
        for (const { step, pod } of every) {
            assert.strictEqual(pod.metadata.labels.team, "hpc", step);
            assert.strictEqual(pod.metadata.labels["app.kubernetes.io/managed-by"], "arkouda-workflows", step);
            assert.deepStrictEqual(pod.metadata.annotations, placement.annotations, step);
        }
    });

    it("the program's own labels win over a parameter that tries to replace them", () => {
        const pod = podOf(deploy, "deploy-locales", {
            ...params,
            "pod-labels": JSON.stringify({ app: "other", "app.kubernetes.io/instance": "x" }),
        });
        assert.deepStrictEqual(
            [pod.metadata.labels.app, pod.metadata.labels["app.kubernetes.io/instance"]],
            ["arkouda-on-k8s-locale", "arkouda-on-k8s"],
        );
    });

    it("every label key the program sets on a pod is one the config refuses as an extra label", () => {
        const own = every.flatMap(({ pod }) => Object.keys(pod.metadata.labels)).filter((k) => k !== "team");
        assert.deepStrictEqual(
            [...new Set(own)].filter((k) => !PROGRAM_POD_LABEL_KEYS.includes(k)),
            [],
        );
    });

    it("the priority class reaches the locales, the exporter and the server variants that carry one, and no other", () => {
        for (const { step, pod } of every) {
            const carries = !step.startsWith("deploy-server") || step.endsWith("-with-priority-class");
            assert.strictEqual(pod.spec.priorityClassName, carries ? placement.priorityClassName : undefined, step);
        }
    });

    it("every pod kind stops within the configured grace period (integer in the manifest)", () => {
        for (const { step, pod } of every)
            assert.strictEqual(pod.spec.terminationGracePeriodSeconds, placement.terminationGracePeriodSeconds, step);
    });

    it("the exporter sidecar runs in the placed server pod", () => {
        const server = arkoudaPods.find((p) => p.step === "deploy-server-with-priority-class")!.pod;
        assert.deepStrictEqual(
            server.spec.initContainers.map((c: { name: string }) => c.name),
            ["arkouda-metrics-exporter"],
        );
        assert.strictEqual(server.spec.priorityClassName, "arkouda-batch");
    });

    it("spreads the locales, and only them, as spreadLocales says", () => {
        for (const { step, pod } of every) {
            assert.deepStrictEqual(
                pod.spec.topologySpreadConstraints,
                step === "deploy-locales" ? localeSpread("required") : undefined,
                step,
            );
        }
    });

    it("a required spread allows one locale per node whatever the node count, for the pod's own instance only", () => {
        const [c] = localeSpread("required") as any[];
        assert.deepStrictEqual(
            [c.whenUnsatisfiable, c.maxSkew, c.topologyKey, c.matchLabelKeys],
            ["DoNotSchedule", 1, "kubernetes.io/hostname", ["app.kubernetes.io/instance"]],
        );
        assert.ok(
            c.minDomains >= MAX_LOCALES,
            "with fewer eligible nodes than minDomains the minimum counts as 0, so a second locale on a node exceeds maxSkew",
        );
        assert.deepStrictEqual(c.labelSelector.matchLabels, {
            "app.kubernetes.io/component": "locale",
            "app.kubernetes.io/name": "arkouda",
        });
        assert.strictEqual((localeSpread("preferred") as any[])[0].whenUnsatisfiable, "ScheduleAnyway");
        assert.deepStrictEqual(localeSpread("none"), []);
    });

    it("states admission's default tolerations only where the configured ones do not cover them", () => {
        const own = { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 };
        assert.deepStrictEqual(
            tolerationsWithAdmissionDefaults([own]).map((t) => [t.key, t.tolerationSeconds]),
            [
                ["node.kubernetes.io/not-ready", 30],
                ["node.kubernetes.io/unreachable", 300],
            ],
        );
    });
});

describe("placement: Argo's step pods", () => {
    const templates = allWorkflowTemplates(ns, fixtureInstance, fixtureExporter);
    const pods = (wt: WorkflowTemplate) => wt.spec.templates!.filter((t) => t.container || t.resource);
    /** The step templates a delete runs: the delete templates' and a deploy's exit handler (explain, then clean-up). */
    const deleteSide = (wt: WorkflowTemplate, t: Template) =>
        wt.metadata.name!.startsWith("delete-") ||
        ["explain-failure", "delete-objects", "delete-objects-and-servicemonitor", "delete-servicemonitor"].includes(t.name);

    it("every step pod runs on the workflow pods' node selector and tolerations, at their priority by default", () => {
        for (const wt of templates) {
            assert.deepStrictEqual(wt.spec.nodeSelector, ns.workflowPods.nodeSelector, wt.metadata.name);
            assert.deepStrictEqual(wt.spec.tolerations, ns.workflowPods.tolerations, wt.metadata.name);
            assert.strictEqual(wt.spec.podPriorityClassName, ns.workflowPods.priorityClassName, wt.metadata.name);
        }
    });

    it("delete steps, and a failed deploy's explanation and clean-up, run at the delete class; no deploy step does", () => {
        for (const wt of templates) {
            for (const t of pods(wt)) {
                assert.strictEqual(
                    t.priorityClassName,
                    deleteSide(wt, t) ? ns.deletePriorityClassName : undefined,
                    `${wt.metadata.name}/${t.name}`,
                );
            }
        }
    });

    it("every step is bound from its start, Pending included: by its Workflow's deadline, deleteSeconds in an exit handler (which Argo runs after that deadline), or the bound of the condition it waits for", () => {
        let waited = 0;
        for (const wt of templates) {
            const deadline = wt.spec.activeDeadlineSeconds!;
            for (const t of pods(wt)) {
                const exitHandler = wt.spec.onExit !== undefined && deleteSide(wt, t);
                // Argo writes a step's timeout over its pod's activeDeadlineSeconds.
                const own = t.activeDeadlineSeconds === undefined ? undefined : Number(t.activeDeadlineSeconds);
                if (own !== undefined) waited++;
                const bound = exitHandler ? ns.deadlines.deleteSeconds : Math.min(deadline, own ?? deadline);
                assert.strictEqual(t.timeout, `${bound}s`, `${wt.metadata.name}/${t.name}`);
            }
        }
        assert.ok(waited > 0, "no step waits for a condition");
    });

    it("without a delete class, delete steps run at the workflow pods' priority", () => {
        const { deletePriorityClassName: _none, ...rest } = ns;
        const settings: NamespaceSettings = {
            ...rest,
            workflowPods: { ...ns.workflowPods, deletePriority: { source: "none", value: 1000 } },
        };
        for (const wt of [deleteArkoudaTemplate(settings, fixtureInstance), deleteExporterTemplate(settings, fixtureExporter)])
            for (const t of pods(wt)) assert.strictEqual(t.priorityClassName, undefined, t.name);
    });

    it("the step pods carry no placement at all when none is configured", () => {
        const settings: NamespaceSettings = {
            ...ns,
            workflowPods: { nodeSelector: {}, tolerations: [], deletePriority: { source: "declare", value: 1000 } },
        };
        const [wt] = allWorkflowTemplates(settings, fixtureInstance, fixtureExporter);
        assert.deepStrictEqual(
            [wt.spec.nodeSelector, wt.spec.tolerations, wt.spec.podPriorityClassName],
            [undefined, undefined, undefined],
        );
    });
});

describe("retries: every step that talks to the API server", () => {
    const templates = allWorkflowTemplates(ns, fixtureInstance, fixtureExporter);

    it("retries with the configured limit and growing, capped pauses", () => {
        for (const wt of templates) {
            for (const t of wt.spec.templates!.filter((t) => t.container || t.resource)) {
                assert.deepStrictEqual(
                    t.retryStrategy,
                    { limit: 4, expression: RETRY_EXPRESSION, backoff: { duration: "5s", factor: 2, cap: "60s" } },
                    `${wt.metadata.name}/${t.name}`,
                );
            }
            for (const t of wt.spec.templates!.filter((t) => t.dag))
                assert.strictEqual(t.retryStrategy, undefined, `${t.name}: a DAG is never retried whole`);
        }
    });

    it("does not retry at all with limit 0", () => {
        const settings = { ...ns, retries: { ...ns.retries, limit: 0 } };
        for (const wt of allWorkflowTemplates(settings, fixtureInstance, fixtureExporter))
            for (const t of wt.spec.templates!) assert.strictEqual(t.retryStrategy, undefined, t.name);
    });

    it("a kubectl step's own error becomes its message (what the retry expression reads)", () => {
        for (const wt of templates)
            for (const t of wt.spec.templates!.filter((t) => t.container))
                assert.strictEqual(t.container!.terminationMessagePolicy, "FallbackToLogsOnError", t.name);
    });

    /** What Argo evaluates: `lastRetry.message matches '<pattern>'` (Go's RE2; these patterns mean the same in JS). */
    const retried = (message: string) => new RegExp(/matches '(.*)'$/.exec(RETRY_EXPRESSION)![1]).test(message);

    it("retries what a stopped or overloaded API server fails a step with", () => {
        for (const message of [
            "main: Error (exit code 1): The connection to the server 10.96.0.1:443 was refused - did you specify the right host or port?",
            'main: Error (exit code 1): error: Get "https://10.96.0.1:443/api": dial tcp 10.96.0.1:443: connect: connection refused',
            "wait: Error (exit code 1): Unable to connect to the server: net/http: TLS handshake timeout",
            "main: Error (exit code 1): Error from server (ServiceUnavailable): the server is currently unable to handle the request",
            "main: Error (exit code 1): Error from server: etcdserver: request timed out",
            "main: Error (exit code 1): read tcp 10.244.0.5:40000->10.96.0.1:443: read: connection reset by peer",
        ])
            assert.ok(retried(message), message);
    });

    it("fails at once on what retrying cannot mend", () => {
        for (const message of [
            'main: Error (exit code 1): Error from server (Forbidden): error when applying patch: configmaps "a" is forbidden: User "system:serviceaccount:ns:arkouda-workflows" cannot patch resource "configmaps" in API group "" in the namespace "ns"',
            'main: Error (exit code 1): The Deployment "a-locale" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
            "Pod was active on the node longer than the specified deadline",
            "Step exceeded its deadline",
            'main: Error (exit code 1): error: the server doesn\'t have a resource type "servicemonitors"',
        ])
            assert.ok(!retried(message), message);
    });
});

describe("placement: the delete PriorityClass the program declares", function () {
    this.timeout(60000);
    const classes = async (values: Record<string, unknown>) =>
        (await runProgram(configOf({ instances: [{ name: "arkouda-a" }], ...values }))).declared.filter(
            (d) => d.inputs.kind === "PriorityClass",
        );

    it("declares one per cluster, named after its namespace, above the default priority, never the global default", async () => {
        const run = await runProgram(
            configOf({
                instances: [{ name: "arkouda-a" }],
                clusters: [
                    { name: "a", context: "a" },
                    { name: "b", context: "b", namespace: "other" },
                ],
            }),
        );
        const declared = run.declared.filter((d) => d.inputs.kind === "PriorityClass");
        assert.deepStrictEqual(
            declared.map((d) => [d.inputs.metadata.name, d.inputs.value, d.inputs.globalDefault, d.inputs.preemptionPolicy]).sort(),
            [
                ["arkouda-workflows-delete-arkouda", 1000, false, "PreemptLowerPriority"],
                ["arkouda-workflows-delete-other", 1000, false, "PreemptLowerPriority"],
            ],
        );
        // Step pods naming a missing class are refused at admission: the templates wait for it.
        const templates = run.declared.filter((d) => d.inputs.kind === "WorkflowTemplate" && d.name.startsWith("a-"));
        for (const t of templates)
            assert.ok(((t.opts.dependsOn as unknown[]) ?? []).includes(declared.find((d) => d.name.startsWith("a-"))!.resource), t.name);
    });

    it("declares none when the stack names an existing class or turns it off", async () => {
        assert.deepStrictEqual(await classes({ workflowPods: { deletePriority: { source: "existing", name: "cleanup" } } }), []);
        assert.deepStrictEqual(await classes({ workflowPods: { deletePriority: { source: "none" } } }), []);
    });

    it("declares the configured value", async () => {
        const [c] = await classes({ workflowPods: { deletePriority: { value: 50000 } } });
        assert.strictEqual(c.inputs.value, 50000);
    });
});
