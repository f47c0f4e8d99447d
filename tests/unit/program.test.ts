import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ancestors, configOf, Declared, ofType, ProgramRun, runProgram, valueOf, waitsFor } from "../lib/mock-program";
import { arkoudaRuntimeObjectRefs, exporterRuntimeObjectRefs } from "../../components/runtime-objects";

const instance = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });

const twoClusters = {
    instances: [instance("arkouda-a", { run: { action: "deploy", wait: true } }), instance("arkouda-b")],
    exporters: [{ name: "slurm-exporter", metricsServiceHost: "arkouda-metrics.hpc" }],
    rollout: { strategy: "waves" },
    clusters: [
        { name: "canary", context: "ctx-canary", wave: 0 },
        { name: "main", context: "ctx-main", namespace: "arkouda-main", wave: 1 },
    ],
};

const K8S = /^kubernetes:/;

function findOne(run: ProgramRun, predicate: (d: Declared) => boolean, what: string): Declared {
    const found = run.declared.filter(predicate);
    assert.strictEqual(found.length, 1, `expected exactly one ${what}, found ${found.map((d) => d.name).join(", ") || "none"}`);
    return found[0];
}

function kindOf(d: Declared): string | undefined {
    return d.inputs.kind;
}

describe("program: clusters and providers", function () {
    this.timeout(60000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgram(configOf(twoClusters));
    });

    it("creates one explicit kubernetes provider per cluster", () => {
        assert.deepStrictEqual(
            ofType(run, "pulumi:providers:kubernetes")
                .map((p) => p.name)
                .sort(),
            ["canary-kubernetes", "main-kubernetes"],
        );
    });

    it("points each provider at its cluster's context", () => {
        assert.deepStrictEqual(
            ofType(run, "pulumi:providers:kubernetes")
                .map((p) => p.inputs.context)
                .sort(),
            ["ctx-canary", "ctx-main"],
        );
    });

    it("declares no kubernetes resource on the default provider", () => {
        const k8sResources = run.declared.filter((d) => d.custom && K8S.test(d.type));
        assert.ok(k8sResources.length > 20);
        const offenders = k8sResources
            .filter((d) => !/::(canary|main)-kubernetes-id$/.test(d.provider))
            .map((d) => `${d.type} ${d.name} -> ${d.provider}`);
        assert.deepStrictEqual(offenders, []);
    });

    it("declares random resources on the cluster's explicit random provider", () => {
        const randoms = run.declared.filter((d) => d.custom && /^random:/.test(d.type));
        assert.ok(randoms.length > 0);
        assert.deepStrictEqual(
            randoms.filter((d) => !/-random-id$/.test(d.provider)).map((d) => d.name),
            [],
        );
    });

    it("keeps every resource under its cluster's component", () => {
        const orphans = run.declared
            .filter((d) => d.type !== "arkouda-workflows:cluster:ArkoudaCluster" && d.type !== "pulumi:pulumi:Stack")
            .filter((d) => !ancestors(d).some((a) => (a as any).__pulumiType === "arkouda-workflows:cluster:ArkoudaCluster"))
            .map((d) => `${d.type} ${d.name}`);
        assert.deepStrictEqual(orphans, []);
    });

    it("places each cluster's objects in that cluster's namespace", () => {
        const namespaced = run.declared.filter((d) => d.custom && K8S.test(d.type) && d.inputs.metadata?.namespace);
        const wrong = namespaced.filter((d) => d.inputs.metadata.namespace !== (d.name.startsWith("main-") ? "arkouda-main" : "arkouda"));
        assert.deepStrictEqual(
            wrong.map((d) => d.name),
            [],
        );
    });

    it("declares the four WorkflowTemplates once per cluster", () => {
        const names = run.declared
            .filter((d) => kindOf(d) === "WorkflowTemplate")
            .map((d) => `${d.inputs.metadata.namespace}/${d.inputs.metadata.name}`)
            .sort();
        assert.deepStrictEqual(names, [
            "arkouda-main/delete-arkouda-on-kubernetes",
            "arkouda-main/delete-prometheus-arkouda-exporter",
            "arkouda-main/deploy-arkouda-on-kubernetes",
            "arkouda-main/deploy-prometheus-arkouda-exporter",
            "arkouda/delete-arkouda-on-kubernetes",
            "arkouda/delete-prometheus-arkouda-exporter",
            "arkouda/deploy-arkouda-on-kubernetes",
            "arkouda/deploy-prometheus-arkouda-exporter",
        ]);
    });

    it("declares the launch scripts once per cluster, under the name the deploy's pods mount", () => {
        const maps = run.declared.filter((d) => kindOf(d) === "ConfigMap");
        assert.deepStrictEqual(maps.map((d) => `${d.inputs.metadata.namespace}/${d.inputs.metadata.name}`).sort(), [
            "arkouda-main/arkouda-launch-scripts",
            "arkouda/arkouda-launch-scripts",
        ]);
        for (const m of maps) {
            assert.deepStrictEqual(Object.keys(m.inputs.data).sort(), ["locale.sh", "server.sh"]);
            assert.match(m.inputs.data["server.sh"], /^#!\/bin\/bash/);
        }
        const deploy = run.declared.find(
            (d) => kindOf(d) === "WorkflowTemplate" && d.inputs.metadata.name === "deploy-arkouda-on-kubernetes",
        )!;
        const mounted = JSON.stringify(deploy.inputs.spec).match(/'configMap': \{'name': '([^']+)'\}/g) ?? [];
        assert.ok(mounted.length >= 5, JSON.stringify(mounted));
        for (const m of mounted) assert.ok(m.includes("'arkouda-launch-scripts'"), m);
    });

    it("declares no component per instance or exporter: its CronWorkflows and runs are the cluster's children", () => {
        const perTarget = run.declared.filter((d) => kindOf(d) === "CronWorkflow" || d.type === "arkouda-workflows:argo:WorkflowRun");
        assert.ok(perTarget.length > 0);
        assert.deepStrictEqual(
            perTarget.filter((d) => (d.opts.parent as any)?.__pulumiType !== "arkouda-workflows:cluster:ArkoudaCluster").map((d) => d.name),
            [],
        );
        assert.deepStrictEqual(
            run.declared.filter((d) => /:(ArkoudaTarget|Schedules)$/.test(d.type)).map((d) => d.name),
            [],
        );
    });

    it("aliases each CronWorkflow to its former Schedules parent, below ArkoudaTarget and below the cluster", async () => {
        const cron = run.declared.find((d) => kindOf(d) === "CronWorkflow" && d.name === "main-arkouda-a-schedules-deploy")!;
        const parents = await Promise.all(((cron.opts.aliases ?? []) as { parent: pulumi.Input<string> }[]).map((a) => valueOf(a.parent)));
        const cluster = "arkouda-workflows:cluster:ArkoudaCluster";
        assert.deepStrictEqual(
            parents.map((urn) => urn.replace(/^urn:pulumi:[^:]+::[^:]+::(pulumi:pulumi:Stack\$)?/, "")),
            [
                `${cluster}$arkouda-workflows:cluster:ArkoudaTarget$arkouda-workflows:argo:Schedules::main-arkouda-a-schedules`,
                `${cluster}$arkouda-workflows:argo:Schedules::main-arkouda-a-schedules`,
            ],
        );
    });

    it("aliases each WorkflowRun to its former ArkoudaTarget parent", async () => {
        const runs = run.declared.filter((d) => d.type === "arkouda-workflows:argo:WorkflowRun");
        assert.ok(runs.length > 0);
        for (const r of runs) {
            const parents = await Promise.all(((r.opts.aliases ?? []) as { parent: pulumi.Input<string> }[]).map((a) => valueOf(a.parent)));
            const target = r.name.replace(/-run$/, "");
            assert.deepStrictEqual(
                parents.map((urn) => urn.replace(/^urn:pulumi:[^:]+::[^:]+::(pulumi:pulumi:Stack\$)?/, "")),
                [`arkouda-workflows:cluster:ArkoudaCluster$arkouda-workflows:cluster:ArkoudaTarget::${target}`],
            );
        }
    });

    it("creates the namespace when asked to", () => {
        assert.deepStrictEqual(
            run.declared
                .filter((d) => kindOf(d) === "Namespace")
                .map((d) => d.inputs.metadata.name)
                .sort(),
            ["arkouda", "arkouda-main"],
        );
    });
});

