/**
 * The parameter tables: each Argo WorkflowTemplate parameter is declared once, with the config key
 * its value is read from (a dotted path in the resolved instance or exporter, checked by the types),
 * how the value travels (its type) and the runtime-object value it fills (a field of the values
 * record, checked by the types, every field filled by one row). Derived from a table: the
 * templates' parameter lists, an instance's parameter values, the Argo placeholders the templates
 * build the runtime objects from, and the README's parameter tables (scripts/readme-tables.ts).
 */
import type { z } from "zod";
import type { ExporterConfig, InstanceConfig } from "../config/types";
import { exporterSchema, IMAGE_PULL_POLICIES, instanceSchema, LOG_LEVELS } from "../config/schema";
import { podsSchema } from "../config/placement";
import { defaultAt } from "../config/schema-walk";
import { localeSpread, secretReferences, tolerationsWithAdmissionDefaults } from "../runtime-objects/placement";
import { dataPodVolumes, dataVolumeMounts } from "../runtime-objects/volumes";
import { dataVolumeOwnership } from "../pod-security";
import { argoParam } from "../argo/expr";
import { sortedByKey } from "../util/sort";
import type { Parameter } from "../argo/model";
import type { ArkoudaValues, ExporterValues } from "../runtime-objects";

/**
 * How a value travels: `str` text; `int` an integer that renders as a YAML integer; `intText` an
 * integer used as text (env values, `15s`); `map` a string map carried as JSON; `json` any JSON
 * list or object (tolerations, affinity); `list` a JSON list whose items follow the program's own
 * in a list (volumes, pull Secrets); `object` a JSON object whose fields join the program's own in
 * an object.
 */
export type ParameterType = "str" | "int" | "intText" | "map" | "json" | "list" | "object";

/** The config values each type takes; an unset optional key gives an empty `str` parameter. */
interface SourceAs {
    str: string | number | boolean;
    int: number;
    intText: number;
    map: Readonly<Record<string, string>>;
    json: object;
    list: readonly unknown[];
    object: object;
}
/** The runtime-object value each type fills. */
interface FillAs {
    str: string;
    int: number;
    intText: string;
    map: Readonly<Record<string, string>>;
    json: never;
    list: never;
    object: never;
}

type Source = SourceAs[ParameterType];

/** Dotted paths to the values of config type T that are of type S (lists are not parameters). */
type PathTo<T, S> = {
    [K in keyof T & string]-?: NonNullable<T[K]> extends S
        ? K
        : NonNullable<T[K]> extends readonly unknown[]
          ? never
          : NonNullable<T[K]> extends object
            ? `${K}.${PathTo<NonNullable<T[K]>, S>}`
            : never;
}[keyof T & string];

/** The fields of values record V whose type is exactly T. */
type FieldOf<V, T> = { [K in keyof V & string]-?: V[K] extends T ? (T extends V[K] ? K : never) : never }[keyof V & string];

export interface ParameterRow<S extends ParameterType = ParameterType, F extends string = string> {
    /** Argo parameter name (`-p <name>=...`). */
    readonly name: string;
    /** The config key its value comes from, a dotted path in the resolved instance or exporter. */
    readonly configKey: string;
    readonly description: string;
    readonly enum?: readonly string[];
    /** Default when no instance/exporter is configured (only values that are always safe). */
    readonly safeDefault?: string;
    readonly type: S;
    /** The runtime-object value it fills (a field of ArkoudaValues or ExporterValues). */
    readonly field: F;
    /**
     * What the config value becomes before it travels (`json`, `list` and `object` rows): the form
     * the manifests take it in, made from the value and, where it needs more, the whole target.
     */
    readonly encode?: (value: never, target: never) => unknown;
}

/** A safe default that deliberately differs from the schema's default for the key, and why. */
interface TemplateDefault {
    readonly value: string | undefined;
    readonly reason: string;
}

interface Extra {
    enum?: readonly string[];
    /** Only where the template deliberately differs from the schema, whose default is taken otherwise. */
    safeDefault?: TemplateDefault;
}

