/**
 * Helpers of the Argo integration tests (tests/integration/argo-*.test.ts): the pinned toolchain
 * (`argo`, `workflow-controller`, `kubectl` from scripts/toolchain.sh), kubectl against
 * $KUBECONFIG, the out-of-cluster workflow-controller, polling.
 *
 * Independent of tests/integration/harness.ts on purpose (other suites own it).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { getObject as getObjectVia, kubectl as kubectlVia } from "../../lib/kubectl";
import { kubeApi } from "../../lib/kube-api";
import { run as runProcess, RunOptions, RunResult, tail } from "../../lib/run";
import { onPath, toolchainEnv } from "../../lib/toolchain-env";
import { stepOf } from "../../../components/dynamic/workflow-run-completion";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

export function log(message: string): void {
    process.stderr.write(`[argo-it] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/** These suites' defaults: the pinned toolchain first on PATH, the repo root, 5 minutes. */
function argoDefaults(options: RunOptions = {}): RunOptions {
    return { ...options, cwd: options.cwd ?? REPO_ROOT, env: options.env ?? toolEnv(), timeoutMs: options.timeoutMs ?? 300_000 };
}

/** Runs a command with these suites' defaults; rejects on a non-zero exit unless `check` is false. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return runProcess(command, args, argoDefaults(options));
}

let cachedEnv: NodeJS.ProcessEnv | undefined;

/** The environment with the pinned toolchain first on PATH (computed once). */
export function toolEnv(): NodeJS.ProcessEnv {
    cachedEnv ??= toolchainEnv();
    return cachedEnv;
}

/** Where a tool resolves on the toolchain PATH, or undefined. */
export function which(tool: string): string | undefined {
    return onPath(toolEnv(), tool);
}

/** Fails with a clear message when a tool is missing (CI builds them with scripts/toolchain.sh). */
export function requireTools(...tools: string[]): void {
    const missing = tools.filter((t) => !which(t));
    if (missing.length > 0) throw new Error(`missing tools: ${missing.join(", ")} (build them with \`scripts/toolchain.sh build\`)`);
}

/** Renders configurations in a child process (see render-configs.ts). */
export async function renderConfigs(request: import("./render-configs").RenderRequest): Promise<import("./render-configs").RenderedFile[]> {
    const requestFile = path.join(request.out, "render-request.json");
    fs.mkdirSync(request.out, { recursive: true });
    fs.writeFileSync(requestFile, JSON.stringify(request, null, 2));
    const result = await run("npx", ["ts-node", path.join(__dirname, "render-configs.ts"), requestFile], { timeoutMs: 300_000 });
    return JSON.parse(result.stdout);
}

