/**
 * Shared pieces of the fault scenarios (issue 13): the convergence check every scenario ends
 * with, per-scenario figures on stderr, `pulumi` run in its own process group so it can be
 * SIGKILLed mid-apply, kill points taken from the API server (watch) or the engine event log,
 * stopping/starting the local kube-apiserver, and a loopback TCP proxy that makes one "cluster"
 * unreachable.
 *
 * Everything here drives the real CLI, engine, providers and API server; nothing is mocked.
 * The mock renderer (fixtures.declaredObjects) only tells what the stack declares.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { loadKubeConfig } from "../../../components/dynamic/kubeconfig";
import { ExecResult, log, testEnv, waitFor } from "../harness";
import { declaredObjects, MANAGED_BY, NAMESPACED_KINDS, objectKey, PART_OF, resourceOfKind } from "../fixtures";
import { EngineEvent, getObject, kubectl, KubeObject, listObjects, PulumiProject } from "../pulumi";
import { descendants } from "../../lib/proc";

// ---------------------------------------------------------------------------------------------
// Convergence: the cluster against what the stack declares, and the state against both
// ---------------------------------------------------------------------------------------------

export interface Convergence {
    /** Declared objects (and state resources) compared with the cluster. */
    readonly checked: number;
    /** Declared, or recorded in the state, but missing from the cluster. */
    readonly lost: string[];
    /** In the cluster (labelled as ours, or a run's Workflow) but neither declared nor in the state. */
    readonly leftOver: string[];
    /** One object recorded twice in the state, or more than one Workflow for one run. */
    readonly duplicates: string[];
    /** Present, but a declared field differs, or the state records another uid than the live object. */
    readonly halfWritten: string[];
    /** `pending_operations` left in `pulumi stack export`. */
    readonly pending: string[];
}

interface ExportedState {
    deployment?: {
        resources?: {
            urn: string;
            type: string;
            custom?: boolean;
            id?: string;
            outputs?: Record<string, any>;
            inputs?: Record<string, any>;
        }[];
        pending_operations?: { type: string; resource: { urn: string } }[];
    };
}

/** Whether every field of `declared` is present and equal in `live` (arrays: same length, element-wise). */
function subsetDiff(declared: unknown, live: unknown, at: string, out: string[]): void {
    if (Array.isArray(declared)) {
        if (!Array.isArray(live) || live.length !== declared.length) {
            out.push(`${at}: ${JSON.stringify(declared).slice(0, 80)} != ${JSON.stringify(live).slice(0, 80)}`);
            return;
        }
        declared.forEach((d, i) => subsetDiff(d, live[i], `${at}[${i}]`, out));
    } else if (declared && typeof declared === "object") {
        if (!live || typeof live !== "object") {
            out.push(`${at}: missing`);
            return;
        }
        for (const [k, v] of Object.entries(declared)) subsetDiff(v, (live as Record<string, unknown>)[k], `${at}.${k}`, out);
    } else if (declared !== undefined && declared !== live) {
        out.push(`${at}: ${JSON.stringify(declared)} != ${JSON.stringify(live)}`);
    }
}

/** Fields of a declared manifest that differ in the live object (Secret values are compared by key only). */
export function manifestDrift(declared: Record<string, any>, live: KubeObject): string[] {
    const out: string[] = [];
    subsetDiff(declared.metadata?.labels ?? {}, live.metadata.labels ?? {}, "metadata.labels", out);
    for (const field of ["spec", "rules", "subjects", "roleRef", "data", "type", "automountServiceAccountToken"]) {
        if (declared[field] !== undefined) subsetDiff(declared[field], live[field], field, out);
    }
    if (declared.stringData) {
        // Under mocks a generated key pair has no values, so the keys may be missing too: then
        // the Secret must at least not be empty.
        const want = Object.keys(declared.stringData).sort().join(",");
        const have = Object.keys(live.data ?? {})
            .sort()
            .join(",");
        if (want ? want !== have : !have) out.push(`data keys: ${have || "(none)"} != ${want || "(some)"}`);
    }
    return out;
}

const isWorkflow = (kind: string) => kind === "Workflow";

/**
 * Compares the cluster with what the stack declares for `values` and with the Pulumi state.
 * Workflows (runs) are matched by `<target>-<action>-` prefix, since their suffix is random.
 */
