/**
 * RuntimeTeardown: lets `pulumi destroy` remove what Argo runs created outside Pulumi (server
 * pod, locale Deployment, services, config maps, ServiceMonitor…) and the Workflows themselves.
 *
 * One per cluster and namespace, naming every instance and exporter there as a target (its
 * Workflow label selectors and its runtime objects). create records the targets; update tears
 * down the targets that are no longer declared; delete tears down all of them. Tearing a target
 * down first deletes its Workflows (foreground, so their pods are gone too) and waits until they
 * are gone, so a deploy still running cannot re-create an object after it was deleted; then it
 * deletes the runtime objects (NotFound and kinds whose CRD is not installed are fine) and waits,
 * bounded by `timeoutSeconds` for the whole teardown, until they are gone. Give it a dependency
 * on the namespace and on the identities the objects use, so that Pulumi deletes it before those.
 *
 * Why one per namespace and not one per instance: Pulumi stores a dynamic provider's serialized
 * code (~44 KB here) with every resource, twice (inputs and outputs), and sends it with every
 * Check/Diff; per instance that was most of the state and of a no-op `pulumi up`.
 *
 * Serialization and the secret `kube` input and output: see provider.ts. Objects are stored as
 * `apiVersion/Kind/name` strings, which keeps the state small.
 */
import * as pulumi from "@pulumi/pulumi";
import { type KubeClient, type KubeObject, type KubeObjectMeta, withKubeClient } from "./kube-client";
import type { KubeAccessInput } from "./kubeconfig";
import { Clock, realTime } from "./clock";
import { isAuthFailure } from "./kube-http";
import { dynamicProvider, kubeDynamicResource } from "./provider";
import {
    decodeRef,
    planTeardown,
    removedTargets,
    RuntimeObjectRef,
    RuntimeTeardownState,
    runsPods,
    StoredTarget,
    storedTargets,
    TeardownOutcome,
    TeardownStep,
    teardownInputSpec,
    TeardownTargetInput,
    teardownInputs,
    teardownTimeoutMessage,
    WORKFLOW_API_VERSION,
    WORKFLOW_KIND,
} from "./runtime-teardown-plan";

const DEFAULT_TEARDOWN_POLL_SECONDS = 2;

export interface RuntimeTeardownArgs {
    /** How to reach the cluster at destroy time. Pass the kubeconfig content as a secret. */
    readonly kube: pulumi.Input<KubeAccessInput>;
    /** Namespace the objects live in. */
    readonly namespace: pulumi.Input<string>;
    /** Every instance and exporter of the namespace. */
    readonly targets: readonly TeardownTargetInput[];
    /** Upper bound, in seconds, of one teardown (Workflows, then objects, until all are gone). */
    readonly timeoutSeconds: pulumi.Input<number>;
    /**
     * How controllers (Deployment, StatefulSet, Job…) and Workflows are deleted. Default
     * "Foreground": the teardown also waits for their pods, which needs the cluster's garbage
     * collector. "Background" returns once the object is gone and leaves its pods to the
     * garbage collector.
     */
    readonly controllerPropagationPolicy?: pulumi.Input<"Foreground" | "Background">;
}
/** Injectable pieces of runTeardown, for tests. */
export interface TeardownDeps extends Clock {
    readonly pollSeconds?: number;
    readonly requestTimeoutMs?: number;
}

/**
 * Tears down `targets` (default: all of the state's): deletes their Workflows and waits until
 * they are gone, then deletes every planned object and waits until all are gone; throws when
 * the timeout passes (naming what is left). Failures other than NotFound (e.g. Forbidden) throw
 * after all deletions of the phase were attempted. Returns the Workflow steps, then the objects'.
 */
