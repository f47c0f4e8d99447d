/**
 * Where each second of a workflow run goes, from the API server's objects captured while it ran:
 * the Workflow's status.nodes and the last version a watch saw of every pod (podGC deletes the
 * step pods on success, so they cannot be read afterwards). Pure: objects in, figures out.
 *
 * The API server writes its timestamps with one-second resolution, so every figure here is whole
 * seconds and each boundary is ±1 s; none is given finer.
 */
import { stepOf } from "../../components/dynamic/workflow-run-completion";

/** An Argo node as status.nodes holds it (the fields read here). */
export interface WorkflowNode {
    readonly id: string;
    readonly name: string;
    readonly displayName: string;
    readonly type: string;
    readonly startedAt?: string;
    readonly finishedAt?: string;
    readonly children?: readonly string[];
}

/** Where a step's time went, s: consecutive phases, in this order, that add up to `totalS`. */
export interface StepPhases {
    /** The step before it finished (the Workflow created, for a first step) → its pod created: the controller's pickup. */
    readonly pickupS: number;
    /** Pod created → PodScheduled. */
    readonly schedulingS: number;
    /** Scheduled → first init container started: the sandbox (pause container, network). */
    readonly sandboxS: number;
    /** First init container started → the last finished: Argo's `init` (argoexec init). */
    readonly initS: number;
    /** Init finished → main container started (Argo's `wait` container starts before it). */
    readonly mainStartS: number;
    /**
     * Main started → finished: the step's own work (a resource step: Argo's apply and its condition
     * polling; a delete step: kubectl delete --wait).
     */
    readonly workS: number;
    /** Main finished → the node's finishedAt: the controller seeing the pod done. */
    readonly afterS: number;
    /** The step before it finished → the node's finishedAt. */
    readonly totalS: number;
}

/** The phases in their order, with the column names of the report. */
export const STEP_PHASES: readonly (readonly [Exclude<keyof StepPhases, "totalS">, string])[] = [
    ["pickupS", "pickup"],
    ["schedulingS", "scheduling"],
    ["sandboxS", "sandbox"],
    ["initS", "init"],
    ["mainStartS", "main start"],
    ["workS", "work"],
    ["afterS", "after"],
];

const at = (t: unknown): number => (typeof t === "string" && t ? Date.parse(t) : NaN);
const latest = (ts: number[]) => ts.reduce((a, t) => (Number.isFinite(t) && !(a >= t) ? t : a), NaN);
const earliest = (ts: number[]) => ts.reduce((a, t) => (Number.isFinite(t) && !(a <= t) ? t : a), NaN);

/**
 * Consecutive spans between boundaries (ms since the epoch; NaN: not seen), s. A span whose end
 * was not seen is NaN and its time goes to the next span, so the finite spans always add up to
 * first seen → last seen boundary.
 */
function spans(boundaries: readonly number[]): number[] {
    const out: number[] = [];
    let last = boundaries[0];
    for (const b of boundaries.slice(1)) {
        out.push(Number.isFinite(b) && Number.isFinite(last) ? (b - last) / 1000 : NaN);
        if (Number.isFinite(b)) last = b;
    }
    return out;
}

const startedAt = (s: any) => at(s?.state?.running?.startedAt ?? s?.state?.terminated?.startedAt ?? s?.lastState?.terminated?.startedAt);
const condition = (pod: any, type: string) =>
    at((pod?.status?.conditions ?? []).find((c: any) => c.type === type && c.status === "True")?.lastTransitionTime);

/** Argo's `main` container status (else the first one). */
function mainStatus(pod: any): any {
    const statuses: any[] = pod?.status?.containerStatuses ?? [];
    return statuses.find((c) => c.name === "main") ?? statuses[0];
}

/** A step pod's boundaries: created, scheduled, init started, init finished, main started, main finished. */
function podBoundaries(pod: any): number[] {
    const inits: any[] = pod?.status?.initContainerStatuses ?? [];
    const initDone =
        inits.length > 0 && inits.every((s) => s.state?.terminated) ? latest(inits.map((s) => at(s.state.terminated.finishedAt))) : NaN;
    const main = mainStatus(pod);
    return [
        at(pod?.metadata?.creationTimestamp),
        condition(pod, "PodScheduled"),
        earliest(inits.map(startedAt)),
        initDone,
        startedAt(main),
        at(main?.state?.terminated?.finishedAt),
    ];
}

