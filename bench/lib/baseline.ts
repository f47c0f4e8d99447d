/**
 * This program against a plain Pulumi program of the same Kubernetes objects (bench/baseline/),
 * and both against kubectl: create, no-op second `pulumi up`, destroy, state size. Program and
 * baseline run interleaved (program, baseline, program, baseline…) on the same engine and API
 * server, each repetition on a fresh stack and namespace.
 */
import * as fs from "fs";
import * as path from "path";
import { scaledValues, Shape } from "./config";
import { breakdown, Breakdown, createSteps, StepsOfType } from "./breakdown";
import { asTypeScriptProject } from "../../tests/lib/program-copy";
import { BenchProject, log } from "./env";
import { f1, f2, Target } from "./format";
import { measure, Measured, summarize } from "./measure";

export type Timed = Measured & { runsS: number[] };

/** One `pulumi up` → no-op `pulumi up` → `pulumi destroy` cycle of a stack, repeated. */
export interface Cycle {
    readonly create: Timed;
    readonly noop: Timed;
    readonly destroy?: Timed;
    /** Resources the create reported (including the stack). */
    readonly resources: number;
    /** Resources the no-op up changed (must be 0). */
    readonly noopChanges: number;
    /** `pulumi stack export` of the first repetition, bytes (indented JSON), and its split by resource type. */
    readonly stateBytes: number;
    /** The same state as compact JSON: what the file backend writes to disk at every step. */
    readonly stateCompactBytes: number;
    readonly stateByType: Record<string, { count: number; bytes: number }>;
    /** Engine-log phases of one more no-op up (`-v=9`), when asked for. */
    readonly noopBreakdown?: Breakdown;
    /** Engine-log phases and create steps by type of one more create (`-v=9`, fresh stack), when asked for. */
    readonly createBreakdown?: CreateBreakdown;
}

export interface CreateBreakdown {
    readonly breakdown: Breakdown;
    readonly steps: StepsOfType[];
}

export interface KubectlCycle {
    readonly create: Timed;
    readonly noop: Timed;
    readonly destroy?: Timed;
}

export interface ComparisonPoint {
    readonly shape: Shape;
    readonly objects: number;
    readonly program: Cycle;
    readonly baseline?: Cycle;
    /** Why the baseline has no figures at this shape (its run failed; the program's still count). */
    readonly baselineError?: string;
    readonly kubectl: KubectlCycle;
}

/**
 * The temp project of the baseline program: bench/baseline/index.ts as a plain Pulumi TypeScript
 * project (run through ts-node as the language host registers it, tsconfig.json's settings), as
 * it ran before this program was precompiled, so its figures compare with the earlier results.
 */
export function baselineProject(root: string, kubeconfig: string): BenchProject {
    return new BenchProject(root, kubeconfig, "baseline", (dir) => {
        for (const built of ["components", "bin", "program.js"]) fs.rmSync(path.join(dir, built), { recursive: true, force: true });
        fs.copyFileSync(path.join(__dirname, "..", "baseline", "index.ts"), path.join(dir, "index.ts"));
        asTypeScriptProject(dir);
    });
}

/** Counts of the summary Pulumi prints ("+ 30 created", "~ 2 updated", "35 unchanged"…). */
export function summaryCounts(stdout: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const m of stdout.matchAll(/^\s*(?:\+-|[-+~])?\s*(\d+) (created|updated|deleted|replaced|unchanged)\b/gm))
        counts[m[2]] = (counts[m[2]] ?? 0) + Number(m[1]);
    return counts;
}

function changes(counts: Record<string, number>): number {
    return (counts.created ?? 0) + (counts.updated ?? 0) + (counts.deleted ?? 0) + (counts.replaced ?? 0);
}

/** Bytes of an exported state by resource type (serialized resource, as exported). */
export function stateByType(exported: string): Record<string, { count: number; bytes: number }> {
    const resources = (JSON.parse(exported).deployment?.resources ?? []) as { type: string }[];
    const out: Record<string, { count: number; bytes: number }> = {};
    for (const r of resources) {
        const e = (out[r.type] ??= { count: 0, bytes: 0 });
        e.count++;
        e.bytes += JSON.stringify(r, null, 4).length;
    }
    return out;
}

