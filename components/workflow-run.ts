/**
 * WorkflowRunCompletion: blocks `pulumi up` until an Argo Workflow finishes, and fails the
 * update when the Workflow fails, errors or runs past its timeout.
 *
 * The Workflow object itself is an ordinary Kubernetes resource declared elsewhere; this dynamic
 * resource only watches it (create/update poll it; delete does nothing). The provider code is
 * serialized into the state by Pulumi and runs in a separate Node process, so it only uses the
 * plain functions of this module and of kube-client.ts; the kubeconfig content reaches it as a
 * (secret) input and is echoed in the secret output `kube` so that later operations can reach
 * the cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { createKubeClient, isKubeApiError, KubeAccess, KubeAccessInput, KubeClient } from "./kube-client";

export type { KubeAccess, KubeAccessInput } from "./kube-client";

export const DEFAULT_WORKFLOW_POLL_SECONDS = 5;
/** How long a Workflow may be absent (not yet visible, or deleted) before the wait fails. */
export const WORKFLOW_NOT_FOUND_GRACE_SECONDS = 30;

/** The engine's placeholder for values unknown during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface WorkflowRunCompletionArgs {
    /** How to reach the cluster. Pass the kubeconfig content as a secret (`pulumi.secret`). */
    readonly kube: pulumi.Input<KubeAccessInput>;
    /** Namespace of the Workflow. */
    readonly namespace: pulumi.Input<string>;
    /** metadata.name of the Workflow. */
    readonly workflowName: pulumi.Input<string>;
    /**
     * metadata.uid of the Workflow (optional, recommended). When given, a Workflow replaced under
     * the same name is waited for again, and an object with another uid is not mistaken for it.
     */
    readonly workflowUid?: pulumi.Input<string>;
    /** Give up (and fail the update) after this many seconds. */
    readonly timeoutSeconds: pulumi.Input<number>;
    /** Seconds between polls. Default 5. */
    readonly pollSeconds?: pulumi.Input<number>;
}

/** What interpretWorkflowStatus makes of a Workflow object. */
export interface WorkflowStatusInterpretation {
    /** The Workflow reached a final phase (Succeeded, Failed or Error). */
    readonly done: boolean;
    /** The Workflow Succeeded. */
    readonly ok: boolean;
    /** status.phase, or "Pending" when there is no status yet. */
    readonly phase: string;
    /** status.message; for a failure without one, the first failing node's `<name>: <message>`. */
    readonly message: string;
    readonly startedAt?: string;
    readonly finishedAt?: string;
}

/** Stored state of WorkflowRunCompletion. */
export interface WorkflowRunState {
    kube: KubeAccess;
    namespace: string;
    workflowName: string;
    workflowUid?: string;
    timeoutSeconds: number;
    pollSeconds?: number;
    phase: string;
    message: string;
    startedAt: string;
    finishedAt: string;
}

/** The message of the failing node that explains a failure best, or "" when there is none. Pure. */
export function failingNodeMessage(nodes: unknown): string {
    if (!nodes || typeof nodes !== "object") return "";
    const failed = Object.values(nodes as Record<string, any>).filter(
        (n) => n && typeof n === "object" && (n.phase === "Failed" || n.phase === "Error") && typeof n.message === "string" && n.message.trim(),
    );
    if (failed.length === 0) return "";
    // Leaves (pods) carry the cause; DAG/Steps nodes only say "child 'x' failed". The earliest wins.
    const leafTypes = ["Pod", "Container", "HTTP", "Plugin", "Suspend"];
    const rank = (n: any) => (leafTypes.includes(n.type) ? 0 : 1);
    const time = (n: any) => {
        const t = Date.parse(n.finishedAt || n.startedAt || "");
        return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
    };
    failed.sort((a, b) => rank(a) - rank(b) || time(a) - time(b) || String(a.id ?? "").localeCompare(String(b.id ?? "")));
    const n = failed[0];
    const label = n.displayName || n.name || n.id || "";
    return label ? `${label}: ${n.message.trim()}` : n.message.trim();
}

/** Reads an Argo Workflow object's status. Pure. */
export function interpretWorkflowStatus(obj: unknown): WorkflowStatusInterpretation {
    const status = obj && typeof obj === "object" ? (obj as any).status : undefined;
    if (!status || typeof status !== "object") {
        return { done: false, ok: false, phase: "Pending", message: "" };
    }
    const phase = typeof status.phase === "string" && status.phase ? status.phase : "Pending";
    const statusMessage = typeof status.message === "string" ? status.message.trim() : "";
    const startedAt = typeof status.startedAt === "string" && status.startedAt ? status.startedAt : undefined;
    const finishedAt = typeof status.finishedAt === "string" && status.finishedAt ? status.finishedAt : undefined;
    const base = { phase, startedAt, finishedAt };
    switch (phase) {
        case "Succeeded":
            return { ...base, done: true, ok: true, message: statusMessage };
        case "Failed":
        case "Error":
            return { ...base, done: true, ok: false, message: statusMessage || failingNodeMessage(status.nodes) || "no message" };
        default:
            return { ...base, done: false, ok: false, message: statusMessage };
    }
}