/**
 * When the step before a Pod node finished: the latest finishedAt of the Pod nodes it follows in
 * the Workflow's graph (status.nodes children: a DAG task's dependents are children of the
 * dependency's last attempt; an earlier attempt of the same retried step counts too), NaN when
 * none does (a first step).
 */
export function previousFinish(nodes: Readonly<Record<string, WorkflowNode>>, id: string): number {
    const parents = new Map<string, string[]>();
    for (const n of Object.values(nodes)) for (const c of n.children ?? []) parents.set(c, [...(parents.get(c) ?? []), n.id]);
    const found: number[] = [];
    const seen = new Set<string>();
    const isAttempt = (retry: WorkflowNode, childId: string) => nodes[childId]?.name.startsWith(`${retry.name}(`) ?? false;
    const up = (childId: string) => {
        for (const p of parents.get(childId) ?? []) {
            const n = nodes[p];
            if (!n || seen.has(p)) continue;
            seen.add(p);
            if (n.type === "Pod") found.push(at(n.finishedAt));
            else if (n.type === "Retry" && !isAttempt(n, childId)) {
                // Reached as a dependency holder (not from one of its attempts): its attempts ran before.
                found.push(...(n.children ?? []).filter((c) => isAttempt(n, c)).map((c) => at(nodes[c]?.finishedAt)));
            } else {
                // An attempt of a retried step follows the attempts before it.
                if (n.type === "Retry")
                    found.push(...(n.children ?? []).slice(0, (n.children ?? []).indexOf(childId)).map((c) => at(nodes[c]?.finishedAt)));
                up(p);
            }
        }
    };
    up(id);
    return latest(found);
}

/**
 * A step's phases from its Argo Pod node, the last version of its pod, and when the step before
 * it finished (`previousFinishedAt`; NaN: the Workflow's creation is used, a first step).
 */
export function stepPhases(node: WorkflowNode, pod: any, previousFinishedAt: number, workflowCreatedAt: number): StepPhases {
    const start = Number.isFinite(previousFinishedAt) ? previousFinishedAt : workflowCreatedAt;
    const end = at(node.finishedAt);
    const [pickupS, schedulingS, sandboxS, initS, mainStartS, workS, afterS] = spans([start, ...podBoundaries(pod), end]);
    return { pickupS, schedulingS, sandboxS, initS, mainStartS, workS, afterS, totalS: (end - start) / 1000 };
}

/** The pod of an Argo node: by the node-id annotation Argo puts on it, else by the node's full name. */
export function podOfNode(pods: Iterable<any>, node: WorkflowNode): any {
    let byName: any;
    for (const pod of pods) {
        const a = pod?.metadata?.annotations ?? {};
        if (a["workflows.argoproj.io/node-id"] === node.id) return pod;
        if (a["workflows.argoproj.io/node-name"] === node.name) byName = pod;
    }
    return byName;
}

/** One step of a run with its phases. */
export interface StepTimeline {
    /** The step's name (a retried step's attempt `<step>(0)` is shown as `<step>`). */
    readonly step: string;
    readonly onCriticalPath: boolean;
    /** The node's startedAt → finishedAt, s. */
    readonly durationS: number;
    /** Pod created → main container started, s. */
    readonly podStartLatencyS: number;
    readonly phases: StepPhases;
}

/**
 * The phases of every Pod node of a Workflow (from its status.nodes), oldest first, with the pods
 * the watch kept; `critical` names the critical-path steps.
 */
export function workflowTimeline(workflow: any, pods: Iterable<any>, critical: readonly string[]): StepTimeline[] {
    const nodes: Record<string, WorkflowNode> = workflow?.status?.nodes ?? {};
    const created = at(workflow?.metadata?.creationTimestamp);
    const podList = [...pods];
    return Object.values(nodes)
        .filter((n) => n.type === "Pod")
        .sort((a, b) => at(a.startedAt) - at(b.startedAt) || a.name.localeCompare(b.name))
        .map((n) => {
            const step = stepOf(n.displayName);
            const pod = podOfNode(podList, n);
            const [podCreated, , , , mainStarted] = podBoundaries(pod);
            return {
                step,
                onCriticalPath: critical.includes(step),
                durationS: (at(n.finishedAt) - at(n.startedAt)) / 1000,
                podStartLatencyS: (mainStarted - podCreated) / 1000,
                phases: stepPhases(n, pod, previousFinish(nodes, n.id), created),
            };
        });
}

