/**
 * WorkflowRunCompletion: blocks `pulumi up` until an Argo Workflow finishes, and fails the
 * update when the Workflow fails, errors or runs past its timeout.
 *
 * The Workflow object itself is an ordinary Kubernetes resource declared elsewhere; this dynamic
 * resource only watches it (create/update poll it; delete does nothing). Serialization, the
 * secret `kube` input and output: see provider.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { Clock, realTime } from "./clock";
import { type KubeClient, type KubeObject, withKubeClient } from "./kube-client";
import { apiStatus, isAuthFailure } from "./kube-http";
import type { KubeAccess, KubeAccessInput } from "./kubeconfig";
import { dynamicProvider, Failure, fieldsOf, inputFailures, kubeAccessOf, kubeDynamicResource, UNKNOWN } from "./provider";
import { FAILURE_REASONS_OUTPUT, projectLabel } from "../names";

const DEFAULT_WORKFLOW_POLL_SECONDS = 5;
/** How long past its deadline a Workflow may stay Running before the wait nudges the controller, and how often after that. */
const DEADLINE_NUDGE_SECONDS = 15;
/** How long a Workflow may be absent (not yet visible, or deleted) before the wait fails. */
const WORKFLOW_NOT_FOUND_GRACE_SECONDS = 30;

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
    /** metadata.name of the Workflow. */
    workflowName: string;
    workflowUid?: string;
    timeoutSeconds: number;
    pollSeconds?: number;
    /** Final phase: "Succeeded" (failures fail the deployment instead). */
    phase: string;
    /** status.message of the Workflow ("" when none). */
    message: string;
    /** status.startedAt (RFC 3339). */
    startedAt: string;
    /** status.finishedAt (RFC 3339). */
    finishedAt: string;
}

/** A node of a Workflow's status.nodes, as read here (the values are unchecked). */
type WorkflowNodeFields = "id" | "name" | "displayName" | "type" | "phase" | "message" | "startedAt" | "finishedAt";

/** A failed node with a message. */
type FailedNode = { readonly [P in WorkflowNodeFields]?: unknown } & { readonly message: string };

/** The message of the failing node that explains a failure best, or "" when there is none. Pure. */
export function failingNodeMessage(nodes: unknown): string {
    if (!nodes || typeof nodes !== "object") return "";
    const values: unknown[] = Object.values(nodes);
    const failed = values.filter((node): node is FailedNode => {
        if (!node || typeof node !== "object") return false;
        const n = fieldsOf<WorkflowNodeFields>(node);
        return (n.phase === "Failed" || n.phase === "Error") && typeof n.message === "string" && n.message.trim() !== "";
    });
    if (failed.length === 0) return "";
    // Leaves (pods) carry the cause; DAG/Steps nodes only say "child 'x' failed". The earliest wins.
    const leafTypes: readonly unknown[] = ["Pod", "Container", "HTTP", "Plugin", "Suspend"];
    const rank = (n: FailedNode) => (leafTypes.includes(n.type) ? 0 : 1);
    const time = (n: FailedNode) => {
        const t = Date.parse(String(n.finishedAt || n.startedAt || ""));
        return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
    };
    failed.sort((a, b) => rank(a) - rank(b) || time(a) - time(b) || String(a.id ?? "").localeCompare(String(b.id ?? "")));
    const n = failed[0];
    const label = n.displayName || n.name || n.id || "";
    return label ? `${label}: ${n.message.trim()}` : n.message.trim();
}

/** The step a node's display name stands for: a step with a retryStrategy runs as `<step>(<attempt>)`. Pure. */
export function stepOf(displayName: string): string {
    return displayName.replace(/\(\d+\)$/, "");
}

/**
 * The `failure-reasons` output of a failed deploy (why its pods were not ready), or "". The exit
 * handler computes it after Argo has settled the Workflow's own outputs, so v4.0.5 keeps it only
 * on the exit handler's node: that is where it is looked for when the Workflow's outputs lack it.
 * Pure.
 */
