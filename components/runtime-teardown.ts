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
 * code (~32 KB here) with every resource, twice (inputs and outputs), and sends it with every
 * Check/Diff; per instance that was most of the state and of a no-op `pulumi up`.
 *
 * The provider code runs in a separate Node process: it uses only plain functions of this module
 * and kube-client.ts. The kubeconfig content arrives as a (secret) input and is kept in the secret
 * output `kube`, because delete() only receives the stored outputs. Objects are stored as
 * `apiVersion/Kind/name` strings, which keeps the state small.
 */
import * as pulumi from "@pulumi/pulumi";
import { createKubeClient, isKubeApiError, KubeAccess, KubeAccessInput, KubeClient } from "./kube-client";

/** The engine's placeholder for values unknown during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const DEFAULT_TEARDOWN_POLL_SECONDS = 2;

/** Argo's Workflow kind, whose objects a teardown stops before deleting what they create. */
export const WORKFLOW_API_VERSION = "argoproj.io/v1alpha1";
export const WORKFLOW_KIND = "Workflow";

/** An object to remove, in the RuntimeTeardown's namespace. */
export interface RuntimeObjectRef {
    /** "v1", "apps/v1", "monitoring.coreos.com/v1"… */
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
}

/** One instance or exporter: the Workflows that act on it and the objects they create. */
export interface TeardownTargetInput {
    /** Instance or exporter name. */
    readonly name: string;
    /** Label selectors (`key=value`, `key in (a,b)`); every Workflow one of them selects is deleted first. */
    readonly workflowSelectors: readonly string[];
    /** Objects to delete once the Workflows are gone. */
    readonly refs: readonly RuntimeObjectRef[];
}

/** A target as stored in the state: refs encoded as `apiVersion/Kind/name`. */
export interface StoredTarget {
    name: string;
    workflows: string[];
    objects: string[];
}

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

/** Stored state of RuntimeTeardown. */
export interface RuntimeTeardownState {
    kube: KubeAccess;
    namespace: string;
    targets: StoredTarget[];
    timeoutSeconds: number;
    controllerPropagationPolicy?: "Foreground" | "Background";
}

/** One deletion, in order. */
export interface TeardownStep {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace: string;
    /** Foreground for controllers, so that their pods are gone when they are. */
    readonly propagationPolicy: "Foreground" | "Background";
}

/** Result of one step, as the teardown met it. */
export interface TeardownOutcome {
    readonly step: TeardownStep;
    /** deleted: a DELETE was accepted; absent: already NotFound; unknownKind: the API server does not serve the kind. */
    readonly result: "deleted" | "absent" | "unknownKind";
}

/** Kinds whose deletion should wait for their dependents (pods). */
const CONTROLLER_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"];

/**
 * Order of deletion by kind: controllers first (so they do not recreate pods), then pods,
 * then what routes or watches traffic, then configuration, then RBAC last (the pods use it
 * until they are gone). Unlisted kinds go between configuration and RBAC.
 */
const KIND_ORDER: Record<string, number> = {
    CronJob: 0,
    Deployment: 1,
    StatefulSet: 1,
    DaemonSet: 1,
    ReplicationController: 1,
    Job: 1,
    ReplicaSet: 2,
    Pod: 3,
    ServiceMonitor: 4,
    PodMonitor: 4,
    Ingress: 5,
    Service: 5,
    Endpoints: 6,
    EndpointSlice: 6,
    ConfigMap: 7,
    Secret: 7,
    RoleBinding: 9,
    Role: 10,
};

/** `apiVersion/Kind/name`. Throws for a ref that cannot round-trip (a name or kind with '/'). Pure. */
export function encodeRef(ref: RuntimeObjectRef): string {
    for (const key of ["kind", "name"] as const) {
        if (typeof ref[key] !== "string" || !ref[key].trim() || ref[key].includes("/")) {
            throw new Error(`runtime object ref ${JSON.stringify(ref)}: ${key} must be a non-empty string without '/'`);
        }
    }
    if (typeof ref.apiVersion !== "string" || !ref.apiVersion.trim()) throw new Error(`runtime object ref ${JSON.stringify(ref)}: apiVersion is required`);
    return `${ref.apiVersion.trim()}/${ref.kind.trim()}/${ref.name.trim()}`;
}

