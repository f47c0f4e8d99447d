/**
 * What the program reads of the Arkouda image's contract (bearsrus/arkouda-udp-server v2024.04.19):
 * the Kubernetes API calls made from inside the server pod, from which the Arkouda
 * ServiceAccount's grants are derived (arkouda-grants.ts), sshd's port and the file the readiness
 * probe waits for. The rest of the contract (env, ports, flags), which tests and the README read,
 * is in contract/image.ts.
 *
 * Sources: Bears-R-Us/arkouda at v2024.04.19 (`src/...`).
 */
import type { Verb } from "./rbac";

/** One Kubernetes API call made from inside the server pod. */
export interface ApiCallRow {
    readonly caller: "arkouda_server" | "launch script";
    readonly when: string;
    readonly method: "GET" | "POST" | "DELETE";
    /** Path below K8S_HOST; `{ns}` is NAMESPACE, `{name}` the object name. */
    readonly path: string;
    readonly apiGroup: string;
    readonly resource: string;
    readonly verb: Verb;
    readonly source: string;
}

const EI = "src/ExternalIntegration.chpl";
const SCRIPT = "components/launch-scripts.ts";

/**
 * Every API call made from inside the server pod. `deployment` is left at STANDARD (the default,
 * src/ServerConfig.chpl): the Services carry no selector and the server posts their Endpoints.
 */
export const API_CONTRACT: readonly ApiCallRow[] = [
    {
        caller: "launch script",
        when: "before start: locale discovery",
        method: "GET",
        path: "/api/v1/namespaces/{ns}/pods?labelSelector=app={APP_NAME}&fieldSelector=status.phase=Running",
        apiGroup: "",
        resource: "pods",
        verb: "list",
        source: SCRIPT,
    },
    {
        caller: "launch script",
        when: "before start: clear an earlier run's registration",
        method: "DELETE",
        path: "/api/v1/namespaces/{ns}/services/{name}",
        apiGroup: "",
        resource: "services",
        verb: "delete",
        source: SCRIPT,
    },
    {
        caller: "launch script",
        when: "before start: clear an earlier run's registration",
        method: "DELETE",
        path: "/api/v1/namespaces/{ns}/endpoints/{name}",
        apiGroup: "",
        resource: "endpoints",
        verb: "delete",
        source: SCRIPT,
    },
    {
        caller: "arkouda_server",
        when: "start-up, client and metrics endpoint",
        method: "POST",
        path: "/api/v1/namespaces/{ns}/services",
        apiGroup: "",
        resource: "services",
        verb: "create",
        source: EI,
    },
    {
        caller: "arkouda_server",
        when: "start-up, client and metrics endpoint",
        method: "POST",
        path: "/api/v1/namespaces/{ns}/endpoints",
        apiGroup: "",
        resource: "endpoints",
        verb: "create",
        source: EI,
    },
    {
        caller: "arkouda_server",
        when: "shutdown",
        method: "DELETE",
        path: "/api/v1/namespaces/{ns}/services/{name}",
        apiGroup: "",
        resource: "services",
        verb: "delete",
        source: EI,
    },
];

/** sshd's port in the Arkouda image (fixed); the GASNet ssh spawner connects to it on every pod. */
export const SSHD_PORT = 22;

/** Where the readiness probe looks for ARKOUDA_SERVER_CONNECTION_INFO's file. */
export const SERVER_CONNECTION_INFO_PATH = "/tmp/arkouda-server-connection-info";
