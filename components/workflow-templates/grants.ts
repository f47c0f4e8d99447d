/**
 * The workflow ServiceAccount's grants, derived from what the templates' steps touch.
 */
import { type Grant, mergeGrants, type Verb } from "../rbac";
import type { Operation, Touch } from "./steps";

const PLURALS: Record<string, string> = {
    ConfigMap: "configmaps",
    Deployment: "deployments",
    Endpoints: "endpoints",
    Pod: "pods",
    Service: "services",
    ServiceMonitor: "servicemonitors",
};

/**
 * Verbs per operation:
 *  - apply (kubectl --server-side): PATCH (apply patch) and CREATE for absent objects; GET for
 *    kubectl's and Argo's read-back (`-o json`).
 *  - apply-and-wait: the same; Argo's executor then polls the object with GET.
 *  - delete (kubectl / Argo resource delete, `--wait=true`): DELETE, then GET/LIST/WATCH until gone.
 *  - read (kubectl get by label, a failed deploy's explanation): LIST (and GET).
 */
const VERBS: Record<Operation, Verb[]> = {
    apply: ["get", "create", "patch"],
    "apply-and-wait": ["get", "create", "patch"],
    delete: ["get", "list", "watch", "delete"],
    read: ["get", "list"],
};

/** What the Argo v4 emissary executor needs in every workflow pod to report results. */
const EXECUTOR_GRANTS: readonly Grant[] = [{ apiGroup: "argoproj.io", resource: "workflowtaskresults", verbs: ["create", "patch"] }];

/**
 * The exact grants what the templates' steps touch needs, plus the executor's; merged per
 * resource, sorted, no wildcards. The workflow ServiceAccount's Role is built from this.
 */
export function workflowGrants(touches: readonly Touch[]): Grant[] {
    return mergeGrants([...touches.map(touchGrant), ...EXECUTOR_GRANTS]);
}

/** The grant one touch needs. */
function touchGrant(t: Touch): Grant {
    const resource = PLURALS[t.kind];
    if (!resource) throw new Error(`no plural known for kind ${t.kind}`);
    return { apiGroup: t.apiVersion.includes("/") ? t.apiVersion.split("/")[0] : "", resource, verbs: VERBS[t.op] };
}
