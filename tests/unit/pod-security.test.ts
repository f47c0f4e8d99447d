/**
 * Every pod the program and its workflows create, as the templates render it, held to the Pod
 * Security level docs/security.md claims for it (components/pod-security.ts POD_SECURITY), with
 * Pod Security Admission's checks (tests/lib/pod-security.ts): the step pods and the exporter
 * pass `restricted`; the Arkouda server and locales pass `baseline`, and `restricted` refuses them
 * for exactly the reasons the docs give. Their capabilities are the image contract's privilege
 * rows, and a namespace the program creates carries the configured admission labels.
 */
import * as assert from "assert";
import { BASELINE_CAPABILITIES, containerCapabilities, PRIVILEGE_CONTRACT } from "../../components/image-contract";
import { POD_SECURITY, PodSecurityRow } from "../../components/pod-security";
import { arkoudaParameters, exporterParameters } from "../../components/workflow-templates";
import { configOf, ofType, runProgram } from "../lib/mock-program";
import { argoStepPod, levelOf, PodSpec, violations } from "../lib/pod-security";
import { allWorkflowTemplates, deployArkoudaTemplate, deployExporterTemplate } from "../lib/templates";
import { fixtureExporter, fixtureInstance, fixtureNamespace as ns, fixtureRunAsInstance } from "./fixtures";
import { manifestsOf } from "./render-helpers";

const row = (pod: PodSecurityRow["pod"]) => POD_SECURITY.find((r) => r.pod === pod)!;

/** The pods a deploy applies, as Argo hands them to the API server. */
function deployedPods(instance = fixtureInstance) {
    const wt = deployArkoudaTemplate(ns, instance);
    const parameters = arkoudaParameters(instance);
    const [server] = manifestsOf(wt, "deploy-server", parameters) as any[];
    const [plain] = manifestsOf(wt, "deploy-server-without-metrics", parameters) as any[];
    const [prioritized] = manifestsOf(wt, "deploy-server-with-priority-class", parameters) as any[];
    const [plainPrioritized] = manifestsOf(wt, "deploy-server-without-metrics-with-priority-class", parameters) as any[];
    const [locales] = manifestsOf(wt, "deploy-locales", parameters) as any[];
    const [exporter] = manifestsOf(
        deployExporterTemplate(ns, fixtureExporter),
        "deploy-exporter",
        exporterParameters(fixtureExporter),
    ) as any[];
    return {
        server: server.spec as PodSpec,
        plainServer: plain.spec as PodSpec,
        prioritizedServer: prioritized.spec as PodSpec,
        plainPrioritizedServer: plainPrioritized.spec as PodSpec,
        locale: locales.spec.template.spec as PodSpec,
        exporter: exporter.spec.template.spec as PodSpec,
    };
}

