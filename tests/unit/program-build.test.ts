/**
 * scripts/program-build.js on a small project in a sandbox (its own index.ts, components/ and
 * tsconfig files, the repo's node_modules linked): two builds started at once, as the preflights
 * of the integration lanes start, build bin/ once and both end with a current build.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");

interface ProgramBuild {
    staleness(root: string): string | undefined;
}

function buildIn(root: string): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(root, "scripts", "program-build.js")], { cwd: root });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stderr }));
    });
}

describe("scripts/program-build.js", function () {
    this.timeout(120_000);
    let root: string;

    before(function () {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "program-build-test-"));
        fs.mkdirSync(path.join(root, "scripts"));
        fs.copyFileSync(path.join(REPO, "scripts", "program-build.js"), path.join(root, "scripts", "program-build.js"));
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
        fs.mkdirSync(path.join(root, "components"));
        fs.writeFileSync(path.join(root, "index.ts"), 'import { a } from "./components/a";\nexport const b = a + 1;\n');
        fs.writeFileSync(path.join(root, "components", "a.ts"), "export const a = 1;\n");
        fs.writeFileSync(
            path.join(root, "tsconfig.json"),
            JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", target: "ES2022" } }),
        );
        fs.writeFileSync(
            path.join(root, "tsconfig.build.json"),
            JSON.stringify({
                extends: "./tsconfig.json",
                compilerOptions: { outDir: "bin", types: [] },
                include: ["index.ts", "components/**/*.ts"],
            }),
        );
    });

    after(function () {
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("two builds started at once build bin/ once, and both leave it current", async function () {
        const runs = await Promise.all([buildIn(root), buildIn(root)]);
        for (const r of runs) assert.equal(r.code, 0, r.stderr);
        const lines = runs.map((r) => r.stderr.trim()).sort();
        assert.equal(lines.filter((l) => l.startsWith("[setup] program: built bin/")).length, 1, lines.join("\n"));
        assert.equal(lines.filter((l) => l.startsWith("[setup] program: up to date")).length, 1, lines.join("\n"));
        assert.ok(fs.existsSync(path.join(root, "bin", "index.js")));
        assert.ok(fs.existsSync(path.join(root, "bin", "components", "a.js")));
        const programBuild = require(path.join(root, "scripts", "program-build.js")) as ProgramBuild;
        assert.equal(programBuild.staleness(root), undefined);
    });
});
