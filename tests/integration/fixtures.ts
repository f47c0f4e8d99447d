/**
 * Expectations derived from the program itself: the resolved config, and the objects the
 * program declares for a config (rendered under mocks by scripts/render.ts, used only to derive
 * what the real engine and API server must show).
 */
import { renderObjects } from "../lib/render";
import { namespaceSettings, parseStackConfig } from "../../components/config";
import type { ArkoudaWorkflowsConfig, ClusterConfig, NamespaceSettings } from "../../components/config/types";
import { arkoudaNames, arkoudaRuntimeObjects, exporterRuntimeObjects, standardLabels } from "../../components/runtime-objects";
import { arkoudaValues, exporterValues } from "../lib/values";
import { stackValues } from "../lib/mock-program";
import type { JsonStep, KubeObject } from "./pulumi";

export const PART_OF = "app.kubernetes.io/part-of=arkouda-workflows";
export const MANAGED_BY = "app.kubernetes.io/managed-by=arkouda-workflows";

export function resolvedConfig(values: Record<string, unknown>): ArkoudaWorkflowsConfig {
    return parseStackConfig({ values: stackValues(values), secretKeys: new Set() });
}

export function clusterOf(config: ArkoudaWorkflowsConfig, name: string): { cluster: ClusterConfig; settings: NamespaceSettings } {
    const cluster = config.clusters.find((c) => c.name === name);
    if (!cluster) throw new Error(`no cluster ${name} in the config`);
    return { cluster, settings: namespaceSettings(config, cluster) };
}

/** `Kind/namespace/name` of a manifest. */
export function objectKey(manifest: { kind?: string; metadata?: { name?: string; namespace?: string } }): string {
    return `${manifest.kind}/${manifest.metadata?.namespace ?? ""}/${manifest.metadata?.name}`;
}

/** Every Kubernetes object the program declares for `values`, by objectKey. */
export async function declaredObjects(values: Record<string, unknown>): Promise<Map<string, Record<string, any>>> {
    const rendered = await renderObjects(values);
    return new Map(rendered.map((o) => [objectKey(o.manifest), o.manifest]));
}

function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value && typeof value === "object") {
        return `{${Object.keys(value)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(value);
}

/** Keys of the objects whose declared manifest differs between two configs (added, removed or changed). */
export async function changedObjects(before: Record<string, unknown>, after: Record<string, unknown>): Promise<string[]> {
    // One at a time: the mock runtime is global to the process.
    const a = await declaredObjects(before);
    const b = await declaredObjects(after);
    const keys = new Set([...a.keys(), ...b.keys()]);
    return [...keys].filter((k) => canonical(a.get(k)) !== canonical(b.get(k))).sort();
}

/** What a changed engine step touches: the Kubernetes object key, or `<type>::<name>` for anything else. */
export function stepKey(step: JsonStep): string {
    const state = step.newState ?? step.oldState;
    const inputs = state?.inputs;
    if (inputs && typeof inputs.kind === "string" && state?.type.startsWith("kubernetes:")) return objectKey(inputs);
    return `${state?.type ?? "?"}::${step.urn.split("::").pop()}`;
}

/**
 * What an Argo deploy run of an instance and an exporter creates at run time (outside Pulumi),
 * built by the same functions the workflow templates use, plus the two Services the Arkouda
 * server registers itself at start-up and the per-instance launch-script ConfigMaps an earlier
 * version's deploy applied (a destroy must remove those as well).
 */
export function simulatedRunObjects(config: ArkoudaWorkflowsConfig, clusterName: string): KubeObject[] {
    const { cluster, settings } = clusterOf(config, clusterName);
    const ns = cluster.namespace;
    const objects: object[] = [];
    for (const instance of cluster.instances) {
        const o = arkoudaRuntimeObjects(arkoudaValues(instance), settings, ns);
        objects.push(...o.services, o.localeDeployment, o.serverPod, o.serviceMonitor);
        const names = arkoudaNames(instance.name);
        for (const name of [names.localeScript, names.serverScript])
            objects.push({
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name, namespace: ns, labels: standardLabels(instance.name, "launch-script") },
            });
        for (const [name, port] of [
            [names.clientService, instance.serverPort],
            [names.metricsService, instance.metrics.servicePort],
        ] as const) {
            objects.push({
                apiVersion: "v1",
                kind: "Service",
                metadata: { name, namespace: ns, labels: standardLabels(instance.name, "server") },
                spec: { selector: { app: names.server }, ports: [{ name: "p", port, targetPort: port }] },
            });
        }
    }
    for (const exporter of cluster.exporters) {
        const o = exporterRuntimeObjects(exporterValues(exporter), settings, ns);
        objects.push(o.deployment, o.service, o.serviceMonitor);
    }
    return objects as KubeObject[];
}

/** Kinds (kubectl resource names) whose objects the program or its runs create, namespaced. */
export const NAMESPACED_KINDS = [
    "serviceaccounts",
    "roles.rbac.authorization.k8s.io",
    "rolebindings.rbac.authorization.k8s.io",
    "secrets",
    "configmaps",
    "services",
    "deployments.apps",
    "replicasets.apps",
    "pods",
    "endpoints",
    "workflowtemplates.argoproj.io",
    "cronworkflows.argoproj.io",
    "workflows.argoproj.io",
    "servicemonitors.monitoring.coreos.com",
    "networkpolicies.networking.k8s.io",
    "persistentvolumeclaims",
];

/** kubectl resource name of a manifest's kind (for the kinds the program uses). */
export function resourceOfKind(kind: string): string {
    const known: Record<string, string> = {
        ServiceAccount: "serviceaccounts",
        Role: "roles.rbac.authorization.k8s.io",
        RoleBinding: "rolebindings.rbac.authorization.k8s.io",
        Secret: "secrets",
        ConfigMap: "configmaps",
        Service: "services",
        Deployment: "deployments.apps",
        Pod: "pods",
        Namespace: "namespaces",
        PriorityClass: "priorityclasses.scheduling.k8s.io",
        WorkflowTemplate: "workflowtemplates.argoproj.io",
        CronWorkflow: "cronworkflows.argoproj.io",
        Workflow: "workflows.argoproj.io",
        ServiceMonitor: "servicemonitors.monitoring.coreos.com",
        NetworkPolicy: "networkpolicies.networking.k8s.io",
        PersistentVolumeClaim: "persistentvolumeclaims",
    };
    const resource = known[kind];
    if (!resource) throw new Error(`no kubectl resource known for kind ${kind}; add it to resourceOfKind`);
    return resource;
}