const TARGETS_OWN: TemplateDefault = {
    value: undefined,
    reason: "version, size and launcher are the target's own: a run with no configured target passes them (-p)",
};
const METRICS_OFF: TemplateDefault = {
    value: "false",
    reason: "a ServiceMonitor needs a Prometheus Operator, which a cluster with no configured target may lack",
};
const NO_MATCH_LABELS: TemplateDefault = {
    value: "{}",
    reason: "the labels name a Prometheus, which a cluster with no configured target may lack",
};
/** The scrape interval a ServiceMonitor gets by default: the schema's default polling interval. */
const DEFAULT_SCRAPE_INTERVAL: TemplateDefault = {
    value: `${String(defaultAt(instanceSchema, "metrics.pollingIntervalSeconds")?.value)}s`,
    reason: "the config default is the target's own polling interval, which a template parameter cannot refer to",
};
const PROMETHEUS_TIMEOUT: TemplateDefault = { value: "", reason: "unset: Prometheus' own scrape timeout" };
const NO_VOLUMES = { list: "[]", object: "{}" } as const;
const noVolumes = (type: keyof typeof NO_VOLUMES): TemplateDefault => ({
    value: NO_VOLUMES[type],
    reason: "a target's data volumes are its own (its claims are named after it): with none configured, none",
});
const IMAGE_USER: TemplateDefault = { value: "", reason: "runAs is optional and has no default: empty runs as the image's own user" };

/** The schema's default for a config key as its parameter carries it; none where the schema states none. */
function schemaDefault(schema: z.ZodType, configKey: string, type: ParameterType): string | undefined {
    const stated = defaultAt(schema, configKey);
    if (!stated) return undefined;
    return type === "map" ? labelsJson(stated.value as SourceAs["map"]) : String(stated.value);
}

/**
 * A target's placement defaults to the namespace's `pods`, which a template without a default
 * target does not know: it declares what `pods` defaults to (an unset key travels as "").
 */
function placementDefault(key: string, type: ParameterType, encode?: (value: never) => unknown): TemplateDefault {
    const stated = defaultAt(podsSchema, key);
    const reason = "an instance's or exporter's placement defaults to the namespace's pods; with none configured, to what pods defaults to";
    if (!stated) return { value: "", reason };
    const value = encode ? encode(stated.value as never) : stated.value;
    const json = type === "json" || type === "list";
    return { value: type === "map" ? labelsJson(value as SourceAs["map"]) : json ? jsonText(value) : String(value), reason };
}

/**
 * The row builder of the table from config type C to values record V: the types tie the config
 * key's type and the field's type to the parameter's type.
 */
function rowBuilder<C, V>(schema: z.ZodType) {
    return <S extends ParameterType, F extends FieldOf<V, FillAs[S]>>(
        name: string,
        type: S,
        field: F,
        configKey: PathTo<C, SourceAs[S]>,
        description: string,
        extra: Extra = {},
    ): ParameterRow<S, F> => {
        const safeDefault = extra.safeDefault ? extra.safeDefault.value : schemaDefault(schema, configKey, type);
        return {
            name,
            configKey,
            description,
            type,
            field,
            ...(extra.enum && { enum: extra.enum }),
            ...(safeDefault !== undefined && { safeDefault }),
        };
    };
}

/** Dotted paths to any value of config type T. */
type AnyPath<T> = {
    [K in keyof T & string]-?: NonNullable<T[K]> extends readonly unknown[]
        ? K
        : NonNullable<T[K]> extends object
          ? K | `${K}.${AnyPath<NonNullable<T[K]>>}`
          : K;
}[keyof T & string];

/**
 * The row builder of JSON parameters of placement: the value (after `encode`) is any JSON the
 * manifests take (`json`), or a JSON list whose items follow the program's own (`list`), so the
 * key and field are only checked to exist.
 */
function jsonRowBuilder<C, V>() {
    return <F extends keyof V & string, T, S extends "json" | "list" = "json">(
        name: string,
        field: F,
        configKey: AnyPath<C>,
        description: string,
        encode?: (value: T) => unknown,
        type: S = "json" as S,
    ): ParameterRow<S, F> => {
        const safeDefault = placementDefault(configKey.replace(/^pods\./, ""), type, encode as (value: never) => unknown).value;
        return {
            name,
            configKey,
            description,
            type,
            field,
            ...(encode && { encode: encode as (value: never) => unknown }),
            ...(safeDefault !== undefined && { safeDefault }),
        };
    };
}

