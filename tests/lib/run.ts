/**
 * Runs a command to its end and collects its output: how the tests and the bench run a child
 * process. Long-lived processes (a controller, a watch, a run killed mid-way) are spawned where
 * they are used, since they outlive the call that starts them.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";

export interface RunResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export interface RunOptions {
    readonly cwd?: string;
    readonly env?: NodeJS.ProcessEnv;
    /** Written to stdin (stdin is closed either way). */
    readonly input?: string;
    /** Kill the process after this many ms (default 10 minutes). */
    readonly timeoutMs?: number;
    /** What a timeout sends (default SIGKILL). */
    readonly killSignal?: NodeJS.Signals;
    /** Throw when the exit code is not 0 (default true). */
    readonly check?: boolean;
    /** Stream stderr into this file instead of keeping it (the result's stderr is then empty). */
    readonly stderrFile?: string;
    /** Called once the process is spawned, e.g. to sample its process tree while it runs. */
    readonly onSpawn?: (child: ChildProcess) => void;
}

class RunError extends Error {
    constructor(
        public readonly command: string,
        public readonly result: RunResult,
    ) {
        super(
            `\`${command}\` exited with ${result.code}\n--- stderr (tail) ---\n${tail(result.stderr, 60)}\n--- stdout (tail) ---\n${tail(result.stdout, 30)}`,
        );
        this.name = "RunError";
    }
}

export function tail(text: string, lines: number): string {
    return text.split("\n").slice(-lines).join("\n");
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const display = [command, ...args].join(" ");
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
        options.onSpawn?.(child);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const errFile = options.stderrFile ? fs.createWriteStream(options.stderrFile) : undefined;
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => (errFile ? errFile.write(b) : err.push(b)));
        const timer = setTimeout(() => child.kill(options.killSignal ?? "SIGKILL"), options.timeoutMs ?? 600_000);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(new Error(`cannot run \`${display}\`: ${e.message}`));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            errFile?.end();
            const result = {
                code: code ?? (signal ? 128 : 1),
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
            };
            if (options.check !== false && result.code !== 0) reject(new RunError(display, result));
            else resolve(result);
        });
        child.stdin.on("error", () => undefined);
        child.stdin.end(options.input ?? "");
    });
}
