/**
 * README tables rendered from the code that owns the facts, so the docs cannot drift: the image
 * contract (contract/image.ts, and components/image-contract.ts for the API calls) and the WorkflowTemplate parameters
 * (components/workflow-templates/parameters.ts). `npm run docs:update` rewrites the README between
 * each section's markers; tests/unit/readme.test.ts fails when the README is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { API_CONTRACT } from "../components/image-contract";
import { ENV_CONTRACT, FLAG_CONTRACT, PORT_CONTRACT } from "../contract/image";
import { ARKOUDA_PARAMETERS, EXPORTER_PARAMETERS, ParameterRow } from "../components/workflow-templates/parameters";

const README = path.join(__dirname, "..", "README.md");

interface Section {
    readonly name: string;
    readonly render: () => string;
}

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
    return [
        "**Environment**",
        "",
        env,
        "",
        "**Ports**",
        "",
        ports,
        "",
        "**Flags** (set by the server launch script)",
        "",
        flags,
        "",
        "**Kubernetes API calls from the server pod** (the Arkouda ServiceAccount's Roles are derived from these rows)",
        "",
        api,
    ].join("\n");
}

function parameterTable(rows: readonly ParameterRow[], list: string): string {
    return table(
        ["parameter", "config key", "default with no default target configured", "allowed values", "what"],
        rows.map((r) => [
            `\`${r.name}\``,
            `\`${list}.${r.configKey}\``,
            r.safeDefault === undefined ? "none: pass `-p`" : r.safeDefault === "" ? "empty" : `\`${r.safeDefault}\``,
            r.enum ? r.enum.map((v) => `\`${v}\``).join(", ") : "–",
            r.description,
        ]),
    );
}

/** The templates' parameters, one table for the Arkouda templates and one for the exporter's. */
export function parameterTables(): string {
    return [
        "**Parameters of `deploy-arkouda-on-kubernetes` and `delete-arkouda-on-kubernetes`**",
        "",
        parameterTable(ARKOUDA_PARAMETERS, "instances[]"),
        "",
        "**Parameters of `deploy-prometheus-arkouda-exporter` and `delete-prometheus-arkouda-exporter`**",
        "",
        parameterTable(EXPORTER_PARAMETERS, "exporters[]"),
    ].join("\n");
}

const SECTIONS: readonly Section[] = [
    { name: "contract", render: contractTables },
    { name: "parameters", render: parameterTables },
];

const markers = (name: string) => ({ start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` });

/** The text between a section's markers, as the README has it. */
export function readmeSection(text: string, name: string): string {
    const { start, end } = markers(name);
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from)
        throw new Error(`README.md has no ${start} ... ${end} section: add both markers where the ${name} tables belong`);
    return text.slice(from + start.length, to);
}

/** The README with every rendered section replaced by the current rendering. */
export function renderedReadme(text: string): string {
    return SECTIONS.reduce((doc, section) => {
        const { start } = markers(section.name);
        const current = readmeSection(doc, section.name);
        const at = doc.indexOf(start) + start.length;
        return doc.slice(0, at) + `\n\n${section.render()}\n\n` + doc.slice(at + current.length);
    }, text);
}

/** A section's rendering as it stands between its markers. */
export function renderedSection(name: string): string {
    const section = SECTIONS.find((s) => s.name === name);
    if (!section) throw new Error(`no README section ${name}: known are ${SECTIONS.map((s) => s.name).join(", ")}`);
    return `\n\n${section.render()}\n\n`;
}

if (require.main === module) {
    fs.writeFileSync(README, renderedReadme(fs.readFileSync(README, "utf8")));
    console.log(`README.md: ${SECTIONS.map((s) => s.name).join(", ")} tables updated`);
}
