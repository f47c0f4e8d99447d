/**
 * Wrappers around the real Pulumi CLI and kubectl for the integration tests.
 *
 * A PulumiProject is an isolated copy of the program in a temp dir (the project as `pulumi` runs
 * it, built program included: tests/lib/program-copy.ts; the harness's preflight builds it) with
 * its own file backend and passphrase, so tests never touch the repo's stacks or each other's state.
 */
import * as fs from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { stringify } from "yaml";
import { getObject as getObjectVia, kubectl as kubectlVia } from "../lib/kubectl";
import { copyProgram } from "../lib/program-copy";
import { run, RunResult } from "../lib/run";
import { log, testEnv, timed } from "./harness";

const PROJECT = "arkouda-workflows";

/** One engine event of `--event-log` (only the fields the tests read). */
export interface EngineEvent {
    sequence: number;
    timestamp: number;
    resourcePreEvent?: { metadata: StepEventMetadata };
    resOutputsEvent?: { metadata: StepEventMetadata };
    diagnosticEvent?: { message: string; severity: string; urn?: string };
    summaryEvent?: unknown;
    [key: string]: unknown;
}

export interface StepEventMetadata {
    op: string;
    urn: string;
    type: string;
    provider: string;
    new?: { custom?: boolean; inputs?: Record<string, any> } | null;
    old?: { custom?: boolean; inputs?: Record<string, any> } | null;
}

/** A step of `pulumi preview --json` / `pulumi up --json`. */
export interface JsonStep {
    op: string;
    urn: string;
    newState?: { type: string; custom?: boolean; inputs?: Record<string, any> };
    oldState?: { type: string; custom?: boolean; inputs?: Record<string, any> };
    diffReasons?: string[];
}

export interface JsonResult {
    steps?: JsonStep[];
    diagnostics?: { message: string; severity: string; urn?: string }[];
    changeSummary?: Record<string, number>;
}

export interface RunOutcome {
    readonly exec: RunResult;
    /** Parsed stdout when the command ran with --json. */
    readonly json?: JsonResult;
    /** Events of --event-log, in sequence order. */
    readonly events?: EngineEvent[];
}

export interface StateResource {
    urn: string;
    type: string;
    custom?: boolean;
    inputs?: Record<string, any>;
    outputs?: Record<string, any>;
}

export class PulumiProject {
    readonly dir: string;
    readonly stateDir: string;
    readonly passphrase: string;
    private runs = 0;

    private constructor(
        readonly name: string,
        readonly stack: string,
        root: string,
    ) {
        this.dir = path.join(root, "project");
        this.stateDir = path.join(root, "state");
        this.passphrase = `it-passphrase-${name}-${Math.random().toString(36).slice(2)}`;
    }

    /** Copies the program to `<tmp>/<name>/project` and creates the stack with the passphrase provider. */
    static async create(name: string, stack: string): Promise<PulumiProject> {
        const root = path.join(testEnv().tmpRoot, name);
        const project = new PulumiProject(name, stack, root);
        copyProgram(project.dir);
        fs.mkdirSync(project.stateDir, { recursive: true });
        await project.pulumi(["stack", "init", stack, "--secrets-provider", "passphrase"]);
        return project;
    }

    get env(): NodeJS.ProcessEnv {
        return {
            ...testEnv().env,
            PULUMI_BACKEND_URL: `file://${this.stateDir}`,
            PULUMI_CONFIG_PASSPHRASE: this.passphrase,
        };
    }

    get stackFile(): string {
        return path.join(this.dir, `Pulumi.${this.stack}.yaml`);
    }

    /** Runs the pulumi CLI in the project dir; throws on a non-zero exit unless `check` is false. */
    pulumi(args: readonly string[], options: { check?: boolean; input?: string } = {}): Promise<RunResult> {
        // Flags go before a `--` (after it everything is a value).
        const dash = args.indexOf("--");
        const [head, rest] = dash >= 0 ? [args.slice(0, dash), args.slice(dash)] : [args, []];
        const stackFlag = head[0] === "stack" && head[1] === "init" ? [] : ["--stack", this.stack];
        return run("pulumi", [...head, ...stackFlag, "--non-interactive", ...rest], {
            cwd: this.dir,
            env: this.env,
            check: options.check,
            input: options.input,
            timeoutMs: 900_000,
        });
    }