/** The critical path's largest phases, largest first (`count` of them, none of 0 s). */
export function floorPhases(steps: readonly StepTimeline[], count = 3): { step: string; phase: string; seconds: number }[] {
    return steps
        .filter((s) => s.onCriticalPath)
        .flatMap((s) => STEP_PHASES.map(([key, phase]) => ({ step: s.step, phase, seconds: s.phases[key] })))
        .filter((p) => Number.isFinite(p.seconds) && p.seconds > 0)
        .sort((a, b) => b.seconds - a.seconds)
        .slice(0, count);
}

/** An Arkouda pod a deploy created, s. */
export interface PodStartFigure {
    readonly pod: string;
    /** Workflow created → pod created. */
    readonly createdS: number;
    /** Pod created → PodScheduled. */
    readonly schedulingS: number;
    /** Scheduled → its last container started (sandbox, init containers, image, start). */
    readonly startS: number;
    /** Last container started → Ready (the readiness probe). */
    readonly readyS: number;
    /** Pod created → Ready. */
    readonly createdToReadyS: number;
}

export function podStart(pod: any, workflowCreatedAt: number): PodStartFigure {
    const created = at(pod?.metadata?.creationTimestamp);
    const containers: any[] = pod?.status?.containerStatuses ?? [];
    const started =
        containers.length > 0 && containers.every((c) => Number.isFinite(startedAt(c))) ? latest(containers.map(startedAt)) : NaN;
    const ready = condition(pod, "Ready");
    const [schedulingS, startS, readyS] = spans([created, condition(pod, "PodScheduled"), started, ready]);
    return {
        pod: pod?.metadata?.name ?? "",
        createdS: (created - workflowCreatedAt) / 1000,
        schedulingS,
        startS,
        readyS,
        createdToReadyS: (ready - created) / 1000,
    };
}

/** An Arkouda pod a delete removed, s. */
export interface PodDeleteFigure {
    readonly pod: string;
    /** Workflow created → the pod's delete requested (deletionTimestamp less its grace period). */
    readonly requestedS: number;
    /** Delete requested → its last container stopped. */
    readonly stopS: number;
    /** Last container stopped → the pod gone from the API server. */
    readonly goneS: number;
    /** Delete requested → gone. */
    readonly requestedToGoneS: number;
    /** The pod's spec.terminationGracePeriodSeconds: how long a container that ignores SIGTERM keeps it. */
    readonly gracePeriodS: number;
}

/**
 * `pod`: its last version (the containers' ends); `deleting`: the first version the watch saw with
 * a deletionTimestamp. The API server sets deletionTimestamp to the request time plus the grace
 * period, so the request is that less deletionGracePeriodSeconds; the first version must be read,
 * because the kubelet's own final delete (grace 0) sets both again once the containers are gone.
 * `goneAt`: when the watch saw the pod deleted (ms, the client's clock truncated to the second as
 * the API server's timestamps are; no object records it).
 */
export function podDelete(pod: any, deleting: any, goneAt: number, workflowCreatedAt: number): PodDeleteFigure {
    const grace = deleting?.metadata?.deletionGracePeriodSeconds;
    const requested = at(deleting?.metadata?.deletionTimestamp) - (typeof grace === "number" ? grace * 1000 : NaN);
    const containers: any[] = pod?.status?.containerStatuses ?? [];
    const stopped =
        containers.length > 0 && containers.every((c) => c.state?.terminated)
            ? latest(containers.map((c) => at(c.state.terminated.finishedAt)))
            : NaN;
    const [stopS, goneS] = spans([requested, stopped, goneAt]);
    return {
        pod: pod?.metadata?.name ?? "",
        requestedS: (requested - workflowCreatedAt) / 1000,
        stopS,
        goneS,
        requestedToGoneS: (goneAt - requested) / 1000,
        gracePeriodS: pod?.spec?.terminationGracePeriodSeconds ?? NaN,
    };
}
