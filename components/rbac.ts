/**
 * RBAC as intent: a grant reads like "may list pods", and `policyRules` folds grants into
 * the fewest, sorted Role rules so the manifest is stable and easy to review.
 */
import { API_CONTRACT, type ApiCallRow } from "./image-contract";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";

/** Permission to use some verbs on one resource of one API group ("" is the core group). */
export interface Grant {
    readonly apiGroup: string;
    readonly resource: string;
    readonly verbs: readonly Verb[];
}

/** A Role rule in the shape rbac.authorization.k8s.io/v1 expects. */
export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

const VERB_ORDER: readonly Verb[] = ["get", "list", "watch", "create", "update", "patch", "delete"];

/** `may("get", "list").on("pods")`, `may("get").on("deployments", "apps")`. */
export function may(...verbs: Verb[]) {
    return {
        on: (resource: string, apiGroup = ""): Grant => ({ apiGroup, resource, verbs }),
    };
}

/**
 * Merge grants on the same resource, then group resources of one API group that share the
 * exact verb set into one rule. Wildcards are refused: every grant must be spelt out.
 */
export function policyRules(grants: readonly Grant[]): PolicyRule[] {
    const byResource = new Map<string, Set<Verb>>();
    for (const grant of grants) {
        if (grant.resource.includes("*") || grant.apiGroup.includes("*") || grant.verbs.some((v) => (v as string) === "*")) {
            throw new Error(`RBAC grant ${JSON.stringify(grant)} uses a wildcard; name the resources and verbs instead`);
        }
        if (grant.verbs.length === 0) throw new Error(`RBAC grant on ${grant.resource} names no verbs`);
        const key = `${grant.apiGroup}\u0000${grant.resource}`;
        const verbs = byResource.get(key) ?? new Set<Verb>();
        grant.verbs.forEach((v) => verbs.add(v));
        byResource.set(key, verbs);
    }
    const rules = new Map<string, PolicyRule>();
    for (const [key, verbSet] of byResource) {
        const [apiGroup, resource] = key.split("\u0000");
        const verbs = VERB_ORDER.filter((v) => verbSet.has(v));
        const ruleKey = `${apiGroup}\u0000${verbs.join(",")}`;
        const rule = rules.get(ruleKey) ?? { apiGroups: [apiGroup], resources: [], verbs };
        rule.resources.push(resource);
        rules.set(ruleKey, rule);
    }
    return [...rules.values()]
        .map((rule) => ({ ...rule, resources: [...rule.resources].sort() }))
        .sort((a, b) => a.apiGroups[0].localeCompare(b.apiGroups[0]) || a.resources[0].localeCompare(b.resources[0]));
}

/**
 * What the Arkouda server pod does with the Kubernetes API, one Role per purpose, derived from
 * the calls the image and the launch script make (components/image-contract.ts API_CONTRACT).
 */
export const ARKOUDA_GRANTS = {
    /** The launch script lists the locale pods to learn their IPs before starting GASNet. */
    podDiscovery: grantsFor((call) => call.resource === "pods"),
    /**
     * The server registers its client and metrics Services and their Endpoints at start-up and
     * deletes the Services at shutdown; the launch script first clears an earlier run's.
     */
    serviceRegistration: grantsFor((call) => call.resource === "services" || call.resource === "endpoints"),
} as const satisfies Record<string, readonly Grant[]>;

/** One grant per API call; policyRules folds calls on the same resource into one rule. */
function grantsFor(select: (call: ApiCallRow) => boolean): Grant[] {
    return API_CONTRACT.filter(select).map((call) => ({ apiGroup: call.apiGroup, resource: call.resource, verbs: [call.verb] }));
}
