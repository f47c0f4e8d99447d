/**
 * Figures of the workflows run to their end on a node: for deploy and delete of one instance, the
 * time from submit to Succeeded, the pods actually created per run (counted from the API server
 * with a watch, since the templates' podGC deletes succeeded step pods), the deploy's critical
 * path against the sum of its sequential pod start latencies, and (given a Prometheus) the time
 * from the deploy's Succeeded to its first Arkouda sample there; and per run where each second
 * went (bench/lib/timeline.ts): per step pod, and per Arkouda pod started or deleted.
 *
 * Preconditions (the caller's): `namespace` holds the program's WorkflowTemplates and identities
 * (a `pulumi up` of the stack), a workflow-controller manages it (e.g. tests/integration/argo/
 * kube.ts WorkflowController with the imported argoexec), and a node runs the pods with the
 * images imported (scripts/images.sh). `kubectl` must be on PATH.
 *
 * Timestamps of the API server (pods, Workflow nodes) have one-second resolution; submit to
 * Succeeded is measured on the client clock, seen by a watch on the Workflow (no polling process
 * competes with the run for the node's CPU).
 */
import { ChildProcess, spawn } from "child_process";
import { kubectl } from "../../tests/lib/kubectl";
import { stepOf } from "../../components/dynamic/workflow-run-completion";
import { poll, Prometheus } from "../../tests/lib/prometheus";
import { floorPhases, podDelete, PodDeleteFigure, podStart, PodStartFigure, STEP_PHASES, StepPhases, workflowTimeline } from "./timeline";

export interface WorkflowRunsOptions {
    readonly kubeconfig: string;
    readonly namespace: string;
    /** Instance to deploy and delete (default "bench-run"); must not exist yet. */
    readonly instanceName?: string;
    /** Extra parameters for both templates (e.g. {"metrics-enabled": "false", locales: "1"}). */
    readonly parameters?: Record<string, string>;
    /** Deploy + delete pairs (default 1). */
    readonly reps?: number;
    /** Per run (default 900). */
    readonly timeoutSeconds?: number;
    readonly deployTemplate?: string;
    readonly deleteTemplate?: string;
    /** Progress lines (default: stderr). */
    readonly log?: (line: string) => void;
    /**
     * A Prometheus that selects the deploy's ServiceMonitor: each deploy then also measures how long
     * after Succeeded its first Arkouda sample is there.
     */
    readonly prometheus?: { readonly url: string };
}

/** When a deploy's first Arkouda sample reached Prometheus, relative to the deploy's Succeeded. */
export interface FirstSampleFigure {
    /** Client clock: phase Succeeded observed to the first query that returned the instance's series, s. */
    readonly queryableAfterS: number;
    /** The first sample's own timestamp minus the Workflow's finishedAt (1 s resolution), s; negative: before. */
    readonly sampleAfterS: number;
}

export interface StepFigure {
    readonly step: string;
    /** Argo node start to finish, s. */
    readonly durationS: number;
    /** Pod creation to its main container started, s (API server timestamps). */
    readonly podStartLatencyS: number;
    readonly onCriticalPath: boolean;
    /** Where the step's time went (API server timestamps, whole seconds). */
    readonly phases: StepPhases;
}

export interface RunFigure {
    readonly template: string;
    readonly workflow: string;
    readonly phase: string;
    /** Client clock: create call returned to phase Succeeded observed. */
    readonly submitToSucceededS: number;
    /** Workflow status startedAt to finishedAt (API server). */
    readonly workflowS: number;
    /** Pods of the Workflow (its steps) created, seen by a watch on the API server. */
    readonly stepPods: number;
    /** Pods of the instance created during the run (locales, server, exporter). */
    readonly instancePods: number;
    readonly steps: readonly StepFigure[];
    /** Sum of the durations of the sequential (critical-path) steps plus the gaps between them, s. */
    readonly criticalPathS: number;
    /** Sum of the pod start latencies of the critical-path steps, s. */
    readonly sequentialPodStartS: number;
    readonly firstSample?: FirstSampleFigure;
    /** The last critical-path step's node finished → the Workflow's finishedAt (API server), s. */
    readonly tailS: number;
    /** The critical path's largest phases, largest first. */
    readonly floor: readonly { step: string; phase: string; seconds: number }[];
    /** A deploy: the Arkouda pods it created, oldest first. */
    readonly podStarts?: readonly PodStartFigure[];
    /** A delete: the Arkouda pods it removed, oldest delete request first. */
    readonly podDeletes?: readonly PodDeleteFigure[];
}