describe("program: rollout waves", function () {
    this.timeout(60000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgram(configOf(twoClusters));
    });

    it("records which clusters the second wave waits for", () => {
        assert.deepStrictEqual([run.clusters.canary.waitsFor, run.clusters.main.waitsFor], [[], ["canary"]]);
    });

    it("makes the second wave's resources depend on the first wave's run completion", async () => {
        const gate = run.clusters.canary.gates;
        assert.strictEqual(gate.length, 1, "canary has one waited run");
        const mainChildren = run.declared.filter(
            (d) => d.custom && d.name.startsWith("main-") && K8S.test(d.type) && d.type !== "pulumi:providers:kubernetes",
        );
        assert.ok(mainChildren.length > 0);
        const missing = [];
        for (const child of mainChildren) {
            const deps = await valueOf(pulumi.output(child.opts.dependsOn as any));
            const list = Array.isArray(deps) ? deps : deps ? [deps] : [];
            if (!list.includes(gate[0])) missing.push(child.name);
        }
        assert.deepStrictEqual(missing, []);
    });

    it("does not hold the first wave behind anything", async () => {
        const canaryNamespace = findOne(run, (d) => kindOf(d) === "Namespace" && d.name === "canary-namespace", "canary namespace");
        assert.strictEqual(canaryNamespace.opts.dependsOn, undefined);
    });

    it("rolls all clusters out at once with the parallel strategy", async () => {
        const parallel = await runProgram(
            configOf({
                ...twoClusters,
                rollout: { strategy: "parallel" },
                clusters: twoClusters.clusters.map(({ wave: _wave, ...c }) => c),
            }),
        );
        assert.deepStrictEqual([parallel.clusters.canary.waitsFor, parallel.clusters.main.waitsFor], [[], []]);
    });
});

