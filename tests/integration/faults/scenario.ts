/** The stacks the fault scenarios deploy, their cleanup, and their step timings. */
import { kubectl, PulumiProject } from "../pulumi";

/** A small instance: every object of a real one, sized so nothing waits on resources. */
export function smallInstance(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name,
        locales: 1,
        cpu: "500m",
        memory: "1Gi",
        chapel: { numThreadsPerLocale: 1, memMax: 500000000 },
        // No controller should start a deploy by itself while a scenario runs.
        schedules: { deploy: { suspend: true }, delete: { suspend: true } },
        ...extra,
    };
}

/**
 * Cleanup for `after` hooks, cheaper than a destroy: every object a scenario makes is in its own
 * namespaces but the delete PriorityClass a stack declares per namespace, so deleting those
 * removes it all; the stack is dropped with its state (and any lock a killed run left).
 */
export async function dropStack(project: PulumiProject | undefined, namespaces: readonly string[]): Promise<void> {
    if (project) {
        await project.pulumi(["cancel", "--yes"], { check: false });
        await project.pulumi(["stack", "rm", "--yes", "--force"], { check: false });
    }
    for (const ns of namespaces) {
        await kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"], { check: false });
        await kubectl(["delete", "priorityclass", `arkouda-workflows-delete-${ns}`, "--ignore-not-found"], { check: false });
    }
}

/** Seconds since `start`, for the per-step timings. */
export function since(start: number): string {
    return `${((Date.now() - start) / 1000).toFixed(1)}s`;
}
