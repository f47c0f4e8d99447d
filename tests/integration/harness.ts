/**
 * Integration-test harness: the real toolchain (scripts/toolchain.sh), the program built into
 * bin/ (scripts/program-build.js, skipped when current) and the real local control plane
 * (scripts/local-cluster.sh). Importing this module registers root-level mocha
 * hooks once: a preflight that FAILS the suite with a clear message when a tool or the cluster
 * is missing (CI always provides them), and a final hook that stops the cluster if this run
 * started it.
 *
 * Environment (all optional):
 *   ARKOUDA_LOCAL_STATE, ARKOUDA_LOCAL_APISERVER_PORT, ARKOUDA_LOCAL_ETCD_PORT,
 *   ARKOUDA_LOCAL_ETCD_PEER_PORT, ARKOUDA_LOCAL_KCM_PORT, ...
 *                              passed through to scripts/local-cluster.sh (its defaults apply)
 *   ARKOUDA_IT_KEEP_CLUSTER=1  do not stop a cluster this run started
 *   ARKOUDA_IT_KEEP_TMP=1      keep the temp projects/state (always kept when a test failed)
 *   ARKOUDA_IT_RUN_ID          suffix of the test namespaces (default: random)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kubectl } from "../lib/kubectl";
import { ensureProgramBuilt } from "../lib/program-copy";
import { run, RunResult } from "../lib/run";
import { onPath, toolchainEnv } from "../lib/toolchain-env";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const LOCAL_CLUSTER_SH = path.join(REPO_ROOT, "scripts", "local-cluster.sh");

/** Short random id that keeps namespaces of concurrent or leftover runs apart. */
export const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);

export function log(message: string): void {
    process.stderr.write(`[it] ${message}\n`);
}

/** Runs `fn` and prints how long it took, e.g. "[it] pulumi up dev: 23.4s". */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
        return await fn();
    } finally {
        log(`${label}: ${((Date.now() - start) / 1000).toFixed(1)}s`);
    }
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]);
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

// ---------------------------------------------------------------------------------------------
// Toolchain and cluster (set up once per mocha run)
// ---------------------------------------------------------------------------------------------

export interface TestEnvironment {
    /** Environment for every child process: the toolchain's PATH/PULUMI_HOME, the cluster's KUBECONFIG. */
    readonly env: NodeJS.ProcessEnv;
    /** Admin kubeconfig of the local control plane. */
    readonly kubeconfig: string;
    /** Whether kube-controller-manager runs (token Secrets, namespace deletion, garbage collection). */
    readonly controllerManager: boolean;
    /** Root of this run's temp dirs. */
    readonly tmpRoot: string;
}

let environment: TestEnvironment | undefined;
/** The toolchain environment, set when this run started the cluster (so `after` can stop it). */
let startedClusterWith: NodeJS.ProcessEnv | undefined;
let failures = 0;

/** The environment prepared by the root `before` hook. */
export function testEnv(): TestEnvironment {
    if (!environment) throw new Error("integration environment not ready: the root preflight hook failed or did not run");
    return environment;
}

function npmVersion(pkg: string): string {
    return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
}

/** Every binary the suite needs is there, at the versions the npm SDKs expect; throws listing what is missing. */
async function checkToolchain(env: NodeJS.ProcessEnv): Promise<void> {
    const problems: string[] = [];
    const pulumi = onPath(env, "pulumi");
    for (const tool of ["pulumi", "kubectl", "kube-apiserver", "etcd"]) {
        if (!onPath(env, tool)) problems.push(`${tool} is not on PATH`);
    }
    if (pulumi) {
        // The language host and the dynamic-provider shim live next to the pulumi binary (or on PATH).
        const beside = path.dirname(fs.realpathSync(pulumi));
        for (const tool of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
            if (!fs.existsSync(path.join(beside, tool)) && !onPath(env, tool))
                problems.push(`${tool} is neither next to ${fs.realpathSync(pulumi)} nor on PATH`);
        }
        const plugins = await run("pulumi", ["plugin", "ls", "--json"], { env, check: false, timeoutMs: 60_000 });
        if (plugins.code !== 0) {
            problems.push(`\`pulumi plugin ls\` failed: ${plugins.stderr.trim()}`);
        } else {
            const installed = (JSON.parse(plugins.stdout || "[]") as { name: string; kind: string; version: string }[]).map(
                (p) => `${p.kind}/${p.name}@${p.version}`,
            );
            for (const [name, pkg] of [
                ["kubernetes", "@pulumi/kubernetes"],
                ["random", "@pulumi/random"],
            ]) {
                const want = `resource/${name}@${npmVersion(pkg)}`;
                if (!installed.includes(want))
                    problems.push(
                        `plugin ${want} is not installed in PULUMI_HOME=${env.PULUMI_HOME} (have: ${installed.join(", ") || "none"})`,
                    );
            }
        }
    }
    if (problems.length > 0) {
        throw new Error(`preflight: the toolchain is incomplete; build it with scripts/toolchain.sh:\n  - ${problems.join("\n  - ")}`);
    }
}

