/**
 * The four Argo WorkflowTemplates, as pure functions returning plain typed objects, plus the thin
 * Pulumi component that declares them.
 *
 * Design (targets: deploy ≤ 4 pods, delete ≤ 2, ≤ 3 sequential pod steps on the deploy path):
 *
 *   deploy-arkouda-on-kubernetes (DAG)
 *     apply-launch-scripts-and-services   kubectl container: server-side apply of the 2 ConfigMaps
 *          |                  \            + 5 Services (manifest = input artifact, raw.data)
 *     deploy-locales      register-servicemonitor   (resource apply; `when` metrics enabled)
 *          |                    resource apply of the Deployment; waits readyReplicas == locales,
 *     deploy-server             bounded by activeDeadlineSeconds = localeReadySeconds
 *                               resource apply of the Pod; waits phase Running (serverReadySeconds)
 *     onExit: exit-handler -> clean-up-failed-deploy only when {{workflow.status}} != Succeeded
 *             (runs the delete DAG; zero pods on success)
 *
 *   delete-arkouda-on-kubernetes (DAG)
 *     delete-objects           kubectl container: delete --ignore-not-found over every ref
 *     delete-servicemonitor    resource delete; `when` metrics enabled (the kind is unknown
 *                              without the prometheus-operator CRD, so it is its own step)
 *
 *   deploy-prometheus-arkouda-exporter: apply-service-and-servicemonitor (kubectl) ‖ deploy-exporter
 *   (resource apply, waits available); delete-prometheus-arkouda-exporter: delete-objects ‖
 *   delete-servicemonitor. Same exit-handler clean-up.
 *
 * No `action: create` anywhere: every write is a server-side apply with one field manager, every
 * delete tolerates absence. Every parameter reaches a manifest through an expression tag
 * (components/argo/expr.ts), never spliced YAML.
 */
import { childOptions, typeToken } from "./component";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ExporterConfig, InstanceConfig, NamespaceSettings } from "./config/types";
import { DEFAULT_EXPORTER_CPU, DEFAULT_EXPORTER_MEMORY } from "./config/schema";
import { argoParam, paramRef, renderManifest } from "./argo/expr";
import {
    Container,
    containerTemplate,
    DAGTask,
    dag,
    Parameter,
    resourceTemplate,
    task,
    Template,
    workflowTemplate,
    WorkflowTemplate,
} from "./argo/model";
import type { Grant, Verb } from "./rbac";
import {
    ArkoudaValues,
    arkoudaRuntimeObjectRefs,
    arkoudaRuntimeObjects,
    ExporterValues,
    exporterRuntimeObjectRefs,
    exporterRuntimeObjects,
    MANAGED_BY,
    ObjectRef,
} from "./runtime-objects";

export const DEPLOY_ARKOUDA_TEMPLATE = "deploy-arkouda-on-kubernetes";
export const DELETE_ARKOUDA_TEMPLATE = "delete-arkouda-on-kubernetes";
export const DEPLOY_EXPORTER_TEMPLATE = "deploy-prometheus-arkouda-exporter";
export const DELETE_EXPORTER_TEMPLATE = "delete-prometheus-arkouda-exporter";
export const TEMPLATE_NAMES = [DEPLOY_ARKOUDA_TEMPLATE, DELETE_ARKOUDA_TEMPLATE, DEPLOY_EXPORTER_TEMPLATE, DELETE_EXPORTER_TEMPLATE] as const;

/** kubectl server-side apply flags shared by the kubectl steps and the resource templates. */
export const FIELD_MANAGER = MANAGED_BY;
const APPLY_FLAGS = ["--server-side", `--field-manager=${FIELD_MANAGER}`, "--force-conflicts"];
const MANIFEST_DIR = "/tmp/arkouda-workflows";
const MANIFEST_PATH = `${MANIFEST_DIR}/manifest.yaml`;
/** Finished workflows are kept this long for inspection, then garbage-collected. */
const TTL_SUCCESS_SECONDS = 24 * 3600;
const TTL_FAILURE_SECONDS = 7 * 24 * 3600;

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

