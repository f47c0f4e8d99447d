/**
 * The Kubernetes objects an Arkouda deploy creates at run time, as pure functions over a values
 * record (values.ts): the workflow templates pass Argo parameter placeholders, tests the concrete
 * values of an instance; either way the same code builds the same objects.
 */
import type { NamespaceSettings } from "../config/types";
import { SERVER_CONNECTION_INFO_PATH, SSHD_PORT } from "../image-contract";
import {
    SERVER_TOKEN_DIR,
    LOCALE_LAUNCH_SCRIPT,
    LOCALE_SCRIPT_PATH,
    SA_CA_PATH,
    SA_TOKEN_DIR,
    LAUNCH_SCRIPTS_CONFIGMAP,
    LOCALE_SCRIPT_KEY,
    SERVER_LAUNCH_SCRIPT,
    SERVER_SCRIPT_KEY,
    SERVER_SCRIPT_PATH,
    SSH_KEYS_DIR,
} from "../launch-scripts";
import { intText, plusInt } from "../argo/expr";
import type { ConfigMap, Deployment, EnvVar, ObjectRef, Pod, Service, ServiceMonitor } from "./common";
import {
    deployment,
    env,
    exporterContainer,
    exporterService,
    meta,
    resources,
    SERVICE_MONITOR_API_VERSION,
    serviceMonitor,
    standardLabels,
} from "./common";
import type { ArkoudaValues } from "./values";
import { podMetadata, podPlacement, pullSecrets, spreadConstraints } from "./placement";
import {
    ARKOUDA_POD_SECURITY,
    arkoudaContainerSecurity,
    EXPORTER_HOME_VOLUME,
    ROOT_ONLY_SECRET_MODE,
    SHARED_PROCESS_NAMESPACE,
} from "../pod-security";
import { ARKOUDA_VOLUMES as VOLUME } from "./volumes";

export const arkoudaNames = (instance: string) => ({
    /** Per-instance launch-script ConfigMaps, which deploys applied before the namespace held the scripts: a delete removes them still. */
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
    /** Declared by the stack for an instance with `authenticate` (never by a workflow). */
    token: `${instance}-token`,
});

function runAsEnv(v: ArkoudaValues): Record<string, string> {
    return {
        RUN_AS_USER: v.runAsUser,
        RUN_AS_UID: v.runAsUid,
        RUN_AS_GROUP: v.runAsGroup,
        RUN_AS_GID: v.runAsGid,
        SSH_KEYS_DIR: SSH_KEYS_DIR,
    };
}

/**
 * The namespace's launch scripts, declared by the stack: the text is the same for every instance
 * (all per-instance values come through the env), so the pods of a deploy need nothing applied first.
 */
export function launchScriptsConfigMap(namespace: string, labels: Readonly<Record<string, string>>): ConfigMap {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(LAUNCH_SCRIPTS_CONFIGMAP, { ...labels }, namespace),
        data: { [LOCALE_SCRIPT_KEY]: LOCALE_LAUNCH_SCRIPT, [SERVER_SCRIPT_KEY]: SERVER_LAUNCH_SCRIPT },
    };
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

function arkoudaServices(v: ArkoudaValues, namespace?: string): Service[] {
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
        metricsExporterService(v, namespace),
    ];
}

/** The sidecar exporter's Service (selects the server pod): what Prometheus scrapes. */
function metricsExporterService(v: ArkoudaValues, namespace?: string): Service {
    const n = arkoudaNames(v.instanceName);
    return exporterService(
        n.metricsExporter,
        exporterLabels(v),
        { app: n.server },
        { port: v.exporterPort, scrapeAnnotations: v.scrapeAnnotations },
        namespace,
    );
}

function localeDeployment(v: ArkoudaValues, settings: NamespaceSettings, namespace?: string): Deployment {
    const n = arkoudaNames(v.instanceName);
    return deployment(n.locale, localeLabels(v), namespace, {
        replicas: v.locales,
        // Locales form one tightly-coupled job: never mix old and new pods.
        strategy: { type: "Recreate" },
        pod: {
            securityContext: { ...ARKOUDA_POD_SECURITY, ...v.volumeOwnership },
            containers: [
                {
                    name: "arkouda-udp-locale",
                    image: `${settings.images.server}:${v.version}`,
                    imagePullPolicy: v.imagePullPolicy,
                    command: ["bash", LOCALE_SCRIPT_PATH],
                    // Only what the locale script reads: the Chapel/GASNet settings reach the
                    // locale process from the server over the spawner, not from this env.
                    env: env(runAsEnv(v)),
                    ports: [{ containerPort: SSHD_PORT, name: "ssh", protocol: "TCP" }],
                    readinessProbe: { tcpSocket: { port: SSHD_PORT }, periodSeconds: 1 },
                    resources: resources(v.cpu, v.memory, v.cpuLimit),
                    securityContext: arkoudaContainerSecurity("locale"),
                    volumeMounts: [
                        { name: VOLUME.sshKeys, mountPath: SSH_KEYS_DIR, readOnly: true },
                        { name: VOLUME.launchScript, mountPath: LOCALE_SCRIPT_PATH, subPath: LOCALE_SCRIPT_KEY },
                        ...v.volumeMounts,
                    ],
                },
            ],
            volumes: [
                { name: VOLUME.launchScript, configMap: { name: LAUNCH_SCRIPTS_CONFIGMAP } },
                { name: VOLUME.sshKeys, secret: { secretName: settings.sshSecretName, defaultMode: ROOT_ONLY_SECRET_MODE } },
                ...v.volumes,
            ],
            ...podPlacement(v),
            topologySpreadConstraints: spreadConstraints(v.localeSpread),
            imagePullSecrets: pullSecrets(settings.registrySecretName, v.imagePullSecrets),
        },
        podMetadata: podMetadata(v, localeLabels(v)),
    });
}

