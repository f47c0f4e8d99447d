/** The bench's work under Pulumi mocks: bench/mock-child.ts in a node of its own, measured. */
import * as path from "path";
import { REPO_ROOT, Shape } from "./config";
import { measure, Measured } from "./measure";

/** Runs bench/mock-child.ts (ts-node transpile-only); parses the JSON of its last stdout line. */
export async function mockChild<T>(label: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ result: T; m: Measured }> {
    const m = await measure(
        label,
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(__dirname, "..", "mock-child.ts"), ...args],
        {
            cwd: REPO_ROOT,
            env: { ...process.env, ...extraEnv },
        },
    );
    return { result: JSON.parse(m.stdout.trim().split("\n").pop()!) as T, m };
}

/** Writes the Kubernetes objects of `shape` in `namespace` to `file` as YAML; returns how many. */
export async function renderShape(shape: Shape, namespace: string, file: string): Promise<number> {
    const { result } = await mockChild<{ objects: number }>(`render ${shape.instances}x${shape.clusters}`, [
        "render",
        String(shape.instances),
        namespace,
        file,
        String(shape.clusters),
    ]);
    return result.objects;
}
