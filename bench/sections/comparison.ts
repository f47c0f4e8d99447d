/**
 * 4. This program against a plain program of the same objects (bench/baseline) and kubectl:
 * create, no-op up, destroy and state size per shape (bench/lib/baseline.ts measures).
 */
import { baselineProject, compareWithBaseline, ComparisonPoint } from "../lib/baseline";
import { Shape } from "../lib/config";
import { BenchProject, log } from "../lib/env";
import { renderShape } from "../lib/mock";

/** The shapes a full (or quick) run compares. */
export function comparisonShapes(quick: boolean): Shape[] {
    return quick
        ? [
              { instances: 1, clusters: 1 },
              { instances: 5, clusters: 1 },
              { instances: 2, clusters: 2 },
          ]
        : [
              { instances: 1, clusters: 1 },
              { instances: 10, clusters: 1 },
              { instances: 50, clusters: 1 },
              { instances: 10, clusters: 5 },
          ];
}

/**
 * Single-cluster shapes are destroyed too; the largest of them also gets the engine-log
 * breakdowns (one extra `-v=9` run each).
 */
export async function measureComparison(
    root: string,
    kubeconfig: string,
    program: BenchProject,
    shapes: readonly Shape[],
    reps: number,
): Promise<ComparisonPoint[]> {
    const largestSingle = shapes.filter((x) => x.clusters === 1).reduce((a, b) => (b.instances > a.instances ? b : a));
    log(
        `4. this program vs a plain program of the same objects (bench/baseline) and kubectl: ${shapes.map((x) => `${x.instances}×${x.clusters}`).join(", ")}`,
    );
    return compareWithBaseline({
        root,
        kubeconfig,
        program,
        baseline: baselineProject(root, kubeconfig),
        shapes,
        reps,
        render: renderShape,
        destroy: (shape) => shape.clusters === 1,
        breakdown: (shape) => shape === largestSingle,
        logDir: program.logDir,
    });
}