/**
 * The row builder of the parameters made from an instance's data volumes: JSON spread into the
 * program's own lists and objects (`list`, `object`), made by `encode` from the volumes and the
 * instance they belong to (a claim's name is the instance's).
 */
function volumeRowBuilder<C, V>() {
    return <F extends keyof V & string, T>(
        name: string,
        type: "list" | "object",
        field: F,
        configKey: AnyPath<C>,
        description: string,
        encode: (value: T, target: C) => unknown,
    ): ParameterRow<"list" | "object", F> => ({
        name,
        configKey,
        description,
        type,
        field,
        encode: encode as (value: never, target: never) => unknown,
        safeDefault: noVolumes(type).value,
    });
}

/** The fields of V that no row of R fills. */
type Unfilled<V, R extends readonly ParameterRow[]> = Exclude<keyof V, R[number]["field"]>;

/** A frozen table that fills every field of V (a field no row fills is a type error). */
function tableOf<V>() {
    return <R extends readonly ParameterRow[]>(rows: R & ([Unfilled<V, R>] extends [never] ? unknown : { unfilled: Unfilled<V, R> })) =>
        Object.freeze(rows) as R;
}

const BOOL = ["false", "true"];
const PULL_POLICIES = [...IMAGE_PULL_POLICIES].sort();
const SORTED_LOG_LEVELS = [...LOG_LEVELS].sort();

const instanceRow = rowBuilder<InstanceConfig, ArkoudaValues>(instanceSchema);
const instanceJsonRow = jsonRowBuilder<InstanceConfig, ArkoudaValues>();
const instanceVolumeRow = volumeRowBuilder<InstanceConfig, ArkoudaValues>();

