/**
 * The pure half of RuntimeTeardown (runtime-teardown.ts): its inputs and their stored form,
 * their checks and diff, the targets an update drops, and the order of deletion.
 */
import type { KubeAccess } from "./kubeconfig";
import { Failure, fieldsOf, inputFailures, InputSpec, kubeAccessOf, UNKNOWN } from "./provider";

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
const CONTROLLER_KINDS = ["Deployment"];

/**
 * Order of deletion by kind: controllers first (so they do not recreate pods), then pods,
 * then what routes or watches traffic, then configuration, then RBAC last (pods use it until
 * they are gone). Unlisted kinds go between configuration and RBAC.
 */
const KIND_ORDER: Record<string, number> = {
    Deployment: 0,
    Pod: 1,
    ServiceMonitor: 2,
    Service: 3,
    Endpoints: 4,
    ConfigMap: 5,
    RoleBinding: 7,
    Role: 8,
};
const UNLISTED_KIND_ORDER = 6;

/** Place of a kind in the deletion order. Pure. */
function kindOrder(kind: string): number {
    return kind in KIND_ORDER ? KIND_ORDER[kind] : UNLISTED_KIND_ORDER;
}

/** Whether objects of `kind` run pods (or are pods): they go, and are gone, before the rest. Pure. */
export function runsPods(kind: string): boolean {
    return kindOrder(kind) <= KIND_ORDER.Pod;
}

/** `apiVersion/Kind/name`. Throws for a ref that cannot round-trip (a name or kind with '/'). Pure. */
export function encodeRef(ref: RuntimeObjectRef): string {
    for (const key of ["kind", "name"] as const) {
        if (typeof ref[key] !== "string" || !ref[key].trim() || ref[key].includes("/")) {
            throw new Error(`runtime object ref ${JSON.stringify(ref)}: ${key} must be a non-empty string without '/'`);
        }
    }
    if (typeof ref.apiVersion !== "string" || !ref.apiVersion.trim())
        throw new Error(`runtime object ref ${JSON.stringify(ref)}: apiVersion is required`);
    return `${ref.apiVersion.trim()}/${ref.kind.trim()}/${ref.name.trim()}`;
}

/** Inverse of encodeRef; undefined for a string with fewer than three parts (or not a string). Pure. */
export function decodeRef(text: unknown): RuntimeObjectRef | undefined {
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

/** The input fields of RuntimeTeardown. */
type TeardownField = keyof RuntimeTeardownState;

/** The fields of a target in the stored form. */
type TargetField = keyof StoredTarget;

/** Validation failures of the inputs (empty when valid). Values unknown during preview pass. Pure. */
export function checkTeardownInputs(news: unknown): Failure[] {
    const n = fieldsOf<TeardownField>(news);
    const f = inputFailures(n, { kube: "object", namespace: "string", timeoutSeconds: "positive" });
    const cpp = n.controllerPropagationPolicy;
    if (cpp !== undefined && cpp !== UNKNOWN && cpp !== "Foreground" && cpp !== "Background") {
        f.push({ property: "controllerPropagationPolicy", reason: 'controllerPropagationPolicy must be "Foreground" or "Background"' });
    }
    if (n.targets !== UNKNOWN) {
        if (!Array.isArray(n.targets)) f.push({ property: "targets", reason: "targets must be a list" });
        else {
            const names = new Set<string>();
            n.targets.forEach((target: unknown, i: number) => {
                if (target === UNKNOWN) return;
                if (!target || typeof target !== "object")
                    return void f.push({ property: `targets[${i}]`, reason: "a target must be an object" });
                const t = fieldsOf<TargetField>(target);
                if (t.name !== UNKNOWN) {
                    if (typeof t.name !== "string" || !t.name.trim())
                        f.push({ property: `targets[${i}].name`, reason: "name is required" });
                    else if (names.has(t.name)) f.push({ property: `targets[${i}].name`, reason: `target ${t.name} is listed twice` });
                    else names.add(t.name);
                }
                for (const key of ["workflows", "objects"] as const) {
                    const list = t[key];
                    if (list === UNKNOWN) continue;
                    if (!Array.isArray(list)) {
                        f.push({ property: `targets[${i}].${key}`, reason: `${key} must be a list` });
                        continue;
                    }
                    list.forEach((v: unknown, j: number) => {
                        if (v === UNKNOWN) return;
                        if (key === "workflows" && (typeof v !== "string" || !v.trim()))
                            f.push({ property: `targets[${i}].workflows[${j}]`, reason: "a label selector is required" });
                        if (key === "objects" && !decodeRef(v))
                            f.push({ property: `targets[${i}].objects[${j}]`, reason: `'${v}' is not apiVersion/Kind/name` });
                    });
                }
            });
        }
    }
    return f;
}

/** Keeps only the input fields (kube reduced to the KubeAccess keys, targets to their three keys). Pure. */
export function teardownInputs(inputs: unknown): RuntimeTeardownState {
    const news = fieldsOf<TeardownField>(inputs);
    const kube = kubeAccessOf(news.kube);
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    const targets = Array.isArray(news.targets)
        ? news.targets.map((target: unknown) => {
              if (!target || typeof target !== "object") return target;
              const t = fieldsOf<TargetField>(target);
              return { name: t.name, workflows: list(t.workflows), objects: list(t.objects) };
          })
        : news.targets;
    // Kept as given: check() has validated them (during preview they may be the engine's unknown sentinel).
    const out: RuntimeTeardownState = {
        kube,
        namespace: news.namespace as string,
        targets: targets as StoredTarget[],
        timeoutSeconds: news.timeoutSeconds as number,
    };
    if (typeof news.controllerPropagationPolicy === "string" && news.controllerPropagationPolicy)
        out.controllerPropagationPolicy = news.controllerPropagationPolicy as RuntimeTeardownState["controllerPropagationPolicy"];
    return out;
}

/** Diff of stored state against new inputs: any change is an in-place update, never a replacement. Pure. */
export function diffTeardown(olds: unknown, news: unknown): { changes: boolean; replaces: string[] } {
    const a = teardownInputs(olds ?? {});
    const b = teardownInputs(news ?? {});
    return { changes: JSON.stringify(a) !== JSON.stringify(b), replaces: [] };
}

/** How RuntimeTeardown's inputs are checked, stored and compared. */
export const teardownInputSpec: InputSpec<RuntimeTeardownState> = {
    failures: checkTeardownInputs,
    inputs: teardownInputs,
    diff: diffTeardown,
};

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
    steps.sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || a.index - b.index);
    return steps.map(({ index: _i, ...s }) => s);
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
        r.finalizers
            ? `${r.kind}/${r.name} (terminating${r.finalizers.length ? `, finalizers: ${r.finalizers.join(", ")}` : ""})`
            : `${r.kind}/${r.name}`,
    );
    const foreground = remaining.some((r) => r.finalizers?.includes("foregroundDeletion"));
    const hint = foreground
        ? "; foreground deletion waits for the garbage collector (kube-controller-manager) to delete the dependent pods: is it running?"
        : "";
    return `runtime teardown in namespace ${namespace}: still present after ${timeoutSeconds} s: ${items.join(", ")}${hint}`;
}
