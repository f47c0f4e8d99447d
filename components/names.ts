/**
 * The project's own name and the label keys derived from it, so a rename or a new label key
 * is made once. Kubernetes objects carry `app.kubernetes.io/part-of`; labels the program
 * selects on are prefixed with the project name.
 */

/** The Pulumi project, the stack-config namespace and the prefix of every type token. */
export const PROJECT = "arkouda-workflows";

/** Labels on every object Pulumi declares; `pulumi destroy` must leave none behind. */
export const PART_OF_LABEL: Readonly<Record<string, string>> = { "app.kubernetes.io/part-of": PROJECT };

/** `arkouda-workflows/<name>`: a label key of this project (instance, exporter, schedule, run). */
export function projectLabel(name: string): string {
    return `${PROJECT}/${name}`;
}

/**
 * The Workflow output parameter a failed deploy publishes: why its pods were not ready (each
 * unready pod's False conditions, the scheduler's reason among them, and waiting containers).
 */
export const FAILURE_REASONS_OUTPUT = "failure-reasons";

/**
 * The PersistentVolumeClaim the stack declares for an instance's volume with `claim`: named after
 * both, so it is found beside the instance's objects (config refuses two instances whose names
 * would give one claim name).
 */
export function claimName(instance: string, volume: string): string {
    return `${instance}-${volume}`;
}

/**
 * The `kubernetes.io/dockerconfigjson` Secret the stack declares in a namespace from the registry
 * credential (`registryServer`, `registryUsername`, `registryPassword`): one per namespace, so
 * every pod there, each instance's, exporter's and step's, pulls with it.
 */
export const REGISTRY_SECRET_NAME = "arkouda-registry";
