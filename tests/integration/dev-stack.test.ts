/**
 * A dev-like stack against the real kube-apiserver, through the real Pulumi engine and
 * providers: one cluster, one instance with 2 locales, one standalone exporter.
 *
 * The describes share one stack and run in order: up, idempotence, RBAC, secrets in state,
 * config change, destroy. `after` destroys and removes whatever is left, even when tests fail.
 *
 * Needs kube-controller-manager (marked [KCM] in the test titles): the token Secret check
 * (token controller), the token-not-in-state check, and the namespace deletion check
 * (namespace controller); the destroy itself needs its garbage collector for the foreground
 * deletion of the simulated Deployments.
 */
import * as assert from "assert";
import { createPrivateKey, createPublicKey } from "crypto";
import * as fs from "fs";
import { parse as parseYaml } from "yaml";
import { ARKOUDA_ROLES } from "../../components/identity";
import { ARKOUDA_GRANTS } from "../../components/arkouda-grants";
import { Grant, policyRules } from "../../components/rbac";
import { openSshPublicKey } from "../../components/dynamic/ssh-key-pair";
import { TEMPLATE_NAMES, templateGrants } from "../lib/templates";
import { mapLimit, RUN_ID, testEnv, waitFor } from "./harness";
import {
    changedObjects,
    clusterOf,
    declaredObjects,
    MANAGED_BY,
    NAMESPACED_KINDS,
    objectKey,
    PART_OF,
    resolvedConfig,
    resourceOfKind,
    simulatedRunObjects,
    stepKey,
} from "./fixtures";
import {
    applyManifests,
    canI,
    changedSteps,
    decodeBase64,
    getObject,
    KubeObject,
    kubectl,
    listObjects,
    PulumiProject,
    RunOutcome,
} from "./pulumi";

const NAMESPACE = `it-dev-${RUN_ID}`;
const INSTANCE = "arkouda-it";
const EXPORTER = "it-exporter";

function devConfig(kubeconfig: string): Record<string, unknown> {
    return {
        namespace: NAMESPACE,
        instances: [
            {
                name: INSTANCE,
                version: "v2024.04.19",
                locales: 2,
                cpu: "500m",
                memory: "1Gi",
                chapel: { numThreadsPerLocale: 1, memMax: 500000000 },
                logLevel: "LogLevel.DEBUG",
                metrics: { enabled: true, prometheusMatchLabels: { release: "kube-stack" } },
                schedules: { deploy: { suspend: true }, delete: { schedule: "0 19 * * 1-5" } },
            },
        ],
        exporters: [{ name: EXPORTER, metricsServiceHost: "arkouda-metrics.hpc.example", launcher: "slurm" }],
        clusters: [{ name: "dev", kubeconfig }],
    };
}

