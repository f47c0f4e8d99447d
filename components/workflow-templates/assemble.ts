/**
 * Assembles each of the four WorkflowTemplates around its steps, with what they all share:
 * labels, deadline, the mutex per target, pod GC and TTL, the labels that let clean-up find runs
 * in flight, the deploy/delete entry points and the parameters the steps use.
 */
import type { NamespaceSettings } from "../config/types";
import { argoParam, paramRef, referencedParameters } from "../argo/expr";
import { projectLabel } from "../names";
import { Template, workflowTemplate, WorkflowSpec, WorkflowTemplate } from "../argo/model";
import { MANAGED_BY } from "../runtime-objects";
import { pullSecrets, secretReferences } from "../runtime-objects/placement";
import { argoParameters, DeclaredParameter, declareParameters, ParameterRow } from "./parameters";
import { DeleteStepOptions, exitHandler, Steps, Touch } from "./steps";
import { STEP_POD_SECURITY } from "../pod-security";

/** Finished workflows are kept this long for inspection, then garbage-collected. */
const TTL_SUCCESS_SECONDS = 24 * 3600;
const TTL_FAILURE_SECONDS = 7 * 24 * 3600;

/** What the templates of one kind of target (an Arkouda instance, a standalone exporter) differ by. */
export interface TargetKindSpec {
    readonly kind: "instance" | "exporter";
    /** The parameter naming the instance or exporter. */
    readonly nameParam: string;
    readonly parameters: readonly ParameterRow[];
    /**
     * Adds the DAG `dagName` that deletes everything a deploy of this target creates (with
     * `serviceMonitors`, its ServiceMonitor too).
     */
    readonly deleteSteps: (steps: Steps, dagName: string, serviceMonitors: boolean, options?: DeleteStepOptions) => Template;
}

/**
 * Whether a namespace's templates of one kind have ServiceMonitor steps: not when it has targets of
 * that kind and none registers one, so the workflow Role gets no grant on ServiceMonitors and the
 * cluster needs no prometheus-operator CRD. With no target configured the steps stay, gated by the
 * parameters, for runs given everything by `-p`.
 */
export interface TemplateOptions {
    readonly serviceMonitors: boolean;
}
export const WITH_SERVICE_MONITORS: TemplateOptions = { serviceMonitors: true };

/**
 * A template as built: its manifest, what its steps touch (the workflow Role is derived from the
 * touches, grants.ts) and the parameters it declares with their defaults (what a run must give
 * it is derived from them, parameters.ts).
 */
export interface BuiltTemplate {
    readonly name: string;
    readonly template: WorkflowTemplate;
    readonly touches: readonly Touch[];
    readonly declared: readonly DeclaredParameter[];
}

/** What a template is assembled from. */
interface TemplateParts<C extends object> {
    settings: NamespaceSettings;
    targetKind: TargetKindSpec;
    component: string;
    /** Parameter defaults come from this target's values; without one, only safe defaults. */
    defaults: C | undefined;
    steps: Steps;
    options: TemplateOptions;
}

/**
 * A deploy template around `s.steps` (entry point `deploy`); its exit handler explains and cleans
 * up a failed run. Exit-handler steps are not bound by the Workflow's deadline (Argo runs them
 * after it): each is bound by `deleteSeconds` from its start, Pending included.
 */
export function deployTemplate<C extends object>(name: string, s: TemplateParts<C>): BuiltTemplate {
    const bound = { timeoutSeconds: s.settings.deadlines.deleteSeconds };
    const explain = s.steps.explainPods("explain-failure", argoParam.str(s.targetKind.nameParam), bound);
    exitHandler(s.steps, explain, s.targetKind.deleteSteps(s.steps, "clean-up", s.options.serviceMonitors, bound));
    return assemble(name, s, { entrypoint: "deploy", onExit: "exit-handler", deadlineSeconds: s.settings.deadlines.deploySeconds });
}

/** The builder of a target's delete template: its delete steps, entry point `delete`. */
export function deleteBuilder<C extends object>(name: string, targetKind: TargetKindSpec, component: string) {
    return (settings: NamespaceSettings, defaults: C | undefined, options: TemplateOptions = WITH_SERVICE_MONITORS): BuiltTemplate => {
        const steps = new Steps(settings, settings.deadlines.deleteSeconds);
        targetKind.deleteSteps(steps, "delete", options.serviceMonitors);
        return assemble(
            name,
            { settings, targetKind, component, defaults, steps, options },
            { entrypoint: "delete", deadlineSeconds: settings.deadlines.deleteSeconds },
        );
    };
}

function mutexName(kind: "instance" | "exporter", param: string): string {
    return `arkouda-${kind}-{{workflow.parameters.${param}}}`;
}

function labels(component: string): Record<string, string> {
    return { "app.kubernetes.io/component": component, "app.kubernetes.io/managed-by": MANAGED_BY, "app.kubernetes.io/name": "arkouda" };
}

function assemble<C extends object>(
    name: string,
    s: TemplateParts<C>,
    run: { entrypoint: string; onExit?: string; deadlineSeconds: number },
): BuiltTemplate {
    const { settings, targetKind } = s;
    const { nodeSelector, tolerations, priorityClassName } = settings.workflowPods;
    const imagePullSecrets = pullSecrets(settings.registrySecretName, secretReferences(settings.imagePullSecrets));
    const body: Omit<WorkflowSpec, "arguments" | "templates"> = {
        entrypoint: run.entrypoint,
        ...(run.onExit ? { onExit: run.onExit } : {}),
        serviceAccountName: settings.workflowServiceAccountName,
        securityContext: STEP_POD_SECURITY,
        activeDeadlineSeconds: run.deadlineSeconds,
        // Where every step pod runs (a delete step's priority is its template's: steps.ts).
        ...(Object.keys(nodeSelector).length > 0 && { nodeSelector: { ...nodeSelector } }),
        ...(tolerations.length > 0 && { tolerations: tolerations.map((t) => ({ ...t })) }),
        ...(priorityClassName !== undefined && { podPriorityClassName: priorityClassName }),
        // What every step pod pulls its images with (the kubectl and Argo executor images).
        ...(imagePullSecrets.length > 0 && { imagePullSecrets }),
        synchronization: { mutexes: [{ name: mutexName(targetKind.kind, targetKind.nameParam) }] },
        // Keep a failed step's pod for its logs; completed workflows expire.
        podGC: { strategy: "OnPodSuccess" },
        ttlStrategy: { secondsAfterSuccess: TTL_SUCCESS_SECONDS, secondsAfterFailure: TTL_FAILURE_SECONDS },
        workflowMetadata: {
            labels: labels(s.component),
            // Which instance or exporter a Workflow acts on, so clean-up can find runs in flight.
            labelsFrom: {
                "app.kubernetes.io/instance": { expression: paramRef(targetKind.nameParam) },
                [projectLabel(targetKind.kind)]: { expression: paramRef(targetKind.nameParam) },
            },
        },
    };
    const templates = s.steps.templates;
    // Only the parameters the steps use: a delete needs the name, not the image, so its
    // CronWorkflows, runs and commands carry no more than that.
    const used = referencedParameters([body, templates]);
    const declared = declareParameters(
        targetKind.parameters.filter((r) => used.has(r.name)),
        s.defaults,
    );
    const template = workflowTemplate(
        { name, namespace: settings.namespace, labels: labels(s.component) },
        { ...body, arguments: { parameters: argoParameters(declared) }, templates },
    );
    return { name, template, touches: s.steps.touches, declared };
}
