/**
 * One cluster: its explicit providers and everything the program declares there,
 * all parented under this component. Shared per namespace: identities, SSH secret, the pull Secret
 * of a registry credential, the four WorkflowTemplates and the destroy-time teardown. Per instance or exporter, declared straight
 * under this component: its claims (instance-claims.ts), CronWorkflows and optional run (target.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { childOptions, typeToken } from "./component";
import { ClusterConfig, NamespaceSettings, PodSecurityConfig, SshSource } from "./config";
import { podSecurityLabels } from "./pod-security";
import { ArkoudaIdentity, WorkflowIdentity } from "./identity";
import { PART_OF_LABEL } from "./names";
import { RuntimeTeardown } from "./dynamic/runtime-teardown";
import { SshKeyMaterial, SshSecret } from "./ssh-secret";
import { declareRegistrySecret, RegistryCredential } from "./registry-secret";
import { declareTarget, declareTargetGuards, TargetKind, TargetOutputs, TargetPlan, targetPlans } from "./target";
import { declareInstanceClaims } from "./instance-claims";
import { namespaceTemplates, workflowGrants, WorkflowTemplates } from "./workflow-templates";
import type { KubeAccessInput } from "./dynamic/kubeconfig";

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
    /** The registry credential from secret stack config, from which the namespace's pull Secret is declared. */
    readonly registryCredential?: RegistryCredential;
    /** Kubeconfig content from secret stack config, when the cluster names `kubeconfigSecret`. */
    readonly kubeconfigContent?: pulumi.Output<string>;
    /** Names of the clusters of the previous rollout wave, whose gates arrive as opts.dependsOn. */
    readonly waitsFor?: readonly string[];
    /** The Pod Security Admission levels of the namespace, when the cluster creates it. */
    readonly podSecurity: PodSecurityConfig;
}

export class ArkoudaCluster extends pulumi.ComponentResource {
    public readonly name: string;
    public readonly provider: k8s.Provider;
    public readonly namespace: string;
    public readonly workflowTemplateNames: pulumi.Output<string[]>;
    public readonly instances: Record<string, TargetOutputs>;
    public readonly exporters: Record<string, TargetOutputs>;
    /** The token of each instance with `authenticate`, by instance name (Pulumi secrets). */
    public readonly tokens: Record<string, pulumi.Output<string>>;
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

        // Providers are not held behind earlier waves: only what they declare is.
        const provider = new k8s.Provider(`${name}-kubernetes`, kubernetesProviderArgs(cluster, args.kubeconfigContent), { parent: this });
        const randomProvider = new random.Provider(`${name}-random`, {}, { parent: this });
        this.provider = provider;

        // Built before the identities: the workflow Role is derived from what their steps touch.
        const templates = namespaceTemplates(settings, cluster.instances, cluster.exporters);
        const plans = targetPlans(cluster, templates);
        const namespace = cluster.createNamespace
            ? [
                  new k8s.core.v1.Namespace(
                      `${name}-namespace`,
                      {
                          metadata: { name: cluster.namespace, labels: { ...PART_OF_LABEL, ...podSecurityLabels(args.podSecurity) } },
                      },
                      // Deleting a namespace deletes every object in it: the claims `pulumi destroy` keeps too.
                      { ...childOptions(this, provider, opts), retainOnDelete: keepsClaims(plans) },
                  ),
              ]
            : [];
        // Everything namespaced waits for the namespace; the gates of earlier waves come with opts.
        const shared = childOptions(this, provider, opts, { dependsOn: namespace });
        const common = { namespace: cluster.namespace, provider, labels: PART_OF_LABEL };
        new WorkflowIdentity(
            `${name}-workflow-identity`,
            {
                ...common,
                serviceAccountName: settings.workflowServiceAccountName,
                grants: workflowGrants(templates.flatMap((t) => t.touches)),
            },
            shared,
        );
        const arkoudaIdentity = new ArkoudaIdentity(
            `${name}-arkouda-identity`,
            {
                ...common,
                serviceAccountName: settings.arkoudaServiceAccountName,
                tokenSecretName: settings.arkoudaTokenSecretName,
            },
            shared,
        );
        const sshSecret = new SshSecret(
            `${name}-ssh`,
            {
                ...common,
                secretName: settings.sshSecretName,
                source: args.sshSource,
                keyMaterial: args.sshKeyMaterial,
                rotation: args.sshRotation,
                secretDependsOn: namespace,
            },
            // Not `shared`: the key pair needs no namespace, so the dynamic provider's node
            // process, which the teardown (and so every run and schedule) waits for, can start
            // while the namespace is created.
            childOptions(this, provider, opts),
        );
        const registrySecret =
            args.registryCredential && settings.registrySecretName !== undefined
                ? [
                      declareRegistrySecret(
                          `${name}-registry`,
                          { ...common, secretName: settings.registrySecretName, credential: args.registryCredential },
                          shared,
                      ),
                  ]
                : [];
        const deletePriority = deletePriorityClass(settings);
        // Cluster-scoped: no namespace to wait for. Step pods that name a missing class are refused
        // at admission, so the templates wait for it (and go before it on destroy).
        const priorityClasses = deletePriority
            ? [new k8s.scheduling.v1.PriorityClass(`${name}-delete-priority`, deletePriority, childOptions(this, provider, opts))]
            : [];
        const declaredTemplates = new WorkflowTemplates(
            `${name}-templates`,
            {
                namespace: cluster.namespace,
                templates: templates.map((t) => t.template),
                provider,
                labels: PART_OF_LABEL,
            },
            childOptions(this, provider, opts, { dependsOn: [...namespace, ...priorityClasses] }),
        );
        this.workflowTemplateNames = declaredTemplates.templateNames;