export async function checkConvergence(
    project: PulumiProject,
    values: Record<string, unknown>,
    namespaces: readonly string[],
): Promise<Convergence> {
    const declared = await declaredObjects(values);
    const exported = JSON.parse(await project.exportText()) as ExportedState;
    const pending = (exported.deployment?.pending_operations ?? []).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`);
    const stateResources = exported.deployment?.resources ?? [];
    const lost: string[] = [];
    const leftOver: string[] = [];
    const duplicates: string[] = [];
    const halfWritten: string[] = [];
    let checked = 0;

    const urns = new Map<string, number>();
    for (const r of stateResources) urns.set(r.urn, (urns.get(r.urn) ?? 0) + 1);
    for (const [urn, n] of urns) if (n > 1) duplicates.push(`state: ${urn} x${n}`);

    // Kubernetes objects the state records, by object key.
    const inState = new Map<string, { urn: string; uid?: string }>();
    for (const r of stateResources) {
        if (!r.custom || !r.type.startsWith("kubernetes:") || !r.outputs?.kind) continue;
        const key = objectKey(r.outputs);
        if (inState.has(key)) duplicates.push(`state: ${key} recorded by ${inState.get(key)!.urn} and ${r.urn}`);
        inState.set(key, { urn: r.urn, uid: r.outputs.metadata?.uid });
    }

    for (const [key, manifest] of declared) {
        if (isWorkflow(manifest.kind)) continue;
        checked++;
        const live = await getObject(resourceOfKind(manifest.kind), manifest.metadata.name, manifest.metadata.namespace);
        if (!live) {
            lost.push(key);
            continue;
        }
        if (!inState.has(key)) leftOver.push(`${key} (in the cluster, declared, but not in the state)`);
        const drift = manifestDrift(manifest, live);
        if (drift.length > 0) halfWritten.push(`${key}: ${drift.slice(0, 3).join("; ")}`);
        const stateUid = inState.get(key)?.uid;
        if (stateUid && live.metadata && (live.metadata as { uid?: string }).uid !== stateUid)
            halfWritten.push(`${key}: state records uid ${stateUid}, the cluster holds ${(live.metadata as { uid?: string }).uid}`);
    }
    // State resources that are not declared (e.g. a replaced object whose delete never ran).
    for (const [key, { urn }] of inState) {
        if (declared.has(key) || key.startsWith("Workflow/")) continue;
        checked++;
        leftOver.push(`${key} (in the state as ${urn.split("::").pop()}, not declared)`);
    }

    // Runs: exactly one Workflow per declared run, and it is the one the state records.
    const declaredRuns = [...declared.values()].filter((m) => isWorkflow(m.kind));
    const liveWorkflows = (await Promise.all(namespaces.map((ns) => listObjects(["workflows.argoproj.io"], { namespace: ns })))).flat();
    for (const run of declaredRuns) {
        checked++;
        const prefix = String(run.metadata.name).replace(/[a-z0-9]+$/, "");
        const matching = liveWorkflows.filter((w) => w.metadata.namespace === run.metadata.namespace && w.metadata.name.startsWith(prefix));
        const recorded = [...inState.keys()].filter((k) => k.startsWith(`Workflow/${run.metadata.namespace}/${prefix}`));
        if (matching.length === 0) lost.push(`Workflow/${run.metadata.namespace}/${prefix}*`);
        if (matching.length > 1)
            duplicates.push(`Workflow/${run.metadata.namespace}/${prefix}*: ${matching.map((w) => w.metadata.name).join(", ")}`);
        if (recorded.length !== 1) duplicates.push(`state: ${recorded.length} Workflows recorded for ${prefix}*`);
        for (const w of matching) if (!recorded.includes(objectKey(w))) leftOver.push(`${objectKey(w)} (a run the state does not record)`);
    }
    for (const w of liveWorkflows) {
        const key = objectKey(w);
        if (!declaredRuns.some((r) => w.metadata.name.startsWith(String(r.metadata.name).replace(/[a-z0-9]+$/, ""))) && !inState.has(key))
            leftOver.push(`${key} (a Workflow nobody declares)`);
    }

    // Anything else in the namespaces that carries our labels.
    const declaredKeys = new Set([...declared.keys()]);
    for (const ns of namespaces) {
        for (const selector of [PART_OF, MANAGED_BY]) {
            for (const o of await listObjects(
                NAMESPACED_KINDS.filter((k) => !k.startsWith("workflows.")),
                { namespace: ns, selector },
            )) {
                const key = objectKey(o);
                if (!declaredKeys.has(key) && !inState.has(key) && !leftOver.some((l) => l.startsWith(key)))
                    leftOver.push(`${key} (labelled ${selector}, not declared)`);
            }
        }
    }
    return {
        checked,
        lost: lost.sort(),
        leftOver: [...new Set(leftOver)].sort(),
        duplicates: duplicates.sort(),
        halfWritten: halfWritten.sort(),
        pending,
    };
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

const totals = { scenarios: 0, checked: 0, lost: 0, leftOver: 0, duplicates: 0, halfWritten: 0, pending: 0 };

/** Prints one scenario's figures and adds them to the run's totals (printed at the end). */
export function report(scenario: string, c: Convergence): void {
    totals.scenarios++;
    totals.checked += c.checked;
    totals.lost += c.lost.length;
    totals.leftOver += c.leftOver.length;
    totals.duplicates += c.duplicates.length;
    totals.halfWritten += c.halfWritten.length;
    totals.pending += c.pending.length;
    process.stderr.write(
        `[faults] ${scenario}: objects checked ${c.checked}, lost ${c.lost.length}, left over ${c.leftOver.length}, duplicates ${c.duplicates.length}, half-written ${c.halfWritten.length}, pending operations ${c.pending.length}\n` +
            [
                ...c.lost.map((x) => `  lost: ${x}`),
                ...c.leftOver.map((x) => `  left over: ${x}`),
                ...c.duplicates.map((x) => `  duplicate: ${x}`),
                ...c.halfWritten.map((x) => `  half-written: ${x}`),
                ...c.pending.map((x) => `  pending: ${x}`),
            ]
                .map((l) => `${l}\n`)
                .join(""),
    );
}

/** Asserts the convergence is complete (one assertion message listing everything that is not). */
export function assertConverged(c: Convergence): void {
    assert.ok(c.checked > 0, "nothing was checked");
    assert.deepStrictEqual(
        { lost: c.lost, leftOver: c.leftOver, duplicates: c.duplicates, halfWritten: c.halfWritten, pending: c.pending },
        { lost: [], leftOver: [], duplicates: [], halfWritten: [], pending: [] },
    );
}

after(function () {
    if (totals.scenarios === 0) return;
    process.stderr.write(
        `[faults] total: scenarios run ${totals.scenarios}, objects checked ${totals.checked}, lost ${totals.lost}, left over ${totals.leftOver}, duplicates ${totals.duplicates}, half-written ${totals.halfWritten}, pending operations ${totals.pending}\n`,
    );
});

/** Seconds since `start`, for the per-step timings. */
export function since(start: number): string {
    return `${((Date.now() - start) / 1000).toFixed(1)}s`;
}

// ---------------------------------------------------------------------------------------------
// pulumi in its own process group
// ---------------------------------------------------------------------------------------------

export interface Background {
    readonly child: ChildProcess;
    /** Resolves when the process group leader exits (never rejects). */
    readonly done: Promise<ExecResult>;
    /** The engine event log (`--event-log`). */
    readonly eventLog: string;
    /** SIGKILL to the whole process group: the CLI, the language host, node and the plugins. */
    killGroup(): void;
    /** Engine events written so far. */
    events(): EngineEvent[];
}

let backgroundRuns = 0;

/** Starts `pulumi <args>` for the project's stack in a new process group, with an event log. */
export function startPulumi(project: PulumiProject, args: readonly string[], label: string): Background {
    const eventLog = path.join(project.dir, "..", `bg-${++backgroundRuns}-${label}.jsonl`);
    const full = [...args, "--stack", project.stack, "--non-interactive", "--event-log", eventLog];
    const child = spawn("pulumi", full, { cwd: project.dir, env: project.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    const done = new Promise<ExecResult>((resolve) => {
        child.on("close", (code, signal) =>
            resolve({
                code: code ?? (signal === "SIGKILL" ? 137 : 1),
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
            }),
        );
        child.on("error", (e) => resolve({ code: 127, stdout: "", stderr: e.message }));
    });
    return {
        child,
        done,
        eventLog,
        killGroup() {
            // The CLI starts its plugins in process groups of their own: they are found by
            // parentage before the group dies, or they would live on as orphans.
            const victims = descendants(child.pid!);
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // already gone
            }
            for (const pid of victims) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // already gone
                }
            }
        },
        events() {
            if (!fs.existsSync(eventLog)) return [];
            return fs
                .readFileSync(eventLog, "utf8")
                .split("\n")
                .filter((l) => l.trim().endsWith("}"))
                .flatMap((l) => {
                    try {
                        return [JSON.parse(l) as EngineEvent];
                    } catch {
                        return []; // a line being written
                    }
                });
        },
    };
}

/** Resolves with the first engine event matching `predicate` (polls the event log every 50 ms). */
export async function untilEvent(
    run: Background,
    what: string,
    predicate: (e: EngineEvent) => boolean,
    timeoutMs = 120_000,
): Promise<EngineEvent> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void run.done.then(() => (exited = true));
    for (;;) {
        const hit = run.events().find(predicate);
        if (hit) return hit;
        if (exited) throw new Error(`pulumi exited before ${what}:\n${(await run.done).stderr}${(await run.done).stdout.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** Step events (pre or outputs) of the given op and resource type suffix. */
export function stepEvent(kind: "pre" | "outputs", op: string, typeSuffix: string, nameSuffix = "") {
    return (e: EngineEvent): boolean => {
        const m = (kind === "pre" ? e.resourcePreEvent : e.resOutputsEvent)?.metadata;
        return !!m && m.op === op && m.type.endsWith(typeSuffix) && m.urn.endsWith(nameSuffix);
    };
}

// ---------------------------------------------------------------------------------------------
// API server watch
// ---------------------------------------------------------------------------------------------

/**
 * Watches a collection (e.g. `/apis/argoproj.io/v1alpha1/namespaces/ns/workflowtemplates`) and
 * resolves with the first ADDED object the predicate accepts. `ready` resolves once the watch
 * stream is open, so the caller can start the operation after it and miss nothing.
 */
export function watchAdded(
    collectionPath: string,
    predicate: (o: KubeObject) => boolean = () => true,
): { ready: Promise<void>; added: Promise<KubeObject>; stop(): void } {
    const config = loadKubeConfig({ kubeconfigPath: testEnv().kubeconfig });
    const url = new URL(`${config.server}${collectionPath}?watch=1&allowWatchBookmarks=false`);
    let request: ReturnType<typeof https.request> | undefined;
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (onReady = r));
    const added = new Promise<KubeObject>((resolve, reject) => {
        request = https.request(
            url,
            { method: "GET", ca: config.ca, cert: config.cert, key: config.key, headers: { Accept: "application/json" } },
            (response) => {
                if (response.statusCode !== 200) {
                    reject(new Error(`watch ${collectionPath}: HTTP ${response.statusCode}`));
                    return;
                }
                onReady();
                let buffer = "";
                response.on("data", (chunk: Buffer) => {
                    buffer += chunk.toString("utf8");
                    let nl: number;
                    while ((nl = buffer.indexOf("\n")) >= 0) {
                        const line = buffer.slice(0, nl);
                        buffer = buffer.slice(nl + 1);
                        if (!line.trim()) continue;
                        const event = JSON.parse(line) as { type: string; object: KubeObject };
                        if (event.type === "ADDED" && predicate(event.object)) {
                            resolve(event.object);
                            request?.destroy();
                        }
                    }
                });
                response.on("error", () => undefined);
            },
        );
        request.on("error", (e) => reject(new Error(`watch ${collectionPath}: ${e.message}`)));
        request.end();
    });
    added.catch(() => undefined);
    return { ready, added, stop: () => request?.destroy() };
}

// ---------------------------------------------------------------------------------------------
// The local kube-apiserver: stop it and start it again with the same command line
// ---------------------------------------------------------------------------------------------

/** The state dir of the running local cluster (its kubeconfig lives there). */
function clusterStateDir(): string {
    return path.dirname(testEnv().kubeconfig);
}

export interface StoppedApiServer {
    readonly argv: string[];
    readonly pidFile: string;
    readonly logFile: string;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return !/^\d+ \(.*\) Z/.test(stat);
    } catch {
        return false;
    }
}

