/**
 * Ephemeral Workflow runs: `pulumi up` submits a Workflow made from a WorkflowTemplate. Its
 * name ends in a random suffix keyed on the run's inputs and token, so an unchanged stack
 * submits nothing and a changed input or token submits a new run. Optionally `pulumi up`
 * waits for the run and fails with the run's own message.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ARGO_API_VERSION, Workflow } from "./argo/model";
import { childOptions, typeToken } from "./component";
import { RunConfig } from "./config";
import type { KubeAccessInput } from "./dynamic/kubeconfig";
import { WorkflowRunCompletion } from "./dynamic/workflow-run-completion";
import { projectLabel } from "./names";
import { sortedByKey, sortedEntries } from "./util/sort";

/** What identifies a run: a change to any of these submits a new Workflow. */
function runKeepers(templateName: string, parameters: Readonly<Record<string, string>>, token: string): Record<string, string> {
    return { template: templateName, parameters: JSON.stringify(sortedByKey(parameters)), token };
}

/** The Workflow manifest of one run. Pure. */
export function workflowRun(
    name: string,
    namespace: string,
    templateName: string,
    parameters: Readonly<Record<string, string>>,
    labels: Readonly<Record<string, string>>,
): Workflow {
    return {
        apiVersion: ARGO_API_VERSION,
        kind: "Workflow",
        metadata: { name, namespace, labels: sortedByKey(labels) },
        spec: {
            workflowTemplateRef: { name: templateName },
            arguments: {
                parameters: sortedEntries(parameters).map(([name, value]) => ({ name, value })),
            },
        },
    };
}

export interface WorkflowRunArgs {
    readonly namespace: string;
    /** Instance or exporter the run acts on; the Workflow is named `<target>-<action>-<suffix>`. */
    readonly target: string;
    readonly run: RunConfig;
    readonly templateName: string;
    /** What the Workflow is given (`templateArguments`): where the target differs from the template's defaults. */
    readonly arguments: Readonly<Record<string, string>>;
    /** Every parameter value the run acts with; a change to any submits a new run. */
    readonly parameters: Readonly<Record<string, string>>;
    readonly labels: Readonly<Record<string, string>>;
    readonly provider: k8s.Provider;
    /** The cluster's random provider (explicit, like the kubernetes one). */
    readonly randomProvider: random.Provider;
    /** How the wait reaches the cluster; used only when `run.wait` is true. */
    readonly kube: pulumi.Input<KubeAccessInput>;
}

export class WorkflowRun extends pulumi.ComponentResource {
    public readonly workflowName: pulumi.Output<string>;
    /** Final phase when the run is waited for; `Submitted` otherwise. */
    public readonly phase: pulumi.Output<string>;
    /** What a later rollout wave waits on: the completed run, or the submitted Workflow. */
    public readonly gate: pulumi.Resource;

    constructor(name: string, args: WorkflowRunArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("argo", "WorkflowRun"), name, {}, opts);
        const suffix = new random.RandomString(
            `${name}-suffix`,
            {
                length: 6,
                special: false,
                upper: false,
                keepers: runKeepers(args.templateName, args.parameters, args.run.token),
            },
            { parent: this, provider: args.randomProvider, dependsOn: opts?.dependsOn },
        );
        const workflowName = pulumi.interpolate`${args.target}-${args.run.action}-${suffix.result}`;
        const manifest = workflowRun("placeholder", args.namespace, args.templateName, args.arguments, {
            ...args.labels,
            [projectLabel("run")]: args.run.action,
        });
        const workflow = new k8s.apiextensions.CustomResource(
            `${name}-workflow`,
            {
                ...manifest,
                metadata: { ...manifest.metadata, name: workflowName },
            },
            // A submitted run is a record: its name (from the keepers: template, every parameter
            // value, token) says which run it is. Its arguments also depend on the template's
            // defaults, and a change there that leaves its values as they were must not rewrite it.
            childOptions(this, args.provider, opts, { deleteBeforeReplace: true, ignoreChanges: ["spec"] }),
        );
        this.workflowName = workflow.metadata.name;
        if (args.run.wait) {
            const completion = new WorkflowRunCompletion(
                `${name}-completion`,
                {
                    kube: args.kube,
                    namespace: args.namespace,
                    workflowName: workflow.metadata.name,
                    workflowUid: workflow.metadata.uid,
                    timeoutSeconds: args.run.timeoutSeconds,
                },
                { parent: this, dependsOn: [workflow] },
            );
            this.phase = completion.phase;
            this.gate = completion;
        } else {
            this.phase = pulumi.output("Submitted");
            this.gate = workflow;
        }
        this.registerOutputs({ workflowName: this.workflowName, phase: this.phase });
    }
}