        // The instances' claims: the teardown depends on them, so on destroy a claim goes after the
        // teardown has deleted the pods that mount it (a claim in use is only deleted once they are gone).
        const claims = plans.flatMap((plan) =>
            declareInstanceClaims(
                `${name}-${plan.name}`,
                { claims: plan.claims ?? [], namespace: cluster.namespace, labels: plan.labels, provider },
                shared,
            ),
        );
        const guards = plans.map((plan) =>
            declareTargetGuards(
                `${name}-${plan.name}`,
                { plan, namespace: cluster.namespace, provider, randomProvider },
                { ...shared, parent: this },
            ),
        );
        // Runs and schedules start only once everything they use exists, and on destroy they
        // go first, before the teardown removes what earlier runs created; the targets' guards
        // go after it. One teardown for the whole namespace (not one per instance): see
        // dynamic/runtime-teardown.ts for why.
        const kube = kubeAccess(cluster, args.kubeconfigContent);
        const teardown = new RuntimeTeardown(
            `${name}-teardown`,
            {
                kube,
                namespace: cluster.namespace,
                targets: plans.map((plan) => plan.teardown),
                timeoutSeconds: settings.deadlines.deleteSeconds,
            },
            // Runs wait for the pull Secret too (through the teardown), and it outlives their pods on destroy.
            childOptions(this, undefined, opts, {
                dependsOn: [
                    ...namespace,
                    arkoudaIdentity,
                    sshSecret,
                    ...registrySecret,
                    declaredTemplates,
                    ...claims,
                    ...guards.flatMap((g) => g.resources),
                ],
            }),
        );
        const targets = plans.map((plan, i) =>
            declareTarget(
                `${name}-${plan.name}`,
                { plan, namespace: cluster.namespace, provider, randomProvider, kube, guards: guards[i] },
                // The teardown waits for the namespace already: each name here is a URN more in every CronWorkflow's state.
                { ...childOptions(this, provider, opts, { dependsOn: teardown }), parent: this },
            ),
        );

        const outputsOf = (kind: TargetKind) =>
            Object.fromEntries(plans.flatMap((plan, i) => (plan.kind === kind ? [[plan.name, targets[i].outputs]] : [])));
        this.instances = outputsOf("instance");
        this.exporters = outputsOf("exporter");
        this.tokens = Object.fromEntries(plans.flatMap((plan, i) => (targets[i].token ? [[plan.name, targets[i].token]] : [])));
        const gates = targets.flatMap((t) => (t.gate ? [t.gate] : []));
        this.gates = gates.length > 0 ? gates : [this];
        this.outputs = {
            namespace: this.namespace,
            wave: cluster.wave,
            waitsFor: this.waitsFor,
            workflowTemplates: this.workflowTemplateNames,
            instances: this.instances,
            exporters: this.exporters,
        };
        // The per-target outputs are the stack's own outputs; stored here as well they would
        // double each instance's share of the state.
        this.registerOutputs({ namespace: this.namespace, wave: cluster.wave, workflowTemplates: this.workflowTemplateNames });
    }
}

/** Whether an instance of the cluster has a claim `pulumi destroy` keeps. */
function keepsClaims(plans: readonly TargetPlan[]): boolean {
    return plans.some((plan) => (plan.claims ?? []).some((claim) => claim.retainOnDestroy));
}

/**
 * The PriorityClass the program declares for a namespace's delete steps (`workflowPods.deletePriority`),
 * or none when the stack names an existing one or turns it off. Above the Arkouda pods' priority,
 * so the scheduler may preempt pods to make room for a delete step; never the cluster default.
 */
function deletePriorityClass(settings: NamespaceSettings): k8s.scheduling.v1.PriorityClassArgs | undefined {
    const { deletePriority } = settings.workflowPods;
    if (deletePriority.source !== "declare" || settings.deletePriorityClassName === undefined) return undefined;
    return {
        metadata: { name: settings.deletePriorityClassName, labels: PART_OF_LABEL },
        value: deletePriority.value,
        globalDefault: false,
        preemptionPolicy: "PreemptLowerPriority",
        description: `Delete steps of arkouda-workflows in namespace ${settings.namespace}: they may preempt lower-priority pods (the Arkouda pods they are deleting, or others on a full node).`,
    };
}

/** The cluster's kubernetes provider: its kubeconfig (file or secret content), context and namespace. */
function kubernetesProviderArgs(cluster: ClusterConfig, kubeconfigContent: pulumi.Output<string> | undefined): k8s.ProviderArgs {
    const kubeconfig = kubeconfigContent ?? cluster.kubeconfig;
    return {
        ...(kubeconfig !== undefined ? { kubeconfig } : {}),
        ...(cluster.context ? { context: cluster.context } : {}),
        namespace: cluster.namespace,
    };
}

/** How the dynamic resources (teardown, run wait) reach the cluster, the kubeconfig content kept secret. */
function kubeAccess(cluster: ClusterConfig, kubeconfigContent: pulumi.Output<string> | undefined): pulumi.Input<KubeAccessInput> {
    return {
        ...(kubeconfigContent ? { kubeconfig: pulumi.secret(kubeconfigContent) } : {}),
        ...(cluster.kubeconfig ? { kubeconfigPath: cluster.kubeconfig } : {}),
        ...(cluster.context ? { context: cluster.context } : {}),
    };
}
