/**
 * `npm run bench [-- --quick] [-- --reps N] [-- --keep] [-- --no-node]`
 *
 * A benchmark (not a test): measures, prints a markdown report and writes it to
 * bench/results/latest.md + latest.json (quick runs: latest-quick.md + .json).
 *
 *  1. Workflow cost of the generated templates (workflowCost on the dev stack's rendered
 *     WorkflowTemplates) beside the original's figures.
 *  2. Apply cost on a private local control plane (scripts/local-cluster.sh, own state dir
 *     and free ports, stopped at the end): `pulumi preview` / `pulumi up` of the dev stack
 *     scaled to N instances, beside `kubectl apply --server-side` of the identical manifests
 *     (scripts/render.ts' renderer); least-squares fixed + per-object cost; where Pulumi's
 *     fixed time goes (engine log phases, micro-measurements, program-load variants).
 *  3. Scale: program evaluation under mocks and `pulumi preview` for N instances × M clusters.
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
import * as os from "os";
import * as path from "path";
import { baselineProject, comparisonReport, comparisonTargets, compareWithBaseline, slimPoint } from "./lib/baseline";
import { breakdown, Breakdown } from "./lib/breakdown";
import { REPO_ROOT, scaledValues, Shape } from "./lib/config";
import { BenchProject, LocalCluster, loadToolchainEnv, log, summaryCount, tmpRoot } from "./lib/env";
import { Fit, linearFit, measure, Measured, repeat } from "./lib/measure";
import { kubectl } from "../tests/lib/kubectl";
import { run } from "../tests/lib/run";

interface Args {
    quick: boolean;
    reps: number;
    keep: boolean;
    node: boolean;
}

function parseArgs(argv: string[]): Args {
    const quick = argv.includes("--quick");
    const repsAt = argv.indexOf("--reps");
    const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : quick ? 1 : 2;
    if (!Number.isInteger(reps) || reps < 1) throw new Error("--reps takes a positive integer");
    return {
        quick,
        reps,
        keep: argv.includes("--keep"),
        node: !argv.includes("--no-node"),
    };
}

const ORIGINAL = { deployPods: 19, deletePods: 18, deploySequential: 5 };
const TARGETS = { deployPods: 4, deletePods: 2, deploySequential: 3, marginalRatio: 2, preview50x5S: 60 };

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
const ms = (s: number) => (Number.isFinite(s) ? (s * 1000).toFixed(1) : "–");
const met = (ok: boolean) => (ok ? "met" : "**NOT met**");

/** Runs bench/mock-child.ts in its own node (ts-node transpile-only); parses its JSON line. */
async function mockChild<T>(label: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ result: T; m: Measured }> {
    const m = await measure(
        label,
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(__dirname, "mock-child.ts"), ...args],
        {
            cwd: REPO_ROOT,
            env: { ...process.env, ...extraEnv },
        },
    );
    return { result: JSON.parse(m.stdout.trim().split("\n").pop()!) as T, m };
}

