/**
 * The stack config schema: every key a stack may set, its type, its default, the rule it must
 * satisfy and what the docs say about it. Input is what a user writes in Pulumi.<stack>.yaml; the
 * output, after the transforms derive what follows from it, is the resolved model of `types.ts`.
 */
import { z } from "zod";
import * as rules from "./rules";
import { doc, KeyDoc } from "./key-docs";
import { checked, int, labelMap, strictObject } from "./schema-kit";
import { exporterPodsSchema, instancePodsSchema, podsSchema, retriesSchema, workflowPodsSchema } from "./placement";
import { exporterNetworkPolicySchema, instanceNetworkPolicySchema, networkPolicySchema } from "./network-policy";
import { volumeSchema } from "./volumes";
import { REGISTRY_SECRET_NAME } from "../names";

const dnsLabel = () => checked(rules.dnsLabel, "DNS label");
const dnsSubdomain = () => checked(rules.dnsSubdomain, "DNS subdomain");
const serviceName = () => checked(rules.serviceName, `DNS-1035 label, ≤${rules.MAX_INSTANCE_NAME_LENGTH} chars`);
const quantity = () => checked(rules.quantity, "quantity");
const imageTag = () => checked(rules.imageTag, "image tag");
const imageRepository = () => checked(rules.imageRepository, "image repository");
const labelValue = () => checked(rules.labelValue, "label value");
const prometheusDuration = () => checked(rules.prometheusDuration, "Prometheus duration (`30s`, `1m30s`)");
const posixName = () => checked(rules.posixName, "POSIX name");

const port = () => doc(int(1, 65535), { type: "port" });
const seconds = (min: number, max: number) => int(min, max);

export const DEFAULT_ARKOUDA_VERSION = "v2024.04.19";
const DEFAULT_MATCH_LABELS = { release: "kube-stack" };
const DEFAULT_DEPLOY_SCHEDULE = "0 7 * * *";
const DEFAULT_DELETE_SCHEDULE = "0 17 * * *";
const DEFAULT_TIMEZONE = "America/New_York";
/**
 * The exporter image imports the whole arkouda client (pandas, numpy): upstream's chart gives it
 * 500m-1000m CPU and 512Mi-1Gi memory; requests = limits here, at the chart's CPU request and
 * memory limit.
 */
const DEFAULT_EXPORTER_CPU = "500m";
const DEFAULT_EXPORTER_MEMORY = "1Gi";
/** kubectl image of the multi-object steps: the version the toolchain builds and tests with. */
const DEFAULT_KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.36.3";

const cron = checked(rules.cronExpression, "cron expression");

function scheduleSchema(defaultSchedule: string) {
    return strictObject({
        enabled: doc(z.boolean().default(true), { description: "create the CronWorkflow" }),
        schedule: doc(z.union([cron, z.array(cron).min(1)]).default(defaultSchedule), {
            type: "cron expression or list (5 fields or `@daily`-style, as Argo parses them)",
            description: "when it runs; a list runs at each of its times",
        }),
        timezone: doc(checked(rules.timezone, "IANA zone").default(DEFAULT_TIMEZONE), { description: "the zone the schedule is read in" }),
        suspend: doc(z.boolean().default(false), { description: "keep the CronWorkflow but start nothing" }),
        concurrencyPolicy: doc(z.enum(["Allow", "Forbid", "Replace"]).default("Forbid"), {
            description: "with the mutex, a running deploy is never replaced",
        }),
        startingDeadlineSeconds: doc(seconds(0, 86400).default(300), {
            description: "a run missed by less than this (a controller restart) still starts",
        }),
        successfulJobsHistoryLimit: doc(int(0, 100).default(4), { description: "succeeded Workflows kept" }),
        failedJobsHistoryLimit: doc(int(0, 100).default(4), { description: "failed Workflows kept" }),
    }).transform(({ enabled, schedule, ...rest }) => ({
        enabled,
        /** One or more cron expressions, each once. */
        schedules: typeof schedule === "string" ? [schedule] : [...new Set(schedule)],
        ...rest,
    }));
}

