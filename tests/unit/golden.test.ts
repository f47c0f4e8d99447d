/**
 * Golden YAML of the four WorkflowTemplates rendered from the fixtures.
 * Regenerate: UPDATE_GOLDEN=1 npx mocha tests/unit/golden.test.ts
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { allWorkflowTemplates } from "../lib/templates";
import { fixtureExporter, fixtureInstance, fixtureNamespace } from "./fixtures";

const dir = path.join(__dirname, "..", "golden");

/** Golden YAML: sorted keys, no line folding. */
const toYaml = (value: unknown): string => YAML.stringify(value, { sortMapEntries: true, lineWidth: 0 });
const update = process.env.UPDATE_GOLDEN === "1";

describe("golden WorkflowTemplates", () => {
    for (const wt of allWorkflowTemplates(fixtureNamespace, fixtureInstance, fixtureExporter)) {
        const file = path.join(dir, `${wt.metadata.name}.yaml`);
        it(`${wt.metadata.name} matches tests/golden/${wt.metadata.name}.yaml`, () => {
            const rendered = toYaml(wt);
            if (update) {
                fs.mkdirSync(dir, { recursive: true });
                fs.writeFileSync(file, rendered);
            }
            assert.ok(fs.existsSync(file), `missing ${file}; run UPDATE_GOLDEN=1 npx mocha tests/unit/golden.test.ts`);
            assert.strictEqual(rendered, fs.readFileSync(file, "utf8"));
        });
    }

    it("rendering is deterministic", () => {
        const a = allWorkflowTemplates(fixtureNamespace, fixtureInstance, fixtureExporter).map(toYaml);
        const b = allWorkflowTemplates(fixtureNamespace, fixtureInstance, fixtureExporter).map(toYaml);
        assert.deepStrictEqual(a, b);
    });

    it("argo lint (offline, the pinned CLI) accepts every golden template", function () {
        // The controller refuses an invalid spec only when a run starts; lint says so at once.
        const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
        const lint = spawnSync("argo", ["lint", "--offline", "--output", "simple", ...files], { encoding: "utf8" });
        if (lint.error) this.skip(); // no toolchain on PATH: scripts/test-all.sh puts it there
        assert.strictEqual(lint.status, 0, `${lint.stdout}${lint.stderr}`);
    });
});
