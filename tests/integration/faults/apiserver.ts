/**
 * The local kube-apiserver as a fault scenario handles it: watched for the first object a run
 * creates, stopped and started again with the same command line, or reached through a loopback
 * TCP proxy that can make the cluster unreachable.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { loadKubeConfig } from "../../../components/dynamic/kubeconfig";
import { testEnv, waitFor } from "../harness";
import { kubectl, KubeObject } from "../pulumi";

// ---------------------------------------------------------------------------------------------
// Watch
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
// Stop and start it again with the same command line
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
// A loopback TCP proxy in front of it: a cluster that can become unreachable
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
