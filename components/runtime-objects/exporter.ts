/**
 * The objects a standalone prometheus-arkouda-exporter deploy creates (CPU and memory from config),
 * as pure functions over a values record (concrete, or Argo parameter placeholders).
 */
import type { NamespaceSettings } from "../config/types";
import type { Deployment, ObjectRef, Service, ServiceMonitor } from "./common";
import { deployment, exporterContainer, exporterService, SERVICE_MONITOR_API_VERSION, serviceMonitor, standardLabels } from "./common";
import type { ExporterValues } from "./values";
import { podMetadata, podPlacement, pullSecrets } from "./placement";
import { EXPORTER_HOME_VOLUME, EXPORTER_POD_SECURITY, SHARED_PROCESS_NAMESPACE } from "../pod-security";

function standaloneExporterLabels(v: ExporterValues) {
    return {
        ...standardLabels(v.name, "metrics-exporter"),
        app: v.name,
        instance: v.name,
        arkouda_instance: v.serverName,
        launcher: v.launcher,
    };
}

function exporterDeployment(v: ExporterValues, settings: NamespaceSettings, namespace?: string): Deployment {
    return deployment(v.name, standaloneExporterLabels(v), namespace, {
        replicas: 1,
        pod: {
            securityContext: EXPORTER_POD_SECURITY,
            ...SHARED_PROCESS_NAMESPACE,
            containers: [
                exporterContainer({
                    name: "prometheus-arkouda-exporter",
                    image: `${settings.images.exporter}:${v.version}`,
                    imagePullPolicy: v.imagePullPolicy,
                    metricsHost: v.metricsServiceHost,
                    metricsPort: v.metricsServicePort,
                    serverName: v.serverName,
                    pollingIntervalSeconds: v.pollingIntervalSeconds,
                    port: v.exporterPort,
                    cpu: v.cpu,
                    memory: v.memory,
                }),
            ],
            volumes: [EXPORTER_HOME_VOLUME],
            ...podPlacement(v),
            imagePullSecrets: pullSecrets(settings.registrySecretName, v.imagePullSecrets),
        },
        podMetadata: podMetadata(v, standaloneExporterLabels(v)),
    });
}

function standaloneExporterService(v: ExporterValues, namespace?: string): Service {
    return exporterService(
        v.name,
        standaloneExporterLabels(v),
        { app: v.name },
        { port: v.exporterPort, scrapeAnnotations: v.scrapeAnnotations },
        namespace,
    );
}
function exporterServiceMonitor(v: ExporterValues, namespace?: string): ServiceMonitor {
    return serviceMonitor(v.name, v.name, v.name, v, namespace);
}

export function exporterRuntimeObjects(v: ExporterValues, settings: NamespaceSettings, namespace?: string) {
    return {
        deployment: exporterDeployment(v, settings, namespace),
        service: standaloneExporterService(v, namespace),
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
