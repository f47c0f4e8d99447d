/**
 * The podSpecPatch a step pod carries for Argo's executor containers. Argo applies it last, as a
 * strategic merge keyed by container name, so it reaches only the containers named here and
 * leaves the Workflow's placement and priority alone; it never names a container the step lacks
 * (a container step has `init`, `main` and `wait`; a resource step's executor is its `main`).
 *
 * One poll of the pinned executor (Argo v4.0.5) is worth setting: a resource step that waits
 * re-reads its object for its success condition every RESOURCE_STATE_CHECK_INTERVAL (5 s by
 * default), up to a poll on every step of the critical path; a read a second is nothing to the
 * API server beside what the step does. A delete step does not poll (`argoexec resource` waits
 * only after a create or apply), and the emissary `wait` container looks for the main container's
 * end every second on its own (WAIT_CONTAINER_STATUS_CHECK_INTERVAL is read only where it kills a
 * container), so neither gets a setting.
 */
import { EXECUTOR_SECURITY_PATCH } from "../pod-security";

const POLL_INTERVAL = "1s";

/** A container step: the executor's securityContext on `init` and `wait`. */
export function containerStepPatch(): string {
    return JSON.stringify({ initContainers: EXECUTOR_SECURITY_PATCH.initContainers, containers: EXECUTOR_SECURITY_PATCH.containers });
}

/** A resource step that waits for a condition: its executor (`main`) checks it once a second. Nothing for one that does not. */
export function resourceStepPatch(waits: boolean): string | undefined {
    return waits
        ? JSON.stringify({ containers: [{ name: "main", env: [{ name: "RESOURCE_STATE_CHECK_INTERVAL", value: POLL_INTERVAL }] }] })
        : undefined;
}