describe("program: identities", function () {
    this.timeout(60000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgram(configOf({ instances: [instance("arkouda-a")] }));
    });

    it("turns the Arkouda ServiceAccount's token automount off", () => {
        const account = findOne(run, (d) => kindOf(d) === "ServiceAccount" && d.inputs.metadata.name === "arkouda", "arkouda SA");
        assert.strictEqual(account.inputs.automountServiceAccountToken, false);
    });

    it("declares the service-account-token Secret for the Arkouda ServiceAccount", () => {
        const token = findOne(
            run,
            (d) => kindOf(d) === "Secret" && d.inputs.type === "kubernetes.io/service-account-token",
            "token secret",
        );
        assert.deepStrictEqual(
            [token.inputs.metadata.name, token.inputs.metadata.annotations["kubernetes.io/service-account.name"]],
            ["arkouda-token", "arkouda"],
        );
    });

    it("binds the workflow ServiceAccount to its Role", () => {
        const binding = findOne(
            run,
            (d) => kindOf(d) === "RoleBinding" && d.inputs.metadata.name === "arkouda-workflows",
            "workflow binding",
        );
        assert.deepStrictEqual([binding.inputs.roleRef.name, binding.inputs.subjects[0].name], ["arkouda-workflows", "arkouda-workflows"]);
    });

    it("grants the workflow Role no wildcard and nothing cluster-scoped", () => {
        const roles = run.declared.filter((d) => kindOf(d) === "Role");
        const rules = roles.flatMap((r) => r.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]);
        assert.ok(rules.length > 0);
        assert.ok(rules.every((r) => [...r.apiGroups, ...r.resources, ...r.verbs].every((s) => !s.includes("*"))));
        assert.strictEqual(run.declared.filter((d) => kindOf(d) === "ClusterRole" || kindOf(d) === "ClusterRoleBinding").length, 0);
    });

    it("binds the pod-discovery and service-registration Roles to the Arkouda ServiceAccount", () => {
        const bindings = run.declared
            .filter((d) => kindOf(d) === "RoleBinding" && d.inputs.subjects[0].name === "arkouda")
            .map((d) => d.inputs.roleRef.name)
            .sort();
        assert.deepStrictEqual(bindings, ["arkouda-pod-discovery", "arkouda-service-registration"]);
    });
});

