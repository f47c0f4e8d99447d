import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderedDoc, renderedFiles } from "../../scripts/readme-tables";
import { brokenLinks, markdownFiles } from "../lib/doc-links";

const REPO_ROOT = path.join(__dirname, "..", "..");

describe("docs", () => {
    for (const file of renderedFiles()) {
        it(`${file}: its generated tables match the code that owns them (npm run docs:update)`, () => {
            const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
            assert.ok(text === renderedDoc(file, text), `${file} is stale: run npm run docs:update`);
        });
    }

    it("every relative link and anchor in README.md and docs/ resolves", () => {
        const files = markdownFiles(REPO_ROOT);
        assert.ok(files.includes("README.md") && files.some((f) => f.startsWith("docs/")), `found ${files.join(", ")}`);
        assert.deepStrictEqual(brokenLinks(REPO_ROOT, files), []);
    });

    it("the link check reports a missing file and a missing anchor, and not code or URLs", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doc-links-"));
        try {
            fs.mkdirSync(path.join(dir, "docs"));
            fs.writeFileSync(path.join(dir, "docs", "a.md"), "# A page\n\n## `pulumi destroy`, twice\n\n## Same\n\n## Same\n");
            fs.writeFileSync(
                path.join(dir, "README.md"),
                [
                    "[ok](docs/a.md#pulumi-destroy-twice) [ok](docs/a.md#same-1) [ok](#top) [url](https://example.com/x.md)",
                    "`[code](docs/none.md)`",
                    "```",
                    "[fenced](docs/none.md)",
                    "```",
                    "[gone](docs/none.md) [bad anchor](docs/a.md#same-2)",
                    "# Top",
                ].join("\n"),
            );
            assert.deepStrictEqual(brokenLinks(dir, markdownFiles(dir)), [
                "README.md: docs/none.md (no docs/none.md)",
                "README.md: docs/a.md#same-2 (no heading with anchor #same-2 in docs/a.md)",
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
