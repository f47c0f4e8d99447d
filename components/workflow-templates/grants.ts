/**
 * The workflow ServiceAccount's grants, derived from what the four templates' steps touch.
 */
import type { NamespaceSettings } from "../config/types";
import { type Grant, mergeGrants, type Verb } from "../rbac";
import { buildDeleteArkouda, buildDeployArkouda } from "./arkouda";
import { buildDeleteExporter, buildDeployExporter } from "./exporter";
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
 */
const VERBS: Record<Operation, Verb[]> = {
    apply: ["get", "create", "patch"],
    "apply-and-wait": ["get", "create", "patch"],
    delete: ["get", "list", "watch", "delete"],
};

/** What the Argo v4 emissary executor needs in every workflow pod to report results. */
const EXECUTOR_GRANTS: readonly Grant[] = [{ apiGroup: "argoproj.io", resource: "workflowtaskresults", verbs: ["create", "patch"] }];

/**
 * The exact grants the four templates' steps need, derived from what each step touches; sorted,
 * merged per resource, no wildcards. The workflow ServiceAccount's Role is built from this.
 */
export function workflowGrants(): Grant[] {
    const ns: NamespaceSettings = {
        namespace: "grants",
        workflowServiceAccountName: "sa",
        arkoudaServiceAccountName: "sa",
        arkoudaTokenSecretName: "t",
        sshSecretName: "s",
        images: { server: "s", exporter: "e", kubectl: "k" },
        deadlines: { deploySeconds: 1, deleteSeconds: 1, localeReadySeconds: 1, serverReadySeconds: 1 },
        kubernetesApiUrl: "https://k",
    };
    const builders = [buildDeployArkouda, buildDeleteArkouda, buildDeployExporter, buildDeleteExporter];
    const touches = builders.flatMap((build) => build(ns, undefined).touches);
    return mergeGrants([...touches.map(touchGrant), ...EXECUTOR_GRANTS]);
}

/** The grant one touch needs. */
function touchGrant(t: Touch): Grant {
    const resource = PLURALS[t.kind];
    if (!resource) throw new Error(`no plural known for kind ${t.kind}`);
    return { apiGroup: t.apiVersion.includes("/") ? t.apiVersion.split("/")[0] : "", resource, verbs: VERBS[t.op] };
}
