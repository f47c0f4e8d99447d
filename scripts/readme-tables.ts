/**
 * Docs tables rendered from the code that owns the facts, so the docs cannot drift: the image
 * contract (contract/image.ts, and components/image-contract.ts for the API calls, privileges, paths
 * and GASNet's traffic), the Pod Security level of each pod (components/pod-security.ts), the
 * NetworkPolicy matrix (components/network-policy.ts), the WorkflowTemplate parameters
 * (components/workflow-templates/parameters.ts) and the stack config keys
 * (components/config/schema.ts, placement.ts, volumes.ts). `npm run docs:update` rewrites each section
 * between its markers in the file it lives in; tests/unit/docs.test.ts fails when one is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { API_CONTRACT, GASNET_TRAFFIC, PATH_CONTRACT, PRIVILEGE_CONTRACT } from "../components/image-contract";
import { exporterPolicyRules, instancePolicyRules, policyMatrix } from "../components/network-policy";
import { POD_SECURITY } from "../components/pod-security";
import { ENV_CONTRACT, FLAG_CONTRACT, PORT_CONTRACT } from "../contract/image";
import { COMMANDS, ProtocolOutcome, TOKEN_CHECKS, TOKEN_FACTS } from "../contract/protocol";
import { ARKOUDA_GRANTS } from "../components/arkouda-grants";
import { policyRules } from "../components/rbac";
import { workflowGrants } from "../components/workflow-templates/grants";
import { builtTemplates } from "../tests/lib/templates";
import { fixtureExporter, fixtureInstance, fixtureNamespace, fixtureNetworkPolicy } from "../tests/unit/fixtures";
import { workflowCost } from "../tests/lib/workflow-cost";
import { workflowCostMarkdown } from "../bench/sections/workflow-cost";
import { ARKOUDA_PARAMETERS, EXPORTER_PARAMETERS, ParameterRow } from "../components/workflow-templates/parameters";
import { docOf, KeyRow, keyRows } from "../components/config/key-docs";
import {
    clusterSchema,
    exporterSchema,
    instanceSchema,
    runSchema,
    scheduleSchemas,
    SECRET_KEY_DOCS,
    topLevelSchema,
} from "../components/config/schema";
import { volumeSchema } from "../components/config/volumes";

const REPO_ROOT = path.join(__dirname, "..");

interface Section {
    readonly name: string;
    /** The markdown file that holds the section, relative to the repository root. */
    readonly file: string;
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
    const gasnet = table(
        ["from", "to", "protocol", "port", "who", "what", "source"],
        GASNET_TRAFFIC.map((r) => [
            r.from.join(", "),
            r.to.join(", "),
            r.protocol,
            r.port === undefined ? "any (bound to port 0: the kernel picks)" : String(r.port),
            r.who,
            r.what,
            r.source,
        ]),
    );
    const paths = table(
        ["path", "containers", "used by", "what", "source"],
        PATH_CONTRACT.map((r) => [`\`${r.path}\``, r.containers.join(", "), r.user, r.what, sourceCell(r.source)]),
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
        "**GASNet's traffic between an instance's pods** (udp conduit, ssh spawner; what the instance's NetworkPolicies let in between its own pods)",
        "",
        gasnet,
        "",
        "**Flags** (set by the server launch script)",
        "",
        flags,
        "",
        "**Kubernetes API calls from the server pod** (the Arkouda ServiceAccount's Roles are derived from these rows)",
        "",
        api,
        "",
        "**Paths in the server and locale containers** (no data volume may be mounted on, below or above one: `instances[].volumes`)",
        "",
        paths,
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

/** A config table; rows' keys are Markdown already. The "replaces" column only where a row has one. */
function configTable(rows: readonly KeyRow[]): string {
    const replaces = rows.some((r) => r.replaces);
    return table(
        ["key", "type", "default", "what", ...(replaces ? ["replaces"] : [])],
        rows.map((r) => [r.key, r.type, r.default, r.description, ...(replaces ? [r.replaces || "–"] : [])]),
    );
}

const coded = (rows: readonly KeyRow[]): KeyRow[] => rows.map((r) => ({ ...r, key: `\`${r.key}\`` }));

/** Where each group of secret keys goes among the top-level rows: after the last row whose key starts so. */
const SECRET_ROWS_AFTER: Readonly<Record<string, string>> = { sshPrivateKey: "`ssh.", registryServer: "`pods.imagePullSecrets`" };

/** The top-level keys, each group of secret keys (set outside the schema) after the keys it goes with. */
export function configTopTable(): string {
    const rows = coded(keyRows(topLevelSchema));
    for (const { keys, doc } of SECRET_KEY_DOCS) {
        const after = SECRET_ROWS_AFTER[keys[0]];
        if (after === undefined)
            throw new Error(`no place in the config table for the secret keys ${keys.join(", ")}: add one to SECRET_ROWS_AFTER`);
        const at = rows.map((r) => r.key.startsWith(after)).lastIndexOf(true) + 1;
        if (at === 0) throw new Error(`no top-level key starts with ${after}, after which the secret keys ${keys.join(", ")} go`);
        rows.splice(at, 0, {
            key: keys.map((k) => `\`${k}\``).join(", "),
            type: doc.type ?? "",
            default: "unset",
            description: doc.description ?? "",
            replaces: doc.replaces ?? "",
        });
    }
    return configTable(rows);
}

/** An instance's keys, then what is derived from them where upstream took it as input. */
export function configInstancesTable(): string {
    const derived = (docOf(instanceSchema).derived ?? []).map((d): KeyRow => ({
        key: "–",
        type: `derived: ${d.value}`,
        default: "–",
        description: "",
        replaces: d.replaces,
    }));
    return configTable([...coded(keyRows(instanceSchema)), ...derived]);
}

/** One table for both schedules: where their defaults differ, a cell names each. */
export function configScheduleTable(): string {
    const kinds = Object.entries(scheduleSchemas).map(([kind, schema]) => [kind, keyRows(schema)] as const);
    const [[, first]] = kinds;
    const rows = first.map((row, i) =>
        kinds.every(([, rows]) => rows[i].default === row.default)
            ? row
            : { ...row, default: kinds.map(([kind, rows]) => `${kind} ${rows[i].default}`).join(", ") },
    );
    return configTable(coded(rows));
}

export const configRunTable = () => configTable(coded(keyRows(runSchema)));
export const configVolumeTable = () => configTable(coded(keyRows(volumeSchema)));
export const configExportersTable = () => configTable(coded(keyRows(exporterSchema)));
export const configClustersTable = () => configTable(coded(keyRows(clusterSchema)));

const outcome = (o: ProtocolOutcome): string =>
    o.kind === "reply" ? `${o.msgType} \`${o.msg}\`` : "no reply; the daemon never answers again";

/** What each socket answers, the token checks and where the server takes its token from. */
export function protocolTables(): string {
    const commands = table(
        ["socket", "command", "--authenticate", "reply", "note", "source"],
        COMMANDS.map((r) => [r.socket, `\`${r.cmd}\``, String(r.authenticate), outcome(r.outcome), r.fact || "–", `\`${r.source}\``]),
    );
    const checks = table(
        ["token in the request", "reply", "source"],
        TOKEN_CHECKS.map((r) => [r.sent === "" ? "empty" : `\`${r.sent}\``, outcome(r.outcome), `\`${r.source}\``]),
    );
    const facts = table(
        ["topic", "fact", "source"],
        TOKEN_FACTS.map((r) => [r.topic, r.fact, `\`${r.source}\``]),
    );
    return [
        "**Commands, per socket** (request and reply envelopes, fields and bodies: `contract/protocol.ts`)",
        "",
        commands,
        "",
        "**Token check on the client socket** (with `--authenticate`, before any command)",
        "",
        checks,
        "",
        "**The server's token**",
        "",
        facts,
    ].join("\n");
}

const group = (apiGroup: string) => apiGroup || "core";

/**
 * Both ServiceAccounts' Role rules as the program builds them: the workflow Role from what the
 * templates' steps touch (each rule names the templates and operations that need it), the
 * Arkouda Roles from the API calls of the image contract (each rule names when the calls happen).
 */
export function rbacTable(): string {
    const templates = builtTemplates(fixtureNamespace);
    // Every step pod's executor needs these, whatever the step touches.
    const executor = workflowGrants([]);
    const isExecutor = (apiGroup: string, resources: readonly string[]) =>
        executor.some((g) => g.apiGroup === apiGroup && resources.includes(g.resource));
    const touchedBy = (apiGroup: string, resources: readonly string[]) => {
        if (isExecutor(apiGroup, resources)) return "the Argo executor in every step pod (step results)";
        const uses = templates.flatMap((t) =>
            t.touches
                .filter((touch) => workflowGrants([touch]).some((g) => g.apiGroup === apiGroup && resources.includes(g.resource)))
                .map((touch) => `${t.name} (${touch.op})`),
        );
        return [...new Set(uses)].sort().join(", ");
    };
    const workflowRows = policyRules(workflowGrants(templates.flatMap((t) => t.touches))).map((rule) => [
        `\`${fixtureNamespace.workflowServiceAccountName}\``,
        group(rule.apiGroups[0]),
        rule.resources.join(", "),
        rule.verbs.join(", "),
        touchedBy(rule.apiGroups[0], rule.resources),
    ]);
    const arkoudaRows = Object.values(ARKOUDA_GRANTS).flatMap((grants) =>
        policyRules(grants).map((rule) => [
            `\`${fixtureNamespace.arkoudaServiceAccountName}\``,
            group(rule.apiGroups[0]),
            rule.resources.join(", "),
            rule.verbs.join(", "),
            [
                ...new Set(
                    API_CONTRACT.filter((c) => c.apiGroup === rule.apiGroups[0] && rule.resources.includes(c.resource)).map(
                        (c) => `${c.caller}: ${c.when}`,
                    ),
                ),
            ].join("; "),
        ]),
    );
    return table(["ServiceAccount", "API group", "resources", "verbs", "used by"], [...workflowRows, ...arkoudaRows]);
}

/** Pods per run and sequential pod steps of the four templates (with metrics on, and off where it matters). */
export function workflowCostTable(): string {
    const templates = builtTemplates(fixtureNamespace, fixtureInstance, fixtureExporter);
    const named = (name: string) => templates.find((t) => t.name === name)!.template;
    const metricsOff = (name: string) => {
        const template = named(name);
        const values = Object.fromEntries((template.spec.arguments?.parameters ?? []).map((p) => [p.name, String(p.value ?? "")]));
        return workflowCost(template, { ...values, "metrics-enabled": "false" });
    };
    const md = workflowCostMarkdown({
        costs: Object.fromEntries(templates.map((t) => [t.name, workflowCost(t.template)])),
        metricsOff: { deploy: metricsOff("deploy-arkouda-on-kubernetes"), delete: metricsOff("delete-arkouda-on-kubernetes") },
    });
    // The bench's title line goes; the table stays.
    return md
        .slice(md.findIndex((line) => line.startsWith("|")))
        .join("\n")
        .trim();
}

/** Each kind of pod: the Pod Security level it passes, who it runs as, what it may do and why. */
export function podSecurityTable(): string {
    return table(
        ["pod", "Pod Security level", "runs as", "capabilities added (all others dropped)", "privilege escalation", "why not `restricted`"],
        POD_SECURITY.map((r) => [
            r.name,
            `\`${r.level}\``,
            r.runsAs,
            r.capabilities,
            "off",
            r.restrictedGaps.length === 0 ? "–" : `${r.restrictedGaps.map((g) => `\`${g}\``).join(", ")}: ${r.why}`,
        ]),
    );
}

/** What sshd, the launch scripts and sudo need in the Arkouda containers (the capabilities derive from it). */
export function privilegeTable(): string {
    return table(
        ["containers", "who", "needs", "why", "source"],
        PRIVILEGE_CONTRACT.map((r) => [r.containers.join(", "), r.actor, `\`${r.need}\``, r.why, sourceCell(r.source)]),
    );
}

