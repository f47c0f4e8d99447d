/**
 * Turns schema-valid raw config into the resolved per-cluster model: applies per-cluster
 * overrides, derives values (total locales, server names, token secret name) and checks
 * the rules that span several keys (unique names, references, memory budget, waves).
 */
import { z } from "zod";
import { exporterSchema, instanceSchema, RawCluster, RawConfig, RawExporter, RawInstance } from "./schema";
import { sortedByKey } from "../util/sort";
import { quantityValue } from "./rules";
import { SSHD_PORT } from "../image-contract";
import {
    ArkoudaWorkflowsConfig,
    ClusterConfig,
    ExporterConfig,
    InstanceConfig,
    NamespaceSettings,
    RunConfig,
    ScheduleConfig,
} from "./types";

export type Path = (string | number)[];

/** One problem, with the path of the offending key below the project's config namespace. */
export interface Problem {
    readonly path: Path;
    readonly message: string;
    readonly input?: unknown;
}

/** Keys whose values are replaced whole by an override instead of merged key by key. */
const ATOMIC_KEYS = new Set(["prometheusMatchLabels", "schedule"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = merged[key];
        merged[key] = !ATOMIC_KEYS.has(key) && isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
    }
    return merged;
}

/** Zod issues as problems; `root` is the schema that was parsed, used to list allowed keys. */
export function zodProblems(error: z.ZodError, prefix: Path, root: z.ZodType): Problem[] {
    return error.issues.flatMap((issue): Problem[] => {
        const path = [...prefix, ...(issue.path as Path)];
        if (issue.code === "unrecognized_keys") {
            const allowed = allowedKeysAt(root, issue.path as Path);
            return issue.keys.map((key) => ({
                path: [...path, key],
                message: `is not a known key; allowed keys here: ${allowed.join(", ")}`,
            }));
        }
        return [{ path, message: friendlyMessage(issue), input: issue.input }];
    });
}

interface SchemaDef {
    type: string;
    innerType?: z.ZodType;
    element?: z.ZodType;
    shape?: Record<string, z.ZodType>;
    valueType?: z.ZodType;
    in?: z.ZodType;
}

/** Walk a schema along a value path to the object schema there, and list its keys. */
function allowedKeysAt(schema: z.ZodType, path: Path): string[] {
    let current: z.ZodType | undefined = schema;
    const unwrap = () => {
        for (
            let def = current && (current._zod.def as unknown as SchemaDef);
            def && def.innerType;
            def = current._zod.def as unknown as SchemaDef
        )
            current = def.innerType;
    };
    for (const part of path) {
        unwrap();
        const def = current?._zod.def as unknown as SchemaDef | undefined;
        if (!def) return [];
        current = def.type === "array" ? def.element : def.type === "record" ? def.valueType : def.shape?.[String(part)];
    }
    unwrap();
    const shape = (current?._zod.def as unknown as SchemaDef | undefined)?.shape;
    return shape ? Object.keys(shape).sort() : [];
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return issue.input === undefined ? `is required (${issue.expected})` : `must be ${article(issue.expected)}`;
        case "invalid_value":
            return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            return issue.origin === "array"
                ? `must list at least ${issue.minimum} item(s)`
                : issue.origin === "string"
                  ? `must not be empty`
                  : `must be at least ${issue.minimum}`;
        case "too_big":
            return issue.origin === "string" ? `must be at most ${issue.maximum} characters` : `must be at most ${issue.maximum}`;
        case "invalid_format":
            return issue.format === "url" ? "must be a URL such as https://kubernetes.default.svc" : `must be a valid ${issue.format}`;
        case "invalid_union":
            return "must be a cron expression or a list of cron expressions";
        default:
            return issue.message;
    }
}

