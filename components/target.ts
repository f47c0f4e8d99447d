/**
 * One instance or exporter on a cluster: what the cluster's destroy-time teardown removes for
 * it, what guards its pods (its NetworkPolicies and token Secret), its deploy and delete
 * CronWorkflows (instances only), an optional run, and the stack outputs a person uses by hand.
 * `instancePlan` and `exporterPlan` decide all of it from config and the namespace's templates
 * (pure, plain data); `declareTargetGuards` and `declareTarget` only declare what a plan says.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { argoSubmitCommand } from "./commands";
import { typeToken } from "./component";
import { ClusterConfig, ExporterConfig, InstanceConfig, RunConfig, ScheduleConfig } from "./config";
import { PART_OF_LABEL, projectLabel } from "./names";
import { WorkflowRun } from "./workflow-run";
import { arkoudaNames, arkoudaRuntimeObjectRefs, exporterRuntimeObjectRefs } from "./runtime-objects";
import { declareArkoudaToken } from "./arkouda-token";
import { ClaimPlan, instanceClaims } from "./instance-claims";
import { RuntimeObjectRef, TeardownTargetInput } from "./dynamic/runtime-teardown-plan";
import { cronWorkflowName, declareSchedules, ScheduleEntry, ScheduleKind } from "./schedules";
import {
    arkoudaParameters,
    BuiltTemplate,
    DELETE_ARKOUDA_TEMPLATE,
    DELETE_EXPORTER_TEMPLATE,
    DEPLOY_ARKOUDA_TEMPLATE,
    DEPLOY_EXPORTER_TEMPLATE,
    exporterParameters,
    templateArguments,
} from "./workflow-templates";
import type { KubeAccessInput } from "./dynamic/kubeconfig";
import { exporterNetworkPolicies, instanceNetworkPolicies, metricsReaders, NetworkPolicyObject } from "./network-policy";

export type TargetKind = "instance" | "exporter";

/** Where a target lives: the cluster's namespace and how `argo` reaches it by hand. */
export type TargetPlace = Pick<ClusterConfig, "namespace" | "kubeconfig" | "context">;

/** An enabled schedule as exported; a disabled one is exported as undefined. */
export interface ScheduleSummary {
    readonly schedules: readonly string[];
    readonly timezone: string;
    readonly suspend: boolean;
}

/** Everything about one instance or exporter that needs no engine. Pure data. */
export interface TargetPlan {
    readonly kind: TargetKind;
    readonly name: string;
    /** On its CronWorkflows and runs: part-of plus `arkouda-workflows/<kind>=<name>`. */
    readonly labels: Readonly<Record<string, string>>;
    /** Every parameter value of its templates: what a run's identity (its keepers) is made of. */
    readonly parameters: Readonly<Record<string, string>>;
    /** What its CronWorkflows, runs and commands give each template: where it differs from the defaults. */
    readonly arguments: Readonly<Record<ScheduleKind, Readonly<Record<string, string>>>>;
    /** Its deploy and delete schedules; undefined for an exporter, which has none. */
    readonly schedules?: readonly ScheduleEntry[];
    /** The run `pulumi up` submits, when configured. */
    readonly run?: { readonly config: RunConfig; readonly templateName: string; readonly arguments: Readonly<Record<string, string>> };
    /** What the cluster's teardown removes for it. */
    readonly teardown: TeardownTargetInput;
    readonly scheduleSummaries: Readonly<Record<string, ScheduleSummary | undefined>>;
    readonly commands: { readonly deploy: string; readonly delete: string };
    readonly clientService?: string;
    /** An instance with `authenticate`: the Secret that holds its token, and its rotation label. */
    readonly token?: { readonly secretName: string; readonly rotation: string };
    /** Its NetworkPolicies (none with `networkPolicy.enabled: false`), declared before anything that starts its pods. */
    readonly networkPolicies: readonly NetworkPolicyObject[];
    /** The claims the stack declares for an instance's volumes (the cluster declares them: cluster.ts). */
    readonly claims?: readonly ClaimPlan[];
}

