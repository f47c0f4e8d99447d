/**
 * Where the Arkouda pods and the standalone exporter run: the placement fields of their pod specs
 * and pod metadata, built from a values record (concrete values, or Argo parameter placeholders),
 * and what a placement's config turns into before it travels as a parameter.
 */
import type * as k8s from "@pulumi/kubernetes";
import { MAX_LOCALES } from "../config/rules";

type Toleration = k8s.types.input.core.v1.Toleration;
type TopologySpreadConstraint = k8s.types.input.core.v1.TopologySpreadConstraint;
type Affinity = k8s.types.input.core.v1.Affinity;
/** A pod's reference to a Secret of its namespace, by name. */
interface SecretReference {
    name: string;
}

/** The label keys the program sets on the pods it creates: selectors, Services and metrics read them, so no user label may replace one. */
export const PROGRAM_POD_LABEL_KEYS: readonly string[] = [
    "app",
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/name",
    "arkouda_instance",
    "instance",
    "launcher",
];

/** The placement values of one pod kind, as the parameter tables fill them. */
export interface PlacementValues {
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly tolerations: readonly Toleration[];
    readonly affinity: object;
    readonly priorityClassName: string;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly podAnnotations: Readonly<Record<string, string>>;
    /** The target's own pull Secrets (`pods.imagePullSecrets`). */
    readonly imagePullSecrets: readonly SecretReference[];
    readonly terminationGracePeriodSeconds: number;
}

/**
 * The placement fields of a pod spec. `priorityClassName` only where asked for: on a bare Pod an
 * empty one would be owned by the server-side apply, and on a cluster with a globalDefault
 * PriorityClass admission fills it in, so applying the same Pod again would try to change an
 * immutable field (the server Pod comes in a variant without it, chosen when the name is empty).
 */
export function podPlacement(v: PlacementValues, withPriorityClass = true) {
    // Casts, not copies: a value may be an Argo placeholder standing for the whole list or object.
    return {
        nodeSelector: v.nodeSelector,
        tolerations: v.tolerations as Toleration[],
        affinity: v.affinity as Affinity,
        terminationGracePeriodSeconds: v.terminationGracePeriodSeconds,
        ...(withPriorityClass ? { priorityClassName: v.priorityClassName } : {}),
    };
}

/** Secret names as a pod spec refers to them (`imagePullSecrets`). */
export function secretReferences(names: readonly string[]): SecretReference[] {
    return names.map((name) => ({ name }));
}

/**
 * The Secrets a pod pulls its images with: the one the stack declares from the registry
 * credential, when it has one, then `own` (the target's list, or a placeholder standing for its
 * items; the step pods': the namespace's). Config refuses a list that names the declared one again.
 */
export function pullSecrets(registrySecretName: string | undefined, own: readonly SecretReference[]): SecretReference[] {
    return [...(registrySecretName === undefined ? [] : secretReferences([registrySecretName])), ...own];
}

/** The locale pods' topology spread (a placeholder or a concrete list, as `podPlacement`'s values). */
export function spreadConstraints(spread: readonly TopologySpreadConstraint[]): TopologySpreadConstraint[] {
    return spread as TopologySpreadConstraint[];
}

/** Pod metadata: the program's labels win over the user's (config refuses their keys anyway), and the user's annotations. */
export function podMetadata(v: PlacementValues, labels: Readonly<Record<string, string>>) {
    return { labels: { ...v.podLabels, ...labels }, annotations: v.podAnnotations };
}

/**
 * The tolerations a pod carries: the configured ones, and the two the DefaultTolerationSeconds
 * admission plugin adds to every pod that lacks them (at its default 300 s). Stating them keeps a
 * re-applied Pod identical to the live one: server-side apply replaces the whole list, and a Pod's
 * existing tolerations cannot be removed.
 */
export function tolerationsWithAdmissionDefaults(configured: readonly Toleration[]): Toleration[] {
    const defaults = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]
        .filter((key) => !configured.some((t) => t.key === key && (t.effect === undefined || t.effect === "NoExecute")))
        .map((key): Toleration => ({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }));
    return [...configured, ...defaults];
}

/**
 * The locale pods' topology spread for `spreadLocales`. Locales of the same instance only
 * (`matchLabelKeys` adds the pod's own instance label to the selector, so the constraint holds
 * no instance name and suits every instance of the namespace); one per node: with `minDomains`
 * above any locale count, a node that already runs a locale is never within `maxSkew` of the
 * minimum. The server pod is not constrained: a bare Pod must re-apply unchanged, and the API
 * server rewrites a selector with `matchLabelKeys` when it creates a pod.
 */
export function localeSpread(spread: "none" | "preferred" | "required"): TopologySpreadConstraint[] {
    if (spread === "none") return [];
    const common = {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        labelSelector: { matchLabels: { "app.kubernetes.io/component": "locale", "app.kubernetes.io/name": "arkouda" } },
        matchLabelKeys: ["app.kubernetes.io/instance"],
    };
    return spread === "required"
        ? [{ ...common, whenUnsatisfiable: "DoNotSchedule", minDomains: MAX_LOCALES }]
        : [{ ...common, whenUnsatisfiable: "ScheduleAnyway" }];
}
