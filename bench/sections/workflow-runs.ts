/**
 * 5. Workflow run figures on the local node (bench/lib/workflow-runs.ts): needs a Ready node in
 * the bench's control plane, the workflow-controller (tests/integration/argo/kube.ts) and the
 * namespace of the 1-instance stack of section 2 (templates and identities applied), and for the
 * first-sample figure the local Prometheus (`local-cluster.sh prometheus`). Skipped, with the
 * reason printed, when the node is missing; a failure is reported, not fatal.
 */
import * as path from "path";
import { WorkflowController } from "../../tests/integration/argo/kube";
import { kubectl } from "../../tests/lib/kubectl";
import { Prometheus } from "../../tests/lib/prometheus";
import { log } from "../lib/env";
import { f1, Target } from "../lib/format";
import { median } from "../lib/measure";
import { measureWorkflowRuns, WorkflowRunsResult } from "../lib/workflow-runs";

/**
 * The dev instance asks 1 CPU per pod (3.5 CPUs with its exporter); the node has 2. Small pods
 * with the dev instance's shape otherwise: 2 locales, metrics on.
 */
/** The labels the bench's Prometheus selects ServiceMonitors by (local-cluster.sh prometheus). */
const BENCH_MATCH_LABELS = { "arkouda-workflows.local/prometheus": "bench" };
const NODE_RUN_PARAMETERS: Readonly<Record<string, string>> = {
    locales: "2",
    cpu: "100m",
    // As the local stack: the pods may burst to a CPU while the node is idle.
    "cpu-limit": "1",
    memory: "256Mi",
    "chpl-mem-max": "100000000",
    "metrics-enabled": "true",
    "exporter-cpu": "100m",
    "exporter-memory": "256Mi",
    // Scraped every 5 s (the stack's default, 15 s, would dominate the first-sample figure).
    "metrics-polling-interval": "5",
    "scrape-interval": "5s",
    "prometheus-match-labels": JSON.stringify(BENCH_MATCH_LABELS),
};

export interface WorkflowRunsSection {
    readonly md: string[];
    readonly json: unknown;
    /** The figures, when the runs were measured. */
    readonly result?: WorkflowRunsResult;
}

/** Submit → Succeeded of one instance on the local node, s. */
const TARGETS = { deployS: 25, deleteS: 10 };

/** Deploy and delete, each from submit to Succeeded: the median run of each, every run's figure beside it. */
export function workflowRunsTargets(section: WorkflowRunsSection): Target[] {
    return (
        [
            ["deploy", "deploy-", TARGETS.deployS],
            ["delete", "delete-", TARGETS.deleteS],
        ] as const
    ).map(([what, prefix, limit]) => {
        const target = `${what} ≤ ${limit} s (one instance on the local node, submit → Succeeded)`;
        const runs = (section.result?.runs ?? []).filter((r) => r.template.startsWith(prefix));
        if (runs.length === 0) return { target, value: "not measured (section 5 skipped or failed)", ok: false };
        const mid = median(runs.map((r) => r.submitToSucceededS));
        const each = runs.length > 1 ? ` (median of ${runs.length}: ${runs.map((r) => f1(r.submitToSucceededS)).join(", ")})` : "";
        return { target, value: `${f1(mid)} s${each}`, ok: mid <= limit };
    });
}

/**
 * Deploy + delete pairs for `reps` repetitions: an odd number, so the median is one run's figure
 * (a single run would make one busy second on two cores the result).
 */
const nodeRunPairs = (reps: number) => 2 * reps - 1;

/** The local Prometheus for `namespace`, or why there is none (its build or start failed: reported, not fatal). */
async function startPrometheus(namespace: string, clusterEnv: NodeJS.ProcessEnv): Promise<{ url: string } | string> {
    try {
        return { url: (await Prometheus.start(namespace, BENCH_MATCH_LABELS, clusterEnv)).url };
    } catch (e) {
        return (e as Error).message.split("\n")[0];
    }
}

export async function measureWorkflowRunsOnNode(
    root: string,
    kubeconfig: string,
    namespace: string,
    clusterEnv: NodeJS.ProcessEnv,
    reps: number,
): Promise<WorkflowRunsSection> {
    const title = "**5. Workflow runs on the local node**";
    const skip = (reason: string) => {
        log(`5. workflow runs on the local node: skipped (${reason})`);
        return { md: [`${title}: skipped (${reason}).`, ""], json: { skipped: reason } };
    };
    let nodes: any[];
    try {
        nodes = JSON.parse((await kubectl(kubeconfig, ["get", "nodes", "-o", "json"])).stdout).items ?? [];
    } catch (e) {
        return skip(`cannot list nodes: ${(e as Error).message.split("\n")[0]}`);
    }
    const ready = nodes.filter((n) => (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"));
    if (ready.length === 0) return skip("no Ready node in the bench's control plane");
    log(`5. workflow runs on the local node (${ready.map((n) => n.metadata.name).join(", ")}), namespace ${namespace}`);
    process.env.KUBECONFIG = kubeconfig;
    const controller = new WorkflowController(namespace, path.join(root, "logs", "workflow-controller.log"));
    try {
        await controller.start();
        const prometheus = await startPrometheus(namespace, clusterEnv);
        if (typeof prometheus === "string") log(`   no Prometheus, so no first-sample figure: ${prometheus}`);
        else log(`   Prometheus ${prometheus.url}`);
        const { data, markdown } = await measureWorkflowRuns({
            kubeconfig,
            namespace,
            parameters: NODE_RUN_PARAMETERS,
            reps: nodeRunPairs(reps),
            log: (l) => log(`   ${l}`),
            ...(typeof prometheus === "string" ? {} : { prometheus }),
        });
        const shape = Object.entries(NODE_RUN_PARAMETERS)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ");
        return {
            md: [`${title} (${ready.length} node(s); stand-in images, see README "Stand-in images"; ${shape}):`, "", markdown, ""],
            json: data,
            result: data,
        };
    } catch (e) {
        log(`   workflow runs failed: ${(e as Error).message}`);
        return {
            md: [`${title}: not measured, the run failed: ${(e as Error).message.split("\n")[0]}`, ""],
            json: { failed: (e as Error).message },
        };
    } finally {
        await controller.stop().catch(() => undefined);
    }
}