/**
 * Stops the local kube-apiserver (SIGTERM, then SIGKILL after 5 s) by the pid file
 * scripts/local-cluster.sh keeps in its state dir, remembering its command line.
 */
export async function stopApiServer(): Promise<StoppedApiServer> {
    const dir = clusterStateDir();
    const pidFile = path.join(dir, "kube-apiserver.pid");
    const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    const argv = fs
        .readFileSync(`/proc/${pid}/cmdline`, "utf8")
        .split("\0")
        .filter((a) => a.length > 0);
    assert.ok(
        argv.some((a) => a.includes(dir)),
        `pid ${pid} of ${pidFile} is not the kube-apiserver of ${dir}: ${argv.join(" ")}`,
    );
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, "SIGKILL");
    await waitFor(`kube-apiserver pid ${pid} to exit`, 10_000, async () => (alive(pid) ? undefined : true));
    return { argv, pidFile, logFile: path.join(dir, "kube-apiserver.log") };
}

/** Starts the kube-apiserver again as scripts/local-cluster.sh does (own session, pid file) and waits for /readyz. */
export async function startApiServer(stopped: StoppedApiServer): Promise<void> {
    const out = fs.openSync(stopped.logFile, "a");
    // The same launch as local-cluster.sh: the inner shell writes its pid, then execs the binary.
    const child = spawn("setsid", ["bash", "-c", 'echo $$ >"$0"; exec "$@"', stopped.pidFile, ...stopped.argv], {
        detached: true,
        stdio: ["ignore", out, out],
    });
    child.unref();
    fs.closeSync(out);
    await waitFor("kube-apiserver /readyz after the restart", 60_000, async () => {
        const r = await kubectl(["get", "--raw", "/readyz"], { check: false });
        return r.code === 0 && r.stdout.trim() === "ok" ? true : undefined;
    });
}