    /**
     * Writes the stack's config (keys without the project prefix) into Pulumi.<stack>.yaml,
     * keeping the encryption salt `stack init` wrote. Structured values are YAML, as a user writes them.
     */
    writeConfig(values: Record<string, unknown>): void {
        const salt = /^encryptionsalt: .*$/m.exec(fs.readFileSync(this.stackFile, "utf8"));
        const config = Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PROJECT}:${k}`, v]));
        fs.writeFileSync(this.stackFile, `${salt ? `${salt[0]}\n` : ""}${stringify({ config })}`);
    }

    /** `pulumi config set --path <key> <value>` (`--secret` reads the value from stdin, never argv). */
    async configSet(key: string, value: string, options: { secret?: boolean; path?: boolean } = {}): Promise<void> {
        const flags = [...(options.path ? ["--path"] : []), ...(options.secret ? ["--secret"] : [])];
        if (options.secret) await this.pulumi(["config", "set", ...flags, key], { input: value });
        else await this.pulumi(["config", "set", ...flags, key, "--", value]);
    }

    private eventLogPath(label: string): string {
        return path.join(this.dir, "..", `events-${++this.runs}-${label}.jsonl`);
    }

    private async operation(
        label: string,
        args: string[],
        options: { json?: boolean; eventLog?: boolean; check?: boolean },
    ): Promise<RunOutcome> {
        const eventLog = options.eventLog ? this.eventLogPath(label) : undefined;
        const full = [...args, ...(options.json ? ["--json"] : []), ...(eventLog ? ["--event-log", eventLog] : [])];
        const result = await timed(`pulumi ${label} ${this.name}`, () => this.pulumi(full, { check: options.check }));
        let json: JsonResult | undefined;
        let events = eventLog && fs.existsSync(eventLog) ? readEventLog(eventLog) : undefined;
        if (options.json) {
            try {
                if (result.stdout.trimStart().startsWith('{"sequence"')) {
                    // up/destroy/refresh --json stream engine events, one per line.
                    const stream = parseEvents(result.stdout);
                    events ??= stream;
                    json = jsonFromEvents(stream);
                } else {
                    json = JSON.parse(result.stdout) as JsonResult;
                }
            } catch (error) {
                if (options.check !== false)
                    throw new Error(
                        `pulumi ${label} --json printed no JSON: ${(error as Error).message}\n${result.stdout.slice(0, 2000)}`,
                        {
                            cause: error,
                        },
                    );
            }
        }
        return { exec: result, json, events };
    }

    up(options: { json?: boolean; eventLog?: boolean; check?: boolean; expectNoChanges?: boolean } = {}): Promise<RunOutcome> {
        return this.operation(
            "up",
            ["up", "--yes", "--skip-preview", ...(options.expectNoChanges ? ["--expect-no-changes"] : [])],
            options,
        );
    }

    preview(options: { json?: boolean; eventLog?: boolean; check?: boolean; expectNoChanges?: boolean } = {}): Promise<RunOutcome> {
        return this.operation("preview", ["preview", ...(options.expectNoChanges ? ["--expect-no-changes"] : [])], options);
    }

    refresh(options: { json?: boolean; check?: boolean } = {}): Promise<RunOutcome> {
        return this.operation("refresh", ["refresh", "--yes", "--skip-preview"], options);
    }

    destroy(options: { json?: boolean; eventLog?: boolean; check?: boolean } = {}): Promise<RunOutcome> {
        return this.operation("destroy", ["destroy", "--yes", "--skip-preview"], options);
    }

    /** `pulumi stack export` (ciphertext for secrets unless showSecrets). */
    async exportText(showSecrets = false): Promise<string> {
        return (await this.pulumi(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])])).stdout;
    }

    async resources(): Promise<StateResource[]> {
        const exported = JSON.parse(await this.exportText()) as { deployment?: { resources?: StateResource[] } };
        return exported.deployment?.resources ?? [];
    }

    /** Every file under the file backend, as text (the raw state, its backups and history). */
    rawStateFiles(): { file: string; text: string }[] {
        const files: { file: string; text: string }[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(full);
                else if (entry.isFile()) {
                    const data = fs.readFileSync(full);
                    const text = full.endsWith(".gz") ? gunzipSync(data).toString("utf8") : data.toString("utf8");
                    files.push({ file: path.relative(this.stateDir, full), text });
                }
            }
        };
        walk(this.stateDir);
        return files;
    }

    /**
     * Best-effort cleanup for `after` hooks: destroy whatever is left, remove the stack, and
     * delete the namespaces (without waiting) even when the destroy failed.
     */
    async cleanUp(namespaces: readonly string[]): Promise<void> {
        try {
            const left = (await this.resources()).filter((r) => r.type !== "pulumi:pulumi:Stack");
            if (left.length > 0) {
                log(`cleanup ${this.name}: destroying ${left.length} leftover resource(s)`);
                const result = await this.destroy({ check: false });
                if (result.exec.code !== 0)
                    log(`cleanup ${this.name}: destroy failed:\n${result.exec.stderr}${result.exec.stdout.slice(-3000)}`);
            }
            await this.pulumi(["stack", "rm", "--yes", "--force"], { check: false });
        } catch (error) {
            log(`cleanup ${this.name}: ${(error as Error).message}`);
        }
        for (const ns of namespaces) {
            await kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"], { check: false });
        }
    }
}

export function readEventLog(file: string): EngineEvent[] {
    return parseEvents(fs.readFileSync(file, "utf8"));
}

function parseEvents(text: string): EngineEvent[] {
    return text
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as EngineEvent)
        .sort((a, b) => a.sequence - b.sequence);
}

/** The preview-style summary of an event stream: steps, error diagnostics and the change summary. */
function jsonFromEvents(events: readonly EngineEvent[]): JsonResult {
    const steps: JsonStep[] = events
        .filter((e) => e.resourcePreEvent)
        .map((e) => {
            const m = e.resourcePreEvent!.metadata;
            return {
                op: m.op,
                urn: m.urn,
                newState: m.new ? { type: m.type, custom: m.new.custom, inputs: m.new.inputs } : undefined,
                oldState: m.old ? { type: m.type, custom: m.old.custom, inputs: m.old.inputs } : undefined,
            };
        });
    const diagnostics = events.filter((e) => e.diagnosticEvent).map((e) => e.diagnosticEvent!);
    const summary = events.find((e) => e.summaryEvent)?.summaryEvent as { resourceChanges?: Record<string, number> } | undefined;
    return { steps, diagnostics, changeSummary: summary?.resourceChanges ?? {} };
}

/** Error-severity diagnostics of a --json run, joined. */
export function errorText(outcome: RunOutcome): string {
    const fromJson = (outcome.json?.diagnostics ?? [])
        .filter((d) => d.severity === "error")
        .map((d) => d.message)
        .join("\n");
    return fromJson || `${outcome.exec.stdout}\n${outcome.exec.stderr}`;
}

/** Steps of a --json run that change something (anything but `same`). */
export function changedSteps(outcome: RunOutcome): JsonStep[] {
    return (outcome.json?.steps ?? []).filter((s) => s.op !== "same");
}

// ---------------------------------------------------------------------------------------------
// kubectl
// ---------------------------------------------------------------------------------------------

const KUBECTL_TIMEOUT_MS = 120_000;

/** kubectl with the suite's environment, against its cluster. */
export function kubectl(args: readonly string[], options: { check?: boolean; input?: string } = {}): Promise<RunResult> {
    const env = testEnv();
    return kubectlVia(env.kubeconfig, args, { env: env.env, check: options.check, input: options.input, timeoutMs: KUBECTL_TIMEOUT_MS });
}

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        deletionTimestamp?: string;
    };
    [key: string]: any;
}

/** `kubectl get <kind> [name] -n <ns> -o json`; undefined when not found. */
export function getObject(kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const env = testEnv();
    return getObjectVia<KubeObject>(env.kubeconfig, kind, name, namespace, { env: env.env, timeoutMs: KUBECTL_TIMEOUT_MS });
}

export async function listObjects(
    kinds: readonly string[],
    options: { namespace?: string; allNamespaces?: boolean; selector?: string } = {},
): Promise<KubeObject[]> {
    const scope = options.allNamespaces ? ["-A"] : options.namespace ? ["-n", options.namespace] : [];
    const result = await kubectl([
        "get",
        kinds.join(","),
        ...scope,
        ...(options.selector ? ["-l", options.selector] : []),
        "-o",
        "json",
        "--ignore-not-found",
    ]);
    if (!result.stdout.trim()) return [];
    return (JSON.parse(result.stdout) as { items?: KubeObject[] }).items ?? [];
}

/** `kubectl apply` of in-memory manifests (server-side, as the workflows' kubectl steps do). */
export async function applyManifests(manifests: readonly object[], fieldManager = "arkouda-it-simulated-run"): Promise<void> {
    const list = { apiVersion: "v1", kind: "List", items: manifests };
    await kubectl(["apply", "--server-side", "--field-manager", fieldManager, "-f", "-"], { input: JSON.stringify(list) });
}

/** Whether `kubectl auth can-i` says yes for a ServiceAccount. */
export async function canI(
    serviceAccount: { namespace: string; name: string },
    verb: string,
    resource: string,
    scope: { namespace?: string; allNamespaces?: boolean; subresource?: string } = {},
): Promise<boolean> {
    const args = [
        "auth",
        "can-i",
        verb,
        resource,
        `--as=system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
        ...(scope.allNamespaces ? ["--all-namespaces"] : scope.namespace ? ["-n", scope.namespace] : []),
        ...(scope.subresource ? [`--subresource=${scope.subresource}`] : []),
    ];
    const result = await kubectl(args, { check: false });
    const answer = result.stdout.trim().split("\n").pop();
    if (answer === "yes" && result.code === 0) return true;
    if (answer === "no" && result.code === 1) return false;
    throw new Error(`kubectl ${args.join(" ")}: unexpected answer (exit ${result.code}): ${result.stdout}${result.stderr}`);
}

export function decodeBase64(value: string): string {
    return Buffer.from(value, "base64").toString("utf8");
}
