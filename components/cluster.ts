/**
 * One target cluster: its explicit providers and everything the program declares there,
 * all parented under this component. Shared per namespace: identities, SSH secret and the
 * four WorkflowTemplates. Per instance or exporter: a destroy-time teardown, schedules and
 * an optional run.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { childOptions, componentChildOptions, typeToken } from "./component";
import { ClusterConfig, InstanceConfig, NamespaceSettings, RunConfig, ScheduleConfig, SshSource } from "./config";
import { ArkoudaIdentity, WorkflowIdentity } from "./identity";
import { argoSubmitCommand } from "./commands";
import { WorkflowRun } from "./runs";
import { arkoudaRuntimeObjectRefs, exporterRuntimeObjectRefs } from "./runtime-objects";
import { RuntimeObjectRef, RuntimeTeardown, TeardownTargetInput } from "./runtime-teardown";
import { Schedules } from "./schedules";
import { SshKeyMaterial, SshSecret } from "./ssh-secret";
import {
    arkoudaParameters,
    DELETE_ARKOUDA_TEMPLATE,
    DELETE_EXPORTER_TEMPLATE,
    DEPLOY_ARKOUDA_TEMPLATE,
    DEPLOY_EXPORTER_TEMPLATE,
    exporterParameters,
    workflowGrants,
    WorkflowTemplates,
} from "./workflow-templates";
import { KubeAccessInput } from "./workflow-run";

/** Labels on every object Pulumi declares; `pulumi destroy` must leave none behind. */
export const PART_OF_LABEL = { "app.kubernetes.io/part-of": "arkouda-workflows" };

export interface ArkoudaClusterArgs {
    /** The resolved cluster: connection, namespace, and its instances/exporters with overrides applied. */
    readonly cluster: ClusterConfig;
    /** Namespace-wide names, images and deadlines. */
    readonly settings: NamespaceSettings;
    /** Where the SSH key pair comes from. */
    readonly sshSource: SshSource;
    /** Key material from secret stack config, when `sshSource` is `config`. */
    readonly sshKeyMaterial?: SshKeyMaterial;
    /** `ssh.rotation`: a new value generates a new key pair (with `sshSource` generate). */
    readonly sshRotation?: string;
    /** Kubeconfig content from secret stack config, when the cluster names `kubeconfigSecret`. */
    readonly kubeconfigContent?: pulumi.Output<string>;
    /** Names of the clusters of the previous rollout wave, whose gates arrive as opts.dependsOn. */
    readonly waitsFor?: readonly string[];
}

/** What a person needs to use one instance or exporter by hand, exported as stack outputs. */
export interface TargetOutputs {
    cronWorkflows: pulumi.Output<Record<string, string>>;
    schedules: Record<string, { schedules: readonly string[]; timezone: string; suspend: boolean } | undefined>;
    commands: { deploy: string; delete: string };
    clientService?: string;
    run?: { workflowName: pulumi.Output<string>; phase: pulumi.Output<string> };
}

function describeSchedule(schedule: ScheduleConfig) {
    return schedule.enabled ? { schedules: schedule.schedules, timezone: schedule.timezone, suspend: schedule.suspend } : undefined;
}

export class ArkoudaCluster extends pulumi.ComponentResource {
    public readonly name: string;
    public readonly provider: k8s.Provider;
    public readonly namespace: string;
    public readonly workflowTemplateNames: pulumi.Output<string[]>;
    public readonly instances: Record<string, TargetOutputs>;
    public readonly exporters: Record<string, TargetOutputs>;
    /** What a later rollout wave waits on: this cluster's runs, or the whole cluster when it has none. */
    public readonly gates: pulumi.Resource[];
    /** Clusters of the previous wave this one waits for. */
    public readonly waitsFor: readonly string[];
    /** Everything exported per cluster as a stack output. */
    public readonly outputs: {
        namespace: string;
        wave: number;
        waitsFor: readonly string[];
        workflowTemplates: pulumi.Output<string[]>;
        instances: Record<string, TargetOutputs>;
        exporters: Record<string, TargetOutputs>;
    };

    constructor(name: string, args: ArkoudaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("cluster", "ArkoudaCluster"), name, {}, opts);
        const { cluster, settings } = args;
        this.name = cluster.name;
        this.namespace = cluster.namespace;
        this.waitsFor = args.waitsFor ?? [];

