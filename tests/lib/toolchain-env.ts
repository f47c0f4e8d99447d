/**
 * The pinned toolchain's environment: what `eval "$(scripts/toolchain.sh env)"` makes of this
 * process's environment (the toolchain's bin/ first on PATH, PULUMI_HOME, the CRD dir, ...).
 * `toolchain.sh env` only prints paths; it builds nothing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const TOOLCHAIN_SH = path.resolve(__dirname, "..", "..", "scripts", "toolchain.sh");

/**
 * `base` with the variables `toolchain.sh env` exports, as bash evaluates them (so `"$PATH"`
 * is `base`'s PATH). Throws when toolchain.sh is missing or fails.
 */
export function toolchainEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    if (!fs.existsSync(TOOLCHAIN_SH)) throw new Error(`${TOOLCHAIN_SH} is missing`);
    // The export lines first (to know which variables are the toolchain's), then the environment
    // they made, both NUL-terminated.
    const script = `set -e; lines=$("$0" env); eval "$lines"; printf '%s\\0' "$lines"; env -0`;
    const result = spawnSync("bash", ["-c", script, TOOLCHAIN_SH], { env: base, encoding: "utf8", timeout: 120_000 });
    if (result.error) throw new Error(`cannot run \`scripts/toolchain.sh env\`: ${result.error.message}`);
    if (result.status !== 0) {
        throw new Error(
            `\`scripts/toolchain.sh env\` failed (exit ${result.status ?? result.signal}); build the toolchain with scripts/toolchain.sh\n${result.stderr}`,
        );
    }
    const [lines, ...entries] = result.stdout.split("\0");
    const names = new Set([...lines.matchAll(/^export ([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
    const env: NodeJS.ProcessEnv = { ...base };
    for (const entry of entries) {
        const eq = entry.indexOf("=");
        if (eq > 0 && names.has(entry.slice(0, eq))) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
}

/** Where `tool` resolves on `env`'s PATH, or undefined. */
export function onPath(env: NodeJS.ProcessEnv, tool: string): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, tool);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}