/** Whether a change from `olds` to `news` means a different run to wait for. Pure. */
export function workflowRunIdentityChanged(olds: Partial<WorkflowRunState>, news: Partial<WorkflowRunState>): boolean {
    return olds.namespace !== news.namespace || olds.workflowName !== news.workflowName || (olds.workflowUid ?? "") !== (news.workflowUid ?? "");
}

/** Diff of stored state against new inputs. Never a replacement. Pure. */
export function diffWorkflowRun(olds: Partial<WorkflowRunState>, news: Partial<WorkflowRunState>): { changes: boolean; replaces: string[] } {
    const changed =
        workflowRunIdentityChanged(olds, news) ||
        olds.timeoutSeconds !== news.timeoutSeconds ||
        (olds.pollSeconds ?? null) !== (news.pollSeconds ?? null) ||
        JSON.stringify(olds.kube ?? {}) !== JSON.stringify(news.kube ?? {});
    return { changes: changed, replaces: [] };
}

/** Validation failures of the inputs (empty when valid). Pure. */
export function checkWorkflowRunInputs(news: any): { property: string; reason: string }[] {
    const f: { property: string; reason: string }[] = [];
    const n = news ?? {};
    const known = (v: unknown) => v !== UNKNOWN;
    if (known(n.kube) && (typeof n.kube !== "object" || n.kube === null)) f.push({ property: "kube", reason: "kube must be an object" });
    if (known(n.namespace) && (typeof n.namespace !== "string" || !n.namespace)) f.push({ property: "namespace", reason: "namespace is required" });
    if (known(n.workflowName) && (typeof n.workflowName !== "string" || !n.workflowName)) f.push({ property: "workflowName", reason: "workflowName is required" });
    if (known(n.timeoutSeconds) && (typeof n.timeoutSeconds !== "number" || !(n.timeoutSeconds > 0))) {
        f.push({ property: "timeoutSeconds", reason: "timeoutSeconds must be a positive number" });
    }
    if (n.pollSeconds !== undefined && known(n.pollSeconds) && (typeof n.pollSeconds !== "number" || !(n.pollSeconds > 0))) {
        f.push({ property: "pollSeconds", reason: "pollSeconds must be a positive number" });
    }
    return f;
}

/** Injectable pieces of waitForWorkflow, for tests. */
export interface WaitDeps {
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
    /** Request timeout of the kube client, ms. */
    readonly requestTimeoutMs?: number;
}

/**
 * Polls the Workflow until it finishes. Resolves with the outputs on Succeeded; rejects with
 * `Argo Workflow <ns>/<name> <phase>: <message>` on Failed/Error, and with
 * `Argo Workflow <ns>/<name> did not finish within N s (phase: P)` on timeout. Transient API
 * errors (timeouts, 5xx, 429, connection errors) are retried until the deadline; 401/403 fail at once.
 */
export async function waitForWorkflow(
    inputs: Pick<WorkflowRunState, "kube" | "namespace" | "workflowName" | "workflowUid" | "timeoutSeconds" | "pollSeconds">,
    deps: WaitDeps = {},
): Promise<{ phase: string; message: string; startedAt: string; finishedAt: string }> {
    const now = deps.now ?? (() => Date.now());
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const ns = inputs.namespace;
    const name = inputs.workflowName;
    const label = `Argo Workflow ${ns}/${name}`;
    const start = now();
    const deadline = start + inputs.timeoutSeconds * 1000;
    const client = createKubeClient({ ...inputs.kube, timeoutMs: deps.requestTimeoutMs ?? 30000 });
    const path = `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/workflows/${encodeURIComponent(name)}`;
    try {
        return await pollWorkflow(client, path, label, inputs, now, sleep, deadline);
    } finally {
        client.close();
    }
}

async function pollWorkflow(
    client: KubeClient,
    path: string,
    label: string,
    inputs: Pick<WorkflowRunState, "workflowUid" | "timeoutSeconds" | "pollSeconds">,
    now: () => number,
    sleep: (ms: number) => Promise<void>,
    deadline: number,
): Promise<{ phase: string; message: string; startedAt: string; finishedAt: string }> {
    const pollMs = Math.max(0.05, inputs.pollSeconds ?? DEFAULT_WORKFLOW_POLL_SECONDS) * 1000;
    let phase = "Unknown";
    let lastProblem = "";
    let missingSince: number | undefined;
    for (;;) {
        let obj: any;
        try {
            obj = await client.getOptional(path);
            lastProblem = "";
        } catch (e) {
            const status = isKubeApiError(e) ? e.statusCode : undefined;
            if (status === 401 || status === 403 || status === 400) throw new Error(`${label}: cannot read it: ${(e as Error).message}`);
            lastProblem = (e as Error).message;
            obj = null; // transient: retry
        }
        if (obj === undefined) {
            phase = "NotFound";
            missingSince = missingSince ?? now();
            if (now() - missingSince >= WORKFLOW_NOT_FOUND_GRACE_SECONDS * 1000) {
                throw new Error(`${label} not found (it was never created, or was deleted before it finished)`);
            }
        } else if (obj) {
            missingSince = undefined;
            const uid = obj.metadata?.uid;
            if (inputs.workflowUid && uid && uid !== inputs.workflowUid) {
                throw new Error(`${label} has uid ${uid}, not the expected ${inputs.workflowUid}: the Workflow was replaced`);
            }
            const st = interpretWorkflowStatus(obj);
            phase = st.phase;
            if (st.done) {
                if (!st.ok) throw new Error(`${label} ${st.phase}: ${st.message}`);
                return { phase: st.phase, message: st.message, startedAt: st.startedAt ?? "", finishedAt: st.finishedAt ?? "" };
            }
        }
        const remaining = deadline - now();
        if (remaining <= 0) {
            throw new Error(`${label} did not finish within ${inputs.timeoutSeconds} s (phase: ${phase})${lastProblem ? `; last API error: ${lastProblem}` : ""}`);
        }
        await sleep(Math.min(pollMs, remaining));
    }
}

