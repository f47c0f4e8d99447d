/**
 * The Kubernetes objects an Arkouda deploy (and a standalone exporter deploy) creates at run time.
 *
 * Pure functions over a values record. The workflow templates call them with Argo parameter
 * placeholders (components/argo/expr.ts `argoParam`), the tests and teardown code with concrete
 * values (`arkoudaValues(instance)`); either way the same code builds the same shape.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { ExporterConfig, InstanceConfig, NamespaceSettings } from "./config/types";
import {
    LOCALE_LAUNCH_SCRIPT,
    LOCALE_SCRIPT_PATH,
    SA_TOKEN_DIR,
    SCRIPT_KEY,
    SERVER_LAUNCH_SCRIPT,
    SERVER_SCRIPT_PATH,
    SSH_KEYS_DIR,
} from "./launch-scripts";
import { intText } from "./argo/expr";

type ConfigMap = k8s.types.input.core.v1.ConfigMap;
type Deployment = k8s.types.input.apps.v1.Deployment;
type Pod = k8s.types.input.core.v1.Pod;
type Service = k8s.types.input.core.v1.Service;
type EnvVar = k8s.types.input.core.v1.EnvVar;

export const MANAGED_BY = "arkouda-workflows";
export const SERVICE_MONITOR_API_VERSION = "monitoring.coreos.com/v1";

/** Prometheus-operator ServiceMonitor (the subset we emit). */
export interface ServiceMonitor {
    apiVersion: typeof SERVICE_MONITOR_API_VERSION;
    kind: "ServiceMonitor";
    metadata: { name: string; namespace?: string; labels: Record<string, string> };
    spec: {
        endpoints: { port: string; path: string; interval: string }[];
        selector: { matchLabels: Record<string, string> };
        targetLabels: string[];
    };
}

/** apiVersion/kind/name of one object a deploy creates. */
export interface ObjectRef {
    apiVersion: string;
    kind: string;
    name: string;
}

/** Every per-instance value the runtime objects need (concrete, or Argo placeholders). */
export interface ArkoudaValues {
    instanceName: string;
    serverName: string;
    version: string;
    locales: number;
    /** locales + 1; derived, never configured separately. */
    totalLocales: number;
    cpu: string;
    memory: string;
    numThreadsPerLocale: string;
    memMax: string;
    imagePullPolicy: string;
    launcher: string;
    logLevel: string;
    memTrack: string;
    metricsEnabled: string;
    serverPort: number;
    metricsServicePort: number;
    exporterPort: number;
    pollingIntervalSeconds: string;
    prometheusMatchLabels: Record<string, string>;
    runAsUser: string;
    runAsUid: string;
    runAsGroup: string;
    runAsGid: string;
}

export interface ExporterValues {
    name: string;
    serverName: string;
    version: string;
    metricsServiceHost: string;
    metricsServicePort: string;
    pollingIntervalSeconds: string;
    exporterPort: number;
    launcher: string;
    cpu: string;
    memory: string;
    imagePullPolicy: string;
    prometheusMatchLabels: Record<string, string>;
}

/** Concrete values of an instance (what the Argo parameters resolve to). */
export function arkoudaValues(i: InstanceConfig): ArkoudaValues {
    return {
        instanceName: i.name,
        serverName: i.serverName,
        version: i.version,
        locales: i.locales,
        totalLocales: i.locales + 1,
        cpu: i.cpu,
        memory: i.memory,
        numThreadsPerLocale: String(i.chapel.numThreadsPerLocale),
        memMax: String(i.chapel.memMax),
        imagePullPolicy: i.imagePullPolicy,
        launcher: i.launcher,
        logLevel: i.logLevel,
        memTrack: String(i.memTrack),
        metricsEnabled: String(i.metrics.enabled),
        serverPort: i.serverPort,
        metricsServicePort: i.metrics.servicePort,
        exporterPort: i.metrics.exporterPort,
        pollingIntervalSeconds: String(i.metrics.pollingIntervalSeconds),
        prometheusMatchLabels: { ...i.metrics.prometheusMatchLabels },
        runAsUser: i.runAs?.user ?? "",
        runAsUid: i.runAs ? String(i.runAs.uid) : "",
        runAsGroup: i.runAs?.group ?? "",
        runAsGid: i.runAs ? String(i.runAs.gid) : "",
    };
}

