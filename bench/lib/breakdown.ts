/**
 * Where `pulumi preview`'s fixed time goes, from the engine's own log (`--logflow -v=9
 * --logtostderr`, one JSON line per message with a nanosecond timestamp):
 *
 *   cli start          our spawn of `pulumi`    -> first "Launching plugin 'nodejs'"
 *                      (Go CLI start, project/stack/backend load, secrets manager, config)
 *   language host      launch of pulumi-language-nodejs -> its Run() call
 *   node + SDK start   Run() -> the Stack resource is registered (node start, @pulumi/pulumi load,
 *                      and where ts-node runs, its registration: the TypeScript compiler is loaded)
 *   program load       Stack registered -> first resource of the program registered (the built
 *                      JavaScript, or ts-node compiling [and type-checking] index.ts +
 *                      components/; requires the SDKs, zod, yaml; config parse)
 *   registration       first program resource -> Run() returns (declaring resources, engine
 *                      steps, provider Check/Diff; provider starts overlap with this)
 *   shutdown           Run() returns -> `pulumi` exits (plugins killed, summary printed)
 *
 * Provider starts (plugin launch -> GetPluginInfo answered) are listed separately; they run
 * concurrently with registration, so they do not add up with the phases.
 */
import * as fs from "fs";

export interface Breakdown {
    readonly phases: { name: string; seconds: number; what: string }[];
    readonly providerStarts: { plugin: string; seconds: number }[];
    readonly totalS: number;
}

interface Line {
    t: number;
    msg: string;
}

function readLines(file: string): Line[] {
    const lines: Line[] = [];
    for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
        if (!raw.startsWith("{")) continue;
        try {
            const j = JSON.parse(raw) as { time?: string; msg?: string };
            if (j.time && j.msg)
                lines.push({
                    t: Date.parse(j.time) / 1000 + Number(`0.${(/\.(\d+)/.exec(j.time)?.[1] ?? "0").slice(3)}`) / 1000,
                    msg: j.msg,
                });
        } catch {
            /* not JSON */
        }
    }
    return lines;
}

export function breakdown(logFile: string, spawnedAtS: number, exitedAtS: number): Breakdown {
    const lines = readLines(logFile);
    const find = (pred: (m: string) => boolean, from = 0): Line => {
        const l = lines.slice(from).find((x) => pred(x.msg));
        if (!l) throw new Error(`breakdown: marker not found in ${logFile}`);
        return l;
    };
    const lastIndex = (pred: (m: string) => boolean) => {
        for (let i = lines.length - 1; i >= 0; i--) if (pred(lines[i].msg)) return lines[i];
        throw new Error(`breakdown: marker not found in ${logFile}`);
    };
    const runLine = find((m) => m.startsWith("langhost[nodejs].Run(") && m.includes("executing"));
    // The language host is launched twice (GetPluginInfo/GetRequiredPackages probe, then the run); take the one before Run().
    const launches = lines.filter((l) => l.msg.startsWith("newPlugin(): Launching plugin 'nodejs'") && l.t <= runLine.t);
    const firstLaunch = launches[0] ?? runLine;
    const lastLaunch = launches[launches.length - 1] ?? runLine;
    const stack = find((m) => m.startsWith("ResourceMonitor.RegisterResource received: t=pulumi:pulumi:Stack"));
    const first = find((m) => m.startsWith("ResourceMonitor.RegisterResource received:") && !m.includes("t=pulumi:pulumi:Stack"));
    const runDone = lastIndex((m) => m.startsWith("langhost[nodejs].Run(") && !m.includes("executing"));

    const providerStarts: { plugin: string; seconds: number }[] = [];
    for (const l of lines) {
        const m = /^newPlugin\(\): Launching plugin '([^']+) \(resource\)' from '([^']+)'/.exec(l.msg);
        if (!m) continue;
        const ready = lines.find(
            (x) =>
                x.t >= l.t &&
                (x.msg.startsWith(`Handshake: not supported by '${m[2]}'`) || (x.msg.startsWith("Handshake") && x.msg.includes(m[2]))),
        );
        if (ready) providerStarts.push({ plugin: m[1], seconds: ready.t - l.t });
    }
    const phases = [
        {
            name: "CLI start",
            seconds: firstLaunch.t - spawnedAtS,
            what: "Go CLI start, project + stack + file backend, passphrase secrets manager, config",
        },
        {
            name: "language host",
            seconds: runLine.t - firstLaunch.t,
            what: `pulumi-language-nodejs launched ${launches.length}× (plugin info probe, then Run)`,
        },
        {
            name: "node + SDK (+ ts-node) start",
            seconds: stack.t - runLine.t,
            what: "node start, @pulumi/pulumi load (with the TypeScript compiler, unless deferred: docs/development.md); where ts-node runs, its registration",
        },
        {
            name: "program load",
            seconds: first.t - stack.t,
            what: "loads bin/ (precompiled) or ts-node compiles (and type-checks unless transpile-only) index.ts + components/; requires @pulumi/kubernetes, zod, yaml; config parse",
        },
        {
            name: "registration",
            seconds: runDone.t - first.t,
            what: "resources declared and stepped by the engine (provider starts, Check/Diff) until the program exits",
        },
        { name: "shutdown", seconds: exitedAtS - runDone.t, what: "plugins stopped, summary printed, CLI exit" },
    ];
    void lastLaunch;
    return { phases, providerStarts, totalS: exitedAtS - spawnedAtS };
}