export async function runTeardown(
    state: RuntimeTeardownState,
    deps: TeardownDeps = {},
    targets?: readonly StoredTarget[],
): Promise<TeardownOutcome[]> {
    const { now, sleep } = realTime(deps);
    const pollMs = (deps.pollSeconds ?? DEFAULT_TEARDOWN_POLL_SECONDS) * 1000;
    const chosen = (targets ?? state.targets ?? []).filter((t) => t && typeof t === "object");
    const policy = state.controllerPropagationPolicy === "Background" ? "Background" : "Foreground";
    const refs: RuntimeObjectRef[] = [];
    for (const t of chosen)
        for (const o of t.objects ?? []) {
            const r = decodeRef(o);
            if (r) refs.push(r);
        }
    const selectors = [...new Set(chosen.flatMap((t) => (t.workflows ?? []).map((s) => String(s).trim()).filter(Boolean)))];
    const steps = planTeardown(state.namespace, refs, policy);
    if (steps.length === 0 && selectors.length === 0) return [];
    const deadline = now() + state.timeoutSeconds * 1000;
    return withKubeClient(state.kube, deps.requestTimeoutMs, async (client) => {
        const errors: string[] = [];
        const deleteAll = (batch: typeof steps) => deleteAndWait(client, state, batch, deadline, now, sleep, pollMs, errors);
        const outcomes = await deleteAll(await workflowsToStop(client, state.namespace, selectors, policy));
        if (errors.length > 0) throw new Error(`runtime teardown in namespace ${state.namespace} failed: ${errors.join("; ")}`);
        // What runs pods first, and only once it is gone the rest: a server pod still starting
        // could otherwise register a Service after that Service's deletion.
        outcomes.push(...(await deleteAll(steps.filter((s) => runsPods(s.kind)))));
        outcomes.push(...(await deleteAll(steps.filter((s) => !runsPods(s.kind)))));
        if (errors.length > 0) throw new Error(`runtime teardown in namespace ${state.namespace} failed: ${errors.join("; ")}`);
        return outcomes;
    });
}

/**
 * RuntimeTeardown's provider: create only records the targets; update tears down the dropped
 * ones; delete tears down all. Exported for tests; Pulumi serializes it into the state.
 */
export const runtimeTeardownProvider: pulumi.dynamic.ResourceProvider = dynamicProvider(teardownInputSpec, {
    async create(s) {
        const crypto = require("crypto") as typeof import("crypto");
        return { id: `${s.namespace}/${crypto.randomUUID()}`, outs: s };
    },
    async update(olds, s) {
        const old = teardownInputs(olds);
        // An instance or exporter dropped from config: its runs' objects go with it, as they
        // do on destroy. The old namespace is where they live; the new kubeconfig is how to
        // reach the cluster now.
        const removed = removedTargets(old, s);
        if (removed.length > 0) await runTeardown({ ...old, kube: s.kube, timeoutSeconds: s.timeoutSeconds }, {}, removed);
        return s;
    },
    async delete(s) {
        await runTeardown(s);
    },
});

/** The Workflows in `namespace` that any of `selectors` selects, as deletion steps (none when Argo's CRD is absent). */
async function workflowsToStop(
    client: KubeClient,
    namespace: string,
    selectors: readonly string[],
    policy: "Foreground" | "Background",
): Promise<TeardownStep[]> {
    if (selectors.length === 0) return [];
    const collection = await client.resourcePath({ apiVersion: WORKFLOW_API_VERSION, kind: WORKFLOW_KIND, namespace });
    if (!collection) return [];
    const names = new Set<string>();
    for (const labelSelector of selectors) {
        let items: KubeObject[];
        try {
            items = await client.list(collection, { labelSelector });
        } catch (e) {
            throw new Error(
                `runtime teardown in namespace ${namespace}: cannot list the Workflows to stop (${labelSelector}): ${(e as Error).message}`,
                { cause: e },
            );
        }
        for (const w of items) if (w && w.metadata && typeof w.metadata.name === "string") names.add(w.metadata.name);
    }
    return [...names]
        .sort()
        .map((name) => ({ apiVersion: WORKFLOW_API_VERSION, kind: WORKFLOW_KIND, name, namespace, propagationPolicy: policy }));
}