describe("program: SSH secret", function () {
    this.timeout(60000);

    it("generates a key pair and keeps the private key a secret output", async () => {
        const run = await runProgram(configOf({}));
        const secret = findOne(run, (d) => kindOf(d) === "Secret" && d.inputs.metadata.name === "arkouda-ssh", "ssh secret");
        assert.ok(await pulumi.isSecret(pulumi.output(secret.props.stringData.id_rsa)), "id_rsa must be a secret");
        assert.deepStrictEqual(secret.secretPaths, ["stringData"]);
        assert.strictEqual(run.declared.filter((d) => d.type === "pulumi-nodejs:dynamic:SshKeyPair").length, 1);
    });

    it("makes the key pair without waiting for the namespace (so the dynamic provider starts early); the Secret waits for it", async () => {
        const run = await runProgram(configOf({}));
        const namespace = findOne(run, (d) => kindOf(d) === "Namespace", "namespace").resource!;
        const pair = findOne(run, (d) => d.type === "pulumi-nodejs:dynamic:SshKeyPair", "key pair");
        const secret = findOne(run, (d) => kindOf(d) === "Secret" && d.inputs.metadata.name === "arkouda-ssh", "ssh secret");
        // A child is registered only once its parent is: the parents' waits count as the pair's own.
        const chain = [pair, ...ancestors(pair).flatMap((a) => run.declared.filter((d) => d.resource === a))];
        assert.strictEqual(chain.length, 3, "pair, SshSecret, ArkoudaCluster");
        for (const d of chain) assert.ok(!waitsFor(run, d, namespace), `${d.name} waits for the namespace`);
        assert.ok(waitsFor(run, secret, namespace), "the SSH Secret does not wait for its namespace");
    });

    it("declares no Secret when an existing one is named", async () => {
        const run = await runProgram(configOf({ ssh: { source: "existing", secretName: "site-ssh" } }));
        assert.strictEqual(
            run.declared.filter((d) => kindOf(d) === "Secret" && d.inputs.type !== "kubernetes.io/service-account-token").length,
            0,
        );
    });

    it("builds the Secret from secret config and keeps it secret", async () => {
        const secrets = {
            kubeconfigs: {},
            sshKeyMaterial: { privateKey: pulumi.secret("PRIVATE"), publicKey: pulumi.output("ssh-rsa AAAA") },
        };
        const run = await runProgram(
            configOf({ ssh: { source: "config" }, sshPrivateKey: "x", sshPublicKey: "y" }, ["sshPrivateKey", "sshPublicKey"]),
            secrets,
        );
        const secret = findOne(run, (d) => kindOf(d) === "Secret" && d.inputs.metadata.name === "arkouda-ssh", "ssh secret");
        assert.deepStrictEqual([secret.inputs.stringData.id_rsa, secret.secretPaths], ["PRIVATE", ["stringData"]]);
    });
});

describe("program: schedules", function () {
    this.timeout(60000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgram(
            configOf({
                instances: [instance("arkouda-a", { locales: 3 }), instance("arkouda-b", { schedules: { delete: { enabled: false } } })],
            }),
        );
    });

    const crons = () => run.declared.filter((d) => kindOf(d) === "CronWorkflow");

    it("declares a deploy and a delete CronWorkflow per instance, leaving disabled ones out", () => {
        assert.deepStrictEqual(
            crons()
                .map((c) => c.inputs.metadata.name)
                .sort(),
            ["arkouda-a-delete", "arkouda-a-deploy", "arkouda-b-deploy"],
        );
    });

    const argumentsOf = (name: string) => {
        const cron = crons().find((c) => c.inputs.metadata.name === name)!;
        return Object.fromEntries(cron.inputs.spec.workflowSpec.arguments.parameters.map((p: any) => [p.name, p.value]));
    };

    it("gives the first instance's CronWorkflows no arguments: the templates' defaults are its values", () => {
        assert.deepStrictEqual([argumentsOf("arkouda-a-deploy"), argumentsOf("arkouda-a-delete")], [{}, {}]);
    });

    it("gives another instance's CronWorkflow only where it differs from the template's defaults", () => {
        assert.deepStrictEqual(argumentsOf("arkouda-b-deploy"), { "instance-name": "arkouda-b", locales: "2", "server-name": "arkouda-b" });
    });

    it("references the WorkflowTemplate and carries the seed's schedule and timezone", () => {
        const deploy = crons().find((c) => c.inputs.metadata.name === "arkouda-a-deploy")!;
        assert.deepStrictEqual(
            [deploy.inputs.spec.workflowSpec.workflowTemplateRef.name, deploy.inputs.spec.schedules, deploy.inputs.spec.timezone],
            ["deploy-arkouda-on-kubernetes", ["0 7 * * *"], "America/New_York"],
        );
    });

    it("exports the schedules and CronWorkflow names", () => {
        const outputs = run.outputs.default.instances["arkouda-a"];
        assert.deepStrictEqual(
            [outputs.cronWorkflows, outputs.schedules.delete.schedules],
            [{ deploy: "arkouda-a-deploy", delete: "arkouda-a-delete" }, ["0 17 * * *"]],
        );
    });
});