export interface WorkflowRunsResult {
    readonly namespace: string;
    readonly instanceName: string;
    readonly runs: readonly RunFigure[];
}

// ---------------------------------------------------------------------------------------------
// kubectl
// ---------------------------------------------------------------------------------------------

/** Splits a stream of concatenated (pretty-printed) JSON documents. */
class JsonStream {
    private buf = "";
    constructor(private readonly onDoc: (doc: any) => void) {}
    push(chunk: string): void {
        this.buf += chunk;
        let depth = 0;
        let inString = false;
        let escaped = false;
        let start = -1;
        let consumed = 0;
        for (let i = 0; i < this.buf.length; i++) {
            const c = this.buf[i];
            if (inString) {
                if (escaped) escaped = false;
                else if (c === "\\") escaped = true;
                else if (c === '"') inString = false;
                continue;
            }
            if (c === '"') inString = true;
            else if (c === "{") {
                if (depth === 0) start = i;
                depth++;
            } else if (c === "}") {
                depth--;
                if (depth === 0 && start >= 0) {
                    this.onDoc(JSON.parse(this.buf.slice(start, i + 1)));
                    consumed = i + 1;
                    start = -1;
                }
            }
        }
        this.buf = this.buf.slice(consumed);
    }
}

/**
 * Watches the objects of one kind matching a selector (`-l …` or `--field-selector …`); keeps the
 * last version of every object seen (by uid), the first version being deleted (for pods, when the
 * delete was asked for: later ones carry the kubelet's final delete), and when an object's deletion
 * was seen: the client's clock truncated to the second, as the API server's timestamps are (no
 * object records when a pod is gone). One kubectl process streams the changes, so waiting on a
 * watch puts no load on the node beside the run it measures.
 */
class ObjectWatch {
    readonly objects = new Map<string, any>();
    readonly deleting = new Map<string, any>();
    readonly deletedAt = new Map<string, number>();
    private child?: ChildProcess;
    private readonly waiters: (() => void)[] = [];

    constructor(
        private readonly kubeconfig: string,
        private readonly namespace: string,
        private readonly resource: string,
        private readonly selector: readonly string[],
    ) {}

    start(): Promise<void> {
        const stream = new JsonStream((doc) => {
            const obj = doc.object ?? doc;
            if (!obj?.metadata?.uid) return;
            this.objects.set(obj.metadata.uid, obj);
            if (obj.metadata.deletionTimestamp && !this.deleting.has(obj.metadata.uid)) this.deleting.set(obj.metadata.uid, obj);
            if (doc.type === "DELETED") this.deletedAt.set(obj.metadata.uid, Math.floor(Date.now() / 1000) * 1000);
            this.waiters.splice(0).forEach((w) => w());
        });
        this.child = spawn(
            "kubectl",
            [
                "--kubeconfig",
                this.kubeconfig,
                "get",
                this.resource,
                "-n",
                this.namespace,
                ...this.selector,
                "--watch",
                "--output-watch-events",
                "-o",
                "json",
            ],
            { stdio: ["ignore", "pipe", "pipe"] },
        );
        this.child.stdout!.on("data", (d) => stream.push(d.toString()));
        // The watch is established once kubectl has listed; a short settle is enough for a new selector.
        return sleep(1500);
    }

    /** The first object seen for which `done` holds, or an error after `timeoutMs`. */
    async until(done: (obj: any) => boolean, timeoutMs: number, what: string): Promise<any> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const found = [...this.objects.values()].find(done);
            if (found) return found;
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`${what} not seen within ${Math.round(timeoutMs / 1000)}s`);
            await new Promise<void>((r) => {
                const timer = setTimeout(r, left);
                this.waiters.push(() => {
                    clearTimeout(timer);
                    r();
                });
            });
        }
    }

    stop(): void {
        this.child?.kill("SIGTERM");
    }
}