export function failureReasons(status: { outputs?: unknown; nodes?: unknown }): string {
    const inOutputs = (outputs: unknown) => {
        const parameters = outputs && typeof outputs === "object" ? fieldsOf<"parameters">(outputs).parameters : undefined;
        if (!Array.isArray(parameters)) return undefined;
        const found = parameters.map((p) => fieldsOf<"name" | "value">(p)).find((p) => p.name === FAILURE_REASONS_OUTPUT);
        return typeof found?.value === "string" && found.value.trim() ? found.value.trim() : undefined;
    };
    const nodes = status.nodes && typeof status.nodes === "object" ? Object.values(status.nodes as Record<string, unknown>) : [];
    const fromNodes = nodes
        .map((n) => (n && typeof n === "object" ? inOutputs(fieldsOf<"outputs">(n).outputs) : undefined))
        .filter((v): v is string => v !== undefined)
        .sort();
    return inOutputs(status.outputs) ?? fromNodes[0] ?? "";
}

/**
 * The pod steps that wait to be scheduled, and the scheduler's reason (Argo's node message while
 * the pod is Pending: `Unschedulable: 0/3 nodes are available: ...`). Argo replaces it with "Step
 * exceeded its deadline" when it gives up on the pod, so a waiter keeps what it saw. Pure.
 */
export function unschedulableSteps(obj: unknown): Record<string, string> {
    const raw = obj && typeof obj === "object" ? fieldsOf<"status">(obj).status : undefined;
    const nodes = raw && typeof raw === "object" ? fieldsOf<"nodes">(raw).nodes : undefined;
    if (!nodes || typeof nodes !== "object") return {};
    const found: Record<string, string> = {};
    for (const node of Object.values(nodes)) {
        const n = fieldsOf<WorkflowNodeFields>(node);
        if (n.phase === "Pending" && typeof n.message === "string" && n.message.startsWith("Unschedulable"))
            found[stepOf(String(n.displayName || n.name || n.id))] = n.message.trim();
    }
    return found;
}

/**
 * Whether a Workflow is still running past its `activeDeadlineSeconds` (its own, or its
 * template's as Argo stored it) by more than `graceSeconds`. Argo v4.0.5 schedules a look at
 * the deadline only when a Workflow starts, and an earlier requeue replaces that; when every pod
 * waits to be scheduled nothing else wakes the controller until its 20-minute resync. Pure.
 */
export function overdue(obj: unknown, nowMs: number, graceSeconds: number): boolean {
    const o = obj && typeof obj === "object" ? fieldsOf<"spec" | "status">(obj) : {};
    const status = o.status && typeof o.status === "object" ? fieldsOf<"phase" | "startedAt" | "storedWorkflowTemplateSpec">(o.status) : {};
    const deadlineOf = (spec: unknown) =>
        spec && typeof spec === "object" ? fieldsOf<"activeDeadlineSeconds">(spec).activeDeadlineSeconds : undefined;
    const deadline = deadlineOf(o.spec) ?? deadlineOf(status.storedWorkflowTemplateSpec);
    const started = typeof status.startedAt === "string" ? Date.parse(status.startedAt) : NaN;
    if (status.phase !== "Running" || typeof deadline !== "number" || Number.isNaN(started)) return false;
    return nowMs > started + (deadline + graceSeconds) * 1000;
}