/** Arkouda parameters, in their (stable) declaration order. Deploy and delete share them. */
export const ARKOUDA_PARAMETERS = tableOf<ArkoudaValues>()([
    instanceRow("instance-name", "str", "instanceName", "name", "ARKOUDA_INSTANCE_NAME: prefix of every object's name"),
    instanceRow("server-name", "str", "serverName", "serverName", "ARKOUDA_SERVER_NAME (the arkouda_instance metrics label)"),
    instanceRow("arkouda-version", "str", "version", "version", "ARKOUDA_VERSION: tag of the server and exporter images", {
        safeDefault: TARGETS_OWN,
    }),
    instanceRow("locales", "int", "locales", "locales", "ARKOUDA_NUMBER_OF_LOCALES: locale pods besides the server (total = locales + 1)", {
        safeDefault: TARGETS_OWN,
    }),
    instanceRow("cpu", "str", "cpu", "cpu", "ARKOUDA_CPU_CORES: CPU request per pod", { safeDefault: TARGETS_OWN }),
    instanceRow("cpu-limit", "str", "cpuLimit", "cpuLimit", "CPU limit per pod (at least its request)", { safeDefault: TARGETS_OWN }),
    instanceRow("memory", "str", "memory", "memory", "ARKOUDA_MEMORY per pod (requests = limits)", { safeDefault: TARGETS_OWN }),
    instanceRow(
        "chpl-num-threads-per-locale",
        "intText",
        "numThreadsPerLocale",
        "chapel.numThreadsPerLocale",
        "CHPL_NUM_THREADS_PER_LOCALE",
        { safeDefault: TARGETS_OWN },
    ),
    instanceRow("chpl-mem-max", "intText", "memMax", "chapel.memMax", "CHPL_MEM_MAX in bytes", { safeDefault: TARGETS_OWN }),
    instanceRow("image-pull-policy", "str", "imagePullPolicy", "imagePullPolicy", "image pull policy of the Arkouda pods", {
        enum: PULL_POLICIES,
    }),
    instanceRow("launcher", "str", "launcher", "launcher", "ARKOUDA_LAUNCHER (the launcher metrics label)"),
    instanceRow("log-level", "str", "logLevel", "logLevel", "arkouda_server --logLevel", {
        enum: SORTED_LOG_LEVELS,
    }),
    instanceRow("mem-track", "str", "memTrack", "memTrack", "arkouda_server --memTrack", { enum: BOOL }),
    instanceRow("server-port", "int", "serverPort", "serverPort", "port Arkouda clients connect to"),
    instanceRow(
        "metrics-enabled",
        "str",
        "metricsEnabled",
        "metrics.enabled",
        "run the metrics daemon and exporter sidecar, register a ServiceMonitor",
        { enum: BOOL, safeDefault: METRICS_OFF },
    ),
    instanceRow("metrics-service-port", "int", "metricsServicePort", "metrics.servicePort", "ARKOUDA_METRICS_SERVICE_PORT", {}),
    instanceRow(
        "metrics-polling-interval",
        "intText",
        "pollingIntervalSeconds",
        "metrics.pollingIntervalSeconds",
        "ARKOUDA_METRICS_POLLING_INTERVAL seconds",
    ),
    instanceRow("exporter-port", "int", "exporterPort", "metrics.exporterPort", "port the metrics exporter serves /metrics on", {}),
    instanceRow("exporter-cpu", "str", "exporterCpu", "metrics.exporterCpu", "CPU of the exporter sidecar (requests = limits)", {}),
    instanceRow("exporter-memory", "str", "exporterMemory", "metrics.exporterMemory", "memory of the exporter sidecar (requests = limits)"),
    instanceRow(
        "prometheus-match-labels",
        "map",
        "prometheusMatchLabels",
        "metrics.prometheusMatchLabels",
        "JSON map of the labels Prometheus selects ServiceMonitors by",
        { safeDefault: NO_MATCH_LABELS },
    ),
    instanceRow(
        "servicemonitor-enabled",
        "str",
        "serviceMonitorEnabled",
        "metrics.serviceMonitor.enabled",
        "register a ServiceMonitor (with metrics on)",
        { enum: BOOL },
    ),
    instanceRow(
        "scrape-interval",
        "str",
        "scrapeInterval",
        "metrics.serviceMonitor.interval",
        "ServiceMonitor interval (a Prometheus duration)",
        {
            safeDefault: DEFAULT_SCRAPE_INTERVAL,
        },
    ),
    instanceRow(
        "scrape-timeout",
        "str",
        "scrapeTimeout",
        "metrics.serviceMonitor.scrapeTimeout",
        "ServiceMonitor scrapeTimeout (empty: Prometheus')",
        {
            safeDefault: PROMETHEUS_TIMEOUT,
        },
    ),
    instanceRow(
        "scrape-annotations",
        "str",
        "scrapeAnnotations",
        "metrics.scrapeAnnotations",
        "prometheus.io/scrape on the exporter Service",
        {
            enum: BOOL,
        },
    ),
    instanceRow("run-as-user", "str", "runAsUser", "runAs.user", "ARKOUDA_USER (empty: the image's ubuntu user)", {
        safeDefault: IMAGE_USER,
    }),
    instanceRow("run-as-uid", "str", "runAsUid", "runAs.uid", "ARKOUDA_UID", { safeDefault: IMAGE_USER }),
    instanceRow("run-as-group", "str", "runAsGroup", "runAs.group", "ARKOUDA_GROUP", { safeDefault: IMAGE_USER }),
    instanceRow("run-as-gid", "str", "runAsGid", "runAs.gid", "ARKOUDA_GID", { safeDefault: IMAGE_USER }),
    instanceRow("node-selector", "map", "nodeSelector", "pods.nodeSelector", "JSON map: nodeSelector of the server and locale pods", {
        safeDefault: placementDefault("nodeSelector", "map"),
    }),
    instanceJsonRow(
        "tolerations",
        "tolerations",
        "pods.tolerations",
        "JSON list: tolerations of the server and locale pods (with the two admission adds to every pod)",
        tolerationsWithAdmissionDefaults,
    ),
    instanceJsonRow("affinity", "affinity", "pods.affinity", "JSON object: affinity of the server and locale pods"),
    instanceRow(
        "priority-class-name",
        "str",
        "priorityClassName",
        "pods.priorityClassName",
        "priorityClassName of the server and locale pods",
        {
            safeDefault: placementDefault("priorityClassName", "str"),
        },
    ),
    instanceRow("pod-labels", "map", "podLabels", "pods.labels", "JSON map: extra labels of the server and locale pods", {
        safeDefault: placementDefault("labels", "map"),
    }),
    instanceRow("pod-annotations", "map", "podAnnotations", "pods.annotations", "JSON map: annotations of the server and locale pods", {
        safeDefault: placementDefault("annotations", "map"),
    }),
    instanceRow(
        "termination-grace-period-seconds",
        "int",
        "terminationGracePeriodSeconds",
        "pods.terminationGracePeriodSeconds",
        "terminationGracePeriodSeconds of the server and locale pods",
        { safeDefault: placementDefault("terminationGracePeriodSeconds", "int") },
    ),
    instanceJsonRow(
        "image-pull-secrets",
        "imagePullSecrets",
        "pods.imagePullSecrets",
        "JSON list: imagePullSecrets of the server and locale pods, after the Secret of the namespace's registry credential, when the stack declares one",
        secretReferences,
        "list",
    ),
    instanceJsonRow(
        "locale-spread",
        "localeSpread",
        "pods.spreadLocales",
        "JSON list: topologySpreadConstraints of the locale pods (from spreadLocales)",
        localeSpread,
    ),
    instanceRow(
        "authenticate",
        "str",
        "authenticate",
        "authenticate",
        "arkouda_server --authenticate, with the token of the Secret <instance-name>-token (the token itself is never a parameter)",
        { enum: BOOL },
    ),
    instanceVolumeRow(
        "volumes",
        "list",
        "volumes",
        "volumes",
        "JSON list: the data volumes of the server and locale pods, after the program's own (a declared claim as <instance-name>-<volume>)",
        (_volumes: InstanceConfig["volumes"], instance) => dataPodVolumes(instance),
    ),
    instanceVolumeRow(
        "volume-mounts",
        "list",
        "volumeMounts",
        "volumes",
        "JSON list: where the server and locale containers mount them (not the exporter sidecar)",
        (volumes: InstanceConfig["volumes"]) => dataVolumeMounts(volumes),
    ),
    instanceVolumeRow(
        "volume-ownership",
        "object",
        "volumeOwnership",
        "volumes",
        "JSON object: what the server and locale pods' securityContext gains for the volumes (fsGroup: the run-as gid, with runAs)",
        (volumes: InstanceConfig["volumes"], instance) => dataVolumeOwnership(instance.runAs?.gid, volumes.length > 0),
    ),
]);

