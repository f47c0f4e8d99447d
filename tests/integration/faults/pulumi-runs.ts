/**
 * `pulumi` runs a fault scenario interrupts: started in a process group of their own so the
 * whole tree (CLI, language host, node, plugins) can be SIGKILLed mid-apply, with the kill point
 * taken from the engine event log.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { descendants } from "../../lib/proc";
import { RunResult } from "../../lib/run";
import { EngineEvent, PulumiProject } from "../pulumi";

export interface Background {
    readonly child: ChildProcess;
    /** Resolves when the process group leader exits (never rejects). */
    readonly done: Promise<RunResult>;
    /** The engine event log (`--event-log`). */
    readonly eventLog: string;
    /** SIGKILL to the whole process group: the CLI, the language host, node and the plugins. */
    killGroup(): void;
    /** Engine events written so far. */
    events(): EngineEvent[];
}

let backgroundRuns = 0;

/** Starts `pulumi <args>` for the project's stack in a new process group, with an event log. */
export function startPulumi(project: PulumiProject, args: readonly string[], label: string): Background {
    const eventLog = path.join(project.dir, "..", `bg-${++backgroundRuns}-${label}.jsonl`);
    const full = [...args, "--stack", project.stack, "--non-interactive", "--event-log", eventLog];
    const child = spawn("pulumi", full, { cwd: project.dir, env: project.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    const done = new Promise<RunResult>((resolve) => {
        child.on("close", (code, signal) =>
            resolve({
                code: code ?? (signal === "SIGKILL" ? 137 : 1),
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
            }),
        );
        child.on("error", (e) => resolve({ code: 127, stdout: "", stderr: e.message }));
    });
    return {
        child,
        done,
        eventLog,
        killGroup() {
            // The CLI starts its plugins in process groups of their own: they are found by
            // parentage before the group dies, or they would live on as orphans.
            const victims = descendants(child.pid!);
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // already gone
            }
            for (const pid of victims) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // already gone
                }
            }
        },
        events() {
            if (!fs.existsSync(eventLog)) return [];
            return fs
                .readFileSync(eventLog, "utf8")
                .split("\n")
                .filter((l) => l.trim().endsWith("}"))
                .flatMap((l) => {
                    try {
                        return [JSON.parse(l) as EngineEvent];
                    } catch {
                        return []; // a line being written
                    }
                });
        },
    };
}

/** Resolves with the first engine event matching `predicate` (polls the event log every 50 ms). */
export async function untilEvent(
    run: Background,
    what: string,
    predicate: (e: EngineEvent) => boolean,
    timeoutMs = 120_000,
): Promise<EngineEvent> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void run.done.then(() => (exited = true));
    for (;;) {
        const hit = run.events().find(predicate);
        if (hit) return hit;
        if (exited) throw new Error(`pulumi exited before ${what}:\n${(await run.done).stderr}${(await run.done).stdout.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** Step events (pre or outputs) of the given op and resource type suffix. */
export function stepEvent(kind: "pre" | "outputs", op: string, typeSuffix: string, nameSuffix = "") {
    return (e: EngineEvent): boolean => {
        const m = (kind === "pre" ? e.resourcePreEvent : e.resOutputsEvent)?.metadata;
        return !!m && m.op === op && m.type.endsWith(typeSuffix) && m.urn.endsWith(nameSuffix);
    };
}

/** Steps of an event stream that change something, as `op name` (name = last URN segment). */
export function changes(events: readonly EngineEvent[]): string[] {
    return events
        .map((e) => e.resourcePreEvent?.metadata)
        .filter((m): m is NonNullable<typeof m> => !!m && m.op !== "same" && m.op !== "read")
        .map((m) => `${m.op} ${m.urn.split("::").pop()}`)
        .sort();
}