interface CycleRuns {
    create: Measured[];
    noop: Measured[];
    destroy: Measured[];
    resources: number;
    noopChanges: number;
    stateBytes: number;
    stateCompactBytes: number;
    stateByType: Record<string, { count: number; bytes: number }>;
    noopBreakdown?: Breakdown;
    createBreakdown?: CreateBreakdown;
}

function emptyRuns(): CycleRuns {
    return { create: [], noop: [], destroy: [], resources: 0, noopChanges: 0, stateBytes: 0, stateCompactBytes: 0, stateByType: {} };
}

function toCycle(r: CycleRuns): Cycle {
    return {
        create: summarize(r.create),
        noop: summarize(r.noop),
        destroy: r.destroy.length ? summarize(r.destroy) : undefined,
        resources: r.resources,
        noopChanges: r.noopChanges,
        stateBytes: r.stateBytes,
        stateCompactBytes: r.stateCompactBytes,
        stateByType: r.stateByType,
        noopBreakdown: r.noopBreakdown,
        createBreakdown: r.createBreakdown,
    };
}

/** One cycle of one stack; `destroy` false keeps the stack (its namespace is removed with the cluster). */
async function cycleOnce(
    p: BenchProject,
    stack: string,
    values: Record<string, unknown>,
    into: CycleRuns,
    first: boolean,
    destroy: boolean,
    breakdownLog?: string,
): Promise<void> {
    await p.initStack(stack, values);
    const create = await p.run(`up ${stack}`, ["up", "--stack", stack, "--yes", "--skip-preview"]);
    into.create.push(create);
    const noop = await p.run(`no-op up ${stack}`, ["up", "--stack", stack, "--yes", "--skip-preview"]);
    into.noop.push(noop);
    const noopChanges = changes(summaryCounts(noop.stdout));
    into.noopChanges = Math.max(into.noopChanges, noopChanges);
    // What a no-op changed, to read after the run (the summary counts alone do not say which).
    if (noopChanges > 0) fs.writeFileSync(path.join(p.logDir, `noop-changed-${stack}.txt`), `${noop.stdout}\n--- stderr\n${noop.stderr}`);
    if (first) {
        const counts = summaryCounts(create.stdout);
        into.resources = counts.created ?? 0;
        const exported = (await p.run(`export ${stack}`, ["stack", "export", "--stack", stack])).stdout;
        into.stateBytes = exported.length;
        into.stateCompactBytes = JSON.stringify(JSON.parse(exported)).length;
        into.stateByType = stateByType(exported);
        if (breakdownLog) {
            const t0 = Date.now() / 1000;
            await p.run(
                `no-op up -v=9 ${stack}`,
                ["up", "--stack", stack, "--yes", "--skip-preview", "--logflow", "--logtostderr", "-v=9"],
                { stderrFile: breakdownLog },
            );
            into.noopBreakdown = breakdown(breakdownLog, t0, Date.now() / 1000);
        }
    }
    if (destroy) into.destroy.push(await p.run(`destroy ${stack}`, ["destroy", "--stack", stack, "--yes", "--skip-preview"]));
}

/** One more create of a fresh stack with the engine log on (`-v=9`), then its destroy; never fatal. */
async function createBreakdownRun(
    p: BenchProject,
    stack: string,
    values: Record<string, unknown>,
    logFile: string,
): Promise<CreateBreakdown | undefined> {
    try {
        await p.initStack(stack, values);
        const t0 = Date.now() / 1000;
        await p.run(`create -v=9 ${stack}`, ["up", "--stack", stack, "--yes", "--skip-preview", "--logflow", "--logtostderr", "-v=9"], {
            stderrFile: logFile,
        });
        const result = { breakdown: breakdown(logFile, t0, Date.now() / 1000), steps: createSteps(logFile) };
        await p.run(`destroy ${stack}`, ["destroy", "--stack", stack, "--yes", "--skip-preview"]);
        return result;
    } catch (e) {
        log(`   create breakdown of ${stack} left out: ${(e as Error).message.split("\n")[0]}`);
        return undefined;
    }
}

/**
 * For each shape: render the objects (`render(shape, namespace, file)`), then `reps` interleaved
 * cycles of the program and (one cluster only) the baseline, and kubectl create / no-op apply /
 * delete of the same manifests.
 */
