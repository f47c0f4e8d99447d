/**
 * Typed model of the subset of the Argo Workflows (v3.6+/v4) spec this project emits.
 *
 * Field names are exactly upstream's (argoproj.io/v1alpha1, see argo-workflows docs/fields.md),
 * as hera does, so an object built here serialises straight to a valid manifest. Only fields we
 * use are modelled; everything is optional where upstream's is.
 *
 * Pure data: no Pulumi imports, so the template functions and tests stay plain.
 */

export const ARGO_API_VERSION = "argoproj.io/v1alpha1";

// ---------------------------------------------------------------------------------------------
// Common
// ---------------------------------------------------------------------------------------------

export interface Metadata {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
}

/** An input/output parameter (argo `Parameter`). */
export interface Parameter {
    name: string;
    value?: string;
    /** Fixed choices; the UI and `argo submit` check values against it. */
    enum?: string[];
    description?: string;
    /** An output parameter's source, e.g. `{{tasks.x.outputs.result}}`, and its value when that cannot be resolved. */
    valueFrom?: { parameter: string; default?: string };
    /** Also publish the output as the Workflow's own output parameter of this name (`argo get` shows it). */
    globalName?: string;
}

/** core/v1 Toleration. */
export interface Toleration {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
    tolerationSeconds?: number;
}

/** Argo `Backoff`: durations as Go duration strings. */
export interface Backoff {
    duration: string;
    factor?: number;
    cap?: string;
}

/** Argo `RetryStrategy`; with an `expression` the policy is Always and the expression alone decides. */
export interface RetryStrategy {
    limit: number;
    expression?: string;
    backoff?: Backoff;
}

/** Artifact whose content is inlined (argo `RawArtifact`). */
export interface RawArtifact {
    data: string;
}

export interface Artifact {
    name: string;
    /** Where the artifact is placed inside the container (inputs only). */
    path?: string;
    raw?: RawArtifact;
}

export interface Arguments {
    parameters?: Parameter[];
}

export interface Inputs {
    parameters?: Parameter[];
    artifacts?: Artifact[];
}

export interface Outputs {
    parameters?: Parameter[];
}

/** Argo v3.6+/v4: the singular `mutex`/`semaphore` fields were removed; use the lists. */
export interface Mutex {
    name: string;
    /** Namespace of the mutex; defaults to the workflow's. */
    namespace?: string;
}

export interface Synchronization {
    mutexes?: Mutex[];
}

export interface PodGC {
    strategy: "OnPodCompletion" | "OnPodSuccess" | "OnWorkflowCompletion" | "OnWorkflowSuccess";
}

export interface TTLStrategy {
    secondsAfterSuccess?: number;
    secondsAfterFailure?: number;
}

/** Argo `LabelValueFrom`: a label whose value is an expression (v3.3+). */
export interface LabelValueFrom {
    expression: string;
}

export interface WorkflowMetadata {
    labels?: Record<string, string>;
    /** Labels computed from expressions, e.g. `workflow.parameters['instance-name']`. */
    labelsFrom?: Record<string, LabelValueFrom>;
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

export interface ResourceRequirements {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
}

/** core/v1 SecurityContext (the subset we set). */
export interface SecurityContext {
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    privileged?: boolean;
    runAsGroup?: number;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type: string };
}

/** core/v1 PodSecurityContext (the subset we set). */
export interface PodSecurityContext {
    fsGroup?: number;
    fsGroupChangePolicy?: "OnRootMismatch" | "Always";
    runAsGroup?: number;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type: string };
}

/** The `container` of a container template (a core/v1 Container subset). */
export interface Container {
    image: string;
    command?: string[];
    args?: string[];
    resources?: ResourceRequirements;
    /** `FallbackToLogsOnError`: a failing container's last log lines become its termination message, which Argo shows as the step's message. */
    terminationMessagePolicy?: "File" | "FallbackToLogsOnError";
    securityContext?: SecurityContext;
}

/** Argo `ResourceTemplate`: one Kubernetes object per step (by upstream design). */
export interface ResourceTemplate {
    action: "get" | "create" | "apply" | "delete" | "replace" | "patch";
    manifest?: string;
    successCondition?: string;
    failureCondition?: string;
    flags?: string[];
}

/** Argo `DAGTask`. Use either `depends` (enhanced) or `dependencies`, never both. */
export interface DAGTask {
    name: string;
    template: string;
    depends?: string;
    dependencies?: string[];
    when?: string;
    arguments?: Arguments;
    continueOn?: { error?: boolean; failed?: boolean };
}

export interface DAGTemplate {
    tasks: DAGTask[];
}

