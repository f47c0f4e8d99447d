/**
 * `npm run bench [-- --quick] [-- --reps N] [-- --keep] [-- --no-node]`
 *
 * A benchmark (not a test): measures, prints a markdown report and writes it to
 * bench/results/latest.md + latest.json (quick runs: latest-quick.md + .json). One module per
 * section (bench/sections/), run in this order:
 *
 *  1. Workflow cost of the generated templates beside the original's figures.
 *  2. On a private local control plane (scripts/local-cluster.sh, own state dir and free ports,
 *     stopped at the end): where Pulumi's fixed time goes (micro-measurements, engine log phases,
 *     program-load variants), then the apply cost: `pulumi preview` / `pulumi up` of the dev
 *     stack scaled to N instances beside `kubectl apply --server-side` of the identical manifests;
 *     least-squares fixed + per-object cost.
 *  3. Scale: program evaluation under mocks and `pulumi preview` for N instances × M clusters.
 *  4. This program against a plain program of the same objects and kubectl.
 *  5. Workflow runs on the local node (skipped without a Ready node).
 *
 * Needs the toolchain (scripts/toolchain.sh build); applies `scripts/toolchain.sh env` itself.
 * Fails loudly when a command fails; otherwise only reports (targets: met / NOT met).
 *
 *   --quick      smoke run: small counts, one repetition (about 3-4 minutes)
 *   --reps N     repetitions of each repeatable measurement (default 2; quick 1); medians
 *   --keep       keep the temp dir (projects, state, logs, manifests)
 *   --no-node    run the bench's control plane without the local node (section 5 is skipped)
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "./lib/args";
import { BenchProject, LocalCluster, loadToolchainEnv, log, tmpRoot } from "./lib/env";
import { loadAvg, machine } from "./lib/machine";
import { writeResults } from "./report";
import { measureApplyCost } from "./sections/apply-cost";
import { comparisonShapes, measureComparison } from "./sections/comparison";
import { measureProgramLoad } from "./sections/program-load";
import { measureScale } from "./sections/scale";
import { measureWorkflowCost } from "./sections/workflow-cost";
import { measureWorkflowRunsOnNode } from "./sections/workflow-runs";

async function main() {
    const args = parseArgs(process.argv.slice(2));
    loadToolchainEnv();
    const info = await machine();
    const loadBefore = loadAvg();
    const root = tmpRoot();
    log(`${args.quick ? "quick" : "full"} run, reps ${args.reps}, temp dir ${root}, load average ${loadBefore}`);
    const applyCounts = args.quick ? [1, 5] : [1, 10, 50];
    const scaleInstances = args.quick ? [1, 5] : [1, 10, 50];
    const scaleClusters = args.quick ? [1, 2] : [1, 5];

    const cost = await measureWorkflowCost();

    let cluster: LocalCluster | undefined;
    const stopCluster = () => {
        cluster?.stop();
        cluster = undefined;
    };
    for (const [signal, code] of [
        ["SIGINT", 130],
        ["SIGTERM", 143],
    ] as const)
        process.once(signal, () => {
            stopCluster();
            process.exit(code);
        });
    try {
        const started = await LocalCluster.start(path.join(root, "cluster"), args.node);
        cluster = started.cluster;
        const kubeconfig = cluster.kubeconfig;
        const project = new BenchProject(root, kubeconfig);

        const programLoad = await measureProgramLoad(root, kubeconfig, project, args.reps);
        const applyCost = await measureApplyCost(root, kubeconfig, project, applyCounts, args.reps);
        const scale = await measureScale(root, kubeconfig, project, scaleInstances, scaleClusters, args.reps);
        const comparison = await measureComparison(root, kubeconfig, project, comparisonShapes(args.quick), args.reps);
        // The 1-instance stack of the apply cost (its templates and identities) is what runs.
        const workflowRuns = await measureWorkflowRunsOnNode(root, kubeconfig, "bench-p1-r0", cluster.env, args.reps);

        const loadAfter = loadAvg();
        stopCluster();

        writeResults({
            args,
            info,
            loadBefore,
            loadAfter,
            clusterStartS: started.startS,
            cost,
            programLoad,
            applyCost,
            scale,
            comparison,
            workflowRuns,
        });
    } finally {
        stopCluster();
        if (!args.keep) fs.rmSync(root, { recursive: true, force: true });
        else log(`kept ${root}`);
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
