/**
 * What `argo lint --offline` is run on (tests/integration/argo-lint.test.ts): the program's
 * stacks, a multi-instance/multi-cluster configuration with runs, and the configurations the unit
 * tests render from (tests/unit/fixtures.ts, tests/golden).
 */
import { stringify } from "yaml";
import type { ExporterConfig, InstanceConfig } from "../../../components/config/types";
import { cronWorkflow } from "../../../components/schedules";
import { exporterPlan, instancePlan } from "../../../components/target";
import { workflowRun } from "../../../components/workflow-run";
import {
    arkoudaParameters,
    DELETE_ARKOUDA_TEMPLATE,
    DELETE_EXPORTER_TEMPLATE,
    DEPLOY_ARKOUDA_TEMPLATE,
    DEPLOY_EXPORTER_TEMPLATE,
    exporterParameters,
} from "../../../components/workflow-templates";
import { fixtureExporter, fixtureInstance, fixtureNamespace, fixtureRunAsInstance } from "../../unit/fixtures";
import { builtTemplates } from "../../lib/templates";
import type { RenderConfig } from "./render-configs";

/**
 * Several instances (one without metrics, one with runAs, one with its delete schedule disabled)
 * and an exporter on two clusters, each with a run: the Workflows (runs) get linted too.
 * Shaped after tests/unit/program.test.ts's twoClusters.
 */
export const MULTI_CLUSTER_VALUES: Record<string, unknown> = {
    instances: [
        { name: "arkouda-a", run: { action: "deploy", wait: true } },
        {
            name: "arkouda-b",
            locales: 3,
            metrics: { enabled: false },
            run: { action: "delete" },
            schedules: { delete: { enabled: false } },
        },
        {
            name: "arkouda-c",
            runAs: { user: "bearsrus", uid: 1009, group: "bearsrus-arkouda-users", gid: 1019 },
            schedules: { deploy: { schedule: ["0 6 * * 1-5", "0 12 * * 6"] } },
        },
    ],
    exporters: [{ name: "slurm-exporter", metricsServiceHost: "arkouda-metrics.hpc", run: { action: "deploy" } }],
    rollout: { strategy: "waves" },
    clusters: [
        { name: "canary", context: "ctx-canary", wave: 0 },
        { name: "main", context: "ctx-main", namespace: "arkouda-main", wave: 1 },
    ],
};

export const RENDERED_CONFIGS: RenderConfig[] = [
    { name: "dev", stack: "dev" },
    { name: "prod", stack: "prod" },
    { name: "local", stack: "local" },
    { name: "multi", values: MULTI_CLUSTER_VALUES },
];

/** Files the rendered configs must produce (<config>-<cluster>), and what each must contain at least. */
export const EXPECTED_RENDERED: Record<string, { WorkflowTemplate: number; CronWorkflow: number; Workflow: number }> = {
    "dev-dev": { WorkflowTemplate: 4, CronWorkflow: 1, Workflow: 0 },
    "prod-canary": { WorkflowTemplate: 4, CronWorkflow: 1, Workflow: 1 },
    "prod-main": { WorkflowTemplate: 4, CronWorkflow: 1, Workflow: 0 },
    "local-local": { WorkflowTemplate: 4, CronWorkflow: 1, Workflow: 0 },
    "multi-canary": { WorkflowTemplate: 4, CronWorkflow: 4, Workflow: 3 },
    "multi-main": { WorkflowTemplate: 4, CronWorkflow: 4, Workflow: 3 },
};

function yamlStream(objects: readonly object[]): string {
    return objects.map((o) => stringify(o, { sortMapEntries: true })).join("---\n");
}

