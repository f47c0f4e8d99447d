/**
 * `argo lint --offline` (the pinned argo CLI, scripts/toolchain.sh) over every WorkflowTemplate,
 * CronWorkflow and Workflow the program renders: the dev, prod and local stacks, a
 * multi-instance/multi-cluster configuration with runs, the unit-test fixtures and the golden
 * files. Each file is linted with one probe Workflow per WorkflowTemplate (see probeWorkflows)
 * so that undeclared parameters are caught as the controller would catch them at submission.
 *
 * Negative controls prove the check can fail: broken copies of the rendered objects must make
 * `argo lint --offline` exit non-zero with the expected message.
 *
 * No cluster needed.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stripVTControlCharacters } from "util";
import { stringify } from "yaml";
import { log, readYamlDocuments, renderConfigs, requireTools, run, tempDir } from "./argo/kube";
import { EXPECTED_RENDERED, fixtureStreams, probeWorkflows, RENDERED_CONFIGS } from "./argo/lint-inputs";
import type { RenderedFile } from "./argo/render-configs";

const GOLDEN_DIR = path.join(__dirname, "..", "golden");

interface LintResult {
    readonly code: number;
    readonly output: string;
}

async function lint(file: string): Promise<LintResult> {
    const r = await run("argo", ["lint", "--offline", "--output", "simple", file], { check: false, timeoutMs: 120_000 });
    // Strip colour codes; the messages are asserted on.
    return { code: r.code, output: stripVTControlCharacters(r.stdout + r.stderr) };
}

function writeStream(file: string, objects: readonly object[]): string {
    fs.writeFileSync(file, objects.map((o) => stringify(o, { sortMapEntries: true })).join("---\n"));
    return file;
}

function countKinds(objects: readonly any[]): Record<string, number> {
    const kinds: Record<string, number> = {};
    for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
    return kinds;
}

describe("argo lint --offline: every object the program renders", function () {
    this.timeout(600_000);
    let dir: string;
    let rendered: RenderedFile[] = [];
    let failed = false;

    before(async function () {
        requireTools("argo");
        dir = tempDir("argo-lint-");
        const start = Date.now();
        rendered = await renderConfigs({
            out: path.join(dir, "rendered"),
            configs: RENDERED_CONFIGS,
            kinds: ["WorkflowTemplate", "CronWorkflow", "Workflow"],
        });
        log(`rendered ${rendered.length} files in ${((Date.now() - start) / 1000).toFixed(1)}s -> ${dir}`);
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed") failed = true;
    });

    after(function () {
        if (!dir) return;
        if (failed || process.env.ARKOUDA_IT_KEEP_TMP === "1") log(`kept ${dir}`);
        else fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Lints the objects plus one probe Workflow per WorkflowTemplate; asserts a clean result. */
    async function lintClean(name: string, objects: any[]) {
        const probes = probeWorkflows(objects);
        const file = writeStream(path.join(dir, `${name}.lint.yaml`), [...objects, ...probes]);
        const result = await lint(file);
        assert.strictEqual(result.code, 0, `argo lint --offline ${file} failed:\n${result.output}`);
        assert.match(result.output, /no linting errors found/, result.output);
        return { probes: probes.length };
    }

    for (const [name, expected] of Object.entries(EXPECTED_RENDERED)) {
        it(`passes for ${name} (${Object.entries(expected)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `≥${n} ${k}`)
            .join(", ")})`, async () => {
            const file = rendered.find((f) => `${f.config}-${f.cluster}` === name);
            assert.ok(file, `render produced no ${name}.yaml (got ${rendered.map((f) => `${f.config}-${f.cluster}`).join(", ")})`);
            const objects = readYamlDocuments(file.file);
            const kinds = countKinds(objects);
            for (const [kind, n] of Object.entries(expected)) {
                assert.ok((kinds[kind] ?? 0) >= n, `${name}: expected at least ${n} ${kind}, got ${kinds[kind] ?? 0}`);
            }
            await lintClean(name, objects);
        });
    }

    it("renders no file that the list above does not lint", () => {
        const names = rendered.map((f) => `${f.config}-${f.cluster}`).sort();
        assert.deepStrictEqual(names, Object.keys(EXPECTED_RENDERED).sort());
    });

    for (const name of Object.keys(fixtureStreams())) {
        it(`passes for the unit-test fixtures: ${name}`, async () => {
            const file = path.join(dir, `${name}.yaml`);
            fs.writeFileSync(file, fixtureStreams()[name]);
            const objects = readYamlDocuments(file);
            const kinds = countKinds(objects);
            assert.strictEqual(kinds.WorkflowTemplate, 4);
            assert.ok(kinds.CronWorkflow >= 2 && kinds.Workflow >= 1, JSON.stringify(kinds));
            await lintClean(name, objects);
        });
    }

    it("passes for the golden files (tests/golden/*.yaml, linted together)", async () => {
        const goldens = fs
            .readdirSync(GOLDEN_DIR)
            .filter((f) => f.endsWith(".yaml"))
            .sort();
        assert.strictEqual(goldens.length, 4, goldens.join(", "));
        const objects = goldens.flatMap((f) => readYamlDocuments(path.join(GOLDEN_DIR, f)));
        assert.deepStrictEqual(countKinds(objects), { WorkflowTemplate: 4 });
        await lintClean("golden", objects);
    });

    // ------------------------------------------------------------------------------------------
    // Negative controls: the same objects, broken on purpose.
    // ------------------------------------------------------------------------------------------

    describe("negative controls (must fail)", function () {
        let local: any[];
        const template = (name: string) => structuredClone(local.find((o) => o.kind === "WorkflowTemplate" && o.metadata.name === name));
        const cron = () => structuredClone(local.find((o) => o.kind === "CronWorkflow"));
        const templates = () => local.filter((o) => o.kind === "WorkflowTemplate");
        const step = (t: any, name: string) => t.spec.templates.find((s: any) => s.name === name);

        before(() => {
            const file = rendered.find((f) => f.config === "local");
            assert.ok(file, "no rendered local stack");
            local = readYamlDocuments(file.file);
        });

        async function lintBroken(name: string, objects: any[], expected: RegExp) {
            const file = writeStream(path.join(dir, `negative-${name}.yaml`), objects);
            const result = await lint(file);
            assert.notStrictEqual(result.code, 0, `argo lint --offline accepted the broken ${name}:\n${result.output}`);
            assert.match(result.output, expected);
        }

        it("an undeclared parameter (caught through the probe Workflow)", async () => {
            const t = template("deploy-arkouda-on-kubernetes");
            step(t, "apply-services").container.args.push("--selector={{workflow.parameters.no-such-parameter}}");
            await lintBroken(
                "undeclared-parameter",
                [t, ...probeWorkflows([t])],
                /failed to resolve \{\{workflow\.parameters\.no-such-parameter\}\}/,
            );
        });

        it("a DAG task naming a template that does not exist", async () => {
            const t = template("deploy-arkouda-on-kubernetes");
            step(t, "deploy").dag.tasks.find((x: any) => x.name === "deploy-server").template = "no-such-template";
            await lintBroken("missing-template", [t], /template name 'no-such-template' undefined/);
        });

        it("a CronWorkflow with a malformed schedule", async () => {
            const c = cron();
            c.spec.schedules = ["61 * * * *"];
            await lintBroken("cron-schedule", [...templates(), c], /cron schedule 61 \* \* \* \* is malformed/);
        });

        it("a CronWorkflow with an unknown timezone", async () => {
            const c = cron();
            c.spec.timezone = "Mars/Olympus_Mons";
            await lintBroken("cron-timezone", [...templates(), c], /invalid timezone "Mars\/Olympus_Mons"/);
        });

        it("a CronWorkflow referencing a WorkflowTemplate that does not exist", async () => {
            const c = cron();
            c.spec.workflowSpec.workflowTemplateRef.name = "no-such-workflowtemplate";
            await lintBroken("cron-template-ref", [...templates(), c], /couldn't find workflow template "no-such-workflowtemplate"/);
        });

        it("a parameter default outside its enum", async () => {
            const t = template("deploy-arkouda-on-kubernetes");
            t.spec.arguments.parameters.find((p: any) => p.name === "log-level").value = "LogLevel.LOUD";
            await lintBroken("enum", [t], /log-level\.value should be present in spec\.arguments\.log-level\.enum list/);
        });

        it("is blind to a malformed `when` expression and an unresolvable mutex name (the controller tests cover those)", async () => {
            // Documents the limit of the offline linter: these are caught only at run time
            // (tests/integration/argo-controller.test.ts checks the mutex name and evaluates
            // every template's expressions through the controller).
            const t = template("deploy-arkouda-on-kubernetes");
            step(t, "deploy").dag.tasks.find((x: any) => x.name === "apply-services-and-servicemonitor").when =
                "{{=workflow.parameters['metrics-enabled'] == }}";
            t.spec.synchronization.mutexes[0].name = "arkouda-instance-{{workflow.parameters.no-such-parameter}}";
            const file = writeStream(path.join(dir, "negative-blind.yaml"), [t, ...probeWorkflows([t])]);
            const result = await lint(file);
            assert.strictEqual(result.code, 0, `argo lint now catches these; move them to the controls above:\n${result.output}`);
        });
    });
});
