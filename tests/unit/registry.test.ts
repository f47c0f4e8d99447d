/**
 * Private registries: every pod the program and its workflows create pulls with the Secret the
 * stack declares from a registry credential, then with the pull Secrets config names (the
 * target's own, the step pods' the namespace's); the credential reaches the cluster only as that
 * Secret's secret content, and nothing else the stack declares carries any of its values.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { WorkflowTemplate } from "../../components/argo/model";
import type { NamespaceSettings } from "../../components/config/types";
import { DOCKER_CONFIG_KEY, dockerConfigJson } from "../../components/registry-secret";
import { arkoudaParameters, exporterParameters } from "../../components/workflow-templates";
import { argoStepPod } from "../lib/pod-security";
import { configOf, runProgram, valueOf } from "../lib/mock-program";
import { allWorkflowTemplates, deployArkoudaTemplate, deployExporterTemplate } from "../lib/templates";
import { fixtureExporter, fixtureInstance, fixtureNamespace as ns } from "./fixtures";
import { manifestsOf } from "./render-helpers";

const SERVER_STEPS = [
    "deploy-server",
    "deploy-server-without-metrics",
    "deploy-server-with-priority-class",
    "deploy-server-without-metrics-with-priority-class",
];

/** The pod spec a step applies (a Pod's own, a Deployment's template). */
function podSpecOf(wt: WorkflowTemplate, step: string, parameters: Record<string, string>) {
    const [object] = manifestsOf(wt, step, parameters) as any[];
    return object.kind === "Pod" ? object.spec : object.spec.template.spec;
}

/** Every pod kind the Arkouda and exporter templates apply, with the parameters a run of the fixtures passes. */
function targetPods(
    settings: NamespaceSettings,
    params = { arkouda: arkoudaParameters(fixtureInstance), exporter: exporterParameters(fixtureExporter) },
) {
    const deploy = deployArkoudaTemplate(settings, fixtureInstance);
    return [
        ...["deploy-locales", ...SERVER_STEPS].map((step) => ({ step, spec: podSpecOf(deploy, step, params.arkouda) })),
        { step: "deploy-exporter", spec: podSpecOf(deployExporterTemplate(settings, fixtureExporter), "deploy-exporter", params.exporter) },
    ];
}

/** Every step pod of the four templates as Argo builds it. */
function stepPods(settings: NamespaceSettings) {
    return allWorkflowTemplates(settings, fixtureInstance, fixtureExporter).flatMap((wt) =>
        wt.spec
            .templates!.filter((t) => t.container || t.resource)
            .map((t) => ({ step: `${wt.metadata.name}/${t.name}`, spec: argoStepPod(t, wt.spec) })),
    );
}

const withoutRegistry: NamespaceSettings = (() => {
    const { registrySecretName: _none, ...rest } = ns;
    return { ...rest, imagePullSecrets: [] };
})();

describe("pull Secrets: every pod kind", () => {
    it("the server (each variant, with its exporter sidecar), the locales and the standalone exporter: the registry credential's Secret, then the target's own", () => {
        for (const { step, spec } of targetPods(ns))
            assert.deepStrictEqual(spec.imagePullSecrets, [{ name: "arkouda-registry" }, { name: "arkouda-images" }], step);
    });

    it("every step pod, through the Workflow's imagePullSecrets: the registry credential's Secret, then the namespace's", () => {
        for (const wt of allWorkflowTemplates(ns, fixtureInstance, fixtureExporter))
            assert.deepStrictEqual(wt.spec.imagePullSecrets, [{ name: "arkouda-registry" }, { name: "corp-mirror" }], wt.metadata.name);
        const pods = stepPods(ns);
        assert.ok(pods.length > 8, `${pods.length} step pods`);
        for (const { step, spec } of pods)
            assert.deepStrictEqual(spec.imagePullSecrets, [{ name: "arkouda-registry" }, { name: "corp-mirror" }], step);
    });

    it("without a credential: only the target's own, and step pods with no list at all when the namespace names none", () => {
        for (const { step, spec } of targetPods(withoutRegistry))
            assert.deepStrictEqual(spec.imagePullSecrets, [{ name: "arkouda-images" }], step);
        for (const wt of allWorkflowTemplates(withoutRegistry, fixtureInstance, fixtureExporter))
            assert.strictEqual(wt.spec.imagePullSecrets, undefined, wt.metadata.name);
        for (const { step, spec } of stepPods(withoutRegistry)) assert.strictEqual(spec.imagePullSecrets, undefined, step);
    });

    it("a target without its own list keeps the registry credential's Secret (an empty parameter adds none)", () => {
        const empty = {
            arkouda: { ...arkoudaParameters(fixtureInstance), "image-pull-secrets": "[]" },
            exporter: { ...exporterParameters(fixtureExporter), "image-pull-secrets": "[]" },
        };
        for (const { step, spec } of targetPods(ns, empty))
            assert.deepStrictEqual(spec.imagePullSecrets, [{ name: "arkouda-registry" }], step);
    });

    it("a -p value lands as one JSON list of references, never as YAML of its own", () => {
        const params = {
            ...arkoudaParameters(fixtureInstance),
            "image-pull-secrets": '[{"name":"a"},{"name":"b\\nimagePullPolicy: Never"}]',
        };
        const spec = podSpecOf(deployArkoudaTemplate(ns, fixtureInstance), "deploy-locales", params);
        assert.deepStrictEqual(spec.imagePullSecrets, [{ name: "arkouda-registry" }, { name: "a" }, { name: "b\nimagePullPolicy: Never" }]);
        assert.strictEqual(spec.containers[0].imagePullPolicy, "IfNotPresent");
    });
});

