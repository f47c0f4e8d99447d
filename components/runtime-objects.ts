/**
 * The Kubernetes objects an Arkouda deploy (and a standalone exporter deploy) creates at run time.
 *
 * Pure functions over a values record. The workflow templates call them with Argo parameter
 * placeholders (components/argo/expr.ts `argoParam`), the tests and teardown code with concrete
 * values (`arkoudaValues(instance)`); either way the same code builds the same shape.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { ExporterConfig, InstanceConfig, NamespaceSettings } from "./config/types";
import { SERVER_CONNECTION_INFO_PATH, SSHD_PORT } from "./image-contract";
import {
    LOCALE_LAUNCH_SCRIPT,
    LOCALE_SCRIPT_PATH,
    SA_CA_PATH,
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
    exporterCpu: string;
    exporterMemory: string;
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
        exporterCpu: i.metrics.exporterCpu,
        exporterMemory: i.metrics.exporterMemory,
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
    const ssh = [{ name: "ssh", port: SSHD_PORT, protocol: "TCP", targetPort: SSHD_PORT }];
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
                            // Only what the locale script reads: the Chapel/GASNet settings reach the
                            // locale process from the server over the spawner, not from this env.
                            env: env(runAsEnv(v)),
                            ports: [{ containerPort: SSHD_PORT, name: "ssh", protocol: "TCP" }],
                            readinessProbe: { tcpSocket: { port: SSHD_PORT }, periodSeconds: 5 },
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

/** The server container's environment (names: components/image-contract.ts). */
export function serverEnv(v: ArkoudaValues, ns: NamespaceSettings, namespace: string | undefined, withMetrics: boolean): EnvVar[] {
    const n = arkoudaNames(v.instanceName);
    const metricsPort = intText(v.metricsServicePort);
    return [
        ...env({
            ...runAsEnv(v),
            APP_NAME: n.locale,
            ARKOUDA_SERVER_CONNECTION_INFO: SERVER_CONNECTION_INFO_PATH,
            ARKOUDA_SERVER_PORT: intText(v.serverPort),
            CACERT_FILE: SA_CA_PATH,
            CHPL_MEM_MAX: v.memMax,
            CHPL_RT_NUM_THREADS_PER_LOCALE: v.numThreadsPerLocale,
            COLLECT_METRICS: String(withMetrics),
            EXTERNAL_SERVICE_NAME: n.clientService,
            EXTERNAL_SERVICE_PORT: intText(v.serverPort),
            EXTERNAL_SERVICE_TARGET_PORT: intText(v.serverPort),
            GASNET_SUPERNODE_MAXSIZE: "1",
            K8S_HOST: ns.kubernetesApiUrl,
            LOG_LEVEL: v.logLevel,
            MEMTRACK: v.memTrack,
            // The metrics daemon listens on METRICS_SERVER_PORT but registers the *target* port:
            // all three must be the same number for the registered Endpoints to reach it.
            METRICS_SERVER_PORT: metricsPort,
            METRICS_SERVICE_NAME: n.metricsService,
            METRICS_SERVICE_PORT: metricsPort,
            METRICS_SERVICE_TARGET_PORT: metricsPort,
            NAMESPACE: namespace ?? ns.namespace,
            NUMLOCALES: intText(v.totalLocales),
        }),
        { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    ];
}

/**
 * Ready = registration succeeded and the client socket answers: arkouda_server writes
 * ARKOUDA_SERVER_CONNECTION_INFO only after registering, right before it serves (the port alone
 * is bound before registration, so a TCP check would pass for a server that failed to register).
 */
export const SERVER_READINESS_COMMAND = [
    "bash",
    "-c",
    'test -s "$ARKOUDA_SERVER_CONNECTION_INFO" && exec 3<>"/dev/tcp/127.0.0.1/$ARKOUDA_SERVER_PORT"',
];

/** The prometheus-arkouda-exporter's environment (names the image reads: image-contract.ts). */
function exporterEnv(host: string, port: string, serverName: string, interval: string, scrapePort: number): EnvVar[] {
    return env({
        ARKOUDA_METRICS_SERVER_NAME: serverName,
        ARKOUDA_METRICS_SERVICE_HOST: host,
        ARKOUDA_METRICS_SERVICE_PORT: port,
        METRICS_POLLING_INTERVAL: interval,
        METRICS_SCRAPE_PORT: intText(scrapePort),
    });
}

/** Restarts an exporter that hangs; it exits by itself when it cannot reach the metrics daemon. */
function exporterLiveness(port: number) {
    return { httpGet: { path: "/metrics", port }, initialDelaySeconds: 30, periodSeconds: 30, failureThreshold: 3 };
}

/**
 * The server Pod. With metrics, the exporter runs as a native sidecar (an init container with
 * restartPolicy Always): it exits when the metrics daemon is not up yet, and a sidecar is
 * restarted on its own while the pod's restartPolicy Never keeps the server from restarting.
 */
export function serverPod(v: ArkoudaValues, ns: NamespaceSettings, namespace: string | undefined, withMetrics: boolean): Pod {
    const n = arkoudaNames(v.instanceName);
    const sidecar = {
        name: "arkouda-metrics-exporter",
        image: `${ns.images.exporter}:${v.version}`,
        imagePullPolicy: v.imagePullPolicy,
        restartPolicy: "Always",
        env: exporterEnv("localhost", intText(v.metricsServicePort), v.serverName, v.pollingIntervalSeconds, v.exporterPort),
        ports: [{ containerPort: v.exporterPort, name: "http", protocol: "TCP" }],
        livenessProbe: exporterLiveness(v.exporterPort),
        resources: resources(v.exporterCpu, v.exporterMemory),
    };
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: meta(n.server, serverLabels(v), namespace),
        spec: {
            restartPolicy: "Never",
            serviceAccountName: ns.arkoudaServiceAccountName,
            // The API token comes from the explicit token Secret mounted at /opt/sa.
            automountServiceAccountToken: false,
            ...(withMetrics ? { initContainers: [sidecar] } : {}),
            containers: [
                {
                    name: "arkouda-udp-server",
                    image: `${ns.images.server}:${v.version}`,
                    imagePullPolicy: v.imagePullPolicy,
                    command: ["bash", SERVER_SCRIPT_PATH],
                    env: serverEnv(v, ns, namespace, withMetrics),
                    ports: [
                        { containerPort: v.serverPort, name: "client", protocol: "TCP" },
                        ...(withMetrics ? [{ containerPort: v.metricsServicePort, name: "metrics", protocol: "TCP" }] : []),
                        { containerPort: SSHD_PORT, name: "ssh", protocol: "TCP" },
                    ],
                    readinessProbe: { exec: { command: [...SERVER_READINESS_COMMAND] }, periodSeconds: 5, failureThreshold: 3 },
                    resources: resources(v.cpu, v.memory),
                    volumeMounts: [
                        { name: "launch-script", mountPath: SERVER_SCRIPT_PATH, subPath: SCRIPT_KEY },
                        { name: "sa-token", mountPath: SA_TOKEN_DIR, readOnly: true },
                        { name: "ssh-keys", mountPath: SSH_KEYS_DIR, readOnly: true },
                    ],
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

/**
 * Everything a deploy applies, in apply order (ServiceMonitor last; only when metrics are on).
 * The server Pod comes in two variants because metrics decide its containers, not only values.
 */
export function arkoudaRuntimeObjects(v: ArkoudaValues, ns: NamespaceSettings, namespace?: string) {
    return {
        launchScripts: launchScriptConfigMaps(v, namespace),
        services: arkoudaServices(v, namespace),
        localeDeployment: localeDeployment(v, ns, namespace),
        serverPod: serverPod(v, ns, namespace, true),
        serverPodWithoutMetrics: serverPod(v, ns, namespace, false),
        serviceMonitor: arkoudaServiceMonitor(v, namespace),
    };
}

/** Every object a deploy creates, including the Services and Endpoints the server registers itself. */
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
        // The server posts an Endpoints object for each selector-less Service it registers and
        // never deletes it.
        { apiVersion: "v1", kind: "Endpoints", name: n.clientService },
        { apiVersion: "v1", kind: "Endpoints", name: n.metricsService },
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
                            env: exporterEnv(v.metricsServiceHost, v.metricsServicePort, v.serverName, v.pollingIntervalSeconds, v.exporterPort),
                            ports: [{ containerPort: v.exporterPort, name: "http", protocol: "TCP" }],
                            livenessProbe: exporterLiveness(v.exporterPort),
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