// ---------------------------------------------------------------------------------------------
// A loopback TCP proxy in front of the API server: a cluster that can become unreachable
// ---------------------------------------------------------------------------------------------

export class ApiProxy {
    private server?: net.Server;
    private readonly sockets = new Set<net.Socket>();
    readonly target: URL;
    port = 0;

    constructor() {
        this.target = new URL(loadKubeConfig({ kubeconfigPath: testEnv().kubeconfig }).server);
    }

    /** Listens (again) on the same port; the first call picks a free one. */
    async open(): Promise<void> {
        const server = net.createServer((client) => {
            const upstream = net.connect(Number(this.target.port || 443), this.target.hostname);
            for (const s of [client, upstream]) {
                this.sockets.add(s);
                s.on("close", () => this.sockets.delete(s));
                s.on("error", () => undefined);
            }
            client.pipe(upstream).pipe(client);
            client.on("close", () => upstream.destroy());
            upstream.on("close", () => client.destroy());
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(this.port, "127.0.0.1", () => resolve());
        });
        this.port = (server.address() as net.AddressInfo).port;
        this.server = server;
    }

    /** Stops listening and cuts every open connection: the cluster is unreachable (connection refused). */
    async close(): Promise<void> {
        const server = this.server;
        this.server = undefined;
        for (const s of this.sockets) s.destroy();
        if (server) await new Promise<void>((r) => server.close(() => r()));
    }

