/**
 * Pod Security, authentication and secrets on the local node, in a namespace a real `pulumi up`
 * creates with the default `podSecurity` (enforce baseline, warn and audit restricted). The stack
 * has ark-s (2 locales, metrics on), ark-t (1 locale, `authenticate`, its deploy a declared run)
 * and a standalone exporter reading ark-s.
 *
 *  - the namespace carries the admission labels; the API server refuses a privileged probe pod
 *    there (negative control) and warns on a root pod (the warnings reach whoever creates a pod);
 *  - deploy (metrics on), the standalone exporter's deploy and delete, a CronWorkflow's run, the
 *    `pulumi up` run of the authenticating instance and delete all Succeed under `baseline`;
 *  - the API server's own evaluation (a server-side dry run of `enforce=restricted` on the
 *    namespace) names exactly the Arkouda server and locale pods, for exactly the reasons
 *    docs/security.md gives; `enforce=baseline` names none; the workflow-controller, which creates
 *    every step pod, is never warned, while a step pod without our securityContext is (control);
 *  - with `authenticate`: a request without the token is refused, with the token from the Secret
 *    (mounted into the client pod) answered; the Secret's token is the secret stack output's;
 *  - neither the token nor the SSH private key appears in any object of the namespace but their
 *    Secrets (templates, CronWorkflows, Workflows, pod specs, ConfigMaps, events ...), in any
 *    step's log, the Arkouda pods' logs, the controller's log or the stack's state;
 *  - a rotation by config gives a new token; the running server keeps the old one until its next
 *    start; after a delete and a deploy the old one is refused and the new one answered.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { getObject, kubectl, listObjects, log, summarizeWorkflow, waitFor, WorkflowController } from "../argo/kube";
import { POD_SECURITY } from "../../../components/pod-security";
import {
    cronWorkflowRun,
    DELETE,
    DELETE_EXPORTER,
    DEPLOY,
    DEPLOY_EXPORTER,
    httpFromPod,
    namespacedKinds,
    requireNode,
    setParameter,
    standinRefs,
    submit,
    waitSucceeded,
    SMALL_EXPORTER,
    SMALL_PODS,
    SMALL_SIDECAR,
} from "./node-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-sec-${RUN_ID}`;
const S = "ark-s";
const T = "ark-t";
const EXPORTER = "exp-s";
/** The CronWorkflow that fires, and the instance it deploys. */
const CRON_PROBE = "cron-fires";
const CRON_INSTANCE = "ark-cron";
const DEADLINES = { deploySeconds: 300, deleteSeconds: 180, localeReadySeconds: 90, serverReadySeconds: 90 };
const KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.36.3";

function stackConfig(kubeconfig: string, o: { run: boolean; rotation?: string }): Record<string, unknown> {
    const suspended = { deploy: { suspend: true }, delete: { suspend: true } };
    return {
        namespace: NS,
        deadlines: DEADLINES,
        instances: [
            {
                name: S,
                locales: 2,
                ...SMALL_PODS,
                metrics: { enabled: true, pollingIntervalSeconds: 2, ...SMALL_SIDECAR },
                schedules: suspended,
            },
            {
                name: T,
                locales: 1,
                ...SMALL_PODS,
                metrics: { enabled: false },
                authenticate: true,
                ...(o.rotation ? { tokenRotation: o.rotation } : {}),
                schedules: suspended,
                ...(o.run ? { run: { action: "deploy", wait: true, timeoutSeconds: 600 } } : {}),
            },
        ],
        exporters: [{ name: EXPORTER, metricsServiceHost: `${S}-metrics`, pollingIntervalSeconds: 2, ...SMALL_EXPORTER }],
        clusters: [{ name: "node", kubeconfig }],
    };
}

/**
 * One Arkouda request from a pod, with the token of `tokenSecret` mounted as a file (a client
 * reads it from the instance's Secret), or none. Prints the reply's msgType and msg.
 */
const TOKEN_REQUEST = String.raw`
import json, sys, zmq
host, port, cmd, token_file = sys.argv[1:5]
token = open(token_file).read().strip() if token_file != "-" else ""
s = zmq.Context().socket(zmq.REQ)
s.setsockopt(zmq.LINGER, 0)
s.setsockopt(zmq.RCVTIMEO, 20000)
s.connect("tcp://%s:%s" % (host, port))
s.send_string(json.dumps({"user": "it", "token": token, "cmd": cmd, "format": "STRING", "args": "", "size": -1}))
reply = json.loads(s.recv_string())
print(reply["msgType"], reply["msg"])
`;

