/**
 * What the runtime-object builders share: object references, labels and the small pieces of
 * manifests both the instance and the standalone exporter use.
 */
import type * as k8s from "@pulumi/kubernetes";
import { intText } from "../argo/expr";
import { PROJECT } from "../names";
import { sortedByKey, sortedEntries } from "../util/sort";
import { EXPORTER_CONTAINER_SECURITY, EXPORTER_HOME } from "../pod-security";

export type ConfigMap = k8s.types.input.core.v1.ConfigMap;
export type Deployment = k8s.types.input.apps.v1.Deployment;
export type Pod = k8s.types.input.core.v1.Pod;
export type Service = k8s.types.input.core.v1.Service;
export type EnvVar = k8s.types.input.core.v1.EnvVar;
type PodSpec = k8s.types.input.core.v1.PodSpec;

export const MANAGED_BY = PROJECT;
export const SERVICE_MONITOR_API_VERSION = "monitoring.coreos.com/v1";

/** Prometheus-operator ServiceMonitor (the subset we emit). */
export interface ServiceMonitor {
    apiVersion: typeof SERVICE_MONITOR_API_VERSION;
    kind: "ServiceMonitor";
    metadata: { name: string; namespace?: string; labels: Record<string, string> };
    spec: {
        endpoints: { port: string; path: string; interval: string; scrapeTimeout: string }[];
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

/** A copy of a label map with its keys in sorted order. */
const sortedLabels: (labels: Readonly<Record<string, string>>) => Record<string, string> = sortedByKey;

export function standardLabels(instance: string, component: string): Record<string, string> {
    return sortedLabels({
        "app.kubernetes.io/name": "arkouda",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    });
}

export function meta(name: string, labels: Record<string, string>, namespace?: string) {
    return namespace === undefined ? { name, labels: sortedLabels(labels) } : { name, namespace, labels: sortedLabels(labels) };
}

export function env(vars: Record<string, string>): EnvVar[] {
    return sortedEntries(vars).map(([name, value]) => ({ name, value }));
}

/** Requests and limits; the CPU limit is the request unless a larger one is given. */
export function resources(cpu: string, memory: string, cpuLimit = cpu) {
    return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory } };
}

/** What a prometheus-arkouda-exporter container (sidecar or standalone) is made of. */
export interface ExporterContainerSpec {
    readonly name: string;
    readonly image: string;
    readonly imagePullPolicy: string;
    /** "Always" makes it a native sidecar (an init container that keeps running). */
    readonly restartPolicy?: "Always";
    /** The metrics daemon it polls. */
    readonly metricsHost: string;
    readonly metricsPort: string;
    readonly serverName: string;
    readonly pollingIntervalSeconds: string;
    /** Where it serves /metrics. */
    readonly port: number;
    readonly cpu: string;
    readonly memory: string;
}

/**
 * The exporter container. Its environment names are the ones the image reads (contract/image.ts);
 * the liveness probe restarts an exporter that hangs (it exits by itself when it cannot reach the
 * metrics daemon).
 */
export function exporterContainer(s: ExporterContainerSpec) {
    return {
        name: s.name,
        image: s.image,
        imagePullPolicy: s.imagePullPolicy,
        ...(s.restartPolicy ? { restartPolicy: s.restartPolicy } : {}),
        env: env({
            HOME: EXPORTER_HOME.path,
            ARKOUDA_METRICS_SERVER_NAME: s.serverName,
            ARKOUDA_METRICS_SERVICE_HOST: s.metricsHost,
            ARKOUDA_METRICS_SERVICE_PORT: s.metricsPort,
            METRICS_POLLING_INTERVAL: s.pollingIntervalSeconds,
            METRICS_SCRAPE_PORT: intText(s.port),
        }),
        ports: [{ containerPort: s.port, name: EXPORTER_PORT_NAME, protocol: "TCP" }],
        livenessProbe: { httpGet: { path: METRICS_PATH, port: s.port }, initialDelaySeconds: 30, periodSeconds: 30, failureThreshold: 3 },
        resources: resources(s.cpu, s.memory),
        securityContext: EXPORTER_CONTAINER_SECURITY,
        volumeMounts: [{ name: EXPORTER_HOME.volume, mountPath: EXPORTER_HOME.path }],
    };
}