export function exporterValues(e: ExporterConfig): ExporterValues {
    return {
        name: e.name,
        serverName: e.serverName,
        version: e.version,
        metricsServiceHost: e.metricsServiceHost,
        metricsServicePort: String(e.metricsServicePort),
        pollingIntervalSeconds: String(e.pollingIntervalSeconds),
        exporterPort: e.exporterPort,
        launcher: e.launcher,
        cpu: e.cpu,
        memory: e.memory,
        imagePullPolicy: e.imagePullPolicy,
        prometheusMatchLabels: { ...e.prometheusMatchLabels },
    };
}

// ---------------------------------------------------------------------------------------------
// Names and labels
// ---------------------------------------------------------------------------------------------

export const arkoudaNames = (instance: string) => ({
    localeScript: `${instance}-locale-launch-script`,
    serverScript: `${instance}-server-launch-script`,
    locale: `${instance}-locale`,
    server: `${instance}-server`,
    localeHeadless: `${instance}-locale-headless`,
    localeSsh: `${instance}-locale-ssh`,
    serverHeadless: `${instance}-server-headless`,
    serverSsh: `${instance}-server-ssh`,
    metricsExporter: `${instance}-metrics-exporter`,
    serviceMonitor: `${instance}-servicemonitor`,
    /** Registered by the Arkouda server itself at start-up (EXTERNAL_SERVICE_NAME). */
    clientService: `${instance}`,
    /** Registered by the Arkouda server itself at start-up (METRICS_SERVICE_NAME). */
    metricsService: `${instance}-metrics`,
});

/** Sorted, deduplicated copy of a label map. */
export function sortedLabels(labels: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of Object.keys(labels).sort()) out[k] = labels[k];
    return out;
}

export function standardLabels(instance: string, component: string): Record<string, string> {
    return sortedLabels({
        "app.kubernetes.io/name": "arkouda",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    });
}

function meta(name: string, labels: Record<string, string>, ns?: string) {
    return ns === undefined ? { name, labels: sortedLabels(labels) } : { name, namespace: ns, labels: sortedLabels(labels) };
}

function env(vars: Record<string, string>): EnvVar[] {
    return Object.keys(vars)
        .sort()
        .map((name) => ({ name, value: vars[name] }));
}

function runAsEnv(v: ArkoudaValues): Record<string, string> {
    return {
        RUN_AS_USER: v.runAsUser,
        RUN_AS_UID: v.runAsUid,
        RUN_AS_GROUP: v.runAsGroup,
        RUN_AS_GID: v.runAsGid,
        SSH_KEYS_DIR: SSH_KEYS_DIR,
    };
}

// ---------------------------------------------------------------------------------------------
// Arkouda instance objects
// ---------------------------------------------------------------------------------------------

export function launchScriptConfigMaps(v: ArkoudaValues, namespace?: string): ConfigMap[] {
    const n = arkoudaNames(v.instanceName);
    const cm = (name: string, component: string, script: string): ConfigMap => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(name, standardLabels(v.instanceName, component), namespace),
        data: { [SCRIPT_KEY]: script },
    });
    return [cm(n.localeScript, "locale", LOCALE_LAUNCH_SCRIPT), cm(n.serverScript, "server", SERVER_LAUNCH_SCRIPT)];
}

function localeLabels(v: ArkoudaValues) {
    return { ...standardLabels(v.instanceName, "locale"), app: arkoudaNames(v.instanceName).locale };
}
function serverLabels(v: ArkoudaValues) {
    return { ...standardLabels(v.instanceName, "server"), app: arkoudaNames(v.instanceName).server };
}
function exporterLabels(v: ArkoudaValues) {
    return {
        ...standardLabels(v.instanceName, "metrics-exporter"),
        instance: arkoudaNames(v.instanceName).metricsExporter,
        arkouda_instance: v.serverName,
        launcher: v.launcher,
    };
}

function resources(cpu: string, memory: string) {
    return { requests: { cpu, memory }, limits: { cpu, memory } };
}