describe("program: ephemeral runs", function () {
    this.timeout(60000);

    async function suffixKeepers(values: Record<string, unknown>) {
        const run = await runProgram(configOf(values));
        return run.declared.filter((d) => d.type === "random:index/randomString:RandomString").map((d) => d.inputs.keepers);
    }
    const withRun = (run: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
        instances: [instance("arkouda-a", { run, ...extra })],
    });

    it("keys the suffix on the same inputs when nothing changed", async () => {
        assert.deepStrictEqual(await suffixKeepers(withRun({ action: "deploy" })), await suffixKeepers(withRun({ action: "deploy" })));
    });

    it("keys the suffix on different inputs when an instance setting changes", async () => {
        assert.notDeepStrictEqual(
            await suffixKeepers(withRun({ action: "deploy" })),
            await suffixKeepers(withRun({ action: "deploy" }, { locales: 4 })),
        );
    });

    it("keys the suffix on the run token", async () => {
        assert.notDeepStrictEqual(
            await suffixKeepers(withRun({ action: "deploy", token: "1" })),
            await suffixKeepers(withRun({ action: "deploy", token: "2" })),
        );
    });

    it("submits a Workflow from the template named after instance, action and suffix", async () => {
        const run = await runProgram(configOf(withRun({ action: "delete", wait: false })));
        const workflow = findOne(run, (d) => kindOf(d) === "Workflow", "workflow");
        assert.match(workflow.inputs.metadata.name, /^arkouda-a-delete-[0-9a-f]{6}$/);
        assert.strictEqual(workflow.inputs.spec.workflowTemplateRef.name, "delete-arkouda-on-kubernetes");
    });

    it("keeps a second instance's run when only the first instance (the templates' defaults) changes", async () => {
        const twoRuns = (locales: number) => ({
            instances: [instance("arkouda-a", { locales }), instance("arkouda-b", { run: { action: "deploy" } })],
        });
        const [before, after] = [await suffixKeepers(twoRuns(2)), await suffixKeepers(twoRuns(4))];
        assert.deepStrictEqual(before, after);
        const run = await runProgram(configOf(twoRuns(4)));
        const workflow = findOne(run, (d) => kindOf(d) === "Workflow", "workflow");
        // Its arguments now carry locales=2 (the default moved to 4); the submitted run is not rewritten.
        assert.deepStrictEqual(workflow.opts.ignoreChanges, ["spec"]);
    });

    it("waits for the run only when asked to", async () => {
        const waited = await runProgram(configOf(withRun({ action: "deploy", wait: true })));
        const notWaited = await runProgram(configOf(withRun({ action: "deploy", wait: false })));
        const completions = (r: ProgramRun) => r.declared.filter((d) => d.name.endsWith("-run-completion")).length;
        assert.deepStrictEqual([completions(waited), completions(notWaited)], [1, 0]);
    });

    it("submits nothing when no run is configured", async () => {
        const run = await runProgram(configOf({ instances: [instance("arkouda-a")] }));
        assert.strictEqual(run.declared.filter((d) => kindOf(d) === "Workflow").length, 0);
    });
});

