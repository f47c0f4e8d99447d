/**
 * RuntimeTeardown: lets `pulumi destroy` remove the runtime objects that Argo runs created
 * outside Pulumi (server pod, locale Deployment, services, config maps, roles, ServiceMonitor…).
 *
 * create/update only record the list of objects; delete() deletes each of them in the
 * namespace (NotFound and kinds whose CRD is not installed are fine), then waits, bounded by
 * `timeoutSeconds`, until they are all gone. Give it a dependency on the namespace and on the
 * identities the objects use, so that Pulumi deletes it before those.
 *
 * The provider code is serialized into the state by Pulumi and runs in a separate Node process:
 * it uses only plain functions of this module and kube-client.ts. The kubeconfig content
 * arrives as a (secret) input and is kept in the secret output `kube`, because delete() only
 * receives the stored outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { createKubeClient, isKubeApiError, KubeAccess, KubeAccessInput, KubeClient } from "./kube-client";

/** The engine's placeholder for values unknown during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const DEFAULT_TEARDOWN_POLL_SECONDS = 2;

/** An object to remove, in the RuntimeTeardown's namespace. */
export interface RuntimeObjectRef {
    /** "v1", "apps/v1", "monitoring.coreos.com/v1"… */
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
}

export interface RuntimeTeardownArgs {
    /** How to reach the cluster at destroy time. Pass the kubeconfig content as a secret. */
    readonly kube: pulumi.Input<KubeAccessInput>;
    /** Namespace the objects live in. */
    readonly namespace: pulumi.Input<string>;
    /** Objects to delete on destroy. */
    readonly refs: pulumi.Input<pulumi.Input<RuntimeObjectRef>[]>;
    /** Upper bound, in seconds, of the wait until every object is gone. */
    readonly timeoutSeconds: pulumi.Input<number>;
    /**
     * How controllers (Deployment, StatefulSet, Job…) are deleted. Default "Foreground": the
     * teardown also waits for their pods, which needs the cluster's garbage collector. "Background"
     * returns once the controller object is gone and leaves its pods to the garbage collector.
     */
    readonly controllerPropagationPolicy?: pulumi.Input<"Foreground" | "Background">;
}

/** Stored state of RuntimeTeardown. */
export interface RuntimeTeardownState {
    kube: KubeAccess;
    namespace: string;
    refs: RuntimeObjectRef[];
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

/** Result of one step, as delete() met it. */
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
    if (n.refs !== UNKNOWN) {
        if (!Array.isArray(n.refs)) f.push({ property: "refs", reason: "refs must be a list" });
        else {
            n.refs.forEach((r: any, i: number) => {
                if (r === UNKNOWN) return;
                for (const key of ["apiVersion", "kind", "name"]) {
                    const v = r ? r[key] : undefined;
                    if (v !== UNKNOWN && (typeof v !== "string" || !v.trim())) f.push({ property: `refs[${i}].${key}`, reason: `${key} is required` });
                }
                if (r && typeof r.name === "string" && r.name.includes("/")) f.push({ property: `refs[${i}].name`, reason: "name must not contain '/'" });
            });
        }
    }
    return f;
}

/** Keeps only the input fields (kube reduced to the KubeAccess keys, refs to their three keys). Pure. */
export function teardownInputs(news: any): RuntimeTeardownState {
    const k = news.kube ?? {};
    let kube: any = k;
    if (k !== UNKNOWN) {
        kube = {};
        if (typeof k.kubeconfig === "string" && k.kubeconfig) kube.kubeconfig = k.kubeconfig;
        if (typeof k.kubeconfigPath === "string" && k.kubeconfigPath) kube.kubeconfigPath = k.kubeconfigPath;
        if (typeof k.context === "string" && k.context) kube.context = k.context;
    }
    const refs = Array.isArray(news.refs)
        ? news.refs.map((r: any) => (r && typeof r === "object" ? { apiVersion: r.apiVersion, kind: r.kind, name: r.name } : r))
        : news.refs;
    const out: RuntimeTeardownState = { kube, namespace: news.namespace, refs, timeoutSeconds: news.timeoutSeconds };
    if (typeof news.controllerPropagationPolicy === "string" && news.controllerPropagationPolicy) out.controllerPropagationPolicy = news.controllerPropagationPolicy;
    return out;
}

