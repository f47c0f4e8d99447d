/** Fixed configuration the Argo template / runtime-object tests and golden files render from. */
import type { ExporterConfig, InstanceConfig, NamespaceSettings, NetworkPolicyConfig, ScheduleConfig } from "../../components/config/types";
import { REGISTRY_SECRET_NAME } from "../../components/names";

const schedule = (schedules: string[]): ScheduleConfig => ({
    enabled: true,
    schedules,
    timezone: "America/New_York",
    suspend: false,
    concurrencyPolicy: "Replace",
    startingDeadlineSeconds: 0,
    successfulJobsHistoryLimit: 4,
    failedJobsHistoryLimit: 4,
});

export const fixtureNamespace: NamespaceSettings = {
    namespace: "arkouda",
    workflowServiceAccountName: "arkouda-workflows",
    arkoudaServiceAccountName: "arkouda",
    arkoudaTokenSecretName: "arkouda-token",
    sshSecretName: "arkouda-ssh",
    images: {
        server: "bearsrus/arkouda-udp-server",
        exporter: "bearsrus/prometheus-arkouda-exporter",
        kubectl: "registry.k8s.io/kubectl:v1.36.3",
    },
    deadlines: { deploySeconds: 1800, deleteSeconds: 600, localeReadySeconds: 900, serverReadySeconds: 300 },
    kubernetesApiUrl: "https://kubernetes.default.svc",
    // Every placement knob set, so the golden files show each on the pods it reaches.
    workflowPods: {
        nodeSelector: { "node-role.example.com/workflows": "true" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "workflows", effect: "NoSchedule" }],
        priorityClassName: "workflow-steps",
        deletePriority: { source: "declare", value: 1000 },
    },
    deletePriorityClassName: "arkouda-workflows-delete-arkouda",
    retries: { limit: 4, backoffSeconds: 5, factor: 2, capSeconds: 60 },
    // A registry credential's Secret and the namespace's own pull Secrets, so the golden files
    // show both on every pod: the step pods' through the Workflow, the others' through a parameter.
    registrySecretName: REGISTRY_SECRET_NAME,
    imagePullSecrets: ["corp-mirror"],
};

const placement = {
    nodeSelector: { "node-role.example.com/arkouda": "true" },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "arkouda", effect: "NoSchedule" }],
    affinity: {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["zone-a"] }] }],
            },
        },
    },
    priorityClassName: "arkouda-batch",
    terminationGracePeriodSeconds: 7,
    labels: { team: "hpc" },
    annotations: { "example.com/owner": "hpc-team" },
    imagePullSecrets: ["arkouda-images"],
} as const;

/** The defaults of `networkPolicy` (what a stack that does not set it gets). */
export const fixtureNetworkPolicy: NetworkPolicyConfig = {
    enabled: true,
    clients: [{ podSelector: {} }],
    prometheus: [{ namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
    egress: {
        enabled: false,
        dns: [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
        ],
        apiServer: [],
        apiServerPort: 6443,
        metricsServer: [],
    },
};

const { clients: _clients, ...exporterNetworkPolicy } = fixtureNetworkPolicy;

export const fixtureInstance: InstanceConfig = {
    name: "arkouda-on-k8s",
    serverName: "arkouda-on-k8s",
    version: "v2024.04.19",
    locales: 2,
    cpu: "2000m",
    cpuLimit: "2000m",
    memory: "2048Mi",
    chapel: { numThreadsPerLocale: 2, memMax: 1000000000 },
    imagePullPolicy: "IfNotPresent",
    launcher: "kubernetes",
    logLevel: "LogLevel.DEBUG",
    memTrack: true,
    serverPort: 5555,
    metrics: {
        enabled: true,
        servicePort: 5556,
        pollingIntervalSeconds: 15,
        exporterPort: 5080,
        exporterCpu: "500m",
        exporterMemory: "1Gi",
        prometheusMatchLabels: { release: "kube-stack" },
        serviceMonitor: { enabled: true, interval: "30s", scrapeTimeout: "10s" },
        scrapeAnnotations: true,
    },
    schedules: { deploy: schedule(["0 7 * * *"]), delete: schedule(["0 17 * * *"]) },
    pods: { ...placement, spreadLocales: "required" },
    networkPolicy: fixtureNetworkPolicy,
    // A claim by name and one the stack declares (a node directory is refused by the baseline
    // Pod Security the pods are held to), so the golden files show the volumes on the pods.
    volumes: [
        { name: "datasets", mountPath: "/data/datasets", existingClaim: "shared-datasets" },
        {
            name: "scratch",
            mountPath: "/data/scratch",
            claim: { storageClass: "fast", size: "100Gi", accessMode: "ReadWriteMany", retainOnDestroy: true },
        },
    ],
    authenticate: false,
    tokenRotation: "",
};

export const fixtureRunAsInstance: InstanceConfig = {
    ...fixtureInstance,
    name: "arkouda-bearsrus",
    runAs: { user: "bearsrus", uid: 1009, group: "bearsrus-arkouda-users", gid: 1019 },
};

export const fixtureExporter: ExporterConfig = {
    name: "arkouda-on-slurm-exporter",
    serverName: "arkouda-on-slurm",
    version: "v2024.04.19",
    metricsServiceHost: "arkouda-metrics.arkouda",
    metricsServicePort: 5556,
    pollingIntervalSeconds: 15,
    exporterPort: 5080,
    launcher: "slurm",
    cpu: "250m",
    memory: "256Mi",
    imagePullPolicy: "IfNotPresent",
    prometheusMatchLabels: { release: "kube-stack" },
    serviceMonitor: { enabled: true, interval: "15s", scrapeTimeout: "" },
    scrapeAnnotations: false,
    pods: placement,
    networkPolicy: exporterNetworkPolicy,
};