const exporterRow = rowBuilder<ExporterConfig, ExporterValues>(exporterSchema);
const exporterJsonRow = jsonRowBuilder<ExporterConfig, ExporterValues>();

export const EXPORTER_PARAMETERS = tableOf<ExporterValues>()([
    exporterRow("exporter-name", "str", "name", "name", "ARKOUDA_EXPORTER_APP_NAME / SERVICE_NAME: name of its objects"),
    exporterRow("server-name", "str", "serverName", "serverName", "ARKOUDA_SERVER_NAME (the arkouda_instance metrics label)"),
    exporterRow("arkouda-version", "str", "version", "version", "ARKOUDA_VERSION: exporter image tag", { safeDefault: TARGETS_OWN }),
    exporterRow("metrics-service-host", "str", "metricsServiceHost", "metricsServiceHost", "ARKOUDA_METRICS_SERVICE_HOST"),
    exporterRow("metrics-service-port", "intText", "metricsServicePort", "metricsServicePort", "ARKOUDA_METRICS_SERVICE_PORT", {}),
    exporterRow(
        "polling-interval",
        "intText",
        "pollingIntervalSeconds",
        "pollingIntervalSeconds",
        "ARKOUDA_EXPORTER_POLLING_INTERVAL seconds",
    ),
    exporterRow("exporter-port", "int", "exporterPort", "exporterPort", "port the exporter serves /metrics on"),
    exporterRow("launcher", "str", "launcher", "launcher", "ARKOUDA_LAUNCHER (the launcher metrics label)", { safeDefault: TARGETS_OWN }),
    exporterRow("cpu", "str", "cpu", "cpu", "exporter CPU (requests = limits)", { safeDefault: TARGETS_OWN }),
    exporterRow("memory", "str", "memory", "memory", "exporter memory (requests = limits)", { safeDefault: TARGETS_OWN }),
    exporterRow("image-pull-policy", "str", "imagePullPolicy", "imagePullPolicy", "image pull policy", {
        enum: PULL_POLICIES,
    }),
    exporterRow(
        "prometheus-match-labels",
        "map",
        "prometheusMatchLabels",
        "prometheusMatchLabels",
        "JSON map of the labels Prometheus selects ServiceMonitors by",
        { safeDefault: NO_MATCH_LABELS },
    ),
    exporterRow("servicemonitor-enabled", "str", "serviceMonitorEnabled", "serviceMonitor.enabled", "register a ServiceMonitor", {
        enum: BOOL,
    }),
    exporterRow("scrape-interval", "str", "scrapeInterval", "serviceMonitor.interval", "ServiceMonitor interval (a Prometheus duration)", {
        safeDefault: DEFAULT_SCRAPE_INTERVAL,
    }),
    exporterRow(
        "scrape-timeout",
        "str",
        "scrapeTimeout",
        "serviceMonitor.scrapeTimeout",
        "ServiceMonitor scrapeTimeout (empty: Prometheus')",
        {
            safeDefault: PROMETHEUS_TIMEOUT,
        },
    ),
    exporterRow("scrape-annotations", "str", "scrapeAnnotations", "scrapeAnnotations", "prometheus.io/scrape on the exporter Service", {
        enum: BOOL,
    }),
    exporterRow("node-selector", "map", "nodeSelector", "pods.nodeSelector", "JSON map: nodeSelector of the exporter pod", {
        safeDefault: placementDefault("nodeSelector", "map"),
    }),
    exporterJsonRow(
        "tolerations",
        "tolerations",
        "pods.tolerations",
        "JSON list: tolerations of the exporter pod (with the two admission adds to every pod)",
        tolerationsWithAdmissionDefaults,
    ),
    exporterJsonRow("affinity", "affinity", "pods.affinity", "JSON object: affinity of the exporter pod"),
    exporterRow("priority-class-name", "str", "priorityClassName", "pods.priorityClassName", "priorityClassName of the exporter pod", {
        safeDefault: placementDefault("priorityClassName", "str"),
    }),
    exporterRow("pod-labels", "map", "podLabels", "pods.labels", "JSON map: extra labels of the exporter pod", {
        safeDefault: placementDefault("labels", "map"),
    }),
    exporterRow("pod-annotations", "map", "podAnnotations", "pods.annotations", "JSON map: annotations of the exporter pod", {
        safeDefault: placementDefault("annotations", "map"),
    }),
    exporterJsonRow(
        "image-pull-secrets",
        "imagePullSecrets",
        "pods.imagePullSecrets",
        "JSON list: imagePullSecrets of the exporter pod, after the Secret of the namespace's registry credential, when the stack declares one",
        secretReferences,
        "list",
    ),
    exporterRow(
        "termination-grace-period-seconds",
        "int",
        "terminationGracePeriodSeconds",
        "pods.terminationGracePeriodSeconds",
        "terminationGracePeriodSeconds of the exporter pod",
        { safeDefault: placementDefault("terminationGracePeriodSeconds", "int") },
    ),
]);

