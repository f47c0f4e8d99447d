/**
 * Where pods run: the schema of the `pods` placement (a namespace-wide default, overridden per
 * instance and per exporter), of `workflowPods` (Argo's step pods and the PriorityClass of delete
 * steps) and of `retries` (how steps that talk to the API server retry). The Kubernetes shapes
 * (tolerations, affinity) are checked here, so a typo is a config error naming its key rather
 * than a pod the API server refuses at run time.
 */
import { z } from "zod";
import * as rules from "./rules";
import { doc } from "./key-docs";
import { checked, checkedMap, int, labelMap, strictObject } from "./schema-kit";
import { PROGRAM_POD_LABEL_KEYS } from "../runtime-objects/placement";

const qualifiedName = (what: string) => checked((v) => rules.qualifiedName(v, what), "qualified name");
const labelValue = () => checked(rules.labelValue, "label value");
const dnsSubdomain = () => checked(rules.dnsSubdomain, "DNS subdomain");
const nonEmpty = <T extends z.ZodType>(item: T) => z.array(item).min(1);

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/** A core/v1 Toleration, with the rules the API server applies to one. */
const tolerationSchema = strictObject({
    key: qualifiedName("toleration key").optional(),
    operator: z.enum(["Exists", "Equal"]).optional(),
    value: labelValue().optional(),
    effect: z.enum(TAINT_EFFECTS).optional(),
    tolerationSeconds: int(0, 2 ** 31 - 1).optional(),
}).superRefine((t, ctx) => {
    const issue = (key: string, input: unknown, message: string) => ctx.addIssue({ code: "custom", path: [key], input, message });
    if (t.operator === "Exists" && t.value !== undefined && t.value !== "")
        issue("value", t.value, "must be empty with operator Exists (Exists matches any value); remove it or use operator Equal");
    if (!t.key && t.operator !== "Exists")
        issue("key", t.key, "is required unless operator is Exists (an empty key with Exists tolerates every taint)");
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute")
        issue("tolerationSeconds", t.tolerationSeconds, "only applies to effect NoExecute; set effect: NoExecute or remove it");
});

