/**
 * The stack config schema: every key a stack may set, its type, its default, and the
 * rule it must satisfy. Values here are what a user writes in Pulumi.<stack>.yaml;
 * `resolve.ts` turns them into the resolved types of `types.ts`.
 */
import { z } from "zod";
import * as rules from "./rules";

type Rule = (value: string) => string | undefined;

/** A string checked by one of `rules`; the rule's sentence becomes the error message. */
function checked(rule: Rule) {
    return z.string().superRefine((value, ctx) => {
        const problem = rule(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
    });
}

/** An object that rejects unknown keys; resolve.ts names the allowed ones in the message. */
function strictObject<T extends z.ZodRawShape>(shape: T) {
    // The cast drops the never-typed index signature: unknown keys fail parsing, so none survive.
    return z.object(shape).catchall(z.never()) as unknown as z.ZodObject<T>;
}

function int(min: number, max: number) {
    return z.number().int().min(min).max(max);
}

const port = () => int(1, 65535);
const seconds = (min: number, max: number) => int(min, max);

export const labelMap = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
    for (const [key, value] of Object.entries(labels)) {
        const problem = rules.labelKey(key) ?? rules.labelValue(value);
        if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem, input: value });
    }
});

export const DEFAULT_ARKOUDA_VERSION = "v2024.04.19";
export const DEFAULT_MATCH_LABELS = { release: "kube-stack" };
export const DEFAULT_DEPLOY_SCHEDULE = "0 7 * * *";
export const DEFAULT_DELETE_SCHEDULE = "0 17 * * *";
export const DEFAULT_TIMEZONE = "America/New_York";
/**
 * The exporter image imports the whole arkouda client (pandas, numpy): upstream's chart gives it
 * 500m-1000m CPU and 512Mi-1Gi memory; requests = limits here, at the chart's CPU request and
 * memory limit.
 */
export const DEFAULT_EXPORTER_CPU = "500m";
export const DEFAULT_EXPORTER_MEMORY = "1Gi";
/** kubectl image of the multi-object steps: the version the toolchain builds and tests with. */
export const DEFAULT_KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.36.3";

const cron = checked(rules.cronExpression);

function scheduleSchema(defaultSchedule: string) {
    return strictObject({
        enabled: z.boolean().default(true),
        schedule: z.union([cron, z.array(cron).min(1)]).default(defaultSchedule),
        timezone: checked(rules.timezone).default(DEFAULT_TIMEZONE),
        suspend: z.boolean().default(false),
        concurrencyPolicy: z.enum(["Allow", "Forbid", "Replace"]).default("Forbid"),
        startingDeadlineSeconds: seconds(0, 86400).default(300),
        successfulJobsHistoryLimit: int(0, 100).default(4),
        failedJobsHistoryLimit: int(0, 100).default(4),
    });
}

export const runSchema = strictObject({
    action: z.enum(["deploy", "delete"]).default("deploy"),
    token: z.string().max(128).default(""),
    wait: z.boolean().default(true),
    timeoutSeconds: seconds(10, 86400).default(1800),
});

const runAsSchema = strictObject({
    user: checked(rules.posixName),
    uid: int(1, 2147483647),
    group: checked(rules.posixName),
    gid: int(1, 2147483647),
});

export const IMAGE_PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
export const LOG_LEVELS = ["LogLevel.DEBUG", "LogLevel.INFO", "LogLevel.WARN", "LogLevel.ERROR", "LogLevel.CRITICAL"] as const;
const imagePullPolicy = z.enum(IMAGE_PULL_POLICIES);

function instanceShape() {
    return {
        name: checked(rules.serviceName),
        serverName: checked(rules.serviceName).optional(),
        version: checked(rules.imageTag).default(DEFAULT_ARKOUDA_VERSION),
        locales: int(1, 1024).default(2),
        cpu: checked(rules.quantity).default("2000m"),
        memory: checked(rules.quantity).default("2048Mi"),
        chapel: strictObject({
            numThreadsPerLocale: int(1, 4096).default(2),
            memMax: z.number().int().positive().default(1_000_000_000),
        }).prefault({}),
        imagePullPolicy: imagePullPolicy.default("IfNotPresent"),
        launcher: checked(rules.labelValue).default("kubernetes"),
        logLevel: z.enum(LOG_LEVELS).default("LogLevel.INFO"),
        memTrack: z.boolean().default(true),
        serverPort: port().default(5555),
        runAs: runAsSchema.optional(),
        metrics: strictObject({
            enabled: z.boolean().default(true),
            servicePort: port().default(5556),
            pollingIntervalSeconds: seconds(1, 3600).default(15),
            exporterPort: port().default(5080),
            exporterCpu: checked(rules.quantity).default(DEFAULT_EXPORTER_CPU),
            exporterMemory: checked(rules.quantity).default(DEFAULT_EXPORTER_MEMORY),
            prometheusMatchLabels: labelMap.default(DEFAULT_MATCH_LABELS),
        }).prefault({}),
        schedules: strictObject({
            deploy: scheduleSchema(DEFAULT_DEPLOY_SCHEDULE).prefault({}),
            delete: scheduleSchema(DEFAULT_DELETE_SCHEDULE).prefault({}),
        }).prefault({}),
        run: runSchema.optional(),
    };
}