/** The unit-test fixtures as lintable YAML streams, by name. Pure functions: no Pulumi involved. */
export function fixtureStreams(): Record<string, string> {
    const ns = fixtureNamespace.namespace;
    const place = { namespace: ns };
    const labels = { "app.kubernetes.io/part-of": "arkouda-workflows" };
    // The templates with their defaults from `defaults`, and what the program gives them for `instance`
    // and the fixture exporter: CronWorkflows and runs carry the arguments the plans derive.
    const stream = (
        defaults: { instance?: InstanceConfig; exporter?: ExporterConfig },
        instance: InstanceConfig,
        runs: { target: "instance" | "exporter"; action: "deploy" | "delete" }[],
    ) => {
        const built = builtTemplates(fixtureNamespace, defaults.instance, defaults.exporter);
        const templates = built.map((t) => t.template);
        const plans = {
            instance: instancePlan(instance, place, built),
            exporter: exporterPlan(fixtureExporter, place, built),
        };
        const crons = plans.instance.schedules!.map((entry) =>
            cronWorkflow({
                name: `${instance.name}-${entry.kind}`,
                namespace: ns,
                templateName: entry.templateName,
                parameters: entry.arguments,
                schedule: entry.schedule,
                labels,
            }),
        );
        const workflows = runs.map(({ target, action }) => {
            const plan = plans[target];
            const templateName =
                target === "instance"
                    ? { deploy: DEPLOY_ARKOUDA_TEMPLATE, delete: DELETE_ARKOUDA_TEMPLATE }[action]
                    : { deploy: DEPLOY_EXPORTER_TEMPLATE, delete: DELETE_EXPORTER_TEMPLATE }[action];
            return workflowRun(`${plan.name}-${action}-abc123`, ns, templateName, plan.arguments[action], labels);
        });
        return yamlStream([...templates, ...crons, ...workflows]);
    };
    return {
        // Defaults from the fixture instance and exporter (what tests/golden holds).
        "fixtures-defaults": stream({ instance: fixtureInstance, exporter: fixtureExporter }, fixtureInstance, [
            { target: "instance", action: "deploy" },
            { target: "exporter", action: "deploy" },
            { target: "exporter", action: "delete" },
        ]),
        // runAs instance as the default; no default exporter.
        "fixtures-runas": stream({ instance: fixtureRunAsInstance }, fixtureRunAsInstance, [{ target: "instance", action: "delete" }]),
        // No default target: every run and schedule must carry every parameter without a safe default itself.
        "fixtures-no-defaults": stream({}, fixtureInstance, [
            { target: "instance", action: "deploy" },
            { target: "exporter", action: "deploy" },
        ]),
    };
}

/** Parameter values for probe submissions of templates whose parameters have no default. */
export function probeValues(template: string): Record<string, string> {
    return template === DEPLOY_EXPORTER_TEMPLATE || template === DELETE_EXPORTER_TEMPLATE
        ? exporterParameters(fixtureExporter)
        : arkoudaParameters(fixtureInstance);
}

/**
 * `argo lint` checks a WorkflowTemplate loosely (a parameter could still come with the
 * submission); a Workflow that references it is checked as the controller checks a submission,
 * e.g. every {{workflow.parameters.x}} must be declared. One probe per template, made the way
 * `argo submit --from workflowtemplate/<name>` makes it: no arguments except for parameters that
 * have no default.
 */
export function probeWorkflows(objects: readonly any[]): any[] {
    return objects
        .filter((o) => o.kind === "WorkflowTemplate")
        .map((t) => {
            const missing = (t.spec.arguments?.parameters ?? [])
                .filter((p: any) => p.value === undefined)
                .map((p: any) => p.name as string);
            const values = probeValues(t.metadata.name);
            return {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Workflow",
                metadata: { name: `lint-probe-${t.metadata.name}`, namespace: t.metadata.namespace },
                spec: {
                    workflowTemplateRef: { name: t.metadata.name },
                    ...(missing.length > 0
                        ? { arguments: { parameters: missing.map((name: string) => ({ name, value: values[name] ?? "probe" })) } }
                        : {}),
                },
            };
        });
}