/** Inverse of encodeRef; undefined for a string with fewer than three parts. Pure. */
export function decodeRef(text: string): RuntimeObjectRef | undefined {
    if (typeof text !== "string") return undefined;
    const parts = text.split("/");
    if (parts.length < 3) return undefined;
    const name = parts[parts.length - 1];
    const kind = parts[parts.length - 2];
    const apiVersion = parts.slice(0, -2).join("/");
    if (!apiVersion || !kind || !name) return undefined;
    return { apiVersion, kind, name };
}

/** The stored form of the targets (what the provider receives). Pure. */
export function storedTargets(targets: readonly TeardownTargetInput[]): StoredTarget[] {
    return targets.map((t) => ({ name: t.name, workflows: [...t.workflowSelectors], objects: t.refs.map(encodeRef) }));
}

/** Validation failures of the inputs (empty when valid). Values unknown during preview pass. Pure. */
export function checkTeardownInputs(news: any): { property: string; reason: string }[] {
    const f: { property: string; reason: string }[] = [];
    const n = news ?? {};
    if (n.kube !== UNKNOWN && (typeof n.kube !== "object" || n.kube === null)) f.push({ property: "kube", reason: "kube must be an object" });
    if (n.namespace !== UNKNOWN && (typeof n.namespace !== "string" || !n.namespace)) f.push({ property: "namespace", reason: "namespace is required" });
    if (n.timeoutSeconds !== UNKNOWN && (typeof n.timeoutSeconds !== "number" || !(n.timeoutSeconds > 0))) {
        f.push({ property: "timeoutSeconds", reason: "timeoutSeconds must be a positive number" });
    }
    const cpp = n.controllerPropagationPolicy;
    if (cpp !== undefined && cpp !== UNKNOWN && cpp !== "Foreground" && cpp !== "Background") {
        f.push({ property: "controllerPropagationPolicy", reason: 'controllerPropagationPolicy must be "Foreground" or "Background"' });
    }
    if (n.targets !== UNKNOWN) {
        if (!Array.isArray(n.targets)) f.push({ property: "targets", reason: "targets must be a list" });
        else {
            const names = new Set<string>();
            n.targets.forEach((t: any, i: number) => {
                if (t === UNKNOWN) return;
                if (!t || typeof t !== "object") return void f.push({ property: `targets[${i}]`, reason: "a target must be an object" });
                if (t.name !== UNKNOWN) {
                    if (typeof t.name !== "string" || !t.name.trim()) f.push({ property: `targets[${i}].name`, reason: "name is required" });
                    else if (names.has(t.name)) f.push({ property: `targets[${i}].name`, reason: `target ${t.name} is listed twice` });
                    else names.add(t.name);
                }
                for (const key of ["workflows", "objects"]) {
                    const list = t[key];
                    if (list === UNKNOWN) continue;
                    if (!Array.isArray(list)) {
                        f.push({ property: `targets[${i}].${key}`, reason: `${key} must be a list` });
                        continue;
                    }
                    list.forEach((v: any, j: number) => {
                        if (v === UNKNOWN) return;
                        if (key === "workflows" && (typeof v !== "string" || !v.trim())) f.push({ property: `targets[${i}].workflows[${j}]`, reason: "a label selector is required" });
                        if (key === "objects" && !decodeRef(v)) f.push({ property: `targets[${i}].objects[${j}]`, reason: `'${v}' is not apiVersion/Kind/name` });
                    });
                }
            });
        }
    }
    return f;
}