export function arkoudaServices(v: ArkoudaValues, namespace?: string): Service[] {
    const n = arkoudaNames(v.instanceName);
    const svc = (name: string, labels: Record<string, string>, selector: Record<string, string>, spec: object): Service => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(name, labels, namespace),
        spec: { selector, ...spec },
    });
    const locale = { app: n.locale };
    const server = { app: n.server };
    const ssh = [{ name: "ssh", port: 22, protocol: "TCP", targetPort: 22 }];
    return [
        svc(n.localeHeadless, localeLabels(v), locale, { clusterIP: "None", ports: ssh }),
        svc(n.localeSsh, localeLabels(v), locale, { ports: ssh }),
        svc(n.serverHeadless, serverLabels(v), server, {
            clusterIP: "None",
            ports: [{ name: "client", port: v.serverPort, protocol: "TCP", targetPort: v.serverPort }],
        }),
        svc(n.serverSsh, serverLabels(v), server, { ports: ssh }),
        svc(n.metricsExporter, exporterLabels(v), server, {
            ports: [{ name: "http", port: v.exporterPort, protocol: "TCP", targetPort: v.exporterPort }],
        }),
    ];
}

export function localeDeployment(v: ArkoudaValues, ns: NamespaceSettings, namespace?: string): Deployment {
    const n = arkoudaNames(v.instanceName);
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(n.locale, localeLabels(v), namespace),
        spec: {
            replicas: v.locales,
            // Locales form one tightly-coupled job: never mix old and new pods.
            strategy: { type: "Recreate" },
            selector: { matchLabels: { app: n.locale } },
            template: {
                metadata: { labels: sortedLabels(localeLabels(v)) },
                spec: {
                    automountServiceAccountToken: false,
                    containers: [
                        {
                            name: "arkouda-udp-locale",
                            image: `${ns.images.server}:${v.version}`,
                            imagePullPolicy: v.imagePullPolicy,
                            command: ["bash", LOCALE_SCRIPT_PATH],
                            env: env({
                                ...runAsEnv(v),
                                CHPL_RT_NUM_THREADS_PER_LOCALE: v.numThreadsPerLocale,
                                GASNET_SUPERNODE_MAXSIZE: "1",
                                MEMTRACK: v.memTrack,
                            }),
                            ports: [{ containerPort: 22, name: "ssh", protocol: "TCP" }],
                            readinessProbe: { tcpSocket: { port: 22 }, periodSeconds: 5 },
                            resources: resources(v.cpu, v.memory),
                            volumeMounts: [
                                { name: "ssh-keys", mountPath: SSH_KEYS_DIR, readOnly: true },
                                { name: "launch-script", mountPath: LOCALE_SCRIPT_PATH, subPath: SCRIPT_KEY },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "launch-script", configMap: { name: n.localeScript } },
                        { name: "ssh-keys", secret: { secretName: ns.sshSecretName } },
                    ],
                },
            },
        },
    };
}