const BOOL = ["false", "true"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const LOG_LEVELS = ["LogLevel.CRITICAL", "LogLevel.DEBUG", "LogLevel.ERROR", "LogLevel.INFO", "LogLevel.WARN"];

interface ParamSpec {
    name: string;
    description: string;
    enum?: string[];
    /** Default when no instance/exporter is configured (only values that are always safe). */
    safeDefault?: string;
}

/** Arkouda parameters, in their (stable) declaration order. Deploy and delete share them. */
export const ARKOUDA_PARAMETERS: readonly ParamSpec[] = [
    { name: "instance-name", description: "ARKOUDA_INSTANCE_NAME: prefix of every object's name" },
    { name: "server-name", description: "ARKOUDA_SERVER_NAME (the arkouda_instance metrics label)" },
    { name: "arkouda-version", description: "ARKOUDA_VERSION: tag of the server and exporter images" },
    { name: "locales", description: "ARKOUDA_NUMBER_OF_LOCALES: locale pods besides the server (total = locales + 1)" },
    { name: "cpu", description: "ARKOUDA_CPU_CORES per pod (requests = limits)" },
    { name: "memory", description: "ARKOUDA_MEMORY per pod (requests = limits)" },
    { name: "chpl-num-threads-per-locale", description: "CHPL_NUM_THREADS_PER_LOCALE" },
    { name: "chpl-mem-max", description: "CHPL_MEM_MAX in bytes" },
    { name: "image-pull-policy", description: "image pull policy of the Arkouda pods", enum: PULL_POLICIES, safeDefault: "IfNotPresent" },
    { name: "launcher", description: "ARKOUDA_LAUNCHER (the launcher metrics label)", safeDefault: "kubernetes" },
    { name: "log-level", description: "arkouda_server --logLevel", enum: LOG_LEVELS, safeDefault: "LogLevel.INFO" },
    { name: "mem-track", description: "arkouda_server --memTrack", enum: BOOL, safeDefault: "true" },
    { name: "server-port", description: "port Arkouda clients connect to", safeDefault: "5555" },
    { name: "metrics-enabled", description: "run the metrics daemon and exporter sidecar, register a ServiceMonitor", enum: BOOL, safeDefault: "false" },
    { name: "metrics-service-port", description: "ARKOUDA_METRICS_SERVICE_PORT", safeDefault: "5556" },
    { name: "metrics-polling-interval", description: "ARKOUDA_METRICS_POLLING_INTERVAL seconds", safeDefault: "15" },
    { name: "exporter-port", description: "port the metrics exporter serves /metrics on", safeDefault: "5080" },
    { name: "exporter-cpu", description: "CPU of the exporter sidecar (requests = limits)", safeDefault: DEFAULT_EXPORTER_CPU },
    { name: "exporter-memory", description: "memory of the exporter sidecar (requests = limits)", safeDefault: DEFAULT_EXPORTER_MEMORY },
    { name: "prometheus-match-labels", description: "JSON map of the labels Prometheus selects ServiceMonitors by", safeDefault: "{}" },
    { name: "run-as-user", description: "ARKOUDA_USER (empty: the image's ubuntu user)", safeDefault: "" },
    { name: "run-as-uid", description: "ARKOUDA_UID", safeDefault: "" },
    { name: "run-as-group", description: "ARKOUDA_GROUP", safeDefault: "" },
    { name: "run-as-gid", description: "ARKOUDA_GID", safeDefault: "" },
];

export const EXPORTER_PARAMETERS: readonly ParamSpec[] = [
    { name: "exporter-name", description: "ARKOUDA_EXPORTER_APP_NAME / SERVICE_NAME: name of its objects" },
    { name: "server-name", description: "ARKOUDA_SERVER_NAME (the arkouda_instance metrics label)" },
    { name: "arkouda-version", description: "ARKOUDA_VERSION: exporter image tag" },
    { name: "metrics-service-host", description: "ARKOUDA_METRICS_SERVICE_HOST" },
    { name: "metrics-service-port", description: "ARKOUDA_METRICS_SERVICE_PORT", safeDefault: "5556" },
    { name: "polling-interval", description: "ARKOUDA_EXPORTER_POLLING_INTERVAL seconds", safeDefault: "15" },
    { name: "exporter-port", description: "port the exporter serves /metrics on", safeDefault: "5080" },
    { name: "launcher", description: "ARKOUDA_LAUNCHER (the launcher metrics label)" },
    { name: "cpu", description: "exporter CPU (requests = limits)" },
    { name: "memory", description: "exporter memory (requests = limits)" },
    { name: "image-pull-policy", description: "image pull policy", enum: PULL_POLICIES, safeDefault: "IfNotPresent" },
    { name: "prometheus-match-labels", description: "JSON map of the labels Prometheus selects ServiceMonitors by", safeDefault: "{}" },
];

/** JSON of a label map with sorted keys (what the `prometheus-match-labels` parameter carries). */
export function labelsJson(labels: Readonly<Record<string, string>>): string {
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(labels).sort()) sorted[k] = labels[k];
    return JSON.stringify(sorted);
}

