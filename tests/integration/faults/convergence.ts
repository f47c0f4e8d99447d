/**
 * The check every fault scenario ends with: the cluster against what the stack declares, and
 * the Pulumi state against both; and the figures each scenario prints (with the run's totals,
 * printed at the end).
 *
 * The mock renderer (fixtures.declaredObjects) only tells what the stack declares; the cluster
 * and the state are read from the real API server and `pulumi stack export`.
 */
import * as assert from "assert";
import { declaredObjects, MANAGED_BY, NAMESPACED_KINDS, objectKey, PART_OF, resourceOfKind } from "../fixtures";
import { getObject, KubeObject, listObjects, PulumiProject } from "../pulumi";

export interface Convergence {
    /** Declared objects (and state resources) compared with the cluster. */
    readonly checked: number;
    /** Declared, or recorded in the state, but missing from the cluster. */
    readonly lost: string[];
    /** In the cluster (labelled as ours, or a run's Workflow) but neither declared nor in the state. */
    readonly leftOver: string[];
    /** One object recorded twice in the state, or more than one Workflow for one run. */
    readonly duplicates: string[];
    /** Present, but a declared field differs, or the state records another uid than the live object. */
    readonly halfWritten: string[];
    /** `pending_operations` left in `pulumi stack export`. */
    readonly pending: string[];
}

interface ExportedState {
    deployment?: {
        resources?: {
            urn: string;
            type: string;
            custom?: boolean;
            id?: string;
            outputs?: Record<string, any>;
            inputs?: Record<string, any>;
        }[];
        pending_operations?: { type: string; resource: { urn: string } }[];
    };
}

/** Whether every field of `declared` is present and equal in `live` (arrays: same length, element-wise). */
function subsetDiff(declared: unknown, live: unknown, at: string, out: string[]): void {
    if (Array.isArray(declared)) {
        if (!Array.isArray(live) || live.length !== declared.length) {
            out.push(`${at}: ${JSON.stringify(declared).slice(0, 80)} != ${JSON.stringify(live).slice(0, 80)}`);
            return;
        }
        declared.forEach((d, i) => subsetDiff(d, live[i], `${at}[${i}]`, out));
    } else if (declared && typeof declared === "object") {
        if (!live || typeof live !== "object") {
            out.push(`${at}: missing`);
            return;
        }
        for (const [k, v] of Object.entries(declared)) subsetDiff(v, (live as Record<string, unknown>)[k], `${at}.${k}`, out);
    } else if (declared !== undefined && declared !== live) {
        out.push(`${at}: ${JSON.stringify(declared)} != ${JSON.stringify(live)}`);
    }
}

/** Fields of a declared manifest that differ in the live object (Secret values are compared by key only). */
export function manifestDrift(declared: Record<string, any>, live: KubeObject): string[] {
    const out: string[] = [];
    subsetDiff(declared.metadata?.labels ?? {}, live.metadata.labels ?? {}, "metadata.labels", out);
    for (const field of ["spec", "rules", "subjects", "roleRef", "data", "type", "automountServiceAccountToken"]) {
        if (declared[field] !== undefined) subsetDiff(declared[field], live[field], field, out);
    }
    if (declared.stringData) {
        // Under mocks a generated key pair has no values, so the keys may be missing too: then
        // the Secret must at least not be empty.
        const want = Object.keys(declared.stringData).sort().join(",");
        const have = Object.keys(live.data ?? {})
            .sort()
            .join(",");
        if (want ? want !== have : !have) out.push(`data keys: ${have || "(none)"} != ${want || "(some)"}`);
    }
    return out;
}

const isWorkflow = (kind: string) => kind === "Workflow";

/**
 * Compares the cluster with what the stack declares for `values` and with the Pulumi state.
 * Workflows (runs) are matched by `<target>-<action>-` prefix, since their suffix is random.
 */
