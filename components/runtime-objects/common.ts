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

export function resources(cpu: string, memory: string) {
    return { requests: { cpu, memory }, limits: { cpu, memory } };
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
        ports: [{ containerPort: s.port, name: "http", protocol: "TCP" }],
        livenessProbe: { httpGet: { path: "/metrics", port: s.port }, initialDelaySeconds: 30, periodSeconds: 30, failureThreshold: 3 },
        resources: resources(s.cpu, s.memory),
        securityContext: EXPORTER_CONTAINER_SECURITY,
        volumeMounts: [{ name: EXPORTER_HOME.volume, mountPath: EXPORTER_HOME.path }],
    };
}

/**
 * metadata.labels = the Prometheus match labels merged with the standard labels of `owner`; the
 * standard labels win a clash (same precedence as the `sprig.merge` the template renders).
 */
export function serviceMonitor(
    name: string,
    owner: string,
    exporterInstanceLabel: string,
    v: { prometheusMatchLabels: Record<string, string>; pollingIntervalSeconds: string },
    namespace?: string,
): ServiceMonitor {
    return {
        apiVersion: SERVICE_MONITOR_API_VERSION,
        kind: "ServiceMonitor",
        metadata: meta(name, { ...v.prometheusMatchLabels, ...standardLabels(owner, "servicemonitor") }, namespace),
        spec: {
            endpoints: [{ port: "http", path: "/metrics", interval: `${v.pollingIntervalSeconds}s` }],
            selector: { matchLabels: { instance: exporterInstanceLabel } },
            targetLabels: [...new Set(["arkouda_instance", "launcher"])].sort(),
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
