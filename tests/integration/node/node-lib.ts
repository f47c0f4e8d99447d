/**
 * Shared by the node tests (tests/integration/node/*.test.ts): the local node must be Ready with
 * the locally built images imported (scripts/local-cluster.sh, scripts/images.sh); the real
 * workflow-controller runs out of cluster with the imported argoexec as its executor; workflows
 * are submitted as `argo submit --from` makes them and followed to their end.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { getObject, kubectl, kubectlJson, listObjects, log, REPO_ROOT, run, sleep, stepOf, summarizeWorkflow, waitFor } from "../argo/kube";
import { PROJECT } from "../../../components/names";
import { PROMETHEUS_POD_LABELS } from "../../../components/config/network-policy";
import { ARKOUDA_REQUEST } from "./standin-lib";

export const DEPLOY = "deploy-arkouda-on-kubernetes";

/**
 * What each Arkouda pod of a node test asks for: a twentieth of a CPU that may burst to one while
 * the node is idle. Two lanes of node suites run at once (tests/integration/lanes.sh) on a node
 * of 2 CPUs, and a request is what the scheduler counts, so it stays small.
 */
export const SMALL_PODS = {
    cpu: "50m",
    cpuLimit: "1",
    memory: "256Mi",
    chapel: { numThreadsPerLocale: 1, memMax: 100000000 },
} as const;

/** The same for an exporter: standalone (`exporters[]`) and as an instance's sidecar (`metrics`). */
export const SMALL_EXPORTER = { cpu: "50m", memory: "256Mi" } as const;
export const SMALL_SIDECAR = { exporterCpu: SMALL_EXPORTER.cpu, exporterMemory: SMALL_EXPORTER.memory } as const;

/** An instance the node runs beside others: one locale, small pods, metrics off, its CronWorkflows suspended (tests submit the runs). */
export const SMALL_INSTANCE = {
    locales: 1,
    ...SMALL_PODS,
    metrics: { enabled: false },
    schedules: { deploy: { suspend: true }, delete: { suspend: true } },
} as const;
export const DELETE = "delete-arkouda-on-kubernetes";
export const DEPLOY_EXPORTER = "deploy-prometheus-arkouda-exporter";
export const DELETE_EXPORTER = "delete-prometheus-arkouda-exporter";

/** The stand-in image references (the product's defaults), as images/arkouda-server-standin/refs.ts prints them. */
export async function standinRefs(): Promise<{ server: string; exporter: string }> {
    const r = await run("node", [
        "-r",
        "ts-node/register/transpile-only",
        path.join(REPO_ROOT, "images", "arkouda-server-standin", "refs.ts"),
    ]);
    const refs = Object.fromEntries(
        r.stdout
            .trim()
            .split("\n")
            .map((l) => l.split(" ")),
    );
    return { server: refs.server, exporter: refs.exporter };
}

/** A reference as containerd and the kubelet name it: with its registry, `docker.io` when it names none. */
export const fullImageReference = (ref: string) =>
    ref.split("/")[0].includes(".") ? ref : `docker.io/${ref.includes("/") ? ref : `library/${ref}`}`;

/**
 * Fails with a clear message unless a node is Ready and reports every image in `refs` (the
 * kubelet lists the images containerd holds in node.status.images).
 */
