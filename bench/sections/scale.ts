/**
 * 3. Scale: program evaluation under mocks and `pulumi preview` for N instances × M clusters;
 * and what the dynamic providers' serialized code costs at the largest shape.
 */
import * as fs from "fs";
import * as path from "path";
import { scaledValues, Shape } from "../lib/config";
import { BenchProject, log, summaryCount } from "../lib/env";
import { f1, f2, ms, Target } from "../lib/format";
import { Fit, linearFit, Measured, repeat } from "../lib/measure";
import { mockChild } from "../lib/mock";

const TARGET_PREVIEW_50X5_S = 60;

export interface ScalePoint {
    shape: Shape;
    resources: number;
    mock: { evalS: number; processS: number; maxRssMB: number; resources: number; dynamicProviderBytes: number };
    preview: Measured & { runsS: number[] };
}

/** Per resource type: seconds to serialize its provider once, and the text's characters. */
type SerializeTimes = Record<string, { seconds: number; chars: number }>;

interface DynEval {
    evalS: number;
    dynamicResources: number;
    dynamicProviderBytes: number;
    dynamicProviderDistinct: number;
    dynamicProviderSizes: Record<string, number>;
    resources: number;
}

export interface Scale {
    readonly scale: ScalePoint[];
    readonly scaleFits: Record<"mock" | "preview" | "previewMemory", Fit>;
    /** The largest shape, whose dynamic providers are measured. */
    readonly biggest: Shape;
    /** Mock eval of the largest shape (its dynamic resources and their providers' code). */
    readonly dynOn: DynEval;
    /** What serializing each provider costs a run that does not read the build's code. */
    readonly serializing: SerializeTimes;
    /** `pulumi preview` of the largest shape as it is, and with a stub RuntimeTeardown provider. */
    readonly realPreview: Measured & { runsS: number[] };
    readonly stubPreview: Measured & { runsS: number[] };
}

export async function measureScale(
    root: string,
    kubeconfig: string,
    project: BenchProject,
    scaleInstances: readonly number[],
    scaleClusters: readonly number[],
    reps: number,
): Promise<Scale> {
    log(`3. scale: ${scaleInstances.join("/")} instances × ${scaleClusters.join("/")} clusters`);
    const scale: ScalePoint[] = [];
    for (const m of scaleClusters) {
        for (const n of scaleInstances) {
            const shape = { instances: n, clusters: m };
            type Eval = { evalS: number; maxRssMB: number; resources: number; dynamicProviderBytes: number };
            const evals: { result: Eval; m: Measured }[] = [];
            for (let r = 0; r < reps; r++) evals.push(await mockChild<Eval>(`mock eval ${n}x${m}`, ["eval", String(n), String(m)]));
            evals.sort((a, b) => a.result.evalS - b.result.evalS);
            const mid = evals[Math.floor((evals.length - 1) / 2)];
            const stack = `scale-n${n}-m${m}`;
            await project.initStack(stack, scaledValues(shape, `bench-s${n}x${m}`));
            const preview = await repeat(reps, () => project.run(`preview ${stack}`, ["preview", "--stack", stack]));
            const resources = summaryCount(preview.stdout);
            scale.push({
                shape,
                resources,
                mock: {
                    evalS: mid.result.evalS,
                    processS: mid.m.wallS,
                    maxRssMB: mid.result.maxRssMB,
                    resources: mid.result.resources,
                    dynamicProviderBytes: mid.result.dynamicProviderBytes,
                },
                preview,
            });
            log(
                `   ${n}×${m}: ${resources} resources; mock ${f2(mid.result.evalS)}s, preview ${f1(preview.wallS)}s (${f1(preview.treeRssMB)} MB tree)`,
            );
        }
    }
    const scaleFits = {
        mock: linearFit(scale.map((p) => ({ x: p.resources, y: p.mock.evalS }))),
        preview: linearFit(scale.map((p) => ({ x: p.resources, y: p.preview.wallS }))),
        previewMemory: linearFit(scale.map((p) => ({ x: p.resources, y: p.preview.treeRssMB }))),
    };

    log("dynamic providers: mock eval of the largest shape, and each provider's serialization");
    const biggest = { instances: scaleInstances[scaleInstances.length - 1], clusters: scaleClusters[scaleClusters.length - 1] };
    const dynOn = (await mockChild<DynEval>("mock eval", ["eval", String(biggest.instances), String(biggest.clusters)])).result;
    const serializing = (await mockChild<SerializeTimes>("provider serialization", ["serialize"])).result;
    // Diagnostic: the same preview with RuntimeTeardown's provider replaced by a stub of a few
    // hundred bytes (same inputs, same resources): the difference is what the serialized
    // 32 KB provider text costs per resource in a real preview.
    log("dynamic providers: preview of the largest shape with a stub RuntimeTeardown provider");
    const stubbed = new BenchProject(root, kubeconfig, "stub-teardown", (dir) => {
        const file = path.join(dir, "components", "dynamic", "runtime-teardown.ts");
        const text = fs.readFileSync(file, "utf8");
        const start = text.indexOf(
            "export const runtimeTeardownProvider: pulumi.dynamic.ResourceProvider = dynamicProvider(teardownInputSpec, {",
        );
        const end = text.indexOf("\n});\n", start);
        if (start < 0 || end < 0) throw new Error("dynamic/runtime-teardown.ts: runtimeTeardownProvider not found for the stub variant");
        const stub =
            "export const runtimeTeardownProvider: pulumi.dynamic.ResourceProvider = {\n" +
            "    async create(news: any) { return { id: `${news.namespace}/stub`, outs: news }; },\n" +
            "    async delete() { /* stub */ },\n};\n";
        fs.writeFileSync(file, text.slice(0, start) + stub + text.slice(end + 5));
        // The copy is built (BenchProject); what only the real provider used is now unused, which the
        // build's type-check would refuse.
        const build = path.join(dir, "tsconfig.build.json");
        const config = JSON.parse(
            fs
                .readFileSync(build, "utf8")
                .split("\n")
                .filter((l) => !l.trimStart().startsWith("//"))
                .join("\n"),
        );
        config.compilerOptions.noUnusedLocals = false;
        fs.writeFileSync(build, JSON.stringify(config, null, 2));
    });
    await stubbed.initStack("largest", scaledValues(biggest, "bench-stub"));
    const stubPreview = await repeat(reps, () => stubbed.run("preview stub teardown", ["preview", "--stack", "largest"]));
    const realPreview = scale.find((p) => p.shape.instances === biggest.instances && p.shape.clusters === biggest.clusters)!.preview;
    return { scale, scaleFits, biggest, dynOn, serializing, realPreview, stubPreview };
}

