/**
 * Section 4 of the benchmark alone (this program vs the plain baseline program and kubectl),
 * for working on it: `npx ts-node bench/compare-only.ts [--reps N] [--keep] 1x1 10x1 ...`.
 * Prints the section's markdown and targets; writes nothing into the repo.
 */
import * as fs from "fs";
import * as path from "path";
import { comparisonReport, comparisonTargets } from "./lib/baseline";
import { BenchProject, LocalCluster, loadToolchainEnv, log, tmpRoot } from "./lib/env";
import { met } from "./lib/format";
import { measureComparison } from "./sections/comparison";

async function main(argv: string[]) {
    const repsAt = argv.indexOf("--reps");
    const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : 1;
    const keep = argv.includes("--keep");
    const shapes = argv
        .filter((a) => /^\d+x\d+$/.test(a))
        .map((a) => ({ instances: Number(a.split("x")[0]), clusters: Number(a.split("x")[1]) }));
    if (shapes.length === 0) throw new Error("name shapes, e.g. 1x1 10x1");
    // ARKOUDA_BENCH_AMBIENT_ENV=1: use PATH/PULUMI_HOME as they are (e.g. a toolchain still building).
    if (process.env.ARKOUDA_BENCH_AMBIENT_ENV !== "1") loadToolchainEnv();
    const root = tmpRoot();
    const { cluster } = await LocalCluster.start(path.join(root, "cluster"), false);
    try {
        const program = new BenchProject(root, cluster.kubeconfig);
        const points = await measureComparison(root, cluster.kubeconfig, program, shapes, reps);
        const md = [
            "| target | value | |",
            "|---|---|---|",
            ...comparisonTargets(points, false).map((t) => `| ${t.target} | ${t.value} | ${met(t.ok)} |`),
            "",
            ...comparisonReport(points),
        ];
        process.stdout.write(`${md.join("\n")}\n`);
        fs.writeFileSync(path.join(root, "compare.md"), md.join("\n"));
    } finally {
        cluster.stop();
        if (!keep) fs.rmSync(root, { recursive: true, force: true });
        else log(`kept ${root}`);
    }
}

main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