/** What a person needs to use one instance or exporter by hand, exported as stack outputs. */
export interface TargetOutputs {
    cronWorkflows: pulumi.Output<Record<string, string>>;
    schedules: Readonly<Record<string, ScheduleSummary | undefined>>;
    commands: { readonly deploy: string; readonly delete: string };
    clientService?: string;
    /** The Secret holding the instance's token (the token itself: the secret stack output `tokens`). */
    tokenSecret?: string;
    /** The claims the stack declares for the instance's volumes. */
    claims?: readonly string[];
    run?: { workflowName: pulumi.Output<string>; phase: pulumi.Output<string> };
}

type Templates = Readonly<Record<ScheduleKind, string>>;
const ARKOUDA_TEMPLATES: Templates = { deploy: DEPLOY_ARKOUDA_TEMPLATE, delete: DELETE_ARKOUDA_TEMPLATE };
const EXPORTER_TEMPLATES: Templates = { deploy: DEPLOY_EXPORTER_TEMPLATE, delete: DELETE_EXPORTER_TEMPLATE };
const SCHEDULE_KINDS: readonly ScheduleKind[] = ["deploy", "delete"];

/**
 * The plan of one Arkouda instance, on a namespace with `templates` (`namespaceTemplates`); `readers`
 * are the cluster's standalone exporters that read its metrics daemon. Pure.
 */
export function instancePlan(
    instance: InstanceConfig,
    place: TargetPlace,
    templates: readonly BuiltTemplate[],
    readers: readonly string[] = [],
): TargetPlan {
    const common = commonPlan("instance", instance.name, arkoudaParameters(instance), ARKOUDA_TEMPLATES, templates, instance.run, place);
    return {
        ...common,
        schedules: SCHEDULE_KINDS.map((kind) => ({
            kind,
            templateName: ARKOUDA_TEMPLATES[kind],
            arguments: common.arguments[kind],
            schedule: instance.schedules[kind],
        })),
        // Both CronWorkflow names, enabled or not: a disabled one may have spawned Workflows before.
        teardown: teardownTarget(
            "instance",
            instance.name,
            arkoudaRuntimeObjectRefs(instance.name),
            SCHEDULE_KINDS.map((kind) => cronWorkflowName(instance.name, kind)),
        ),
        scheduleSummaries: Object.fromEntries(SCHEDULE_KINDS.map((kind) => [kind, describeSchedule(instance.schedules[kind])])),
        clientService: clientServiceAddress(instance, place.namespace),
        networkPolicies: instanceNetworkPolicies(instance, place.namespace, readers),
        ...(instance.authenticate ? { token: { secretName: arkoudaNames(instance.name).token, rotation: instance.tokenRotation } } : {}),
        claims: instanceClaims(instance),
    };
}

/** The plan of one standalone exporter; `instances` are the cluster's (its metrics daemon may be one of them). Pure. */
export function exporterPlan(
    exporter: ExporterConfig,
    place: TargetPlace,
    templates: readonly BuiltTemplate[],
    instances: readonly InstanceConfig[] = [],
): TargetPlan {
    return {
        ...commonPlan("exporter", exporter.name, exporterParameters(exporter), EXPORTER_TEMPLATES, templates, exporter.run, place),
        teardown: teardownTarget("exporter", exporter.name, exporterRuntimeObjectRefs(exporter.name), []),
        scheduleSummaries: {},
        networkPolicies: exporterNetworkPolicies(exporter, place.namespace, instances),
    };
}

/** Every instance's and exporter's plan on one cluster, instances first. Pure. */
export function targetPlans(cluster: ClusterConfig, templates: readonly BuiltTemplate[]): TargetPlan[] {
    return [
        ...cluster.instances.map((i) => instancePlan(i, cluster, templates, metricsReaders(i, cluster.exporters))),
        ...cluster.exporters.map((e) => exporterPlan(e, cluster, templates, cluster.instances)),
    ];
}