export function serverPod(v: ArkoudaValues, ns: NamespaceSettings, namespace?: string): Pod {
    const n = arkoudaNames(v.instanceName);
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: meta(n.server, serverLabels(v), namespace),
        spec: {
            restartPolicy: "Never",
            serviceAccountName: ns.arkoudaServiceAccountName,
            // The API token comes from the explicit token Secret mounted at /opt/sa.
            automountServiceAccountToken: false,
            containers: [
                {
                    name: "arkouda-udp-server",
                    image: `${ns.images.server}:${v.version}`,
                    imagePullPolicy: v.imagePullPolicy,
                    command: ["bash", SERVER_SCRIPT_PATH],
                    env: [
                        ...env({
                            ...runAsEnv(v),
                            APP_NAME: n.locale,
                            ARKOUDA_CLIENT_MODE: "API",
                            ARKOUDA_SERVER_PORT: intText(v.serverPort),
                            CHPL_MEM_MAX: v.memMax,
                            CHPL_RT_NUM_THREADS_PER_LOCALE: v.numThreadsPerLocale,
                            COLLECT_METRICS: "true",
                            EXTERNAL_SERVICE_NAME: n.clientService,
                            EXTERNAL_SERVICE_PORT: intText(v.serverPort),
                            EXTERNAL_SERVICE_TARGET_PORT: intText(v.serverPort),
                            GASNET_SUPERNODE_MAXSIZE: "1",
                            K8S_HOST: ns.kubernetesApiUrl,
                            LOG_LEVEL: v.logLevel,
                            MEMTRACK: v.memTrack,
                            METRICS_SERVICE_NAME: n.metricsService,
                            METRICS_SERVICE_PORT: intText(v.metricsServicePort),
                            METRICS_SERVICE_TARGET_PORT: intText(v.metricsServicePort),
                            NAMESPACE: namespace ?? ns.namespace,
                            NUMLOCALES: intText(v.totalLocales),
                        }),
                        { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                    ],
                    ports: [
                        { containerPort: v.serverPort, name: "client", protocol: "TCP" },
                        { containerPort: v.metricsServicePort, name: "metrics", protocol: "TCP" },
                        { containerPort: 22, name: "ssh", protocol: "TCP" },
                    ],
                    resources: resources(v.cpu, v.memory),
                    volumeMounts: [
                        { name: "launch-script", mountPath: SERVER_SCRIPT_PATH, subPath: SCRIPT_KEY },
                        { name: "sa-token", mountPath: SA_TOKEN_DIR, readOnly: true },
                        { name: "ssh-keys", mountPath: SSH_KEYS_DIR, readOnly: true },
                    ],
                },
                {
                    name: "arkouda-metrics-exporter",
                    image: `${ns.images.exporter}:${v.version}`,
                    imagePullPolicy: v.imagePullPolicy,
                    env: env({
                        ARKOUDA_METRICS_SERVICE_HOST: "localhost",
                        ARKOUDA_METRICS_SERVICE_PORT: intText(v.metricsServicePort),
                        ARKOUDA_SERVER_NAME: v.serverName,
                        EXPORT_PORT: intText(v.exporterPort),
                        POLLING_INTERVAL_SECONDS: v.pollingIntervalSeconds,
                    }),
                    ports: [{ containerPort: v.exporterPort, name: "http", protocol: "TCP" }],
                },
            ],
            volumes: [
                { name: "launch-script", configMap: { name: n.serverScript } },
                { name: "sa-token", secret: { secretName: ns.arkoudaTokenSecretName } },
                { name: "ssh-keys", secret: { secretName: ns.sshSecretName } },
            ],
        },
    };
}

function serviceMonitor(
    name: string,
    labels: Record<string, string>,
    exporterInstanceLabel: string,
    pollingIntervalSeconds: string,
    namespace?: string,
): ServiceMonitor {
    return {
        apiVersion: SERVICE_MONITOR_API_VERSION,
        kind: "ServiceMonitor",
        metadata: meta(name, labels, namespace),
        spec: {
            endpoints: [{ port: "http", path: "/metrics", interval: `${pollingIntervalSeconds}s` }],
            selector: { matchLabels: { instance: exporterInstanceLabel } },
            targetLabels: [...new Set(["arkouda_instance", "launcher"])].sort(),
        },
    };
}

/**
 * metadata.labels = the Prometheus match labels merged with the standard labels; the standard
 * labels win a clash (same precedence as the `sprig.merge` the template renders).
 */
export function arkoudaServiceMonitor(v: ArkoudaValues, namespace?: string): ServiceMonitor {
    const n = arkoudaNames(v.instanceName);
    return serviceMonitor(
        n.serviceMonitor,
        { ...v.prometheusMatchLabels, ...standardLabels(v.instanceName, "servicemonitor") },
        n.metricsExporter,
        v.pollingIntervalSeconds,
        namespace,
    );
}

/** Everything a deploy applies, in apply order (ServiceMonitor last; only when metrics are on). */
export function arkoudaRuntimeObjects(v: ArkoudaValues, ns: NamespaceSettings, namespace?: string) {
    return {
        launchScripts: launchScriptConfigMaps(v, namespace),
        services: arkoudaServices(v, namespace),
        localeDeployment: localeDeployment(v, ns, namespace),
        serverPod: serverPod(v, ns, namespace),
        serviceMonitor: arkoudaServiceMonitor(v, namespace),
    };
}

