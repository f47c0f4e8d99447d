import { strict as assert } from "assert";
import { runTeardown, runtimeTeardownProvider } from "../../components/dynamic/runtime-teardown";
import {
    checkTeardownInputs,
    decodeRef,
    diffTeardown,
    encodeRef,
    planTeardown,
    removedTargets,
    RuntimeObjectRef,
    RuntimeTeardownState,
    StoredTarget,
    storedTargets,
    teardownInputs,
    teardownTimeoutMessage,
} from "../../components/dynamic/runtime-teardown-plan";
import { localApiServer, runSerializedProvider, sendJson, TEST_TOKEN, UNKNOWN, virtualClock } from "./dynamic-provider-runner";

/** The runtime objects of one Arkouda instance, in no particular order. */
const refs: RuntimeObjectRef[] = [
    { apiVersion: "v1", kind: "ConfigMap", name: "ak-server-launch-script" },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", name: "ak-pod" },
    { apiVersion: "v1", kind: "Service", name: "ak-locale-headless" },
    { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", name: "ak-servicemonitor" },
    { apiVersion: "v1", kind: "Pod", name: "ak-server" },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", name: "ak-pod" },
    { apiVersion: "apps/v1", kind: "Deployment", name: "ak-locale" },
    { apiVersion: "v1", kind: "Service", name: "ak" },
    { apiVersion: "v1", kind: "Pod", name: "ak-server" },
];

/** The instance `ak` as the program declares it, in stored form. */
const ak: StoredTarget = storedTargets([
    {
        name: "ak",
        workflowSelectors: ["arkouda-workflows/instance=ak", "workflows.argoproj.io/cron-workflow in (ak-deploy,ak-delete)"],
        refs,
    },
])[0];

describe("runtime-teardown", function () {
    describe("planning (pure)", function () {
        it("orders controllers, pods, monitors, services, config, then RBAC; dedupes; foreground for controllers", function () {
            const plan = planTeardown("arkouda", refs);
            assert.deepEqual(
                plan.map((s) => `${s.kind}/${s.name}`),
                [
                    "Deployment/ak-locale",
                    "Pod/ak-server",
                    "ServiceMonitor/ak-servicemonitor",
                    "Service/ak-locale-headless",
                    "Service/ak",
                    "ConfigMap/ak-server-launch-script",
                    "RoleBinding/ak-pod",
                    "Role/ak-pod",
                ],
            );
            assert.ok(plan.every((s) => s.namespace === "arkouda"));
            assert.deepEqual(
                plan.filter((s) => s.propagationPolicy === "Foreground").map((s) => s.kind),
                ["Deployment"],
            );
            assert.ok(planTeardown("arkouda", refs, "Background").every((s) => s.propagationPolicy === "Background"));
        });
        it("puts unlisted kinds between config and RBAC and skips blank refs", function () {
            const plan = planTeardown("ns", [
                { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", name: "r" },
                { apiVersion: "example.com/v1", kind: "Widget", name: "w" },
                { apiVersion: "v1", kind: "ConfigMap", name: "c" },
                { apiVersion: "v1", kind: "ConfigMap", name: " " },
                null as unknown as RuntimeObjectRef,
            ]);
            assert.deepEqual(
                plan.map((s) => s.kind),
                ["ConfigMap", "Widget", "Role"],
            );
            assert.deepEqual(planTeardown("ns", []), []);
        });
        it("stores refs as apiVersion/Kind/name and reads them back", function () {
            assert.deepEqual(ak.objects.slice(0, 2), ["v1/ConfigMap/ak-server-launch-script", "rbac.authorization.k8s.io/v1/Role/ak-pod"]);
            assert.deepEqual(
                ak.objects.map((o) => decodeRef(o)),
                refs,
            );
            assert.equal(decodeRef("v1/Pod"), undefined);
            assert.throws(() => encodeRef({ apiVersion: "v1", kind: "Pod", name: "a/b" }), /name must be a non-empty string without '\/'/);
        });
        it("validates inputs, letting preview's unknowns through", function () {
            const ok = { kube: { kubeconfig: "x" }, namespace: "ns", targets: [ak], timeoutSeconds: 60 };
            assert.deepEqual(checkTeardownInputs(ok), []);
            assert.deepEqual(checkTeardownInputs({ kube: UNKNOWN, namespace: UNKNOWN, targets: UNKNOWN, timeoutSeconds: UNKNOWN }), []);
            assert.deepEqual(
                checkTeardownInputs({ ...ok, targets: [{ name: UNKNOWN, workflows: [UNKNOWN], objects: UNKNOWN }, UNKNOWN] }),
                [],
            );
            assert.deepEqual(
                checkTeardownInputs({
                    kube: null,
                    namespace: "",
                    timeoutSeconds: -1,
                    targets: [{ name: "", workflows: [" "], objects: ["v1/Pod"] }],
                }).map((f) => f.property),
                ["kube", "namespace", "timeoutSeconds", "targets[0].name", "targets[0].workflows[0]", "targets[0].objects[0]"],
            );
            assert.deepEqual(
                checkTeardownInputs({ ...ok, targets: "x" }).map((f) => f.property),
                ["targets"],
            );
            assert.deepEqual(
                checkTeardownInputs({ ...ok, targets: [ak, ak] }).map((f) => f.reason),
                ["target ak is listed twice"],
            );
            assert.deepEqual(checkTeardownInputs({ ...ok, controllerPropagationPolicy: "Background" }), []);
            assert.deepEqual(
                checkTeardownInputs({ ...ok, controllerPropagationPolicy: "Orphan" }).map((f) => f.property),
                ["controllerPropagationPolicy"],
            );
        });
        it("diffs in place (never replaces, which would tear the runtime down) and ignores extra state", function () {
            const news = { kube: { kubeconfig: "x" }, namespace: "ns", targets: [ak], timeoutSeconds: 60, __provider: "new" };
            const olds = { ...teardownInputs(news), __provider: "old" };
            assert.deepEqual(diffTeardown(olds, news), { changes: false, replaces: [] });
            assert.deepEqual(diffTeardown(olds, { ...news, targets: [{ ...ak, objects: ak.objects.slice(1) }] }), {
                changes: true,
                replaces: [],
            });
            assert.deepEqual(diffTeardown(olds, { ...news, namespace: "other" }), { changes: true, replaces: [] });
            assert.deepEqual(diffTeardown(olds, { ...news, kube: { kubeconfig: "y" } }), { changes: true, replaces: [] });
            assert.deepEqual(diffTeardown(olds, { ...news, controllerPropagationPolicy: "Background" }), { changes: true, replaces: [] });
        });
        it("on update, tears down only the targets no longer declared (all of them when the namespace changed)", function () {
            const other = { ...ak, name: "other" };
            const olds = teardownInputs({ kube: {}, namespace: "ns", targets: [ak, other], timeoutSeconds: 60 });
            assert.deepEqual(removedTargets(olds, { ...olds, targets: [ak, other] }), []);
            assert.deepEqual(
                removedTargets(olds, { ...olds, targets: [other] }).map((t) => t.name),
                ["ak"],
            );
            assert.deepEqual(
                removedTargets(olds, { ...olds, namespace: "ns2" }).map((t) => t.name),
                ["ak", "other"],
            );
        });
        it("names what is left on timeout", function () {
            assert.equal(
                teardownTimeoutMessage(
                    "ns",
                    [
                        { kind: "Pod", name: "a" },
                        { kind: "Deployment", name: "b" },
                    ],
                    30,
                ),
                "runtime teardown in namespace ns: still present after 30 s: Pod/a, Deployment/b",
            );
            assert.equal(
                teardownTimeoutMessage(
                    "ns",
                    [
                        { kind: "Deployment", name: "d", finalizers: ["foregroundDeletion"] },
                        { kind: "Pod", name: "p", finalizers: [] },
                    ],
                    5,
                ),
                "runtime teardown in namespace ns: still present after 5 s: Deployment/d (terminating, finalizers: foregroundDeletion), Pod/p (terminating)" +
                    "; foreground deletion waits for the garbage collector (kube-controller-manager) to delete the dependent pods: is it running?",
            );
        });
    });

    describe("against a local API server", function () {
        /** Live objects by path; after its DELETE an object still answers `survive` GETs (terminating), then is gone. */
        const objects = new Map<string, { deleted: boolean; survive: number; labels?: Record<string, string> }>();
        const forbidden = new Set<string>();
        const WORKFLOWS = "/apis/argoproj.io/v1alpha1/namespaces/arkouda/workflows";
        /** `k=v` or `k in (a,b)`, the two forms the program uses. */
        const selects = (selector: string, labels: Record<string, string> = {}) => {
            const eq = /^([^=\s]+)=(.*)$/.exec(selector);
            if (eq) return labels[eq[1]] === eq[2];
            const set = /^(\S+) in \((.*)\)$/.exec(selector);
            if (set) return set[2].split(",").includes(labels[set[1]]);
            throw new Error(`test server: unsupported selector ${selector}`);
        };
        const log: { method: string; url: string; body: string }[] = [];
        const discovery: Record<string, unknown> = {
            "/api/v1": {
                resources: [
                    { name: "pods", kind: "Pod", namespaced: true },
                    { name: "services", kind: "Service", namespaced: true },
                    { name: "configmaps", kind: "ConfigMap", namespaced: true },
                ],
            },
            "/apis/apps/v1": {
                resources: [
                    { name: "deployments", kind: "Deployment", namespaced: true },
                    { name: "deployments/scale", kind: "Scale", namespaced: true },
                ],
            },
            "/apis/rbac.authorization.k8s.io/v1": {
                resources: [
                    { name: "roles", kind: "Role", namespaced: true },
                    { name: "rolebindings", kind: "RoleBinding", namespaced: true },
                ],
            },
            "/apis/argoproj.io/v1alpha1": { resources: [{ name: "workflows", kind: "Workflow", namespaced: true }] },
        };
        const api = localApiServer((req, body, res) => {
            const url = req.url ?? "";
            log.push({ method: req.method ?? "", url, body });
            const send = (code: number, b: unknown) => sendJson(res, code, b);
            const notFound = () => send(404, { kind: "Status", reason: "NotFound", message: `${url} not found`, code: 404 });
            if (url in discovery) return send(200, discovery[url]);
            if (url.startsWith("/apis/") && url.split("/").length === 4) return notFound(); // group/version not served
            if (forbidden.has(url.split("?")[0]))
                return send(403, { kind: "Status", reason: "Forbidden", message: "cannot delete", code: 403 });
            if (url.includes("?")) {
                // A list: what lives under the collection (terminating objects too, as a real API server lists them).
                const [collection, query] = url.split("?");
                const selector = new URLSearchParams(query).get("labelSelector");
                const items = [...objects]
                    .filter(
                        ([p, o]) =>
                            p.startsWith(`${collection}/`) && (!o.deleted || o.survive > 0) && (!selector || selects(selector, o.labels)),
                    )
                    .map(([p, o]) => ({ metadata: { name: p.split("/").pop(), labels: o.labels } }));
                return send(200, { kind: "List", metadata: {}, items });
            }
            const obj = objects.get(url);
            if (!obj) return notFound();
            if (req.method === "DELETE") {
                obj.deleted = true;
                return send(200, { kind: "Status", status: "Success" });
            }
            if (obj.deleted) {
                if (obj.survive <= 0) {
                    objects.delete(url);
                    return notFound();
                }
                obj.survive--;
            }
            return send(200, { metadata: { name: url.split("/").pop() } });
        });
        beforeEach(() => {
            objects.clear();
            forbidden.clear();
            log.splice(0);
        });

        const kubeconfig = api.kubeconfig;
        const clock = () => ({ ...virtualClock(), pollSeconds: 1 });
        /** An object that survives `gets` GETs after its deletion. */
        const live = (p: string, gets = 0, labels?: Record<string, string>) => objects.set(p, { deleted: false, survive: gets, labels });
        const state = (timeoutSeconds = 60, targets = [ak]): RuntimeTeardownState => ({
            kube: { kubeconfig: kubeconfig() },
            namespace: "arkouda",
            targets,
            timeoutSeconds,
        });

        it("deletes what exists in plan order, tolerates NotFound and absent CRDs, and waits until objects are gone", async function () {
            // Deletion of the Deployment takes a few polls (foreground: its pods go first).
            live("/apis/apps/v1/namespaces/arkouda/deployments/ak-locale", 3);
            live("/api/v1/namespaces/arkouda/pods/ak-server");
            live("/api/v1/namespaces/arkouda/services/ak");
            live("/apis/rbac.authorization.k8s.io/v1/namespaces/arkouda/roles/ak-pod");
            {
                const outcomes = await runTeardown(state(), clock());
                assert.deepEqual(
                    outcomes.map((o) => `${o.step.kind}/${o.step.name}:${o.result}`),
                    [
                        "Deployment/ak-locale:deleted",
                        "Pod/ak-server:deleted",
                        "ServiceMonitor/ak-servicemonitor:unknownKind",
                        "Service/ak-locale-headless:absent",
                        "Service/ak:deleted",
                        "ConfigMap/ak-server-launch-script:absent",
                        "RoleBinding/ak-pod:absent",
                        "Role/ak-pod:deleted",
                    ],
                );
            }
            const deletes = log.filter((l) => l.method === "DELETE");
            assert.equal(deletes[0].url, "/apis/apps/v1/namespaces/arkouda/deployments/ak-locale");
            assert.equal(JSON.parse(deletes[0].body).propagationPolicy, "Foreground");
            assert.equal(JSON.parse(deletes[1].body).propagationPolicy, "Background");
            assert.ok(!log.some((l) => l.method === "DELETE" && l.url.includes("servicemonitors")));
            assert.equal(objects.size, 0, "everything is gone");
            assert.ok(
                log.filter((l) => l.method === "GET" && l.url.endsWith("/deployments/ak-locale")).length >= 4,
                "waited for the Deployment",
            );
        });

        it("deletes the target's Workflows first and waits until they are gone before deleting any runtime object", async function () {
            live(`${WORKFLOWS}/ak-deploy-abc12`, 2, { "arkouda-workflows/instance": "ak" });
            live(`${WORKFLOWS}/ak-deploy-1764300000`, 0, { "workflows.argoproj.io/cron-workflow": "ak-deploy" });
            live(`${WORKFLOWS}/other-deploy-x`, 0, { "arkouda-workflows/instance": "other" });
            live("/api/v1/namespaces/arkouda/pods/ak-server");
            const outcomes = await runTeardown(state(), clock());
            assert.deepEqual(
                outcomes.slice(0, 2).map((o) => `${o.step.kind}/${o.step.name}:${o.result}`),
                ["Workflow/ak-deploy-1764300000:deleted", "Workflow/ak-deploy-abc12:deleted"],
            );
            const deletes = log.filter((l) => l.method === "DELETE");
            assert.deepEqual(
                deletes.slice(0, 2).map((l) => JSON.parse(l.body).propagationPolicy),
                ["Foreground", "Foreground"],
                "foreground: the Workflow's pods go with it",
            );
            const lastWorkflowGet = log.map((l) => l.method === "GET" && l.url === `${WORKFLOWS}/ak-deploy-abc12`).lastIndexOf(true);
            const firstObjectDelete = log.findIndex((l) => l.method === "DELETE" && !l.url.startsWith(WORKFLOWS));
            assert.ok(
                lastWorkflowGet >= 0 && lastWorkflowGet < firstObjectDelete,
                "a runtime object was deleted while a Workflow still existed",
            );
            assert.ok(objects.has(`${WORKFLOWS}/other-deploy-x`), "another instance's Workflow was deleted");
            assert.equal(objects.size, 1);
        });

        it("deletes Services and configuration only once the pods and their controllers are gone", async function () {
            live("/api/v1/namespaces/arkouda/pods/ak-server", 3);
            live("/api/v1/namespaces/arkouda/services/ak");
            await runTeardown(state(), clock());
            const lastPodGet = log
                .map((l) => l.method === "GET" && l.url === "/api/v1/namespaces/arkouda/pods/ak-server")
                .lastIndexOf(true);
            const serviceDelete = log.findIndex((l) => l.method === "DELETE" && l.url === "/api/v1/namespaces/arkouda/services/ak");
            assert.ok(lastPodGet >= 0 && serviceDelete > lastPodGet, "the Service was deleted while the server pod still existed");
        });

        it("lists each kind once instead of a DELETE per absent object", async function () {
            await runTeardown(state(), clock());
            assert.deepEqual(
                log.filter((l) => l.method === "DELETE"),
                [],
            );
            const lists = log.filter((l) => l.method === "GET" && l.url.includes("?")).map((l) => l.url.split("?")[0].split("/").pop());
            assert.deepEqual(lists.filter((r) => r !== "workflows").sort(), [
                "configmaps",
                "deployments",
                "pods",
                "rolebindings",
                "roles",
                "services",
            ]);
        });

        it("fails naming the selector when the Workflows cannot be listed, before deleting anything", async function () {
            forbidden.add(WORKFLOWS);
            live("/api/v1/namespaces/arkouda/pods/ak-server");
            await assert.rejects(
                runTeardown(state(), clock()),
                /runtime teardown in namespace arkouda: cannot list the Workflows to stop \(arkouda-workflows\/instance=ak\): .*HTTP 403 Forbidden/,
            );
            assert.ok(!log.some((l) => l.method === "DELETE"));
        });

        it("fails after the timeout, naming what is left", async function () {
            live("/api/v1/namespaces/arkouda/pods/ak-server", 1000);
            await assert.rejects(runTeardown(state(5), clock()), {
                message: "runtime teardown in namespace arkouda: still present after 5 s: Pod/ak-server",
            });
        });

        it("attempts every deletion, then reports failures such as Forbidden", async function () {
            live("/api/v1/namespaces/arkouda/services/ak");
            live("/api/v1/namespaces/arkouda/pods/ak-server");
            forbidden.add("/api/v1/namespaces/arkouda/pods/ak-server");
            await assert.rejects(
                runTeardown(state(), clock()),
                /runtime teardown in namespace arkouda failed: Pod\/ak-server: .*HTTP 403 Forbidden: cannot delete/,
            );
            assert.ok(log.some((l) => l.method === "DELETE" && l.url === "/api/v1/namespaces/arkouda/services/ak"));
        });

        it("does nothing without objects or Workflow selectors, and contacts no cluster", async function () {
            assert.deepEqual(
                await runTeardown({
                    kube: { kubeconfigPath: "/nonexistent" },
                    namespace: "ns",
                    targets: [{ name: "x", workflows: [], objects: [] }],
                    timeoutSeconds: 1,
                }),
                [],
            );
        });

        it("the serialized provider records at create/update and tears down at delete, in a separate process", async function () {
            this.timeout(60000);
            const news = { ...state(30), __provider: "ignored" };
            const created = await runSerializedProvider(runtimeTeardownProvider, "create", [news]);
            assert.equal(created.error, undefined);
            assert.match(created.result.id, /^arkouda\/[0-9a-f-]{36}$/);
            assert.deepEqual(created.result.outs, state(30));
            assert.equal(log.length, 0, "create contacts no cluster");
            assert.ok(!created.text.includes(TEST_TOKEN));
            assert.ok(created.text.length < 60000, `serialized provider is ${created.text.length} chars`);
            const updated = await runSerializedProvider(runtimeTeardownProvider, "update", [
                created.result.id,
                created.result.outs,
                { ...news, timeoutSeconds: 45 },
            ]);
            assert.equal(updated.result.outs.timeoutSeconds, 45);
            assert.equal(log.length, 0, "an update that drops no target contacts no cluster");

            live("/api/v1/namespaces/arkouda/pods/ak-server", 1);
            live("/api/v1/namespaces/arkouda/configmaps/ak-server-launch-script");
            const deleted = await runSerializedProvider(runtimeTeardownProvider, "delete", [
                created.result.id,
                { ...updated.result.outs, __provider: "x" },
            ]);
            assert.equal(deleted.error, undefined);
            assert.equal(objects.size, 0);
            assert.deepEqual(
                log.filter((l) => l.method === "DELETE").map((l) => l.url.split("/").pop()),
                ["ak-server", "ak-server-launch-script"],
                "a DELETE for each object present, none for the absent",
            );
        });

        it("the serialized provider's update tears down a dropped target, and only it", async function () {
            this.timeout(60000);
            const other = storedTargets([
                {
                    name: "other",
                    workflowSelectors: ["arkouda-workflows/instance=other"],
                    refs: [{ apiVersion: "v1", kind: "Pod", name: "other-server" }],
                },
            ])[0];
            live(`${WORKFLOWS}/other-deploy-x`, 0, { "arkouda-workflows/instance": "other" });
            live("/api/v1/namespaces/arkouda/pods/other-server");
            live(`${WORKFLOWS}/ak-deploy-y`, 0, { "arkouda-workflows/instance": "ak" });
            live("/api/v1/namespaces/arkouda/pods/ak-server");
            const updated = await runSerializedProvider(runtimeTeardownProvider, "update", [
                "arkouda/x",
                state(30, [ak, other]),
                state(30, [ak]),
            ]);
            assert.equal(updated.error, undefined);
            assert.deepEqual(
                updated.result.outs.targets.map((t: StoredTarget) => t.name),
                ["ak"],
            );
            assert.deepEqual([...objects.keys()].sort(), [`${WORKFLOWS}/ak-deploy-y`, "/api/v1/namespaces/arkouda/pods/ak-server"].sort());
        });
    });
});
