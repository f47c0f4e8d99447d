#!/usr/bin/env node
/**
 * The program's build: `tsc -p tsconfig.build.json` emits index.ts and components/ as JavaScript
 * into bin/, which `pulumi` runs (Pulumi.yaml `main: program.js` loads bin/index.js; no ts-node),
 * and the dynamic providers' code is serialized once, beside them.
 *
 *   node scripts/program-build.js [--dry-run]      (npm run build:program; scripts/setup.sh runs it)
 *
 * Skipped when the build is current: bin/.build-stamp lists the sources it was built from and
 * carries the time the build started, so a source edited, added, removed or renamed since makes
 * it stale. A build empties bin/ first (nothing of a removed source is left to load). Prints one
 * line: "[setup] program: built ..." or "[setup] program: up to date ...".
 *
 * Plain JavaScript, and only Node's own modules at load: program.js requires staleness() on every
 * `pulumi` run (a few ms: one stat per source), before ts-node or TypeScript could be loaded.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const OUT = "bin";
const BUILD_COMMAND = "npm run build:program";
const STAMP = path.join(OUT, ".build-stamp");
/** The built module that serializes the dynamic providers (components/dynamic/provider-code.ts). */
const PROVIDER_CODE_MODULE = path.join(OUT, "components", "dynamic", "provider-code.js");
/** What the build reads besides the program's sources. */
const CONFIG_FILES = ["tsconfig.json", "tsconfig.build.json"];

/** The build's inputs, relative to `root`, sorted: index.ts, components/**\/*.ts and the tsconfig files. */
function sources(root) {
    const found = ["index.ts", ...CONFIG_FILES];
    const walk = (rel) => {
        for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const child = `${rel}/${entry.name}`;
            if (entry.isDirectory()) walk(child);
            else if (entry.name.endsWith(".ts")) found.push(child);
        }
    };
    walk("components");
    return found.sort();
}

/** Why bin/ cannot be run as the program in `root` (a sentence), or undefined when it is current. */
function staleness(root) {
    let stamp;
    try {
        stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP), "utf8"));
    } catch {
        return `${OUT}/ holds no complete build`;
    }
    const now = sources(root);
    const built = new Set(stamp.sources);
    const added = now.filter((s) => !built.has(s));
    if (added.length) return `${added[0]} is not in the build`;
    const current = new Set(now);
    const removed = stamp.sources.filter((s) => !current.has(s));
    if (removed.length) return `${removed[0]} was removed since the build`;
    for (const s of now) {
        if (fs.statSync(path.join(root, s)).mtimeMs > stamp.startedMs) return `${s} changed since the build`;
    }
    return undefined;
}

/**
 * Throws `new RunError(...)` naming the build command when bin/ in `root` cannot be run; program.js
 * calls it with @pulumi/pulumi's RunError (printed as its message alone). Thrown here, not in
 * program.js: an error thrown by the entry module itself never reaches the engine under the pinned
 * language host with -typescript=false, and the run spins until it is cancelled.
 */
function refuseStale(root, RunError) {
    const why = staleness(root);
    if (why) {
        throw new RunError(
            `the built program in ${OUT}/ is not current: ${why}. Run \`${BUILD_COMMAND}\` ` +
                "(or set ARKOUDA_DEV=1 to run the TypeScript sources through ts-node).",
        );
    }
}

/** Records that bin/ was built from the current sources, as read from `startedMs` on. */
function markBuilt(root, startedMs) {
    fs.mkdirSync(path.join(root, OUT), { recursive: true });
    fs.writeFileSync(path.join(root, STAMP), `${JSON.stringify({ startedMs, sources: sources(root) }, null, 1)}\n`);
}

/**
 * Runs `fn` while holding the build lock of `root`, a directory in the OS temp dir: the
 * integration lanes start side by side and each preflight builds when bin/ is stale, and two
 * builds must not empty and fill the same bin/ at once. A lock whose process is gone is taken over.
 */
function withBuildLock(root, fn) {
    const key = require("crypto").createHash("sha256").update(path.resolve(root)).digest("hex").slice(0, 16);
    const lock = path.join(require("os").tmpdir(), `arkouda-program-build-${key}.lock`);
    const deadline = Date.now() + 15 * 60 * 1000;
    for (;;) {
        try {
            fs.mkdirSync(lock);
            break;
        } catch (error) {
            if (error.code !== "EEXIST") throw error;
        }
        let holder;
        try {
            holder = Number(fs.readFileSync(path.join(lock, "pid"), "utf8"));
        } catch {
            holder = undefined; // just created, its pid not written yet
        }
        if (holder && !alive(holder)) {
            fs.rmSync(lock, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline) throw new Error(`another build of ${root} has held ${lock} for 15 minutes`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
    try {
        fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
        return fn();
    } finally {
        fs.rmSync(lock, { recursive: true, force: true });
    }
}

function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return error.code === "EPERM";
    }
}

/**
 * Serializes the dynamic providers of the fresh build into bin/ (components/dynamic/provider-code.ts
 * says why), in a Node process of its own that runs this file with --provider-code: it loads
 * @pulumi/pulumi, which this script does not at load. A file, not `node -e`: code evaluated there
 * sees `exports` as a global, and the serializer would leave the modules' `exports` out.
 */
function writeProviderCode(root) {
    // A project without dynamic providers (the build's own test sandbox) has nothing to serialize.
    if (!fs.existsSync(path.join(root, PROVIDER_CODE_MODULE))) return;
    const r = require("child_process").spawnSync(process.execPath, [__filename, "--provider-code"], {
        cwd: root,
        stdio: "inherit",
        // The serializer loads every Node built-in (deprecated ones too) to recognize them.
        env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    if (r.status !== 0) throw new Error(`serializing the dynamic providers failed (exit ${r.status ?? r.signal}) in ${root}`);
}

/** Builds bin/ in `root` unless it is current; returns the line that says which it did. */
function build(root, { dryRun = false } = {}) {
    const why = staleness(root);
    const count = sources(root).length;
    if (!why) return `program: up to date (${OUT}/ is newer than its ${count} sources)`;
    if (dryRun) return `program: would build ${OUT}/ (${why})`;
    return withBuildLock(root, () => {
        // Another process may have built it while this one waited for the lock.
        if (!staleness(root)) return `program: up to date (${OUT}/ built meanwhile by another process)`;
        const started = Date.now();
        fs.rmSync(path.join(root, OUT), { recursive: true, force: true });
        const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
        const r = require("child_process").spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
        if (r.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${r.status ?? r.signal}) in ${root}`);
        writeProviderCode(root);
        markBuilt(root, started);
        return `program: built ${OUT}/ from ${count} sources (${((Date.now() - started) / 1000).toFixed(1)}s)`;
    });
}

module.exports = { build, markBuilt, refuseStale, staleness, BUILD_COMMAND };

if (require.main === module) {
    const root = path.resolve(__dirname, "..");
    const run = process.argv.includes("--provider-code")
        ? () => require(path.join(root, PROVIDER_CODE_MODULE)).writeProviderCode()
        : () => process.stderr.write(`[setup] ${build(root, { dryRun: process.argv.includes("--dry-run") })}\n`);
    Promise.resolve()
        .then(run)
        .catch((error) => {
            process.stderr.write(`[setup] error: ${error.message}\n`);
            process.exit(1);
        });
}
