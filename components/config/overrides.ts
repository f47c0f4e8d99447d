/**
 * A cluster's selection of the configured instances or exporters, each with the cluster's
 * overrides merged onto what the user wrote for it (not onto its defaults) and parsed again by
 * its schema, so an override meets the same rules and messages as the key it overrides.
 */
import type { z } from "zod";
import { Path, Problem, zodProblems } from "./messages";
import type { RawCluster } from "./schema";

/**
 * Keys whose values are replaced whole by an override instead of merged key by key: a label
 * set, a schedule and each placement key (as an instance's `pods` key replaces the namespace's).
 */
const ATOMIC_KEYS = new Set(["prometheusMatchLabels", "schedule", "nodeSelector", "affinity", "labels", "annotations"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = merged[key];
        merged[key] = !ATOMIC_KEYS.has(key) && isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
    }
    return merged;
}

/**
 * The targets of `kind` that `cluster` gets, overrides applied. `all` are the parsed targets and
 * `written` the same targets as the user wrote them, index for index.
 */
export function selectAndOverride<T extends { readonly name: string }>(
    kind: "instances" | "exporters",
    all: readonly T[],
    written: readonly Record<string, unknown>[],
    cluster: RawCluster,
    clusterIndex: number,
    schema: z.ZodType<T>,
): { targets: T[]; problems: Problem[] } {
    const problems: Problem[] = [];
    const clusterPath: Path = ["clusters", clusterIndex];
    const known = all.map((i) => i.name);
    const selected = cluster[kind] ?? known;
    selected.forEach((name, i) => {
        if (!known.includes(name))
            problems.push({
                path: [...clusterPath, kind, i],
                message: `names no configured ${kind === "instances" ? "instance" : "exporter"}; known: ${known.join(", ") || "(none)"}`,
                input: name,
            });
    });
    for (const name of Object.keys(cluster.overrides[kind])) {
        if (!known.includes(name))
            problems.push({
                path: [...clusterPath, "overrides", kind, name],
                message: `overrides an unknown ${kind === "instances" ? "instance" : "exporter"}; known: ${known.join(", ") || "(none)"}`,
                input: name,
            });
    }
    const targets: T[] = [];
    all.forEach((target, index) => {
        if (!selected.includes(target.name)) return;
        const override = cluster.overrides[kind][target.name];
        if (!override) {
            targets.push(target);
            return;
        }
        if ("name" in override) {
            problems.push({
                path: [...clusterPath, "overrides", kind, target.name, "name"],
                message: "cannot be overridden; the key under overrides already names the target",
                input: override.name,
            });
            return;
        }
        const parsed = schema.safeParse(deepMerge(written[index], override), { reportInput: true });
        if (!parsed.success) {
            problems.push(...zodProblems(parsed.error, [...clusterPath, "overrides", kind, target.name], schema));
            return;
        }
        targets.push(parsed.data);
    });
    return { targets, problems };
}
