/**
 * The local node's Prometheus (`scripts/local-cluster.sh prometheus`: prometheus-operator and a
 * Prometheus it manages, as pods on the node) as the metrics tests and the bench read it: started
 * for a namespace and the ServiceMonitor labels it selects, then asked through its HTTP API, which
 * the host reaches at the pod's IP on the node's bridge.
 */
import * as http from "http";
import * as path from "path";
import { run } from "./run";

const LOCAL_CLUSTER_SH = path.resolve(__dirname, "..", "..", "scripts", "local-cluster.sh");

/** One target of /api/v1/targets. */
export interface Target {
    readonly scrapePool: string;
    readonly scrapeUrl: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly health: "up" | "down" | "unknown";
    readonly lastError: string;
    readonly lastScrape: string;
    readonly scrapeInterval: string;
    readonly scrapeTimeout: string;
}

/** One series of an instant query. */
export interface Sample {
    readonly metric: Readonly<Record<string, string>>;
    readonly value: readonly [number, string];
}

/** The scrape pool (job) the operator makes of a ServiceMonitor's first endpoint. */
export function serviceMonitorPool(namespace: string, name: string): string {
    return `serviceMonitor/${namespace}/${name}/0`;
}

/** The annotation-based job of the local Prometheus (prometheus.io/* on Services). */
export const ANNOTATIONS_POOL = "annotations";

export class Prometheus {
    constructor(readonly url: string) {}

    /**
     * Runs (or reconfigures) the local Prometheus so it reads `namespace` and selects the
     * ServiceMonitors labelled `labels`; builds and imports its images on first use.
     */
    static async start(namespace: string, labels: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): Promise<Prometheus> {
        const selector = Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(",");
        const r = await run("bash", [LOCAL_CLUSTER_SH, "prometheus", namespace, selector], { env, timeoutMs: 3_600_000 });
        const url = r.stdout.trim().split("\n").at(-1) ?? "";
        if (!/^http:\/\/[\d.]+:\d+$/.test(url)) throw new Error(`local-cluster.sh prometheus printed no URL:\n${r.stdout}\n${r.stderr}`);
        return new Prometheus(url);
    }

    /** GET of an API path; the `data` of a `success` answer. */
    async api<T>(apiPath: string, params: Readonly<Record<string, string>> = {}): Promise<T> {
        const u = new URL(apiPath, this.url);
        for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
        const body = await new Promise<string>((resolve, reject) => {
            const req = http.get(u, { timeout: 10_000 }, (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (d: string) => (text += d));
                res.on("end", () => resolve(text));
            });
            req.on("timeout", () => req.destroy(new Error(`GET ${u.href} timed out`)));
            req.on("error", reject);
        });
        const answer = JSON.parse(body) as { status: string; data: T; error?: string };
        if (answer.status !== "success") throw new Error(`GET ${u.href}: ${answer.error ?? body.slice(0, 300)}`);
        return answer.data;
    }

    async activeTargets(): Promise<Target[]> {
        return (await this.api<{ activeTargets: Target[] }>("/api/v1/targets", { state: "active" })).activeTargets;
    }

    /** The active targets of one scrape pool. */
    async poolTargets(pool: string): Promise<Target[]> {
        return (await this.activeTargets()).filter((t) => t.scrapePool === pool);
    }

    async query(expr: string): Promise<Sample[]> {
        return (await this.api<{ result: Sample[] }>("/api/v1/query", { query: expr })).result;
    }

    /** The job names of the configuration Prometheus has loaded (what the operator generated, once reloaded). */
    async loadedJobs(): Promise<string[]> {
        const yaml = (await this.api<{ yaml: string }>("/api/v1/status/config")).yaml;
        return [...yaml.matchAll(/^- job_name: (.+)$/gm)].map((m) => m[1].trim().replace(/^"(.*)"$/, "$1"));
    }
}

/** Polls `probe` every `everyMs` until it returns a value; undefined once `timeoutMs` has passed. */
export async function poll<T>(timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 500): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe().catch(() => undefined);
        if (value !== undefined) return value;
        if (Date.now() > deadline) return undefined;
        await new Promise((r) => setTimeout(r, everyMs));
    }
}