/** The CronWorkflows' schedules (`instances[].schedules.deploy|delete`). */
export const scheduleSchemas = {
    deploy: scheduleSchema(DEFAULT_DEPLOY_SCHEDULE),
    delete: scheduleSchema(DEFAULT_DELETE_SCHEDULE),
};

/** An ephemeral Workflow that `pulumi up` submits. */
export const runSchema = doc(
    strictObject({
        action: doc(z.enum(["deploy", "delete"]).default("deploy"), { description: "what the run does" }),
        token: doc(z.string().max(128).default(""), { description: "change it to submit a new run with unchanged inputs" }),
        wait: doc(z.boolean().default(true), {
            description: "`pulumi up` blocks until the run Succeeded, fails with the run's own message if it Failed/Errored",
        }),
        timeoutSeconds: doc(seconds(10, 86400).default(1800), { description: "how long `pulumi up` waits for the run" }),
    }),
    { table: "run" },
);

const runAsSchema = strictObject({
    user: doc(posixName(), { description: "user Arkouda runs as; `runAs` takes all four keys or none", replaces: "`ARKOUDA_USER`" }),
    uid: doc(int(1, 2147483647), { description: "its uid", replaces: "`ARKOUDA_UID`" }),
    group: doc(posixName(), { description: "group Arkouda runs as", replaces: "`ARKOUDA_GROUP`" }),
    gid: doc(int(1, 2147483647), { description: "its gid", replaces: "`ARKOUDA_GID`" }),
});

export const IMAGE_PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
export const LOG_LEVELS = ["LogLevel.DEBUG", "LogLevel.INFO", "LogLevel.WARN", "LogLevel.ERROR", "LogLevel.CRITICAL"] as const;
const imagePullPolicy = z.enum(IMAGE_PULL_POLICIES);
const serverName = () =>
    doc(serviceName().optional(), {
        default: "`name`",
        description: "the `arkouda_instance` metrics label",
        replaces: "`ARKOUDA_SERVER_NAME`",
    });
const version = (description: string) => doc(imageTag().default(DEFAULT_ARKOUDA_VERSION), { description, replaces: "`ARKOUDA_VERSION`" });

/**
 * How Prometheus is told about an exporter's Service: a ServiceMonitor (prometheus-operator) and the
 * `prometheus.io/*` annotations annotation-based scrape configs read. `metrics.*` of an instance,
 * top level of an exporter.
 */
const serviceMonitorSchema = strictObject({
    enabled: doc(z.boolean().default(true), {
        description:
            "register a ServiceMonitor for the exporter Service; off: none, so no prometheus-operator CRD is needed (a cluster none of whose instances, or exporters, registers one gets templates without the step and a workflow Role without the grant)",
        replaces: "– (upstream always applied one)",
    }),
    interval: doc(prometheusDuration().optional(), {
        default: "the polling interval (`<pollingIntervalSeconds>s`)",
        description: "how often Prometheus scrapes the exporter (ServiceMonitor `interval`)",
        replaces: "– (upstream: the polling interval)",
    }),
    scrapeTimeout: doc(prometheusDuration().optional(), {
        default: "unset: Prometheus' (its global scrape timeout, at most the interval)",
        description: "ServiceMonitor `scrapeTimeout`; must not exceed `interval` (the operator drops a ServiceMonitor whose timeout does)",
        replaces: "–",
    }),
}).prefault({});

const scrapeAnnotations = () =>
    doc(z.boolean().default(true), {
        description:
            '`prometheus.io/scrape: "true"`, `prometheus.io/port` and `prometheus.io/path` on the exporter Service, for annotation-based scrape configs (off: `prometheus.io/scrape: "false"`)',
        replaces: "–",
    });

/** A ServiceMonitor's interval is the exporter's polling interval unless set; an unset timeout is empty (Prometheus' own). */
function withScrapeDefaults<
    T extends { pollingIntervalSeconds: number; serviceMonitor: { enabled: boolean; interval?: string; scrapeTimeout?: string } },