describe("pod security: the pods a deploy creates", () => {
    const pods = deployedPods();

    for (const [pod, variant, spec] of [
        ["server", "", pods.server],
        ["server", ", without metrics", pods.plainServer],
        ["server", ", with a priority class", pods.prioritizedServer],
        ["server", ", without metrics, with a priority class", pods.plainPrioritizedServer],
        ["locale", "", pods.locale],
        ["exporter", "", pods.exporter],
    ] as const) {
        const claimed = row(pod);
        it(`${claimed.name}${variant}: passes ${claimed.level}, and restricted refuses exactly what the docs name`, () => {
            assert.strictEqual(levelOf(spec), claimed.level, JSON.stringify(violations(spec, "restricted")));
            assert.deepStrictEqual(violations(spec, "restricted"), [...claimed.restrictedGaps].sort());
        });
    }

    it("the metrics sidecar is a restricted container in the server's pod", () => {
        const sidecar = pods.server.initContainers!;
        assert.strictEqual(sidecar.length, 1);
        const alone: PodSpec = {
            securityContext: pods.server.securityContext,
            containers: sidecar,
            volumes: [{ name: "home", emptyDir: {} }],
        };
        assert.strictEqual(levelOf(alone), row("metrics-sidecar").level);
    });

    it("a run-as user other than ubuntu changes nothing of it", () => {
        const other = deployedPods(fixtureRunAsInstance);
        assert.deepStrictEqual(other.server.containers[0].securityContext, pods.server.containers[0].securityContext);
        assert.strictEqual(levelOf(other.locale), "baseline");
    });

    it("data volumes from claims and an fsGroup keep the server and locales at baseline; a node directory takes them below it", () => {
        const claims = deployedPods(fixtureRunAsInstance);
        assert.strictEqual(claims.server.securityContext?.fsGroup, fixtureRunAsInstance.runAs!.gid);
        for (const spec of [claims.server, claims.locale]) assert.strictEqual(levelOf(spec), "baseline");
        // Why config refuses a hostPath volume in a namespace it creates at baseline (or restricted).
        const node = deployedPods({
            ...fixtureRunAsInstance,
            volumes: [{ name: "node", mountPath: "/data/node", hostPath: { path: "/srv/arkouda" } }],
        });
        for (const spec of [node.server, node.locale]) {
            assert.strictEqual(levelOf(spec), "privileged");
            assert.deepStrictEqual(violations(spec, "baseline"), ["hostPath volumes"]);
        }
    });

    it("the server and locale containers add exactly the capabilities of the contract's privilege rows, drop all others and never escalate", () => {
        for (const [container, c] of [
            ["server", pods.server.containers[0]],
            ["locale", pods.locale.containers[0]],
        ] as const) {
            const sc = c.securityContext!;
            assert.deepStrictEqual(sc.capabilities, { add: containerCapabilities(container), drop: ["ALL"] });
            assert.strictEqual(sc.allowPrivilegeEscalation, false);
            assert.strictEqual(sc.privileged, false);
            assert.strictEqual(sc.runAsUser, 0, "sshd and the launch scripts need root (uid 0 rows)");
        }
        assert.strictEqual(pods.server.securityContext?.seccompProfile?.type, "RuntimeDefault");
        assert.strictEqual(pods.locale.securityContext?.seccompProfile?.type, "RuntimeDefault");
    });

    it("every privilege row names a baseline capability (or uid 0), who needs it, why, and a source", () => {
        for (const r of PRIVILEGE_CONTRACT) {
            assert.ok(r.need === "uid 0" || (BASELINE_CAPABILITIES as readonly string[]).includes(r.need), r.need);
            assert.ok(r.why.length > 0 && r.source.length > 0, `${r.actor} ${r.need}`);
        }
        assert.deepStrictEqual(containerCapabilities("server"), [
            "AUDIT_WRITE",
            "CHOWN",
            "DAC_OVERRIDE",
            "FOWNER",
            "KILL",
            "NET_BIND_SERVICE",
            "SETGID",
            "SETUID",
            "SYS_CHROOT",
        ]);
    });

    it("the Secrets the launch scripts read as root are readable by root alone", () => {
        for (const spec of [pods.server, pods.locale]) {
            for (const v of (spec.volumes ?? []).filter((v: any) => v.secret && v.name !== "sa-token"))
                assert.strictEqual((v as any).secret.defaultMode, 0o400, String(v.name));
        }
    });

    it("the exporter runs as nobody with a home of its own (the arkouda client writes ~/.arkouda)", () => {
        for (const c of [pods.server.initContainers![0], pods.exporter.containers[0]]) {
            assert.strictEqual(c.securityContext!.runAsUser, 65534);
            const home = (c.env as { name: string; value: string }[]).find((e) => e.name === "HOME")!.value;
            const mount = (c.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.mountPath === home);
            assert.ok(mount, `no volume at HOME ${home}`);
        }
    });
});

describe("signals reach the exporter", () => {
    const pods = deployedPods();

    it("every pod an exporter runs in shares one process namespace, so the sandbox's pause, not the exporter, is PID 1", () => {
        // As PID 1 the exporter (no SIGTERM handler) ignores SIGTERM and every delete waits out the grace period.
        for (const [name, spec] of Object.entries(pods)) {
            const hasExporter = [...(spec.initContainers ?? []), ...spec.containers].some((c) => c.securityContext?.runAsUser === 65534);
            if (hasExporter) assert.strictEqual(spec.shareProcessNamespace, true, name);
        }
        assert.strictEqual(pods.server.shareProcessNamespace, true);
        assert.strictEqual(pods.exporter.shareProcessNamespace, true);
    });

    it("the locales keep a process namespace of their own: their launch script handles SIGTERM itself", () => {
        assert.strictEqual(pods.locale.shareProcessNamespace, undefined);
    });
});