/** JSON of a label map with sorted keys (what the `prometheus-match-labels` parameter carries). */
function labelsJson(labels: Readonly<Record<string, string>>): string {
    return JSON.stringify(sortedByKey(labels));
}

/** JSON with every object's keys sorted, so a parameter's text does not depend on the order keys were written in. */
function jsonText(value: unknown): string {
    const canonical = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.map(canonical)
            : v && typeof v === "object"
              ? Object.fromEntries(
                    Object.keys(v)
                        .sort()
                        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
                )
              : v;
    return JSON.stringify(canonical(value));
}

/** The config value of a row, as it travels (`encode`d); an unset optional key reads as "". */
export function configValue(r: ParameterRow, target: object): Source {
    let value: unknown = target;
    for (const key of r.configKey.split(".")) value = value === undefined ? undefined : (value as Record<string, unknown>)[key];
    if (value === undefined && r.type === "str") return "";
    if (r.encode && value !== undefined) value = r.encode(value as never, target as never);
    const ok =
        r.type === "list"
            ? Array.isArray(value)
            : r.type === "json" || r.type === "object"
              ? typeof value === "object" && value !== null
              : r.type === "map"
                ? typeof value === "object" && value !== null
                : r.type === "str"
                  ? value !== undefined
                  : Number.isInteger(value);
    if (!ok)
        throw new Error(
            `parameter ${r.name}: config key ${r.configKey} is ${JSON.stringify(value)}, not ${{ map: "a label map", json: "a JSON list or object", list: "a JSON list", object: "a JSON object", str: "a value", int: "a whole number", intText: "a whole number" }[r.type]}: resolve the config through components/config, which refuses it`,
        );
    return value as Source;
}

