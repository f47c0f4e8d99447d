/**
 * The two Node processes a `pulumi` run of this project starts, the program (through
 * scripts/language-host) and the dynamic provider (scripts/dynamic-provider, which Pulumi.yaml
 * names), preload scripts/defer-closure-serializer.js: importing @pulumi/pulumi then leaves the
 * TypeScript compiler and @npmcli/arborist unloaded until a closure is serialized.
 *
 * Which assertion fails without what: without the preload, the modules loaded by the import
 * (the control shows the SDK loads them); without the stand-in loading on use, the serialization;
 * with the stand-in handed to every importer, the direct require; without the shim or its
 * Pulumi.yaml entry, the plugin and project assertions; without NODE_OPTIONS in the language
 * host, its environment assertion.
 */
import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const REPO = path.resolve(__dirname, "..", "..");
const PRELOAD = path.join(REPO, "scripts", "defer-closure-serializer.js");
const DEFERRED = /node_modules\/(typescript|@npmcli\/arborist)\//;

/** Runs a script in a fresh Node process (from the repo, so @pulumi/pulumi resolves), optionally with the preload; its JSON output. */
function nodeJson(script: string, preload: boolean): any {
    const args = [...(preload ? ["--require", PRELOAD] : []), "--no-warnings", "-e", script];
    return JSON.parse(execFileSync(process.execPath, args, { cwd: REPO, encoding: "utf8" }));
}

const LOADED = `Object.keys(require.cache).filter((k) => ${DEFERRED}.test(k)).length`;

describe("the project's Node plugin processes start without the closure serializer's compiler", function () {
    this.timeout(60_000);

    it("importing @pulumi/pulumi loads TypeScript and arborist without the preload, and neither with it", () => {
        const without = nodeJson(`require("@pulumi/pulumi"); console.log(${LOADED})`, false);
        assert.ok(without > 0, "the SDK no longer loads them at import: the preload is moot");
        assert.strictEqual(nodeJson(`require("@pulumi/pulumi"); console.log(${LOADED})`, true), 0);
    });

    it("a closure still serializes: the deferred module loads on first use", () => {
        const result = nodeJson(
            `require("@pulumi/pulumi").runtime.serializeFunction(() => 42).then((r) => console.log(JSON.stringify({ text: r.text, loaded: ${LOADED} })))`,
            true,
        );
        assert.match(result.text, /return 42|=> 42/);
        assert.ok(result.loaded > 0);
    });

    it("any other importer gets the module itself", () => {
        const result = nodeJson(
            `const ts = require("typescript"); console.log(JSON.stringify({ version: ts.version, keys: Object.keys(ts).length, loaded: ${LOADED} }))`,
            true,
        );
        assert.match(result.version, /^\d+\.\d+/);
        assert.ok(result.keys > 100 && result.loaded > 0);
    });

    it("Pulumi.yaml runs the dynamic provider from scripts/dynamic-provider, which starts and prints its port", async () => {
        const project = parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8"));
        assert.deepStrictEqual(project.plugins.providers, [{ name: "pulumi-nodejs", path: "scripts/dynamic-provider" }]);
        const plugin = path.join(REPO, "scripts", "dynamic-provider", "pulumi-resource-pulumi-nodejs");
        const child = spawn(plugin, ["127.0.0.1:1"], { cwd: os.tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
        try {
            const port = await new Promise<string>((resolve, reject) => {
                let out = "";
                child.stdout.on("data", (chunk: Buffer) => {
                    out += chunk.toString();
                    if (out.includes("\n")) resolve(out.trim());
                });
                child.on("error", reject);
                child.on("exit", (code) => reject(new Error(`the plugin exited (${code}) before printing its port`)));
            });
            assert.match(port, /^\d+$/);
        } finally {
            child.kill();
        }
    });

    it("the language host starts the real host with -typescript=false and the preload in NODE_OPTIONS", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "language-host-test-"));
        try {
            // A stand-in for the real host, first on PATH: prints what it was started with.
            const fake = path.join(dir, "pulumi-language-nodejs");
            fs.writeFileSync(fake, '#!/bin/sh\nprintf "%s\\n" "$NODE_OPTIONS" "$*"\n', { mode: 0o755 });
            const out = execFileSync(path.join(REPO, "scripts", "language-host", "pulumi-language-nodejs"), ["127.0.0.1:1"], {
                env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, NODE_OPTIONS: "--max-old-space-size=512" },
                encoding: "utf8",
            }).split("\n");
            assert.strictEqual(out[0], `--require "${fs.realpathSync(PRELOAD)}" --max-old-space-size=512`);
            assert.strictEqual(out[1], "-typescript=false 127.0.0.1:1");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