export async function requireNode(refs: string[]): Promise<any> {
    const nodes = (await kubectlJson<{ items: any[] }>(["get", "nodes"])).items;
    const ready = nodes.find((n) => (n.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"));
    if (!ready) {
        throw new Error(
            `no Ready node (${nodes.map((n) => n.metadata.name).join(", ") || "no node at all"}): start it with scripts/local-cluster.sh start (the node tests need the kubelet)`,
        );
    }
    const have = new Set((ready.status.images ?? []).flatMap((i: any) => i.names ?? []));
    const missing = refs.filter((r) => !have.has(fullImageReference(r)) && !have.has(r));
    if (missing.length > 0)
        throw new Error(`node ${ready.metadata.name} lacks the images ${missing.join(", ")}: import them with scripts/images.sh`);
    return ready;
}

export function setParameter(parameters: any[], name: string, value: string): void {
    const p = parameters.find((x) => x.name === name);
    if (p) p.value = value;
    else parameters.push({ name, value });
}

/**
 * A copy of the CronWorkflow `from` named `probe`, scheduled every minute with `parameters` set
 * over its arguments (none for a namespace's first instance: the template's defaults are its
 * values), suspended as soon as it fired: the Workflow it started, once finished. It fires at the
 * next minute, so a suite starts it early and reads it later; the caller deletes the probe.
 */
export async function cronWorkflowRun(
    namespace: string,
    from: string,
    probe: string,
    parameters: Record<string, string>,
    timeoutMs: number,
): Promise<any> {
    const cron = await getObject("cronworkflow", from, namespace);
    assert.ok(cron, `CronWorkflow ${from} is missing`);
    const copy = structuredClone(cron);
    copy.metadata = { name: probe, namespace, labels: cron.metadata.labels };
    delete copy.status;
    copy.spec.schedules = ["* * * * *"];
    copy.spec.suspend = false;
    copy.spec.workflowSpec.arguments = { parameters: copy.spec.workflowSpec.arguments?.parameters ?? [] };
    for (const [name, value] of Object.entries(parameters)) setParameter(copy.spec.workflowSpec.arguments.parameters, name, value);
    await kubectl(["create", "-n", namespace, "-f", "-"], { input: JSON.stringify(copy) });
    const [fired] = await waitFor(`a Workflow of ${probe}`, 150_000, async () => {
        const l = await listObjects("workflows", namespace, `workflows.argoproj.io/cron-workflow=${probe}`);
        return l.length > 0 ? l : undefined;
    });
    await kubectl(["patch", "cronworkflow", probe, "-n", namespace, "--type=merge", "-p", '{"spec":{"suspend":true}}']);
    return waitDone(namespace, fired.metadata.name, timeoutMs);
}

/** A Workflow from a WorkflowTemplate, as `argo submit --from workflowtemplate/<t> -p ...` makes it. */
export async function submit(
    namespace: string,
    template: string,
    parameters: Record<string, string> = {},
    prefix = template,
): Promise<string> {
    const wf = {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Workflow",
        metadata: { generateName: `${prefix}-`, namespace },
        spec: {
            workflowTemplateRef: { name: template },
            ...(Object.keys(parameters).length > 0
                ? { arguments: { parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })) } }
                : {}),
        },
    };
    const r = await kubectl(["create", "-n", namespace, "-f", "-", "-o", "json"], { input: JSON.stringify(wf) });
    return JSON.parse(r.stdout).metadata.name;
}

/** A Workflow with exactly the parameters of a CronWorkflow, as `argo submit --from cronworkflow/<cron>` makes it. */
export async function submitFromCron(namespace: string, cron: string): Promise<string> {
    const c = await getObject("cronworkflow", cron, namespace);
    if (!c) throw new Error(`CronWorkflow ${cron} is missing in ${namespace}`);
    const wf = {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Workflow",
        metadata: { generateName: `${c.spec.workflowSpec.workflowTemplateRef.name}-`, namespace },
        spec: c.spec.workflowSpec,
    };
    const r = await kubectl(["create", "-n", namespace, "-f", "-", "-o", "json"], { input: JSON.stringify(wf) });
    return JSON.parse(r.stdout).metadata.name;
}

export async function workflow(namespace: string, name: string): Promise<any> {
    return getObject("workflow", name, namespace);
}

/** Waits for a final phase (Succeeded, Failed, Error) and returns the Workflow. */
export async function waitDone(namespace: string, name: string, timeoutMs: number): Promise<any> {
    return waitFor(
        `workflow ${name} to finish`,
        timeoutMs,
        async () => {
            const wf = await workflow(namespace, name);
            return ["Succeeded", "Failed", "Error"].includes(wf?.status?.phase) ? wf : undefined;
        },
        async () => summarizeWorkflow(await workflow(namespace, name)),
    );
}