/**
 * Keeps only the input fields, with `kube` reduced to the three KubeAccess keys (values unknown
 * during preview pass through untouched). Pure.
 */
export function workflowRunInputs(news: any): Pick<WorkflowRunState, "kube" | "namespace" | "workflowName" | "workflowUid" | "timeoutSeconds" | "pollSeconds"> {
    const k = news.kube ?? {};
    let kube: any = k;
    if (k !== UNKNOWN) {
        kube = {};
        if (typeof k.kubeconfig === "string" && k.kubeconfig) kube.kubeconfig = k.kubeconfig;
        if (typeof k.kubeconfigPath === "string" && k.kubeconfigPath) kube.kubeconfigPath = k.kubeconfigPath;
        if (typeof k.context === "string" && k.context) kube.context = k.context;
    }
    const out: any = { kube, namespace: news.namespace, workflowName: news.workflowName, timeoutSeconds: news.timeoutSeconds };
    if (typeof news.workflowUid === "string" && news.workflowUid) out.workflowUid = news.workflowUid;
    if (typeof news.pollSeconds === "number" || news.pollSeconds === UNKNOWN) out.pollSeconds = news.pollSeconds;
    return out;
}

/** The dynamic provider (exported for tests; Pulumi serializes it into the state). */
export const workflowRunProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        const failures = checkWorkflowRunInputs(news);
        return failures.length ? { inputs: news, failures } : { inputs: workflowRunInputs(news) };
    },
    async diff(_id: string, olds: any, news: any) {
        return diffWorkflowRun(olds, news);
    },
    async create(news: any) {
        const inputs = workflowRunInputs(news);
        const result = await waitForWorkflow(inputs);
        return { id: `${inputs.namespace}/${inputs.workflowName}`, outs: { ...inputs, ...result } };
    },
    async update(_id: string, olds: any, news: any) {
        const inputs = workflowRunInputs(news);
        if (!workflowRunIdentityChanged(olds, inputs) && olds.phase === "Succeeded") {
            // Same run, only settings changed: keep the recorded result.
            return { outs: { ...inputs, phase: olds.phase, message: olds.message ?? "", startedAt: olds.startedAt ?? "", finishedAt: olds.finishedAt ?? "" } };
        }
        const result = await waitForWorkflow(inputs);
        return { outs: { ...inputs, ...result } };
    },
    async delete() {
        // Nothing to do: the Workflow object is a separate Kubernetes resource.
    },
};

/**
 * Waits, at create (and when the watched Workflow changes), until an Argo Workflow Succeeded;
 * fails the deployment when it Failed, Errored or timed out.
 */
export class WorkflowRunCompletion extends pulumi.dynamic.Resource {
    /** Final phase: "Succeeded" (failures fail the deployment instead). */
    public readonly phase!: pulumi.Output<string>;
    /** status.message of the Workflow ("" when none). */
    public readonly message!: pulumi.Output<string>;
    /** status.startedAt (RFC 3339). */
    public readonly startedAt!: pulumi.Output<string>;
    /** status.finishedAt (RFC 3339). */
    public readonly finishedAt!: pulumi.Output<string>;
    public readonly namespace!: pulumi.Output<string>;
    public readonly workflowName!: pulumi.Output<string>;

    constructor(name: string, args: WorkflowRunCompletionArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            workflowRunProvider,
            name,
            {
                // The whole object is a secret: the engine then keeps it secret in checked inputs and
                // outputs whatever it does with nested secrets, since dynamic providers take plaintext.
                kube: pulumi.secret(args.kube),
                namespace: args.namespace,
                workflowName: args.workflowName,
                workflowUid: args.workflowUid,
                timeoutSeconds: args.timeoutSeconds,
                pollSeconds: args.pollSeconds,
                phase: undefined,
                message: undefined,
                startedAt: undefined,
                finishedAt: undefined,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kube"] }),
            undefined,
            "WorkflowRunCompletion",
        );
    }
}