/** Pods by label selector. */
const podWatch = (kubeconfig: string, namespace: string, selector: string) =>
    new ObjectWatch(kubeconfig, namespace, "pods", ["-l", selector]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const seconds = (a?: string, b?: string) => (a && b ? (Date.parse(b) - Date.parse(a)) / 1000 : NaN);

/**
 * The chain of pod steps that decided the run's length: from the step that finished last, each
 * time the step that finished last before it started.
 */
export function criticalPath(steps: readonly { step: string; startedAt: number; finishedAt: number }[]): string[] {
    const sorted = [...steps]
        .filter((s) => Number.isFinite(s.startedAt) && Number.isFinite(s.finishedAt))
        .sort((a, b) => b.finishedAt - a.finishedAt);
    const path: string[] = [];
    let current: (typeof sorted)[number] | undefined = sorted[0];
    while (current) {
        path.unshift(current.step);
        const start: number = current.startedAt;
        current = sorted.find((s) => s.finishedAt <= start && !path.includes(s.step));
    }
    return path;
}

/**
 * Waits (up to a minute) until the step pods of earlier runs are gone (the templates' podGC deletes
 * them a few seconds after their Workflow ends), so a run starts on a node that is not still
 * tearing down the last one's pods: a delete runs on an instance deployed earlier, not in the
 * seconds after its deploy.
 */
async function stepPodsGone(o: { kubeconfig: string; namespace: string; log: (l: string) => void }): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
        const left = (
            await kubectl(o.kubeconfig, ["get", "pods", "-n", o.namespace, "-l", "workflows.argoproj.io/workflow", "-o", "name"])
        ).stdout.trim();
        if (left === "") return;
        if (Date.now() > deadline) {
            o.log(`step pods still there after 60 s, measuring anyway: ${left.split("\n").join(", ")}`);
            return;
        }
        await sleep(1000);
    }
}