    /** A copy of the admin kubeconfig whose server is this proxy. */
    writeKubeconfig(file: string): string {
        const text = fs
            .readFileSync(testEnv().kubeconfig, "utf8")
            .replace(/server: https:\/\/127\.0\.0\.1:\d+/g, `server: https://127.0.0.1:${this.port}`);
        fs.writeFileSync(file, text, { mode: 0o600 });
        return file;
    }
}

/** kubectl against the cluster, via a given kubeconfig. */
export function kubectlVia(kubeconfig: string, args: readonly string[]): Promise<ExecResult> {
    const { exec } = require("../harness") as typeof import("../harness");
    return exec("kubectl", ["--kubeconfig", kubeconfig, ...args], { env: testEnv().env, check: false, timeoutMs: 60_000 });
}

export { log };

// ---------------------------------------------------------------------------------------------
// Small stacks
// ---------------------------------------------------------------------------------------------

/** A small instance: every object of a real one, sized so nothing waits on resources. */
export function smallInstance(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name,
        locales: 1,
        cpu: "500m",
        memory: "1Gi",
        chapel: { numThreadsPerLocale: 1, memMax: 500000000 },
        // No controller should start a deploy by itself while a scenario runs.
        schedules: { deploy: { suspend: true }, delete: { suspend: true } },
        ...extra,
    };
}

/** Steps of an event stream that change something, as `op name` (name = last URN segment). */
export function changes(events: readonly EngineEvent[]): string[] {
    return events
        .map((e) => e.resourcePreEvent?.metadata)
        .filter((m): m is NonNullable<typeof m> => !!m && m.op !== "same" && m.op !== "read")
        .map((m) => `${m.op} ${m.urn.split("::").pop()}`)
        .sort();
}

/**
 * Cleanup for `after` hooks, cheaper than a destroy: every object a scenario makes is in its own
 * namespaces but the delete PriorityClass a stack declares per namespace, so deleting those
 * removes it all; the stack is dropped with its state (and any lock a killed run left).
 */
export async function dropStack(project: PulumiProject | undefined, namespaces: readonly string[]): Promise<void> {
    if (project) {
        await project.pulumi(["cancel", "--yes"], { check: false });
        await project.pulumi(["stack", "rm", "--yes", "--force"], { check: false });
    }
    for (const ns of namespaces) {
        await kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"], { check: false });
        await kubectl(["delete", "priorityclass", `arkouda-workflows-delete-${ns}`, "--ignore-not-found"], { check: false });
    }
}