function commonPlan(
    kind: TargetKind,
    name: string,
    parameters: Record<string, string>,
    names: Templates,
    templates: readonly BuiltTemplate[],
    run: RunConfig | undefined,
    place: TargetPlace,
) {
    const args = Object.fromEntries(
        SCHEDULE_KINDS.map((k) => [k, templateArguments(declaredBy(templates, names[k]), parameters)]),
    ) as Record<ScheduleKind, Record<string, string>>;
    const command = (k: ScheduleKind) =>
        argoSubmitCommand({
            namespace: place.namespace,
            templateName: names[k],
            parameters: args[k],
            kubeconfig: place.kubeconfig,
            context: place.context,
        });
    return {
        kind,
        name,
        labels: { ...PART_OF_LABEL, [projectLabel(kind)]: name },
        parameters,
        arguments: args,
        ...(run ? { run: { config: run, templateName: names[run.action], arguments: args[run.action] } } : {}),
        commands: { deploy: command("deploy"), delete: command("delete") },
    };
}

/** The parameters the template named `name` declares. */
function declaredBy(templates: readonly BuiltTemplate[], name: string) {
    const found = templates.find((t) => t.name === name);
    if (!found) throw new Error(`no WorkflowTemplate ${name} among ${templates.map((t) => t.name).join(", ")}`);
    return found.declared;
}

function describeSchedule(schedule: ScheduleConfig): ScheduleSummary | undefined {
    return schedule.enabled ? { schedules: schedule.schedules, timezone: schedule.timezone, suspend: schedule.suspend } : undefined;
}

/**
 * What the teardown removes for one instance or exporter: its Workflows (whichever label they
 * carry: the standard instance label, ours from the templates' labelsFrom and the
 * CronWorkflows, or Argo's for a CronWorkflow's children), then its runtime objects.
 */
export function teardownTarget(
    kind: TargetKind,
    targetName: string,
    refs: readonly RuntimeObjectRef[],
    cronWorkflows: readonly string[],
): TeardownTargetInput {
    const workflowSelectors = [`app.kubernetes.io/instance=${targetName}`, `${projectLabel(kind)}=${targetName}`];
    if (cronWorkflows.length > 0) workflowSelectors.push(`workflows.argoproj.io/cron-workflow in (${cronWorkflows.join(",")})`);
    return { name: targetName, workflowSelectors, refs };
}

/** Where Arkouda clients connect: the Service the server registers at start-up. */
export function clientServiceAddress(instance: InstanceConfig, namespace: string): string {
    return `${instance.name}.${namespace}.svc.cluster.local:${instance.serverPort}`;
}

export interface TargetArgs {
    readonly plan: TargetPlan;
    readonly namespace: string;
    /** The cluster's providers; nothing here uses an ambient default provider. */
    readonly provider: k8s.Provider;
    readonly randomProvider: random.Provider;
    /** How a waited run reaches the cluster. */
    readonly kube: pulumi.Input<KubeAccessInput>;
}

/** What guards a target's pods: its token Secret and its NetworkPolicies. */
export interface TargetGuards {
    /** An authenticating instance's token (a Pulumi secret) and its Secret. */
    readonly token?: { readonly secret: k8s.core.v1.Secret; readonly token: pulumi.Output<string> };
    /** Every resource of it: the cluster's teardown depends on them. */
    readonly resources: readonly pulumi.Resource[];
}

/** What `declareTarget` leaves: the target's stack outputs and what a later wave waits on. */
export interface DeclaredTarget {
    readonly outputs: TargetOutputs;
    /** The run, when there is one. */
    readonly gate?: pulumi.Resource;
    /** An authenticating instance's token (a Pulumi secret). */
    readonly token?: pulumi.Output<string>;
}