export function readYamlDocuments(file: string): any[] {
    return parseAllDocuments(fs.readFileSync(file, "utf8"))
        .map((d) => d.toJSON())
        .filter((d) => d && typeof d === "object");
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// ---------------------------------------------------------------------------------------------
// Cluster
// ---------------------------------------------------------------------------------------------

/** $KUBECONFIG, required: CI exports it after `scripts/local-cluster.sh start`. */
export function kubeconfig(): string {
    const file = process.env.KUBECONFIG;
    if (!file || !fs.existsSync(file)) {
        throw new Error(
            'KUBECONFIG is not set or does not exist: start the local control plane (scripts/local-cluster.sh start; eval "$(scripts/local-cluster.sh env)")',
        );
    }
    return file;
}

export function kubectl(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return kubectlVia(kubeconfig(), args, argoDefaults(options));
}

export async function kubectlJson<T = any>(args: readonly string[]): Promise<T> {
    return JSON.parse((await kubectl([...args, "-o", "json"])).stdout) as T;
}

/** The object, or undefined when it does not exist; read from the API server in-process (tests/lib/kube-api.ts), else by kubectl. */
export async function getObject<T = any>(kind: string, name: string, namespace: string): Promise<T | undefined> {
    const api = kubeApi(kubeconfig());
    const resource = await api.resource(kind);
    return resource ? api.get<T>(resource, name, namespace) : getObjectVia<T>(kubeconfig(), kind, name, namespace, argoDefaults());
}

/** The objects of `kind` in `namespace` (matching `selector`), as getObject reads them. */
export async function listObjects<T = any>(kind: string, namespace: string, selector?: string): Promise<T[]> {
    const api = kubeApi(kubeconfig());
    const resource = await api.resource(kind);
    if (resource) return api.list<T>(resource, namespace, selector);
    return (await kubectlJson<{ items: T[] }>(["get", kind, "-n", namespace, ...(selector ? ["-l", selector] : [])])).items;
}

/** Creates (kubectl create -f -) one object; returns it as the server stored it. */
export async function createObject<T = any>(manifest: object, namespace: string): Promise<T> {
    return JSON.parse(
        (await kubectl(["create", "-n", namespace, "-f", "-", "-o", "json"], { input: JSON.stringify(manifest) })).stdout,
    ) as T;
}

export async function applyFile(file: string, namespace: string): Promise<void> {
    await kubectl(["apply", "-n", namespace, "-f", file]);
}

export async function createNamespace(name: string): Promise<void> {
    await kubectl(["create", "namespace", name]);
    // The ServiceAccount admission plugin needs the namespace's default ServiceAccount first.
    await waitFor(`the default ServiceAccount of ${name}`, 30_000, async () =>
        (await getObject("serviceaccount", "default", name)) ? true : undefined,
    );
}

export async function deleteNamespace(name: string): Promise<void> {
    await kubectl(["delete", "namespace", name, "--ignore-not-found", "--wait=false"], { check: false });
}

export async function waitFor<T>(
    what: string,
    timeoutMs: number,
    probe: () => Promise<T | undefined>,
    describeLast?: () => Promise<string>,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) {
            const last = describeLast ? `\nlast state: ${await describeLast().catch((e) => String(e))}` : "";
            throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last}`);
        }
        await sleep(1000);
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------------
// workflow-controller, out of cluster
// ---------------------------------------------------------------------------------------------

/** Argo's executor image as the controller names it; scripts/images.sh imports the local build under this reference. */
export const EXECUTOR_IMAGE = process.env.ARKOUDA_ARGOEXEC_IMAGE ?? "quay.io/argoproj/argoexec:v4.0.5";

export interface WorkflowControllerOptions {
    /** `workflowDefaults` of the controller ConfigMap (merged into every Workflow it runs). */
    readonly workflowDefaults?: object;
    /** Executor image (default EXECUTOR_IMAGE). */
    readonly executorImage?: string;
}

/**
 * Keeps every pod of the controller's workflows Pending whether or not a node runs pods: a node
 * selector no node carries. The controller tests that check what the controller creates (not what
 * the pods do) use it; the node tests (tests/integration/node/) run the pods.
 */
export const NO_NODE_DEFAULTS = { spec: { nodeSelector: { "arkouda-workflows/no-such-node": "true" } } };

/** The environment and config of the workflow-controller, shared with scripts/local-cluster.sh. */
const WORKFLOW_CONTROLLER_DIR = path.join(REPO_ROOT, "scripts", "workflow-controller");

/** The KEY=value lines of WORKFLOW_CONTROLLER_DIR/env. */
function controllerEnv(): Record<string, string> {
    return Object.fromEntries(
        fs
            .readFileSync(path.join(WORKFLOW_CONTROLLER_DIR, "env"), "utf8")
            .split("\n")
            .filter((line) => /^[A-Z_]+=/.test(line))
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
}

export class WorkflowController {
    private child?: ChildProcess;
    private exited?: string;

    constructor(
        readonly namespace: string,
        readonly logFile: string,
        readonly options: WorkflowControllerOptions = {},
    ) {}

    /** Writes its ConfigMap (metrics off: no listener) and starts it namespaced to `namespace`. */
    async start(): Promise<void> {
        requireTools("workflow-controller");
        let config = fs.readFileSync(path.join(WORKFLOW_CONTROLLER_DIR, "config.yaml"), "utf8");
        if (this.options.workflowDefaults) config += `workflowDefaults: ${JSON.stringify(this.options.workflowDefaults)}\n`;
        await kubectl(["create", "configmap", "workflow-controller-configmap", "-n", this.namespace, `--from-literal=config=${config}`]);
        const out = fs.openSync(this.logFile, "a");
        this.child = spawn(
            "workflow-controller",
            [
                "--kubeconfig",
                kubeconfig(),
                "--namespace",
                this.namespace,
                "--namespaced",
                "--managed-namespace",
                this.namespace,
                "--configmap",
                "workflow-controller-configmap",
                "--executor-image",
                this.options.executorImage ?? EXECUTOR_IMAGE,
                // Never pulled: the image is imported into the node's containerd.
                "--executor-image-pull-policy",
                "IfNotPresent",
                "--loglevel",
                "info",
            ],
            { env: { ...toolEnv(), ...controllerEnv() }, stdio: ["ignore", out, out] },
        );
        fs.closeSync(out);
        this.child.on("exit", (code, signal) => {
            this.exited = `exited with ${code ?? signal}`;
        });
        await waitFor("the workflow-controller to start its controllers", 60_000, async () => {
            if (this.exited) throw new Error(`workflow-controller ${this.exited}:\n${this.tail(40)}`);
            const text = this.log();
            return text.includes("Starting CronWorkflow controller") && text.includes("Sync manager initialized") ? true : undefined;
        });
    }

    log(): string {
        return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8") : "";
    }

    tail(lines = 60): string {
        return tail(this.log().trimEnd(), lines);
    }

    /** Log lines mentioning `needle` (e.g. a workflow's name). */
    linesAbout(needle: string): string[] {
        return this.log()
            .split("\n")
            .filter((l) => l.includes(needle));
    }

    get running(): boolean {
        return !!this.child && !this.exited;
    }

    async stop(): Promise<void> {
        if (this.child && !this.exited) await stopChild(this.child);
    }
}

/** Ends a child process: SIGTERM, then SIGKILL if it has not exited within 10 s. */
export async function stopChild(child: import("child_process").ChildProcess): Promise<void> {
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    if ((await Promise.race([gone.then(() => true), sleep(10_000).then(() => false)])) === false) {
        child.kill("SIGKILL");
        await Promise.race([gone, sleep(5_000)]);
    }
}

// ---------------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------------

export interface WorkflowNode {
    id: string;
    name: string;
    displayName: string;
    type: string;
    phase: string;
    message?: string;
    templateName?: string;
    startedAt?: string;
    children?: string[];
}

export function nodes(wf: any): WorkflowNode[] {
    return Object.values(wf?.status?.nodes ?? {}) as WorkflowNode[];
}

export function nodeByDisplayName(wf: any, displayName: string): WorkflowNode | undefined {
    return nodes(wf).find((n) => n.displayName === displayName);
}

/** The attempts of a step with a retryStrategy (its Retry node's children, `<step>(<attempt>)`), oldest first. */
export function attempts(wf: any, step: string): WorkflowNode[] {
    const retry = nodes(wf).find((n) => n.type === "Retry" && n.displayName === step);
    return (retry?.children ?? [])
        .map((id: string) => wf.status.nodes[id])
        .sort((a: WorkflowNode, b: WorkflowNode) => Date.parse(a.startedAt ?? "") - Date.parse(b.startedAt ?? ""));
}

/** Pods of a workflow, keyed by the node's display name (last segment of the node name). */
export async function workflowPods(namespace: string, workflow: string): Promise<any[]> {
    return listObjects("pods", namespace, `workflows.argoproj.io/workflow=${workflow}`);
}

export { stepOf };

export function podStep(pod: any): string {
    const nodeName: string = pod.metadata.annotations?.["workflows.argoproj.io/node-name"] ?? "";
    return stepOf(nodeName.split(".").pop() ?? "");
}

export function summarizeWorkflow(wf: any): string {
    if (!wf) return "(no workflow)";
    const s = wf.status ?? {};
    const ns = nodes(wf)
        .map((n) => `${n.displayName}:${n.type}:${n.phase}${n.message ? `(${n.message})` : ""}`)
        .join(", ");
    return `${wf.metadata.name} phase=${s.phase ?? ""} message=${JSON.stringify(s.message ?? "")} nodes=[${ns}] sync=${JSON.stringify(s.synchronization ?? {})}`;
}

/** Messages that mean the controller rejected the spec. */
export const VALIDATION_ERROR =
    /invalid spec|failed to resolve|cannot validate|is not valid|not found|malformed|unable to resolve|unresolved|invalid/i;

/** The resolved template the controller handed to a pod (ARGO_TEMPLATE of its init/wait container). */
export function podTemplate(pod: any): any {
    const containers = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
    for (const c of containers) {
        const env = (c.env ?? []).find((e: any) => e.name === "ARGO_TEMPLATE");
        if (env?.value) return JSON.parse(env.value);
    }
    throw new Error(`pod ${pod.metadata.name} carries no ARGO_TEMPLATE`);
}
