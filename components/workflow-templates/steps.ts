/**
 * The step builder: each method adds one step template (one pod) and records which kinds it
 * touches with which operation, so the workflow Role is derived from the steps (grants.ts).
 * No `action: create` anywhere: every write is a server-side apply with one field manager, every
 * delete tolerates absence.
 */
import type { NamespaceSettings, RetriesConfig } from "../config/types";
import { argText, paramRef, renderManifest } from "../argo/expr";
import { Container, containerTemplate, dag, resourceTemplate, RetryStrategy, task, Template } from "../argo/model";
import { MANAGED_BY, ObjectRef } from "../runtime-objects";
import { FAILURE_REASONS_OUTPUT } from "../names";
import { stepContainerSecurity } from "../pod-security";
import { containerStepPatch, resourceStepPatch } from "./executor";

/** kubectl server-side apply flags shared by the kubectl steps and the resource templates. */
const FIELD_MANAGER = MANAGED_BY;
const APPLY_FLAGS = ["--server-side", `--field-manager=${FIELD_MANAGER}`, "--force-conflicts"];
const MANIFEST_DIR = "/tmp/arkouda-workflows";
const MANIFEST_PATH = `${MANIFEST_DIR}/manifest.yaml`;

export type Operation = "apply" | "apply-and-wait" | "delete" | "read";

/**
 * How a passing outage of the API server fails a step, in kubectl's and argoexec's words (a
 * refused or reset connection, a timeout, an unavailable, overloaded or unready API server or
 * etcd). Only these are retried: Forbidden, an invalid object or a missed deadline would fail
 * again the same way, so they fail the step at once, with the API's message.
 */
const TRANSIENT_FAILURES = [
    "connection refused",
    "was refused",
    "connection reset by peer",
    "broken pipe",
    "TLS handshake timeout",
    "i/o timeout",
    "no route to host",
    "client connection lost",
    "unable to handle the request",
    "Service Unavailable",
    "etcdserver: request timed out",
    "unable to return a response in the time allotted",
    "TooManyRequests",
    "Too many requests",
];

/**
 * Argo's retry expression: the last attempt's message (its termination message) names a
 * transient failure. The messages are matched as written: none holds a regular-expression
 * metacharacter, a quote or a backslash (expr-lang's string literal would need one escaped).
 */
