/**
 * The bench's report: the targets, the markdown (printed and written to
 * bench/results/latest[-quick].md) and the figures without command output
 * (bench/results/latest[-quick].json).
 */
import * as fs from "fs";
import * as path from "path";
import { Args } from "./lib/args";
import { ComparisonPoint, comparisonReport, comparisonTargets, slimPoint } from "./lib/baseline";
import { log } from "./lib/env";
import { f1, met, Target } from "./lib/format";
import { Machine } from "./lib/machine";
import { Measured } from "./lib/measure";
import { ApplyCost, applyCostMarkdown, applyCostTargets } from "./sections/apply-cost";
import { ProgramLoad, programLoadMarkdown } from "./sections/program-load";
import { Scale, scaleMarkdown, scaleTargets } from "./sections/scale";
import { WorkflowCost, workflowCostMarkdown, workflowCostTargets } from "./sections/workflow-cost";
import { WorkflowRunsSection, workflowRunsTargets } from "./sections/workflow-runs";

export interface BenchResults {
    readonly args: Args;
    readonly info: Machine;
    readonly loadBefore: string;
    readonly loadAfter: string;
    readonly clusterStartS: number;
    readonly cost: WorkflowCost;
    readonly programLoad: ProgramLoad;
    readonly applyCost: ApplyCost;
    readonly scale: Scale;
    readonly comparison: ComparisonPoint[];
    readonly workflowRuns: WorkflowRunsSection;
}

export function targets(r: BenchResults): Target[] {
    return [
        ...workflowCostTargets(r.cost),
        ...applyCostTargets(r.applyCost),
        ...scaleTargets(r.scale),
        ...comparisonTargets(r.comparison, r.args.quick),
        ...workflowRunsTargets(r.workflowRuns),
    ];
}

export function reportMarkdown(r: BenchResults, targets: readonly Target[]): string {
    const { args, info } = r;
    const md: string[] = [];
    md.push(`### Benchmark (\`npm run bench${args.quick ? " -- --quick" : ""}\`)`, "");
    md.push(
        `${info.date.slice(0, 10)} on \`${info.host}\`: ${info.nproc} cores (${info.cpu}), ${f1(info.memoryGiB)} GiB, Linux ${info.kernel}, Node ${info.node}; ` +
            `Pulumi ${info.versions.PULUMI_VERSION}, language host ${info.versions.PULUMI_LANGUAGE_NODEJS_VERSION}, pulumi-kubernetes ${info.versions.PULUMI_KUBERNETES_VERSION}, ` +
            `Kubernetes ${info.versions.KUBERNETES_VERSION}, etcd ${info.versions.ETCD_VERSION}. Load average before/after: ${r.loadBefore} / ${r.loadAfter}. ` +
            `${args.reps} repetition(s), medians; times are wall clock. Memory: "max" = \`/usr/bin/time -v\` maximum RSS (largest single process of the tree), ` +
            `"tree" = peak of the summed RSS of the whole process tree (CLI + language host + node + plugins), polled every 200 ms.`,
        "",
    );
    md.push("**Targets**", "", "| target | value | |", "|---|---|---|");
    for (const t of targets) md.push(`| ${t.target} | ${t.value} | ${met(t.ok)} |`);
    md.push("");
    md.push(...workflowCostMarkdown(r.cost));
    md.push(...applyCostMarkdown(r.applyCost, r.clusterStartS));
    md.push(...programLoadMarkdown(r.programLoad));
    md.push(...scaleMarkdown(r.scale));
    md.push(...comparisonReport(r.comparison));
    md.push(...r.workflowRuns.md);
    return md.join("\n");
}

function strip(m: Measured & { runsS?: number[] }) {
    return { wallS: m.wallS, runsS: m.runsS, maxRssMB: m.maxRssMB, treeRssMB: m.treeRssMB };
}

/** The figures of latest.json: every measurement without its command output. */
export function resultsJson(r: BenchResults, targets: readonly Target[]) {
    const { micro, breakdowns, variants, tscBuild } = r.programLoad;
    const { apply, fits, ratio } = r.applyCost;
    const { scale, scaleFits, dynOn, serializing, realPreview, stubPreview } = r.scale;
    return {
        info: r.info,
        args: r.args,
        comparison: r.comparison.map(slimPoint),
        workflowRuns: r.workflowRuns.json,
        loadBefore: r.loadBefore,
        loadAfter: r.loadAfter,
        cost: r.cost,
        clusterStartS: r.clusterStartS,
        micro: micro.map((x) => ({ label: x.label, what: x.what, ...strip(x.m) })),
        breakdowns,
        variants: variants.map((v) => ({ name: v.name, what: v.what, ...strip(v.m) })),
        tscBuildS: tscBuild.wallS,
        apply: apply.map((p) => ({
            ...p,
            preview: strip(p.preview),
            up: strip(p.up),
            upNoCheckpoints: strip(p.upNoCheckpoints),
            kubectl: strip(p.kubectl),
        })),
        fits,
        ratio,
        scale: scale.map((p) => ({ ...p, preview: strip(p.preview) })),
        scaleFits,
        dynamicProviders: {
            eval: dynOn,
            serializing,
            previewS: realPreview.wallS,
            previewTreeRssMB: realPreview.treeRssMB,
            stubPreview: strip(stubPreview),
        },
        targets,
    };
}

/** Prints the report, writes bench/results/latest[-quick].md and .json, and logs each target. */
export function writeResults(r: BenchResults): void {
    const t = targets(r);
    const text = reportMarkdown(r, t);
    process.stdout.write(`${text}\n`);
    const outDir = path.join(__dirname, "results");
    fs.mkdirSync(outDir, { recursive: true });
    const suffix = r.args.quick ? "-quick" : "";
    fs.writeFileSync(path.join(outDir, `latest${suffix}.md`), `${text}\n`);
    fs.writeFileSync(path.join(outDir, `latest${suffix}.json`), `${JSON.stringify(resultsJson(r, t), null, 2)}\n`);
    log(`wrote bench/results/latest${suffix}.md and .json`);
    for (const x of t) log(`target ${x.ok ? "met" : "NOT met"}: ${x.target}: ${x.value}`);
}
