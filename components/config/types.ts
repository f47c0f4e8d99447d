/**
 * The resolved configuration the rest of the program consumes: the schema's output (defaults
 * applied, derived values filled in by its transforms) with each cluster's instances and exporters
 * after the cluster's overrides. Every field is final and read-only; nothing downstream
 * re-validates or re-defaults. The fields' docs are the schema's (schema.ts).
 */
import type { z } from "zod";
import type { exporterSchema, instanceSchema, RawCluster, RawConfig, runSchema } from "./schema";
import type { podsSchema } from "./placement";
import type { networkPolicySchema } from "./network-policy";

type DeepReadonly<T> = T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Where pods run, resolved: the namespace's `pods` with the instance's or exporter's own keys over it. */
export type PodPlacementConfig = DeepReadonly<z.output<typeof podsSchema>>;
/** The NetworkPolicies of a target, resolved: the namespace's `networkPolicy` with the instance's or exporter's own keys over it. */
export type NetworkPolicyConfig = DeepReadonly<z.output<typeof networkPolicySchema>>;
/** One NetworkPolicy peer (a label selector pair, or an ipBlock). */
export type PeerConfig = NetworkPolicyConfig["clients"][number];
/** One Arkouda-on-Kubernetes instance: a server pod plus `locales` locale pods. */
export type InstanceConfig = DeepReadonly<Omit<z.output<typeof instanceSchema>, "pods" | "networkPolicy">> & {
    readonly pods: PodPlacementConfig;
    readonly networkPolicy: NetworkPolicyConfig;
};
/** A prometheus-arkouda-exporter for an Arkouda that runs elsewhere (e.g. Slurm). */
export type ExporterConfig = DeepReadonly<Omit<z.output<typeof exporterSchema>, "pods" | "networkPolicy">> & {
    readonly pods: Omit<PodPlacementConfig, "spreadLocales">;
    readonly networkPolicy: Omit<NetworkPolicyConfig, "clients">;
};
/** An ephemeral Workflow that `pulumi up` submits. */
export type RunConfig = DeepReadonly<z.output<typeof runSchema>>;
/** One cron schedule of a CronWorkflow. */
export type ScheduleConfig = InstanceConfig["schedules"]["deploy"];

type Settled = DeepReadonly<RawConfig>;
export type DeadlinesConfig = Settled["deadlines"];
export type WorkflowPodsConfig = Settled["workflowPods"];
export type RetriesConfig = Settled["retries"];
export type RolloutStrategy = Settled["rollout"]["strategy"];
export type SshSource = Settled["ssh"]["source"];
/** The Pod Security Admission levels of a namespace the program creates. */
export type PodSecurityConfig = Settled["podSecurity"];

/** How the program reaches one Kubernetes cluster, and what it deploys there. */
export type ClusterConfig = DeepReadonly<Omit<RawCluster, "instances" | "exporters" | "overrides">> & {
    /** Instances on this cluster, with the cluster's overrides applied. */
    readonly instances: readonly InstanceConfig[];
    readonly exporters: readonly ExporterConfig[];
};

export type ArkoudaWorkflowsConfig = Omit<Settled, "instances" | "exporters" | "clusters" | "pods" | "networkPolicy"> & {
    readonly clusters: readonly ClusterConfig[];
    /** The top-level `pods.imagePullSecrets`: every step pod's (each target's own list is in its `pods`). */
    readonly imagePullSecrets: readonly string[];
    /** Whether the stack sets a registry credential; its values are Pulumi secrets only (`loadSecrets`). */
    readonly registryCredential: boolean;
};

/** Everything a namespace's shared objects need: identities, secrets, templates. */
export type NamespaceSettings = Pick<
    ArkoudaWorkflowsConfig,
    | "workflowServiceAccountName"
    | "arkoudaServiceAccountName"
    | "arkoudaTokenSecretName"
    | "images"
    | "deadlines"
    | "workflowPods"
    | "retries"
> &
    Pick<ClusterConfig, "namespace" | "kubernetesApiUrl"> & {
        readonly sshSecretName: string;
        /** The PriorityClass the namespace's delete steps run at; none with `workflowPods.deletePriority.source: none`. */
        readonly deletePriorityClassName?: string;
        /** The Secret the stack declares from the registry credential, which every pod pulls with; none without one. */
        readonly registrySecretName?: string;
        /** The top-level `pods.imagePullSecrets`, which the step pods pull with beside the registry credential's. */
        readonly imagePullSecrets: readonly string[];
    };