export const RETRY_EXPRESSION = (() => {
    const unsafe = TRANSIENT_FAILURES.find((m) => /[\\^$.|?*+()[\]{}'"]/.test(m));
    if (unsafe) throw new Error(`transient failure message ${JSON.stringify(unsafe)} would need escaping in the retry expression`);
    return `lastRetry.message matches '${TRANSIENT_FAILURES.join("|")}'`;
})();

function retryStrategy(retries: RetriesConfig): RetryStrategy | undefined {
    if (retries.limit === 0) return undefined;
    return {
        limit: retries.limit,
        expression: RETRY_EXPRESSION,
        backoff: { duration: `${retries.backoffSeconds}s`, factor: retries.factor, cap: `${retries.capSeconds}s` },
    };
}

/** How long a delete step may take from its start, when not the Workflow's deadline (an exit handler's steps run after it). */
export interface DeleteStepOptions {
    readonly timeoutSeconds?: number;
}

export interface Touch {
    apiVersion: string;
    kind: string;
    op: Operation;
}

/**
 * The templates of one WorkflowTemplate under construction, and what each step touches.
 * `boundSeconds` is the Workflow's deadline: each pod step's `timeout`, counted from its start,
 * Pending included. Argo enforces the Workflow's deadline on a Pending pod only when it looks at
 * the Workflow, and v4.0.5 may not look until its 20-minute resync; from v4.1 a step's `timeout`
 * makes it look then.
 */
export class Steps {
    readonly templates: Template[] = [];
    readonly touches: Touch[] = [];
    constructor(
        private readonly settings: NamespaceSettings,
        private readonly boundSeconds: number,
    ) {}

    private touch(objs: readonly { apiVersion: string; kind: string }[], op: Operation) {
        for (const o of objs) this.touches.push({ apiVersion: o.apiVersion, kind: o.kind, op });
    }

    private kubectl(args: string[]): Container {
        return {
            image: this.settings.images.kubectl,
            command: ["kubectl"],
            args,
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
            // kubectl's own error (the API's message) becomes the step's message, and what the
            // retry expression reads.
            terminationMessagePolicy: "FallbackToLogsOnError",
            securityContext: stepContainerSecurity(),
        };
    }

    /**
     * A pod step: bounded from its start, the retries every step that talks to the API server
     * gets, and the patch of its executor containers (executor.ts).
     */
    private pod(t: Template, timeoutSeconds = this.boundSeconds): Template {
        const retry = retryStrategy(this.settings.retries);
        const patch = t.container ? containerStepPatch() : resourceStepPatch(t.resource?.successCondition !== undefined);
        const step = {
            ...t,
            timeout: `${timeoutSeconds}s`,
            ...(retry && { retryStrategy: retry }),
            ...(patch && { podSpecPatch: patch }),
        };
        this.templates.push(step);
        return step;
    }

    /**
     * A delete step (or a failed deploy's explanation before its clean-up): it may preempt what it
     * is about to delete (the delete PriorityClass).
     */
    private deleteStep(t: Template, options: DeleteStepOptions): Template {
        const priority = this.settings.deletePriorityClassName;
        return this.pod({ ...t, ...(priority !== undefined && { priorityClassName: priority }) }, options.timeoutSeconds);
    }

    private manifestArtifact(objects: readonly object[]) {
        return { artifacts: [{ name: "manifest", path: MANIFEST_PATH, raw: { data: renderManifest(objects) } }] };
    }

    /** One pod: `kubectl apply --server-side` of a multi-document manifest (no shell needed). */
    kubectlApply(name: string, objects: readonly { apiVersion?: unknown; kind?: unknown }[]): Template {
        this.touch(objects.map(ref), "apply");
        return this.pod(
            containerTemplate(
                name,
                this.kubectl(["apply", ...APPLY_FLAGS, `--namespace=${this.settings.namespace}`, `--filename=${MANIFEST_PATH}`]),
                { inputs: this.manifestArtifact(objects) },
            ),
        );
    }

    /**
     * One pod: why a target's pods are not ready, one line per pod: its phase, each condition
     * that is False (PodScheduled's message is the scheduler's reason, e.g. an untolerated taint)
     * and each container that waits, with its reason. Its output is the deploy's `failure-reasons`.
     */
    explainPods(name: string, instanceLabel: string, options: DeleteStepOptions): Template {
        this.touch([{ apiVersion: "v1", kind: "Pod" }], "read");
        const perPod = [
            "{range .items[*]}{.metadata.name}{' '}{.status.phase}{':'}",
            "{range .status.conditions[?(@.status=='False')]}{' '}{.type}{'='}{.reason}{' '}{.message}{';'}{end}",
            "{range .status.initContainerStatuses[*]}{' '}{.name}{' '}{.state.waiting.reason}{' '}{.state.waiting.message}{end}",
            "{range .status.containerStatuses[*]}{' '}{.name}{' '}{.state.waiting.reason}{' '}{.state.waiting.message}{end}",
            "{'\\n'}{end}",
        ].join("");
        return this.deleteStep(
            containerTemplate(
                name,
                this.kubectl([
                    "get",
                    "pods",
                    `--namespace=${this.settings.namespace}`,
                    argText(`--selector=app.kubernetes.io/instance=${instanceLabel}`),
                    `--output=jsonpath=${perPod}`,
                ]),
            ),
            options,
        );
    }

    /** One pod: server-side apply of one object, optionally waiting for a condition (bounded). */
    resourceApply(
        name: string,
        object: { apiVersion?: unknown; kind?: unknown },
        wait?: { success: string; failure?: string; deadlineSeconds: number },
    ): Template {
        this.touch([ref(object)], wait ? "apply-and-wait" : "apply");
        return this.pod(
            resourceTemplate(
                name,
                {
                    action: "apply",
                    flags: [...APPLY_FLAGS],
                    manifest: renderManifest([object]),
                    ...(wait ? { successCondition: wait.success } : {}),
                    ...(wait?.failure ? { failureCondition: wait.failure } : {}),
                },
                wait ? { activeDeadlineSeconds: wait.deadlineSeconds } : {},
            ),
            // Argo writes a step's timeout over its pod's activeDeadlineSeconds: the wait's bound
            // must be the timeout too, or the step waits until the Workflow's deadline.
            wait ? Math.min(wait.deadlineSeconds, this.boundSeconds) : undefined,
        );
    }

    /**
     * One pod: argoexec's resource delete of every listed object (one manifest, as `kubectl delete
     * -f`), tolerating absence, waiting until they are gone. A resource step's pod has no wait
     * sidecar, so it starts and ends sooner than a kubectl container's.
     */
    resourceDelete(name: string, refs: readonly ObjectRef[], options: DeleteStepOptions = {}): Template {
        this.touch(refs, "delete");
        const stubs = refs.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name } }));
        return this.deleteStep(
            resourceTemplate(name, {
                action: "delete",
                flags: [
                    "--ignore-not-found",
                    "--wait=true",
                    `--timeout=${this.settings.deadlines.deleteSeconds}s`,
                    `--namespace=${this.settings.namespace}`,
                ],
                manifest: renderManifest(stubs),
            }),
            options,
        );
    }

    /**
     * A target's delete steps: one kubectl delete over every object but the ServiceMonitor, and
     * the ServiceMonitor on its own (without the prometheus-operator CRD its kind is unknown), or
     * not at all without `serviceMonitors`.
     */
    deleteRefs(
        refs: readonly ObjectRef[],
        serviceMonitors: boolean,
        options: DeleteStepOptions = {},
    ): { deleteObjects: Template; deleteMonitor?: Template } {
        const monitor = refs.find((r) => r.kind === "ServiceMonitor");
        if (!monitor) throw new Error("delete steps: no ServiceMonitor among the object refs");
        const plain = refs.filter((r) => r !== monitor);
        return {
            deleteObjects: this.resourceDelete("delete-objects", plain, options),
            ...(serviceMonitors ? { deleteMonitor: this.resourceDelete("delete-servicemonitor", [monitor], options) } : {}),
        };
    }

    add(t: Template): Template {
        this.templates.push(t);
        return t;
    }
}

