/**
 * README tables rendered from the code that owns the facts, so the docs cannot drift:
 * the image contract (components/image-contract.ts). `npm run docs:update` rewrites the README
 * between the markers; tests/unit/readme.test.ts fails when the README is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { API_CONTRACT, ENV_CONTRACT, FLAG_CONTRACT, PORT_CONTRACT } from "../components/image-contract";

const README = path.join(__dirname, "..", "README.md");
const START = "<!-- contract:start -->";
const END = "<!-- contract:end -->";

function table(header: string[], rows: string[][]): string {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function contractTables(): string {
    const env = table(
        ["container", "variable", "read by", "image default", "we pass", "what the image does with it", "source"],
        ENV_CONTRACT.map((r) => [r.container, `\`${r.name}\``, r.reader, r.imageDefault, r.ours, r.effect, `\`${r.source}\``]),
    );
    const ports = table(
        ["container", "port", "listener", "set by", "what", "source"],
        PORT_CONTRACT.map((r) => [r.container, r.portName, r.reader, r.setBy, r.effect, `\`${r.source}\``]),
    );
    const flags = table(
        ["arkouda_server flag", "we pass", "effect", "source"],
        FLAG_CONTRACT.map((r) => [`\`${r.flag}\``, r.ours, r.effect, `\`${r.source}\``]),
    );
    const api = table(
        ["caller", "when", "call", "RBAC", "source"],
        API_CONTRACT.map((r) => [r.caller, r.when, `\`${r.method} ${r.path}\``, `${r.verb} ${r.resource}`, `\`${r.source}\``]),
    );
    return [START, "", "**Environment**", "", env, "", "**Ports**", "", ports, "", "**Flags** (set by the server launch script)", "", flags, "", "**Kubernetes API calls from the server pod** (the Arkouda ServiceAccount's Roles are derived from these rows)", "", api, "", END].join("\n");
}

/** The README with its contract section replaced by the current rendering. */
export function renderedReadme(text: string): string {
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} section`);
    return text.slice(0, start) + contractTables() + text.slice(end + END.length);
}

if (require.main === module) {
    fs.writeFileSync(README, renderedReadme(fs.readFileSync(README, "utf8")));
    console.log("README.md: contract tables updated");
}