/** Every Arkouda parameter value of an instance, keyed by parameter name, in declaration order. */
export function arkoudaParameters(i: InstanceConfig, _ns?: NamespaceSettings): Record<string, string> {
    const values: Record<string, string> = {
        "instance-name": i.name,
        "server-name": i.serverName,
        "arkouda-version": i.version,
        locales: String(i.locales),
        cpu: i.cpu,
        memory: i.memory,
        "chpl-num-threads-per-locale": String(i.chapel.numThreadsPerLocale),
        "chpl-mem-max": String(i.chapel.memMax),
        "image-pull-policy": i.imagePullPolicy,
        launcher: i.launcher,
        "log-level": i.logLevel,
        "mem-track": String(i.memTrack),
        "server-port": String(i.serverPort),
        "metrics-enabled": String(i.metrics.enabled),
        "metrics-service-port": String(i.metrics.servicePort),
        "metrics-polling-interval": String(i.metrics.pollingIntervalSeconds),
        "exporter-port": String(i.metrics.exporterPort),
        "exporter-cpu": i.metrics.exporterCpu,
        "exporter-memory": i.metrics.exporterMemory,
        "prometheus-match-labels": labelsJson(i.metrics.prometheusMatchLabels),
        "run-as-user": i.runAs?.user ?? "",
        "run-as-uid": i.runAs ? String(i.runAs.uid) : "",
        "run-as-group": i.runAs?.group ?? "",
        "run-as-gid": i.runAs ? String(i.runAs.gid) : "",
    };
    return ordered(ARKOUDA_PARAMETERS, values);
}

export function exporterParameters(e: ExporterConfig, _ns?: NamespaceSettings): Record<string, string> {
    const values: Record<string, string> = {
        "exporter-name": e.name,
        "server-name": e.serverName,
        "arkouda-version": e.version,
        "metrics-service-host": e.metricsServiceHost,
        "metrics-service-port": String(e.metricsServicePort),
        "polling-interval": String(e.pollingIntervalSeconds),
        "exporter-port": String(e.exporterPort),
        launcher: e.launcher,
        cpu: e.cpu,
        memory: e.memory,
        "image-pull-policy": e.imagePullPolicy,
        "prometheus-match-labels": labelsJson(e.prometheusMatchLabels),
    };
    return ordered(EXPORTER_PARAMETERS, values);
}

function ordered(specs: readonly ParamSpec[], values: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of specs) {
        if (!(s.name in values)) throw new Error(`no value for parameter ${s.name}`);
        out[s.name] = values[s.name];
    }
    const extra = Object.keys(values).filter((k) => !specs.some((s) => s.name === k));
    if (extra.length > 0) throw new Error(`undeclared parameters: ${extra.join(", ")}`);
    return out;
}

/** The template's `spec.arguments.parameters`: defaults = the configured default target's values. */
function declareParameters(specs: readonly ParamSpec[], defaults: Record<string, string> | undefined): Parameter[] {
    return specs.map((s) => {
        const p: Parameter = { name: s.name };
        const value = defaults ? defaults[s.name] : s.safeDefault;
        if (value !== undefined) p.value = value;
        if (s.enum) p.enum = [...s.enum];
        p.description = s.description;
        return p;
    });
}

/** Argo placeholders for every runtime-object value (see components/argo/expr.ts). */
export function arkoudaPlaceholders(): ArkoudaValues {
    const s = argoParam.str;
    return {
        instanceName: s("instance-name"),
        serverName: s("server-name"),
        version: s("arkouda-version"),
        locales: argoParam.int("locales"),
        totalLocales: argoParam.int("locales", 1),
        cpu: s("cpu"),
        memory: s("memory"),
        numThreadsPerLocale: argoParam.intText("chpl-num-threads-per-locale"),
        memMax: argoParam.intText("chpl-mem-max"),
        imagePullPolicy: s("image-pull-policy"),
        launcher: s("launcher"),
        logLevel: s("log-level"),
        memTrack: s("mem-track"),
        metricsEnabled: s("metrics-enabled"),
        serverPort: argoParam.int("server-port"),
        metricsServicePort: argoParam.int("metrics-service-port"),
        exporterPort: argoParam.int("exporter-port"),
        exporterCpu: s("exporter-cpu"),
        exporterMemory: s("exporter-memory"),
        pollingIntervalSeconds: argoParam.intText("metrics-polling-interval"),
        prometheusMatchLabels: argoParam.map("prometheus-match-labels"),
        runAsUser: s("run-as-user"),
        runAsUid: s("run-as-uid"),
        runAsGroup: s("run-as-group"),
        runAsGid: s("run-as-gid"),
    };
}