function clusterScript(env: NodeJS.ProcessEnv, command: string, timeoutMs = 600_000): Promise<RunResult> {
    return run("bash", [LOCAL_CLUSTER_SH, command], { env, check: false, timeoutMs });
}

async function setUp(): Promise<TestEnvironment> {
    const toolchain = await timed("preflight toolchain", async () => {
        let env: NodeJS.ProcessEnv;
        try {
            env = toolchainEnv();
        } catch (error) {
            throw new Error(`preflight: ${(error as Error).message}`, { cause: error });
        }
        await checkToolchain(env);
        return env;
    });
    // Every project copies the built program (bin/): build it now unless it is current.
    await timed("preflight program build", async () => log(ensureProgramBuilt()));
    const { kubeconfig, controllerManager } = await timed("local cluster", async () => {
        const status = await clusterScript(toolchain, "status");
        if (status.code === 0) {
            log(`reusing the running local cluster: ${status.stdout.trim()}`);
        } else {
            const start = await clusterScript(toolchain, "start");
            if (start.code !== 0) {
                throw new Error(
                    `preflight: the local cluster did not start (scripts/local-cluster.sh start exited ${start.code}):\n${start.stderr}\n${start.stdout}`,
                );
            }
            startedClusterWith = toolchain;
            log(start.stdout.trim().split("\n")[0]);
        }
        const path = (await clusterScript(toolchain, "kubeconfig")).stdout.trim();
        if (!path || !fs.existsSync(path)) throw new Error(`preflight: the local cluster's kubeconfig ${path || "(none)"} does not exist`);
        const running = await clusterScript(toolchain, "status");
        if (running.code !== 0) throw new Error(`preflight: the local cluster is not running: ${running.stdout}${running.stderr}`);
        return { kubeconfig: path, controllerManager: /kube-controller-manager=\d+/.test(running.stdout) };
    });
    const env: NodeJS.ProcessEnv = {
        ...toolchain,
        KUBECONFIG: kubeconfig,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // --event-log is a debug flag.
        PULUMI_DEBUG_COMMANDS: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        NO_COLOR: "1",
    };
    delete env.PULUMI_ACCESS_TOKEN;
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    const crds = await kubectl(
        kubeconfig,
        [
            "get",
            "crd",
            "workflowtemplates.argoproj.io",
            "cronworkflows.argoproj.io",
            "workflows.argoproj.io",
            "servicemonitors.monitoring.coreos.com",
            "-o",
            "name",
        ],
        { env, check: false },
    );
    if (crds.code !== 0) throw new Error(`preflight: the local cluster lacks the Argo/ServiceMonitor CRDs:\n${crds.stderr}`);
    if (!controllerManager) {
        log("WARNING: kube-controller-manager is not running; the tests marked [needs kube-controller-manager] will fail");
    }
    const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), `arkouda-it-${RUN_ID}-`));
    log(`run ${RUN_ID}: kubeconfig ${kubeconfig}, temp dir ${tmpRoot}`);
    return { env, kubeconfig, controllerManager, tmpRoot };
}

before(async function () {
    this.timeout(900_000);
    environment = await setUp();
});

afterEach(function () {
    if (this.currentTest?.state === "failed") failures++;
});

after(async function () {
    this.timeout(300_000);
    if (environment) {
        if (failures > 0 || process.env.ARKOUDA_IT_KEEP_TMP === "1") {
            log(`keeping ${environment.tmpRoot} (${failures} failed test(s))`);
        } else {
            fs.rmSync(environment.tmpRoot, { recursive: true, force: true });
        }
    }
    const clusterEnv = startedClusterWith;
    if (clusterEnv && process.env.ARKOUDA_IT_KEEP_CLUSTER !== "1") {
        await timed("local cluster stop", async () => {
            const stop = await clusterScript(clusterEnv, "stop");
            if (stop.code !== 0) log(`scripts/local-cluster.sh stop exited ${stop.code}: ${stop.stderr}`);
        });
    }
});