/** The exporter Service's port: where the ServiceMonitor and annotation-based scrapers find /metrics. */
const EXPORTER_PORT_NAME = "http";
const METRICS_PATH = "/metrics";

/** The exporter Service's labels Prometheus copies onto every series it scrapes there. */
export const SCRAPE_TARGET_LABELS: readonly string[] = ["arkouda_instance", "launcher"];

/** What the ServiceMonitor's scrape is made of (values: see ArkoudaValues). */
interface ScrapeSpec {
    readonly prometheusMatchLabels: Readonly<Record<string, string>>;
    readonly scrapeInterval: string;
    /** Empty: Prometheus' own timeout (the operator leaves an empty one out). */
    readonly scrapeTimeout: string;
}

/**
 * metadata.labels = the Prometheus match labels merged with the standard labels of `owner`; the
 * standard labels win a clash (same precedence as the `sprig.merge` the template renders). It
 * selects the exporter Service by its `instance` label and scrapes its named port, and the
 * Service's `arkouda_instance` and `launcher` labels become labels of every scraped series.
 */
export function serviceMonitor(
    name: string,
    owner: string,
    exporterInstanceLabel: string,
    v: ScrapeSpec,
    namespace?: string,
): ServiceMonitor {
    return {
        apiVersion: SERVICE_MONITOR_API_VERSION,
        kind: "ServiceMonitor",
        metadata: meta(name, { ...v.prometheusMatchLabels, ...standardLabels(owner, "servicemonitor") }, namespace),
        spec: {
            endpoints: [{ port: EXPORTER_PORT_NAME, path: METRICS_PATH, interval: v.scrapeInterval, scrapeTimeout: v.scrapeTimeout }],
            selector: { matchLabels: { instance: exporterInstanceLabel } },
            targetLabels: [...SCRAPE_TARGET_LABELS].sort(),
        },
    };
}

/**
 * An exporter's Service: its labels are what the ServiceMonitor selects and the target labels it
 * copies; the `prometheus.io/*` annotations are what annotation-based scrape configs (Prometheus'
 * kubernetes_sd examples, most charts) keep and relabel by. `scrape` is "true" or "false", so a
 * Service of an instance with annotations off says so rather than leaving a scraper to guess.
 */
export function exporterService(
    name: string,
    labels: Record<string, string>,
    selector: Record<string, string>,
    s: { port: number; scrapeAnnotations: string },
    namespace?: string,
): Service {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            ...meta(name, labels, namespace),
            annotations: {
                "prometheus.io/path": METRICS_PATH,
                "prometheus.io/port": intText(s.port),
                "prometheus.io/scrape": s.scrapeAnnotations,
            },
        },
        spec: {
            selector,
            ports: [{ name: EXPORTER_PORT_NAME, port: s.port, protocol: "TCP", targetPort: s.port }],
        },
    };
}

/**
 * A Deployment whose pods carry `labels` and are selected by their `app` label. Its pods never call
 * the Kubernetes API, so no token is mounted.
 */
export function deployment(
    name: string,
    labels: Record<string, string> & { app: string },
    namespace: string | undefined,
    spec: {
        replicas: number;
        strategy?: { type: string };
        pod: Pick<
            PodSpec,
            | "containers"
            | "volumes"
            | "securityContext"
            | "nodeSelector"
            | "tolerations"
            | "affinity"
            | "priorityClassName"
            | "topologySpreadConstraints"
            | "imagePullSecrets"
        >;
        /** The pods' metadata when it carries more than `labels` (placement's labels and annotations). */
        podMetadata?: { labels: Record<string, string>; annotations?: Readonly<Record<string, string>> };
    },
): Deployment {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(name, labels, namespace),
        spec: {
            replicas: spec.replicas,
            ...(spec.strategy ? { strategy: spec.strategy } : {}),
            selector: { matchLabels: { app: labels.app } },
            template: {
                metadata: spec.podMetadata
                    ? { ...spec.podMetadata, labels: sortedLabels(spec.podMetadata.labels) }
                    : { labels: sortedLabels(labels) },
                spec: { automountServiceAccountToken: false, ...spec.pod },
            },
        },
    };
}