/** Reads an Argo Workflow object's status. Pure. */
export function interpretWorkflowStatus(obj: unknown): WorkflowStatusInterpretation {
    const raw = obj && typeof obj === "object" ? fieldsOf<"status">(obj).status : undefined;
    if (!raw || typeof raw !== "object") {
        return { done: false, ok: false, phase: "Pending", message: "" };
    }
    const status = fieldsOf<"phase" | "message" | "startedAt" | "finishedAt" | "nodes" | "outputs">(raw);
    const phase = typeof status.phase === "string" && status.phase ? status.phase : "Pending";
    const statusMessage = typeof status.message === "string" ? status.message.trim() : "";
    const startedAt = typeof status.startedAt === "string" && status.startedAt ? status.startedAt : undefined;
    const finishedAt = typeof status.finishedAt === "string" && status.finishedAt ? status.finishedAt : undefined;
    const base = { phase, startedAt, finishedAt };
    switch (phase) {
        case "Succeeded":
            return { ...base, done: true, ok: true, message: statusMessage };
        case "Failed":
        case "Error": {
            const message = statusMessage || failingNodeMessage(status.nodes) || "no message";
            const reasons = failureReasons(status);
            return { ...base, done: true, ok: false, message: reasons ? `${message}; ${FAILURE_REASONS_OUTPUT}: ${reasons}` : message };
        }
        default:
            return { ...base, done: false, ok: false, message: statusMessage };
    }
}

/** Whether a change from `olds` to `news` means a different run to wait for. Pure. */
export function workflowRunIdentityChanged(olds: Partial<WorkflowRunState>, news: Partial<WorkflowRunState>): boolean {
    return (
        olds.namespace !== news.namespace ||
        olds.workflowName !== news.workflowName ||
        (olds.workflowUid ?? "") !== (news.workflowUid ?? "")
    );
}

/** Diff of stored state against new inputs. Never a replacement. Pure. */
export function diffWorkflowRun(
    olds: Partial<WorkflowRunState>,
    news: Partial<WorkflowRunState>,
): { changes: boolean; replaces: string[] } {
    const changed =
        workflowRunIdentityChanged(olds, news) ||
        olds.timeoutSeconds !== news.timeoutSeconds ||
        (olds.pollSeconds ?? null) !== (news.pollSeconds ?? null) ||
        JSON.stringify(olds.kube ?? {}) !== JSON.stringify(news.kube ?? {});
    return { changes: changed, replaces: [] };
}

/** Validation failures of the inputs (empty when valid). Pure. */
export function checkWorkflowRunInputs(news: unknown): Failure[] {
    return inputFailures(news, {
        kube: "object",
        namespace: "string",
        workflowName: "string",
        timeoutSeconds: "positive",
        pollSeconds: "positive?",
    });
}

/** Injectable pieces of waitForWorkflow, for tests. */
export interface WaitDeps extends Clock {
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
    const { now, sleep } = realTime(deps);
    const ns = inputs.namespace;
    const name = inputs.workflowName;
    const label = `Argo Workflow ${ns}/${name}`;
    const deadline = now() + inputs.timeoutSeconds * 1000;
    const path = `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/workflows/${encodeURIComponent(name)}`;
    return withKubeClient(inputs.kube, deps.requestTimeoutMs, (client) => pollWorkflow(client, path, label, inputs, now, sleep, deadline));
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
    let lastProblem: string;
    let missingSince: number | undefined;
    const unschedulable = new Map<string, string>();
    let nudged = 0;
    for (;;) {
        let obj: KubeObject | null | undefined;
        try {
            obj = await client.getOptional(path);
            lastProblem = "";
        } catch (e) {
            if (isAuthFailure(e) || apiStatus(e) === 400)
                throw new Error(`${label}: cannot read it: ${(e as Error).message}`, { cause: e });
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
            for (const [step, reason] of Object.entries(unschedulableSteps(obj))) unschedulable.set(step, reason);
            if (overdue(obj, now(), DEADLINE_NUDGE_SECONDS) && now() - nudged >= DEADLINE_NUDGE_SECONDS * 1000) {
                // Any update of the Workflow makes the controller look at it, and fail it as its deadline says.
                nudged = now();
                const annotation = { metadata: { annotations: { [projectLabel("deadline-check")]: new Date(nudged).toISOString() } } };
                await client.request("PATCH", path, annotation).catch(() => undefined);
            }
            if (st.done) {
                const waited = [...unschedulable].map(([step, reason]) => `${step}: ${reason}`).join("; ");
                if (!st.ok) throw new Error(`${label} ${st.phase}: ${st.message}${waited ? ` (while Pending, ${waited})` : ""}`);
                return { phase: st.phase, message: st.message, startedAt: st.startedAt ?? "", finishedAt: st.finishedAt ?? "" };
            }
        }
        const remaining = deadline - now();
        if (remaining <= 0) {
            throw new Error(
                `${label} did not finish within ${inputs.timeoutSeconds} s (phase: ${phase})${lastProblem ? `; last API error: ${lastProblem}` : ""}`,
            );
        }
        await sleep(Math.min(pollMs, remaining));
    }
}