/**
 * Who may reach which pods on which port, from the rules the NetworkPolicies are built of: an
 * instance with metrics on and a standalone exporter reading it, another reading an Arkouda
 * elsewhere, egress restricted (so its rows show; each row says when it applies).
 */
export function networkPolicyTable(): string {
    const egress = {
        ...fixtureNetworkPolicy.egress,
        enabled: true,
        apiServer: [{ cidr: "10.0.0.1/32" }],
        metricsServer: [{ cidr: "10.1.0.0/16" }],
    };
    const instance = { ...fixtureInstance, networkPolicy: { ...fixtureNetworkPolicy, egress } };
    const { clients: _clients, ...exporterPolicy } = instance.networkPolicy;
    const reader = { ...fixtureExporter, metricsServiceHost: `${instance.name}-metrics`, networkPolicy: exporterPolicy };
    const elsewhere = { ...fixtureExporter, networkPolicy: exporterPolicy };
    const rules = [
        ...instancePolicyRules(instance, [reader.name]),
        ...exporterPolicyRules(reader, [instance]),
        ...exporterPolicyRules(elsewhere, [instance]),
    ];
    return table(
        ["from", "to", "port", "protocol", "what", "when"],
        policyMatrix(rules).map((r) => [r.from, r.to, r.port, r.protocol, r.what, r.when]),
    );
}