export function exporterPlaceholders(): ExporterValues {
    const s = argoParam.str;
    return {
        name: s("exporter-name"),
        serverName: s("server-name"),
        version: s("arkouda-version"),
        metricsServiceHost: s("metrics-service-host"),
        metricsServicePort: argoParam.intText("metrics-service-port"),
        pollingIntervalSeconds: argoParam.intText("polling-interval"),
        exporterPort: argoParam.int("exporter-port"),
        launcher: s("launcher"),
        cpu: s("cpu"),
        memory: s("memory"),
        imagePullPolicy: s("image-pull-policy"),
        prometheusMatchLabels: argoParam.map("prometheus-match-labels"),
    };
}

// ---------------------------------------------------------------------------------------------
// Step builders. Each records what it touches so the workflow Role is derived from the steps.
// ---------------------------------------------------------------------------------------------

type Operation = "apply" | "apply-and-wait" | "delete";

interface Touch {
    apiVersion: string;
    kind: string;
    op: Operation;
}

interface Built {
    template: WorkflowTemplate;
    touches: Touch[];
}

class Steps {
    readonly templates: Template[] = [];
    readonly touches: Touch[] = [];
    constructor(private readonly ns: NamespaceSettings) {}

    private touch(objs: readonly { apiVersion: string; kind: string }[], op: Operation) {
        for (const o of objs) this.touches.push({ apiVersion: o.apiVersion, kind: o.kind, op });
    }

    private kubectl(args: string[]): Container {
        return {
            image: this.ns.images.kubectl,
            command: ["kubectl"],
            args,
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        };
    }

    private manifestArtifact(objects: readonly object[]) {
        return { artifacts: [{ name: "manifest", path: MANIFEST_PATH, raw: { data: renderManifest(objects) } }] };
    }

    /** One pod: `kubectl apply --server-side` of a multi-document manifest (no shell needed). */
    kubectlApply(name: string, objects: readonly { apiVersion?: unknown; kind?: unknown }[]): Template {
        this.touch(objects.map(ref), "apply");
        const t = containerTemplate(
            name,
            this.kubectl(["apply", ...APPLY_FLAGS, `--namespace=${this.ns.namespace}`, `--filename=${MANIFEST_PATH}`]),
            { inputs: this.manifestArtifact(objects) },
        );
        this.templates.push(t);
        return t;
    }

    /** One pod: delete every listed object, tolerating absence, waiting until they are gone. */
    kubectlDelete(name: string, refs: readonly ObjectRef[], timeoutSeconds: number): Template {
        this.touch(refs, "delete");
        const stubs = refs.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name } }));
        const t = containerTemplate(
            name,
            this.kubectl([
                "delete",
                "--ignore-not-found",
                "--wait=true",
                `--timeout=${timeoutSeconds}s`,
                `--namespace=${this.ns.namespace}`,
                `--filename=${MANIFEST_PATH}`,
            ]),
            { inputs: this.manifestArtifact(stubs) },
        );
        this.templates.push(t);
        return t;
    }

    /** One pod: server-side apply of one object, optionally waiting for a condition (bounded). */
    resourceApply(name: string, object: { apiVersion?: unknown; kind?: unknown }, wait?: { success: string; failure?: string; deadlineSeconds: number }): Template {
        this.touch([ref(object)], wait ? "apply-and-wait" : "apply");
        const t = resourceTemplate(
            name,
            {
                action: "apply",
                flags: [...APPLY_FLAGS],
                manifest: renderManifest([object]),
                ...(wait ? { successCondition: wait.success } : {}),
                ...(wait?.failure ? { failureCondition: wait.failure } : {}),
            },
            wait ? { activeDeadlineSeconds: wait.deadlineSeconds } : {},
        );
        this.templates.push(t);
        return t;
    }

    /** One pod: delete one object (Argo adds --ignore-not-found to resource deletes). */
    resourceDelete(name: string, r: ObjectRef): Template {
        this.touch([r], "delete");
        const t = resourceTemplate(name, {
            action: "delete",
            flags: ["--ignore-not-found", "--wait=true"],
            manifest: renderManifest([{ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name } }]),
        });
        this.templates.push(t);
        return t;
    }

    add(t: Template): Template {
        this.templates.push(t);
        return t;
    }
}

