/**
 * Shared by the placement, full-node and retry tests on the local node: the node's free CPU,
 * taints and labels put on the node and taken off again, what a Workflow's steps said and which
 * pods they ran while it ran, and a rule that makes the API server refuse the pods' connections. Whatever a test changes on the node it undoes in `restore()`,
 * which its `after` hook calls whether or not the tests passed.
 */
import { failureReasons } from "../../../components/dynamic/workflow-run-completion";
import * as net from "net";
import { kubectl, kubectlJson, listObjects, run, sleep, toolEnv } from "../argo/kube";
import { workflow } from "./node-lib";

/** A loopback port nothing listens on: one the kernel just handed out and got back. */
function closedLoopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** A CPU quantity in millicores ("2", "1500m", "0.5"). */
export function cpuMillis(quantity: string | undefined): number {
    if (!quantity) return 0;
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** What the scheduler counts for one pod: its containers' requests, or its largest init container's when that is more. */
function podCpuRequest(pod: any): number {
    const sum = (cs: any[] = []) => cs.reduce((n, c) => n + cpuMillis(c.resources?.requests?.cpu), 0);
    const sidecars = (pod.spec.initContainers ?? []).filter((c: any) => c.restartPolicy === "Always");
    const inits = (pod.spec.initContainers ?? []).filter((c: any) => c.restartPolicy !== "Always");
    return Math.max(sum(pod.spec.containers) + sum(sidecars), ...inits.map((c: any) => cpuMillis(c.resources?.requests?.cpu)));
}

/** The node's allocatable CPU less what the pods bound to it and not finished request, in millicores. */
export async function freeCpuMillis(nodeName: string): Promise<number> {
    const node = await kubectlJson(["get", "node", nodeName]);
    const pods = (await kubectlJson<{ items: any[] }>(["get", "pods", "--all-namespaces", "--field-selector", `spec.nodeName=${nodeName}`]))
        .items;
    const used = pods.filter((p) => !["Succeeded", "Failed"].includes(p.status?.phase)).reduce((n, p) => n + podCpuRequest(p), 0);
    return cpuMillis(node.status.allocatable.cpu) - used;
}

/** Taints and labels put on a node, each taken off again by `restore()`. */
export class NodeChanges {
    private readonly undo: string[][] = [];
    constructor(readonly node: string) {}

    async label(key: string, value: string): Promise<void> {
        await kubectl(["label", "node", this.node, `${key}=${value}`, "--overwrite"]);
        this.undo.push(["label", "node", this.node, `${key}-`]);
    }

    async taint(key: string, value: string, effect: "NoSchedule" | "NoExecute"): Promise<void> {
        await kubectl(["taint", "node", this.node, `${key}=${value}:${effect}`, "--overwrite"]);
        this.undo.push(["taint", "node", this.node, `${key}:${effect}-`]);
    }

    /** Takes every change off, newest first; a change already gone is not an error. */
    async restore(): Promise<void> {
        while (this.undo.length > 0) await kubectl(this.undo.pop()!, { check: false });
    }
}

export interface Watched {
    /** The Workflow in its final phase. */
    readonly wf: any;
    /** Every message each step (by display name) showed while the Workflow ran, in order. */
    readonly messages: ReadonlyMap<string, readonly string[]>;
    /** The step pods as they were seen (by name, last seen), before Argo's pod GC removed them. */
    readonly pods: ReadonlyMap<string, any>;
}

/** Follows a Workflow to its end, keeping what its steps said and its pods as they ran. */
export async function watchWorkflow(namespace: string, name: string, timeoutMs: number): Promise<Watched> {
    const messages = new Map<string, string[]>();
    const pods = new Map<string, any>();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const wf = await workflow(namespace, name);
        for (const node of Object.values<any>(wf?.status?.nodes ?? {})) {
            if (!node.message) continue;
            const seen = messages.get(node.displayName) ?? [];
            if (seen.at(-1) !== node.message) messages.set(node.displayName, [...seen, node.message]);
        }
        for (const pod of await listObjects("pods", namespace, `workflows.argoproj.io/workflow=${name}`).catch(() => []))
            pods.set(pod.metadata.name, pod);
        if (["Succeeded", "Failed", "Error"].includes(wf?.status?.phase)) return { wf, messages, pods };
        if (Date.now() > deadline)
            throw new Error(`workflow ${name} did not finish within ${timeoutMs / 1000}s (phase ${wf?.status?.phase})`);
        await sleep(1000);
    }
}

/** A Workflow's output parameter (`status.outputs.parameters`), or undefined. */
export function outputParameter(wf: any, name: string): string | undefined {
    return (wf?.status?.outputs?.parameters ?? []).find((p: any) => p.name === name)?.value;
}

/** A failed deploy's `failure-reasons`, where Argo keeps it (the program's own reader). */
export function deployFailureReasons(wf: any): string {
    return failureReasons(wf?.status ?? {});
}

/**
 * How long after its deadline a failed Workflow may still be finishing: the controller's next
 * pass, the pod's deletion and the exit handler (about 25 s here).
 */
export const DEADLINE_MARGIN_SECONDS = 60;

/** Seconds from a Workflow's start to its end. */
export function workflowSeconds(wf: any): number {
    return (Date.parse(wf.status.finishedAt) - Date.parse(wf.status.startedAt)) / 1000;
}

/**
 * Makes the API server refuse every connection from the pods: their connections to the
 * `kubernetes` Service are DNATed, ahead of the node's own DNAT to the loopback kube-apiserver, to
 * a loopback port nothing listens on, so the kernel answers with a TCP reset. To a step it is an
 * API server that is down; the controller, kubelet and scheduler reach it over loopback and keep
 * working. In nat's PREROUTING, not as a REJECT in filter's INPUT: the node's NetworkPolicy
 * enforcer (kube-router) moves its jumps to the top of filter's chains at every sync and accepts
 * the pods' traffic there, and rewrites the filter table while a test would edit it. Needs root,
 * as the node does.
 */
export class PodApiBlock {
    private rule?: string[];
    private active = false;

    /** iptables lives in sbin, which a non-login PATH may lack. */
    private iptables(args: string[], check = true) {
        return run("iptables", ["-w", "5", ...args], { check, env: { ...toolEnv(), PATH: `/usr/sbin:/sbin:${toolEnv().PATH ?? ""}` } });
    }

    async add(): Promise<void> {
        const service = await kubectlJson(["get", "service", "kubernetes", "-n", "default"]);
        const port = service.spec.ports.find((p: any) => p.name === "https")?.port ?? service.spec.ports[0].port;
        this.rule = [
            "PREROUTING",
            "-i",
            process.env.ARKOUDA_NODE_BRIDGE ?? "arkouda0",
            "-d",
            `${service.spec.clusterIP}/32`,
            "-p",
            "tcp",
            "--dport",
            String(port),
            "-m",
            "comment",
            "--comment",
            "arkouda-it-pod-api-block",
            "-j",
            "DNAT",
            "--to-destination",
            `127.0.0.1:${await closedLoopbackPort()}`,
        ];
        await this.iptables(["-t", "nat", "-I", ...this.rule]);
        this.active = true;
    }

    /** Takes the rule off (every copy of it); safe to call when it is not there. */
    async remove(): Promise<void> {
        if (this.rule) for (let i = 0; i < 5; i++) if ((await this.iptables(["-t", "nat", "-D", ...this.rule], false)).code !== 0) break;
        this.active = false;
    }

    get blocking(): boolean {
        return this.active;
    }
}