>(target: T): Omit<T, "serviceMonitor"> & { serviceMonitor: { enabled: boolean; interval: string; scrapeTimeout: string } } {
    const { serviceMonitor, ...rest } = target;
    return {
        ...rest,
        serviceMonitor: {
            enabled: serviceMonitor.enabled,
            interval: serviceMonitor.interval ?? `${target.pollingIntervalSeconds}s`,
            scrapeTimeout: serviceMonitor.scrapeTimeout ?? "",
        },
    };
}

/** The server name is the target's own name unless set. */
function withServerName<T extends { name: string; serverName?: string }>({ name, serverName, ...rest }: T) {
    return { name, serverName: serverName ?? name, ...rest };
}

/** The CPU limit is the request unless set (Guaranteed QoS). */
function withCpuLimit<T extends { cpu: string; cpuLimit?: string }>({ cpuLimit, ...rest }: T) {
    return { ...rest, cpuLimit: cpuLimit ?? rest.cpu };
}

function schedule(kind: keyof typeof scheduleSchemas, defaultSchedule: string) {
    return doc(scheduleSchemas[kind].prefault({}), {
        table: "schedule",
        default: `\`${defaultSchedule}\``,
        description: `when the ${kind} CronWorkflow runs`,
        replaces: "`argo cron create` scripts",
    });
}

// ---------------------------------------------------------------------------------------------
// Security: the namespace's Pod Security Admission levels and an instance's client token
// (docs/security.md).
// ---------------------------------------------------------------------------------------------

const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;

function podSecurityLevel(level: (typeof POD_SECURITY_LEVELS)[number], description: string) {
    return doc(z.enum(POD_SECURITY_LEVELS).default(level), { description, replaces: "–" });
}

/**
 * The Pod Security Admission labels of a namespace the program creates. `baseline` is the
 * strictest level the Arkouda server and locale pods pass (sshd needs root); the step pods and
 * exporters pass `restricted`, which is warned and audited so any other gap shows.
 */
const podSecuritySchema = strictObject({
    enforce: podSecurityLevel(
        "baseline",
        "Pod Security level a namespace the program creates enforces (label `pod-security.kubernetes.io/enforce`): a violating pod is refused",
    ),
    warn: podSecurityLevel("restricted", "level whose violations the API server returns as warnings to whoever creates the pod"),
    audit: podSecurityLevel("restricted", "level whose violations the API server records in its audit log"),
});

/** A rotation label: any new value makes a new secret; the value itself means nothing. */
const rotationLabel = () =>
    z
        .string()
        .max(128)
        .refine((v) => !/[\r\n]/.test(v), "must be a single line (any label, e.g. the date of the rotation)")
        .default("");

/** An instance's client authentication. */
const instanceSecurityShape = {
    authenticate: doc(z.boolean().default(false), {
        description:
            "start arkouda_server with `--authenticate`; clients send the token the stack generates (Secret `<name>-token`, stack output `tokens`); not with `metrics.enabled` (docs/security.md)",
        replaces: "`AUTHENTICATE` of the image's start script; the chart's `server.authenticate`",
    }),
    tokenRotation: doc(rotationLabel(), {
        type: "single-line label, ≤128 chars; only with `authenticate`",
        description: "any new value generates a new token; the server takes it at its next start (a delete, then a deploy)",
        replaces: "–",
    }),
};

