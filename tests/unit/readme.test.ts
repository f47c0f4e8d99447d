import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { readmeSection, renderedReadme, renderedSection } from "../../scripts/readme-tables";

const readme = () => fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

describe("README", () => {
    it("its image-contract tables match components/image-contract.ts (npm run docs:update)", () => {
        const text = readme();
        assert.ok(text === renderedReadme(text), "README.md is stale: run npm run docs:update");
    });

    it("its template parameter tables match components/workflow-templates/parameters.ts (npm run docs:update)", () => {
        assert.strictEqual(
            readmeSection(readme(), "parameters"),
            renderedSection("parameters"),
            "README.md is stale: run npm run docs:update",
        );
    });

    for (const name of ["config-top", "config-instances", "config-schedule", "config-run", "config-exporters", "config-clusters"]) {
        it(`its ${name} table matches components/config/schema.ts (npm run docs:update)`, () => {
            assert.strictEqual(readmeSection(readme(), name), renderedSection(name), "README.md is stale: run npm run docs:update");
        });
    }
});
