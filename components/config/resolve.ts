/**
 * The resolved model from the settled top level: each cluster with the instances and exporters
 * it selects, its overrides applied, and every rule that spans keys checked (cross-rules.ts).
 */
import { exporterSchema, instanceSchema, RawConfig } from "./schema";
import type { Path, Problem } from "./messages";
import { selectAndOverride } from "./overrides";
import {
    claimAccessProblems,
    claimNameProblems,
    clusterProblems,
    exporterEgressProblems,
    exporterProblems,
    hostPathProblems,
    instanceEgressProblems,
    instanceProblems,
    nameProblems,
    podSecurityProblems,
    registrySecretProblems,
    tokenSecretProblems,
} from "./cross-rules";
import type { ArkoudaWorkflowsConfig, ClusterConfig, ExporterConfig, InstanceConfig } from "./types";

/** The keys a target sets itself (an unset key is undefined). */
const ownKeys = (keys: object) => Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined));

/**
 * A target's placement and network policies: the namespace's `pods` and `networkPolicy`, each key
 * the target sets replacing the namespace's whole.
 */
function placed<T extends { pods: object; networkPolicy: object }, P extends object, N extends object>(
    target: T,
    namespacePods: P,
    namespacePolicy: N,
): Omit<T, "pods" | "networkPolicy"> & { pods: P; networkPolicy: N } {
    return {
        ...target,
        pods: { ...namespacePods, ...ownKeys(target.pods) } as P,
        networkPolicy: { ...namespacePolicy, ...ownKeys(target.networkPolicy) } as N,
    };
}

/** Whether the target named `name` sets its own `networkPolicy.egress` (else the namespace's is the one to name in a problem). */
function ownsEgress(targets: readonly { name: string; networkPolicy: { egress?: unknown } }[], name: string): boolean {
    return targets.find((t) => t.name === name)?.networkPolicy.egress !== undefined;
}

/** A target's own `pods.imagePullSecrets`, where it sets one, with the path it was written at. */
function ownPullSecrets(target: { readonly pods: { readonly imagePullSecrets?: readonly string[] } }, where: Path) {
    const names = target.pods.imagePullSecrets;
    return names === undefined ? [] : [{ path: [...where, "pods", "imagePullSecrets"], names }];
}

/**
 * Resolve the validated top-level config. `rawInput` is the config as the user wrote it
 * (before defaults), needed so overrides merge onto what was written, not onto defaults;
 * `registryCredential` says whether the stack sets one (its values are never read here).
 * Returns the resolved config, or the problems found.
 */
export function resolveConfig(
    raw: RawConfig,
    rawInput: Record<string, unknown>,
    registryCredential: boolean,
): { config?: ArkoudaWorkflowsConfig; problems: Problem[] } {
    const written = (key: "instances" | "exporters") => (Array.isArray(rawInput[key]) ? rawInput[key] : []) as Record<string, unknown>[];
    const problems: Problem[] = [...nameProblems(raw)];
    // Each pull Secret list as written, to be checked against the Secret of a registry credential.
    const pullSecretLists: { path: Path; names: readonly string[] }[] = [
        { path: ["pods", "imagePullSecrets"], names: raw.pods.imagePullSecrets },
        ...raw.instances.flatMap((instance, i) => ownPullSecrets(instance, ["instances", i])),
        ...raw.exporters.flatMap((exporter, i) => ownPullSecrets(exporter, ["exporters", i])),
    ];
    raw.instances.forEach((instance, i) => problems.push(...instanceProblems(instance, ["instances", i])));

    const clusters: ClusterConfig[] = raw.clusters.map((cluster, index) => {
        problems.push(...clusterProblems(raw, index));
        const selected = {
            instances: selectAndOverride("instances", raw.instances, written("instances"), cluster, index, instanceSchema),
            exporters: selectAndOverride("exporters", raw.exporters, written("exporters"), cluster, index, exporterSchema),
        };
        problems.push(...selected.instances.problems, ...selected.exporters.problems);
        const { spreadLocales: _spread, ...exporterPods } = raw.pods;
        const { clients: _clients, ...exporterPolicy } = raw.networkPolicy;
        const instances = { targets: selected.instances.targets.map((i): InstanceConfig => placed(i, raw.pods, raw.networkPolicy)) };
        const exporters = { targets: selected.exporters.targets.map((e): ExporterConfig => placed(e, exporterPods, exporterPolicy)) };
        const path: Path = ["clusters", index];
        // An override that sets the pull Secrets: its list, at its own path.
        for (const kind of ["instances", "exporters"] as const)
            selected[kind].targets.forEach((target) => {
                const override = cluster.overrides[kind][target.name]?.pods;
                if (override && typeof override === "object" && "imagePullSecrets" in override)
                    pullSecretLists.push(...ownPullSecrets(target, [...path, "overrides", kind, target.name]));
            });
        const checked = instances.targets.map((instance) => {
            const overridden = cluster.overrides.instances[instance.name];
            const where: Path = overridden
                ? [...path, "overrides", "instances", instance.name]
                : ["instances", raw.instances.findIndex((i) => i.name === instance.name)];
            if (overridden) problems.push(...instanceProblems(instance, where));
            problems.push(...tokenSecretProblems(raw, instance, where));
            problems.push(...instanceEgressProblems(instance, ownsEgress(selected.instances.targets, instance.name) ? where : []));
            problems.push(...claimAccessProblems(instance, where), ...hostPathProblems(raw, cluster, instance, where));
            return { instance, path: where };
        });
        problems.push(...claimNameProblems(checked));
        problems.push(...podSecurityProblems(raw, cluster, instances.targets));
        exporters.targets.forEach((exporter) => {
            const where: Path = cluster.overrides.exporters[exporter.name]
                ? [...path, "overrides", "exporters", exporter.name]
                : ["exporters", raw.exporters.findIndex((e) => e.name === exporter.name)];
            problems.push(...exporterProblems(exporter, instances.targets, where));
            problems.push(
                ...exporterEgressProblems(exporter, instances.targets, ownsEgress(selected.exporters.targets, exporter.name) ? where : []),
            );
        });
        const { instances: _selected, exporters: _selectedExporters, overrides: _overrides, ...target } = cluster;
        return { ...target, instances: instances.targets, exporters: exporters.targets };
    });

    if (registryCredential) problems.push(...registrySecretProblems(raw, pullSecretLists));
    // A rule checked per cluster reports a shared key once, however many clusters select it.
    if (problems.length > 0) return { problems: [...new Map(problems.map((p) => [JSON.stringify([p.path, p.message]), p])).values()] };
    const { instances: _instances, exporters: _exporters, clusters: _clusters, pods, networkPolicy: _policy, ...settings } = raw;
    return { problems, config: { ...settings, clusters, imagePullSecrets: pods.imagePullSecrets, registryCredential } };
}