/** One Arkouda-on-Kubernetes instance: a server pod plus `locales` locale pods. */
export const instanceSchema = doc(
    strictObject({
        name: doc(serviceName(), {
            description: "prefix of every runtime object's name; unique among instances and exporters",
            replaces: "`ARKOUDA_INSTANCE_NAME`",
        }),
        serverName: serverName(),
        version: version("tag of the server and exporter images"),
        locales: doc(int(1, rules.MAX_LOCALES).default(2), {
            description: "locale pods, besides the server",
            replaces: "`ARKOUDA_NUMBER_OF_LOCALES`",
        }),
        cpu: doc(quantity().default("2000m"), {
            description: "CPU each pod requests (and its limit unless `cpuLimit` is set)",
            replaces: "`ARKOUDA_CPU_CORES`",
        }),
        cpuLimit: doc(quantity().optional(), {
            default: "`cpu`",
            description:
                "CPU limit of each pod, at least `cpu`; above it, the pods may use idle CPU beyond their request (the start-up's sshd and ssh handshakes finish in seconds instead of tens of seconds at a small request) and lose the Guaranteed QoS class",
            replaces: "the charts' `resources.limits.cpu`",
        }),
        memory: doc(quantity().default("2048Mi"), { description: "memory per pod (requests = limits)", replaces: "`ARKOUDA_MEMORY`" }),
        chapel: strictObject({
            numThreadsPerLocale: doc(int(1, 4096).default(2), {
                description: "threads each locale runs",
                replaces: "`CHPL_NUM_THREADS_PER_LOCALE`",
            }),
            memMax: doc(z.number().int().positive().default(1_000_000_000), {
                type: "bytes, ≤ `memory`",
                description: "Chapel's heap cap; above the memory limit the kernel kills the locale",
                replaces: "`CHPL_MEM_MAX`",
            }),
        }).prefault({}),
        imagePullPolicy: doc(imagePullPolicy.default("IfNotPresent"), {
            description: "pull policy of the Arkouda pods",
            replaces: "`ARKOUDA_IMAGE_POLICY` / `ARKOUDA_IMAGE_PULL_POLICY`",
        }),
        launcher: doc(labelValue().default("kubernetes"), { description: "the `launcher` metrics label", replaces: "`ARKOUDA_LAUNCHER`" }),
        logLevel: doc(z.enum(LOG_LEVELS).default("LogLevel.INFO"), {
            description: "`arkouda_server --logLevel`",
            replaces: "log level fixed to DEBUG in the deploy script",
        }),
        memTrack: doc(z.boolean().default(true), { description: "`arkouda_server --memTrack`", replaces: "the script's mem-track flag" }),
        serverPort: doc(port().default(5555), { description: "port Arkouda clients connect to", replaces: "hard-coded client port" }),
        runAs: doc(runAsSchema.optional(), { default: "unset (the image's `ubuntu` user)" }),
        metrics: strictObject({
            enabled: doc(z.boolean().default(true), {
                description: "run the metrics daemon and exporter sidecar (its Service, and a ServiceMonitor per `serviceMonitor`)",
                replaces: "the script's collect-metrics flag",
            }),
            servicePort: doc(port().default(5556), {
                description: "port of the server's metrics daemon",
                replaces: "`ARKOUDA_METRICS_SERVICE_PORT`",
            }),
            pollingIntervalSeconds: doc(seconds(1, 3600).default(15), {
                description: "seconds between exporter polls (and Prometheus scrapes, unless `serviceMonitor.interval`)",
                replaces: "`ARKOUDA_METRICS_POLLING_INTERVAL`",
            }),
            exporterPort: doc(port().default(5080), {
                description: "port the exporter sidecar serves /metrics on",
                replaces: "hard-coded exporter port (`METRICS_SCRAPE_PORT` in the image)",
            }),
            exporterCpu: doc(quantity().default(DEFAULT_EXPORTER_CPU), {
                description: "CPU of the exporter sidecar (requests = limits)",
                replaces: "– (the sidecar had no resources)",
            }),
            exporterMemory: doc(quantity().default(DEFAULT_EXPORTER_MEMORY), {
                description: "memory of the exporter sidecar (requests = limits)",
                replaces: "– (the sidecar had no resources)",
            }),
            prometheusMatchLabels: doc(labelMap.prefault(DEFAULT_MATCH_LABELS), {
                description: "labels the target Prometheus selects ServiceMonitors by",
                replaces: "`ARKOUDA_PROMETHEUS_MATCH_LABEL` (a raw `key: value` string upstream)",
            }),
            serviceMonitor: serviceMonitorSchema,
            scrapeAnnotations: scrapeAnnotations(),
        })
            .transform(withScrapeDefaults)
            .prefault({}),
        pods: instancePodsSchema,
        networkPolicy: instanceNetworkPolicySchema,
        volumes: doc(z.array(volumeSchema).default([]), {
            description:
                "data volumes, each mounted in the server and every locale pod (`volume` below); with `runAs`, the pods get its gid as their fsGroup",
            replaces: "the charts' `persistence.*`",
        }),
        schedules: strictObject({
            deploy: schedule("deploy", DEFAULT_DEPLOY_SCHEDULE),
            delete: schedule("delete", DEFAULT_DELETE_SCHEDULE),
        }).prefault({}),
        run: doc(runSchema.optional(), { description: "a Workflow `pulumi up` submits", replaces: "`argo submit` scripts" }),
        ...instanceSecurityShape,
    }).transform((instance) => withCpuLimit(withServerName(instance))),
    {
        table: "instance",
        derived: [
            { value: "`locales + 1`", replaces: "`ARKOUDA_TOTAL_NUMBER_OF_LOCALES`" },
            { value: "`localhost:<servicePort>` (sidecar) and `<name>-metrics`", replaces: "`ARKOUDA_METRICS_SERVICE_HOST`" },
            { value: "`<name>-metrics-exporter`", replaces: "`ARKOUDA_EXPORTER_APP_NAME`, `ARKOUDA_EXPORTER_SERVICE_NAME`" },
        ],
    },
);

