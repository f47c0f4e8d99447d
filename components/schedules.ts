/**
 * CronWorkflows: per instance, a deploy and a delete schedule. Each one carries what sets its
 * instance apart from the template's defaults, so the YAML alone is complete (no
 * `argo cron create -p`) and no larger than it must be.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ARGO_API_VERSION, CronWorkflow } from "./argo/model";
import { ScheduleConfig } from "./config";
import { projectLabel } from "./names";
import { sortedByKey, sortedEntries } from "./util/sort";

export interface CronWorkflowSpecInput {
    /** CronWorkflow name, e.g. `<instance>-deploy`. */
    readonly name: string;
    readonly namespace: string;
    /** The WorkflowTemplate each scheduled run is made from. */
    readonly templateName: string;
    /** The template's arguments for this instance (`templateArguments`). */
    readonly parameters: Readonly<Record<string, string>>;
    readonly schedule: ScheduleConfig;
    readonly labels: Readonly<Record<string, string>>;
}

/** Argo limits CronWorkflow names so the Workflows it spawns (name + 11 chars) stay valid. */
const MAX_CRON_WORKFLOW_NAME_LENGTH = 52;

/** The CronWorkflow manifest for one schedule. Pure. */
export function cronWorkflow(input: CronWorkflowSpecInput): CronWorkflow {
    if (input.name.length > MAX_CRON_WORKFLOW_NAME_LENGTH) {
        throw new Error(
            `CronWorkflow name '${input.name}' is longer than ${MAX_CRON_WORKFLOW_NAME_LENGTH} characters; shorten the instance name`,
        );
    }
    const labels = sortedByKey(input.labels);
    return {
        apiVersion: ARGO_API_VERSION,
        kind: "CronWorkflow",
        metadata: { name: input.name, namespace: input.namespace, labels },
        spec: {
            schedules: [...input.schedule.schedules],
            timezone: input.schedule.timezone,
            suspend: input.schedule.suspend,
            concurrencyPolicy: input.schedule.concurrencyPolicy,
            startingDeadlineSeconds: input.schedule.startingDeadlineSeconds,
            successfulJobsHistoryLimit: input.schedule.successfulJobsHistoryLimit,
            failedJobsHistoryLimit: input.schedule.failedJobsHistoryLimit,
            workflowMetadata: { labels },
            workflowSpec: {
                workflowTemplateRef: { name: input.templateName },
                arguments: {
                    parameters: sortedEntries(input.parameters).map(([name, value]) => ({ name, value })),
                },
            },
        },
    };
}

export type ScheduleKind = "deploy" | "delete";

/** An instance's CronWorkflow of one kind: `<instance>-deploy`, `<instance>-delete`. */
export function cronWorkflowName(target: string, kind: ScheduleKind): string {
    return `${target}-${kind}`;
}

/** One schedule of an instance: which template it runs, with which arguments, when. */
export interface ScheduleEntry {
    readonly kind: ScheduleKind;
    readonly templateName: string;
    /** What the template is given: the parameters where this instance differs from its defaults. */
    readonly arguments: Readonly<Record<string, string>>;
    readonly schedule: ScheduleConfig;
}

export interface ScheduleArgs {
    readonly namespace: string;
    readonly target: string;
    /** One entry per schedule kind (deploy, delete); disabled schedules are left out. */
    readonly schedules: readonly ScheduleEntry[];
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * Declares an instance's enabled CronWorkflows with `opts` (parent and provider) and returns their names by
 * kind. No component of its own: a component per instance doubled the resources (and state
 * entries) an instance costs. `formerParents` are the URNs of the components these resources
 * were children of in earlier versions, so existing stacks keep them instead of replacing them.
 */
export function declareSchedules(
    name: string,
    args: ScheduleArgs,
    opts: pulumi.CustomResourceOptions,
    formerParents: readonly pulumi.Input<string>[] = [],
): pulumi.Output<Record<string, string>> {
    const names: Record<string, pulumi.Output<string>> = {};
    for (const entry of args.schedules) {
        if (!entry.schedule.enabled) continue;
        const manifest = cronWorkflow({
            name: cronWorkflowName(args.target, entry.kind),
            namespace: args.namespace,
            templateName: entry.templateName,
            parameters: entry.arguments,
            schedule: entry.schedule,
            labels: { ...args.labels, [projectLabel("schedule")]: entry.kind },
        });
        const aliases = formerParents.map((parent) => ({ parent }));
        const resource = new k8s.apiextensions.CustomResource(
            `${name}-${entry.kind}`,
            { ...manifest },
            { ...opts, ...(aliases.length > 0 ? { aliases } : {}) },
        );
        names[entry.kind] = resource.metadata.name;
    }
    return pulumi.all(names);
}