async function machine() {
    const memKB = Number(/MemTotal:\s+(\d+)/.exec(fs.readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
    const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
    const versions = Object.fromEntries(
        fs
            .readFileSync(path.join(REPO_ROOT, "tools", "versions.env"), "utf8")
            .split("\n")
            .map((l) => /^([A-Z_0-9]+)=(\S*)/.exec(l.trim()))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => [m[1], m[2]]),
    );
    return {
        date: new Date().toISOString(),
        host: os.hostname(),
        nproc: Number((await run("nproc", [])).stdout.trim()),
        cpu,
        memoryGiB: memKB / 2 ** 20,
        kernel: os.release(),
        node: process.version,
        versions,
    };
}

function loadAvg(): string {
    return os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ");
}

interface ApplyPoint {
    instances: number;
    kubernetesObjects: number;
    pulumiResources: number;
    preview: Measured & { runsS: number[] };
    up: Measured & { runsS: number[] };
    upNoCheckpoints: Measured & { runsS: number[] };
    kubectl: Measured & { runsS: number[] };
    stateBytes: number;
    stateProviderBytes: number;
}

interface ScalePoint {
    shape: Shape;
    resources: number;
    mock: { evalS: number; processS: number; maxRssMB: number; resources: number; dynamicProviderBytes: number };
    preview: Measured & { runsS: number[] };
}

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

    // ------------------------------------------------------------ 1. workflow cost
    log("1. workflow cost of the generated templates");
    type Cost = { podsPerRun: number; sequentialPodSteps: number };
    const { result: cost } = await mockChild<{ costs: Record<string, Cost>; metricsOff: { deploy?: Cost; delete?: Cost } }>(
        "workflow cost",
        ["cost"],
    );
    const deploy = cost.costs["deploy-arkouda-on-kubernetes"];
    const del = cost.costs["delete-arkouda-on-kubernetes"];

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
        const kubectlEnv = { ...process.env, KUBECONFIG: kubeconfig };

        // ------------------------------------------------------------ 2a. fixed overhead micro-measurements
        log("2a. fixed overhead: CLI, node, SDK, TypeScript");
        await project.initStack("dev", scaledValues({ instances: 1, clusters: 1 }, "bench-dev"));
        // Precompiled copy: tsc to bin/, Pulumi.yaml main: bin/index.js (ts-node is still registered by
        // the language host, which ignores runtime.options, but no .ts file is loaded). `main: bin/`
        // alone is not enough: the SDK then falls back to package.json's main, index.ts.
        const pre = new BenchProject(root, kubeconfig, "precompiled", (dir) => {
            fs.appendFileSync(path.join(dir, "Pulumi.yaml"), "main: bin/index.js\n");
            const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8"));
            tsconfig.include = ["index.ts", "components/**/*.ts"];
            tsconfig.compilerOptions.types = ["node"];
            tsconfig.compilerOptions.sourceMap = false;
            fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
        });
        // The TypeScript compiler's transpile (tsconfig without `swc`), what the program used before swc.
        const tsTranspile = new BenchProject(root, kubeconfig, "typescript-transpile", (dir) => {
            const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8"));
            delete tsconfig["ts-node"].swc;
            fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
        });
        await tsTranspile.initStack("dev", scaledValues({ instances: 1, clusters: 1 }, "bench-dev-ts"));
        const tscBuild = await measure(
            "tsc build (precompile)",
            process.execPath,
            [path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
            { cwd: pre.dir },
        );
        await pre.initStack("dev", scaledValues({ instances: 1, clusters: 1 }, "bench-dev-pre"));

        const nodeEval = (label: string, code: string, cwd = project.dir) =>
            repeat(args.reps, () => measure(label, process.execPath, ["-e", code], { cwd }));
        // Explicit options override tsconfig.json's; `swc:false` is needed for TypeScript's own compile.
        const tsRegister = (options: string) => `require("ts-node").register({project:"tsconfig.json"${options}});`;
        const programModules = `require("./components/config");require("./components/rollout");`;
        const micro: { label: string; m: Measured; what: string }[] = [];
        const addMicro = async (label: string, what: string, fn: () => Promise<Measured>) => micro.push({ label, what, m: await fn() });
        await addMicro("pulumi version", "CLI binary start", () => repeat(args.reps, () => project.run("pulumi version", ["version"])));
        await addMicro("pulumi stack ls", "CLI start + file backend", () =>
            repeat(args.reps, () => project.run("pulumi stack ls", ["stack", "ls"])),
        );
        await addMicro("node -e 0", "node start", () => nodeEval("node", "0"));
        await addMicro("require @pulumi/pulumi", "SDK load", () => nodeEval("require pulumi", `require("@pulumi/pulumi")`));
        await addMicro("require all dependencies", "@pulumi/pulumi, @pulumi/kubernetes, @pulumi/random, zod, yaml", () =>
            nodeEval(
                "require deps",
                `require("@pulumi/pulumi");require("@pulumi/kubernetes");require("@pulumi/random");require("zod");require("yaml")`,
            ),
        );
        await addMicro("ts-node register", "loads the TypeScript compiler (the language host always does this)", () =>
            nodeEval("ts-node register", tsRegister("")),
        );
        await addMicro("load program, ts-node type-check", "what the program load costs with type-checking", () =>
            nodeEval("program typecheck", tsRegister(",transpileOnly:false,swc:false") + programModules),
        );
        await addMicro("load program, ts-node transpile-only (TypeScript)", "no type-check, TypeScript's transpiler", () =>
            nodeEval("program transpile", tsRegister(",transpileOnly:true,swc:false") + programModules),
        );
        await addMicro("load program, ts-node with swc (as configured)", "no type-check, swc's transpiler (tsconfig.json)", () =>
            nodeEval("program swc", tsRegister("") + programModules),
        );
        await addMicro("load program, precompiled JS", "tsc output, no ts-node", () =>
            nodeEval("program precompiled", `require("./bin/components/config");require("./bin/components/rollout");`, pre.dir),
        );

        // ------------------------------------------------------------ 2b. where preview's fixed time goes
        log("2b. engine-log breakdown of `pulumi preview` (dev stack)");
        const breakdowns: { variant: string; b: Breakdown }[] = [];
        const breakdownRun = async (variant: string, p: BenchProject, extraEnv: NodeJS.ProcessEnv) => {
            const logFile = path.join(p.logDir, `breakdown-${variant}.log`);
            const t0 = Date.now() / 1000;
            await p.run(`preview -v=9 ${variant}`, ["preview", "--stack", "dev", "--logflow", "--logtostderr", "-v=9"], {
                stderrFile: logFile,
                extraEnv,
            });
            breakdowns.push({ variant, b: breakdown(logFile, t0, Date.now() / 1000) });
        };
        const VARIANTS: { name: string; p: BenchProject; env: NodeJS.ProcessEnv; what: string }[] = [
            {
                name: "type-check",
                p: tsTranspile,
                env: { PULUMI_NODEJS_TRANSPILE_ONLY: "false" },
                what: "ts-node type-checks the program at run time (the SDK's default without a ts-node setting)",
            },
            {
                name: "TypeScript transpile",
                p: tsTranspile,
                env: {},
                what: "tsconfig.json `ts-node.transpileOnly: true` alone: TypeScript's transpiler, no type-check (before swc)",
            },
            {
                name: "as configured",
                p: project,
                env: {},
                what: "the repo as it is: tsconfig.json `ts-node` `transpileOnly` + `swc` (@swc/core transpiles, no type-check)",
            },
            {
                name: "precompiled",
                p: pre,
                env: {},
                what: "tsc output in bin/, Pulumi.yaml `main: bin/index.js` (needs a build before every run)",
            },
        ];
        for (const v of VARIANTS) await breakdownRun(v.name, v.p, v.env);
        log("2c. `pulumi preview` of the dev stack per program-load variant");
        const variants: { name: string; what: string; m: Measured & { runsS: number[] } }[] = [];
        for (const v of VARIANTS) {
            variants.push({
                name: v.name,
                what: v.what,
                m: await repeat(args.reps, () => v.p.run(`preview dev ${v.name}`, ["preview", "--stack", "dev"], { extraEnv: v.env })),
            });
        }

        // ------------------------------------------------------------ 2d. apply cost: pulumi vs kubectl
        log(`2d. apply cost for ${applyCounts.join(", ")} instances`);
        const apply: ApplyPoint[] = [];
        for (const n of applyCounts) {
            const shape = { instances: n, clusters: 1 };
            const manifestBase = path.join(root, `manifests-${n}.yaml`);
            const { result: rendered } = await mockChild<{ objects: number }>(`render ${n}`, [
                "render",
                String(n),
                `bench-k${n}`,
                manifestBase,
            ]);
            const kubectl = await repeat(args.reps, async (r) => {
                const ns = `bench-k${n}-r${r}`;
                const file = path.join(root, `manifests-${n}-r${r}.yaml`);
                fs.writeFileSync(file, fs.readFileSync(manifestBase, "utf8").split(`bench-k${n}`).join(ns));
                return measure(`kubectl apply ${n}`, "kubectl", ["apply", "--server-side", "-n", ns, "-f", file], { env: kubectlEnv });
            });
            let preview: (Measured & { runsS: number[] }) | undefined;
            let pulumiResources = 0;
            let stateBytes = 0;
            let stateProviderBytes = 0;
            const up = await repeat(args.reps, async (r) => {
                const stack = `apply-n${n}-r${r}`;
                await project.initStack(stack, scaledValues(shape, `bench-p${n}-r${r}`));
                if (r === 0) {
                    preview = await repeat(args.reps, () => project.run(`preview ${stack}`, ["preview", "--stack", stack]));
                    pulumiResources = summaryCount(preview.stdout);
                }
                const m = await project.run(`up ${stack}`, ["up", "--stack", stack, "--yes", "--skip-preview"]);
                if (r === 0) {
                    const exported = (await project.run(`export ${stack}`, ["stack", "export", "--stack", stack])).stdout;
                    stateBytes = exported.length;
                    const resources = (JSON.parse(exported).deployment?.resources ?? []) as {
                        inputs?: Record<string, unknown>;
                        outputs?: Record<string, unknown>;
                    }[];
                    stateProviderBytes = resources.reduce(
                        (s, x) => s + String(x.inputs?.__provider ?? "").length + String(x.outputs?.__provider ?? "").length,
                        0,
                    );
                }
                return m;
            });
            // Diagnostic: the same up without the file backend's per-step checkpoint (whole state
            // rewritten after every step); not a recommendation (a crash mid-update loses the steps).
            const upNoCheckpoints = await repeat(1, async () => {
                const stack = `apply-n${n}-nocp`;
                await project.initStack(stack, scaledValues(shape, `bench-p${n}-nocp`));
                return project.run(`up ${stack}`, ["up", "--stack", stack, "--yes", "--skip-preview"], {
                    extraEnv: { PULUMI_SKIP_CHECKPOINTS: "true" },
                });
            });
            apply.push({
                instances: n,
                kubernetesObjects: rendered.objects,
                pulumiResources,
                preview: preview!,
                up,
                upNoCheckpoints,
                kubectl,
                stateBytes,
                stateProviderBytes,
            });
            log(
                `   n=${n}: ${rendered.objects} objects; preview ${f1(preview!.wallS)}s, up ${f1(up.wallS)}s (no checkpoints ${f1(upNoCheckpoints.wallS)}s), kubectl ${f2(kubectl.wallS)}s`,
            );
        }
        const fitOf = (pick: (p: ApplyPoint) => number) => linearFit(apply.map((p) => ({ x: p.kubernetesObjects, y: pick(p) })));
        const fits = {
            kubectl: fitOf((p) => p.kubectl.wallS),
            pulumiUp: fitOf((p) => p.up.wallS),
            pulumiUpNoCheckpoints: fitOf((p) => p.upNoCheckpoints.wallS),
            pulumiPreview: fitOf((p) => p.preview.wallS),
            pulumiPreviewPlusUp: fitOf((p) => p.preview.wallS + p.up.wallS),
        };

        // ------------------------------------------------------------ 3. scale
        log(`3. scale: ${scaleInstances.join("/")} instances × ${scaleClusters.join("/")} clusters`);
        const scale: ScalePoint[] = [];
        for (const m of scaleClusters) {
            for (const n of scaleInstances) {
                const shape = { instances: n, clusters: m };
                type Eval = { evalS: number; maxRssMB: number; resources: number; dynamicProviderBytes: number };
                const evals: { result: Eval; m: Measured }[] = [];
                for (let r = 0; r < args.reps; r++)
                    evals.push(await mockChild<Eval>(`mock eval ${n}x${m}`, ["eval", String(n), String(m)]));
                evals.sort((a, b) => a.result.evalS - b.result.evalS);
                const mid = evals[Math.floor((evals.length - 1) / 2)];
                const stack = `scale-n${n}-m${m}`;
                await project.initStack(stack, scaledValues(shape, `bench-s${n}x${m}`));
                const preview = await repeat(args.reps, () => project.run(`preview ${stack}`, ["preview", "--stack", stack]));
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

        // ------------------------------------------------------------ dynamic provider serialization
        log("dynamic providers: serialization cache on vs off (mock eval of the largest shape)");
        const biggest = { instances: scaleInstances[scaleInstances.length - 1], clusters: scaleClusters[scaleClusters.length - 1] };
        type DynEval = {
            evalS: number;
            dynamicResources: number;
            dynamicProviderBytes: number;
            dynamicProviderDistinct: number;
            dynamicProviderSizes: Record<string, number>;
            resources: number;
        };
        const dynOn = (await mockChild<DynEval>("mock eval cache on", ["eval", String(biggest.instances), String(biggest.clusters)]))
            .result;
        const dynOff = (
            await mockChild<DynEval>("mock eval cache off", ["eval", String(biggest.instances), String(biggest.clusters)], {
                PULUMI_NODEJS_CACHE_DYNAMIC_PROVIDERS: "false",
            })
        ).result;
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
            if (start < 0 || end < 0)
                throw new Error("dynamic/runtime-teardown.ts: runtimeTeardownProvider not found for the stub variant");
            const stub =
                "export const runtimeTeardownProvider: pulumi.dynamic.ResourceProvider = {\n" +
                "    async create(news: any) { return { id: `${news.namespace}/stub`, outs: news }; },\n" +
                "    async delete() { /* stub */ },\n};\n";
            fs.writeFileSync(file, text.slice(0, start) + stub + text.slice(end + 5));
        });
        await stubbed.initStack("largest", scaledValues(biggest, "bench-stub"));
        const stubPreview = await repeat(args.reps, () => stubbed.run("preview stub teardown", ["preview", "--stack", "largest"]));
        const realPreview = scale.find((p) => p.shape.instances === biggest.instances && p.shape.clusters === biggest.clusters)!.preview;

        // ------------------------------------------------------------ 4. against a plain program of the same objects
        const compareShapes: Shape[] = args.quick
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
        const largestSingle = compareShapes.filter((x) => x.clusters === 1).reduce((a, b) => (b.instances > a.instances ? b : a));
        log(
            `4. this program vs a plain program of the same objects (bench/baseline) and kubectl: ${compareShapes.map((x) => `${x.instances}×${x.clusters}`).join(", ")}`,
        );
        const baseline = baselineProject(root, kubeconfig);
        const comparison = await compareWithBaseline({
            root,
            kubeconfig,
            program: project,
            baseline,
            shapes: compareShapes,
            reps: args.reps,
            render: async (shape, namespace, file) =>
                (
                    await mockChild<{ objects: number }>(`render ${shape.instances}x${shape.clusters}`, [
                        "render",
                        String(shape.instances),
                        namespace,
                        file,
                        String(shape.clusters),
                    ])
                ).result.objects,
            destroy: (shape) => shape.clusters === 1,
            breakdown: (shape) => shape === largestSingle,
            logDir: project.logDir,
        });

        // ------------------------------------------------------------ 5. workflow runs on the local node (optional)
        const workflowRunsSection = await workflowRuns(root, kubeconfig, "bench-p1-r0");

        const loadAfter = loadAvg();
        stopCluster();

        // ------------------------------------------------------------ report
        const largest = scale.find((p) => p.shape.instances === 50 && p.shape.clusters === 5);
        const ratio = fits.pulumiUp.b / fits.kubectl.b;
        const targets = [
            {
                target: `deploy pods per run ≤ ${TARGETS.deployPods}`,
                value: `${deploy.podsPerRun}`,
                ok: deploy.podsPerRun <= TARGETS.deployPods,
            },
            { target: `delete pods per run ≤ ${TARGETS.deletePods}`, value: `${del.podsPerRun}`, ok: del.podsPerRun <= TARGETS.deletePods },
            {
                target: `deploy sequential pod steps ≤ ${TARGETS.deploySequential}`,
                value: `${deploy.sequentialPodSteps}`,
                ok: deploy.sequentialPodSteps <= TARGETS.deploySequential,
            },
            {
                target: `Pulumi marginal cost per object ≤ ${TARGETS.marginalRatio}× kubectl's (up vs apply --server-side)`,
                value: `${f2(ratio)}× (${ms(fits.pulumiUp.b)} vs ${ms(fits.kubectl.b)} ms/object)`,
                ok: ratio <= TARGETS.marginalRatio,
            },
            largest
                ? {
                      target: `50 instances × 5 clusters preview < ${TARGETS.preview50x5S} s`,
                      value: `${f1(largest.preview.wallS)} s`,
                      ok: largest.preview.wallS < TARGETS.preview50x5S,
                  }
                : { target: `50 instances × 5 clusters preview < ${TARGETS.preview50x5S} s`, value: "not run (--quick)", ok: false },
            ...comparisonTargets(comparison, args.quick),
        ];

        const md: string[] = [];
        md.push(`### Benchmark (\`npm run bench${args.quick ? " -- --quick" : ""}\`)`, "");
        md.push(
            `${info.date.slice(0, 10)} on \`${info.host}\`: ${info.nproc} cores (${info.cpu}), ${f1(info.memoryGiB)} GiB, Linux ${info.kernel}, Node ${info.node}; ` +
                `Pulumi ${info.versions.PULUMI_VERSION}, language host ${info.versions.PULUMI_LANGUAGE_NODEJS_VERSION}, pulumi-kubernetes ${info.versions.PULUMI_KUBERNETES_VERSION}, ` +
                `Kubernetes ${info.versions.KUBERNETES_VERSION}, etcd ${info.versions.ETCD_VERSION}. Load average before/after: ${loadBefore} / ${loadAfter}. ` +
                `${args.reps} repetition(s), medians; times are wall clock. Memory: "max" = \`/usr/bin/time -v\` maximum RSS (largest single process of the tree), ` +
                `"tree" = peak of the summed RSS of the whole process tree (CLI + language host + node + plugins), polled every 200 ms.`,
            "",
        );
        md.push("**Targets**", "", "| target | value | |", "|---|---|---|");
        for (const t of targets) md.push(`| ${t.target} | ${t.value} | ${met(t.ok)} |`);
        md.push("");

        md.push("**1. Workflow cost** (generated templates of the dev stack, `workflowCost`)", "");
        md.push("| template | Argo pods per run | sequential pod steps | original |", "|---|---|---|---|");
        const orig: Record<string, string> = {
            "deploy-arkouda-on-kubernetes": `~${ORIGINAL.deployPods} pods, ${ORIGINAL.deploySequential} sequential`,
            "delete-arkouda-on-kubernetes": `~${ORIGINAL.deletePods} pods`,
            "deploy-prometheus-arkouda-exporter": "3",
            "delete-prometheus-arkouda-exporter": "3",
        };
        for (const [name, c] of Object.entries(cost.costs).sort()) {
            const off =
                name === "deploy-arkouda-on-kubernetes"
                    ? cost.metricsOff.deploy
                    : name === "delete-arkouda-on-kubernetes"
                      ? cost.metricsOff.delete
                      : undefined;
            md.push(
                `| ${name} | ${c.podsPerRun}${off ? ` (${off.podsPerRun} with metrics off)` : ""} | ${c.sequentialPodSteps} | ${orig[name] ?? ""} |`,
            );
        }
        md.push("");

        md.push(
            `**2. Apply cost** on the local control plane (started in ${f1(started.startS)} s): the dev stack with N instances, fresh namespace each; ` +
                "kubectl applies the identical manifests (rendered under mocks, SSH Secret filled with a real key) with `apply --server-side`.",
            "",
        );
        md.push(
            "| instances | k8s objects | Pulumi resources | `pulumi preview` s | MB max / tree | `pulumi up --skip-preview` s | MB max / tree | `kubectl apply --server-side` s | MB | state KB (of it `__provider`) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        );
        for (const p of apply) {
            md.push(
                `| ${p.instances} | ${p.kubernetesObjects} | ${p.pulumiResources} | ${f1(p.preview.wallS)} | ${Math.round(p.preview.maxRssMB)} / ${Math.round(p.preview.treeRssMB)} | ${f1(p.up.wallS)} | ${Math.round(p.up.maxRssMB)} / ${Math.round(p.up.treeRssMB)} | ${f2(p.kubectl.wallS)} | ${Math.round(p.kubectl.maxRssMB)} | ${Math.round(p.stateBytes / 1024)} (${Math.round(p.stateProviderBytes / 1024)}) |`,
            );
        }
        md.push("", "Least-squares fit time = a + b·objects over the instance counts (objects = Kubernetes objects):", "");
        md.push("| command | fixed a (s) | per object b (ms) | R² |", "|---|---|---|---|");
        const fitRow = (name: string, f: Fit) => md.push(`| ${name} | ${f2(f.a)} | ${ms(f.b)} | ${f2(f.r2)} |`);
        fitRow("kubectl apply --server-side", fits.kubectl);
        fitRow("pulumi up --skip-preview", fits.pulumiUp);
        fitRow("pulumi up --skip-preview, PULUMI_SKIP_CHECKPOINTS=true (diagnostic)", fits.pulumiUpNoCheckpoints);
        fitRow("pulumi preview", fits.pulumiPreview);
        fitRow("pulumi preview + up", fits.pulumiPreviewPlusUp);
        md.push("", `b(pulumi up) / b(kubectl) = **${f2(ratio)}** (preview + up: ${f2(fits.pulumiPreviewPlusUp.b / fits.kubectl.b)}).`, "");

        md.push(
            "**Where `pulumi preview`'s fixed time goes** (dev stack, 1 instance; engine log timestamps of one `--logflow -v=9` run per variant; the verbose logging itself adds time):",
            "",
        );
        md.push(`| phase | ${breakdowns.map((b) => b.variant).join(" | ")} | what |`, `|---|${breakdowns.map(() => "---|").join("")}---|`);
        for (let i = 0; i < breakdowns[0].b.phases.length; i++) {
            md.push(
                `| ${breakdowns[0].b.phases[i].name} | ${breakdowns.map((b) => f2(b.b.phases[i].seconds)).join(" | ")} | ${breakdowns[0].b.phases[i].what} |`,
            );
        }
        md.push(`| **total** | ${breakdowns.map((b) => f2(b.b.totalS)).join(" | ")} | |`);
        const starts = breakdowns[0].b.providerStarts;
        md.push(
            "",
            `Provider plugin starts (launch → answering; concurrent with registration): ${starts.map((s) => `${s.plugin} ${f2(s.seconds)} s`).join(", ")}.`,
            "",
        );
        md.push("| program-load variant | `pulumi preview` s (dev stack) | MB max / tree | |", "|---|---|---|---|");
        for (const v of variants)
            md.push(`| ${v.name} | ${f2(v.m.wallS)} | ${Math.round(v.m.maxRssMB)} / ${Math.round(v.m.treeRssMB)} | ${v.what} |`);
        md.push("", `Precompiling (\`tsc\`, a build step the variant needs before every run): ${f1(tscBuild.wallS)} s.`, "");
        md.push("| micro-measurement | s | MB | what |", "|---|---|---|---|");
        for (const x of micro) md.push(`| ${x.label} | ${f2(x.m.wallS)} | ${Math.round(x.m.maxRssMB)} | ${x.what} |`);
        md.push("");

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
                `The SDK serializes each provider object once (cache on by default): mock eval ${f2(dynOn.evalS)} s, with PULUMI_NODEJS_CACHE_DYNAMIC_PROVIDERS=false ${f2(dynOff.evalS)} s. ` +
                `\`pulumi preview\` ${f1(realPreview.wallS)} s (${Math.round(realPreview.treeRssMB)} MB tree) vs ${f1(stubPreview.wallS)} s (${Math.round(stubPreview.treeRssMB)} MB tree) with RuntimeTeardown's provider replaced by a stub of a few hundred bytes (diagnostic).`,
            "",
        );

        md.push(...comparisonReport(comparison));
        if (workflowRunsSection) md.push(...workflowRunsSection.md);

        const json = {
            info,
            args,
            comparison: comparison.map(slimPoint),
            workflowRuns: workflowRunsSection?.json,
            loadBefore,
            loadAfter,
            cost,
            clusterStartS: started.startS,
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
                on: dynOn,
                off: dynOff,
                previewS: realPreview.wallS,
                previewTreeRssMB: realPreview.treeRssMB,
                stubPreview: strip(stubPreview),
            },
            targets,
        };
        const text = md.join("\n");
        process.stdout.write(`${text}\n`);
        const outDir = path.join(__dirname, "results");
        fs.mkdirSync(outDir, { recursive: true });
        const suffix = args.quick ? "-quick" : "";
        fs.writeFileSync(path.join(outDir, `latest${suffix}.md`), `${text}\n`);
        fs.writeFileSync(path.join(outDir, `latest${suffix}.json`), `${JSON.stringify(json, null, 2)}\n`);
        log(`wrote bench/results/latest${suffix}.md and .json`);
        for (const t of targets) log(`target ${t.ok ? "met" : "NOT met"}: ${t.target}: ${t.value}`);
    } finally {
        stopCluster();
        if (!args.keep) fs.rmSync(root, { recursive: true, force: true });
        else log(`kept ${root}`);
    }
}