/** Keeps only the input fields (kube reduced to the KubeAccess keys, targets to their three keys). Pure. */
export function teardownInputs(news: any): RuntimeTeardownState {
    const k = news.kube ?? {};
    let kube: any = k;
    if (k !== UNKNOWN) {
        kube = {};
        if (typeof k.kubeconfig === "string" && k.kubeconfig) kube.kubeconfig = k.kubeconfig;
        if (typeof k.kubeconfigPath === "string" && k.kubeconfigPath) kube.kubeconfigPath = k.kubeconfigPath;
        if (typeof k.context === "string" && k.context) kube.context = k.context;
    }
    const list = (v: any) => (Array.isArray(v) ? v.map(String) : []);
    const targets = Array.isArray(news.targets)
        ? news.targets.map((t: any) => (t && typeof t === "object" ? { name: t.name, workflows: list(t.workflows), objects: list(t.objects) } : t))
        : news.targets;
    const out: RuntimeTeardownState = { kube, namespace: news.namespace, targets, timeoutSeconds: news.timeoutSeconds };
    if (typeof news.controllerPropagationPolicy === "string" && news.controllerPropagationPolicy) out.controllerPropagationPolicy = news.controllerPropagationPolicy;
    return out;
}

/** Diff of stored state against new inputs: any change is an in-place update, never a replacement. Pure. */
export function diffTeardown(olds: any, news: any): { changes: boolean; replaces: string[] } {
    const a = teardownInputs(olds ?? {});
    const b = teardownInputs(news ?? {});
    return { changes: JSON.stringify(a) !== JSON.stringify(b), replaces: [] };
}

/**
 * The targets of `olds` that `news` no longer declares in the same namespace (all of them when
 * the namespace changed): what an update tears down. Pure.
 */
export function removedTargets(olds: RuntimeTeardownState, news: RuntimeTeardownState): StoredTarget[] {
    const oldTargets = Array.isArray(olds.targets) ? olds.targets : [];
    if (olds.namespace !== news.namespace) return oldTargets;
    const kept = new Set((Array.isArray(news.targets) ? news.targets : []).map((t) => t && t.name));
    return oldTargets.filter((t) => t && !kept.has(t.name));
}

/** Deletion plan: refs deduplicated and ordered (controllers → pods → services → config → RBAC). Pure. */
export function planTeardown(
    namespace: string,
    refs: readonly RuntimeObjectRef[],
    controllerPropagationPolicy: "Foreground" | "Background" = "Foreground",
): TeardownStep[] {
    const seen = new Set<string>();
    const steps: (TeardownStep & { index: number })[] = [];
    (refs ?? []).forEach((r, index) => {
        if (!r || typeof r.name !== "string" || typeof r.kind !== "string" || typeof r.apiVersion !== "string") return;
        const apiVersion = r.apiVersion.trim();
        const kind = r.kind.trim();
        const name = r.name.trim();
        if (!apiVersion || !kind || !name) return;
        const key = `${apiVersion}|${kind}|${name}`;
        if (seen.has(key)) return;
        seen.add(key);
        steps.push({
            apiVersion,
            kind,
            name,
            namespace,
            propagationPolicy: CONTROLLER_KINDS.includes(kind) ? controllerPropagationPolicy : "Background",
            index,
        });
    });
    const order = (k: string) => (k in KIND_ORDER ? KIND_ORDER[k] : 8);
    steps.sort((a, b) => order(a.kind) - order(b.kind) || a.index - b.index);
    return steps.map(({ index: _i, ...s }) => s);
}

/** Human-readable `Kind/name` list. Pure. */
export function describeSteps(steps: readonly Pick<TeardownStep, "kind" | "name">[]): string {
    return steps.map((s) => `${s.kind}/${s.name}`).join(", ");
}

/** An object still present when the teardown ran out of time, with what blocks it if known. */
export interface RemainingObject {
    readonly kind: string;
    readonly name: string;
    /** metadata.finalizers of its last read, when it is terminating (has a deletionTimestamp). */
    readonly finalizers?: readonly string[];
}