describe("program: teardown and outputs", function () {
    this.timeout(60000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgram(
            configOf({
                instances: [instance("arkouda-a")],
                exporters: [{ name: "slurm-exporter", metricsServiceHost: "h.example" }],
                clusters: [{ name: "c", context: "ctx", kubeconfig: "/etc/kube/config" }],
            }),
        );
    });

    it("declares one destroy-time teardown per cluster, not per instance", () => {
        assert.deepStrictEqual(
            run.declared.filter((d) => d.name.endsWith("-teardown")).map((d) => d.name),
            ["c-teardown"],
        );
    });

    it("the teardown names every instance and exporter with its Workflow selectors and runtime objects", () => {
        const teardown = run.declared.find((d) => d.name === "c-teardown")!;
        const targets = teardown.inputs.targets as { name: string; workflows: string[]; objects: string[] }[];
        assert.deepStrictEqual(
            targets.map((t) => [t.name, t.workflows]),
            [
                [
                    "arkouda-a",
                    [
                        "app.kubernetes.io/instance=arkouda-a",
                        "arkouda-workflows/instance=arkouda-a",
                        "workflows.argoproj.io/cron-workflow in (arkouda-a-deploy,arkouda-a-delete)",
                    ],
                ],
                ["slurm-exporter", ["app.kubernetes.io/instance=slurm-exporter", "arkouda-workflows/exporter=slurm-exporter"]],
            ],
        );
        assert.deepStrictEqual(
            targets[0].objects,
            arkoudaRuntimeObjectRefs("arkouda-a").map((r) => `${r.apiVersion}/${r.kind}/${r.name}`),
        );
        assert.deepStrictEqual(
            targets[1].objects,
            exporterRuntimeObjectRefs("slurm-exporter").map((r) => `${r.apiVersion}/${r.kind}/${r.name}`),
        );
    });

    it("the CronWorkflows the teardown matches are the ones the program declares", () => {
        const crons = run.declared
            .filter((d) => kindOf(d) === "CronWorkflow")
            .map((d) => d.inputs.metadata.name)
            .sort();
        assert.deepStrictEqual(crons, ["arkouda-a-delete", "arkouda-a-deploy"]);
    });

    it("exports the exact argo submit commands to deploy and delete by hand (the first instance needs no -p)", () => {
        const { commands } = run.outputs.c.instances["arkouda-a"];
        assert.strictEqual(
            commands.deploy,
            "argo submit --kubeconfig /etc/kube/config --context ctx -n arkouda --from workflowtemplate/deploy-arkouda-on-kubernetes",
        );
        assert.match(commands.delete, /--from workflowtemplate\/delete-arkouda-on-kubernetes$/);
    });

    it("exports the exporter's submit commands", () => {
        assert.match(
            run.outputs.c.exporters["slurm-exporter"].commands.deploy,
            /--from workflowtemplate\/deploy-prometheus-arkouda-exporter/,
        );
    });

    it("exports the address of the Arkouda client service", () => {
        assert.strictEqual(run.outputs.c.instances["arkouda-a"].clientService, "arkouda-a.arkouda.svc.cluster.local:5555");
    });

    it("exports the WorkflowTemplate names", () => {
        assert.deepStrictEqual([...run.outputs.c.workflowTemplates].sort(), [
            "delete-arkouda-on-kubernetes",
            "delete-prometheus-arkouda-exporter",
            "deploy-arkouda-on-kubernetes",
            "deploy-prometheus-arkouda-exporter",
        ]);
    });
});

describe("program: labels", function () {
    this.timeout(60000);

    it("labels every declared Kubernetes object as part of arkouda-workflows", async () => {
        const run = await runProgram(
            configOf({
                instances: [instance("arkouda-a", { run: { action: "deploy", wait: false } })],
                exporters: [{ name: "slurm-exporter", metricsServiceHost: "h.example" }],
            }),
        );
        const unlabelled = run.declared
            .filter((d) => d.custom && K8S.test(d.type) && d.inputs.kind)
            .filter((d) => d.inputs.metadata?.labels?.["app.kubernetes.io/part-of"] !== "arkouda-workflows")
            .map((d) => `${d.inputs.kind}/${d.inputs.metadata?.name}`);
        assert.deepStrictEqual(unlabelled, []);
    });
});