/** A source as a table cell: in code style, unless it carries its own. */
function sourceCell(source: string): string {
    return source.includes("`") ? source : `\`${source}\``;
}

const SECTIONS: readonly Section[] = [
    { name: "workflow-cost", file: "README.md", render: workflowCostTable },
    { name: "contract", file: "docs/image-contract.md", render: contractTables },
    { name: "protocol", file: "docs/image-contract.md", render: protocolTables },
    { name: "parameters", file: "docs/workflows.md", render: parameterTables },
    { name: "rbac", file: "docs/workflows.md", render: rbacTable },
    { name: "config-top", file: "docs/config.md", render: configTopTable },
    { name: "config-instances", file: "docs/config.md", render: configInstancesTable },
    { name: "config-schedule", file: "docs/config.md", render: configScheduleTable },
    { name: "config-run", file: "docs/config.md", render: configRunTable },
    { name: "config-volume", file: "docs/config.md", render: configVolumeTable },
    { name: "config-exporters", file: "docs/config.md", render: configExportersTable },
    { name: "config-clusters", file: "docs/config.md", render: configClustersTable },
    { name: "security-pods", file: "README.md", render: podSecurityTable },
    { name: "security-pods", file: "docs/security.md", render: podSecurityTable },
    { name: "security-privileges", file: "docs/security.md", render: privilegeTable },
    { name: "network-policies", file: "README.md", render: networkPolicyTable },
    { name: "network-policies", file: "docs/security.md", render: networkPolicyTable },
];