function parameterText(r: ParameterRow, target: object): string {
    const value = configValue(r, target);
    return r.type === "map" ? labelsJson(value as SourceAs["map"]) : JSON_TYPES.includes(r.type) ? jsonText(value) : String(value);
}

/** The types whose values travel as JSON text with sorted keys. */
const JSON_TYPES: readonly ParameterType[] = ["json", "list", "object"];

/** Parameter values keyed by name, in declaration order. */
function parameterValues(rows: readonly ParameterRow[], target: object): Record<string, string> {
    return Object.fromEntries(rows.map((r) => [r.name, parameterText(r, target)]));
}

/** The values record whose every field is the placeholder of the parameter that fills it. */
function placeholders<V>(rows: readonly ParameterRow[]): V {
    return Object.fromEntries(rows.map((r) => [r.field, (argoParam[r.type] as (name: string) => unknown)(r.name)])) as V;
}

/** Every Arkouda parameter value of an instance, keyed by parameter name, in declaration order. */
export function arkoudaParameters(i: InstanceConfig): Record<string, string> {
    return parameterValues(ARKOUDA_PARAMETERS, i);
}

export function exporterParameters(x: ExporterConfig): Record<string, string> {
    return parameterValues(EXPORTER_PARAMETERS, x);
}

/** Argo placeholders for every runtime-object value of an instance (see components/argo/expr.ts). */
export function arkoudaPlaceholders(): ArkoudaValues {
    return placeholders(ARKOUDA_PARAMETERS);
}

export function exporterPlaceholders(): ExporterValues {
    return placeholders(EXPORTER_PARAMETERS);
}

/** A parameter a template declares, with the default it declares (none: a run must give it). */
export interface DeclaredParameter {
    readonly row: ParameterRow;
    readonly default?: string;
}

/** The rows a template declares, each defaulting to the default target's value, or else to its safe default. */
export function declareParameters(rows: readonly ParameterRow[], defaultTarget: object | undefined): DeclaredParameter[] {
    const defaults = defaultTarget === undefined ? undefined : parameterValues(rows, defaultTarget);
    return rows.map((row) => {
        const value = defaults ? defaults[row.name] : row.safeDefault;
        return value === undefined ? { row } : { row, default: value };
    });
}

/** The template's `spec.arguments.parameters`. */
export function argoParameters(declared: readonly DeclaredParameter[]): Parameter[] {
    return declared.map(({ row, default: value }) => {
        const p: Parameter = { name: row.name };
        if (value !== undefined) p.value = value;
        if (row.enum) p.enum = [...row.enum];
        p.description = row.description;
        return p;
    });
}

/**
 * What a run of a template is given so that it acts on `values` (every parameter value of its
 * target): each parameter the template declares whose value differs from the declared default.
 * The template fills in the rest, so a CronWorkflow or run carries only what sets its target
 * apart. Pure.
 */
export function templateArguments(
    declared: readonly DeclaredParameter[],
    values: Readonly<Record<string, string>>,
): Record<string, string> {
    const given: Record<string, string> = {};
    for (const { row, default: value } of declared) {
        const own = values[row.name];
        if (own === undefined) throw new Error(`parameter ${row.name} is declared, but its target's values lack it`);
        if (own !== value) given[row.name] = own;
    }
    return given;
}