function article(expected: string): string {
    if (expected === "int") return "an integer";
    if (expected === "array") return "a list";
    if (expected === "object") return "a map of keys to values";
    return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function toSchedule(raw: RawInstance["schedules"]["deploy"]): ScheduleConfig {
    return {
        enabled: raw.enabled,
        schedules: typeof raw.schedule === "string" ? [raw.schedule] : [...new Set(raw.schedule)],
        timezone: raw.timezone,
        suspend: raw.suspend,
        concurrencyPolicy: raw.concurrencyPolicy,
        startingDeadlineSeconds: raw.startingDeadlineSeconds,
        successfulJobsHistoryLimit: raw.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: raw.failedJobsHistoryLimit,
    };
}

function toRun(raw: RawInstance["run"]): RunConfig | undefined {
    return raw && { action: raw.action, token: raw.token, wait: raw.wait, timeoutSeconds: raw.timeoutSeconds };
}

/** What instances and exporters resolve alike: their names, image and run. */
function targetCommon(raw: RawInstance | RawExporter) {
    return {
        name: raw.name,
        serverName: raw.serverName ?? raw.name,
        version: raw.version,
        imagePullPolicy: raw.imagePullPolicy,
        launcher: raw.launcher,
        run: toRun(raw.run),
    };
}

export function toInstance(raw: RawInstance): InstanceConfig {
    return {
        ...targetCommon(raw),
        locales: raw.locales,
        totalLocales: raw.locales + 1,
        cpu: raw.cpu,
        memory: raw.memory,
        chapel: { ...raw.chapel },
        logLevel: raw.logLevel,
        memTrack: raw.memTrack,
        serverPort: raw.serverPort,
        runAs: raw.runAs && { ...raw.runAs },
        metrics: { ...raw.metrics, prometheusMatchLabels: sortedByKey(raw.metrics.prometheusMatchLabels) },
        schedules: { deploy: toSchedule(raw.schedules.deploy), delete: toSchedule(raw.schedules.delete) },
    };
}

export function toExporter(raw: RawExporter): ExporterConfig {
    return {
        ...targetCommon(raw),
        metricsServiceHost: raw.metricsServiceHost,
        metricsServicePort: raw.metricsServicePort,
        pollingIntervalSeconds: raw.pollingIntervalSeconds,
        exporterPort: raw.exporterPort,
        cpu: raw.cpu,
        memory: raw.memory,
        prometheusMatchLabels: sortedByKey(raw.prometheusMatchLabels),
    };
}

/**
 * Values that cannot work together in one instance: Chapel's heap cap must fit inside the
 * container's memory limit (or the kernel kills the locale), and the server pod's ports (client
 * socket, metrics daemon, exporter sidecar, sshd) share one network namespace.
 */
function instanceProblems(instance: InstanceConfig, path: Path): Problem[] {
    const problems: Problem[] = [];
    const memoryBytes = quantityValue(instance.memory);
    if (instance.chapel.memMax > memoryBytes) {
        problems.push({
            path: [...path, "chapel", "memMax"],
            message: `must not exceed the instance's memory (${instance.memory} = ${memoryBytes} bytes); lower chapel.memMax or raise memory`,
            input: instance.chapel.memMax,
        });
    }
    const ports: { key: Path; what: string; port: number }[] = [
        { key: ["serverPort"], what: "the client socket", port: instance.serverPort },
        ...(instance.metrics.enabled
            ? [
                  { key: ["metrics", "servicePort"], what: "the metrics daemon", port: instance.metrics.servicePort },
                  { key: ["metrics", "exporterPort"], what: "the exporter's /metrics", port: instance.metrics.exporterPort },
              ]
            : []),
    ];
    ports.forEach((p, i) => {
        const taken = p.port === SSHD_PORT ? "sshd (22, fixed in the image)" : ports.slice(0, i).find((q) => q.port === p.port);
        if (!taken) return;
        const other = typeof taken === "string" ? taken : `${taken.what} (${taken.key.join(".")})`;
        problems.push({
            path: [...path, ...p.key],
            message: `collides with ${other} on the server pod; ${p.what} needs a port of its own, so pick another one`,
            input: p.port,
        });
    });
    return problems;
}

/** The instance whose metrics Service a standalone exporter's host names (`<instance>-metrics[.ns...]`). */
function metricsTarget(exporter: ExporterConfig, instances: readonly InstanceConfig[]): InstanceConfig | undefined {
    const service = exporter.metricsServiceHost.split(".")[0];
    return instances.find((i) => `${i.name}-metrics` === service);
}

/** An exporter aimed at an instance of this cluster must find its metrics daemon where it listens. */
function exporterProblems(exporter: ExporterConfig, instances: readonly InstanceConfig[], path: Path): Problem[] {
    const instance = metricsTarget(exporter, instances);
    if (!instance) return [];
    if (!instance.metrics.enabled) {
        return [
            {
                path: [...path, "metricsServiceHost"],
                message: `names the metrics Service of instance ${instance.name}, whose metrics.enabled is false: nothing listens there; enable its metrics or point the exporter elsewhere`,
                input: exporter.metricsServiceHost,
            },
        ];
    }
    if (instance.metrics.servicePort !== exporter.metricsServicePort) {
        return [
            {
                path: [...path, "metricsServicePort"],
                message: `must equal instance ${instance.name}'s metrics.servicePort (${instance.metrics.servicePort}), where its metrics daemon listens`,
                input: exporter.metricsServicePort,
            },
        ];
    }
    return [];
}

function duplicates(names: string[]): string[] {
    return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}

function selectAndOverride<Raw extends { name: string }, Out>(
    kind: "instances" | "exporters",
    all: readonly Raw[],
    rawAll: readonly Record<string, unknown>[],
    cluster: RawCluster,
    clusterIndex: number,
    schema: z.ZodType<Raw>,
    convert: (raw: Raw) => Out,
    problems: Problem[],
): Out[] {
    const clusterPath: Path = ["clusters", clusterIndex];
    const known = all.map((i) => i.name);
    const selected = cluster[kind] ?? known;
    selected.forEach((name, i) => {
        if (!known.includes(name))
            problems.push({
                path: [...clusterPath, kind, i],
                message: `names no configured ${kind === "instances" ? "instance" : "exporter"}; known: ${known.join(", ") || "(none)"}`,
                input: name,
            });
    });
    for (const name of Object.keys(cluster.overrides[kind])) {
        if (!known.includes(name))
            problems.push({
                path: [...clusterPath, "overrides", kind, name],
                message: `overrides an unknown ${kind === "instances" ? "instance" : "exporter"}; known: ${known.join(", ") || "(none)"}`,
                input: name,
            });
    }
    const result: Out[] = [];
    all.forEach((raw, index) => {
        if (!selected.includes(raw.name)) return;
        const override = cluster.overrides[kind][raw.name];
        if (!override) {
            result.push(convert(raw));
            return;
        }
        if ("name" in override) {
            problems.push({
                path: [...clusterPath, "overrides", kind, raw.name, "name"],
                message: "cannot be overridden; the key under overrides already names the target",
                input: override.name,
            });
            return;
        }
        const parsed = schema.safeParse(deepMerge(rawAll[index], override), { reportInput: true });
        if (!parsed.success) {
            problems.push(...zodProblems(parsed.error, [...clusterPath, "overrides", kind, raw.name], schema));
            return;
        }
        result.push(convert(parsed.data));
    });
    return result;
}

/**
 * Resolve the validated top-level config. `rawInput` is the config as the user wrote it
 * (before defaults), needed so overrides merge onto what was written, not onto defaults.
 * Returns the resolved config, or the problems found.
 */
export function resolveConfig(raw: RawConfig, rawInput: Record<string, unknown>): { config?: ArkoudaWorkflowsConfig; problems: Problem[] } {
    const problems: Problem[] = [];
    const rawInstances = (Array.isArray(rawInput.instances) ? rawInput.instances : []) as Record<string, unknown>[];
    const rawExporters = (Array.isArray(rawInput.exporters) ? rawInput.exporters : []) as Record<string, unknown>[];

    const objectNames = [...raw.instances.map((i) => i.name), ...raw.exporters.map((e) => e.name)];
    for (const name of duplicates(objectNames)) {
        const inInstances = raw.instances.map((i) => i.name).lastIndexOf(name);
        const path: Path =
            inInstances >= 0 && raw.instances.filter((i) => i.name === name).length > 1
                ? ["instances", inInstances, "name"]
                : ["exporters", raw.exporters.map((e) => e.name).lastIndexOf(name), "name"];
        problems.push({
            path,
            message:
                "clashes with another instance or exporter of the same name; instance and exporter names must be unique because they name the Services they create",
            input: name,
        });
    }
    for (const name of duplicates(raw.clusters.map((c) => c.name))) {
        problems.push({
            path: ["clusters", raw.clusters.map((c) => c.name).lastIndexOf(name), "name"],
            message: "clashes with another cluster's name; cluster names must be unique",
            input: name,
        });
    }
    raw.instances.forEach((instance, i) => problems.push(...instanceProblems(toInstance(instance), ["instances", i])));

    const targets = new Map<string, number>();
    const clusters: ClusterConfig[] = raw.clusters.map((cluster, index) => {
        const path: Path = ["clusters", index];
        if (cluster.kubeconfig && cluster.kubeconfigSecret) {
            problems.push({
                path: [...path, "kubeconfigSecret"],
                message: "cannot be combined with kubeconfig; use a kubeconfig file path or the name of a secret config key, not both",
                input: cluster.kubeconfigSecret,
            });
        }
        if (raw.rollout.strategy === "parallel" && cluster.wave !== 0) {
            problems.push({
                path: [...path, "wave"],
                message: "is only meaningful with rollout.strategy 'waves'; set rollout.strategy to waves or remove the wave",
                input: cluster.wave,
            });
        }
        const namespace = cluster.namespace ?? raw.namespace;
        const target = JSON.stringify([cluster.kubeconfig ?? "", cluster.kubeconfigSecret ?? "", cluster.context ?? "", namespace]);
        if (targets.has(target)) {
            problems.push({
                path: [...path],
                message: `targets the same kubeconfig, context and namespace as clusters[${targets.get(target)}]; give it another context or namespace`,
                input: cluster.name,
            });
        } else {
            targets.set(target, index);
        }
        const instances = selectAndOverride(
            "instances",
            raw.instances,
            rawInstances,
            cluster,
            index,
            instanceSchema as z.ZodType<RawInstance>,
            toInstance,
            problems,
        );
        const exporters = selectAndOverride(
            "exporters",
            raw.exporters,
            rawExporters,
            cluster,
            index,
            exporterSchema as z.ZodType<RawExporter>,
            toExporter,
            problems,
        );
        instances.forEach((instance) => {
            if (cluster.overrides.instances[instance.name])
                problems.push(...instanceProblems(instance, [...path, "overrides", "instances", instance.name]));
        });
        exporters.forEach((exporter) => {
            const where: Path = cluster.overrides.exporters[exporter.name]
                ? [...path, "overrides", "exporters", exporter.name]
                : ["exporters", raw.exporters.findIndex((e) => e.name === exporter.name)];
            problems.push(...exporterProblems(exporter, instances, where));
        });
        return {
            name: cluster.name,
            kubeconfig: cluster.kubeconfig,
            kubeconfigSecret: cluster.kubeconfigSecret,
            context: cluster.context,
            namespace,
            createNamespace: cluster.createNamespace ?? raw.createNamespace,
            kubernetesApiUrl: cluster.kubernetesApiUrl ?? raw.kubernetesApiUrl,
            wave: cluster.wave,
            instances,
            exporters,
        };
    });

    // A rule checked per cluster reports a shared key once, however many clusters select it.
    if (problems.length > 0) return { problems: [...new Map(problems.map((p) => [JSON.stringify([p.path, p.message]), p])).values()] };
    return {
        problems,
        config: {
            workflowServiceAccountName: raw.workflowServiceAccount,
            arkoudaServiceAccountName: raw.arkoudaServiceAccount,
            arkoudaTokenSecretName: raw.arkoudaTokenSecret ?? `${raw.arkoudaServiceAccount}-token`,
            ssh: { ...raw.ssh },
            images: { ...raw.images },
            deadlines: { ...raw.deadlines },
            rollout: { ...raw.rollout },
            clusters,
        },
    };
}

/** The namespace-wide settings shared by one cluster's identities, secrets and templates. */
export function namespaceSettings(config: ArkoudaWorkflowsConfig, cluster: ClusterConfig): NamespaceSettings {
    return {
        namespace: cluster.namespace,
        workflowServiceAccountName: config.workflowServiceAccountName,
        arkoudaServiceAccountName: config.arkoudaServiceAccountName,
        arkoudaTokenSecretName: config.arkoudaTokenSecretName,
        sshSecretName: config.ssh.secretName,
        images: config.images,
        deadlines: config.deadlines,
        kubernetesApiUrl: cluster.kubernetesApiUrl,
    };
}
