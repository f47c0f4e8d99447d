/**
 * Resolved configuration types: what the rest of the program consumes after
 * `loadConfig()` has validated stack config, applied defaults and derived values.
 * Every field here is final; nothing downstream re-validates or re-defaults.
 */

export type ImagePullPolicy = "Always" | "IfNotPresent" | "Never";
export type ConcurrencyPolicy = "Allow" | "Forbid" | "Replace";
export type ArkoudaLogLevel = "LogLevel.DEBUG" | "LogLevel.INFO" | "LogLevel.WARN" | "LogLevel.ERROR" | "LogLevel.CRITICAL";
export type RunAction = "deploy" | "delete";
export type RolloutStrategy = "parallel" | "waves";
export type SshSource = "generate" | "existing" | "config";

/** Optional POSIX identity Arkouda runs as (ARKOUDA_USER/UID/GROUP/GID). */
export interface RunAs {
    readonly user: string;
    readonly uid: number;
    readonly group: string;
    readonly gid: number;
}

/** Prometheus scraping of the Arkouda metrics exporter. */
export interface MetricsConfig {
    readonly enabled: boolean;
    /** Port of the Arkouda server's metrics endpoint (ARKOUDA_METRICS_SERVICE_PORT). */
    readonly servicePort: number;
    /** Seconds between exporter polls and Prometheus scrapes (ARKOUDA_METRICS_POLLING_INTERVAL). */
    readonly pollingIntervalSeconds: number;
    /** Port the prometheus-arkouda-exporter serves /metrics on. */
    readonly exporterPort: number;
    /** CPU of the exporter sidecar (requests = limits). */
    readonly exporterCpu: string;
    /** Memory of the exporter sidecar (requests = limits). */
    readonly exporterMemory: string;
    /** Labels the target Prometheus selects ServiceMonitors by (ARKOUDA_PROMETHEUS_MATCH_LABEL). */
    readonly prometheusMatchLabels: Readonly<Record<string, string>>;
}

/** One cron schedule of a CronWorkflow. */
export interface ScheduleConfig {
    readonly enabled: boolean;
    /** One or more 5-field cron expressions (or @daily style descriptors). */
    readonly schedules: readonly string[];
    readonly timezone: string;
    readonly suspend: boolean;
    readonly concurrencyPolicy: ConcurrencyPolicy;
    readonly startingDeadlineSeconds: number;
    readonly successfulJobsHistoryLimit: number;
    readonly failedJobsHistoryLimit: number;
}

/** An ephemeral Workflow that `pulumi up` submits. */
export interface RunConfig {
    readonly action: RunAction;
    /** Free text; changing it submits a new run even when no input changed. */
    readonly token: string;
    /** Block `pulumi up` until the run finishes. */
    readonly wait: boolean;
    readonly timeoutSeconds: number;
}

/** One Arkouda-on-Kubernetes instance: a server pod plus `locales` locale pods. */
export interface InstanceConfig {
    /** ARKOUDA_INSTANCE_NAME: prefix of every runtime object's name. */
    readonly name: string;
    /** ARKOUDA_SERVER_NAME. */
    readonly serverName: string;
    /** ARKOUDA_VERSION: tag of the arkouda-udp-server and exporter images. */
    readonly version: string;
    /** ARKOUDA_NUMBER_OF_LOCALES: locale pods, besides the server. */
    readonly locales: number;
    /** ARKOUDA_TOTAL_NUMBER_OF_LOCALES, derived: locales + the server. */
    readonly totalLocales: number;
    /** ARKOUDA_CPU_CORES (a Kubernetes quantity). */
    readonly cpu: string;
    /** ARKOUDA_MEMORY (a Kubernetes quantity). */
    readonly memory: string;
    readonly chapel: {
        /** CHPL_NUM_THREADS_PER_LOCALE. */
        readonly numThreadsPerLocale: number;
        /** CHPL_MEM_MAX in bytes. */
        readonly memMax: number;
    };
    readonly imagePullPolicy: ImagePullPolicy;
    /** ARKOUDA_LAUNCHER: the label value Prometheus targets carry. */
    readonly launcher: string;
    readonly logLevel: ArkoudaLogLevel;
    readonly memTrack: boolean;
    /** Port Arkouda clients connect to. */
    readonly serverPort: number;
    readonly runAs?: RunAs;
    readonly metrics: MetricsConfig;
    readonly schedules: { readonly deploy: ScheduleConfig; readonly delete: ScheduleConfig };
    readonly run?: RunConfig;
}