describe("program: the claims of data volumes", function () {
    this.timeout(60000);
    const volumes = [
        { name: "datasets", mountPath: "/data/datasets", existingClaim: "shared" },
        { name: "scratch", mountPath: "/data/scratch", claim: { size: "10Gi", storageClass: "local" } },
        { name: "tmp", mountPath: "/data/tmp", claim: { size: "1Gi", accessMode: "ReadWriteMany", retainOnDestroy: false } },
    ];
    let run: ProgramRun;
    before(async () => {
        run = await runProgram(
            configOf({
                instances: [instance("arkouda-a", { volumes }), instance("arkouda-b")],
                clusters: [{ name: "c", context: "ctx" }],
            }),
        );
    });
    // Registration is asynchronous: in name order.
    const claims = () =>
        run.declared.filter((d) => kindOf(d) === "PersistentVolumeClaim").sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    it("declares one claim per volume with `claim`, named after instance and volume, and none for the other sources", () =>
        assert.deepStrictEqual(
            claims().map((d) => [d.name, d.inputs.metadata.name, d.inputs.spec]),
            [
                [
                    "c-arkouda-a-claim-scratch",
                    "arkouda-a-scratch",
                    { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } }, storageClassName: "local" },
                ],
                ["c-arkouda-a-claim-tmp", "arkouda-a-tmp", { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "1Gi" } } }],
            ],
        ));

    it("keeps a claim on destroy unless retainOnDestroy is false (Pulumi's retainOnDelete)", () =>
        assert.deepStrictEqual(
            claims().map((d) => [d.inputs.metadata.name, d.opts.retainOnDelete]),
            [
                ["arkouda-a-scratch", true],
                ["arkouda-a-tmp", false],
            ],
        ));

    it("declares them in the cluster's namespace, under its component, on its provider, labelled with the instance", () => {
        for (const d of claims()) {
            assert.strictEqual(d.inputs.metadata.namespace, "arkouda");
            assert.ok(ancestors(d).includes(run.clusters.c), d.name);
            assert.strictEqual(d.opts.provider, run.clusters.c.provider, d.name);
            assert.deepStrictEqual(d.inputs.metadata.labels, {
                "app.kubernetes.io/part-of": "arkouda-workflows",
                "arkouda-workflows/instance": "arkouda-a",
            });
        }
    });

    it("does not wait for a claim to bind (a WaitForFirstConsumer class binds at the first deploy)", () => {
        for (const d of claims()) assert.deepStrictEqual(d.inputs.metadata.annotations, { "pulumi.com/skipAwait": "true" });
    });

    it("the teardown depends on the claims, so that on destroy they go once it has deleted the pods", async () => {
        const teardown = findOne(run, (d) => d.name === "c-teardown", "teardown");
        const deps = await valueOf(pulumi.output(teardown.opts.dependsOn as any));
        for (const d of claims()) assert.ok((deps as unknown[]).includes(d.resource), d.name);
    });

    it("keeps a namespace it creates while that holds a kept claim (deleting it would delete the claim)", async () => {
        const namespaceOf = (r: ProgramRun) => findOne(r, (d) => kindOf(d) === "Namespace", "namespace");
        assert.strictEqual(namespaceOf(run).opts.retainOnDelete, true);
        const deleted = await runProgram(
            configOf({ instances: [instance("arkouda-a", { volumes: volumes.slice(2) })], clusters: [{ name: "c", context: "ctx" }] }),
        );
        assert.strictEqual(namespaceOf(deleted).opts.retainOnDelete, false);
        const none = await runProgram(configOf({ instances: [instance("arkouda-a")], clusters: [{ name: "c", context: "ctx" }] }));
        assert.strictEqual(namespaceOf(none).opts.retainOnDelete, false);
    });

    it("exports the claims of each instance that has any", () => {
        assert.deepStrictEqual(run.outputs.c.instances["arkouda-a"].claims, ["arkouda-a-scratch", "arkouda-a-tmp"]);
        assert.strictEqual(run.outputs.c.instances["arkouda-b"].claims, undefined);
    });
});
