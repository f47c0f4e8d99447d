/**
 * What the Arkouda server pod may do with the Kubernetes API, one set of grants per purpose (one
 * Role each), derived from the calls the image and the launch script make (API_CONTRACT).
 */
import { API_CONTRACT, type ApiCallRow } from "./image-contract";
import type { Grant } from "./rbac";

export const ARKOUDA_GRANTS = {
    /** The launch script lists the locale pods to learn their IPs before starting GASNet. */
    podDiscovery: grantsFor((call) => call.resource === "pods"),
    /**
     * The server registers its client and metrics Services and their Endpoints at start-up and
     * deletes the Services at shutdown; the launch script first clears an earlier run's.
     */
    serviceRegistration: grantsFor((call) => call.resource === "services" || call.resource === "endpoints"),
} as const satisfies Record<string, readonly Grant[]>;

/** One grant per API call; the Role's rules fold calls on the same resource into one. */
function grantsFor(select: (call: ApiCallRow) => boolean): Grant[] {
    return API_CONTRACT.filter(select).map((call) => ({ apiGroup: call.apiGroup, resource: call.resource, verbs: [call.verb] }));
}