/** Message of a teardown that ran out of time. Pure. */
export function teardownTimeoutMessage(namespace: string, remaining: readonly RemainingObject[], timeoutSeconds: number): string {
    const items = remaining.map((r) =>
        r.finalizers ? `${r.kind}/${r.name} (terminating${r.finalizers.length ? `, finalizers: ${r.finalizers.join(", ")}` : ""})` : `${r.kind}/${r.name}`,
    );
    const foreground = remaining.some((r) => r.finalizers?.includes("foregroundDeletion"));
    const hint = foreground
        ? "; foreground deletion waits for the garbage collector (kube-controller-manager) to delete the dependent pods: is it running?"
        : "";
    return `runtime teardown in namespace ${namespace}: still present after ${timeoutSeconds} s: ${items.join(", ")}${hint}`;
}

/** Injectable pieces of runTeardown, for tests. */
export interface TeardownDeps {
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly pollSeconds?: number;
    readonly requestTimeoutMs?: number;
}

/**
 * Tears down `targets` (default: all of the state's): deletes their Workflows and waits until
 * they are gone, then deletes every planned object and waits until all are gone; throws when
 * the timeout passes (naming what is left). Failures other than NotFound (e.g. Forbidden) throw
 * after all deletions of the phase were attempted. Returns the Workflow steps, then the objects'.
 */
export async function runTeardown(state: RuntimeTeardownState, deps: TeardownDeps = {}, targets?: readonly StoredTarget[]): Promise<TeardownOutcome[]> {
    const now = deps.now ?? (() => Date.now());
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const pollMs = (deps.pollSeconds ?? DEFAULT_TEARDOWN_POLL_SECONDS) * 1000;
    const chosen = (targets ?? state.targets ?? []).filter((t) => t && typeof t === "object");
    const policy = state.controllerPropagationPolicy === "Background" ? "Background" : "Foreground";
    const refs: RuntimeObjectRef[] = [];
    for (const t of chosen) for (const o of t.objects ?? []) {
        const r = decodeRef(o);
        if (r) refs.push(r);
    }
    const selectors = [...new Set(chosen.flatMap((t) => (t.workflows ?? []).map((s) => String(s).trim()).filter(Boolean)))];
    const steps = planTeardown(state.namespace, refs, policy);
    if (steps.length === 0 && selectors.length === 0) return [];
    const deadline = now() + state.timeoutSeconds * 1000;
    const client = createKubeClient({ ...state.kube, timeoutMs: deps.requestTimeoutMs ?? 30000 });
    try {
        const errors: string[] = [];
        const outcomes = await deleteAndWait(client, state, await workflowsToStop(client, state.namespace, selectors, policy), deadline, now, sleep, pollMs, errors);
        if (errors.length > 0) throw new Error(`runtime teardown in namespace ${state.namespace} failed: ${errors.join("; ")}`);
        // What runs pods first, and only once it is gone the rest: a server pod still starting
        // could otherwise register a Service after that Service's deletion.
        const runsPods = (s: TeardownStep) => (s.kind in KIND_ORDER ? KIND_ORDER[s.kind] : 8) <= KIND_ORDER.Pod;
        outcomes.push(...(await deleteAndWait(client, state, steps.filter(runsPods), deadline, now, sleep, pollMs, errors)));
        outcomes.push(...(await deleteAndWait(client, state, steps.filter((s) => !runsPods(s)), deadline, now, sleep, pollMs, errors)));
        if (errors.length > 0) throw new Error(`runtime teardown in namespace ${state.namespace} failed: ${errors.join("; ")}`);
        return outcomes;
    } finally {
        client.close();
    }
}