/** A prometheus-arkouda-exporter for an Arkouda that runs elsewhere (e.g. Slurm). */
export const exporterSchema = doc(
    strictObject({
        name: doc(serviceName(), {
            description: "name of its objects; unique among instances and exporters",
            replaces: "`ARKOUDA_EXPORTER_APP_NAME`, `ARKOUDA_EXPORTER_SERVICE_NAME`",
        }),
        serverName: serverName(),
        version: version("exporter image tag"),
        metricsServiceHost: doc(dnsSubdomain(), {
            description: "where the Arkouda metrics daemon listens",
            replaces: "`ARKOUDA_METRICS_SERVICE_HOST`",
        }),
        metricsServicePort: doc(port().default(5556), {
            description: "port of the Arkouda metrics daemon",
            replaces: "`ARKOUDA_METRICS_SERVICE_PORT`",
        }),
        pollingIntervalSeconds: doc(seconds(1, 3600).default(15), {
            description: "seconds between polls (and Prometheus scrapes, unless `serviceMonitor.interval`)",
            replaces: "`ARKOUDA_EXPORTER_POLLING_INTERVAL`",
        }),
        exporterPort: doc(port().default(5080), { description: "port the exporter serves /metrics on", replaces: "hard-coded" }),
        launcher: doc(labelValue().default("slurm"), { description: "the `launcher` metrics label", replaces: "`ARKOUDA_LAUNCHER`" }),
        cpu: doc(quantity().default(DEFAULT_EXPORTER_CPU), {
            description: "exporter CPU (requests = limits; the image imports the arkouda client)",
            replaces: "hard-coded upstream",
        }),
        memory: doc(quantity().default(DEFAULT_EXPORTER_MEMORY), {
            description: "exporter memory (requests = limits)",
            replaces: "hard-coded upstream",
        }),
        imagePullPolicy: doc(imagePullPolicy.default("IfNotPresent"), { description: "pull policy of the exporter pod", replaces: "–" }),
        prometheusMatchLabels: doc(labelMap.prefault(DEFAULT_MATCH_LABELS), {
            description: "labels the target Prometheus selects ServiceMonitors by",
            replaces: "`ARKOUDA_PROMETHEUS_MATCH_LABEL`",
        }),
        serviceMonitor: serviceMonitorSchema,
        scrapeAnnotations: scrapeAnnotations(),
        pods: exporterPodsSchema,
        networkPolicy: exporterNetworkPolicySchema,
        run: doc(runSchema.optional(), {
            description: "a Workflow `pulumi up` submits",
            replaces: "`deploy/delete-prometheus-arkouda-exporter-command.sh`",
        }),
    }).transform((exporter) => withScrapeDefaults(withServerName(exporter))),
    { table: "exporter" },
);