export const instanceSchema = strictObject(instanceShape());

export const exporterSchema = strictObject({
    name: checked(rules.serviceName),
    serverName: checked(rules.serviceName).optional(),
    version: checked(rules.imageTag).default(DEFAULT_ARKOUDA_VERSION),
    metricsServiceHost: checked(rules.dnsSubdomain),
    metricsServicePort: port().default(5556),
    pollingIntervalSeconds: seconds(1, 3600).default(15),
    exporterPort: port().default(5080),
    launcher: checked(rules.labelValue).default("slurm"),
    cpu: checked(rules.quantity).default(DEFAULT_EXPORTER_CPU),
    memory: checked(rules.quantity).default(DEFAULT_EXPORTER_MEMORY),
    imagePullPolicy: imagePullPolicy.default("IfNotPresent"),
    prometheusMatchLabels: labelMap.default(DEFAULT_MATCH_LABELS),
    run: runSchema.optional(),
});

/**
 * Per-cluster overrides are free-form here and checked against the instance/exporter
 * schema after merging, so the same rules and messages apply (see resolve.ts).
 */
const overridesSchema = strictObject({
    instances: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    exporters: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});

export const clusterSchema = strictObject({
    name: checked(rules.dnsLabel),
    kubeconfig: z.string().min(1).optional(),
    kubeconfigSecret: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
    namespace: checked(rules.dnsLabel).optional(),
    createNamespace: z.boolean().optional(),
    kubernetesApiUrl: z.url().optional(),
    wave: int(0, 100).default(0),
    instances: z.array(z.string()).optional(),
    exporters: z.array(z.string()).optional(),
    overrides: overridesSchema.prefault({}),
});

/** Top-level stack config keys (Pulumi.<stack>.yaml `arkouda-workflows:<key>`). */
export const topLevelShape = {
    namespace: checked(rules.dnsLabel).default("arkouda"),
    createNamespace: z.boolean().default(true),
    kubernetesApiUrl: z.url().default("https://kubernetes.default.svc"),
    workflowServiceAccount: checked(rules.dnsSubdomain).default("arkouda-workflows"),
    arkoudaServiceAccount: checked(rules.dnsSubdomain).default("arkouda"),
    arkoudaTokenSecret: checked(rules.dnsSubdomain).optional(),
    ssh: strictObject({
        secretName: checked(rules.dnsSubdomain).default("arkouda-ssh"),
        source: z.enum(["generate", "existing", "config"]).default("generate"),
        // Any new value generates a new key pair: the only config way to rotate a generated key.
        rotation: z
            .string()
            .max(128)
            .refine((v) => !/[\r\n]/.test(v), "must be a single line (any label, e.g. the date of the rotation)")
            .default(""),
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
        server: checked(rules.imageRepository).default("bearsrus/arkouda-udp-server"),
        exporter: checked(rules.imageRepository).default("bearsrus/prometheus-arkouda-exporter"),
        kubectl: checked(rules.imageReference).default(DEFAULT_KUBECTL_IMAGE),
    }).prefault({}),
    deadlines: strictObject({
        deploySeconds: seconds(60, 86400).default(1800),
        deleteSeconds: seconds(30, 86400).default(600),
        localeReadySeconds: seconds(10, 86400).default(900),
        serverReadySeconds: seconds(10, 86400).default(300),
    }).prefault({}),
    instances: z.array(instanceSchema).default([]),
    exporters: z.array(exporterSchema).default([]),
    clusters: z
        .array(clusterSchema)
        .min(1)
        .prefault([{ name: "default" }]),
    rollout: strictObject({
        strategy: z.enum(["parallel", "waves"]).default("parallel"),
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

/** Keys that hold key material: accepted only as secrets, never part of the schema above. */
export const SECRET_KEYS = new Set(["sshPrivateKey", "sshPublicKey"]);

export const topLevelSchema = z.object(topLevelShape);

export type RawInstance = z.output<typeof instanceSchema>;
export type RawExporter = z.output<typeof exporterSchema>;
export type RawCluster = z.output<typeof clusterSchema>;
export type RawConfig = z.output<typeof topLevelSchema>;