/** A prometheus-arkouda-exporter for an Arkouda that runs elsewhere (e.g. Slurm). */
export interface ExporterConfig {
    /** ARKOUDA_EXPORTER_APP_NAME and ARKOUDA_EXPORTER_SERVICE_NAME. */
    readonly name: string;
    /** ARKOUDA_SERVER_NAME. */
    readonly serverName: string;
    /** ARKOUDA_VERSION: exporter image tag. */
    readonly version: string;
    /** ARKOUDA_METRICS_SERVICE_HOST: where the Arkouda metrics endpoint is. */
    readonly metricsServiceHost: string;
    /** ARKOUDA_METRICS_SERVICE_PORT. */
    readonly metricsServicePort: number;
    /** ARKOUDA_EXPORTER_POLLING_INTERVAL. */
    readonly pollingIntervalSeconds: number;
    readonly exporterPort: number;
    /** ARKOUDA_LAUNCHER. */
    readonly launcher: string;
    readonly cpu: string;
    readonly memory: string;
    readonly imagePullPolicy: ImagePullPolicy;
    readonly prometheusMatchLabels: Readonly<Record<string, string>>;
    readonly run?: RunConfig;
}

/** How the program reaches one Kubernetes cluster. */
export interface ClusterConfig {
    readonly name: string;
    /** Path to a kubeconfig file; unset means the ambient one ($KUBECONFIG or ~/.kube/config). */
    readonly kubeconfig?: string;
    /** Name of a secret stack config key holding a whole kubeconfig. */
    readonly kubeconfigSecret?: string;
    readonly context?: string;
    readonly namespace: string;
    readonly createNamespace: boolean;
    /** URL the Arkouda server uses to reach the Kubernetes API from inside the cluster (KUBERNETES_URL). */
    readonly kubernetesApiUrl: string;
    /** Rollout wave; wave N+1 waits for wave N's runs. */
    readonly wave: number;
    /** Instances on this cluster, with the cluster's overrides applied. */
    readonly instances: readonly InstanceConfig[];
    readonly exporters: readonly ExporterConfig[];
}

export interface ImagesConfig {
    /** Repository of the Arkouda server/locale image; the tag is the instance's version. */
    readonly server: string;
    /** Repository of prometheus-arkouda-exporter; the tag is the instance's or exporter's version. */
    readonly exporter: string;
    /** Full reference of an image with kubectl, used by the multi-object workflow steps. */
    readonly kubectl: string;
}

export interface DeadlinesConfig {
    /** activeDeadlineSeconds of a deploy workflow. */
    readonly deploySeconds: number;
    /** activeDeadlineSeconds of a delete workflow. */
    readonly deleteSeconds: number;
    /** How long the deploy waits for all locales to be Ready. */
    readonly localeReadySeconds: number;
    /** How long the deploy waits for the server pod to run. */
    readonly serverReadySeconds: number;
}

export interface ArkoudaWorkflowsConfig {
    readonly workflowServiceAccountName: string;
    /** ARKOUDA_SERVICEACCOUNT_NAME. */
    readonly arkoudaServiceAccountName: string;
    /** ARKOUDA_SERVICEACCOUNT_TOKEN_NAME. */
    readonly arkoudaTokenSecretName: string;
    readonly ssh: { readonly secretName: string; readonly source: SshSource; readonly rotation: string };
    readonly images: ImagesConfig;
    readonly deadlines: DeadlinesConfig;
    readonly rollout: { readonly strategy: RolloutStrategy };
    readonly clusters: readonly ClusterConfig[];
}

/** Everything a namespace's shared objects need: identities, secrets, templates. */
export interface NamespaceSettings {
    readonly namespace: string;
    readonly workflowServiceAccountName: string;
    readonly arkoudaServiceAccountName: string;
    readonly arkoudaTokenSecretName: string;
    readonly sshSecretName: string;
    readonly images: ImagesConfig;
    readonly deadlines: DeadlinesConfig;
    readonly kubernetesApiUrl: string;
}