/**
 * Keeps only the input fields, with `kube` reduced to the three KubeAccess keys (values unknown
 * during preview pass through untouched). Pure.
 */
export function workflowRunInputs(inputs: unknown): WorkflowRunInputs {
    const news = fieldsOf<keyof WorkflowRunInputs>(inputs);
    // Kept as given: check() has validated them (during preview they may be the engine's unknown sentinel).
    const out: WorkflowRunInputs = {
        kube: kubeAccessOf(news.kube),
        namespace: news.namespace as string,
        workflowName: news.workflowName as string,
        timeoutSeconds: news.timeoutSeconds as number,
    };
    if (typeof news.workflowUid === "string" && news.workflowUid) out.workflowUid = news.workflowUid;
    if (typeof news.pollSeconds === "number" || news.pollSeconds === UNKNOWN) out.pollSeconds = news.pollSeconds as number;
    return out;
}

/** The stored form of WorkflowRunCompletion's inputs. */
export type WorkflowRunInputs = Pick<
    WorkflowRunState,
    "kube" | "namespace" | "workflowName" | "workflowUid" | "timeoutSeconds" | "pollSeconds"
>;

/** WorkflowRunCompletion's provider (exported for tests; Pulumi serializes it into the state). */
export const workflowRunProvider: pulumi.dynamic.ResourceProvider = dynamicProvider<WorkflowRunInputs, WorkflowRunState>(
    { failures: checkWorkflowRunInputs, inputs: workflowRunInputs, diff: diffWorkflowRun },
    {
        async create(inputs) {
            const result = await waitForWorkflow(inputs);
            return { id: `${inputs.namespace}/${inputs.workflowName}`, outs: { ...inputs, ...result } };
        },
        async update(olds, inputs) {
            if (!workflowRunIdentityChanged(olds, inputs) && olds.phase === "Succeeded") {
                // Same run, only settings changed: keep the recorded result.
                return {
                    ...inputs,
                    phase: olds.phase,
                    message: olds.message ?? "",
                    startedAt: olds.startedAt ?? "",
                    finishedAt: olds.finishedAt ?? "",
                };
            }
            return { ...inputs, ...(await waitForWorkflow(inputs)) };
        },
        async delete() {
            // Nothing to do: the Workflow object is a separate Kubernetes resource.
        },
    },
);

/**
 * Waits, at create (and when the watched Workflow changes), until an Argo Workflow Succeeded;
 * fails the deployment when it Failed, Errored or timed out.
 */
export class WorkflowRunCompletion extends kubeDynamicResource<Omit<WorkflowRunState, "kube">>(
    "WorkflowRunCompletion",
    workflowRunProvider,
) {
    constructor(name: string, args: WorkflowRunCompletionArgs, opts?: pulumi.CustomResourceOptions) {
        const { kube, namespace, workflowName, workflowUid, timeoutSeconds, pollSeconds } = args;
        // The outputs the provider adds are declared (undefined) so that the resource exposes them.
        const outputs = { phase: undefined, message: undefined, startedAt: undefined, finishedAt: undefined };
        super(name, { kube, namespace, workflowName, workflowUid, timeoutSeconds, pollSeconds, ...outputs }, opts);
    }
}