describe("pod security beside placement", () => {
    const pods = deployedPods();

    it("every Arkouda and exporter pod carries its placement and its security context together", () => {
        for (const [name, spec] of Object.entries(pods)) {
            const placed = name === "exporter" ? fixtureExporter.pods : fixtureInstance.pods;
            assert.deepStrictEqual(spec.nodeSelector, placed.nodeSelector, name);
            assert.deepStrictEqual(spec.affinity, placed.affinity, name);
            assert.deepStrictEqual((spec.tolerations as object[]).slice(0, placed.tolerations.length), placed.tolerations, name);
            assert.strictEqual(spec.securityContext?.seccompProfile?.type, "RuntimeDefault", name);
            for (const c of [...(spec.initContainers ?? []), ...spec.containers])
                assert.strictEqual(c.securityContext?.allowPrivilegeEscalation, false, `${name}/${c.name}`);
        }
    });

    it("every step pod, as Argo builds it, keeps the workflow pods' placement and its priority beside its restricted context", () => {
        for (const wt of allWorkflowTemplates(ns, fixtureInstance, fixtureExporter)) {
            for (const t of wt.spec.templates!.filter((t) => t.container || t.resource)) {
                const where = `${wt.metadata.name}/${t.name}`;
                const pod = argoStepPod(t, wt.spec);
                assert.deepStrictEqual(pod.nodeSelector, ns.workflowPods.nodeSelector, where);
                assert.deepStrictEqual(pod.tolerations, ns.workflowPods.tolerations, where);
                assert.strictEqual(pod.priorityClassName, t.priorityClassName ?? ns.workflowPods.priorityClassName, where);
                assert.deepStrictEqual(violations(pod, "restricted"), [], where);
            }
        }
    });

    it("the executor patch touches only Argo's own executor containers (their securityContext, a waiting resource step's poll interval), so it cannot undo a placement", () => {
        for (const wt of allWorkflowTemplates(ns, fixtureInstance, fixtureExporter)) {
            for (const t of wt.spec.templates!.filter((t) => t.container || t.resource)) {
                const where = `${wt.metadata.name}/${t.name}`;
                if (t.resource && !t.resource.successCondition) {
                    assert.strictEqual(t.podSpecPatch, undefined, where);
                    continue;
                }
                const patch = JSON.parse(t.podSpecPatch ?? "{}");
                const entries = [...(patch.initContainers ?? []), ...patch.containers] as Record<string, unknown>[];
                assert.deepStrictEqual(
                    entries.map((e) => [e.name, Object.keys(e).sort()]),
                    t.container
                        ? [
                              ["init", ["name", "securityContext"]],
                              ["wait", ["name", "securityContext"]],
                          ]
                        : [["main", ["env", "name"]]],
                    where,
                );
                assert.deepStrictEqual(Object.keys(patch).sort(), t.container ? ["containers", "initContainers"] : ["containers"]);
            }
        }
    });

    it("no step sets an executor variable the pinned executor ignores (the emissary wait's interval; a poll a delete never makes)", () => {
        for (const wt of allWorkflowTemplates(ns, fixtureInstance, fixtureExporter)) {
            for (const t of wt.spec.templates!.filter((t) => t.container || t.resource)) {
                const where = `${wt.metadata.name}/${t.name}`;
                assert.doesNotMatch(t.podSpecPatch ?? "", /WAIT_CONTAINER_STATUS_CHECK_INTERVAL/, where);
                if (t.resource?.action === "delete") assert.doesNotMatch(t.podSpecPatch ?? "", /RESOURCE_STATE_CHECK_INTERVAL/, where);
            }
        }
    });
});