async function measureRun(
    o: Required<Pick<WorkflowRunsOptions, "kubeconfig" | "namespace">> & {
        template: string;
        instance: string;
        parameters: Record<string, string>;
        timeoutSeconds: number;
        log: (l: string) => void;
        prometheus?: Prometheus;
    },
): Promise<RunFigure> {
    const name = `${o.template.replace(/-on-kubernetes$/, "")}-bench-${Math.random().toString(36).slice(2, 7)}`;
    await stepPodsGone(o);
    const stepWatch = podWatch(o.kubeconfig, o.namespace, `workflows.argoproj.io/workflow=${name}`);
    const instanceWatch = podWatch(o.kubeconfig, o.namespace, `app.kubernetes.io/instance=${o.instance}`);
    const workflowWatch = new ObjectWatch(o.kubeconfig, o.namespace, "workflows", ["--field-selector", `metadata.name=${name}`]);
    await Promise.all([stepWatch.start(), instanceWatch.start(), workflowWatch.start()]);
    const instanceBefore = new Set(instanceWatch.objects.keys());
    // Only what the template declares: a delete takes the name (and metrics-enabled), not the sizes.
    const declared = new Set<string>(
        (
            JSON.parse((await kubectl(o.kubeconfig, ["get", "workflowtemplate", o.template, "-n", o.namespace, "-o", "json"])).stdout).spec
                .arguments?.parameters ?? []
        ).map((p: { name: string }) => p.name),
    );
    const given = Object.entries({ "instance-name": o.instance, ...o.parameters }).filter(([n]) => declared.has(n));
    const wf = {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Workflow",
        metadata: { name, namespace: o.namespace },
        spec: {
            workflowTemplateRef: { name: o.template },
            arguments: {
                parameters: given.map(([n, value]) => ({ name: n, value })),
            },
        },
    };
    try {
        await kubectl(o.kubeconfig, ["create", "-n", o.namespace, "-f", "-"], { input: JSON.stringify(wf) });
        const submitted = Date.now();
        const status: any = await workflowWatch.until(
            (wf) => ["Succeeded", "Failed", "Error"].includes(wf.status?.phase),
            o.timeoutSeconds * 1000,
            `workflow ${name} finished`,
        );
        const submitToSucceededS = (Date.now() - submitted) / 1000;
        const firstSample =
            o.prometheus && status.status?.phase === "Succeeded" && o.template.startsWith("deploy-")
                ? await firstSampleAfter(
                      o.prometheus,
                      o.namespace,
                      o.instance,
                      submitted,
                      Date.parse(status.status.finishedAt),
                      o.timeoutSeconds,
                  )
                : undefined;
        await sleep(1500); // let the watches see the last pod updates
        const podNodes = Object.values(status.status.nodes ?? {}).filter((n: any) => n.type === "Pod") as any[];
        const timings = podNodes.map((n) => ({
            step: stepOf(n.displayName as string),
            startedAt: Date.parse(n.startedAt),
            finishedAt: Date.parse(n.finishedAt),
        }));
        const chain = criticalPath(timings);
        const timeline = workflowTimeline(status, stepWatch.objects.values(), chain);
        const steps: StepFigure[] = timeline.map((t) => ({
            step: t.step,
            durationS: t.durationS,
            podStartLatencyS: t.podStartLatencyS,
            onCriticalPath: t.onCriticalPath,
            phases: t.phases,
        }));
        const onPath = timings.filter((t) => chain.includes(t.step));
        const criticalPathS =
            onPath.length > 0 ? (Math.max(...onPath.map((t) => t.finishedAt)) - Math.min(...onPath.map((t) => t.startedAt))) / 1000 : 0;
        const sequentialPodStartS = steps
            .filter((s) => s.onCriticalPath)
            .reduce((a, s) => a + (Number.isFinite(s.podStartLatencyS) ? s.podStartLatencyS : 0), 0);
        const created = Date.parse(status.metadata.creationTimestamp);
        const instancePods = [...instanceWatch.objects.entries()];
        const deploy = o.template.startsWith("deploy-");
        const figure: RunFigure = {
            template: o.template,
            workflow: name,
            phase: status.status.phase,
            submitToSucceededS,
            workflowS: seconds(status.status.startedAt, status.status.finishedAt),
            stepPods: stepWatch.objects.size,
            instancePods: [...instanceWatch.objects.keys()].filter((uid) => !instanceBefore.has(uid)).length,
            steps,
            criticalPathS,
            sequentialPodStartS,
            ...(firstSample ? { firstSample } : {}),
            tailS: (Date.parse(status.status.finishedAt) - Math.max(...onPath.map((t) => t.finishedAt))) / 1000,
            floor: floorPhases(timeline),
            ...(deploy
                ? {
                      podStarts: instancePods
                          .filter(([uid]) => !instanceBefore.has(uid))
                          .map(([, pod]) => podStart(pod, created))
                          .sort((a, b) => a.createdS - b.createdS),
                  }
                : {
                      podDeletes: instancePods
                          .filter(([uid]) => instanceBefore.has(uid) && instanceWatch.deletedAt.has(uid))
                          .map(([uid, pod]) => podDelete(pod, instanceWatch.deleting.get(uid), instanceWatch.deletedAt.get(uid)!, created))
                          .sort((a, b) => a.requestedS - b.requestedS),
                  }),
        };
        o.log(
            `${o.template} ${name}: ${figure.phase} in ${submitToSucceededS.toFixed(1)}s, ${figure.stepPods} step pods, ${figure.instancePods} instance pods` +
                (firstSample
                    ? `, first sample ${firstSample.sampleAfterS.toFixed(1)}s after Succeeded (queryable after ${firstSample.queryableAfterS.toFixed(1)}s)`
                    : ""),
        );
        if (figure.phase !== "Succeeded") throw new Error(`workflow ${name} ${figure.phase}: ${status.status.message ?? ""}`);
        return figure;
    } finally {
        stepWatch.stop();
        instanceWatch.stop();
        workflowWatch.stop();
    }
}

/**
 * Polls Prometheus from the moment Succeeded was seen until the instance's exporter series is
 * there (an instant query: a deleted instance's series are stale, so an earlier run's do not
 * count), then reads the earliest sample scraped since the submit.
 */
