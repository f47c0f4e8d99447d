/** Grants written as intent in tests: `may("get", "list").on("pods")`, `may("get").on("deployments", "apps")`. */
import type { Grant, Verb } from "../../components/rbac";

export function may(...verbs: Verb[]) {
    return {
        on: (resource: string, apiGroup = ""): Grant => ({ apiGroup, resource, verbs }),
    };
}
