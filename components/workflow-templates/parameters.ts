/**
 * The parameter tables: each Argo WorkflowTemplate parameter is declared once, with the config key
 * its value is read from (a dotted path in the resolved instance or exporter, checked by the types),
 * how the value travels (its shape) and the runtime-object value it fills. Derived from a table:
 * the templates' parameter lists, an instance's parameter values, the values records the runtime
 * objects are built from (their types, the concrete values and the Argo placeholders), and the
 * README's parameter tables (scripts/readme-tables.ts).
 */
import type { ExporterConfig, InstanceConfig } from "../config/types";
import { DEFAULT_EXPORTER_CPU, DEFAULT_EXPORTER_MEMORY, IMAGE_PULL_POLICIES, LOG_LEVELS } from "../config/schema";
import { argoParam } from "../argo/expr";
import { sortedByKey } from "../util/sort";
import type { Parameter, WorkflowTemplate } from "../argo/model";

/**
 * How a value travels: `str` text; `int` an integer that renders as a YAML integer; `intText` an
 * integer used as text (env values, `15s`); `map` a label map carried as JSON.
 */
export type Shape = "str" | "int" | "intText" | "map";

/** The config values each shape takes; an unset optional key gives an empty `str` parameter. */
interface SourceAs {
    str: string | number | boolean;
    int: number;
    intText: number;
    map: Readonly<Record<string, string>>;
}
/** The runtime-object value each shape fills. */
interface FillAs {
    str: string;
    int: number;
    intText: string;
    map: Record<string, string>;
}

type Source = SourceAs[Shape];

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

export interface ParameterRow<S extends Shape = Shape, F extends string = string> {
    /** Argo parameter name (`-p <name>=...`). */
    readonly name: string;
    /** The config key its value comes from, a dotted path in the resolved instance or exporter. */
    readonly configKey: string;
    readonly description: string;
    readonly enum?: readonly string[];
    /** Default when no instance/exporter is configured (only values that are always safe). */
    readonly safeDefault?: string;
    readonly shape: S;
    /** The runtime-object value it fills (a field of ArkoudaValues or ExporterValues). */
    readonly field: F;
}

/** The values record a table fills: one field per row, typed by the row's shape. */
type ValuesOf<R extends ParameterRow> = { [P in R as P["field"]]: FillAs[P["shape"]] };

interface Extra {
    enum?: readonly string[];
    safeDefault?: string;
}

/** A row maker for the table of config type C; the types tie the config key's type to the shape. */
function rowsOf<C>() {
    return <S extends Shape, F extends string>(
        name: string,
        shape: S,
        field: F,
        configKey: PathTo<C, SourceAs[S]>,
        description: string,
        extra: Extra = {},
    ): ParameterRow<S, F> => ({
        name,
        configKey,
        description,
        shape,
        field,
        ...extra,
    });
}

const BOOL = ["false", "true"];
const PULL_POLICIES = [...IMAGE_PULL_POLICIES].sort();
const SORTED_LOG_LEVELS = [...LOG_LEVELS].sort();

const a = rowsOf<InstanceConfig>();