/** Create steps of one resource type in a `pulumi up` engine log, times relative to the program's first registration. */
export interface StepsOfType {
    readonly type: string;
    readonly count: number;
    /** When the first of them started (`applying step create`), s. */
    readonly firstStartS: number;
    /** When the last of them was done (`step create … retired`), s. */
    readonly lastDoneS: number;
    /** Sum of their step durations, s (steps overlap: this is work, not wall time). */
    readonly sumS: number;
}

/**
 * Where a create's registration phase goes: per resource type, when its create steps started and
 * finished and how long they took, from the StepExecutor's `applying step create on <urn>` and
 * `step create on <urn> retired` lines. A type that starts late waits on its dependencies.
 */
export function createSteps(logFile: string): StepsOfType[] {
    const lines = readLines(logFile);
    const first = lines.find(
        (l) => l.msg.startsWith("ResourceMonitor.RegisterResource received:") && !l.msg.includes("t=pulumi:pulumi:Stack"),
    );
    if (!first) throw new Error(`createSteps: no program registration in ${logFile}`);
    const started = new Map<string, number>();
    const byType = new Map<string, { count: number; firstStartS: number; lastDoneS: number; sumS: number }>();
    for (const l of lines) {
        const apply = /^StepExecutor worker\(-?\d+\): applying step create on (\S+) \(preview false\)/.exec(l.msg);
        if (apply) {
            started.set(apply[1], l.t);
            continue;
        }
        const done = /^StepExecutor worker\(-?\d+\): step create on (\S+) retired/.exec(l.msg);
        const start = done ? started.get(done[1]) : undefined;
        if (!done || start === undefined) continue;
        const type = done[1].split("::")[2].split("$").pop()!;
        const e = byType.get(type) ?? { count: 0, firstStartS: Infinity, lastDoneS: 0, sumS: 0 };
        e.count++;
        e.firstStartS = Math.min(e.firstStartS, start - first.t);
        e.lastDoneS = Math.max(e.lastDoneS, l.t - first.t);
        e.sumS += l.t - start;
        byType.set(type, e);
    }
    return [...byType.entries()]
        .map(([type, e]) => ({ type, ...e }))
        .sort((a, b) => a.firstStartS - b.firstStartS || a.type.localeCompare(b.type));
}
