/**
 * The values records the runtime objects are built from, one field per WorkflowTemplate parameter:
 * the templates fill them with Argo parameter placeholders (components/argo/expr.ts), tests with
 * an instance's concrete values. Which parameter fills which field: the parameter tables
 * (components/workflow-templates/parameters.ts). A number a manifest carries as an integer is a
 * number here; one it carries as text (env values, `15s`) is a string.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { PlacementValues } from "./placement";
import type { PodSecurityContext } from "../argo/model";

/** Every per-instance value an Arkouda deploy's objects are built from. */
export interface ArkoudaValues {
    readonly instanceName: string;
    readonly serverName: string;
    readonly version: string;
    /** Locale pods besides the server. */
    readonly locales: number;
    /** CPU request and limit of the server and locale containers. */
    readonly cpu: string;
    readonly cpuLimit: string;
    readonly memory: string;
    readonly numThreadsPerLocale: string;
    readonly memMax: string;
    readonly imagePullPolicy: string;
    readonly launcher: string;
    readonly logLevel: string;
    readonly memTrack: string;
    readonly serverPort: number;
    readonly metricsEnabled: string;
    readonly metricsServicePort: number;
    readonly pollingIntervalSeconds: string;
    readonly exporterPort: number;
    readonly exporterCpu: string;
    readonly exporterMemory: string;
    readonly prometheusMatchLabels: Readonly<Record<string, string>>;
    readonly serviceMonitorEnabled: string;
    readonly scrapeInterval: string;
    readonly scrapeTimeout: string;
    readonly scrapeAnnotations: string;
    readonly runAsUser: string;
    readonly runAsUid: string;
    readonly runAsGroup: string;
    readonly runAsGid: string;
    /** The server's and locales' placement (the exporter sidecar runs in the server pod). */
    readonly nodeSelector: PlacementValues["nodeSelector"];
    readonly tolerations: PlacementValues["tolerations"];
    readonly affinity: PlacementValues["affinity"];
    readonly priorityClassName: string;
    readonly podLabels: PlacementValues["podLabels"];
    readonly podAnnotations: PlacementValues["podAnnotations"];
    readonly imagePullSecrets: PlacementValues["imagePullSecrets"];
    readonly terminationGracePeriodSeconds: number;
    /** The locales' topology spread (`spreadLocales`). */
    readonly localeSpread: readonly k8s.types.input.core.v1.TopologySpreadConstraint[];
    /** "true": arkouda_server --authenticate, with the token of the Secret `<instance>-token`. */
    readonly authenticate: string;
    /** The data volumes of the server and locale pods, after the program's own (volumes.ts). */
    readonly volumes: readonly k8s.types.input.core.v1.Volume[];
    /** Where the Arkouda containers mount them. */
    readonly volumeMounts: readonly k8s.types.input.core.v1.VolumeMount[];
    /** What the pods' securityContext gains for them (pod-security.ts, `dataVolumeOwnership`). */
    readonly volumeOwnership: PodSecurityContext;
}

/** Every value a standalone exporter's objects are built from. */
export interface ExporterValues {
    readonly name: string;
    readonly serverName: string;
    readonly version: string;
    readonly metricsServiceHost: string;
    readonly metricsServicePort: string;
    readonly pollingIntervalSeconds: string;
    readonly exporterPort: number;
    readonly launcher: string;
    readonly cpu: string;
    readonly memory: string;
    readonly imagePullPolicy: string;
    readonly prometheusMatchLabels: Readonly<Record<string, string>>;
    readonly serviceMonitorEnabled: string;
    readonly scrapeInterval: string;
    readonly scrapeTimeout: string;
    readonly scrapeAnnotations: string;
    readonly nodeSelector: PlacementValues["nodeSelector"];
    readonly tolerations: PlacementValues["tolerations"];
    readonly affinity: PlacementValues["affinity"];
    readonly priorityClassName: string;
    readonly podLabels: PlacementValues["podLabels"];
    readonly podAnnotations: PlacementValues["podAnnotations"];
    readonly imagePullSecrets: PlacementValues["imagePullSecrets"];
    readonly terminationGracePeriodSeconds: number;
}