/** Tolerations, each once, in a stable order (what lands in a manifest must not depend on the writing order). */
const tolerationList = () =>
    doc(
        z.array(tolerationSchema).transform((list) => {
            const byText = new Map(list.map((t) => [JSON.stringify(Object.entries(t).sort()), t]));
            return [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
        }),
        { type: "list of tolerations (`key`, `operator` Exists or Equal, `value`, `effect`, `tolerationSeconds`)" },
    );

/** `values` as each operator needs them; Gt and Lt compare integers. */
function requirementProblem(operator: string, values: readonly string[] | undefined): string | undefined {
    const n = values?.length ?? 0;
    if ((operator === "In" || operator === "NotIn") && n === 0) return `must list at least one value with operator ${operator}`;
    if ((operator === "Exists" || operator === "DoesNotExist") && n > 0) return `must be empty with operator ${operator}`;
    if ((operator === "Gt" || operator === "Lt") && (n !== 1 || !/^-?\d+$/.test(values![0])))
        return `must be exactly one integer with operator ${operator}`;
    return undefined;
}

function requirement<O extends readonly [string, ...string[]]>(operators: O, key: z.ZodType) {
    return strictObject({ key, operator: z.enum(operators), values: z.array(z.string()).optional() }).superRefine((r, ctx) => {
        const problem = requirementProblem(r.operator, r.values);
        if (problem) ctx.addIssue({ code: "custom", path: ["values"], input: r.values, message: problem });
    });
}

const nodeSelectorTerm = strictObject({
    matchExpressions: z
        .array(requirement(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"], qualifiedName("node label key")))
        .optional(),
    matchFields: z.array(requirement(["In", "NotIn"], z.literal("metadata.name"))).optional(),
});

/** A meta/v1 LabelSelector (placement's pod affinity terms, the network policies' peers). */
export const labelSelector = strictObject({
    matchLabels: labelMap.optional(),
    matchExpressions: z.array(requirement(["In", "NotIn", "Exists", "DoesNotExist"], qualifiedName("label key"))).optional(),
});

const weight = () => int(1, 100);

const podAffinityTerm = strictObject({
    labelSelector: labelSelector.optional(),
    namespaceSelector: labelSelector.optional(),
    namespaces: z.array(checked(rules.dnsLabel, "DNS label")).optional(),
    topologyKey: qualifiedName("topology key"),
    matchLabelKeys: z.array(qualifiedName("label key")).optional(),
    mismatchLabelKeys: z.array(qualifiedName("label key")).optional(),
});

const podAffinity = strictObject({
    requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
    preferredDuringSchedulingIgnoredDuringExecution: z.array(strictObject({ weight: weight(), podAffinityTerm })).optional(),
});

/** A core/v1 Affinity. */
const affinitySchema = doc(
    strictObject({
        nodeAffinity: strictObject({
            requiredDuringSchedulingIgnoredDuringExecution: strictObject({ nodeSelectorTerms: nonEmpty(nodeSelectorTerm) }).optional(),
            preferredDuringSchedulingIgnoredDuringExecution: z
                .array(strictObject({ weight: weight(), preference: nodeSelectorTerm }))
                .optional(),
        }).optional(),
        podAffinity: podAffinity.optional(),
        podAntiAffinity: podAffinity.optional(),
    }),
    {
        type: "Kubernetes Affinity (`nodeAffinity`, `podAffinity`, `podAntiAffinity`)",
        // One row: the Kubernetes shape is the API's, not this program's to document key by key.
        table: "affinity",
    },
);

/** Pod labels: valid labels, none of them a key the program sets on its own pods (selectors and metrics read those). */
const podLabels = () =>
    checkedMap(
        (key, value) =>
            PROGRAM_POD_LABEL_KEYS.includes(key)
                ? `is a label the program sets on its pods (${PROGRAM_POD_LABEL_KEYS.join(", ")}); pick another key`
                : (rules.labelKey(key) ?? rules.labelValue(value)),
        "map label→value",
    );
const annotations = () => checkedMap((key) => rules.qualifiedName(key, "annotation key"), "map annotation→text");

const SPREAD_LOCALES = ["none", "preferred", "required"] as const;

/**
 * Names of Secrets the kubelet pulls with, each once and sorted: server-side apply refuses a list
 * keyed by name that names one twice, and a manifest must not depend on the writing order.
 */
const pullSecretList = () =>
    doc(
        z.array(dnsSubdomain()).transform((names) => [...new Set(names)].sort()),
        { type: "list of Secret names (DNS subdomains)" },
    );

interface PlacementDocs {
    readonly [key: string]: { readonly description: string; readonly replaces: string };
}

const NO_CHART_VALUE = "– (no chart value: edit the chart's templates)";

const PLACEMENT_DOCS = {
    nodeSelector: { description: "pod `nodeSelector`: the node labels a pod needs", replaces: NO_CHART_VALUE },
    tolerations: { description: "pod `tolerations`: the taints a pod tolerates", replaces: NO_CHART_VALUE },
    affinity: { description: "pod `affinity`, checked against the Kubernetes shape", replaces: NO_CHART_VALUE },
    priorityClassName: { description: "pod `priorityClassName` (unset: the cluster's default priority)", replaces: NO_CHART_VALUE },
    labels: {
        description: "extra pod labels; the program's own label keys are refused",
        replaces: "– (the charts' labels are fixed)",
    },
    annotations: { description: "extra pod annotations", replaces: NO_CHART_VALUE },
    spreadLocales: {
        description:
            "at most one locale pod of the instance per node: `required` (a topology spread the scheduler never violates), `preferred` (it tries), `none`",
        replaces: NO_CHART_VALUE,
    },
    imagePullSecrets: {
        description:
            "pod `imagePullSecrets`: existing `kubernetes.io/dockerconfigjson` Secrets of the namespace the kubelet pulls the pod's images with, beside the registry credential's Secret (`registryServer`); the top-level list is also every Argo step pod's (the Workflow's `spec.imagePullSecrets`)",
        replaces: NO_CHART_VALUE,
    },
    terminationGracePeriodSeconds: {
        description:
            "pod `terminationGracePeriodSeconds`: how long a deleted pod may take to stop before it is killed. The server passes SIGTERM on to arkouda_server, the locales and the exporter stop at once (the pods with an exporter share one process namespace, so SIGTERM reaches it), and the delete removes the server's registration itself: a longer grace costs a delete nothing unless a process hangs",
        replaces: NO_CHART_VALUE,
    },
} as const satisfies PlacementDocs;

/** Kubernetes' own default is 30 s. Long enough for the server to pass SIGTERM on to arkouda_server and for the locales and the exporter to stop; a hung process costs a delete no more than this. */
const DEFAULT_TERMINATION_GRACE_SECONDS = 2;

/** The placement keys, each with the schema of its value (without a default: the namespace's `pods` states those). */
const placementValues = {
    nodeSelector: () => labelMap,
    tolerations: tolerationList,
    affinity: () => affinitySchema,
    priorityClassName: dnsSubdomain,
    labels: podLabels,
    annotations,
    spreadLocales: () => z.enum(SPREAD_LOCALES),
    imagePullSecrets: pullSecretList,
    terminationGracePeriodSeconds: () => int(0, 3600),
};

/**
 * `pods`: the namespace-wide placement of every Arkouda pod (server, locales, exporter sidecar) and
 * standalone exporter; its `imagePullSecrets` are the step pods' too.
 */
export const podsSchema = strictObject({
    nodeSelector: doc(placementValues.nodeSelector().prefault({}), PLACEMENT_DOCS.nodeSelector),
    tolerations: doc(placementValues.tolerations().default([]), PLACEMENT_DOCS.tolerations),
    affinity: doc(placementValues.affinity().default({}), PLACEMENT_DOCS.affinity),
    priorityClassName: doc(placementValues.priorityClassName().optional(), PLACEMENT_DOCS.priorityClassName),
    labels: doc(placementValues.labels().prefault({}), PLACEMENT_DOCS.labels),
    annotations: doc(placementValues.annotations().prefault({}), PLACEMENT_DOCS.annotations),
    spreadLocales: doc(placementValues.spreadLocales().default("none"), PLACEMENT_DOCS.spreadLocales),
    imagePullSecrets: doc(placementValues.imagePullSecrets().default([]), PLACEMENT_DOCS.imagePullSecrets),
    terminationGracePeriodSeconds: doc(
        placementValues.terminationGracePeriodSeconds().default(DEFAULT_TERMINATION_GRACE_SECONDS),
        PLACEMENT_DOCS.terminationGracePeriodSeconds,
    ),
});

/** An instance's or exporter's own placement: each key it sets replaces the namespace's `pods.<key>` whole. */
function overridingPods<K extends keyof typeof placementValues>(keys: readonly K[]) {
    const shape = Object.fromEntries(
        keys.map((key) => [
            key,
            doc(placementValues[key]().optional(), {
                ...PLACEMENT_DOCS[key],
                default: `top-level \`pods.${key}\``,
                replaces: "",
            }),
        ]),
    ) as { [P in K]: z.ZodOptional<ReturnType<(typeof placementValues)[P]>> };
    const schema = strictObject(shape);
    return schema.prefault({} as z.input<typeof schema>);
}

const PLACEMENT_KEYS = Object.keys(placementValues) as (keyof typeof placementValues)[];
export const instancePodsSchema = overridingPods(PLACEMENT_KEYS);
/** An exporter is one pod: nothing to spread. */
export const exporterPodsSchema = overridingPods(
    PLACEMENT_KEYS.filter((k): k is Exclude<typeof k, "spreadLocales"> => k !== "spreadLocales"),
);

/** The value of the PriorityClass the program declares for delete steps, unless `workflowPods.deletePriority.value` says otherwise. */
const DEFAULT_DELETE_PRIORITY = 1000;

/** The PriorityClass a namespace's delete steps run at, so they can preempt the Arkouda pods they are about to delete. */
const deletePrioritySchema = strictObject({
    source: doc(z.enum(["declare", "existing", "none"]).default("declare"), {
        description:
            "`declare`: the program declares the cluster-scoped PriorityClass `arkouda-workflows-delete-<namespace>`; `existing`: use the class named by `name`; `none`: delete steps run at `workflowPods.priorityClassName`",
        replaces: "– (a delete on a full cluster waited for room that only it could free)",
    }),
    name: doc(dnsSubdomain().optional(), {
        default: "`arkouda-workflows-delete-<namespace>` (with `declare`)",
        description: "the existing PriorityClass; only with `source: existing`",
        replaces: "–",
    }),
    value: doc(int(1, 1_000_000_000).optional(), {
        default: `\`${DEFAULT_DELETE_PRIORITY}\` (with \`declare\`)`,
        description:
            "the declared class's value; must exceed the priority of `pods.priorityClassName` so delete steps may preempt Arkouda pods",
        replaces: "–",
    }),
})
    .superRefine((p, ctx) => {
        const issue = (key: string, input: unknown, message: string) => ctx.addIssue({ code: "custom", path: [key], input, message });
        if (p.source === "existing" && !p.name)
            issue("name", p.name, "is required with source existing: name the PriorityClass delete steps run at");
        if (p.source !== "existing" && p.name)
            issue(
                "name",
                p.name,
                `only names an existing class (source: existing), but source is '${p.source}'; remove it or set source: existing`,
            );
        if (p.source !== "declare" && p.value !== undefined)
            issue("value", p.value, `only sets the declared class's value (source: declare), but source is '${p.source}'; remove it`);
    })
    .transform((p) => ({ ...p, value: p.value ?? DEFAULT_DELETE_PRIORITY }));

/** `workflowPods`: where Argo's step pods run. */
export const workflowPodsSchema = strictObject({
    nodeSelector: doc(labelMap.prefault({}), {
        description: "`nodeSelector` of every Argo step pod (the Workflow's `spec.nodeSelector`)",
        replaces: "– (the step pods ran wherever the scheduler put them)",
    }),
    tolerations: doc(tolerationList().default([]), { description: "`tolerations` of every Argo step pod", replaces: "–" }),
    priorityClassName: doc(dnsSubdomain().optional(), {
        description: "`priorityClassName` of every step pod but the delete steps' (the Workflow's `spec.podPriorityClassName`)",
        replaces: "–",
    }),
    deletePriority: deletePrioritySchema.prefault({}),
});

/**
 * `retries`: each step that talks to the API server is retried, with growing pauses, when it
 * failed the way a passing outage fails it (a refused connection, a timeout, an unavailable or
 * overloaded API server); any other failure (Forbidden, an invalid object, a deadline) fails at once.
 */
export const retriesSchema = strictObject({
    limit: doc(int(0, 20).default(4), { description: "retries after a step's first attempt (`0`: none)", replaces: "–" }),
    backoffSeconds: doc(int(1, 600).default(5), { description: "pause before the first retry", replaces: "–" }),
    factor: doc(int(1, 10).default(2), { description: "each pause is the previous one times this", replaces: "–" }),
    capSeconds: doc(int(1, 3600).default(60), {
        description: "longest pause; a step's own deadline still bounds all its attempts",
        replaces: "–",
    }),
}).superRefine((r, ctx) => {
    if (r.capSeconds < r.backoffSeconds)
        ctx.addIssue({
            code: "custom",
            path: ["capSeconds"],
            input: r.capSeconds,
            message: `must be at least backoffSeconds (${r.backoffSeconds}), the first pause`,
        });
});