function ref(o: { apiVersion?: unknown; kind?: unknown }): { apiVersion: string; kind: string } {
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") throw new Error("object without apiVersion/kind");
    return { apiVersion: o.apiVersion, kind: o.kind };
}

/** `when` expression: the workflow parameter equals 'true'. */
export function whenTrue(param: string): string {
    return `{{=${paramRef(param)} == 'true'}}`;
}

/** `when` expression: the workflow parameter is anything but 'true' (the complement of whenTrue). */
export function whenFalse(param: string): string {
    return `{{=${paramRef(param)} != 'true'}}`;
}

/** The exit-handler condition: only a workflow that did not succeed cleans up. */
export const WHEN_WORKFLOW_FAILED = "{{workflow.status}} != Succeeded";

function mutexName(kind: "instance" | "exporter", param: string): string {
    return `arkouda-${kind}-{{workflow.parameters.${param}}}`;
}

interface Common {
    ns: NamespaceSettings;
    kind: "instance" | "exporter";
    nameParam: string;
    component: string;
    deadlineSeconds: number;
    parameters: Parameter[];
    entrypoint: string;
    onExit?: string;
    steps: Steps;
}

function assemble(name: string, c: Common): WorkflowTemplate {
    return workflowTemplate(
        {
            name,
            namespace: c.ns.namespace,
            labels: {
                "app.kubernetes.io/component": c.component,
                "app.kubernetes.io/managed-by": MANAGED_BY,
                "app.kubernetes.io/name": "arkouda",
            },
        },
        {
            entrypoint: c.entrypoint,
            ...(c.onExit ? { onExit: c.onExit } : {}),
            serviceAccountName: c.ns.workflowServiceAccountName,
            activeDeadlineSeconds: c.deadlineSeconds,
            synchronization: { mutexes: [{ name: mutexName(c.kind, c.nameParam) }] },
            // Keep a failed step's pod for its logs; completed workflows expire.
            podGC: { strategy: "OnPodSuccess" },
            ttlStrategy: { secondsAfterSuccess: TTL_SUCCESS_SECONDS, secondsAfterFailure: TTL_FAILURE_SECONDS },
            workflowMetadata: {
                labels: {
                    "app.kubernetes.io/component": c.component,
                    "app.kubernetes.io/managed-by": MANAGED_BY,
                    "app.kubernetes.io/name": "arkouda",
                },
                // Which instance or exporter a Workflow acts on, so clean-up can find runs in flight.
                labelsFrom: {
                    "app.kubernetes.io/instance": { expression: paramRef(c.nameParam) },
                    [`arkouda-workflows/${c.kind}`]: { expression: paramRef(c.nameParam) },
                },
            },
            arguments: { parameters: c.parameters },
            templates: c.steps.templates,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Arkouda
// ---------------------------------------------------------------------------------------------

function arkoudaDeleteSteps(steps: Steps, ns: NamespaceSettings, dagName: string): Template {
    const refs = arkoudaRuntimeObjectRefs(argoParam.str("instance-name"));
    const plain = refs.filter((r) => r.kind !== "ServiceMonitor");
    const monitor = refs.find((r) => r.kind === "ServiceMonitor")!;
    const deleteObjects = steps.kubectlDelete("delete-objects", plain, ns.deadlines.deleteSeconds);
    const deleteMonitor = steps.resourceDelete("delete-servicemonitor", monitor);
    return steps.add(
        dag(dagName, [
            task("delete-objects").runs(deleteObjects),
            task("delete-servicemonitor").runs(deleteMonitor).when(whenTrue("metrics-enabled")),
        ]),
    );
}

function exitHandler(steps: Steps, cleanUp: Template): Template {
    return steps.add(dag("exit-handler", [task("clean-up-failed-deploy").runs(cleanUp).when(WHEN_WORKFLOW_FAILED)]));
}

function buildDeployArkouda(ns: NamespaceSettings, defaults: InstanceConfig | undefined): Built {
    const steps = new Steps(ns);
    const objs = arkoudaRuntimeObjects(arkoudaPlaceholders(), ns);
    const locales = argoParam.int("locales");

    const applyScripts = steps.kubectlApply("apply-launch-scripts-and-services", [...objs.launchScripts, ...objs.services]);
    const deployLocales = steps.resourceApply("deploy-locales", objs.localeDeployment, {
        // Recreate strategy: once all pods of the current spec are ready, readyReplicas == locales.
        success: `status.readyReplicas == ${renderInt(locales)}, status.updatedReplicas == ${renderInt(locales)}`,
        deadlineSeconds: ns.deadlines.localeReadySeconds,
    });
    // Serving, not only running: the server container turns ready once it has registered and
    // its client socket answers (its readiness probe), and a pod that ends fails the step.
    const serverReady = {
        success: "status.containerStatuses.0.ready == true",
        failure: "status.phase in (Failed, Succeeded)",
        deadlineSeconds: ns.deadlines.serverReadySeconds,
    };
    const deployServer = steps.resourceApply("deploy-server", objs.serverPod, serverReady);
    const deployServerWithoutMetrics = steps.resourceApply("deploy-server-without-metrics", objs.serverPodWithoutMetrics, serverReady);
    const registerMonitor = steps.resourceApply("register-servicemonitor", objs.serviceMonitor);

    const applyTask = task("apply-launch-scripts-and-services").runs(applyScripts);
    const localesTask = task("deploy-locales").runs(deployLocales).after(applyTask);
    const serverTask = task("deploy-server").runs(deployServer).after(localesTask).when(whenTrue("metrics-enabled"));
    const plainServerTask = task("deploy-server-without-metrics").runs(deployServerWithoutMetrics).after(localesTask).when(whenFalse("metrics-enabled"));
    const monitorTask = task("register-servicemonitor").runs(registerMonitor).after(applyTask).when(whenTrue("metrics-enabled"));
    steps.add(dag("deploy", [applyTask, localesTask, serverTask, plainServerTask, monitorTask]));

    const cleanUp = arkoudaDeleteSteps(steps, ns, "clean-up");
    exitHandler(steps, cleanUp);

    const template = assemble(DEPLOY_ARKOUDA_TEMPLATE, {
        ns,
        kind: "instance",
        nameParam: "instance-name",
        component: "deploy",
        deadlineSeconds: ns.deadlines.deploySeconds,
        parameters: declareParameters(ARKOUDA_PARAMETERS, defaults ? arkoudaParameters(defaults, ns) : undefined),
        entrypoint: "deploy",
        onExit: "exit-handler",
        steps,
    });
    return { template, touches: steps.touches };
}

function buildDeleteArkouda(ns: NamespaceSettings, defaults: InstanceConfig | undefined): Built {
    const steps = new Steps(ns);
    arkoudaDeleteSteps(steps, ns, "delete");
    const template = assemble(DELETE_ARKOUDA_TEMPLATE, {
        ns,
        kind: "instance",
        nameParam: "instance-name",
        component: "delete",
        deadlineSeconds: ns.deadlines.deleteSeconds,
        parameters: declareParameters(ARKOUDA_PARAMETERS, defaults ? arkoudaParameters(defaults, ns) : undefined),
        entrypoint: "delete",
        steps,
    });
    return { template, touches: steps.touches };
}

// ---------------------------------------------------------------------------------------------
// Standalone exporter
// ---------------------------------------------------------------------------------------------

function exporterDeleteSteps(steps: Steps, ns: NamespaceSettings, dagName: string): Template {
    const refs = exporterRuntimeObjectRefs(argoParam.str("exporter-name"));
    const plain = refs.filter((r) => r.kind !== "ServiceMonitor");
    const monitor = refs.find((r) => r.kind === "ServiceMonitor")!;
    const deleteObjects = steps.kubectlDelete("delete-objects", plain, ns.deadlines.deleteSeconds);
    const deleteMonitor = steps.resourceDelete("delete-servicemonitor", monitor);
    const monitorTask: DAGTask = {
        ...task("delete-servicemonitor").runs(deleteMonitor).build(),
        // Without the prometheus-operator CRD the kind is unknown and nothing can exist to delete.
        continueOn: { failed: true },
    };
    return steps.add(dag(dagName, [task("delete-objects").runs(deleteObjects), monitorTask]));
}

function buildDeployExporter(ns: NamespaceSettings, defaults: ExporterConfig | undefined): Built {
    const steps = new Steps(ns);
    const objs = exporterRuntimeObjects(exporterPlaceholders(), ns);
    const applyService = steps.kubectlApply("apply-service-and-servicemonitor", [objs.service, objs.serviceMonitor]);
    const deployExporter = steps.resourceApply("deploy-exporter", objs.deployment, {
        success: "status.availableReplicas == 1, status.updatedReplicas == 1",
        deadlineSeconds: ns.deadlines.serverReadySeconds,
    });
    steps.add(
        dag("deploy", [
            task("apply-service-and-servicemonitor").runs(applyService),
            task("deploy-exporter").runs(deployExporter),
        ]),
    );
    const cleanUp = exporterDeleteSteps(steps, ns, "clean-up");
    exitHandler(steps, cleanUp);
    const template = assemble(DEPLOY_EXPORTER_TEMPLATE, {
        ns,
        kind: "exporter",
        nameParam: "exporter-name",
        component: "deploy-exporter",
        deadlineSeconds: ns.deadlines.deploySeconds,
        parameters: declareParameters(EXPORTER_PARAMETERS, defaults ? exporterParameters(defaults, ns) : undefined),
        entrypoint: "deploy",
        onExit: "exit-handler",
        steps,
    });
    return { template, touches: steps.touches };
}

function buildDeleteExporter(ns: NamespaceSettings, defaults: ExporterConfig | undefined): Built {
    const steps = new Steps(ns);
    exporterDeleteSteps(steps, ns, "delete");
    const template = assemble(DELETE_EXPORTER_TEMPLATE, {
        ns,
        kind: "exporter",
        nameParam: "exporter-name",
        component: "delete-exporter",
        deadlineSeconds: ns.deadlines.deleteSeconds,
        parameters: declareParameters(EXPORTER_PARAMETERS, defaults ? exporterParameters(defaults, ns) : undefined),
        entrypoint: "delete",
        steps,
    });
    return { template, touches: steps.touches };
}

/** `{{=asInt(...)}}` for a condition string (conditions are plain text, not YAML). */
function renderInt(placeholder: number): string {
    const text = renderManifest([{ v: placeholder }]).trim();
    return text.replace(/^v: /, "");
}

export function deployArkoudaTemplate(ns: NamespaceSettings, defaults: InstanceConfig | undefined): WorkflowTemplate {
    return buildDeployArkouda(ns, defaults).template;
}
export function deleteArkoudaTemplate(ns: NamespaceSettings, defaults: InstanceConfig | undefined): WorkflowTemplate {
    return buildDeleteArkouda(ns, defaults).template;
}
export function deployExporterTemplate(ns: NamespaceSettings, defaults: ExporterConfig | undefined): WorkflowTemplate {
    return buildDeployExporter(ns, defaults).template;
}
export function deleteExporterTemplate(ns: NamespaceSettings, defaults: ExporterConfig | undefined): WorkflowTemplate {
    return buildDeleteExporter(ns, defaults).template;
}

/** All four templates, in TEMPLATE_NAMES order. */
export function allWorkflowTemplates(ns: NamespaceSettings, defaultInstance?: InstanceConfig, defaultExporter?: ExporterConfig): WorkflowTemplate[] {
    return [
        deployArkoudaTemplate(ns, defaultInstance),
        deleteArkoudaTemplate(ns, defaultInstance),
        deployExporterTemplate(ns, defaultExporter),
        deleteExporterTemplate(ns, defaultExporter),
    ];
}

// ---------------------------------------------------------------------------------------------
// RBAC derived from the steps
// ---------------------------------------------------------------------------------------------

const PLURALS: Record<string, string> = {
    ConfigMap: "configmaps",
    Deployment: "deployments",
    Endpoints: "endpoints",
    Pod: "pods",
    Service: "services",
    ServiceMonitor: "servicemonitors",
};

/**
 * Verbs per operation:
 *  - apply (kubectl --server-side): PATCH (apply patch) and CREATE for absent objects; GET for
 *    kubectl's and Argo's read-back (`-o json`).
 *  - apply-and-wait: the same; Argo's executor then polls the object with GET.
 *  - delete (kubectl / Argo resource delete, `--wait=true`): DELETE, then GET/LIST/WATCH until gone.
 */
const VERBS: Record<Operation, Verb[]> = {
    apply: ["get", "create", "patch"],
    "apply-and-wait": ["get", "create", "patch"],
    delete: ["get", "list", "watch", "delete"],
};

/** What the Argo v4 emissary executor needs in every workflow pod to report results. */
export const EXECUTOR_GRANTS: readonly Grant[] = [{ apiGroup: "argoproj.io", resource: "workflowtaskresults", verbs: ["create", "patch"] }];

/**
 * The exact grants the four templates' steps need, derived from what each step touches; sorted,
 * merged per resource, no wildcards. The workflow ServiceAccount's Role is built from this.
 */
export function workflowGrants(): Grant[] {
    const ns: NamespaceSettings = {
        namespace: "grants",
        workflowServiceAccountName: "sa",
        arkoudaServiceAccountName: "sa",
        arkoudaTokenSecretName: "t",
        sshSecretName: "s",
        images: { server: "s", exporter: "e", kubectl: "k" },
        deadlines: { deploySeconds: 1, deleteSeconds: 1, localeReadySeconds: 1, serverReadySeconds: 1 },
        kubernetesApiUrl: "https://k",
    };
    const touches = [buildDeployArkouda(ns, undefined), buildDeleteArkouda(ns, undefined), buildDeployExporter(ns, undefined), buildDeleteExporter(ns, undefined)].flatMap((b) => b.touches);
    const byResource = new Map<string, Set<Verb>>();
    for (const t of touches) {
        const resource = PLURALS[t.kind];
        if (!resource) throw new Error(`no plural known for kind ${t.kind}`);
        const group = t.apiVersion.includes("/") ? t.apiVersion.split("/")[0] : "";
        const key = `${group}\u0000${resource}`;
        const set = byResource.get(key) ?? new Set<Verb>();
        VERBS[t.op].forEach((v) => set.add(v));
        byResource.set(key, set);
    }
    const order: Verb[] = ["get", "list", "watch", "create", "update", "patch", "delete"];
    const grants: Grant[] = [...byResource.entries()].map(([key, verbs]) => {
        const [apiGroup, resource] = key.split("\u0000");
        return { apiGroup, resource, verbs: order.filter((v) => verbs.has(v)) };
    });
    grants.push(...EXECUTOR_GRANTS.map((g) => ({ ...g, verbs: [...g.verbs] })));
    return grants.sort((a, b) => a.apiGroup.localeCompare(b.apiGroup) || a.resource.localeCompare(b.resource));
}

// ---------------------------------------------------------------------------------------------
// Pulumi component
// ---------------------------------------------------------------------------------------------

export interface WorkflowTemplatesArgs {
    /** Namespace-wide names, images and deadlines. */
    readonly settings: NamespaceSettings;
    /** Its values become the arkouda templates' parameter defaults (argo submit with no -p). Default: none, only safe defaults. */
    readonly defaultInstance?: InstanceConfig;
    /** Likewise for the exporter templates. Default: none. */
    readonly defaultExporter?: ExporterConfig;
    /** The cluster's provider. */
    readonly provider: k8s.Provider;
    /** Extra labels on the WorkflowTemplate objects (not on what they create). Default: none. */
    readonly labels?: Readonly<Record<string, string>>;
}

/** Declares the four WorkflowTemplates in the namespace. */
export class WorkflowTemplates extends pulumi.ComponentResource {
    public readonly deployArkouda: pulumi.Output<string>;
    public readonly deleteArkouda: pulumi.Output<string>;
    public readonly deployExporter: pulumi.Output<string>;
    public readonly deleteExporter: pulumi.Output<string>;
    public readonly templateNames: pulumi.Output<string[]>;

    constructor(name: string, args: WorkflowTemplatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("argo", "WorkflowTemplates"), name, {}, opts);
        const names: pulumi.Output<string>[] = allWorkflowTemplates(args.settings, args.defaultInstance, args.defaultExporter).map((t) => {
            const cr = new k8s.apiextensions.CustomResource(
                `${name}-${t.metadata.name}`,
                {
                    apiVersion: t.apiVersion,
                    kind: t.kind,
                    metadata: { ...t.metadata, namespace: args.settings.namespace, labels: { ...t.metadata.labels, ...args.labels } },
                    spec: t.spec,
                },
                childOptions(this, args.provider, opts),
            );
            return cr.metadata.name;
        });
        [this.deployArkouda, this.deleteArkouda, this.deployExporter, this.deleteExporter] = names;
        this.templateNames = pulumi.all(names);
        this.registerOutputs({
            deployArkouda: this.deployArkouda,
            deleteArkouda: this.deleteArkouda,
            deployExporter: this.deployExporter,
            deleteExporter: this.deleteExporter,
            templateNames: this.templateNames,
        });
    }
}

export { workflowCost } from "./argo/cost";
export type { WorkflowCost } from "./argo/cost";