        const kubeconfig = args.kubeconfigContent ?? cluster.kubeconfig;
        this.provider = new k8s.Provider(`${name}-kubernetes`, {
            ...(kubeconfig !== undefined ? { kubeconfig } : {}),
            ...(cluster.context ? { context: cluster.context } : {}),
            namespace: cluster.namespace,
        }, { parent: this });
        const randomProvider = new random.Provider(`${name}-random`, {}, { parent: this });
        const kube: pulumi.Input<KubeAccessInput> = {
            ...(args.kubeconfigContent ? { kubeconfig: pulumi.secret(args.kubeconfigContent) } : {}),
            ...(cluster.kubeconfig ? { kubeconfigPath: cluster.kubeconfig } : {}),
            ...(cluster.context ? { context: cluster.context } : {}),
        };
        const provider = this.provider;

        const namespaceResource = cluster.createNamespace
            ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: cluster.namespace, labels: PART_OF_LABEL } }, childOptions(this, provider, opts))
            : undefined;
        // Everything namespaced waits for the namespace; the gates of earlier waves come with opts.
        const shared: pulumi.ComponentResourceOptions = componentChildOptions(this, {
            dependsOn: [...toArray(opts?.dependsOn), ...(namespaceResource ? [namespaceResource] : [])],
        });

        new WorkflowIdentity(`${name}-workflow-identity`, {
            namespace: cluster.namespace,
            serviceAccountName: settings.workflowServiceAccountName,
            grants: workflowGrants(),
            provider,
            labels: PART_OF_LABEL,
        }, shared);
        const arkoudaIdentity = new ArkoudaIdentity(`${name}-arkouda-identity`, {
            namespace: cluster.namespace,
            serviceAccountName: settings.arkoudaServiceAccountName,
            tokenSecretName: settings.arkoudaTokenSecretName,
            provider,
            labels: PART_OF_LABEL,
        }, shared);
        const sshSecret = new SshSecret(`${name}-ssh`, {
            namespace: cluster.namespace,
            secretName: settings.sshSecretName,
            source: args.sshSource,
            keyMaterial: args.sshKeyMaterial,
            rotation: args.sshRotation,
            provider,
            labels: PART_OF_LABEL,
        }, shared);
        const templates = new WorkflowTemplates(`${name}-templates`, {
            settings,
            defaultInstance: cluster.instances[0],
            defaultExporter: cluster.exporters[0],
            provider,
            labels: PART_OF_LABEL,
        }, shared);
        this.workflowTemplateNames = templates.templateNames;

        // Runs and schedules start only once everything they use exists, and on destroy they
        // go first, before the teardown removes what earlier runs created. One teardown for the
        // whole namespace (not one per instance): see runtime-teardown.ts for why.
        const foundations = [...toArray(shared.dependsOn), arkoudaIdentity, sshSecret, templates];
        const teardown = new RuntimeTeardown(`${name}-teardown`, {
            kube,
            namespace: cluster.namespace,
            targets: [
                ...cluster.instances.map((i) => teardownTarget("instance", i.name, arkoudaRuntimeObjectRefs(i.name), [`${i.name}-deploy`, `${i.name}-delete`])),
                ...cluster.exporters.map((e) => teardownTarget("exporter", e.name, exporterRuntimeObjectRefs(e.name), [])),
            ],
            timeoutSeconds: settings.deadlines.deleteSeconds,
        }, { parent: this, dependsOn: foundations });
        const after = [...toArray(shared.dependsOn), teardown];
        const target = (kind: "instance" | "exporter", targetName: string) => ({ labels: { ...PART_OF_LABEL, [`arkouda-workflows/${kind}`]: targetName }, after });

        const gates: pulumi.Resource[] = [];
        const runOf = (targetName: string, run: RunConfig | undefined, templateName: string, parameters: Record<string, string>, labels: Record<string, string>, after: pulumi.Input<pulumi.Resource>[]) => {
            if (!run) return undefined;
            const workflowRun = new WorkflowRun(`${name}-${targetName}-run`, {
                namespace: cluster.namespace,
                target: targetName,
                run,
                templateName,
                parameters,
                labels,
                provider,
                randomProvider,
                kube,
            }, componentChildOptions(this, { dependsOn: after }));
            gates.push(workflowRun.gate);
            return { workflowName: workflowRun.workflowName, phase: workflowRun.phase };
        };
        const commandsFor = (deployTemplate: string, deleteTemplate: string, parameters: Record<string, string>) => ({
            deploy: argoSubmitCommand({ namespace: cluster.namespace, templateName: deployTemplate, parameters, kubeconfig: cluster.kubeconfig, context: cluster.context }),
            delete: argoSubmitCommand({ namespace: cluster.namespace, templateName: deleteTemplate, parameters, kubeconfig: cluster.kubeconfig, context: cluster.context }),
        });

        this.instances = {};
        for (const instance of cluster.instances) {
            const parameters = arkoudaParameters(instance, settings);
            const { labels, after } = target("instance", instance.name);
            const schedules = new Schedules(`${name}-${instance.name}-schedules`, {
                namespace: cluster.namespace,
                target: instance.name,
                schedules: [
                    { kind: "deploy", templateName: DEPLOY_ARKOUDA_TEMPLATE, parameters, schedule: instance.schedules.deploy },
                    { kind: "delete", templateName: DELETE_ARKOUDA_TEMPLATE, parameters, schedule: instance.schedules.delete },
                ],
                labels,
                provider,
            }, componentChildOptions(this, { dependsOn: after }));
            const runTemplate = instance.run?.action === "delete" ? DELETE_ARKOUDA_TEMPLATE : DEPLOY_ARKOUDA_TEMPLATE;
            this.instances[instance.name] = {
                cronWorkflows: schedules.cronWorkflowNames,
                schedules: { deploy: describeSchedule(instance.schedules.deploy), delete: describeSchedule(instance.schedules.delete) },
                commands: commandsFor(DEPLOY_ARKOUDA_TEMPLATE, DELETE_ARKOUDA_TEMPLATE, parameters),
                clientService: clientServiceAddress(instance, cluster.namespace),
                run: runOf(instance.name, instance.run, runTemplate, parameters, labels, after),
            };
        }

        this.exporters = {};
        for (const exporter of cluster.exporters) {
            const parameters = exporterParameters(exporter, settings);
            const { labels, after } = target("exporter", exporter.name);
            const runTemplate = exporter.run?.action === "delete" ? DELETE_EXPORTER_TEMPLATE : DEPLOY_EXPORTER_TEMPLATE;
            this.exporters[exporter.name] = {
                cronWorkflows: pulumi.output<Record<string, string>>({}),
                schedules: {},
                commands: commandsFor(DEPLOY_EXPORTER_TEMPLATE, DELETE_EXPORTER_TEMPLATE, parameters),
                run: runOf(exporter.name, exporter.run, runTemplate, parameters, labels, after),
            };
        }

        this.gates = gates.length > 0 ? gates : [this];
        this.outputs = {
            namespace: this.namespace,
            wave: cluster.wave,
            waitsFor: this.waitsFor,
            workflowTemplates: this.workflowTemplateNames,
            instances: this.instances,
            exporters: this.exporters,
        };
        this.registerOutputs(this.outputs);
    }
}

/**
 * What the teardown removes for one instance or exporter: its Workflows (whichever label they
 * carry: the standard instance label, ours from the templates' labelsFrom and the
 * CronWorkflows, or Argo's for a CronWorkflow's children), then its runtime objects.
 */
export function teardownTarget(kind: "instance" | "exporter", targetName: string, refs: readonly RuntimeObjectRef[], cronWorkflows: readonly string[]): TeardownTargetInput {
    const workflowSelectors = [`app.kubernetes.io/instance=${targetName}`, `arkouda-workflows/${kind}=${targetName}`];
    if (cronWorkflows.length > 0) workflowSelectors.push(`workflows.argoproj.io/cron-workflow in (${cronWorkflows.join(",")})`);
    return { name: targetName, workflowSelectors, refs };
}

/** Where Arkouda clients connect: the Service the server registers at start-up. */
export function clientServiceAddress(instance: InstanceConfig, namespace: string): string {
    return `${instance.name}.${namespace}.svc.cluster.local:${instance.serverPort}`;
}

function toArray<T>(value: pulumi.Input<pulumi.Input<T>[]> | pulumi.Input<T> | undefined): pulumi.Input<T>[] {
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value as pulumi.Input<T>];
}

