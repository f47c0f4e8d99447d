/**
 * Stack configs for the benchmark: the dev stack (Pulumi.dev.yaml) scaled to N instances ×
 * M clusters. All clusters use the ambient kubeconfig (one API server), so each gets its own
 * namespace. With N = 1 and M = 1 the config is the dev stack's, only the namespace differs.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT = "arkouda-workflows";

/** Stack config values (without the project prefix) of Pulumi.<stack>.yaml in the repo. */
export function repoStackValues(stack: string): Record<string, any> {
    const document = parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    return Object.fromEntries(Object.entries(document.config ?? {}).map(([k, v]) => [k.replace(`${PROJECT}:`, ""), v]));
}

export interface Shape {
    readonly instances: number;
    readonly clusters: number;
}

/** Name of instance `i`: the dev instance's name, then `<name>-1`, `<name>-2`, ... */
function instanceName(base: string, i: number): string {
    return i === 0 ? base : `${base}-${i}`;
}

/**
 * The dev stack's values with `instances` copies of its first instance and `clusters` clusters
 * (the dev cluster and `<dev>-1`, ...), cluster j in namespace `<namespace>` (j = 0) or
 * `<namespace>-<j>`.
 */
export function scaledValues(shape: Shape, namespace: string, base: Record<string, any> = repoStackValues("dev")): Record<string, any> {
    const instance = (base.instances as any[])[0];
    const cluster = (base.clusters as any[])[0];
    if (!instance || !cluster) throw new Error("Pulumi.dev.yaml must declare one instance and one cluster");
    const instances = Array.from({ length: shape.instances }, (_, i) => ({ ...instance, name: instanceName(instance.name, i) }));
    const clusters = Array.from({ length: shape.clusters }, (_, j) => ({
        ...cluster,
        name: j === 0 ? cluster.name : `${cluster.name}-${j}`,
        namespace: j === 0 ? namespace : `${namespace}-${j}`,
    }));
    return { ...base, namespace, instances, clusters };
}

/** Namespaces `scaledValues` uses. */
export function namespacesOf(shape: Shape, namespace: string): string[] {
    return Array.from({ length: shape.clusters }, (_, j) => (j === 0 ? namespace : `${namespace}-${j}`));
}