describe("integration: dev stack", function () {
    let project: PulumiProject;
    let values: Record<string, unknown>;
    let settings: ReturnType<typeof clusterOf>["settings"];

    before(async function () {
        values = devConfig(testEnv().kubeconfig);
        settings = clusterOf(resolvedConfig(values), "dev").settings;
        project = await PulumiProject.create("dev", "it-dev");
        project.writeConfig(values);
        await project.up();
    });

    after(async function () {
        if (project) await project.cleanUp([NAMESPACE]);
    });

    const get = (kind: string, name: string) => getObject(kind, name, NAMESPACE);
    const mustGet = async (kind: string, name: string): Promise<KubeObject> => {
        const object = await get(kind, name);
        assert.ok(object, `${kind} ${NAMESPACE}/${name} does not exist`);
        return object;
    };

    describe("pulumi up", function () {
        it("creates every object the program declares, and the API server holds them", async function () {
            const declared = [...(await declaredObjects(values)).values()];
            assert.ok(declared.length >= 15, `only ${declared.length} declared objects`);
            const missing: string[] = [];
            await mapLimit(declared, 8, async (manifest) => {
                const ns = manifest.metadata.namespace as string | undefined;
                if (!(await getObject(resourceOfKind(manifest.kind), manifest.metadata.name, ns))) missing.push(objectKey(manifest));
            });
            assert.deepStrictEqual(missing.sort(), []);
        });

        it("creates the namespace, labelled part-of arkouda-workflows", async function () {
            const ns = await getObject("namespace", NAMESPACE);
            assert.strictEqual(ns?.metadata.labels?.["app.kubernetes.io/part-of"], "arkouda-workflows");
        });

        it("creates the workflow and Arkouda ServiceAccounts, the Arkouda one without token automount", async function () {
            const workflow = await mustGet("serviceaccount", settings.workflowServiceAccountName);
            const arkouda = await mustGet("serviceaccount", settings.arkoudaServiceAccountName);
            assert.deepStrictEqual(
                [workflow.metadata.name, arkouda.metadata.name, arkouda.automountServiceAccountToken],
                [settings.workflowServiceAccountName, settings.arkoudaServiceAccountName, false],
            );
        });

        it("creates the Roles with exactly the rules derived from the grants", async function () {
            const expected: Record<string, unknown> = { [settings.workflowServiceAccountName]: policyRules(templateGrants()) };
            for (const role of ARKOUDA_ROLES) expected[`${settings.arkoudaServiceAccountName}-${role.suffix}`] = policyRules(role.grants);
            const actual: Record<string, unknown> = {};
            for (const name of Object.keys(expected)) {
                const role = await mustGet("role.rbac.authorization.k8s.io", name);
                actual[name] = (role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).map((r) => ({
                    apiGroups: r.apiGroups,
                    resources: r.resources,
                    verbs: r.verbs,
                }));
            }
            assert.deepStrictEqual(actual, expected);
        });

        it("binds each Role to its ServiceAccount only", async function () {
            const expected: Record<string, string> = { [settings.workflowServiceAccountName]: settings.workflowServiceAccountName };
            for (const role of ARKOUDA_ROLES)
                expected[`${settings.arkoudaServiceAccountName}-${role.suffix}`] = settings.arkoudaServiceAccountName;
            const actual: Record<string, string> = {};
            for (const name of Object.keys(expected)) {
                const binding = await mustGet("rolebinding.rbac.authorization.k8s.io", name);
                assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name });
                actual[name] = (binding.subjects as { kind: string; name: string; namespace: string }[])
                    .map((s) => `${s.kind}:${s.namespace}:${s.name}`)
                    .join(",");
            }
            assert.deepStrictEqual(
                actual,
                Object.fromEntries(Object.entries(expected).map(([k, sa]) => [k, `ServiceAccount:${NAMESPACE}:${sa}`])),
            );
        });

        it("creates the token Secret for the Arkouda ServiceAccount", async function () {
            const secret = await mustGet("secret", settings.arkoudaTokenSecretName);
            assert.deepStrictEqual(
                [secret.type, secret.metadata.annotations?.["kubernetes.io/service-account.name"]],
                ["kubernetes.io/service-account-token", settings.arkoudaServiceAccountName],
            );
        });

        it("[KCM] gets the token Secret populated by the token controller", async function () {
            const token = await waitFor(
                "the token controller to fill in the token (is kube-controller-manager running?)",
                30_000,
                async () => {
                    const secret = await get("secret", settings.arkoudaTokenSecretName);
                    return secret?.data?.token ? decodeBase64(secret.data.token) : undefined;
                },
            );
            assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
        });

        it("creates the SSH Secret with id_rsa, id_rsa.pub and authorized_keys", async function () {
            const secret = await mustGet("secret", settings.sshSecretName);
            assert.deepStrictEqual(Object.keys(secret.data ?? {}).sort(), ["authorized_keys", "id_rsa", "id_rsa.pub"]);
        });

        it("puts a matching RSA key pair in the SSH Secret", async function () {
            const data = (await mustGet("secret", settings.sshSecretName)).data as Record<string, string>;
            const privateKey = createPrivateKey(decodeBase64(data.id_rsa));
            assert.strictEqual(privateKey.asymmetricKeyType, "rsa");
            const publicLine = decodeBase64(data["id_rsa.pub"]).trim();
            assert.strictEqual(publicLine.split(" ").slice(0, 2).join(" "), openSshPublicKey(createPublicKey(privateKey)));
            assert.strictEqual(decodeBase64(data.authorized_keys).trim(), publicLine);
        });

        it("creates the four WorkflowTemplates", async function () {
            const templates = await listObjects(["workflowtemplates.argoproj.io"], { namespace: NAMESPACE });
            assert.deepStrictEqual(templates.map((t) => t.metadata.name).sort(), [...TEMPLATE_NAMES].sort());
        });

        it("creates the instance's deploy and delete CronWorkflows with their schedules", async function () {
            const crons = await listObjects(["cronworkflows.argoproj.io"], { namespace: NAMESPACE });
            const summary = Object.fromEntries(
                crons.map((c) => [
                    c.metadata.name,
                    { schedules: c.spec.schedules, suspend: c.spec.suspend, template: c.spec.workflowSpec.workflowTemplateRef.name },
                ]),
            );
            assert.deepStrictEqual(summary, {
                [`${INSTANCE}-delete`]: { schedules: ["0 19 * * 1-5"], suspend: false, template: "delete-arkouda-on-kubernetes" },
                [`${INSTANCE}-deploy`]: { schedules: ["0 7 * * *"], suspend: true, template: "deploy-arkouda-on-kubernetes" },
            });
        });

        it("labels every object it created part-of or managed-by arkouda-workflows", async function () {
            const declared = [...(await declaredObjects(values)).values()];
            const unlabelled: string[] = [];
            for (const manifest of declared) {
                const live = await getObject(resourceOfKind(manifest.kind), manifest.metadata.name, manifest.metadata.namespace);
                const labels = live?.metadata.labels ?? {};
                if (
                    labels["app.kubernetes.io/part-of"] !== "arkouda-workflows" &&
                    labels["app.kubernetes.io/managed-by"] !== "arkouda-workflows"
                )
                    unlabelled.push(objectKey(manifest));
            }
            assert.deepStrictEqual(unlabelled, []);
        });
    });

    describe("a second run", function () {
        it("pulumi preview --expect-no-changes passes and plans only `same` steps", async function () {
            const preview = await project.preview({ json: true, expectNoChanges: true, check: false });
            assert.strictEqual(preview.exec.code, 0, preview.exec.stderr + preview.exec.stdout.slice(-3000));
            assert.deepStrictEqual(
                changedSteps(preview).map((s) => `${s.op} ${stepKey(s)}`),
                [],
            );
        });

        it("pulumi up changes nothing (the summary counts only `same`)", async function () {
            const up = await project.up({ json: true, expectNoChanges: true, check: false });
            assert.strictEqual(up.exec.code, 0, up.exec.stderr + up.exec.stdout.slice(-3000));
            const summary = up.json?.changeSummary ?? {};
            assert.deepStrictEqual(Object.keys(summary), ["same"], JSON.stringify(summary));
        });
    });

    describe("RBAC: kubectl auth can-i", function () {
        const VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
        const resourceArg = (g: { apiGroup: string; resource: string }) => (g.apiGroup ? `${g.resource}.${g.apiGroup}` : g.resource);
        const allowedPairs = (grants: readonly Grant[]) =>
            [...new Set(grants.flatMap((g) => g.verbs.map((v) => `${v} ${resourceArg(g)}`)))].sort();
        const arkoudaGrants = Object.values(ARKOUDA_GRANTS).flat();
        const universe = () => {
            const resources = new Set([...templateGrants(), ...arkoudaGrants].map(resourceArg));
            for (const r of [
                "secrets",
                "configmaps",
                "serviceaccounts",
                "pods",
                "services",
                "endpoints",
                "events",
                "persistentvolumeclaims",
                "deployments.apps",
                "statefulsets.apps",
                "daemonsets.apps",
                "jobs.batch",
                "roles.rbac.authorization.k8s.io",
                "rolebindings.rbac.authorization.k8s.io",
                "workflows.argoproj.io",
                "workflowtemplates.argoproj.io",
                "cronworkflows.argoproj.io",
                "workflowtaskresults.argoproj.io",
                "servicemonitors.monitoring.coreos.com",
            ])
                resources.add(r);
            return [...resources].flatMap((r) => VERBS.map((v) => `${v} ${r}`)).sort();
        };
        type Scope = { namespace?: string; allNamespaces?: boolean; subresource?: string };
        const ask = async (sa: string, pairs: readonly string[], scope: Scope): Promise<string[]> => {
            const answers = await mapLimit(pairs, 8, async (pair) => {
                const [verb, resource] = pair.split(" ");
                return (await canI({ namespace: NAMESPACE, name: sa }, verb, resource, scope)) ? pair : undefined;
            });
            return answers.filter((a): a is string => a !== undefined);
        };

        const identities = () => [
            { label: "workflow", sa: settings.workflowServiceAccountName, grants: templateGrants() as readonly Grant[] },
            { label: "Arkouda", sa: settings.arkoudaServiceAccountName, grants: arkoudaGrants as readonly Grant[] },
        ];
        for (const index of [0, 1]) {
            const who = () => identities()[index];
            const label = index === 0 ? "workflow" : "Arkouda";

            it(`the ${label} ServiceAccount may do everything its grants list, in its namespace`, async function () {
                const expected = allowedPairs(who().grants);
                assert.ok(expected.length > 0);
                assert.deepStrictEqual(await ask(who().sa, expected, { namespace: NAMESPACE }), expected);
            });

            it(`the ${label} ServiceAccount may do nothing else in its namespace`, async function () {
                const expected = new Set(allowedPairs(who().grants));
                const others = universe().filter((p) => !expected.has(p));
                assert.deepStrictEqual(await ask(who().sa, others, { namespace: NAMESPACE }), []);
            });

            it(`the ${label} ServiceAccount may not read or write Secrets, not even its own`, async function () {
                const pairs = [
                    ...VERBS.map((v) => `${v} secrets`),
                    `get secrets/${settings.sshSecretName}`,
                    `get secrets/${settings.arkoudaTokenSecretName}`,
                ];
                assert.deepStrictEqual(await ask(who().sa, pairs, { namespace: NAMESPACE }), []);
            });

            it(`the ${label} ServiceAccount is refused the same verbs in other namespaces`, async function () {
                const pairs = allowedPairs(who().grants);
                const allowed = [
                    ...(await ask(who().sa, pairs, { namespace: "default" })),
                    ...(await ask(who().sa, pairs, { namespace: "kube-system" })),
                ];
                assert.deepStrictEqual(allowed, []);
            });

            it(`the ${label} ServiceAccount is refused cluster-scoped access`, async function () {
                const clusterScoped = [
                    "list namespaces",
                    "get namespaces",
                    "create namespaces",
                    "list nodes",
                    "get nodes",
                    "create clusterroles.rbac.authorization.k8s.io",
                    "create clusterrolebindings.rbac.authorization.k8s.io",
                    "list customresourcedefinitions.apiextensions.k8s.io",
                    "list persistentvolumes",
                ];
                const everywhere = ["list pods", "list secrets", "list services", "list configmaps", "list workflows.argoproj.io"];
                const allowed = [
                    ...(await ask(who().sa, clusterScoped, {})),
                    ...(await ask(who().sa, everywhere, { allNamespaces: true })),
                ];
                assert.deepStrictEqual(allowed, []);
            });

            it(`the ${label} ServiceAccount may not write RBAC, bind, escalate or impersonate`, async function () {
                const rbac = ["roles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io"].flatMap((r) =>
                    ["create", "update", "patch", "delete", "bind", "escalate"].map((v) => `${v} ${r}`),
                );
                const impersonation = ["impersonate serviceaccounts", "impersonate users", "impersonate groups"];
                const allowed = [
                    ...(await ask(who().sa, [...rbac, ...impersonation], { namespace: NAMESPACE })),
                    ...(await ask(who().sa, ["create serviceaccounts"], { namespace: NAMESPACE, subresource: "token" })).map(
                        (p) => `${p}/token`,
                    ),
                    ...(await ask(who().sa, ["create pods"], { namespace: NAMESPACE, subresource: "exec" })).map((p) => `${p}/exec`),
                ];
                assert.deepStrictEqual(allowed, []);
            });
        }
    });

    describe("no key material or token in the stack files and state", function () {
        let exported: string;
        let raw: { file: string; text: string }[];
        let stackFile: string;
        const everywhere = () => [
            { file: "pulumi stack export", text: exported },
            { file: `Pulumi.${project.stack}.yaml`, text: stackFile },
            ...raw,
        ];
        const holding = (needles: readonly string[]) =>
            everywhere()
                .filter((f) => needles.some((n) => f.text.includes(n)))
                .map((f) => f.file);
        const pemBodyLines = (pem: string) =>
            pem
                .split("\n")
                .map((l) => l.trim())
                .filter((l) => l && !l.startsWith("-----"));

        before(async function () {
            exported = await project.exportText();
            raw = project.rawStateFiles();
            stackFile = fs.readFileSync(project.stackFile, "utf8");
            assert.ok(
                raw.some((f) => f.file.endsWith(`${project.stack}.json`)),
                `no stack state file among ${raw.map((f) => f.file).join(", ")}`,
            );
        });

        it("no file holds 'PRIVATE KEY' text", function () {
            assert.deepStrictEqual(holding(["PRIVATE KEY"]), []);
        });

        it("no file holds the generated SSH private key (PEM body or base64)", async function () {
            const data = (await mustGet("secret", settings.sshSecretName)).data as Record<string, string>;
            const pem = decodeBase64(data.id_rsa);
            const body = pemBodyLines(pem);
            assert.ok(body.length > 10, "the SSH Secret's id_rsa is not a PEM key");
            assert.deepStrictEqual(holding([data.id_rsa, ...body]), []);
        });

        it("[KCM] no file holds the ServiceAccount token", async function () {
            const secret = await waitFor(
                "the token controller to fill in the token (is kube-controller-manager running?)",
                30_000,
                async () => {
                    const s = await get("secret", settings.arkoudaTokenSecretName);
                    return s?.data?.token ? s : undefined;
                },
            );
            const token = decodeBase64(secret.data.token);
            // A stack refresh or a later read is what would copy the token into the state.
            await project.refresh();
            exported = await project.exportText();
            raw = project.rawStateFiles();
            assert.deepStrictEqual(holding([token, secret.data.token, token.split(".")[2]]), []);
        });

        it("no file holds the kubeconfig's client key", function () {
            const kubeconfig = parseYaml(fs.readFileSync(testEnv().kubeconfig, "utf8")) as { users: { user: Record<string, string> }[] };
            const keyData = kubeconfig.users.map((u) => u.user["client-key-data"]).filter((k): k is string => !!k);
            assert.ok(keyData.length > 0, "the admin kubeconfig has no client-key-data");
            assert.deepStrictEqual(holding([...keyData, ...keyData.flatMap((k) => pemBodyLines(decodeBase64(k)))]), []);
        });

        it("the state holds the generated private key only as a secret (ciphertext)", async function () {
            const plain = JSON.parse(await project.exportText(true)) as {
                deployment: { resources: { type: string; outputs?: Record<string, any> }[] };
            };
            const keyPair = plain.deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic:SshKeyPair");
            assert.ok(keyPair?.outputs, "no SshKeyPair in the state");
            const encrypted = (
                JSON.parse(exported) as { deployment: { resources: { type: string; outputs?: Record<string, any> }[] } }
            ).deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic:SshKeyPair");
            assert.ok(
                typeof encrypted?.outputs?.privateKey?.ciphertext === "string",
                `privateKey is not a secret in the state: ${JSON.stringify(encrypted?.outputs?.privateKey)?.slice(0, 80)}`,
            );
        });
    });

    describe("changing one config value", function () {
        it("instances[0].locales 2 -> 3: preview updates exactly the objects whose manifests change", async function () {
            const next = structuredClone(values) as { instances: { locales: number }[] };
            next.instances[0].locales = 3;
            const expected = await changedObjects(values, next);
            assert.ok(expected.length > 0, "the change alters no declared object");
            await project.configSet("instances[0].locales", "3", { path: true });
            const preview = await project.preview({ json: true });
            const steps = changedSteps(preview);
            assert.deepStrictEqual(steps.map(stepKey).sort(), expected);
            assert.deepStrictEqual([...new Set(steps.map((s) => s.op))], ["update"], "changes must be in-place updates");
            values = next;
        });

        it("pulumi up applies it: the deploy template's default says 3, and the first instance's CronWorkflow takes it from there", async function () {
            await project.up();
            const cron = await mustGet("cronworkflow.argoproj.io", `${INSTANCE}-deploy`);
            const template = await mustGet("workflowtemplate.argoproj.io", "deploy-arkouda-on-kubernetes");
            const param = (list: { name: string; value?: string }[] | undefined) => list?.find((p) => p.name === "locales")?.value;
            assert.deepStrictEqual(
                [param(cron.spec.workflowSpec.arguments?.parameters), param(template.spec.arguments.parameters)],
                [undefined, "3"],
            );
        });

        it("after applying, pulumi preview --expect-no-changes passes", async function () {
            const preview = await project.preview({ expectNoChanges: true, check: false });
            assert.strictEqual(preview.exec.code, 0, preview.exec.stdout.slice(-3000));
        });

        it("exporters[0].cpu 100m -> 200m: preview updates exactly the objects whose manifests change", async function () {
            const next = structuredClone(values) as { exporters: { cpu?: string }[] };
            next.exporters[0].cpu = "200m";
            const expected = await changedObjects(values, next);
            assert.ok(expected.length > 0, "the change alters no declared object");
            await project.configSet("exporters[0].cpu", "200m", { path: true });
            try {
                const preview = await project.preview({ json: true });
                assert.deepStrictEqual(changedSteps(preview).map(stepKey).sort(), expected);
            } finally {
                await project.configSet("exporters[0].cpu", "100m", { path: true });
            }
        });
    });

    describe("pulumi destroy", function () {
        let destroy: RunOutcome;
        let simulated: KubeObject[];

        /**
         * A deploy Workflow of the instance still in flight, held by a finalizer the test removes
         * only once the destroy has asked for its deletion: what the rest of the cluster looks
         * like at that moment shows the teardown stops runs before it deletes what they create.
         */
        const HELD_WORKFLOW = `${INSTANCE}-deploy-held`;
        const HOLD = "arkouda-workflows.test/hold";
        let atWorkflowDeletion: { namespaceTerminating: boolean; localeDeploymentLive: boolean } | "destroy ended first";
        /** Whether the run's locale Deployment was still live after the Workflow had been held for a few teardown polls. */
        let whileHeld: boolean;

        before(async function () {
            // What Argo deploy runs would have created, outside Pulumi.
            simulated = simulatedRunObjects(resolvedConfig(values), "dev");
            await applyManifests(simulated);
            await applyManifests([
                {
                    apiVersion: "argoproj.io/v1alpha1",
                    kind: "Workflow",
                    metadata: {
                        name: HELD_WORKFLOW,
                        namespace: NAMESPACE,
                        labels: { "arkouda-workflows/instance": INSTANCE },
                        finalizers: [HOLD],
                    },
                    spec: { entrypoint: "main", templates: [{ name: "main", container: { image: "busybox", command: ["true"] } }] },
                },
            ]);
            let ended = false;
            const destroying = project.destroy({ eventLog: true, check: false }).finally(() => {
                ended = true;
            });
            atWorkflowDeletion = await waitFor("the destroy to delete the in-flight Workflow", 600_000, async () => {
                const workflow = await getObject("workflow.argoproj.io", HELD_WORKFLOW, NAMESPACE);
                if (workflow?.metadata.deletionTimestamp) {
                    const ns = await getObject("namespace", NAMESPACE);
                    const locale = await getObject("deployment.apps", `${INSTANCE}-locale`, NAMESPACE);
                    return {
                        namespaceTerminating: Boolean(ns?.metadata.deletionTimestamp),
                        localeDeploymentLive: Boolean(locale && !locale.metadata.deletionTimestamp),
                    };
                }
                return ended ? "destroy ended first" : undefined;
            });
            // Longer than the teardown's poll interval (2 s): it had time to move on, and must not.
            await new Promise((r) => setTimeout(r, 5000));
            const locale = await getObject("deployment.apps", `${INSTANCE}-locale`, NAMESPACE);
            whileHeld = Boolean(locale && !locale.metadata.deletionTimestamp);
            await kubectl(
                [
                    "patch",
                    "workflow.argoproj.io",
                    HELD_WORKFLOW,
                    "-n",
                    NAMESPACE,
                    "--type=merge",
                    "-p",
                    JSON.stringify({ metadata: { finalizers: null } }),
                ],
                { check: false },
            );
            destroy = await destroying;
        });

        it("deletes the instance's in-flight Workflow first: the namespace and the run's objects were still there", function () {
            assert.deepStrictEqual(atWorkflowDeletion, { namespaceTerminating: false, localeDeploymentLive: true });
        });

        it("waits until that Workflow is gone before deleting the run's objects", function () {
            assert.strictEqual(whileHeld, true, "the locale Deployment was deleted while the Workflow still existed");
        });

        it("leaves no Workflow of the instance", async function () {
            assert.strictEqual(await getObject("workflow.argoproj.io", HELD_WORKFLOW, NAMESPACE), undefined);
        });

        it("applied the simulated run objects before destroying (sanity)", function () {
            const names = simulated.map((o) => o.metadata.name);
            for (const name of [`${INSTANCE}-locale-launch-script`, `${INSTANCE}-locale-headless`, `${INSTANCE}-locale`, EXPORTER])
                assert.ok(names.includes(name), name);
        });

        it("succeeds", function () {
            assert.strictEqual(destroy.exec.code, 0, destroy.exec.stderr + destroy.exec.stdout.slice(-3000));
        });

        it("runs the namespace's RuntimeTeardown to completion before the namespace is deleted", function () {
            const events = destroy.events ?? [];
            const done = events.filter(
                (e) =>
                    e.resOutputsEvent?.metadata.op === "delete" &&
                    e.resOutputsEvent.metadata.type === "pulumi-nodejs:dynamic:RuntimeTeardown",
            );
            const nsDelete = events.find(
                (e) => e.resourcePreEvent?.metadata.op === "delete" && e.resourcePreEvent.metadata.type === "kubernetes:core/v1:Namespace",
            );
            assert.strictEqual(done.length, 1, "one teardown for the namespace (the instance and the exporter)");
            assert.ok(nsDelete, "the namespace was not deleted");
            assert.ok(
                done.every((e) => e.sequence < nsDelete.sequence),
                "a teardown finished after the namespace delete started",
            );
        });

        it("[KCM] deletes the namespace", async function () {
            await waitFor(
                `namespace ${NAMESPACE} to be gone (is the namespace controller of kube-controller-manager running?)`,
                120_000,
                async () => ((await getObject("namespace", NAMESPACE)) ? undefined : true),
            );
        });

        it("leaves no object labelled part-of or managed-by arkouda-workflows in the namespace, of any kind", async function () {
            const kinds = [...new Set([...NAMESPACED_KINDS, ...simulated.map((o) => resourceOfKind(o.kind))])];
            const left: string[] = [];
            for (const selector of [PART_OF, MANAGED_BY]) {
                for (const o of await listObjects(kinds, { allNamespaces: true, selector })) {
                    if (o.metadata.namespace === NAMESPACE) left.push(`${o.kind}/${o.metadata.name}`);
                }
                for (const o of await listObjects(["namespaces"], { selector })) {
                    if (o.metadata.name === NAMESPACE) left.push(`Namespace/${o.metadata.name}`);
                }
            }
            assert.deepStrictEqual(left, []);
        });

        it("leaves no simulated run object behind", async function () {
            const left: string[] = [];
            for (const o of simulated) {
                if (await getObject(resourceOfKind(o.kind), o.metadata.name, NAMESPACE)) left.push(`${o.kind}/${o.metadata.name}`);
            }
            assert.deepStrictEqual(left, []);
        });

        it("leaves the stack without resources", async function () {
            assert.deepStrictEqual(
                (await project.resources()).map((r) => r.urn),
                [],
            );
        });
    });
});
