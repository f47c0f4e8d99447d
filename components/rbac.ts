/**
 * RBAC as data: a grant names the verbs on one resource; `mergeGrants` folds the grants on one
 * resource into one, and `policyRules` turns grants into the fewest, sorted Role rules, so the
 * manifest is stable and easy to review.
 */

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

/**
 * One grant per resource with the verbs of every grant on it, in a fixed verb order, sorted by
 * API group and resource. Wildcards are refused: every grant must be spelt out.
 */
export function mergeGrants(grants: readonly Grant[]): Grant[] {
    const byResource = new Map<string, { apiGroup: string; resource: string; verbs: Set<Verb> }>();
    for (const grant of grants) {
        if (grant.resource.includes("*") || grant.apiGroup.includes("*") || grant.verbs.some((v) => (v as string) === "*")) {
            throw new Error(`RBAC grant ${JSON.stringify(grant)} uses a wildcard; name the resources and verbs instead`);
        }
        if (grant.verbs.length === 0) throw new Error(`RBAC grant on ${grant.resource} names no verbs`);
        const key = `${grant.apiGroup}\u0000${grant.resource}`;
        const merged = byResource.get(key) ?? { apiGroup: grant.apiGroup, resource: grant.resource, verbs: new Set<Verb>() };
        grant.verbs.forEach((v) => merged.verbs.add(v));
        byResource.set(key, merged);
    }
    return [...byResource.values()]
        .map(({ apiGroup, resource, verbs }) => ({ apiGroup, resource, verbs: VERB_ORDER.filter((v) => verbs.has(v)) }))
        .sort((a, b) => a.apiGroup.localeCompare(b.apiGroup) || a.resource.localeCompare(b.resource));
}

/** The merged grants as Role rules: the resources of one API group that share a verb set share a rule. */
export function policyRules(grants: readonly Grant[]): PolicyRule[] {
    const rules = new Map<string, PolicyRule>();
    for (const grant of mergeGrants(grants)) {
        const ruleKey = `${grant.apiGroup}\u0000${grant.verbs.join(",")}`;
        const rule = rules.get(ruleKey) ?? { apiGroups: [grant.apiGroup], resources: [], verbs: [...grant.verbs] };
        rule.resources.push(grant.resource);
        rules.set(ruleKey, rule);
    }
    return [...rules.values()]
        .map((rule) => ({ ...rule, resources: [...rule.resources].sort() }))
        .sort((a, b) => a.apiGroups[0].localeCompare(b.apiGroups[0]) || a.resources[0].localeCompare(b.resources[0]));
}