async function firstSampleAfter(
    prometheus: Prometheus,
    namespace: string,
    instance: string,
    submitted: number,
    finishedAt: number,
    timeoutSeconds: number,
): Promise<FirstSampleFigure> {
    const seen = Date.now();
    const series = `arkouda_server_information_info{namespace="${namespace}",service="${instance}-metrics-exporter"}`;
    const found = await poll(timeoutSeconds * 1000, async () => ((await prometheus.query(series)).length > 0 ? true : undefined), 250);
    if (!found) throw new Error(`no sample of ${series} within ${timeoutSeconds}s of Succeeded`);
    const queryableAfterS = (Date.now() - seen) / 1000;
    const window = Math.ceil((Date.now() - submitted) / 1000) + 1;
    const first = await prometheus.query(`min(min_over_time(timestamp(${series})[${window}s:1s]))`);
    return { queryableAfterS, sampleAfterS: Number(first[0]?.value[1]) - finishedAt / 1000 };
}

function median(values: number[]): number {
    const v = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (v.length === 0) return NaN;
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Of each template's runs, the one whose submit → Succeeded is the median (the lower of the middle two). */
function medianRuns(runs: readonly RunFigure[]): RunFigure[] {
    return [...new Set(runs.map((r) => r.template))].map((template) => {
        const sorted = runs.filter((r) => r.template === template).sort((a, b) => a.submitToSucceededS - b.submitToSucceededS);
        return sorted[Math.floor((sorted.length - 1) / 2)];
    });
}

/** Markdown table of the figures (medians over the repetitions, each run's submit → Succeeded beside), then the median run's timeline of each template. */
export function workflowRunsMarkdown(result: WorkflowRunsResult): string {
    const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
    const lines = [
        `| run | submit → Succeeded s | workflow s | step pods created | instance pods created | critical path s | sequential pod start latency s (sum) | share | critical-path steps |`,
        `|---|---|---|---|---|---|---|---|---|`,
    ];
    const sampled = result.runs.filter((r) => r.firstSample);
    const samples: string[] =
        sampled.length > 0
            ? [
                  "",
                  `Deploy's Succeeded → its first Arkouda sample in Prometheus (${sampled.length}×, median): ${f(median(sampled.map((r) => r.firstSample!.sampleAfterS)))} s by the sample's timestamp (negative: scraped before the server was ready), queryable ${f(median(sampled.map((r) => r.firstSample!.queryableAfterS)))} s after Succeeded was seen.`,
              ]
            : [];
    for (const middle of medianRuns(result.runs)) {
        const runs = result.runs.filter((r) => r.template === middle.template);
        const cp = median(runs.map((r) => r.criticalPathS));
        const ps = median(runs.map((r) => r.sequentialPodStartS));
        const chain = middle.steps
            .filter((s) => s.onCriticalPath)
            .map((s) => `${s.step} (${f(s.durationS)} s, start ${f(s.podStartLatencyS)} s)`)
            .join(" → ");
        const each = runs.length > 1 ? ` (${runs.map((r) => f(r.submitToSucceededS)).join(", ")})` : "";
        lines.push(
            `| ${middle.template} (${runs.length}×) | ${f(median(runs.map((r) => r.submitToSucceededS)))}${each} | ${f(median(runs.map((r) => r.workflowS)))} | ${median(runs.map((r) => r.stepPods))} | ${median(runs.map((r) => r.instancePods))} | ${f(cp)} | ${f(ps)} | ${cp > 0 ? `${Math.round((100 * ps) / cp)}%` : "–"} | ${chain} |`,
        );
    }
    return [...lines, ...samples, ...medianRuns(result.runs).flatMap(runTimelineMarkdown)].join("\n");
}

/** Whole seconds: the API server's timestamps have no finer resolution. */
const whole = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "–");

/**
 * One run's seconds: a row per step pod (its phases; a dash: that boundary was not seen, its
 * time is in the next phase), the critical path's sums, the line naming its floor, and the
 * Arkouda pods the run started or deleted.
 */
