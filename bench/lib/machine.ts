/** The machine a bench run measured on, for the report's first line and latest.json. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "../../tests/lib/run";
import { REPO_ROOT } from "./config";

export interface Machine {
    readonly date: string;
    readonly host: string;
    readonly nproc: number;
    readonly cpu: string;
    readonly memoryGiB: number;
    readonly kernel: string;
    readonly node: string;
    /** The pins of tools/versions.env. */
    readonly versions: Record<string, string>;
}

export async function machine(): Promise<Machine> {
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

export function loadAvg(): string {
    return os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ");
}
