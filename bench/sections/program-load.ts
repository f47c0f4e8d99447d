/**
 * 2a-2c. Where the fixed time of a `pulumi` command goes, on the dev stack: micro-measurements
 * (CLI, node, SDK, TypeScript), the engine-log phases of one `pulumi preview` per program-load
 * variant, and that preview timed per variant (type-check, TypeScript transpile, swc: the
 * TypeScript project as it was; the dev path, ARKOUDA_DEV=1; precompiled as configured).
 */
import * as fs from "fs";
import * as path from "path";
import { asTypeScriptProject } from "../../tests/lib/program-copy";
import { breakdown, Breakdown } from "../lib/breakdown";
import { scaledValues } from "../lib/config";
import { BenchProject, log } from "../lib/env";
import { f1, f2 } from "../lib/format";
import { measure, Measured, repeat } from "../lib/measure";

export interface ProgramLoad {
    readonly micro: { label: string; m: Measured; what: string }[];
    readonly breakdowns: { variant: string; b: Breakdown }[];
    readonly variants: { name: string; what: string; m: Measured & { runsS: number[] } }[];
    /** The program's build from nothing (`npm run build:program` with bin/ removed). */
    readonly tscBuild: Measured;
}

/** Initialises `project`'s dev stack (1 instance), which the variant "as configured" previews. */
export async function measureProgramLoad(root: string, kubeconfig: string, project: BenchProject, reps: number): Promise<ProgramLoad> {
    log("2a. fixed overhead: CLI, node, SDK, TypeScript");
    await project.initStack("dev", scaledValues({ instances: 1, clusters: 1 }, "bench-dev"));
    // The program as a TypeScript project, as it ran before it was precompiled: the language host
    // registers ts-node (tsconfig.json: transpile-only with swc), package.json's main (index.ts).
    const tsSwc = new BenchProject(root, kubeconfig, "typescript-swc", asTypeScriptProject);
    await tsSwc.initStack("dev", scaledValues({ instances: 1, clusters: 1 }, "bench-dev-swc"));
    // The same with the TypeScript compiler's transpile (tsconfig without `swc`), what the program used before swc.
    const tsTranspile = new BenchProject(root, kubeconfig, "typescript-transpile", (dir) => {
        asTypeScriptProject(dir);
        const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8"));
        delete tsconfig["ts-node"].swc;
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    });
    await tsTranspile.initStack("dev", scaledValues({ instances: 1, clusters: 1 }, "bench-dev-ts"));
    // The build from nothing, in a copy of its own.
    const scratch = new BenchProject(root, kubeconfig, "build-timing");
    fs.rmSync(path.join(scratch.dir, "bin"), { recursive: true, force: true });
    const tscBuild = await measure("program build (tsc)", process.execPath, [path.join(scratch.dir, "scripts", "program-build.js")], {
        cwd: scratch.dir,
    });

    const nodeEval = (label: string, code: string, cwd = project.dir) =>
        repeat(reps, () => measure(label, process.execPath, ["-e", code], { cwd }));
    // Explicit options override tsconfig.json's; `swc:false` is needed for TypeScript's own compile.
    const tsRegister = (options: string) => `require("ts-node").register({project:"tsconfig.json"${options}});`;
    const programModules = `require("./components/config");require("./components/rollout");`;
    const micro: { label: string; m: Measured; what: string }[] = [];
    const addMicro = async (label: string, what: string, fn: () => Promise<Measured>) => micro.push({ label, what, m: await fn() });
    await addMicro("pulumi version", "CLI binary start", () => repeat(reps, () => project.run("pulumi version", ["version"])));
    await addMicro("pulumi stack ls", "CLI start + file backend", () =>
        repeat(reps, () => project.run("pulumi stack ls", ["stack", "ls"])),
    );
    await addMicro("node -e 0", "node start", () => nodeEval("node", "0"));
    await addMicro("require @pulumi/pulumi", "SDK load", () => nodeEval("require pulumi", `require("@pulumi/pulumi")`));
    await addMicro("require all dependencies", "@pulumi/pulumi, @pulumi/kubernetes, @pulumi/random, zod, yaml", () =>
        nodeEval(
            "require deps",
            `require("@pulumi/pulumi");require("@pulumi/kubernetes");require("@pulumi/random");require("zod");require("yaml")`,
        ),
    );
    await addMicro(
        "ts-node register",
        "in a fresh node, TypeScript compiler included (the dev path; the pinned language host unless -typescript=false)",
        () => nodeEval("ts-node register", tsRegister("")),
    );
    await addMicro("load program, ts-node type-check", "what the program load costs with type-checking", () =>
        nodeEval("program typecheck", tsRegister(",transpileOnly:false,swc:false") + programModules),
    );
    await addMicro("load program, ts-node transpile-only (TypeScript)", "no type-check, TypeScript's transpiler", () =>
        nodeEval("program transpile", tsRegister(",transpileOnly:true,swc:false") + programModules),
    );
    await addMicro("load program, ts-node with swc (dev path)", "no type-check, swc's transpiler (tsconfig.json)", () =>
        nodeEval("program swc", tsRegister("") + programModules),
    );
    await addMicro("load program, precompiled JS (as configured)", "tsc output in bin/, no ts-node", () =>
        nodeEval("program precompiled", `require("./bin/components/config");require("./bin/components/rollout");`),
    );

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
            name: "swc",
            p: tsSwc,
            env: {},
            what: "tsconfig.json `ts-node` `transpileOnly` + `swc` (@swc/core transpiles, no type-check): the TypeScript project before it was precompiled",
        },
        {
            name: "dev path",
            p: project,
            env: { ARKOUDA_DEV: "1" },
            what: "`ARKOUDA_DEV=1`: program.js registers ts-node (tsconfig.json, swc) and runs index.ts; no build",
        },
        {
            name: "as configured",
            p: project,
            env: {},
            what: "precompiled: program.js runs bin/ (`npm run build:program`), the language host started with -typescript=false (no ts-node)",
        },
    ];
    for (const v of VARIANTS) await breakdownRun(v.name, v.p, v.env);
    log("2c. `pulumi preview` of the dev stack per program-load variant");
    const variants: { name: string; what: string; m: Measured & { runsS: number[] } }[] = [];
    for (const v of VARIANTS) {
        variants.push({
            name: v.name,
            what: v.what,
            m: await repeat(reps, () => v.p.run(`preview dev ${v.name}`, ["preview", "--stack", "dev"], { extraEnv: v.env })),
        });
    }
    return { micro, breakdowns, variants, tscBuild };
}

export function programLoadMarkdown(r: ProgramLoad): string[] {
    const { micro, breakdowns, variants, tscBuild } = r;
    const md: string[] = [];
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
    md.push(
        "",
        `The program's build from nothing (\`npm run build:program\`, set-up runs it; skipped while current): ${f1(tscBuild.wallS)} s.`,
        "",
    );
    md.push("| micro-measurement | s | MB | what |", "|---|---|---|---|");
    for (const x of micro) md.push(`| ${x.label} | ${f2(x.m.wallS)} | ${Math.round(x.m.maxRssMB)} | ${x.what} |`);
    md.push("");
    return md;
}