async function deleteAndWait(
    client: KubeClient,
    state: RuntimeTeardownState,
    steps: TeardownStep[],
    deadline: number,
    now: () => number,
    sleep: (ms: number) => Promise<void>,
    pollMs: number,
    /** Deletion failures are added here (the caller throws once every deletion was tried); timeouts throw at once. */
    errors: string[],
): Promise<TeardownOutcome[]> {
    const outcomes: TeardownOutcome[] = [];
    const pending: { step: TeardownStep; path: string }[] = [];
    // One list per kind, not one request per object: at destroy most objects of most
    // instances are absent (instances not deployed), and DELETE-ing each would cost a round
    // trip apiece. Listed when the plan reaches the kind, after the kinds before it were deleted.
    const present = new Map<string, Promise<Set<string> | undefined>>();
    const presentOf = (step: TeardownStep): Promise<Set<string> | undefined> => {
        const key = `${step.apiVersion}|${step.kind}`;
        let p = present.get(key);
        if (!p) {
            p = (async () => {
                const collection = await client.resourcePath({ apiVersion: step.apiVersion, kind: step.kind, namespace: step.namespace });
                if (!collection) return undefined;
                const items = await client.list(collection);
                return new Set(items.map((o) => (o && o.metadata ? String(o.metadata.name) : "")));
            })();
            present.set(key, p);
        }
        return p;
    };
    for (const step of steps) {
        try {
            const names = await presentOf(step);
            if (!names) {
                outcomes.push({ step, result: "unknownKind" });
                continue;
            }
            if (!names.has(step.name)) {
                outcomes.push({ step, result: "absent" });
                continue;
            }
            const path = (await client.resourcePath(step))!;
            const existed = await client.delete(path, { propagationPolicy: step.propagationPolicy });
            outcomes.push({ step, result: existed ? "deleted" : "absent" });
            if (existed) pending.push({ step, path });
        } catch (e) {
            errors.push(`${step.kind}/${step.name}: ${(e as Error).message}`);
        }
    }
    let remaining: { step: TeardownStep; path: string; finalizers?: string[] }[] = pending;
    while (remaining.length > 0) {
        const still: typeof remaining = [];
        for (const p of remaining) {
            try {
                const obj = await client.getOptional(p.path);
                if (obj !== undefined) {
                    const meta: Partial<KubeObjectMeta> = obj && obj.metadata ? obj.metadata : {};
                    const finalizers = meta.deletionTimestamp
                        ? Array.isArray(meta.finalizers)
                            ? meta.finalizers.map(String)
                            : []
                        : undefined;
                    still.push({ ...p, finalizers });
                }
            } catch (e) {
                if (isAuthFailure(e))
                    throw new Error(`runtime teardown: cannot check ${p.step.kind}/${p.step.name}: ${(e as Error).message}`, { cause: e });
                still.push(p); // transient: check again
            }
        }
        remaining = still;
        if (remaining.length === 0) break;
        const left = deadline - now();
        if (left <= 0) {
            throw new Error(
                teardownTimeoutMessage(
                    state.namespace,
                    remaining.map((r) => ({ kind: r.step.kind, name: r.step.name, finalizers: r.finalizers })),
                    state.timeoutSeconds,
                ),
            );
        }
        await sleep(Math.min(pollMs, left));
    }
    return outcomes;
}

/**
 * On `pulumi destroy`, deletes the Workflows of every target, then the runtime objects (created
 * by Argo runs, outside Pulumi) in `namespace`, and waits until they are gone. On update, does
 * the same for targets no longer declared. Does nothing at create.
 */
export class RuntimeTeardown extends kubeDynamicResource<Omit<RuntimeTeardownState, "kube">>("RuntimeTeardown", runtimeTeardownProvider) {
    constructor(name: string, args: RuntimeTeardownArgs, opts?: pulumi.CustomResourceOptions) {
        const { kube, namespace, targets, timeoutSeconds, controllerPropagationPolicy } = args;
        super(name, { kube, namespace, targets: storedTargets(targets), timeoutSeconds, controllerPropagationPolicy }, opts);
    }
}