/** Arkouda parameters, in their (stable) declaration order. Deploy and delete share them. */
export const ARKOUDA_PARAMETERS = Object.freeze([
    a("instance-name", "str", "instanceName", "name", "ARKOUDA_INSTANCE_NAME: prefix of every object's name"),
    a("server-name", "str", "serverName", "serverName", "ARKOUDA_SERVER_NAME (the arkouda_instance metrics label)"),
    a("arkouda-version", "str", "version", "version", "ARKOUDA_VERSION: tag of the server and exporter images"),
    a("locales", "int", "locales", "locales", "ARKOUDA_NUMBER_OF_LOCALES: locale pods besides the server (total = locales + 1)"),
    a("cpu", "str", "cpu", "cpu", "ARKOUDA_CPU_CORES per pod (requests = limits)"),
    a("memory", "str", "memory", "memory", "ARKOUDA_MEMORY per pod (requests = limits)"),
    a("chpl-num-threads-per-locale", "intText", "numThreadsPerLocale", "chapel.numThreadsPerLocale", "CHPL_NUM_THREADS_PER_LOCALE"),
    a("chpl-mem-max", "intText", "memMax", "chapel.memMax", "CHPL_MEM_MAX in bytes"),
    a("image-pull-policy", "str", "imagePullPolicy", "imagePullPolicy", "image pull policy of the Arkouda pods", {
        enum: PULL_POLICIES,
        safeDefault: "IfNotPresent",
    }),
    a("launcher", "str", "launcher", "launcher", "ARKOUDA_LAUNCHER (the launcher metrics label)", { safeDefault: "kubernetes" }),
    a("log-level", "str", "logLevel", "logLevel", "arkouda_server --logLevel", { enum: SORTED_LOG_LEVELS, safeDefault: "LogLevel.INFO" }),
    a("mem-track", "str", "memTrack", "memTrack", "arkouda_server --memTrack", { enum: BOOL, safeDefault: "true" }),
    a("server-port", "int", "serverPort", "serverPort", "port Arkouda clients connect to", { safeDefault: "5555" }),
    a(
        "metrics-enabled",
        "str",
        "metricsEnabled",
        "metrics.enabled",
        "run the metrics daemon and exporter sidecar, register a ServiceMonitor",
        { enum: BOOL, safeDefault: "false" },
    ),
    a("metrics-service-port", "int", "metricsServicePort", "metrics.servicePort", "ARKOUDA_METRICS_SERVICE_PORT", { safeDefault: "5556" }),
    a(
        "metrics-polling-interval",
        "intText",
        "pollingIntervalSeconds",
        "metrics.pollingIntervalSeconds",
        "ARKOUDA_METRICS_POLLING_INTERVAL seconds",
        { safeDefault: "15" },
    ),
    a("exporter-port", "int", "exporterPort", "metrics.exporterPort", "port the metrics exporter serves /metrics on", {
        safeDefault: "5080",
    }),
    a("exporter-cpu", "str", "exporterCpu", "metrics.exporterCpu", "CPU of the exporter sidecar (requests = limits)", {
        safeDefault: DEFAULT_EXPORTER_CPU,
    }),
    a("exporter-memory", "str", "exporterMemory", "metrics.exporterMemory", "memory of the exporter sidecar (requests = limits)", {
        safeDefault: DEFAULT_EXPORTER_MEMORY,
    }),
    a(
        "prometheus-match-labels",
        "map",
        "prometheusMatchLabels",
        "metrics.prometheusMatchLabels",
        "JSON map of the labels Prometheus selects ServiceMonitors by",
        { safeDefault: "{}" },
    ),
    a("run-as-user", "str", "runAsUser", "runAs.user", "ARKOUDA_USER (empty: the image's ubuntu user)", { safeDefault: "" }),
    a("run-as-uid", "str", "runAsUid", "runAs.uid", "ARKOUDA_UID", { safeDefault: "" }),
    a("run-as-group", "str", "runAsGroup", "runAs.group", "ARKOUDA_GROUP", { safeDefault: "" }),
    a("run-as-gid", "str", "runAsGid", "runAs.gid", "ARKOUDA_GID", { safeDefault: "" }),
]);

/** Every per-instance value the runtime objects are built from (concrete, or Argo placeholders). */
export type ArkoudaValues = ValuesOf<(typeof ARKOUDA_PARAMETERS)[number]> & {
    /** locales + 1; derived, never configured separately. */
    totalLocales: number;
};

const e = rowsOf<ExporterConfig>();

export const EXPORTER_PARAMETERS = Object.freeze([
    e("exporter-name", "str", "name", "name", "ARKOUDA_EXPORTER_APP_NAME / SERVICE_NAME: name of its objects"),
    e("server-name", "str", "serverName", "serverName", "ARKOUDA_SERVER_NAME (the arkouda_instance metrics label)"),
    e("arkouda-version", "str", "version", "version", "ARKOUDA_VERSION: exporter image tag"),
    e("metrics-service-host", "str", "metricsServiceHost", "metricsServiceHost", "ARKOUDA_METRICS_SERVICE_HOST"),
    e("metrics-service-port", "intText", "metricsServicePort", "metricsServicePort", "ARKOUDA_METRICS_SERVICE_PORT", {
        safeDefault: "5556",
    }),
    e("polling-interval", "intText", "pollingIntervalSeconds", "pollingIntervalSeconds", "ARKOUDA_EXPORTER_POLLING_INTERVAL seconds", {
        safeDefault: "15",
    }),
    e("exporter-port", "int", "exporterPort", "exporterPort", "port the exporter serves /metrics on", { safeDefault: "5080" }),
    e("launcher", "str", "launcher", "launcher", "ARKOUDA_LAUNCHER (the launcher metrics label)"),
    e("cpu", "str", "cpu", "cpu", "exporter CPU (requests = limits)"),
    e("memory", "str", "memory", "memory", "exporter memory (requests = limits)"),
    e("image-pull-policy", "str", "imagePullPolicy", "imagePullPolicy", "image pull policy", {
        enum: PULL_POLICIES,
        safeDefault: "IfNotPresent",
    }),
    e(
        "prometheus-match-labels",
        "map",
        "prometheusMatchLabels",
        "prometheusMatchLabels",
        "JSON map of the labels Prometheus selects ServiceMonitors by",
        { safeDefault: "{}" },
    ),
]);

