/**
 * The podSpecPatch each step pod carries for Argo's executor containers. Argo applies it last, as
 * a strategic merge keyed by container name, so it reaches only the containers named here and
 * leaves the Workflow's placement and priority alone; it never names a container the step lacks
 * (a container step has `init`, `main` and `wait`; a resource step's executor is its `main`).
 *
 * Both of the executor's polls default to 5 s (Argo's docs/environment-variables.md): the `wait`
 * container looking for the main container's end, and a resource step re-reading its object for
 * its success condition. Either adds up to a poll to every step of the critical path; a read a
 * second is nothing to the API server beside what the step does.
 */
import { EXECUTOR_SECURITY_PATCH } from "../pod-security";

const POLL_INTERVAL = "1s";

type Patch = { initContainers?: object[]; containers: object[] };

/** A container step: the executor's securityContext on `init` and `wait`, and the faster `wait`. */
export function containerStepPatch(): string {
    const patch: Patch = {
        initContainers: EXECUTOR_SECURITY_PATCH.initContainers,
        containers: EXECUTOR_SECURITY_PATCH.containers.map((c) =>
            c.name === "wait" ? { ...c, env: [{ name: "WAIT_CONTAINER_STATUS_CHECK_INTERVAL", value: POLL_INTERVAL }] } : c,
        ),
    };
    return JSON.stringify(patch);
}

/** A resource step: its executor (`main`) checks the success condition once a second. */
export function resourceStepPatch(): string {
    return JSON.stringify({ containers: [{ name: "main", env: [{ name: "RESOURCE_STATE_CHECK_INTERVAL", value: POLL_INTERVAL }] }] });
}