function ref(o: { apiVersion?: unknown; kind?: unknown }): { apiVersion: string; kind: string } {
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") throw new Error("object without apiVersion/kind");
    return { apiVersion: o.apiVersion, kind: o.kind };
}

/** `when` expression: the workflow parameter equals 'true'. */
export function whenTrue(param: string): string {
    return `{{=${paramRef(param)} == 'true'}}`;
}

/** What a `when` condition asks of a parameter: equal to, or different from, 'true' or ''. */
type WhenTest = "true" | "not true" | "empty" | "set";
const WHEN_TESTS: Record<WhenTest, { equal: boolean; value: string }> = {
    true: { equal: true, value: "'true'" },
    "not true": { equal: false, value: "'true'" },
    empty: { equal: true, value: "''" },
    set: { equal: false, value: "''" },
};
type WhenConditions = readonly (readonly [string, WhenTest])[];

function comparison([param, is]: readonly [string, WhenTest], negated: boolean): string {
    const { equal, value } = WHEN_TESTS[is];
    return `${paramRef(param)} ${equal !== negated ? "==" : "!="} ${value}`;
}

/** `when` expression: every condition holds. */
export function whenAll(conditions: WhenConditions): string {
    return `{{=${conditions.map((c) => comparison(c, false)).join(" && ")}}}`;
}

/** `when` expression: not every condition holds (whenAll's complement, the other branch of a pair). */
export function whenNotAll(conditions: WhenConditions): string {
    return `{{=${conditions.map((c) => comparison(c, true)).join(" || ")}}}`;
}

/** The exit-handler condition: only a workflow that did not succeed explains and cleans up. */
const WHEN_WORKFLOW_FAILED = "{{workflow.status}} != Succeeded";

/**
 * A failed deploy's exit handler: first say why the target's pods were not ready (before the
 * clean-up deletes them), published as the Workflow's `failure-reasons` output; then clean up,
 * whatever the explanation's own outcome.
 */
export function exitHandler(steps: Steps, explain: Template, cleanUp: Template): Template {
    const explainTask = task("explain-failure").runs(explain).when(WHEN_WORKFLOW_FAILED);
    // Argo refuses continueOn beside `depends`; the clean-up's `depends` names every outcome instead.
    const cleanUpTask = task("clean-up-failed-deploy")
        .runs(cleanUp)
        .when(WHEN_WORKFLOW_FAILED)
        .after("explain-failure.Succeeded || explain-failure.Failed || explain-failure.Errored");
    return steps.add(
        dag("exit-handler", [explainTask, cleanUpTask], {
            outputs: {
                parameters: [
                    {
                        name: FAILURE_REASONS_OUTPUT,
                        globalName: FAILURE_REASONS_OUTPUT,
                        // A deploy that succeeded explains nothing: empty.
                        valueFrom: { parameter: "{{tasks.explain-failure.outputs.result}}", default: "" },
                    },
                ],
            },
        }),
    );
}

/** `{{=asInt(...)}}` for a condition string (conditions are plain text, not YAML). */
export function renderInt(placeholder: number): string {
    const text = renderManifest([{ v: placeholder }]).trim();
    return text.replace(/^v: /, "");
}