const markers = (name: string) => ({ start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` });

/** The text between a section's markers, as `text` (the content of its file) has it. */
export function docSection(text: string, name: string, file = "the file"): string {
    const { start, end } = markers(name);
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from)
        throw new Error(`${file} has no ${start} ... ${end} section: add both markers where the ${name} tables belong`);
    return text.slice(from + start.length, to);
}

/** `text` (the content of `file`) with each of that file's sections replaced by its current rendering. */
export function renderedDoc(file: string, text: string): string {
    return SECTIONS.filter((s) => s.file === file).reduce((doc, section) => {
        const { start } = markers(section.name);
        const current = docSection(doc, section.name, file);
        const at = doc.indexOf(start) + start.length;
        return doc.slice(0, at) + `\n\n${section.render()}\n\n` + doc.slice(at + current.length);
    }, text);
}

/** The files that hold rendered sections. */
export function renderedFiles(): string[] {
    return [...new Set(SECTIONS.map((s) => s.file))].sort();
}

if (require.main === module) {
    for (const file of renderedFiles()) {
        const full = path.join(REPO_ROOT, file);
        fs.writeFileSync(full, renderedDoc(file, fs.readFileSync(full, "utf8")));
        console.log(
            `${file}: ${SECTIONS.filter((s) => s.file === file)
                .map((s) => s.name)
                .join(", ")} tables updated`,
        );
    }
}
