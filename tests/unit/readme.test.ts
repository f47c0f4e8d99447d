import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { renderedReadme } from "../../scripts/readme-tables";

describe("README", () => {
    it("its image-contract tables match components/image-contract.ts (npm run docs:update)", () => {
        const text = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        assert.ok(text === renderedReadme(text), "README.md is stale: run npm run docs:update");
    });
});