/**
 * Declares what a target's pods mount or are confined by: its token Secret and its
 * NetworkPolicies. They wait for nothing of the target. The cluster's teardown depends on them
 * and every run and schedule on the teardown, so they exist before any pod starts, and on
 * destroy they go after the teardown has removed the pods: no pod runs without its policies.
 */
export function declareTargetGuards(
    name: string,
    args: Pick<TargetArgs, "plan" | "namespace" | "provider" | "randomProvider">,
    opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): TargetGuards {
    const { plan, namespace, provider } = args;
    const token = plan.token
        ? declareArkoudaToken(
              `${name}-token`,
              {
                  namespace,
                  secretName: plan.token.secretName,
                  rotation: plan.token.rotation,
                  labels: plan.labels,
                  provider,
                  randomProvider: args.randomProvider,
              },
              opts,
          )
        : undefined;
    const policies = plan.networkPolicies.map(
        (policy) =>
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${policy.metadata.name.slice(plan.name.length + 1)}`,
                {
                    metadata: { name: policy.metadata.name, namespace, labels: { ...policy.metadata.labels } },
                    spec: policy.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec,
                },
                { ...opts, provider },
            ),
    );
    return { ...(token ? { token } : {}), resources: [...(token ? [token.secret] : []), ...policies] };
}

/**
 * Declares one target's plan under `opts.parent` (its cluster): its CronWorkflows (instances) and
 * its WorkflowRun (when configured). `name` is `<cluster>-<target>`. `opts.dependsOn` holds the
 * cluster's teardown, which holds the target's guards. There is no component per target: it
 * cost two resources per instance, each a state entry and an engine step.
 */
export function declareTarget(
    name: string,
    args: TargetArgs & { readonly guards: TargetGuards },
    opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): DeclaredTarget {
    const { plan, namespace, provider, guards } = args;
    const formerParents = formerTargetParents(name, opts.parent);
    const cronWorkflows = plan.schedules
        ? declareSchedules(
              `${name}-schedules`,
              { namespace, target: plan.name, schedules: plan.schedules, labels: plan.labels },
              opts,
              formerParents.schedules,
          )
        : pulumi.output<Record<string, string>>({});
    const run = plan.run
        ? new WorkflowRun(
              `${name}-run`,
              {
                  namespace,
                  target: plan.name,
                  run: plan.run.config,
                  templateName: plan.run.templateName,
                  arguments: plan.run.arguments,
                  parameters: plan.parameters,
                  labels: plan.labels,
                  provider,
                  randomProvider: args.randomProvider,
                  kube: args.kube,
              },
              { ...opts, aliases: formerParents.run.map((parent) => ({ parent })) },
          )
        : undefined;
    return {
        gate: run?.gate,
        ...(guards.token ? { token: guards.token.token } : {}),
        outputs: {
            cronWorkflows,
            schedules: plan.scheduleSummaries,
            commands: plan.commands,
            ...(plan.clientService !== undefined ? { clientService: plan.clientService } : {}),
            ...(plan.token ? { tokenSecret: plan.token.secretName } : {}),
            ...(plan.claims && plan.claims.length > 0 ? { claims: plan.claims.map((c) => c.name) } : {}),
            run: run ? { workflowName: run.workflowName, phase: run.phase } : undefined,
        },
    };
}

/**
 * The URNs of the components a target's resources were children of in earlier versions: an
 * `ArkoudaTarget` per target, and below it (or, before that, below the cluster) a `Schedules`
 * per instance. Aliases to them keep existing stacks' resources where they are.
 */
function formerTargetParents(name: string, cluster: pulumi.Resource) {
    const target = pulumi.createUrn(name, typeToken("cluster", "ArkoudaTarget"), cluster);
    const schedules = (parent: pulumi.Input<string> | pulumi.Resource) =>
        pulumi.createUrn(`${name}-schedules`, typeToken("argo", "Schedules"), parent);
    return { schedules: [schedules(target), schedules(cluster)], run: [target] };
}