/** Argo `Template`: exactly one of container / resource / dag is set. */
export interface Template {
    name: string;
    inputs?: Inputs;
    outputs?: Outputs;
    activeDeadlineSeconds?: number | string;
    /** Bounds the node from its start, its time Pending included (Go duration). */
    timeout?: string;
    /** Overrides the Workflow's `podPriorityClassName` for this template's pod. */
    priorityClassName?: string;
    retryStrategy?: RetryStrategy;
    container?: Container;
    resource?: ResourceTemplate;
    dag?: DAGTemplate;
    /** A strategic-merge patch (JSON) of the step's pod spec, applied after Argo built it. */
    podSpecPatch?: string;
}

export interface WorkflowTemplateRef {
    name: string;
}

/** Argo `WorkflowSpec` (shared by Workflow, WorkflowTemplate and CronWorkflow.workflowSpec). */
export interface WorkflowSpec {
    entrypoint?: string;
    onExit?: string;
    arguments?: Arguments;
    templates?: Template[];
    workflowTemplateRef?: WorkflowTemplateRef;
    serviceAccountName?: string;
    activeDeadlineSeconds?: number;
    /** Placement of every step pod of the Workflow. */
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    podPriorityClassName?: string;
    /** The Secrets every step pod pulls its images with. */
    imagePullSecrets?: { name: string }[];
    synchronization?: Synchronization;
    podGC?: PodGC;
    ttlStrategy?: TTLStrategy;
    workflowMetadata?: WorkflowMetadata;
    /** The pod-level securityContext of every step pod (a template's own would win). */
    securityContext?: PodSecurityContext;
}

// ---------------------------------------------------------------------------------------------
// Top-level kinds
// ---------------------------------------------------------------------------------------------

export interface WorkflowTemplate {
    apiVersion: typeof ARGO_API_VERSION;
    kind: "WorkflowTemplate";
    metadata: Metadata;
    spec: WorkflowSpec;
}

export interface Workflow {
    apiVersion: typeof ARGO_API_VERSION;
    kind: "Workflow";
    metadata: Metadata;
    spec: WorkflowSpec;
}

export interface CronWorkflowSpec {
    /** Argo ≥3.6: a list; the singular `schedule` is deprecated (removed in v4). */
    schedules: string[];
    timezone?: string;
    suspend?: boolean;
    concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
    startingDeadlineSeconds?: number;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    workflowMetadata?: WorkflowMetadata;
    workflowSpec: WorkflowSpec;
}

export interface CronWorkflow {
    apiVersion: typeof ARGO_API_VERSION;
    kind: "CronWorkflow";
    metadata: Metadata;
    spec: CronWorkflowSpec;
}

// ---------------------------------------------------------------------------------------------
// Small intent-style builders (hera / cdk8s-plus spirit). They only assemble the plain objects
// above; nothing is hidden. Example:
//
//   const apply = containerTemplate("apply-objects", { image, args: [...] });
//   const locales = resourceTemplate("deploy-locales", { action: "apply", manifest });
//   dag("deploy", [
//       task("apply").runs(apply),
//       task("deploy-locales").runs(locales).after("apply"),
//   ]);
// ---------------------------------------------------------------------------------------------

export function containerTemplate(name: string, container: Container, extra: Omit<Template, "name" | "container"> = {}): Template {
    return { name, ...extra, container };
}

export function resourceTemplate(name: string, resource: ResourceTemplate, extra: Omit<Template, "name" | "resource"> = {}): Template {
    return { name, ...extra, resource };
}

/** A DAG task under construction; `.runs()` names the template, `.after()` adds dependencies. */
class TaskBuilder {
    private readonly t: DAGTask;
    constructor(name: string) {
        this.t = { name, template: "" };
    }
    /** The template this task runs (a Template or its name). */
    runs(template: Template | string): TaskBuilder {
        this.t.template = typeof template === "string" ? template : template.name;
        return this;
    }
    /** Run after these tasks succeed (`depends: "a && b"`). */
    after(...tasks: (TaskBuilder | string)[]): TaskBuilder {
        const names = tasks.map((x) => (typeof x === "string" ? x : x.name));
        const all = [...(this.t.depends ? [this.t.depends] : []), ...names];
        this.t.depends = all.join(" && ");
        return this;
    }
    /** Only run when the Argo `when` expression holds. */
    when(condition: string): TaskBuilder {
        this.t.when = condition;
        return this;
    }
    get name(): string {
        return this.t.name;
    }
    build(): DAGTask {
        if (!this.t.template) throw new Error(`DAG task ${this.t.name} runs no template`);
        return { ...this.t };
    }
}

export function task(name: string): TaskBuilder {
    return new TaskBuilder(name);
}

/** A DAG template from task builders (or ready DAGTasks). */
export function dag(name: string, tasks: (TaskBuilder | DAGTask)[], extra: Omit<Template, "name" | "dag"> = {}): Template {
    return { name, ...extra, dag: { tasks: tasks.map((t) => (t instanceof TaskBuilder ? t.build() : t)) } };
}

export function workflowTemplate(metadata: Metadata, spec: WorkflowSpec): WorkflowTemplate {
    return { apiVersion: ARGO_API_VERSION, kind: "WorkflowTemplate", metadata, spec };
}