export async function checkConvergence(
    project: PulumiProject,
    values: Record<string, unknown>,
    namespaces: readonly string[],
): Promise<Convergence> {
    const declared = await declaredObjects(values);
    const exported = JSON.parse(await project.exportText()) as ExportedState;
    const pending = (exported.deployment?.pending_operations ?? []).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`);
    const stateResources = exported.deployment?.resources ?? [];
    const lost: string[] = [];
    const leftOver: string[] = [];
    const duplicates: string[] = [];
    const halfWritten: string[] = [];
    let checked = 0;

    const urns = new Map<string, number>();
    for (const r of stateResources) urns.set(r.urn, (urns.get(r.urn) ?? 0) + 1);
    for (const [urn, n] of urns) if (n > 1) duplicates.push(`state: ${urn} x${n}`);

    // Kubernetes objects the state records, by object key.
    const inState = new Map<string, { urn: string; uid?: string }>();
    for (const r of stateResources) {
        if (!r.custom || !r.type.startsWith("kubernetes:") || !r.outputs?.kind) continue;
        const key = objectKey(r.outputs);
        if (inState.has(key)) duplicates.push(`state: ${key} recorded by ${inState.get(key)!.urn} and ${r.urn}`);
        inState.set(key, { urn: r.urn, uid: r.outputs.metadata?.uid });
    }

    for (const [key, manifest] of declared) {
        if (isWorkflow(manifest.kind)) continue;
        checked++;
        const live = await getObject(resourceOfKind(manifest.kind), manifest.metadata.name, manifest.metadata.namespace);
        if (!live) {
            lost.push(key);
            continue;
        }
        if (!inState.has(key)) leftOver.push(`${key} (in the cluster, declared, but not in the state)`);
        const drift = manifestDrift(manifest, live);
        if (drift.length > 0) halfWritten.push(`${key}: ${drift.slice(0, 3).join("; ")}`);
        const stateUid = inState.get(key)?.uid;
        if (stateUid && live.metadata && (live.metadata as { uid?: string }).uid !== stateUid)
            halfWritten.push(`${key}: state records uid ${stateUid}, the cluster holds ${(live.metadata as { uid?: string }).uid}`);
    }
    // State resources that are not declared (e.g. a replaced object whose delete never ran).
    for (const [key, { urn }] of inState) {
        if (declared.has(key) || key.startsWith("Workflow/")) continue;
        checked++;
        leftOver.push(`${key} (in the state as ${urn.split("::").pop()}, not declared)`);
    }

    // Runs: exactly one Workflow per declared run, and it is the one the state records.
    const declaredRuns = [...declared.values()].filter((m) => isWorkflow(m.kind));
    const liveWorkflows = (await Promise.all(namespaces.map((ns) => listObjects(["workflows.argoproj.io"], { namespace: ns })))).flat();
    for (const run of declaredRuns) {
        checked++;
        const prefix = String(run.metadata.name).replace(/[a-z0-9]+$/, "");
        const matching = liveWorkflows.filter((w) => w.metadata.namespace === run.metadata.namespace && w.metadata.name.startsWith(prefix));
        const recorded = [...inState.keys()].filter((k) => k.startsWith(`Workflow/${run.metadata.namespace}/${prefix}`));
        if (matching.length === 0) lost.push(`Workflow/${run.metadata.namespace}/${prefix}*`);
        if (matching.length > 1)
            duplicates.push(`Workflow/${run.metadata.namespace}/${prefix}*: ${matching.map((w) => w.metadata.name).join(", ")}`);
        if (recorded.length !== 1) duplicates.push(`state: ${recorded.length} Workflows recorded for ${prefix}*`);
        for (const w of matching) if (!recorded.includes(objectKey(w))) leftOver.push(`${objectKey(w)} (a run the state does not record)`);
    }
    for (const w of liveWorkflows) {
        const key = objectKey(w);
        if (!declaredRuns.some((r) => w.metadata.name.startsWith(String(r.metadata.name).replace(/[a-z0-9]+$/, ""))) && !inState.has(key))
            leftOver.push(`${key} (a Workflow nobody declares)`);
    }

    // Anything else in the namespaces that carries our labels.
    const declaredKeys = new Set([...declared.keys()]);
    for (const ns of namespaces) {
        for (const selector of [PART_OF, MANAGED_BY]) {
            for (const o of await listObjects(
                NAMESPACED_KINDS.filter((k) => !k.startsWith("workflows.")),
                { namespace: ns, selector },
            )) {
                const key = objectKey(o);
                if (!declaredKeys.has(key) && !inState.has(key) && !leftOver.some((l) => l.startsWith(key)))
                    leftOver.push(`${key} (labelled ${selector}, not declared)`);
            }
        }
    }
    return {
        checked,
        lost: lost.sort(),
        leftOver: [...new Set(leftOver)].sort(),
        duplicates: duplicates.sort(),
        halfWritten: halfWritten.sort(),
        pending,
    };
}

/** Asserts the convergence is complete (one assertion message listing everything that is not). */
export function assertConverged(c: Convergence): void {
    assert.ok(c.checked > 0, "nothing was checked");
    assert.deepStrictEqual(
        { lost: c.lost, leftOver: c.leftOver, duplicates: c.duplicates, halfWritten: c.halfWritten, pending: c.pending },
        { lost: [], leftOver: [], duplicates: [], halfWritten: [], pending: [] },
    );
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

const totals = { scenarios: 0, checked: 0, lost: 0, leftOver: 0, duplicates: 0, halfWritten: 0, pending: 0 };

/** Prints one scenario's figures and adds them to the run's totals (printed at the end). */
export function report(scenario: string, c: Convergence): void {
    totals.scenarios++;
    totals.checked += c.checked;
    totals.lost += c.lost.length;
    totals.leftOver += c.leftOver.length;
    totals.duplicates += c.duplicates.length;
    totals.halfWritten += c.halfWritten.length;
    totals.pending += c.pending.length;
    process.stderr.write(
        `[faults] ${scenario}: objects checked ${c.checked}, lost ${c.lost.length}, left over ${c.leftOver.length}, duplicates ${c.duplicates.length}, half-written ${c.halfWritten.length}, pending operations ${c.pending.length}\n` +
            [
                ...c.lost.map((x) => `  lost: ${x}`),
                ...c.leftOver.map((x) => `  left over: ${x}`),
                ...c.duplicates.map((x) => `  duplicate: ${x}`),
                ...c.halfWritten.map((x) => `  half-written: ${x}`),
                ...c.pending.map((x) => `  pending: ${x}`),
            ]
                .map((l) => `${l}\n`)
                .join(""),
    );
}

after(function () {
    if (totals.scenarios === 0) return;
    process.stderr.write(
        `[faults] total: scenarios run ${totals.scenarios}, objects checked ${totals.checked}, lost ${totals.lost}, left over ${totals.leftOver}, duplicates ${totals.duplicates}, half-written ${totals.halfWritten}, pending operations ${totals.pending}\n`,
    );
});