describe("pod security: the workflow step pods", () => {
    const templates = allWorkflowTemplates(ns, fixtureInstance, fixtureExporter);

    for (const wt of templates) {
        for (const t of wt.spec.templates!.filter((t) => t.container || t.resource)) {
            it(`${wt.metadata.name} / ${t.name}: ${row("step").level}`, () => {
                const pod = argoStepPod(t, wt.spec);
                assert.deepStrictEqual(violations(pod, "restricted"), []);
            });
        }
    }

    it("without the patch, a container step's init and wait containers would not be restricted (why the patch exists)", () => {
        const wt = templates[0];
        const t = wt.spec.templates!.find((x) => x.container)!;
        const pod = argoStepPod({ ...t, podSpecPatch: undefined }, wt.spec);
        assert.deepStrictEqual(violations(pod, "restricted"), ["allowPrivilegeEscalation != false", "unrestricted capabilities"]);
    });

    it("without the workflow's securityContext, no container step's pod would be restricted", () => {
        const steps = templates.flatMap((wt) => wt.spec.templates!.filter((x) => x.container).map((t) => ({ wt, t })));
        assert.ok(steps.length > 0);
        for (const { wt, t } of steps) {
            assert.ok(
                violations(argoStepPod(t, { ...wt.spec, securityContext: undefined }), "restricted").includes("runAsNonRoot != true"),
                `${wt.metadata.name}/${t.name}`,
            );
        }
    });
});

describe("pod security: the checker itself", () => {
    it("refuses a privileged container at baseline and passes a bare one", () => {
        assert.deepStrictEqual(violations({ containers: [{ name: "c", securityContext: { privileged: true } }] }, "baseline"), [
            "privileged",
        ]);
        const bare: PodSpec = { containers: [{ name: "c" }] };
        assert.strictEqual(levelOf(bare), "baseline");
        assert.deepStrictEqual(violations(bare, "restricted"), [
            "allowPrivilegeEscalation != false",
            "runAsNonRoot != true",
            "seccompProfile",
            "unrestricted capabilities",
        ]);
    });

    it("refuses a capability baseline does not allow, and hostPath volumes", () => {
        const spec: PodSpec = {
            containers: [{ name: "c", securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }],
            volumes: [{ name: "h", hostPath: { path: "/" } }],
        };
        assert.deepStrictEqual(violations(spec, "baseline"), ["hostPath volumes", "non-default capabilities"]);
    });
});

describe("pod security: the namespace", function () {
    this.timeout(60000);

    it("a namespace the program creates carries the admission labels: enforce baseline, warn and audit restricted by default", async () => {
        const run = await runProgram(configOf({ instances: [{ name: "ark" }] }));
        const [namespace] = ofType(run, "kubernetes:core/v1:Namespace");
        assert.deepStrictEqual(namespace.inputs.metadata.labels, {
            "app.kubernetes.io/part-of": "arkouda-workflows",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/warn": "restricted",
        });
    });

    it("takes the configured levels", async () => {
        const run = await runProgram(
            configOf({
                exporters: [{ name: "x", metricsServiceHost: "h" }],
                podSecurity: { enforce: "restricted", warn: "restricted", audit: "baseline" },
            }),
        );
        const labels = ofType(run, "kubernetes:core/v1:Namespace")[0].inputs.metadata.labels;
        assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.strictEqual(labels["pod-security.kubernetes.io/audit"], "baseline");
    });

    it("refuses enforce: restricted for a namespace with Arkouda instances, naming the key, the value and what to do", () => {
        assert.throws(
            () => configOf({ instances: [{ name: "ark" }], podSecurity: { enforce: "restricted" } }),
            (e: Error) =>
                /arkouda-workflows:podSecurity\.enforce would refuse the Arkouda server and locale pods of cluster default \(ark\).*use baseline.*\(got "restricted"\)/.test(
                    e.message,
                ),
        );
    });

    it("does not label a namespace it does not create", async () => {
        const run = await runProgram(
            configOf({ instances: [{ name: "ark" }], createNamespace: false, podSecurity: { enforce: "restricted" } }),
        );
        assert.strictEqual(ofType(run, "kubernetes:core/v1:Namespace").length, 0);
    });
});