/**
 * Per-cluster overrides are free-form here and checked against the instance/exporter
 * schema after merging, so the same rules and messages apply (see overrides.ts).
 */
const overridesSchema = strictObject({
    instances: doc(z.record(z.string(), z.record(z.string(), z.unknown())).default({}), {
        type: "map of instance name → partial instance",
        description: "merged over the instance for this cluster only; match labels and schedules are replaced whole",
    }),
    exporters: doc(z.record(z.string(), z.record(z.string(), z.unknown())).default({}), {
        type: "map of exporter name → partial exporter",
        description: "merged over the exporter for this cluster only, like instances",
    }),
});

const inherited = (key: string): KeyDoc => ({ default: `top-level \`${key}\``, description: "this cluster's own" });

/** How the program reaches one Kubernetes cluster. */
export const clusterSchema = doc(
    strictObject({
        name: doc(dnsLabel(), { description: "names the component and its outputs; unique" }),
        kubeconfig: doc(z.string().min(1).optional(), {
            type: "path",
            default: "ambient (`$KUBECONFIG`, `~/.kube/config`)",
            description: "kubeconfig file that reaches the cluster",
        }),
        kubeconfigSecret: doc(z.string().min(1).optional(), {
            type: "name of a secret config key",
            description: '`pulumi config set --secret <key> "$(cat kubeconfig)"`; not with `kubeconfig`',
        }),
        context: doc(z.string().min(1).optional(), { default: "the kubeconfig's current context", description: "kubeconfig context" }),
        namespace: doc(dnsLabel().optional(), inherited("namespace")),
        createNamespace: doc(z.boolean().optional(), inherited("createNamespace")),
        kubernetesApiUrl: doc(z.url().optional(), inherited("kubernetesApiUrl")),
        wave: doc(int(0, 100).default(0), {
            description: "only with `rollout.strategy: waves`; wave N+1 waits for wave N's runs (or, without runs, all of wave N)",
        }),
        instances: doc(z.array(z.string()).optional(), {
            type: "list of names",
            default: "all",
            description: "the instances this cluster gets",
        }),
        exporters: doc(z.array(z.string()).optional(), {
            type: "list of names",
            default: "all",
            description: "the exporters this cluster gets",
        }),
        overrides: overridesSchema.prefault({}),
    }),
    { table: "cluster" },
);

