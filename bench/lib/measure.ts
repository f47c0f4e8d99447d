/**
 * Runs a command under `/usr/bin/time -v` and, while it runs, polls /proc for the summed RSS of
 * its whole process tree. Fails loudly (throws with the output's tail) on a non-zero exit.
 *
 * Two memory figures per command:
 *  - maxRssMB: "Maximum resident set size" of `time -v`, i.e. the peak RSS of the largest single
 *    process among the command and the descendants it waited for (for `pulumi` usually the
 *    Node.js program or the CLI itself, whichever is larger; not a sum);
 *  - treeRssMB: the peak of the sum of RSS over the live process tree (CLI + language host +
 *    Node.js + provider plugins), sampled every `pollMs` (so short spikes can be missed).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { descendants } from "../../tests/lib/proc";
import { run, RunResult, tail } from "../../tests/lib/run";

export interface Measured {
    readonly label: string;
    readonly wallS: number;
    readonly maxRssMB: number;
    readonly treeRssMB: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface MeasureOptions {
    readonly cwd?: string;
    readonly env?: NodeJS.ProcessEnv;
    readonly input?: string;
    readonly timeoutMs?: number;
    readonly pollMs?: number;
    /** Write stderr here instead of keeping it in memory. */
    readonly stderrFile?: string;
}

const PAGE_KB = 4;

/** Sum of RSS (KB) over `root` and its descendants. */
export function treeRssKB(root: number): number {
    let total = 0;
    for (const pid of [root, ...descendants(root)]) {
        try {
            total += Number(fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * PAGE_KB;
        } catch {
            /* gone */
        }
    }
    return total;
}

export class CommandError extends Error {}

export async function measure(label: string, command: string, args: readonly string[], options: MeasureOptions = {}): Promise<Measured> {
    const timeFile = path.join(os.tmpdir(), `bench-time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
    const started = process.hrtime.bigint();
    let peakTree = 0;
    let poll: NodeJS.Timeout | undefined;
    let result: RunResult;
    try {
        result = await run("/usr/bin/time", ["-v", "-o", timeFile, command, ...args], {
            cwd: options.cwd,
            env: options.env,
            input: options.input,
            timeoutMs: options.timeoutMs ?? 20 * 60_000,
            killSignal: "SIGTERM",
            check: false,
            stderrFile: options.stderrFile,
            onSpawn: (child) => {
                poll = setInterval(() => {
                    if (child.pid) peakTree = Math.max(peakTree, treeRssKB(child.pid));
                }, options.pollMs ?? 200);
            },
        });
    } finally {
        clearInterval(poll);
    }
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    const { code, stdout, stderr } = result;
    let timeText = "";
    try {
        timeText = fs.readFileSync(timeFile, "utf8");
        fs.unlinkSync(timeFile);
    } catch {
        /* no report */
    }
    if (code !== 0) {
        throw new CommandError(
            `${label}: \`${command} ${args.join(" ")}\` exited with ${code}\n--- stdout (tail)\n${tail(stdout, 40)}\n--- stderr (tail)\n${tail(stderr, 40)}${options.stderrFile ? `\n(stderr in ${options.stderrFile})` : ""}`,
        );
    }
    const maxRssKB = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeText)?.[1] ?? NaN);
    return { label, wallS, maxRssMB: maxRssKB / 1024, treeRssMB: peakTree / 1024, stdout, stderr };
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
    const s = [...values].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `reps` times; returns the run with the median wall time and all wall times. */
export async function repeat(reps: number, fn: (rep: number) => Promise<Measured>): Promise<Measured & { runsS: number[] }> {
    const runs: Measured[] = [];
    for (let r = 0; r < reps; r++) runs.push(await fn(r));
    return summarize(runs);
}

/** Repeated runs as one: the median wall time, the peak memory, every wall time. */
export function summarize(runs: readonly Measured[]): Measured & { runsS: number[] } {
    const sorted = [...runs].sort((a, b) => a.wallS - b.wallS);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    return {
        ...mid,
        wallS: median(runs.map((r) => r.wallS)),
        maxRssMB: Math.max(...runs.map((r) => r.maxRssMB)),
        treeRssMB: Math.max(...runs.map((r) => r.treeRssMB)),
        runsS: runs.map((r) => r.wallS),
    };
}

export interface Fit {
    /** Intercept: fixed cost (s). */
    readonly a: number;
    /** Slope: cost per unit of x (s). */
    readonly b: number;
    readonly r2: number;
    readonly n: number;
}

/** Least-squares fit y = a + b·x. */
export function linearFit(points: readonly { x: number; y: number }[]): Fit {
    const n = points.length;
    const mx = points.reduce((s, p) => s + p.x, 0) / n;
    const my = points.reduce((s, p) => s + p.y, 0) / n;
    const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
    const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
    const b = sxx === 0 ? 0 : sxy / sxx;
    const a = my - b * mx;
    const ssTot = points.reduce((s, p) => s + (p.y - my) ** 2, 0);
    const ssRes = points.reduce((s, p) => s + (p.y - (a + b * p.x)) ** 2, 0);
    return { a, b, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot, n };
}