/** The server container's environment (names: contract/image.ts). */
export function serverEnv(v: ArkoudaValues, settings: NamespaceSettings, namespace: string | undefined, withMetrics: boolean): EnvVar[] {
    const n = arkoudaNames(v.instanceName);
    const metricsPort = intText(v.metricsServicePort);
    return [
        ...env({
            ...runAsEnv(v),
            APP_NAME: n.locale,
            ARKOUDA_SERVER_CONNECTION_INFO: SERVER_CONNECTION_INFO_PATH,
            AUTHENTICATE: v.authenticate,
            ARKOUDA_SERVER_PORT: intText(v.serverPort),
            CACERT_FILE: SA_CA_PATH,
            CHPL_MEM_MAX: v.memMax,
            CHPL_RT_NUM_THREADS_PER_LOCALE: v.numThreadsPerLocale,
            COLLECT_METRICS: String(withMetrics),
            EXTERNAL_SERVICE_NAME: n.clientService,
            EXTERNAL_SERVICE_PORT: intText(v.serverPort),
            EXTERNAL_SERVICE_TARGET_PORT: intText(v.serverPort),
            GASNET_SUPERNODE_MAXSIZE: "1",
            K8S_HOST: settings.kubernetesApiUrl,
            // The server starts beside its locales: it waits for them as long as the deploy does.
            LOCALE_DISCOVERY_SECONDS: String(settings.deadlines.localeReadySeconds),
            LOG_LEVEL: v.logLevel,
            MEMTRACK: v.memTrack,
            // The metrics daemon listens on METRICS_SERVER_PORT but registers the *target* port:
            // all three must be the same number for the registered Endpoints to reach it.
            METRICS_SERVER_PORT: metricsPort,
            METRICS_SERVICE_NAME: n.metricsService,
            METRICS_SERVICE_PORT: metricsPort,
            METRICS_SERVICE_TARGET_PORT: metricsPort,
            NAMESPACE: namespace ?? settings.namespace,
            // The locales and the server.
            NUMLOCALES: intText(plusInt(v.locales, 1)),
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

/**
 * The server Pod. With metrics, the exporter runs as a native sidecar (an init container with
 * restartPolicy Always): it exits when the metrics daemon is not up yet, and a sidecar is
 * restarted on its own while the pod's restartPolicy Never keeps the server from restarting.
 */
function serverPod(
    v: ArkoudaValues,
    settings: NamespaceSettings,
    namespace: string | undefined,
    withMetrics: boolean,
    withPriorityClass: boolean,
): Pod {
    const n = arkoudaNames(v.instanceName);
    const sidecar = exporterContainer({
        name: "arkouda-metrics-exporter",
        image: `${settings.images.exporter}:${v.version}`,
        imagePullPolicy: v.imagePullPolicy,
        restartPolicy: "Always",
        metricsHost: "localhost",
        metricsPort: intText(v.metricsServicePort),
        serverName: v.serverName,
        pollingIntervalSeconds: v.pollingIntervalSeconds,
        port: v.exporterPort,
        cpu: v.exporterCpu,
        memory: v.exporterMemory,
    });
    const metadata = podMetadata(v, serverLabels(v));
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { ...meta(n.server, metadata.labels, namespace), annotations: metadata.annotations },
        spec: {
            ...podPlacement(v, withPriorityClass),
            // The exporter sidecar's image too: one list per pod.
            imagePullSecrets: pullSecrets(settings.registrySecretName, v.imagePullSecrets),
            restartPolicy: "Never",
            serviceAccountName: settings.arkoudaServiceAccountName,
            // The API token comes from the explicit token Secret mounted at /opt/sa.
            automountServiceAccountToken: false,
            securityContext: { ...ARKOUDA_POD_SECURITY, ...v.volumeOwnership },
            ...SHARED_PROCESS_NAMESPACE,
            ...(withMetrics ? { initContainers: [sidecar] } : {}),
            containers: [
                {
                    name: "arkouda-udp-server",
                    image: `${settings.images.server}:${v.version}`,
                    imagePullPolicy: v.imagePullPolicy,
                    command: ["bash", SERVER_SCRIPT_PATH],
                    env: serverEnv(v, settings, namespace, withMetrics),
                    ports: [
                        { containerPort: v.serverPort, name: "client", protocol: "TCP" },
                        ...(withMetrics ? [{ containerPort: v.metricsServicePort, name: "metrics", protocol: "TCP" }] : []),
                        { containerPort: SSHD_PORT, name: "ssh", protocol: "TCP" },
                    ],
                    readinessProbe: { exec: { command: [...SERVER_READINESS_COMMAND] }, periodSeconds: 1, failureThreshold: 3 },
                    resources: resources(v.cpu, v.memory, v.cpuLimit),
                    securityContext: arkoudaContainerSecurity("server"),
                    volumeMounts: [
                        { name: VOLUME.launchScript, mountPath: SERVER_SCRIPT_PATH, subPath: SERVER_SCRIPT_KEY },
                        { name: VOLUME.saToken, mountPath: SA_TOKEN_DIR, readOnly: true },
                        { name: VOLUME.sshKeys, mountPath: SSH_KEYS_DIR, readOnly: true },
                        { name: VOLUME.serverToken, mountPath: SERVER_TOKEN_DIR, readOnly: true },
                        ...v.volumeMounts,
                    ],
                },
            ],
            volumes: [
                { name: VOLUME.launchScript, configMap: { name: LAUNCH_SCRIPTS_CONFIGMAP } },
                { name: VOLUME.saToken, secret: { secretName: settings.arkoudaTokenSecretName } },
                { name: VOLUME.sshKeys, secret: { secretName: settings.sshSecretName, defaultMode: ROOT_ONLY_SECRET_MODE } },
                // Only an instance with `authenticate` has it; the launch script refuses to start
                // an authenticating server without it.
                { name: VOLUME.serverToken, secret: { secretName: n.token, optional: true, defaultMode: ROOT_ONLY_SECRET_MODE } },
                ...(withMetrics ? [EXPORTER_HOME_VOLUME] : []),
                ...v.volumes,
            ],
        },
    };
}

/** The instance's ServiceMonitor (labels: see `serviceMonitor`). */
function arkoudaServiceMonitor(v: ArkoudaValues, namespace?: string): ServiceMonitor {
    const n = arkoudaNames(v.instanceName);
    return serviceMonitor(n.serviceMonitor, v.instanceName, n.metricsExporter, v, namespace);
}

/**
 * Everything a deploy applies, in apply order (ServiceMonitor last; only when metrics are on).
 * The server Pod comes in variants because metrics decide its containers, not only values, and an
 * empty priorityClassName must not be in a bare Pod at all (placement.ts, `podPlacement`).
 */
export function arkoudaRuntimeObjects(v: ArkoudaValues, settings: NamespaceSettings, namespace?: string) {
    return {
        services: arkoudaServices(v, namespace),
        localeDeployment: localeDeployment(v, settings, namespace),
        serverPod: serverPod(v, settings, namespace, true, false),
        serverPodWithoutMetrics: serverPod(v, settings, namespace, false, false),
        serverPodWithPriorityClass: serverPod(v, settings, namespace, true, true),
        serverPodWithoutMetricsWithPriorityClass: serverPod(v, settings, namespace, false, true),
        serviceMonitor: arkoudaServiceMonitor(v, namespace),
    };
}

/**
 * Every object a deploy creates, including the Services and Endpoints the server registers itself,
 * and the per-instance launch-script ConfigMaps of earlier deploys (see `arkoudaNames`).
 */
export function arkoudaRuntimeObjectRefs(instanceName: string): ObjectRef[] {
    const n = arkoudaNames(instanceName);
    const refs = (apiVersion: string, kind: string, names: string[]) => names.map((name) => ({ apiVersion, kind, name }));
    return [
        ...refs("v1", "ConfigMap", [n.localeScript, n.serverScript]),
        ...refs("v1", "Service", [
            n.localeHeadless,
            n.localeSsh,
            n.serverHeadless,
            n.serverSsh,
            n.metricsExporter,
            n.clientService,
            n.metricsService,
        ]),
        // The server posts an Endpoints object for each selector-less Service it registers and
        // never deletes it.
        ...refs("v1", "Endpoints", [n.clientService, n.metricsService]),
        ...refs("apps/v1", "Deployment", [n.locale]),
        ...refs("v1", "Pod", [n.server]),
        ...refs(SERVICE_MONITOR_API_VERSION, "ServiceMonitor", [n.serviceMonitor]),
    ];
}