/** Top-level stack config keys (Pulumi.<stack>.yaml `arkouda-workflows:<key>`). */
export const topLevelShape = {
    namespace: doc(dnsLabel().default("arkouda"), {
        description: "namespace of everything a cluster gets",
        replaces: "`ARKOUDA_NAMESPACE` (and the exporter docs' `ARKOUDA_EXPORTER_NAMESPACE`)",
    }),
    createNamespace: doc(z.boolean().default(true), { description: "create the namespace", replaces: "– (was created by hand)" }),
    kubernetesApiUrl: doc(z.url().default("https://kubernetes.default.svc"), {
        description: "the URL the server uses to reach the Kubernetes API from inside the cluster",
        replaces: "`KUBERNETES_URL` (docs: `KUBERNETES_API`)",
    }),
    workflowServiceAccount: doc(dnsSubdomain().default("arkouda-workflows"), {
        description: "ServiceAccount the workflows run as",
        replaces: "`arkouda-workflows-service-account` (hand-applied)",
    }),
    arkoudaServiceAccount: doc(dnsSubdomain().default("arkouda"), {
        description: "ServiceAccount the Arkouda pods run as",
        replaces: "`ARKOUDA_SERVICEACCOUNT_NAME`",
    }),
    arkoudaTokenSecret: doc(dnsSubdomain().optional(), {
        default: "`<arkoudaServiceAccount>-token`",
        description: "Secret holding the Arkouda ServiceAccount's token",
        replaces: "`ARKOUDA_SERVICEACCOUNT_TOKEN_NAME`",
    }),
    ssh: strictObject({
        secretName: doc(dnsSubdomain().default("arkouda-ssh"), {
            description: "Secret holding the locales' SSH key pair",
            replaces: "`ARKOUDA_SSH_SECRET`",
        }),
        source: doc(z.enum(["generate", "existing", "config"]).default("generate"), {
            description: "generated by the stack, an existing Secret, or the secret keys below",
            replaces: "`ssh-keygen` + `kubectl create secret` by hand",
        }),
        // Any new value generates a new key pair: the only config way to rotate a generated key.
        rotation: doc(
            z
                .string()
                .max(128)
                .refine((v) => !/[\r\n]/.test(v), "must be a single line (any label, e.g. the date of the rotation)")
                .default(""),
            {
                type: "single-line label, ≤128 chars; only with `ssh.source: generate`",
                description:
                    "any new value generates a new key pair and rewrites only the SSH Secret (docs/operations.md, rotating the SSH key)",
                replaces: "– (a new key meant a new `ssh-keygen` by hand)",
            },
        ),
    })
        .superRefine((ssh, ctx) => {
            if (ssh.rotation && ssh.source !== "generate") {
                ctx.addIssue({
                    code: "custom",
                    path: ["rotation"],
                    input: ssh.rotation,
                    message: `only rotates a generated key (ssh.source: generate), but ssh.source is '${ssh.source}'; remove ssh.rotation and ${ssh.source === "config" ? "set new sshPrivateKey/sshPublicKey with pulumi config set --secret" : "replace the existing Secret yourself"}`,
                });
            }
        })
        .prefault({}),
    images: strictObject({
        server: doc(imageRepository().default("bearsrus/arkouda-udp-server"), {
            description: "repository of the Arkouda server and locale image; the tag is the instance's `version`",
            replaces: "hard-coded",
        }),
        exporter: doc(imageRepository().default("bearsrus/prometheus-arkouda-exporter"), {
            description: "repository of prometheus-arkouda-exporter; the tag is the instance's or exporter's `version`",
            replaces: "hard-coded",
        }),
        kubectl: doc(checked(rules.imageReference, "image reference").default(DEFAULT_KUBECTL_IMAGE), {
            description:
                "runs the multi-object steps; needs only `kubectl` on PATH, no shell (default: the version the toolchain builds and the tests run)",
            replaces: "–",
        }),
    }).prefault({}),
    deadlines: strictObject({
        deploySeconds: doc(seconds(60, 86400).default(1800), {
            description: "activeDeadlineSeconds of a deploy workflow; must exceed `localeReadySeconds + serverReadySeconds`",
            replaces: "– (no deadline upstream)",
        }),
        deleteSeconds: doc(seconds(30, 86400).default(600), { description: "activeDeadlineSeconds of a delete workflow", replaces: "–" }),
        localeReadySeconds: doc(seconds(10, 86400).default(900), {
            description:
                "how long the deploy waits for all locales to be Ready: the locale step's bound, and how long the server's launch script looks for them",
            replaces: "– (the locale wait looped forever)",
        }),
        serverReadySeconds: doc(seconds(10, 86400).default(300), {
            description:
                "how long the server may take to serve beyond the locales' wait: the server step (which starts beside the locales) is bounded by `localeReadySeconds + serverReadySeconds`; also a standalone exporter's bound",
            replaces: "–",
        }),
    }).prefault({}),
    pods: podsSchema.prefault({}),
    workflowPods: workflowPodsSchema.prefault({}),
    retries: retriesSchema.prefault({}),
    instances: doc(z.array(instanceSchema).default([]), {
        description: "Arkouda servers with their locales, on Kubernetes",
        replaces: "one set of `ARKOUDA_*` variables per instance",
    }),
    exporters: doc(z.array(exporterSchema).default([]), {
        description: "exporters for an Arkouda that runs elsewhere",
        replaces: "the exporter scripts' variables",
    }),
    clusters: doc(
        z
            .array(clusterSchema)
            .min(1)
            .prefault([{ name: "default" }]),
        {
            description: "the default cluster is the ambient kubeconfig's",
            replaces: "`KUBERNETES_URL` / the current kubectl context",
        },
    ),
    podSecurity: podSecuritySchema.prefault({}),
    networkPolicy: networkPolicySchema.prefault({}),
    rollout: strictObject({
        strategy: doc(z.enum(["parallel", "waves"]).default("parallel"), {
            description: "`waves`: by `clusters[].wave`",
            replaces: "–",
        }),
    }).prefault({}),
};