describe("pull Secrets: the Secret the stack declares from a registry credential", function () {
    this.timeout(60000);
    const REGISTRY_KEYS = ["registryServer", "registryUsername", "registryPassword"];
    const values = { server: "10.244.0.1:5000", username: "puller", password: "pa55-w0rd:with colon" };
    const stack = {
        registryServer: values.server,
        registryUsername: values.username,
        registryPassword: values.password,
        instances: [{ name: "arkouda-a", run: { action: "deploy", wait: false } }],
        exporters: [{ name: "slurm-exporter", metricsServiceHost: "arkouda-metrics.hpc" }],
        clusters: [
            { name: "a", context: "a" },
            { name: "b", context: "b", namespace: "other" },
        ],
    };
    const secrets = {
        kubeconfigs: {},
        registryCredential: {
            server: pulumi.secret(values.server),
            username: pulumi.secret(values.username),
            password: pulumi.secret(values.password),
        },
    };

    it("its content is what `kubectl create secret docker-registry` writes: the user and password under the registry", () => {
        const content = JSON.parse(dockerConfigJson(values.server, values.username, values.password));
        assert.deepStrictEqual(content, {
            auths: {
                "10.244.0.1:5000": {
                    username: "puller",
                    password: "pa55-w0rd:with colon",
                    auth: Buffer.from("puller:pa55-w0rd:with colon").toString("base64"),
                },
            },
        });
    });

    it("declares one per namespace, a kubernetes.io/dockerconfigjson Secret whose whole content is a Pulumi secret", async () => {
        const run = await runProgram(configOf(stack, REGISTRY_KEYS), secrets);
        const declared = run.declared.filter((d) => d.inputs.kind === "Secret" && d.inputs.type === "kubernetes.io/dockerconfigjson");
        assert.deepStrictEqual(declared.map((d) => [d.inputs.metadata.name, d.inputs.metadata.namespace]).sort(), [
            ["arkouda-registry", "arkouda"],
            ["arkouda-registry", "other"],
        ]);
        for (const d of declared) {
            assert.deepStrictEqual(d.secretPaths, ["stringData"], d.name);
            assert.deepStrictEqual(
                JSON.parse(d.inputs.stringData[DOCKER_CONFIG_KEY]),
                JSON.parse(dockerConfigJson(values.server, values.username, values.password)),
            );
            assert.strictEqual(d.inputs.metadata.labels["app.kubernetes.io/part-of"], "arkouda-workflows");
        }
        // Runs wait for it (through the teardown, which they depend on), and on destroy it outlives their pods.
        for (const cluster of ["a", "b"]) {
            const teardown = run.declared.find((d) => d.name === `${cluster}-teardown`)!;
            const deps = (await valueOf(pulumi.output(teardown.opts.dependsOn as any))) as unknown[];
            assert.ok(deps.includes(declared.find((d) => d.name === `${cluster}-registry`)!.resource), cluster);
        }
        // No value of the credential anywhere else: templates, CronWorkflows, runs, the stack outputs.
        const elsewhere = JSON.stringify([run.declared.filter((d) => !declared.includes(d)).map((d) => d.inputs), run.outputs]);
        for (const value of Object.values(values)) assert.ok(!elsewhere.includes(value), `${value} outside the pull Secret`);
        const templates = run.declared.filter((d) => d.inputs.kind === "WorkflowTemplate");
        assert.ok(templates.length > 0);
        for (const t of templates) assert.deepStrictEqual(t.inputs.spec.imagePullSecrets, [{ name: "arkouda-registry" }], t.name);
    });

    it("declares none without a credential", async () => {
        const { registryServer: _s, registryUsername: _u, registryPassword: _p, ...rest } = stack;
        const run = await runProgram(configOf(rest));
        assert.deepStrictEqual(
            run.declared.filter((d) => d.inputs.kind === "Secret" && d.inputs.type === "kubernetes.io/dockerconfigjson"),
            [],
        );
        for (const t of run.declared.filter((d) => d.inputs.kind === "WorkflowTemplate"))
            assert.strictEqual(t.inputs.spec.imagePullSecrets, undefined);
    });
});