export function scaleTargets(r: Scale): Target[] {
    const largest = r.scale.find((p) => p.shape.instances === 50 && p.shape.clusters === 5);
    return [
        largest
            ? {
                  target: `50 instances × 5 clusters preview < ${TARGET_PREVIEW_50X5_S} s`,
                  value: `${f1(largest.preview.wallS)} s`,
                  ok: largest.preview.wallS < TARGET_PREVIEW_50X5_S,
              }
            : { target: `50 instances × 5 clusters preview < ${TARGET_PREVIEW_50X5_S} s`, value: "not run (--quick)", ok: false },
    ];
}

export function scaleMarkdown(r: Scale): string[] {
    const { scale, scaleFits, biggest, dynOn, serializing, realPreview, stubPreview } = r;
    const md: string[] = [];
    md.push(
        "**3. Scale**: program evaluation under mocks (in-process time, one node per case) and `pulumi preview` (fresh stack, everything to create).",
        "",
    );
    md.push(
        "| instances × clusters | resources | mock eval s | mock MB | `pulumi preview` s | MB max / tree | ms per resource (preview) |",
        "|---|---|---|---|---|---|---|",
    );
    for (const p of scale) {
        md.push(
            `| ${p.shape.instances} × ${p.shape.clusters} | ${p.resources} | ${f2(p.mock.evalS)} | ${Math.round(p.mock.maxRssMB)} | ${f1(p.preview.wallS)} | ${Math.round(p.preview.maxRssMB)} / ${Math.round(p.preview.treeRssMB)} | ${ms(p.preview.wallS / p.resources)} |`,
        );
    }
    md.push(
        "",
        `Linear fits over resources: mock eval ${f2(scaleFits.mock.a)} s + ${ms(scaleFits.mock.b)} ms/resource (R² ${f2(scaleFits.mock.r2)}); ` +
            `preview ${f2(scaleFits.preview.a)} s + ${ms(scaleFits.preview.b)} ms/resource (R² ${f2(scaleFits.preview.r2)}); ` +
            `preview memory (tree) ${Math.round(scaleFits.previewMemory.a)} MB + ${f1(scaleFits.previewMemory.b * 1024)} KB/resource (R² ${f2(scaleFits.previewMemory.r2)}).`,
        "",
    );
    md.push(
        `**Dynamic providers** (${biggest.instances} × ${biggest.clusters}): ${dynOn.dynamicResources} dynamic resources carry ${f1(dynOn.dynamicProviderBytes / 2 ** 20)} MB of serialized provider code ` +
            `(${dynOn.dynamicProviderDistinct} distinct texts; ${Object.entries(dynOn.dynamicProviderSizes)
                .map(([t, b]) => `${t.split(":").pop()} ${f1(b / 1024)} KB`)
                .join(", ")}). ` +
            `The build serializes each provider once (components/dynamic/provider-code.ts) and a run reads the text; serialized by the SDK in the run, as before, it would take the program's thread ${Object.entries(
                serializing,
            )
                .map(([t, x]) => `${t} ${f2(x.seconds)} s`)
                .join(", ")} (one fresh process, in that order). ` +
            `\`pulumi preview\` ${f1(realPreview.wallS)} s (${Math.round(realPreview.treeRssMB)} MB tree) vs ${f1(stubPreview.wallS)} s (${Math.round(stubPreview.treeRssMB)} MB tree) with RuntimeTeardown's provider replaced by a stub of a few hundred bytes (diagnostic).`,
        "",
    );
    return md;
}