/**
 * Workflow run figures on the local node (bench/lib/workflow-runs.ts, helper-owned): needs a Ready
 * node in the bench's control plane, the workflow-controller (tests/integration/argo/kube.ts) and
 * the namespace of the 1-instance stack of section 2 (templates and identities applied). Skipped,
 * with the reason printed, when any of that is missing; a failure is reported, not fatal.
 */
/**
 * The dev instance asks 1 CPU per pod (3.5 CPUs with its exporter); the node has 2. Small pods
 * with the dev instance's shape otherwise: 2 locales, metrics on.
 */
const NODE_RUN_PARAMETERS: Readonly<Record<string, string>> = {
    locales: "2",
    cpu: "100m",
    memory: "256Mi",
    "chpl-mem-max": "100000000",
    "metrics-enabled": "true",
    "exporter-cpu": "100m",
    "exporter-memory": "256Mi",
};

async function workflowRuns(root: string, kubeconfig: string, namespace: string): Promise<{ md: string[]; json: unknown } | undefined> {
    const title = "**5. Workflow runs on the local node**";
    const skip = (reason: string) => {
        log(`5. workflow runs on the local node: skipped (${reason})`);
        return { md: [`${title}: skipped (${reason}).`, ""], json: { skipped: reason } };
    };
    if (!fs.existsSync(path.join(__dirname, "lib", "workflow-runs.ts"))) return skip("bench/lib/workflow-runs.ts does not exist");
    let nodes: any[];
    try {
        nodes = JSON.parse((await kubectl(kubeconfig, ["get", "nodes", "-o", "json"])).stdout).items ?? [];
    } catch (e) {
        return skip(`cannot list nodes: ${(e as Error).message.split("\n")[0]}`);
    }
    const ready = nodes.filter((n) => (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"));
    if (ready.length === 0) return skip("no Ready node in the bench's control plane");
    log(`5. workflow runs on the local node (${ready.map((n) => n.metadata.name).join(", ")}), namespace ${namespace}`);
    process.env.KUBECONFIG = kubeconfig;
    const { WorkflowController } = require("../tests/integration/argo/kube") as typeof import("../tests/integration/argo/kube");
    const { measureWorkflowRuns } = require("./lib/workflow-runs") as typeof import("./lib/workflow-runs");
    const controller = new WorkflowController(namespace, path.join(root, "logs", "workflow-controller.log"));
    try {
        await controller.start();
        const { data, markdown } = await measureWorkflowRuns({
            kubeconfig,
            namespace,
            parameters: NODE_RUN_PARAMETERS,
            log: (l) => log(`   ${l}`),
        });
        const shape = Object.entries(NODE_RUN_PARAMETERS)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ");
        return {
            md: [`${title} (${ready.length} node(s); stand-in images, see README "Stand-in images"; ${shape}):`, "", markdown, ""],
            json: data,
        };
    } catch (e) {
        log(`   workflow runs failed: ${(e as Error).message}`);
        return {
            md: [`${title}: not measured, the run failed: ${(e as Error).message.split("\n")[0]}`, ""],
            json: { failed: (e as Error).message },
        };
    } finally {
        await controller.stop().catch(() => undefined);
    }
}

function strip(m: Measured & { runsS?: number[] }) {
    return { wallS: m.wallS, runsS: m.runsS, maxRssMB: m.maxRssMB, treeRssMB: m.treeRssMB };
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