/** Diff of stored state against new inputs: any change is an in-place update, never a replacement. Pure. */
export function diffTeardown(olds: any, news: any): { changes: boolean; replaces: string[] } {
    const a = teardownInputs(olds ?? {});
    const b = teardownInputs(news ?? {});
    return { changes: JSON.stringify(a) !== JSON.stringify(b), replaces: [] };
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
 * Deletes every planned object, then waits until all are gone or the timeout passes (then it
 * throws, naming what is left). Failures other than NotFound (e.g. Forbidden) throw after all
 * deletions were attempted.
 */
export async function runTeardown(state: RuntimeTeardownState, deps: TeardownDeps = {}): Promise<TeardownOutcome[]> {
    const now = deps.now ?? (() => Date.now());
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const pollMs = (deps.pollSeconds ?? DEFAULT_TEARDOWN_POLL_SECONDS) * 1000;
    const steps = planTeardown(state.namespace, state.refs ?? [], state.controllerPropagationPolicy === "Background" ? "Background" : "Foreground");
    if (steps.length === 0) return [];
    const deadline = now() + state.timeoutSeconds * 1000;
    const client = createKubeClient({ ...state.kube, timeoutMs: deps.requestTimeoutMs ?? 30000 });
    try {
        return await deleteAndWait(client, state, steps, deadline, now, sleep, pollMs);
    } finally {
        client.close();
    }
}

async function deleteAndWait(
    client: KubeClient,
    state: RuntimeTeardownState,
    steps: TeardownStep[],
    deadline: number,
    now: () => number,
    sleep: (ms: number) => Promise<void>,
    pollMs: number,
): Promise<TeardownOutcome[]> {
    const outcomes: TeardownOutcome[] = [];
    const pending: { step: TeardownStep; path: string }[] = [];
    const errors: string[] = [];
    for (const step of steps) {
        try {
            const path = await client.resourcePath(step);
            if (!path) {
                outcomes.push({ step, result: "unknownKind" });
                continue;
            }
            const existed = await client.delete(path, { propagationPolicy: step.propagationPolicy });
            outcomes.push({ step, result: existed ? "deleted" : "absent" });
            if (existed) pending.push({ step, path });
        } catch (e) {
            errors.push(`${step.kind}/${step.name}: ${(e as Error).message}`);
        }
    }
    if (errors.length > 0) {
        throw new Error(`runtime teardown in namespace ${state.namespace} failed: ${errors.join("; ")}`);
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
    async update(_id: string, _olds: any, news: any) {
        return { outs: teardownInputs(news) };
    },
    async delete(_id: string, props: any) {
        await runTeardown(teardownInputs(props));
    },
};

/**
 * On `pulumi destroy`, deletes the runtime objects (created by Argo runs, outside Pulumi) that
 * `refs` names in `namespace`, and waits until they are gone. Does nothing at create/update.
 */
export class RuntimeTeardown extends pulumi.dynamic.Resource {
    public readonly namespace!: pulumi.Output<string>;
    public readonly refs!: pulumi.Output<RuntimeObjectRef[]>;
    public readonly timeoutSeconds!: pulumi.Output<number>;

    constructor(name: string, args: RuntimeTeardownArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            runtimeTeardownProvider,
            name,
            {
                kube: pulumi.secret(args.kube) /* whole object secret, see WorkflowRunCompletion */,
                namespace: args.namespace,
                refs: args.refs,
                timeoutSeconds: args.timeoutSeconds,
                controllerPropagationPolicy: args.controllerPropagationPolicy,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kube"] }),
            undefined,
            "RuntimeTeardown",
        );
    }
}
