/**
 * kubectl against one cluster, named by its kubeconfig: how the tests and the bench run kubectl.
 * Each suite binds its own defaults (environment, timeout) in `options`.
 */
import { run, RunOptions, RunResult } from "./run";

export function kubectl(kubeconfig: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return run("kubectl", ["--kubeconfig", kubeconfig, ...args], options);
}

/** `kubectl get <kind> <name> [-n <namespace>] -o json`; undefined when it does not exist. */
export async function getObject<T = any>(
    kubeconfig: string,
    kind: string,
    name: string,
    namespace?: string,
    options: RunOptions = {},
): Promise<T | undefined> {
    const result = await kubectl(
        kubeconfig,
        ["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json", "--ignore-not-found"],
        options,
    );
    return result.stdout.trim() ? (JSON.parse(result.stdout) as T) : undefined;
}