/** The Workflows in `namespace` that any of `selectors` selects, as deletion steps (none when Argo's CRD is absent). */
async function workflowsToStop(client: KubeClient, namespace: string, selectors: readonly string[], policy: "Foreground" | "Background"): Promise<TeardownStep[]> {
    if (selectors.length === 0) return [];
    const collection = await client.resourcePath({ apiVersion: WORKFLOW_API_VERSION, kind: WORKFLOW_KIND, namespace });
    if (!collection) return [];
    const names = new Set<string>();
    for (const labelSelector of selectors) {
        let items: any[];
        try {
            items = await client.list(collection, { labelSelector });
        } catch (e) {
            throw new Error(`runtime teardown in namespace ${namespace}: cannot list the Workflows to stop (${labelSelector}): ${(e as Error).message}`);
        }
        for (const w of items) if (w && w.metadata && typeof w.metadata.name === "string") names.add(w.metadata.name);
    }
    return [...names].sort().map((name) => ({ apiVersion: WORKFLOW_API_VERSION, kind: WORKFLOW_KIND, name, namespace, propagationPolicy: policy }));
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
                return new Set(items.map((o: any) => (o && o.metadata ? String(o.metadata.name) : "")));
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
                    const meta = obj && obj.metadata ? obj.metadata : {};
                    const finalizers = meta.deletionTimestamp ? (Array.isArray(meta.finalizers) ? meta.finalizers.map(String) : []) : undefined;
                    still.push({ ...p, finalizers });
                }
            } catch (e) {
                const status = isKubeApiError(e) ? e.statusCode : undefined;
                if (status === 401 || status === 403) throw new Error(`runtime teardown: cannot check ${p.step.kind}/${p.step.name}: ${(e as Error).message}`);
                still.push(p); // transient: check again
            }
        }
        remaining = still;
        if (remaining.length === 0) break;
        const left = deadline - now();
        if (left <= 0) {
            throw new Error(teardownTimeoutMessage(state.namespace, remaining.map((r) => ({ kind: r.step.kind, name: r.step.name, finalizers: r.finalizers })), state.timeoutSeconds));
        }
        await sleep(Math.min(pollMs, left));
    }
    return outcomes;
}

/** The dynamic provider (exported for tests; Pulumi serializes it into the state). */
export const runtimeTeardownProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        const failures = checkTeardownInputs(news);
        return failures.length ? { inputs: news, failures } : { inputs: teardownInputs(news) };
    },
    async diff(_id: string, olds: any, news: any) {
        return diffTeardown(olds, news);
    },
    async create(news: any) {
        const s = teardownInputs(news);
        const crypto = require("crypto") as typeof import("crypto");
        return { id: `${s.namespace}/${crypto.randomUUID()}`, outs: s };
    },
    async update(_id: string, olds: any, news: any) {
        const s = teardownInputs(news);
        const old = teardownInputs(olds);
        // An instance or exporter dropped from config: its runs' objects go with it, as they
        // do on destroy. The old namespace is where they live; the new kubeconfig is how to
        // reach the cluster now.
        const removed = removedTargets(old, s);
        if (removed.length > 0) await runTeardown({ ...old, kube: s.kube, timeoutSeconds: s.timeoutSeconds }, {}, removed);
        return { outs: s };
    },
    async delete(_id: string, props: any) {
        await runTeardown(teardownInputs(props));
    },
};

/**
 * On `pulumi destroy`, deletes the Workflows of every target, then the runtime objects (created
 * by Argo runs, outside Pulumi) in `namespace`, and waits until they are gone. On update, does
 * the same for targets no longer declared. Does nothing at create.
 */
export class RuntimeTeardown extends pulumi.dynamic.Resource {
    public readonly namespace!: pulumi.Output<string>;
    public readonly targets!: pulumi.Output<StoredTarget[]>;
    public readonly timeoutSeconds!: pulumi.Output<number>;

    constructor(name: string, args: RuntimeTeardownArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            runtimeTeardownProvider,
            name,
            {
                kube: pulumi.secret(args.kube) /* whole object secret, see WorkflowRunCompletion */,
                namespace: args.namespace,
                targets: storedTargets(args.targets),
                timeoutSeconds: args.timeoutSeconds,
                controllerPropagationPolicy: args.controllerPropagationPolicy,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kube"] }),
            undefined,
            "RuntimeTeardown",
        );
    }
}