export async function compareWithBaseline(options: {
    root: string;
    kubeconfig: string;
    program: BenchProject;
    baseline: BenchProject;
    shapes: readonly Shape[];
    reps: number;
    render: (shape: Shape, namespace: string, file: string) => Promise<number>;
    /** Also destroy (and time it); shapes with more than one cluster keep their stacks. */
    destroy: (shape: Shape) => boolean;
    /** Shapes whose no-op up also gets an engine-log breakdown (one extra `-v=9` run each). */
    breakdown: (shape: Shape) => boolean;
    logDir: string;
}): Promise<ComparisonPoint[]> {
    const points: ComparisonPoint[] = [];
    const kubectlEnv = { ...process.env, KUBECONFIG: options.kubeconfig };
    for (const shape of options.shapes) {
        const tag = `${shape.instances}x${shape.clusters}`;
        const withBaseline = shape.clusters === 1;
        const destroy = options.destroy(shape);
        const program = emptyRuns();
        const baseline = emptyRuns();
        let baselineError: string | undefined;
        const kc = { create: [] as Measured[], noop: [] as Measured[], destroy: [] as Measured[] };
        const placeholder = `bench-c${tag.replace("x", "-")}`;
        const rendered = path.join(options.root, `compare-${tag}.yaml`);
        const objects = await options.render(shape, placeholder, rendered);
        const text = fs.readFileSync(rendered, "utf8");
        for (let r = 0; r < options.reps; r++) {
            const logOf = (who: string) =>
                r === 0 && options.breakdown(shape) ? path.join(options.logDir, `noop-${who}-${tag}.log`) : undefined;
            await cycleOnce(
                options.program,
                `cmp-p${tag}-r${r}`,
                scaledValues(shape, `bench-cp${tag.replace("x", "-")}-r${r}`),
                program,
                r === 0,
                destroy,
                logOf("program"),
            );
            if (withBaseline && baselineError === undefined) {
                const file = path.join(options.root, `baseline-${tag}-r${r}.yaml`);
                fs.writeFileSync(file, text.split(placeholder).join(`bench-cb${tag.replace("x", "-")}-r${r}`));
                try {
                    await cycleOnce(
                        options.baseline,
                        `cmp-b${tag}-r${r}`,
                        { manifests: file },
                        baseline,
                        r === 0,
                        destroy,
                        logOf("baseline"),
                    );
                } catch (e) {
                    const message = (e as Error).message;
                    baselineError = /panic: [^\n]*/.exec(message)?.[0] ?? message.split("\n")[0];
                    log(`   ${tag}: the baseline failed, its figures are left out: ${baselineError}`);
                }
            }
            const file = path.join(options.root, `kubectl-${tag}-r${r}.yaml`);
            fs.writeFileSync(file, text.split(placeholder).join(`bench-ck${tag.replace("x", "-")}-r${r}`));
            // No -n: with several clusters the objects span several namespaces (each Namespace first in the file).
            kc.create.push(await measure(`kubectl apply ${tag}`, "kubectl", ["apply", "--server-side", "-f", file], { env: kubectlEnv }));
            kc.noop.push(
                await measure(`kubectl no-op apply ${tag}`, "kubectl", ["apply", "--server-side", "-f", file], { env: kubectlEnv }),
            );
            if (destroy)
                kc.destroy.push(
                    await measure(`kubectl delete ${tag}`, "kubectl", ["delete", "--wait=true", "--ignore-not-found", "-f", file], {
                        env: kubectlEnv,
                    }),
                );
        }
        if (options.breakdown(shape)) {
            const bd = `bench-cd${tag.replace("x", "-")}`;
            program.createBreakdown = await createBreakdownRun(
                options.program,
                `cmp-p${tag}-bd`,
                scaledValues(shape, `${bd}p`),
                path.join(options.logDir, `create-program-${tag}.log`),
            );
            if (withBaseline && baselineError === undefined) {
                const file = path.join(options.root, `baseline-${tag}-bd.yaml`);
                fs.writeFileSync(file, text.split(placeholder).join(`${bd}b`));
                baseline.createBreakdown = await createBreakdownRun(
                    options.baseline,
                    `cmp-b${tag}-bd`,
                    { manifests: file },
                    path.join(options.logDir, `create-baseline-${tag}.log`),
                );
            }
        }
        const point: ComparisonPoint = {
            shape,
            objects,
            program: toCycle(program),
            baseline: withBaseline && baselineError === undefined ? toCycle(baseline) : undefined,
            baselineError,
            kubectl: {
                create: summarize(kc.create),
                noop: summarize(kc.noop),
                destroy: kc.destroy.length ? summarize(kc.destroy) : undefined,
            },
        };
        points.push(point);
        const f1 = (x: number) => x.toFixed(1);
        log(
            `   ${tag}: ${objects} objects; program create ${f1(point.program.create.wallS)}s no-op ${f1(point.program.noop.wallS)}s` +
                (point.baseline ? `; baseline create ${f1(point.baseline.create.wallS)}s no-op ${f1(point.baseline.noop.wallS)}s` : "") +
                `; kubectl no-op ${point.kubectl.noop.wallS.toFixed(2)}s`,
        );
    }
    return points;
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const kb = (bytes: number) => Math.round(bytes / 1024);
const ratio = (a: number, b: number) => a / b;

function singles(points: readonly ComparisonPoint[]): ComparisonPoint[] {
    return points.filter((p) => p.shape.clusters === 1 && p.baseline).sort((a, b) => a.shape.instances - b.shape.instances);
}

/** State growth per instance between the smallest and largest single-cluster shapes (marginal, bytes). */
export function statePerInstance(points: readonly ComparisonPoint[], pick: (p: ComparisonPoint) => number): number {
    const s = singles(points);
    if (s.length < 2) return NaN;
    const a = s[0];
    const b = s[s.length - 1];
    return (pick(b) - pick(a)) / (b.shape.instances - a.shape.instances);
}

export function comparisonTargets(points: readonly ComparisonPoint[], quick: boolean): Target[] {
    const targets: Target[] = [];
    const s = singles(points);
    const checked = quick ? s.slice(-1) : s.filter((p) => p.shape.instances === 10 || p.shape.instances === 50);
    for (const what of ["create", "no-op up"] as const) {
        for (const p of checked) {
            const pick = (c: Cycle) => (what === "create" ? c.create.wallS : c.noop.wallS);
            const r = ratio(pick(p.program), pick(p.baseline!));
            targets.push({
                target: `${what} at ${p.shape.instances} instances ≤ ${TARGET_VS_BASELINE}× the plain program of the same objects${quick ? " (--quick count)" : ""}`,
                value: `${f2(r)}× (${f1(pick(p.program))} vs ${f1(pick(p.baseline!))} s)`,
                ok: r <= TARGET_VS_BASELINE,
            });
        }
    }
    const perInstance = statePerInstance(points, (p) => p.program.stateBytes);
    const [lo, hi] = [s[0], s[s.length - 1]];
    targets.push({
        target: `state per instance ≤ ${TARGET_STATE_KB} KB (growth from ${lo?.shape.instances} to ${hi?.shape.instances} instances)`,
        value: `${f1(perInstance / 1024)} KB (${kb(lo?.program.stateBytes ?? NaN)} → ${kb(hi?.program.stateBytes ?? NaN)} KB)`,
        ok: perInstance / 1024 <= TARGET_STATE_KB,
    });
    const compact = statePerInstance(points, (p) => p.program.stateCompactBytes);
    targets.push({
        target: `state per instance ≤ ${TARGET_STATE_KB} KB, as the file backend stores it (compact JSON)`,
        value: `${f1(compact / 1024)} KB (${kb(lo?.program.stateCompactBytes ?? NaN)} → ${kb(hi?.program.stateCompactBytes ?? NaN)} KB)`,
        ok: compact / 1024 <= TARGET_STATE_KB,
    });
    const fifty = s.find((p) => p.shape.instances === 50);
    targets.push(
        fifty
            ? {
                  target: `no-op \`pulumi up\` at 50 instances × 1 cluster ≤ ${TARGET_NOOP_50_S} s`,
                  value: `${f1(fifty.program.noop.wallS)} s (kubectl no-op apply ${f2(fifty.kubectl.noop.wallS)} s)`,
                  ok: fifty.program.noop.wallS <= TARGET_NOOP_50_S,
              }
            : {
                  target: `no-op \`pulumi up\` at 50 instances × 1 cluster ≤ ${TARGET_NOOP_50_S} s`,
                  value: "not measured (no 50-instance point: --quick, or its comparison failed; see above)",
                  ok: false,
              },
    );
    return targets;
}

export const TARGET_VS_BASELINE = 1.15;
export const TARGET_STATE_KB = 20;
export const TARGET_NOOP_50_S = 10;

export function comparisonReport(points: readonly ComparisonPoint[]): string[] {
    const md: string[] = [];
    md.push(
        "**4. Against a plain Pulumi program of the same objects** (`bench/baseline/index.ts`: the manifests this program renders, one plain " +
            "@pulumi/kubernetes resource each, one explicit provider, no components, no dynamic resources; a plain TypeScript project the language host runs through ts-node, " +
            "where this program runs precompiled), same engine and API server, " +
            "interleaved, fresh stack and namespace per repetition; kubectl applies the same manifests (`apply --server-side`, then the same again " +
            "for its no-op, then `delete --wait`). Several clusters: this program only (one namespace each), not destroyed.",
        "",
    );
    for (const p of points.filter((x) => x.baselineError)) {
        md.push(`Baseline at ${p.shape.instances}×${p.shape.clusters}: not measured, its \`pulumi up\` failed: ${p.baselineError}`, "");
    }
    md.push(
        "| instances × clusters | k8s objects | resources program / baseline | create s program / baseline | ratio | no-op `pulumi up` s program / baseline | ratio | destroy s program / baseline | ratio | kubectl apply / no-op / delete s | state KB program / baseline, export (compact) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const p of points) {
        const b = p.baseline;
        const changed = (c: Cycle) => (c.noopChanges ? ` (**${c.noopChanges} changed**)` : "");
        md.push(
            `| ${p.shape.instances} × ${p.shape.clusters} | ${p.objects} | ${p.program.resources} / ${b ? b.resources : "–"} ` +
                `| ${f1(p.program.create.wallS)} / ${b ? f1(b.create.wallS) : "–"} | ${b ? f2(ratio(p.program.create.wallS, b.create.wallS)) : "–"} ` +
                `| ${f1(p.program.noop.wallS)}${changed(p.program)} / ${b ? `${f1(b.noop.wallS)}${changed(b)}` : "–"} | ${b ? f2(ratio(p.program.noop.wallS, b.noop.wallS)) : "–"} ` +
                `| ${p.program.destroy ? f1(p.program.destroy.wallS) : "–"} / ${b?.destroy ? f1(b.destroy.wallS) : "–"} | ${p.program.destroy && b?.destroy ? f2(ratio(p.program.destroy.wallS, b.destroy.wallS)) : "–"} ` +
                `| ${f2(p.kubectl.create.wallS)} / ${f2(p.kubectl.noop.wallS)} / ${p.kubectl.destroy ? f2(p.kubectl.destroy.wallS) : "–"} ` +
                `| ${kb(p.program.stateBytes)} (${kb(p.program.stateCompactBytes)}) / ${b ? `${kb(b.stateBytes)} (${kb(b.stateCompactBytes)})` : "–"} |`,
        );
    }
    const s = singles(points);
    if (s.length >= 2) {
        const [lo, hi] = [s[0], s[s.length - 1]];
        md.push(
            "",
            `State growth per instance (${lo.shape.instances} → ${hi.shape.instances} instances), \`pulumi stack export\` (compact JSON as on disk): ` +
                `program ${f1(statePerInstance(points, (p) => p.program.stateBytes) / 1024)} KB (${f1(statePerInstance(points, (p) => p.program.stateCompactBytes) / 1024)} KB), ` +
                `baseline ${f1(statePerInstance(points, (p) => p.baseline!.stateBytes) / 1024)} KB (${f1(statePerInstance(points, (p) => p.baseline!.stateCompactBytes) / 1024)} KB). ` +
                "By resource type (bytes of each resource's JSON as exported); a Kubernetes resource holds its manifest three times (inputs, the provider's `__inputs` copy in the outputs, the live object) plus managedFields:",
            "",
        );
        md.push(
            `| resource type | program at ${lo.shape.instances}: count / KB | program at ${hi.shape.instances}: count / KB | KB per instance | baseline at ${hi.shape.instances}: count / KB |`,
            "|---|---|---|---|---|",
        );
        const types = [...new Set([...Object.keys(lo.program.stateByType), ...Object.keys(hi.program.stateByType)])];
        const per = (t: string) =>
            ((hi.program.stateByType[t]?.bytes ?? 0) - (lo.program.stateByType[t]?.bytes ?? 0)) / (hi.shape.instances - lo.shape.instances);
        types.sort((a, b) => per(b) - per(a) || (hi.program.stateByType[b]?.bytes ?? 0) - (hi.program.stateByType[a]?.bytes ?? 0));
        const baseByType = hi.baseline!.stateByType;
        for (const t of types) {
            const a = lo.program.stateByType[t] ?? { count: 0, bytes: 0 };
            const z = hi.program.stateByType[t] ?? { count: 0, bytes: 0 };
            const base = baseByType[t];
            md.push(
                `| \`${t}\` | ${a.count} / ${f1(a.bytes / 1024)} | ${z.count} / ${f1(z.bytes / 1024)} | ${f2(per(t) / 1024)} | ${base ? `${base.count} / ${f1(base.bytes / 1024)}` : "–"} |`,
            );
        }
        md.push("");
    }
    const withBreakdown = points.find((p) => p.program.noopBreakdown && p.baseline?.noopBreakdown);
    if (withBreakdown) {
        const a = withBreakdown.program.noopBreakdown!;
        const b = withBreakdown.baseline!.noopBreakdown!;
        md.push(
            `Where a no-op \`pulumi up\` spends its time at ${withBreakdown.shape.instances} instances (engine log of one extra \`--logflow -v=9\` run each; verbose logging adds time):`,
            "",
        );
        md.push("| phase | program s | baseline s | what |", "|---|---|---|---|");
        for (let i = 0; i < a.phases.length; i++)
            md.push(`| ${a.phases[i].name} | ${f2(a.phases[i].seconds)} | ${f2(b.phases[i].seconds)} | ${a.phases[i].what} |`);
        md.push(`| **total** | ${f2(a.totalS)} | ${f2(b.totalS)} | |`, "");
    }
    const withCreate = points.find((p) => p.program.createBreakdown && p.baseline?.createBreakdown);
    if (withCreate) {
        const a = withCreate.program.createBreakdown!;
        const b = withCreate.baseline!.createBreakdown!;
        md.push(
            `Where a create spends its time at ${withCreate.shape.instances} instances (one extra create of a fresh stack each, \`--logflow -v=9\`, then destroyed; verbose logging adds time):`,
            "",
            "| phase | program s | baseline s |",
            "|---|---|---|",
        );
        for (let i = 0; i < a.breakdown.phases.length; i++)
            md.push(`| ${a.breakdown.phases[i].name} | ${f2(a.breakdown.phases[i].seconds)} | ${f2(b.breakdown.phases[i].seconds)} |`);
        md.push(`| **total** | ${f2(a.breakdown.totalS)} | ${f2(b.breakdown.totalS)} |`, "");
        md.push(
            "Create steps by resource type (s after the program's first resource registration; steps overlap, so the sum is work, not wall time):",
            "",
            "| program: type | count | first starts | last done | step time sum | baseline: count | first starts | last done | step time sum |",
            "|---|---|---|---|---|---|---|---|---|",
        );
        for (const st of a.steps) {
            const base = b.steps.find((x) => x.type === st.type);
            md.push(
                `| \`${st.type}\` | ${st.count} | ${f2(st.firstStartS)} | ${f2(st.lastDoneS)} | ${f2(st.sumS)} | ${base ? `${base.count} | ${f2(base.firstStartS)} | ${f2(base.lastDoneS)} | ${f2(base.sumS)}` : "– | – | – | –"} |`,
            );
        }
        md.push("");
    }
    return md;
}

/** The comparison without stdout/stderr, for latest.json. */
export function slimPoint(p: ComparisonPoint) {
    const t = (m?: Timed) => (m ? { wallS: m.wallS, runsS: m.runsS, maxRssMB: m.maxRssMB, treeRssMB: m.treeRssMB } : undefined);
    const c = (x?: Cycle) =>
        x
            ? {
                  create: t(x.create),
                  noop: t(x.noop),
                  destroy: t(x.destroy),
                  resources: x.resources,
                  noopChanges: x.noopChanges,
                  stateBytes: x.stateBytes,
                  stateCompactBytes: x.stateCompactBytes,
                  stateByType: x.stateByType,
                  noopBreakdown: x.noopBreakdown,
                  createBreakdown: x.createBreakdown,
              }
            : undefined;
    return {
        shape: p.shape,
        objects: p.objects,
        program: c(p.program),
        baseline: c(p.baseline),
        kubectl: { create: t(p.kubectl.create), noop: t(p.kubectl.noop), destroy: t(p.kubectl.destroy) },
    };
}
