/**
 * A copy of the Pulumi project as `pulumi` runs it, for the integration tests and the benchmark:
 * Pulumi.yaml, the entry point program.js with the built program (bin/) and its sources, the
 * plugin directories Pulumi.yaml names with the preload they share, and a symlink to the repo's
 * node_modules.
 *
 * The copy runs the repo's build, so the build must be current: `ensureProgramBuilt()` builds it
 * (scripts/program-build.js, skipped when current) and `copyProgram` refuses a stale one, naming
 * the command; program.js would refuse it too. Timestamps are kept, so the copy's build is as
 * current as the repo's.
 */
import * as fs from "fs";
import * as path from "path";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

interface ProgramBuild {
    build(root: string, options?: { dryRun?: boolean }): string;
    staleness(root: string): string | undefined;
    BUILD_COMMAND: string;
}

/** scripts/program-build.js (plain JavaScript: program.js loads it without ts-node). */
const programBuild = require(path.join(REPO_ROOT, "scripts", "program-build.js")) as ProgramBuild;

/** What a copy of the program holds, relative to the repo root (node_modules is linked). */
const PROGRAM_PATHS = [
    "Pulumi.yaml",
    "program.js",
    "index.ts",
    "tsconfig.json",
    "tsconfig.build.json",
    "package.json",
    "components",
    "bin",
    "scripts/program-build.js",
    "scripts/language-host",
    "scripts/dynamic-provider",
    "scripts/defer-closure-serializer.js",
];

/** Builds the program in `root` (the repo by default) unless its build is current; the line saying which. */
export function ensureProgramBuilt(root = REPO_ROOT): string {
    return programBuild.build(root);
}

/** Why the build in `root` is not current, or undefined. */
export function programStaleness(root = REPO_ROOT): string | undefined {
    return programBuild.staleness(root);
}

/** Copies the program into `dir` (created); throws naming the build command when the repo's build is stale. */
export function copyProgram(dir: string): void {
    const why = programStaleness();
    if (why) throw new Error(`the built program (bin/) is not current: ${why}; run \`${programBuild.BUILD_COMMAND}\``);
    fs.mkdirSync(dir, { recursive: true });
    for (const rel of PROGRAM_PATHS) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.cpSync(path.join(REPO_ROOT, rel), path.join(dir, rel), { recursive: true, preserveTimestamps: true });
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
}

/**
 * Makes the copy in `dir` a plain Pulumi TypeScript project, as the program ran before it was
 * precompiled: no `main` (package.json's, index.ts) and the language host as the toolchain has it,
 * which registers ts-node with tsconfig.json's settings.
 */
export function asTypeScriptProject(dir: string): void {
    const text = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
    const name = /^name: (.+)$/m.exec(text)?.[1];
    if (!name) throw new Error(`${dir}/Pulumi.yaml has no name`);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
}