/** Every value a standalone exporter's runtime objects are built from. */
export type ExporterValues = ValuesOf<(typeof EXPORTER_PARAMETERS)[number]>;

/** JSON of a label map with sorted keys (what the `prometheus-match-labels` parameter carries). */
export function labelsJson(labels: Readonly<Record<string, string>>): string {
    return JSON.stringify(sortedByKey(labels));
}

/** The config value of a row; an unset optional key reads as "". */
function source(r: ParameterRow, target: object): Source {
    let value: unknown = target;
    for (const key of r.configKey.split(".")) value = value === undefined ? undefined : (value as Record<string, unknown>)[key];
    if (value === undefined && r.shape === "str") return "";
    const ok =
        r.shape === "map" ? typeof value === "object" && value !== null : r.shape === "str" ? value !== undefined : Number.isInteger(value);
    if (!ok)
        throw new Error(
            `parameter ${r.name}: config key ${r.configKey} is ${JSON.stringify(value)}, not a ${r.shape === "map" ? "label map" : r.shape === "str" ? "value" : "whole number"}: resolve the config through components/config, which refuses it`,
        );
    return value as Source;
}

function parameterText(r: ParameterRow, target: object): string {
    const value = source(r, target);
    return r.shape === "map" ? labelsJson(value as SourceAs["map"]) : String(value);
}

function concrete(r: ParameterRow, target: object): FillAs[Shape] {
    const value = source(r, target);
    if (r.shape === "map") return { ...(value as SourceAs["map"]) };
    return r.shape === "int" ? (value as number) : String(value);
}

/** Parameter values keyed by name, in declaration order. */
function parameterValues(rows: readonly ParameterRow[], target: object): Record<string, string> {
    return Object.fromEntries(rows.map((r) => [r.name, parameterText(r, target)]));
}

function fill<V>(rows: readonly ParameterRow[], value: (r: ParameterRow) => FillAs[Shape]): V {
    return Object.fromEntries(rows.map((r) => [r.field, value(r)])) as V;
}

/** Every Arkouda parameter value of an instance, keyed by parameter name, in declaration order. */
export function arkoudaParameters(i: InstanceConfig): Record<string, string> {
    return parameterValues(ARKOUDA_PARAMETERS, i);
}

export function exporterParameters(x: ExporterConfig): Record<string, string> {
    return parameterValues(EXPORTER_PARAMETERS, x);
}

/** Concrete values of an instance (what the Argo parameters resolve to). */
export function arkoudaValues(i: InstanceConfig): ArkoudaValues {
    return { ...fill(ARKOUDA_PARAMETERS, (r) => concrete(r, i)), totalLocales: i.locales + 1 };
}

export function exporterValues(x: ExporterConfig): ExporterValues {
    return fill(EXPORTER_PARAMETERS, (r) => concrete(r, x));
}

/** Argo placeholders for every runtime-object value (see components/argo/expr.ts). */
export function arkoudaPlaceholders(): ArkoudaValues {
    return { ...fill(ARKOUDA_PARAMETERS, (r) => argoParam[r.shape](r.name)), totalLocales: argoParam.int("locales", 1) };
}

export function exporterPlaceholders(): ExporterValues {
    return fill(EXPORTER_PARAMETERS, (r) => argoParam[r.shape](r.name));
}

/**
 * What a run of `template` is given so that it acts on `values`: every parameter the template
 * declares whose value differs from the template's default. The template fills in the rest, so
 * a CronWorkflow or run carries only what sets its target apart. Pure.
 */
export function templateArguments(template: WorkflowTemplate, values: Readonly<Record<string, string>>): Record<string, string> {
    const given: Record<string, string> = {};
    for (const p of template.spec.arguments?.parameters ?? []) {
        const value = values[p.name];
        if (value === undefined) throw new Error(`${template.metadata.name} declares parameter ${p.name}, which its target's values lack`);
        if (value !== p.value) given[p.name] = value;
    }
    return given;
}

/** The template's `spec.arguments.parameters`: defaults = the configured default target's values. */
export function declareParameters(rows: readonly ParameterRow[], defaultTarget: object | undefined): Parameter[] {
    const defaults = defaultTarget === undefined ? undefined : parameterValues(rows, defaultTarget);
    return rows.map((r) => {
        const p: Parameter = { name: r.name };
        const value = defaults ? defaults[r.name] : r.safeDefault;
        if (value !== undefined) p.value = value;
        if (r.enum) p.enum = [...r.enum];
        p.description = r.description;
        return p;
    });
}