function runTimelineMarkdown(run: RunFigure): string[] {
    const phases = STEP_PHASES.map(([, name]) => name);
    const critical = run.steps.filter((s) => s.onCriticalPath);
    const sum = (pick: (p: StepPhases) => number) =>
        critical.reduce((a, s) => a + (Number.isFinite(pick(s.phases)) ? pick(s.phases) : 0), 0);
    // The delete's floor is its slowest pod's stop (its grace period when a container ignores SIGTERM) plus kubectl's wait.
    const slowest = [...(run.podDeletes ?? [])].sort((a, b) => b.requestedToGoneS - a.requestedToGoneS)[0];
    const floor =
        `Floor: ${run.floor.map((p) => `${p.step} ${p.phase} ${whole(p.seconds)} s`).join(", ") || "–"} of the critical path's ${whole(sum((p) => p.totalS))} s; then ${whole(run.tailS)} s from its last step to the Workflow's finishedAt.` +
        (slowest
            ? ` Slowest Arkouda pod: ${slowest.pod}, delete requested → gone ${whole(slowest.requestedToGoneS)} s (terminationGracePeriodSeconds ${whole(slowest.gracePeriodS)}).`
            : "");
    const lines = [
        "",
        `*${run.template}* \`${run.workflow}\`: where each second goes (Workflow created → finished ${whole(run.workflowS)} s)`,
        "",
        `| step (s; API server timestamps, 1 s resolution) | critical path | ${phases.join(" | ")} | total | node |`,
        `|---|---|${phases.map(() => "---|").join("")}---|---|`,
        ...run.steps.map(
            (s) =>
                `| ${s.step} | ${s.onCriticalPath ? "yes" : ""} | ${STEP_PHASES.map(([k]) => whole(s.phases[k])).join(" | ")} | ${whole(s.phases.totalS)} | ${whole(s.durationS)} |`,
        ),
        `| **critical path** | | ${STEP_PHASES.map(([k]) => whole(sum((p) => p[k]))).join(" | ")} | ${whole(sum((p) => p.totalS))} | |`,
        "",
        floor,
    ];
    if (run.podStarts?.length) {
        lines.push(
            "",
            "| Arkouda pod (s) | created after the Workflow | scheduling | containers start | ready | created → Ready |",
            "|---|---|---|---|---|---|",
            ...run.podStarts.map(
                (p) =>
                    `| ${p.pod} | ${whole(p.createdS)} | ${whole(p.schedulingS)} | ${whole(p.startS)} | ${whole(p.readyS)} | ${whole(p.createdToReadyS)} |`,
            ),
        );
    }
    if (run.podDeletes?.length) {
        lines.push(
            "",
            "| Arkouda pod (s; gone: when the watch saw it, client clock truncated to the second) | delete requested after the Workflow | → containers stopped | → gone | requested → gone | terminationGracePeriodSeconds |",
            "|---|---|---|---|---|---|",
            ...run.podDeletes.map(
                (p) =>
                    `| ${p.pod} | ${whole(p.requestedS)} | ${whole(p.stopS)} | ${whole(p.goneS)} | ${whole(p.requestedToGoneS)} | ${whole(p.gracePeriodS)} |`,
            ),
        );
    }
    return lines;
}

/**
 * Deploys and deletes one instance `reps` times on the node and measures each run. Throws when a
 * run does not succeed (the figures of a failed run would mislead).
 */
export async function measureWorkflowRuns(options: WorkflowRunsOptions): Promise<{ data: WorkflowRunsResult; markdown: string }> {
    const instance = options.instanceName ?? "bench-run";
    const log = options.log ?? ((l: string) => process.stderr.write(`[workflow-runs] ${l}\n`));
    const common = {
        kubeconfig: options.kubeconfig,
        namespace: options.namespace,
        instance,
        parameters: options.parameters ?? {},
        timeoutSeconds: options.timeoutSeconds ?? 900,
        log,
        prometheus: options.prometheus ? new Prometheus(options.prometheus.url) : undefined,
    };
    const runs: RunFigure[] = [];
    for (let i = 0; i < (options.reps ?? 1); i++) {
        runs.push(await measureRun({ ...common, template: options.deployTemplate ?? "deploy-arkouda-on-kubernetes" }));
        runs.push(await measureRun({ ...common, template: options.deleteTemplate ?? "delete-arkouda-on-kubernetes" }));
    }
    const data: WorkflowRunsResult = { namespace: options.namespace, instanceName: instance, runs };
    return { data, markdown: workflowRunsMarkdown(data) };
}