/** A probe pod that passes `restricted`, so it never shows among the pods admission names. */
const RESTRICTED_PROBE = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
};

/** Logs of every container of every workflow pod, collected as the pods finish (before pod GC). */
class StepLogs {
    readonly logs = new Map<string, string>();
    private stopped = false;
    private loop?: Promise<void>;

    start(): void {
        this.loop = (async () => {
            while (!this.stopped) {
                await this.collect(false).catch(() => undefined);
                await new Promise((r) => setTimeout(r, 1000));
            }
        })();
    }

    async collect(all: boolean): Promise<void> {
        for (const pod of await listObjects("pods", NS, "workflows.argoproj.io/workflow")) {
            const done = ["Succeeded", "Failed"].includes(pod.status?.phase);
            for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
                const key = `${pod.metadata.name}/${c.name}`;
                if (this.logs.has(key) || (!done && !all)) continue;
                const r = await kubectl(["logs", pod.metadata.name, "-n", NS, "-c", c.name], { check: false });
                if (r.code === 0) this.logs.set(key, r.stdout);
            }
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.loop;
        await this.collect(true);
    }
}

describe("security on the local node: Pod Security, authentication, no secret in plain sight", function () {
    this.timeout(1_200_000);
    let project: PulumiProject;
    let controller: WorkflowController;
    let refs: { server: string; exporter: string };
    let kinds: string[];
    const steps = new StepLogs();
    const pulumiOutput: string[] = [];

    const up = async () => {
        const outcome = await project.up({ check: false });
        pulumiOutput.push(outcome.exec.stdout, outcome.exec.stderr);
        assert.strictEqual(outcome.exec.code, 0, `${outcome.exec.stdout.slice(-2000)}\n${outcome.exec.stderr.slice(-2000)}`);
    };

    /** A Workflow with exactly the parameters of an instance's CronWorkflow. */
    async function submitLike(cron: string, overrides: Record<string, string> = {}): Promise<string> {
        const c = await getObject("cronworkflow", cron, NS);
        assert.ok(c, `CronWorkflow ${cron} is missing`);
        const params = structuredClone(c.spec.workflowSpec.arguments?.parameters ?? []);
        for (const [k, v] of Object.entries(overrides)) setParameter(params, k, v);
        const wf = {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Workflow",
            metadata: { generateName: `${c.spec.workflowSpec.workflowTemplateRef.name}-`, namespace: NS },
            spec: { ...c.spec.workflowSpec, arguments: { parameters: params } },
        };
        const r = await kubectl(["create", "-n", NS, "-f", "-", "-o", "json"], { input: JSON.stringify(wf) });
        return JSON.parse(r.stdout).metadata.name;
    }

    async function request(host: string, cmd: string, tokenSecret?: string): Promise<string> {
        const name = `tok-${Math.random().toString(36).slice(2, 7)}`;
        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, labels: { "arkouda-workflows/it": "probe" } },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: RESTRICTED_PROBE.securityContext,
                containers: [
                    {
                        name: "probe",
                        image: refs.server,
                        imagePullPolicy: "Never",
                        command: ["python3", "-c", TOKEN_REQUEST, host, "5555", cmd, tokenSecret ? "/token/token" : "-"],
                        securityContext: RESTRICTED_PROBE.container,
                        ...(tokenSecret ? { volumeMounts: [{ name: "token", mountPath: "/token", readOnly: true }] } : {}),
                    },
                ],
                ...(tokenSecret ? { volumes: [{ name: "token", secret: { secretName: tokenSecret } }] } : {}),
            },
        };
        await kubectl(["create", "-n", NS, "-f", "-"], { input: JSON.stringify(pod) });
        try {
            await waitFor(`probe ${name}`, 120_000, async () => {
                const p = await getObject("pod", name, NS);
                return ["Succeeded", "Failed"].includes(p?.status?.phase) ? true : undefined;
            });
            return (await kubectl(["logs", name, "-n", NS], { check: false })).stdout.trim();
        } finally {
            await kubectl(["delete", "pod", name, "-n", NS, "--ignore-not-found", "--wait=true"], { check: false });
        }
    }

    const secretValue = async (name: string, key: string) =>
        Buffer.from((await getObject("secret", name, NS)).data[key], "base64").toString("utf8");

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        refs = await standinRefs();
        await requireNode([refs.server, refs.exporter, KUBECTL_IMAGE]);
        kinds = await namespacedKinds();
        project = await PulumiProject.create("node-security", "it-node-security");
        // The namespace first (the controller needs it), the declared run once the controller runs.
        project.writeConfig(stackConfig(testEnv().kubeconfig, { run: false }));
        await up();
        const dir = path.join(testEnv().tmpRoot, "node-security");
        fs.mkdirSync(dir, { recursive: true });
        // Finished step pods stay a while so their logs can be read.
        controller = new WorkflowController(NS, path.join(dir, "workflow-controller.log"), {
            workflowDefaults: { spec: { podGC: { deleteDelayDuration: "30m" } } },
        });
        await controller.start();
        steps.start();
        log(`security tests: namespace ${NS}, controller log ${controller.logFile}`);
    });

    after(async function () {
        await steps.stop().catch(() => undefined);
        await controller?.stop();
        if (project && process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await project.cleanUp([NS]);
    });

    describe("the namespace", function () {
        it("carries the Pod Security Admission labels of the default podSecurity", async () => {
            const labels = JSON.parse((await kubectl(["get", "namespace", NS, "-o", "json"])).stdout).metadata.labels ?? {};
            assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "baseline");
            assert.strictEqual(labels["pod-security.kubernetes.io/warn"], "restricted");
            assert.strictEqual(labels["pod-security.kubernetes.io/audit"], "restricted");
        });

        it("refuses a privileged pod (negative control: enforcement is on)", async () => {
            const pod = {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "privileged-probe" },
                spec: { containers: [{ name: "c", image: refs.server, command: ["true"], securityContext: { privileged: true } }] },
            };
            const r = await kubectl(["create", "-n", NS, "-f", "-"], { input: JSON.stringify(pod), check: false });
            assert.notStrictEqual(r.code, 0, "a privileged pod was admitted");
            assert.match(r.stderr, /violates PodSecurity "baseline:latest": privileged/);
        });

        it("warns whoever creates a pod that violates restricted (the channel the step pods are checked by)", async () => {
            const pod = {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "root-probe" },
                spec: { containers: [{ name: "c", image: refs.server, command: ["true"] }] },
            };
            const r = await kubectl(["create", "-n", NS, "-f", "-", "--dry-run=server"], { input: JSON.stringify(pod) });
            assert.match(r.stderr, /Warning: would violate PodSecurity "restricted:latest"/);
        });
    });

    describe("every workflow Succeeds under enforce baseline", function () {
        /** A CronWorkflow's run: it fires at the next minute, so it starts here and its case reads it last. */
        let cronRun: Promise<any>;

        before(function () {
            cronRun = cronWorkflowRun(
                NS,
                `${S}-deploy`,
                CRON_PROBE,
                { "instance-name": CRON_INSTANCE, "metrics-enabled": "false" },
                (DEADLINES.deploySeconds + 60) * 1000,
            );
            // Read by its case; a rejection before then is reported there, not as unhandled.
            cronRun.catch(() => undefined);
        });

        it(`deploy ${S} (metrics on)`, async () => {
            await waitSucceeded(NS, await submit(NS, DEPLOY), (DEADLINES.deploySeconds + 60) * 1000);
            assert.strictEqual(await request(S, "ruok"), "NORMAL imok");
        });

        it(`the standalone exporter's deploy, serving ${S}'s metrics as nobody`, async () => {
            await waitSucceeded(NS, await submit(NS, DEPLOY_EXPORTER), 300_000);
            const r = await httpFromPod(NS, refs.server, `http://${EXPORTER}:5080/metrics`);
            assert.strictEqual(r.phase, "Succeeded", r.log);
            assert.match(r.log, /arkouda_server_information_info\{/);
        });

        it(`the pulumi up run of ${T} (authenticate)`, async () => {
            project.writeConfig(stackConfig(testEnv().kubeconfig, { run: true }));
            await up();
            const [run] = (await listObjects("workflows", NS, "arkouda-workflows/run=deploy")).filter((w) =>
                w.metadata.name.startsWith(`${T}-deploy-`),
            );
            assert.strictEqual(run?.status?.phase, "Succeeded", summarizeWorkflow(run));
        });

        it("a CronWorkflow's run", async () => {
            try {
                const wf = await cronRun;
                assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
            } finally {
                await kubectl(["delete", "cronworkflow", CRON_PROBE, "-n", NS, "--ignore-not-found"], { check: false });
            }
            await waitSucceeded(NS, await submitLike(`${S}-delete`, { "instance-name": CRON_INSTANCE }), 300_000);
        });
    });

    describe("what the API server says of the running pods", function () {
        const arkoudaPods = async () =>
            (await listObjects("pods", NS, "app.kubernetes.io/name=arkouda,app.kubernetes.io/component in (server,locale)")).filter(
                (p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp,
            );
        const dryRun = async (level: string) =>
            (await kubectl(["label", "namespace", NS, `pod-security.kubernetes.io/enforce=${level}`, "--overwrite", "--dry-run=server"]))
                .stderr;

        before(async () => {
            // The tests' own probe pods (curl, a client) are not what is evaluated here.
            await waitFor("no probe pod left", 120_000, async () =>
                (await listObjects("pods", NS, "arkouda-workflows/it=probe")).length === 0 ? true : undefined,
            );
        });

        it("enforce=baseline: no pod violates it", async () => {
            assert.doesNotMatch(await dryRun("baseline"), /violate/);
        });

        it("enforce=restricted: exactly the Arkouda server and locale pods violate it, for exactly the reasons the docs give", async () => {
            const text = await dryRun("restricted");
            log(`restricted, as the API server evaluates the running pods:\n${text.trim()}`);
            const warnings = [...text.matchAll(/^Warning: (\S+)(?: \(and (\d+) other pods?\))?: (.+)$/gm)]
                .filter((m) => !m[0].includes("existing pods in namespace"))
                .map((m) => ({ pod: m[1], count: 1 + Number(m[2] ?? 0), reasons: m[3].split(", ").sort() }));
            const expected = [...POD_SECURITY.find((r) => r.pod === "server")!.restrictedGaps].sort();
            assert.deepStrictEqual([...POD_SECURITY.find((r) => r.pod === "locale")!.restrictedGaps].sort(), expected);
            assert.strictEqual(warnings.length, 1, text);
            assert.deepStrictEqual(warnings[0].reasons, expected);
            const running = await arkoudaPods();
            // ark-s: server + 2 locales; ark-t: server + 1 locale.
            assert.strictEqual(running.length, 5, running.map((p) => p.metadata.name).join(", "));
            assert.strictEqual(warnings[0].count, running.length, text);
            assert.ok(running.some((p) => p.metadata.name === warnings[0].pod));
        });

        it("the step pods pass restricted: the workflow-controller, which creates them all, was never warned", async () => {
            assert.deepStrictEqual(
                controller.linesAbout("would violate PodSecurity"),
                [],
                "a step pod violates restricted (the controller's log holds the API server's warning)",
            );
        });
    });

    describe(`authentication (${T})`, function () {
        let token: string;

        before(async () => {
            token = await secretValue(`${T}-token`, "token");
        });

        it("the Secret's token is the secret stack output's", async () => {
            assert.match(token, /^[0-9A-Za-z]{32}$/);
            const outputs = JSON.parse((await project.pulumi(["stack", "output", "tokens", "--json", "--show-secrets"])).stdout);
            assert.strictEqual(outputs.node[T], token);
            const hidden = (await project.pulumi(["stack", "output", "--json"])).stdout;
            assert.ok(!hidden.includes(token), "the token shows without --show-secrets");
        });

        it("a request without the token is refused", async () => {
            assert.strictEqual(await request(T, "ruok"), "ERROR Error: access to arkouda requires a token");
        });

        it("a request with the token (the Secret mounted into the client) is answered", async () => {
            assert.strictEqual(await request(T, "ruok", `${T}-token`), "NORMAL imok");
        });

        it("the server printed its connect URL with the token masked", async () => {
            const text = (await kubectl(["logs", `${T}-server`, "-n", NS, "-c", "arkouda-udp-server"])).stdout;
            assert.match(text, /\?token=<token>/);
        });
    });

    describe("no secret in plain sight", function () {
        let needles: Record<string, string>;

        before(async () => {
            const token = await secretValue(`${T}-token`, "token");
            const key = await secretValue("arkouda-ssh", "id_rsa");
            const body = key.split("\n").filter((l) => l && !l.startsWith("-----"));
            needles = {
                token,
                "token (base64)": Buffer.from(token).toString("base64"),
                "SSH private key (a line of it)": body[Math.floor(body.length / 2)],
                "SSH private key (base64)": Buffer.from(key).toString("base64").slice(0, 64),
            };
            await steps.collect(true);
        });

        const hits = (what: string, text: string) =>
            Object.entries(needles)
                .filter(([, needle]) => text.includes(needle))
                .map(([name]) => `${name} in ${what}`);

        it("in no object of the namespace but the Secrets: templates, CronWorkflows, Workflows, pod specs, ConfigMaps, events", async () => {
            const kindsButSecrets = [...kinds.filter((k) => k !== "secrets"), "events"];
            const items: any[] = JSON.parse((await kubectl(["get", kindsButSecrets.join(","), "-n", NS, "-o", "json"])).stdout).items;
            assert.ok(items.some((o) => o.kind === "WorkflowTemplate") && items.some((o) => o.kind === "Pod"));
            assert.deepStrictEqual(
                items.flatMap((o) => hits(`${o.kind}/${o.metadata.name}`, JSON.stringify(o))),
                [],
            );
        });

        it("in no step's log (every container of every workflow pod)", async () => {
            assert.ok(steps.logs.size > 10, `only ${steps.logs.size} step logs collected`);
            assert.deepStrictEqual(
                [...steps.logs].flatMap(([key, text]) => hits(key, text)),
                [],
            );
        });

        it("in no log of the Arkouda and exporter pods, nor the workflow-controller's", async () => {
            const found: string[] = [];
            for (const pod of await listObjects("pods", NS, "app.kubernetes.io/name=arkouda")) {
                for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
                    const r = await kubectl(["logs", pod.metadata.name, "-n", NS, "-c", c.name], { check: false });
                    found.push(...hits(`${pod.metadata.name}/${c.name}`, r.stdout));
                }
            }
            found.push(...hits("the workflow-controller's log", controller.log()));
            assert.deepStrictEqual(found, []);
        });

        it("in neither the stack's state (secrets are ciphertext) nor pulumi's output", async () => {
            assert.deepStrictEqual(
                [...hits("pulumi stack export", await project.exportText(false)), ...hits("pulumi up's output", pulumiOutput.join("\n"))],
                [],
            );
        });
    });

    describe("a token rotation by config", function () {
        let oldToken: string;
        let newToken: string;

        before(async () => {
            oldToken = await secretValue(`${T}-token`, "token");
            project.writeConfig(stackConfig(testEnv().kubeconfig, { run: true, rotation: "r1" }));
            await up();
            newToken = await secretValue(`${T}-token`, "token");
            // The old token, for a client that still holds it.
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "old-token-")), "token");
            fs.writeFileSync(file, oldToken, { mode: 0o600 });
            await kubectl(["create", "secret", "generic", "old-token", "-n", NS, `--from-file=token=${file}`]);
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        });

        it("gives a new token", () => {
            assert.notStrictEqual(newToken, oldToken);
        });

        it("the running server keeps the token it started with", async () => {
            assert.strictEqual(await request(T, "ruok", "old-token"), "NORMAL imok");
        });

        it("the next deploy (after a delete) takes the new one: the old is refused, the new answered", async () => {
            await waitSucceeded(NS, await submitLike(`${T}-delete`), (DEADLINES.deleteSeconds + 60) * 1000);
            await waitSucceeded(NS, await submitLike(`${T}-deploy`), (DEADLINES.deploySeconds + 60) * 1000);
            assert.match(await request(T, "ruok", "old-token"), /^ERROR Error: token \S+ does not match server token/);
            assert.strictEqual(await request(T, "ruok", `${T}-token`), "NORMAL imok");
        });
    });

    describe("delete", function () {
        it("the standalone exporter's delete", async () => {
            await waitSucceeded(NS, await submit(NS, DELETE_EXPORTER), 300_000);
            assert.strictEqual(await getObject("deployment", EXPORTER, NS), undefined);
        });

        it(`delete ${S} and ${T}: nothing of either is left but ${T}'s token Secret, which is the stack's`, async () => {
            await waitSucceeded(NS, await submit(NS, DELETE), (DEADLINES.deleteSeconds + 60) * 1000);
            await waitSucceeded(NS, await submitLike(`${T}-delete`), (DEADLINES.deleteSeconds + 60) * 1000);
            const left = async () => {
                const items: any[] = JSON.parse((await kubectl(["get", kinds.join(","), "-n", NS, "-o", "json"])).stdout).items;
                return (
                    items
                        .filter((o) => [S, T].some((n) => o.metadata.name === n || o.metadata.name.startsWith(`${n}-`)))
                        // The stack's own objects (CronWorkflows, NetworkPolicies) stay until destroy.
                        .filter(
                            (o) =>
                                !o.metadata.labels?.["workflows.argoproj.io/workflow"] &&
                                !["Workflow", "WorkflowTaskResult", "CronWorkflow", "NetworkPolicy"].includes(o.kind),
                        )
                        .map((o) => `${o.kind}/${o.metadata.name}`)
                        .sort()
                );
            };
            let last: string[] = [];
            await waitFor("nothing of the instances left", 120_000, async () =>
                (last = await left()).length === 1 ? true : undefined,
            ).catch(() => undefined);
            assert.deepStrictEqual(last, [`Secret/${T}-token`]);
        });
    });
});