/** Keys whose values are read as plain strings (all others are parsed as YAML/JSON values). */
export const STRING_KEYS = new Set([
    "namespace",
    "kubernetesApiUrl",
    "workflowServiceAccount",
    "arkoudaServiceAccount",
    "arkoudaTokenSecret",
]);

/** The SSH key pair, with `ssh.source: config`. */
export const SSH_SECRET_KEYS = ["sshPrivateKey", "sshPublicKey"] as const;
/** A registry credential, from which the stack declares each namespace's pull Secret. */
export const REGISTRY_SECRET_KEYS = ["registryServer", "registryUsername", "registryPassword"] as const;
/** Keys that hold key material or credentials: accepted only as secrets, never part of the schema above. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([...SSH_SECRET_KEYS, ...REGISTRY_SECRET_KEYS]);
/** What the docs say about each group of secret keys (a row each). */
export const SECRET_KEY_DOCS: readonly { readonly keys: readonly string[]; readonly doc: KeyDoc }[] = [
    {
        keys: SSH_SECRET_KEYS,
        doc: {
            type: "secret strings (`--secret` only)",
            description: "the key pair, when `ssh.source: config`",
            replaces: "the key files",
        },
    },
    {
        keys: REGISTRY_SECRET_KEYS,
        doc: {
            type: "secret strings (`--secret` only); all three or none",
            description: `a registry credential: the stack declares the Secret \`${REGISTRY_SECRET_NAME}\` (\`kubernetes.io/dockerconfigjson\`) from it in each namespace, and every pod pulls with it (the Arkouda pods, the exporters, Argo's step pods); \`registryServer\` is the registry as the image references name it (\`registry.example.com\`, \`10.0.0.1:5000\`)`,
            replaces: "– (a pull Secret made by hand, `kubectl create secret docker-registry`, and added to the charts' templates)",
        },
    },
];

/**
 * The top level, settled: the names the program uses for the ServiceAccounts and token Secret,
 * and each cluster with the namespace settings it inherits from the top level filled in.
 */
export const topLevelSchema = z
    .object(topLevelShape)
    .transform(
        ({
            workflowServiceAccount,
            arkoudaServiceAccount,
            arkoudaTokenSecret,
            namespace,
            createNamespace,
            kubernetesApiUrl,
            clusters,
            ...rest
        }) => ({
            workflowServiceAccountName: workflowServiceAccount,
            arkoudaServiceAccountName: arkoudaServiceAccount,
            arkoudaTokenSecretName: arkoudaTokenSecret ?? `${arkoudaServiceAccount}-token`,
            ...rest,
            clusters: clusters.map((cluster) => ({
                ...cluster,
                namespace: cluster.namespace ?? namespace,
                createNamespace: cluster.createNamespace ?? createNamespace,
                kubernetesApiUrl: cluster.kubernetesApiUrl ?? kubernetesApiUrl,
            })),
        }),
    );

export type RawConfig = z.output<typeof topLevelSchema>;
export type RawCluster = RawConfig["clusters"][number];