export async function waitSucceeded(namespace: string, name: string, timeoutMs: number): Promise<any> {
    const wf = await waitDone(namespace, name, timeoutMs);
    if (wf.status.phase !== "Succeeded") {
        throw new Error(`workflow ${name} ${wf.status.phase}: ${summarizeWorkflow(wf)}\n${await podDiagnostics(namespace, name)}`);
    }
    return wf;
}

/** Logs and states of a workflow's pods and of the instance's pods, for failure messages. */
export async function podDiagnostics(namespace: string, workflowName: string): Promise<string> {
    const out: string[] = [];
    const pods = await listObjects("pods", namespace).catch(() => []);
    for (const pod of pods) {
        const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
            .map(
                (c: any) =>
                    `${c.name}:${Object.keys(c.state ?? {})[0]}${c.state?.waiting?.reason ? `(${c.state.waiting.reason})` : ""}${c.state?.terminated ? `(${c.state.terminated.reason} ${c.state.terminated.exitCode})` : ""}`,
            )
            .join(" ");
        out.push(`pod ${pod.metadata.name} ${pod.status?.phase} ${statuses}`);
        if (pod.metadata.name.includes(workflowName) || pod.metadata.labels?.["app.kubernetes.io/name"] === "arkouda") {
            for (const c of pod.spec.containers) {
                const logs = await kubectl(["logs", pod.metadata.name, "-n", namespace, "-c", c.name, "--tail=15"], { check: false });
                if (logs.stdout.trim() || logs.stderr.trim())
                    out.push(`--- ${pod.metadata.name}/${c.name}\n${(logs.stdout || logs.stderr).trim()}`);
            }
        }
    }
    return out.join("\n");
}

export interface StepTiming {
    step: string;
    startedAt: number;
    finishedAt: number;
    phase: string;
}

/** Pod-node (step) start and finish times of a Workflow. */
export function stepTimings(wf: any): StepTiming[] {
    return Object.values(wf?.status?.nodes ?? {})
        .filter((n: any) => n.type === "Pod")
        .map((n: any) => ({
            step: stepOf(n.displayName),
            startedAt: Date.parse(n.startedAt),
            finishedAt: Date.parse(n.finishedAt),
            phase: n.phase,
        }));
}

/** Every namespaced kind the API server lists (for "nothing of any kind is left"). */
export async function namespacedKinds(): Promise<string[]> {
    const r = await kubectl(["api-resources", "--namespaced=true", "--verbs=list", "-o", "name"]);
    return r.stdout
        .trim()
        .split("\n")
        .filter((k) => k && !k.startsWith("events"));
}

/** Objects of any kind in the namespace whose name starts with `prefix` or that carry the instance label. */
export async function objectsOf(namespace: string, prefix: string, kinds: string[]): Promise<string[]> {
    const items = (await Promise.all(kinds.map((kind) => listObjects(kind, namespace)))).flat();
    return (
        items
            .filter(
                (o) =>
                    o.metadata.name === prefix ||
                    o.metadata.name.startsWith(`${prefix}-`) ||
                    o.metadata.labels?.["app.kubernetes.io/instance"] === prefix,
            )
            // Workflows (and their pods and task results) are the runs themselves, not the instance's
            // objects; Events are Kubernetes' own records about them (named after them, kept an hour);
            // what the stack declares for the instance (its CronWorkflows, NetworkPolicies, token
            // Secret, claims) is Pulumi's, which no run creates or deletes.
            .filter(
                (o) =>
                    !o.metadata.labels?.["workflows.argoproj.io/workflow"] &&
                    o.kind !== "Workflow" &&
                    o.kind !== "WorkflowTaskResult" &&
                    o.kind !== "Event" &&
                    o.metadata.labels?.["app.kubernetes.io/part-of"] !== PROJECT,
            )
            .map((o) => `${o.kind}/${o.metadata.name}${o.metadata.deletionTimestamp ? " (terminating)" : ""}`)
            .sort()
    );
}