/** Every object a deploy creates, including the two Services the server registers itself. */
export function arkoudaRuntimeObjectRefs(instanceName: string): ObjectRef[] {
    const n = arkoudaNames(instanceName);
    const refs: ObjectRef[] = [
        { apiVersion: "v1", kind: "ConfigMap", name: n.localeScript },
        { apiVersion: "v1", kind: "ConfigMap", name: n.serverScript },
        { apiVersion: "v1", kind: "Service", name: n.localeHeadless },
        { apiVersion: "v1", kind: "Service", name: n.localeSsh },
        { apiVersion: "v1", kind: "Service", name: n.serverHeadless },
        { apiVersion: "v1", kind: "Service", name: n.serverSsh },
        { apiVersion: "v1", kind: "Service", name: n.metricsExporter },
        { apiVersion: "v1", kind: "Service", name: n.clientService },
        { apiVersion: "v1", kind: "Service", name: n.metricsService },
        { apiVersion: "apps/v1", kind: "Deployment", name: n.locale },
        { apiVersion: "v1", kind: "Pod", name: n.server },
        { apiVersion: SERVICE_MONITOR_API_VERSION, kind: "ServiceMonitor", name: n.serviceMonitor },
    ];
    return refs;
}

// ---------------------------------------------------------------------------------------------
// Standalone prometheus-arkouda-exporter (defect 11: CPU/memory from config)
// ---------------------------------------------------------------------------------------------

function standaloneExporterLabels(v: ExporterValues) {
    return {
        ...standardLabels(v.name, "metrics-exporter"),
        app: v.name,
        instance: v.name,
        arkouda_instance: v.serverName,
        launcher: v.launcher,
    };
}

export function exporterDeployment(v: ExporterValues, ns: NamespaceSettings, namespace?: string): Deployment {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(v.name, standaloneExporterLabels(v), namespace),
        spec: {
            replicas: 1,
            selector: { matchLabels: { app: v.name } },
            template: {
                metadata: { labels: sortedLabels(standaloneExporterLabels(v)) },
                spec: {
                    automountServiceAccountToken: false,
                    containers: [
                        {
                            name: "prometheus-arkouda-exporter",
                            image: `${ns.images.exporter}:${v.version}`,
                            imagePullPolicy: v.imagePullPolicy,
                            env: env({
                                ARKOUDA_METRICS_SERVICE_HOST: v.metricsServiceHost,
                                ARKOUDA_METRICS_SERVICE_PORT: v.metricsServicePort,
                                ARKOUDA_SERVER_NAME: v.serverName,
                                EXPORT_PORT: intText(v.exporterPort),
                                POLLING_INTERVAL_SECONDS: v.pollingIntervalSeconds,
                            }),
                            ports: [{ containerPort: v.exporterPort, name: "http", protocol: "TCP" }],
                            resources: resources(v.cpu, v.memory),
                        },
                    ],
                },
            },
        },
    };
}

export function exporterService(v: ExporterValues, namespace?: string): Service {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(v.name, standaloneExporterLabels(v), namespace),
        spec: {
            selector: { app: v.name },
            ports: [{ name: "http", port: v.exporterPort, protocol: "TCP", targetPort: v.exporterPort }],
        },
    };
}

export function exporterServiceMonitor(v: ExporterValues, namespace?: string): ServiceMonitor {
    return serviceMonitor(
        v.name,
        { ...v.prometheusMatchLabels, ...standardLabels(v.name, "servicemonitor") },
        v.name,
        v.pollingIntervalSeconds,
        namespace,
    );
}

export function exporterRuntimeObjects(v: ExporterValues, ns: NamespaceSettings, namespace?: string) {
    return {
        deployment: exporterDeployment(v, ns, namespace),
        service: exporterService(v, namespace),
        serviceMonitor: exporterServiceMonitor(v, namespace),
    };
}

export function exporterRuntimeObjectRefs(name: string): ObjectRef[] {
    return [
        { apiVersion: "apps/v1", kind: "Deployment", name },
        { apiVersion: "v1", kind: "Service", name },
        { apiVersion: SERVICE_MONITOR_API_VERSION, kind: "ServiceMonitor", name },
    ];
}