/** Waits until no object of the instance is left (terminating pods included). */
export async function waitGone(namespace: string, prefix: string, kinds: string[], timeoutMs = 120_000): Promise<void> {
    let last: string[] = [];
    try {
        await waitFor(`no object of ${prefix} in ${namespace}`, timeoutMs, async () => {
            last = await objectsOf(namespace, prefix, kinds);
            return last.length === 0 ? true : undefined;
        });
    } catch {
        assert.deepStrictEqual(last, [], `objects of ${prefix} left in ${namespace}`);
    }
}

/** Runs one container to its end in a throw-away pod and returns its phase and log. */
async function runPodOnce(
    namespace: string,
    name: string,
    image: string,
    command: string[],
    timeoutMs: number,
    labels: Readonly<Record<string, string>> = {},
): Promise<{ phase: string; log: string }> {
    const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, labels: { ...labels, "arkouda-workflows/it": "probe" } },
        spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            containers: [{ name: "probe", image, imagePullPolicy: "Never", command }],
        },
    };
    await kubectl(["create", "-n", namespace, "-f", "-"], { input: JSON.stringify(pod) });
    try {
        const done = await waitFor(`pod ${name}`, timeoutMs, async () => {
            const p = await getObject("pod", name, namespace);
            return ["Succeeded", "Failed"].includes(p?.status?.phase) ? p : undefined;
        });
        // The API server reads the log from the kubelet; under load its connection to the kubelet
        // can fail once ("use of closed network connection") although the log is there.
        let logs = await kubectl(["logs", name, "-n", namespace], { check: false });
        for (let attempt = 1; attempt < 5 && logs.code !== 0; attempt++) {
            await sleep(1000);
            logs = await kubectl(["logs", name, "-n", namespace], { check: false });
        }
        if (done.status.phase !== "Succeeded" || logs.code !== 0 || !logs.stdout.trim()) {
            // What the caller's assertion cannot show: how the container ended and why no log came.
            const states = (done.status.containerStatuses ?? []).map((c: any) => c.state);
            log(
                `pod ${namespace}/${name}: ${done.status.phase}, ${JSON.stringify(states)}; kubectl logs exited ${logs.code}: ${logs.stderr.trim()}`,
            );
        }
        return { phase: done.status.phase, log: logs.stdout };
    } finally {
        await kubectl(["delete", "pod", name, "-n", namespace, "--ignore-not-found", "--wait=false"], { check: false });
    }
}

/**
 * Runs a pod (the server stand-in image: python3 + zmq) that sends one Arkouda request to
 * host:port and returns its log: the reply's msg, or fails when none came.
 */
export async function probeFromPod(
    namespace: string,
    image: string,
    host: string,
    port: number,
    cmd = "ruok",
    name = `probe-${Math.random().toString(36).slice(2, 7)}`,
): Promise<{ phase: string; log: string }> {
    const { phase, log } = await runPodOnce(
        namespace,
        name,
        image,
        ["python3", "-c", ARKOUDA_REQUEST, host, String(port), cmd, "60"],
        120_000,
    );
    return { phase, log: log.trim() };
}

/**
 * HTTP GET from a pod (curl in the stand-in image). It scrapes, so it carries the label the
 * default `networkPolicy.prometheus` admits to the exporters' /metrics.
 */
export function httpFromPod(
    namespace: string,
    image: string,
    url: string,
    name = `curl-${Math.random().toString(36).slice(2, 7)}`,
): Promise<{ phase: string; log: string }> {
    const curl = [
        "curl",
        "--silent",
        "--show-error",
        "--fail",
        "--retry",
        "10",
        "--retry-delay",
        "2",
        "--retry-all-errors",
        "--max-time",
        "60",
        url,
    ];
    return runPodOnce(namespace, name, image, curl, 150_000, PROMETHEUS_POD_LABELS);
}

export function writeFileIn(dir: string, name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

export { sleep };
