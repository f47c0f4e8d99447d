import * as assert from "assert";
import { workflowCost } from "../lib/workflow-cost";
import type { WorkflowTemplate } from "../../components/argo/model";
import { referencedParameters } from "../../components/argo/expr";
import { declaredParameterValues, substitute } from "../lib/argo-simulate";
import { arkoudaRuntimeObjectRefs, arkoudaRuntimeObjects, exporterRuntimeObjects } from "../../components/runtime-objects";
import {
    ARKOUDA_PARAMETERS,
    arkoudaParameters,
    arkoudaPlaceholders,
    EXPORTER_PARAMETERS,
    exporterParameters,
    exporterPlaceholders,
} from "../../components/workflow-templates/parameters";
import {
    allWorkflowTemplates,
    deleteArkoudaTemplate,
    deleteExporterTemplate,
    deployArkoudaTemplate,
    deployExporterTemplate,
    TEMPLATE_NAMES,
    templateGrants,
} from "../lib/templates";
import { arkoudaValues, exporterValues } from "../lib/values";
import { fixtureExporter, fixtureInstance, fixtureNamespace, fixtureRunAsInstance } from "./fixtures";
import { byName, manifestsOf } from "./render-helpers";
import { BuiltTemplate, namespaceTemplates, workflowGrants } from "../../components/workflow-templates";

const ns = fixtureNamespace;
const all = () => allWorkflowTemplates(ns, fixtureInstance, fixtureExporter);
const text = (wt: WorkflowTemplate) => JSON.stringify(wt);

const plain = (o: unknown) => JSON.parse(JSON.stringify(o));
type Manifest = { kind?: string; metadata: { labels: Record<string, string> }; spec: object };
/** The one ServiceMonitor among a step's manifests. */
const serviceMonitorOf = (manifests: unknown[]): Manifest => {
    const monitors = (manifests as Manifest[]).filter((m) => m.kind === "ServiceMonitor");
    assert.strictEqual(monitors.length, 1, `ServiceMonitors among the step's manifests: ${monitors.length}`);
    return monitors[0];
};

describe("workflow templates: names and structure", () => {
    it("returns the four templates under their upstream names", () => {
        assert.deepStrictEqual(
            all().map((t) => t.metadata.name),
            [...TEMPLATE_NAMES],
        );
        assert.deepStrictEqual(
            [...TEMPLATE_NAMES],
            [
                "deploy-arkouda-on-kubernetes",
                "delete-arkouda-on-kubernetes",
                "deploy-prometheus-arkouda-exporter",
                "delete-prometheus-arkouda-exporter",
            ],
        );
    });

    it("places every template in the settings namespace", () => {
        for (const t of all()) assert.strictEqual(t.metadata.namespace, ns.namespace);
    });

    it("every DAG depends/dependencies target is a task of the same DAG", () => {
        for (const wt of all()) {
            for (const t of wt.spec.templates!) {
                if (!t.dag) continue;
                const names = new Set(t.dag.tasks.map((k) => k.name));
                for (const k of t.dag.tasks) {
                    const targets = (k.depends ?? "")
                        .split(/&&|\|\||[()!]/)
                        .map((s) => s.trim().split(".")[0])
                        .filter(Boolean);
                    for (const d of [...targets, ...(k.dependencies ?? [])])
                        assert.ok(names.has(d), `${wt.metadata.name}/${t.name}/${k.name} -> ${d}`);
                }
            }
        }
    });

    it("every template reference (entrypoint, onExit, tasks) exists", () => {
        for (const wt of all()) {
            const names = new Set(wt.spec.templates!.map((t) => t.name));
            assert.ok(names.has(wt.spec.entrypoint!), `${wt.metadata.name} entrypoint`);
            if (wt.spec.onExit) assert.ok(names.has(wt.spec.onExit), `${wt.metadata.name} onExit`);
            for (const t of wt.spec.templates!)
                for (const k of t.dag?.tasks ?? []) assert.ok(names.has(k.template), `${wt.metadata.name}: ${k.template}`);
        }
    });

    it("template names are unique within each workflow template", () => {
        for (const wt of all()) {
            const names = wt.spec.templates!.map((t) => t.name);
            assert.strictEqual(new Set(names).size, names.length, wt.metadata.name);
        }
    });

    it("every workflow parameter referenced (simple or expression syntax) is declared", () => {
        for (const wt of all()) {
            const declared = new Set(wt.spec.arguments!.parameters!.map((p) => p.name));
            const s = text(wt);
            const used = [
                ...[...s.matchAll(/\{\{workflow\.parameters\.([A-Za-z0-9_-]+)\}\}/g)].map((m) => m[1]),
                ...[...s.matchAll(/workflow\.parameters\['([^']+)'\]/g)].map((m) => m[1]),
                ...[...s.matchAll(/workflow\.parameters\.([A-Za-z0-9_]+)(?![\w-])/g)].map((m) => m[1]),
            ];
            assert.ok(used.length > 0);
            for (const u of used) assert.ok(declared.has(u), `${wt.metadata.name}: ${u} not declared`);
        }
    });

    it("every {{inputs.parameters.X}} is declared on its template", () => {
        for (const wt of all()) {
            for (const t of wt.spec.templates!) {
                const declared = new Set((t.inputs?.parameters ?? []).map((p) => p.name));
                for (const m of JSON.stringify(t).matchAll(/inputs\.parameters(?:\.([A-Za-z0-9_-]+)|\['([^']+)'\])/g)) {
                    assert.ok(declared.has(m[1] ?? m[2]), `${wt.metadata.name}/${t.name}: ${m[1] ?? m[2]}`);
                }
            }
        }
    });

    it("uses no `action: create` anywhere", () => {
        for (const wt of all()) {
            for (const t of wt.spec.templates!) assert.notStrictEqual(t.resource?.action, "create", `${wt.metadata.name}/${t.name}`);
            assert.ok(!/"action":"create"/.test(text(wt)));
            assert.ok(!/\bkubectl\b[^"]*"create"/.test(text(wt)));
        }
    });

    it("every resource apply uses server-side apply with the shared field manager", () => {
        for (const wt of all()) {
            for (const t of wt.spec.templates!) {
                if (t.resource?.action !== "apply") continue;
                assert.deepStrictEqual(t.resource.flags, ["--server-side", "--field-manager=arkouda-workflows", "--force-conflicts"]);
            }
        }
    });

    it("every delete tolerates absence", () => {
        for (const wt of all()) {
            for (const t of wt.spec.templates!) {
                if (t.resource?.action === "delete") assert.ok(t.resource.flags?.includes("--ignore-not-found"), t.name);
                if (t.container?.args?.[0] === "delete") assert.ok(t.container.args.includes("--ignore-not-found"), t.name);
            }
        }
    });

    it("all four carry activeDeadlineSeconds from the deadlines config", () => {
        const [deploy, del, deployE, delE] = all();
        assert.strictEqual(deploy.spec.activeDeadlineSeconds, ns.deadlines.deploySeconds);
        assert.strictEqual(del.spec.activeDeadlineSeconds, ns.deadlines.deleteSeconds);
        assert.strictEqual(deployE.spec.activeDeadlineSeconds, ns.deadlines.deploySeconds);
        assert.strictEqual(delE.spec.activeDeadlineSeconds, ns.deadlines.deleteSeconds);
    });

    it("the locale wait is bounded by localeReadySeconds, the server's (which holds the locales' wait) by their sum", () => {
        const deploy = deployArkoudaTemplate(ns, fixtureInstance);
        const { localeReadySeconds, serverReadySeconds } = ns.deadlines;
        assert.strictEqual(byName(deploy, "deploy-locales").activeDeadlineSeconds, localeReadySeconds);
        for (const t of deploy.spec.templates!.filter((x) => x.name.startsWith("deploy-server"))) {
            assert.strictEqual(t.activeDeadlineSeconds, localeReadySeconds + serverReadySeconds, t.name);
            assert.strictEqual(t.timeout, `${localeReadySeconds + serverReadySeconds}s`, t.name);
        }
    });

    it("the server's locale discovery waits as long as the locale step: LOCALE_DISCOVERY_SECONDS is localeReadySeconds", () => {
        const deadlines = { ...ns.deadlines, localeReadySeconds: 123 };
        const deploy = deployArkoudaTemplate({ ...ns, deadlines }, fixtureInstance);
        assert.strictEqual(byName(deploy, "deploy-locales").activeDeadlineSeconds, 123);
        for (const step of ["deploy-server", "deploy-server-without-metrics"]) {
            const [pod] = manifestsOf(deploy, step, arkoudaParameters(fixtureInstance)) as {
                spec: { containers: { name: string; env: { name: string; value?: string }[] }[] };
            }[];
            const server = pod.spec.containers.find((c) => c.name === "arkouda-udp-server")!;
            assert.strictEqual(server.env.find((e) => e.name === "LOCALE_DISCOVERY_SECONDS")?.value, "123", step);
        }
    });

    it("all four carry a mutex and run as the workflow service account", () => {
        for (const wt of all()) {
            assert.strictEqual(wt.spec.synchronization?.mutexes?.length, 1, wt.metadata.name);
            assert.strictEqual(wt.spec.serviceAccountName, ns.workflowServiceAccountName);
            assert.ok(!("mutex" in (wt.spec.synchronization as object)), "singular mutex was removed in Argo v4");
        }
    });

    it("deploy and delete of one instance share the same mutex name", () => {
        const [deploy, del, deployE, delE] = all();
        assert.deepStrictEqual(deploy.spec.synchronization, del.spec.synchronization);
        assert.deepStrictEqual(deployE.spec.synchronization, delE.spec.synchronization);
        assert.notDeepStrictEqual(deploy.spec.synchronization, deployE.spec.synchronization);
    });

    it("the mutex name resolves per instance", () => {
        const deploy = substitute(deployArkoudaTemplate(ns, fixtureInstance), { parameters: arkoudaParameters(fixtureInstance) });
        assert.strictEqual(deploy.spec.synchronization!.mutexes![0].name, "arkouda-instance-arkouda-on-k8s");
    });

    it("labels workflows with the instance via labelsFrom", () => {
        const deploy = deployArkoudaTemplate(ns, fixtureInstance);
        assert.deepStrictEqual(deploy.spec.workflowMetadata?.labelsFrom, {
            "app.kubernetes.io/instance": { expression: "workflow.parameters['instance-name']" },
            "arkouda-workflows/instance": { expression: "workflow.parameters['instance-name']" },
        });
    });

    it("sets podGC and ttlStrategy on all four", () => {
        for (const wt of all()) {
            assert.ok(wt.spec.podGC?.strategy);
            assert.ok((wt.spec.ttlStrategy?.secondsAfterSuccess ?? 0) > 0);
        }
    });
});

describe("workflow templates: parameters", () => {
    it("deploy defaults equal arkoudaParameters(defaults)", () => {
        assert.deepStrictEqual(
            declaredParameterValues(deployArkoudaTemplate(ns, fixtureInstance).spec),
            arkoudaParameters(fixtureInstance),
        );
    });

    it("the delete template declares only what its steps use, the name, metrics-enabled and servicemonitor-enabled, defaulted from the instance", () => {
        const all = arkoudaParameters(fixtureInstance);
        assert.deepStrictEqual(declaredParameterValues(deleteArkoudaTemplate(ns, fixtureInstance).spec), {
            "instance-name": all["instance-name"],
            "metrics-enabled": all["metrics-enabled"],
            "servicemonitor-enabled": all["servicemonitor-enabled"],
        });
    });

    it("exporter deploy defaults equal exporterParameters(defaults); its delete declares only the name", () => {
        const all = exporterParameters(fixtureExporter);
        assert.deepStrictEqual(declaredParameterValues(deployExporterTemplate(ns, fixtureExporter).spec), all);
        assert.deepStrictEqual(declaredParameterValues(deleteExporterTemplate(ns, fixtureExporter).spec), {
            "exporter-name": all["exporter-name"],
        });
    });

    it("every parameter a template body references is declared, and no other", () => {
        for (const t of all()) {
            const { arguments: args, ...body } = t.spec;
            assert.deepStrictEqual(
                (args?.parameters ?? []).map((p) => p.name).sort(),
                [...referencedParameters(body)].sort(),
                t.metadata.name,
            );
        }
    });

    it("parameter order is the declaration order of arkoudaParameters", () => {
        const names = deployArkoudaTemplate(ns, fixtureInstance).spec.arguments!.parameters!.map((p) => p.name);
        assert.deepStrictEqual(names, Object.keys(arkoudaParameters(fixtureInstance)));
    });

    it("without a configured instance, identity parameters have no default", () => {
        const params = deployArkoudaTemplate(ns, undefined).spec.arguments!.parameters!;
        for (const name of ["instance-name", "arkouda-version", "locales", "cpu", "memory"]) {
            assert.strictEqual(params.find((p) => p.name === name)!.value, undefined, name);
        }
        assert.strictEqual(params.find((p) => p.name === "image-pull-policy")!.value, "IfNotPresent");
    });

    it("has no total-locales parameter: it is derived from locales", () => {
        const names = deployArkoudaTemplate(ns, fixtureInstance).spec.arguments!.parameters!.map((p) => p.name);
        assert.ok(!names.some((n) => n.includes("total")));
        assert.ok(text(deployArkoudaTemplate(ns, fixtureInstance)).includes("asInt(workflow.parameters['locales']) + 1"));
    });

    it("image-pull-policy and the other fixed-choice parameters carry an enum", () => {
        const params = deployArkoudaTemplate(ns, fixtureInstance).spec.arguments!.parameters!;
        const e = (n: string) => params.find((p) => p.name === n)!.enum;
        assert.deepStrictEqual(e("image-pull-policy"), ["Always", "IfNotPresent", "Never"]);
        assert.deepStrictEqual(e("metrics-enabled"), ["false", "true"]);
        assert.deepStrictEqual(e("mem-track"), ["false", "true"]);
        assert.ok(e("log-level")!.includes(fixtureInstance.logLevel));
    });

    it("default values satisfy their own enums", () => {
        for (const wt of all()) {
            for (const p of wt.spec.arguments!.parameters!)
                if (p.enum && p.value !== undefined) assert.ok(p.enum.includes(p.value), `${p.name}=${p.value}`);
        }
    });

    it("carries the match labels as a sorted JSON map", () => {
        const p = arkoudaParameters({
            ...fixtureInstance,
            metrics: { ...fixtureInstance.metrics, prometheusMatchLabels: { z: "1", a: "2" } },
        });
        assert.strictEqual(p["prometheus-match-labels"], '{"a":"2","z":"1"}');
    });
});

describe("workflow templates: the parameter tables", () => {
    it("fill every runtime-object value, as concrete values and as placeholders", () => {
        assert.deepStrictEqual(Object.keys(arkoudaPlaceholders()).sort(), Object.keys(arkoudaValues(fixtureInstance)).sort());
        assert.deepStrictEqual(Object.keys(exporterPlaceholders()).sort(), Object.keys(exporterValues(fixtureExporter)).sort());
        assert.strictEqual(Object.keys(arkoudaValues(fixtureInstance)).length, ARKOUDA_PARAMETERS.length, "every row fills its own field");
        assert.strictEqual(new Set(EXPORTER_PARAMETERS.map((r) => r.field)).size, EXPORTER_PARAMETERS.length);
    });

    it("declare each parameter once", () => {
        for (const rows of [ARKOUDA_PARAMETERS, EXPORTER_PARAMETERS])
            assert.strictEqual(new Set(rows.map((r) => r.name)).size, rows.length);
    });

    it("read each value from its config key", () => {
        const p = arkoudaParameters(fixtureRunAsInstance);
        assert.strictEqual(p["chpl-mem-max"], String(fixtureRunAsInstance.chapel.memMax));
        assert.strictEqual(p["run-as-uid"], String(fixtureRunAsInstance.runAs!.uid));
        assert.strictEqual(p["metrics-enabled"], String(fixtureRunAsInstance.metrics.enabled));
        assert.strictEqual(exporterParameters(fixtureExporter)["metrics-service-host"], fixtureExporter.metricsServiceHost);
    });

    it("an unset optional key gives an empty parameter", () => {
        const p = arkoudaParameters({ ...fixtureInstance, runAs: undefined });
        assert.deepStrictEqual([p["run-as-user"], p["run-as-uid"], p["run-as-group"], p["run-as-gid"]], ["", "", "", ""]);
    });

    it("a config value of the wrong kind names the parameter and the key", () => {
        assert.throws(
            () => arkoudaParameters({ ...fixtureInstance, locales: "two" as unknown as number }),
            /parameter locales: config key locales is "two", not a whole number/,
        );
    });
});

describe("workflow templates: rendered manifests equal the runtime objects", () => {
    const params = arkoudaParameters(fixtureInstance);
    const objs = arkoudaRuntimeObjects(arkoudaValues(fixtureInstance), ns);

    it("apply-services applies the Services", () => {
        const got = manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "apply-services", params);
        assert.deepStrictEqual(got, plain(objs.services));
    });

    it("deploy-locales applies the locale Deployment", () => {
        assert.deepStrictEqual(
            manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "deploy-locales", params),
            plain([objs.localeDeployment]),
        );
    });

    it("deploy-server applies the server Pod", () => {
        assert.deepStrictEqual(manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "deploy-server", params), plain([objs.serverPod]));
    });

    it("apply-services-and-servicemonitor applies the Services and the ServiceMonitor with the match labels", () => {
        const got = manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "apply-services-and-servicemonitor", params);
        assert.deepStrictEqual(got, plain([...objs.services, objs.serviceMonitor]));
        assert.strictEqual(serviceMonitorOf(got).metadata.labels.release, "kube-stack");
    });

    it("run-as values reach the pods", () => {
        const p = arkoudaParameters(fixtureRunAsInstance);
        const o = arkoudaRuntimeObjects(arkoudaValues(fixtureRunAsInstance), ns);
        assert.deepStrictEqual(manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "deploy-server", p), plain([o.serverPod]));
    });

    it("the locale wait condition resolves to the locale count", () => {
        const t = substitute(byName(deployArkoudaTemplate(ns, fixtureInstance), "deploy-locales"), { parameters: params });
        assert.strictEqual(t.resource!.successCondition, "status.readyReplicas == 2, status.updatedReplicas == 2");
    });

    it("the delete step lists every ref except the ServiceMonitor", () => {
        const got = manifestsOf(deleteArkoudaTemplate(ns, fixtureInstance), "delete-objects", params) as {
            kind: string;
            metadata: { name: string };
        }[];
        const want = arkoudaRuntimeObjectRefs(fixtureInstance.name).filter((r) => r.kind !== "ServiceMonitor");
        assert.deepStrictEqual(
            got.map((d) => ({ kind: d.kind, name: d.metadata.name })),
            want.map((r) => ({ kind: r.kind, name: r.name })),
        );
    });

    it("the delete removes the server-registered Services too", () => {
        const got = manifestsOf(deleteArkoudaTemplate(ns, fixtureInstance), "delete-objects", params) as { metadata: { name: string } }[];
        const names = got.map((d) => d.metadata.name);
        assert.ok(names.includes("arkouda-on-k8s") && names.includes("arkouda-on-k8s-metrics"));
    });

    it("exporter manifests equal the exporter runtime objects", () => {
        const e = exporterRuntimeObjects(exporterValues(fixtureExporter), ns);
        const p = exporterParameters(fixtureExporter);
        const wt = deployExporterTemplate(ns, fixtureExporter);
        assert.deepStrictEqual(manifestsOf(wt, "apply-service-and-servicemonitor", p), plain([e.service, e.serviceMonitor]));
        assert.deepStrictEqual(manifestsOf(wt, "deploy-exporter", p), plain([e.deployment]));
    });

    it("a non-integer locales value fails substitution instead of reaching a manifest", () => {
        assert.throws(
            () => manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "deploy-locales", { ...params, locales: "2\nevil: 1" }),
            /asInt/,
        );
    });
});

describe("workflow templates: injection", () => {
    const evil = '": x\n evil: y';
    const base = arkoudaParameters(fixtureInstance);

    it("a match-label value with YAML syntax stays one label value", () => {
        const params = { ...base, "prometheus-match-labels": JSON.stringify({ release: evil }) };
        const sm = serviceMonitorOf(manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "apply-services-and-servicemonitor", params));
        assert.strictEqual(sm.metadata.labels.release, evil);
        assert.ok(!("evil" in sm.metadata.labels) && !("evil" in sm.spec));
    });

    it("a match-label key with YAML syntax stays one label key", () => {
        const params = { ...base, "prometheus-match-labels": JSON.stringify({ [evil]: "v" }) };
        const sm = serviceMonitorOf(manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "apply-services-and-servicemonitor", params));
        assert.strictEqual(sm.metadata.labels[evil], "v");
    });

    it("a string parameter with YAML syntax cannot add keys to any manifest", () => {
        const values = { ...fixtureInstance, cpu: evil, launcher: evil, serverName: evil };
        const params = { ...base, cpu: evil, launcher: evil, "server-name": evil };
        const o = arkoudaRuntimeObjects(arkoudaValues(values), ns);
        const wt = deployArkoudaTemplate(ns, fixtureInstance);
        assert.deepStrictEqual(manifestsOf(wt, "apply-services", params), plain(o.services));
        assert.deepStrictEqual(manifestsOf(wt, "deploy-server", params), plain([o.serverPod]));
    });

    it("a JSON placement value with YAML syntax stays inside the value it is (tolerations, affinity, node selector)", () => {
        const tolerations = [{ key: "k", operator: "Equal", value: evil }];
        const affinity = { nodeAffinity: { [evil]: { y: evil } } };
        const params = {
            ...base,
            tolerations: JSON.stringify(tolerations),
            affinity: JSON.stringify(affinity),
            "node-selector": JSON.stringify({ [evil]: evil }),
            "pod-annotations": JSON.stringify({ a: evil }),
        };
        for (const step of ["deploy-locales", "deploy-server"]) {
            const [o] = manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), step, params) as any[];
            const pod = o.kind === "Pod" ? o : o.spec.template;
            assert.deepStrictEqual(pod.spec.tolerations, tolerations, step);
            assert.deepStrictEqual(pod.spec.affinity, affinity, step);
            assert.deepStrictEqual(pod.spec.nodeSelector, { [evil]: evil }, step);
            assert.deepStrictEqual(pod.metadata.annotations, { a: evil }, step);
            assert.ok(!("evil" in pod.spec) && !("evil" in pod.metadata), step);
        }
    });

    it("a JSON placement value that is not JSON fails substitution instead of reaching a manifest", () => {
        assert.throws(() =>
            manifestsOf(deployArkoudaTemplate(ns, fixtureInstance), "deploy-locales", { ...base, tolerations: "- key: k\n  evil: y" }),
        );
    });

    it("workflow parameters appear in manifests only inside expression tags", () => {
        for (const wt of all()) {
            for (const t of wt.spec.templates!) {
                const m = t.resource?.manifest ?? t.inputs?.artifacts?.[0]?.raw?.data ?? "";
                assert.ok(!m.includes("{{workflow.parameters"), `${wt.metadata.name}/${t.name}`);
                assert.ok(!m.includes("{{inputs.parameters"), `${wt.metadata.name}/${t.name}`);
            }
        }
    });
});

describe("workflow templates: cost", () => {
    it("deploy creates 3 pods with metrics and the ServiceMonitor enabled (it rides with the Services)", () => {
        assert.strictEqual(workflowCost(deployArkoudaTemplate(ns, fixtureInstance)).podsPerRun, 3);
    });

    it("deploy creates 3 pods with metrics disabled", () => {
        const wt = deployArkoudaTemplate(ns, fixtureInstance);
        assert.strictEqual(workflowCost(wt, { ...arkoudaParameters(fixtureInstance), "metrics-enabled": "false" }).podsPerRun, 3);
    });

    it("the deploy critical path is 1 pod step: the Services, locales and server start side by side", () => {
        assert.strictEqual(workflowCost(deployArkoudaTemplate(ns, fixtureInstance)).sequentialPodSteps, 1);
    });

    it("no deploy step waits for another (the launch scripts are the namespace's, not applied by the deploy)", () => {
        const tasks = byName(deployArkoudaTemplate(ns, fixtureInstance), "deploy").dag!.tasks;
        assert.strictEqual(tasks.filter((t) => t.name.startsWith("deploy-server")).length, 4);
        for (const t of tasks) assert.strictEqual(t.depends, undefined, t.name);
        const o = plain(arkoudaRuntimeObjects(arkoudaValues(fixtureInstance), ns));
        for (const pod of [o.localeDeployment.spec.template.spec, o.serverPod.spec])
            assert.deepStrictEqual(pod.volumes.find((v: { name: string }) => v.name === "launch-script").configMap, {
                name: "arkouda-launch-scripts",
            });
    });

    it("delete creates 1 pod, 2 only with metrics on and the ServiceMonitor off (an earlier deploy may have registered one)", () => {
        const wt = deleteArkoudaTemplate(ns, fixtureInstance);
        const cost = (metrics: string, monitor: string) =>
            workflowCost(wt, { ...arkoudaParameters(fixtureInstance), "metrics-enabled": metrics, "servicemonitor-enabled": monitor });
        assert.deepStrictEqual(
            [cost("true", "true"), cost("true", "false"), cost("false", "true"), cost("false", "false")].map((c) => [
                c.podsPerRun,
                c.sequentialPodSteps,
            ]),
            [
                [1, 1],
                [2, 1],
                [1, 1],
                [1, 1],
            ],
        );
    });

    it("exporter deploy and delete create at most 2 pods each", () => {
        assert.ok(workflowCost(deployExporterTemplate(ns, fixtureExporter)).podsPerRun <= 2);
        assert.ok(workflowCost(deleteExporterTemplate(ns, fixtureExporter)).podsPerRun <= 2);
    });

    it("the failure clean-up costs nothing on a successful run", () => {
        const wt = deployArkoudaTemplate(ns, fixtureInstance);
        const withoutExit = { ...wt, spec: { ...wt.spec, onExit: undefined } };
        assert.deepStrictEqual(workflowCost(wt), workflowCost(withoutExit));
    });

    it("the exit handler explains, then cleans up, only when the workflow did not succeed", () => {
        const wt = deployArkoudaTemplate(ns, fixtureInstance);
        const exit = byName(wt, wt.spec.onExit!);
        assert.deepStrictEqual(
            exit.dag!.tasks.map((k) => [k.name, k.template, k.when, k.depends]),
            [
                ["explain-failure", "explain-failure", "{{workflow.status}} != Succeeded", undefined],
                [
                    "clean-up-failed-deploy",
                    "clean-up",
                    "{{workflow.status}} != Succeeded",
                    "explain-failure.Succeeded || explain-failure.Failed || explain-failure.Errored",
                ],
            ],
        );
        assert.deepStrictEqual(byName(wt, "clean-up").dag, byName(deleteArkoudaTemplate(ns, fixtureInstance), "delete").dag);
    });

    it("the explanation becomes the Workflow's failure-reasons output, empty when there is none", () => {
        for (const wt of [deployArkoudaTemplate(ns, fixtureInstance), deployExporterTemplate(ns, fixtureExporter)]) {
            assert.deepStrictEqual(byName(wt, wt.spec.onExit!).outputs, {
                parameters: [
                    {
                        name: "failure-reasons",
                        globalName: "failure-reasons",
                        valueFrom: { parameter: "{{tasks.explain-failure.outputs.result}}", default: "" },
                    },
                ],
            });
        }
    });

    it("the explanation lists the target's own pods, its selector a single argument whatever the name holds", () => {
        const t = substitute(byName(deployArkoudaTemplate(ns, fixtureInstance), "explain-failure"), {
            parameters: { ...arkoudaParameters(fixtureInstance), "instance-name": "a,b=c --all" },
        });
        assert.deepStrictEqual(t.container!.args!.slice(0, 4), [
            "get",
            "pods",
            "--namespace=arkouda",
            "--selector=app.kubernetes.io/instance=a,b=c --all",
        ]);
        assert.match(t.container!.args![4], /^--output=jsonpath=\{range \.items\[\*\]\}/);
    });
});

describe("workflow templates: RBAC", () => {
    const grants = templateGrants();
    const find = (group: string, resource: string) => grants.find((g) => g.apiGroup === group && g.resource === resource);

    it("uses no wildcards", () => {
        for (const g of grants) {
            assert.ok(!g.resource.includes("*") && !g.apiGroup.includes("*"));
            assert.ok(!g.verbs.includes("*" as never));
        }
    });

    it("grants deployments in apps and servicemonitors in monitoring.coreos.com (upstream granted them in the core group)", () => {
        assert.ok(find("apps", "deployments"));
        assert.ok(find("monitoring.coreos.com", "servicemonitors"));
        assert.ok(!find("", "deployments") && !find("", "servicemonitors"));
    });

    it("grants the Argo executor workflowtaskresults create and patch", () => {
        assert.deepStrictEqual(find("argoproj.io", "workflowtaskresults")!.verbs, ["create", "patch"]);
    });

    it("grants apply and delete verbs on what the steps touch, and nothing on RBAC objects", () => {
        for (const r of ["services", "pods"]) {
            for (const v of ["get", "create", "patch", "delete"] as const) assert.ok(find("", r)!.verbs.includes(v), `${r} ${v}`);
        }
        // The launch scripts are the stack's: a workflow only deletes what earlier deploys applied per instance.
        assert.deepStrictEqual(find("", "configmaps")!.verbs, ["get", "list", "watch", "delete"]);
        assert.ok(!grants.some((g) => g.apiGroup === "rbac.authorization.k8s.io"));
        assert.ok(!grants.some((g) => g.verbs.includes("update")));
    });

    it("is sorted by group and resource", () => {
        const keys = grants.map((g) => `${g.apiGroup}/${g.resource}`);
        assert.deepStrictEqual(
            keys,
            [...keys].sort((a, b) => a.localeCompare(b)),
        );
    });
});

describe("workflow templates: ServiceMonitor steps follow the namespace's targets", () => {
    const off = {
        ...fixtureInstance,
        metrics: { ...fixtureInstance.metrics, serviceMonitor: { ...fixtureInstance.metrics.serviceMonitor, enabled: false } },
    };
    const metricsOff = { ...fixtureInstance, metrics: { ...fixtureInstance.metrics, enabled: false } };
    const exporterOff = { ...fixtureExporter, serviceMonitor: { ...fixtureExporter.serviceMonitor, enabled: false } };
    const touchesMonitors = (t: BuiltTemplate) => t.touches.some((x) => x.kind === "ServiceMonitor");
    const grantsOf = (templates: BuiltTemplate[]) => workflowGrants(templates.flatMap((t) => t.touches));

    it("applies the ServiceMonitor with the Services only with metrics and servicemonitor-enabled both true, one pod either way", () => {
        const tasks = deployArkoudaTemplate(ns, fixtureInstance).spec.templates!.find((t) => t.name === "deploy")!.dag!.tasks;
        const when = (name: string) => tasks.find((t) => t.name === name)?.when;
        assert.deepStrictEqual(
            [when("apply-services-and-servicemonitor"), when("apply-services")],
            [
                "{{=workflow.parameters['metrics-enabled'] == 'true' && workflow.parameters['servicemonitor-enabled'] == 'true'}}",
                "{{=workflow.parameters['metrics-enabled'] != 'true' || workflow.parameters['servicemonitor-enabled'] != 'true'}}",
            ],
        );
    });

    it("an exporter deploy applies its Service with or without the ServiceMonitor by servicemonitor-enabled, one pod either way", () => {
        const deploy = deployExporterTemplate(ns, fixtureExporter);
        const tasks = deploy.spec.templates!.find((t) => t.name === "deploy")!.dag!.tasks;
        assert.deepStrictEqual(
            tasks.map((t) => [t.name, t.when]),
            [
                ["apply-service-and-servicemonitor", "{{=workflow.parameters['servicemonitor-enabled'] == 'true'}}"],
                ["apply-service", "{{=workflow.parameters['servicemonitor-enabled'] != 'true'}}"],
                ["deploy-exporter", undefined],
            ],
        );
    });

    it("a namespace whose instances all leave it out gets Arkouda templates without ServiceMonitor steps", () => {
        for (const instances of [[off], [metricsOff], [off, metricsOff]]) {
            const [deploy, del] = namespaceTemplates(ns, instances, [fixtureExporter]);
            assert.ok(!touchesMonitors(deploy) && !touchesMonitors(del), JSON.stringify(instances.map((i) => i.metrics)));
            assert.ok(!text(deploy.template).includes("servicemonitor"), "no ServiceMonitor step or parameter left");
        }
        const [deploy] = namespaceTemplates(ns, [off, fixtureInstance], [fixtureExporter]);
        assert.ok(touchesMonitors(deploy), "one instance with a ServiceMonitor keeps the steps");
    });

    it("and with its exporters all off too, a workflow Role without servicemonitors", () => {
        const find = (templates: BuiltTemplate[]) => grantsOf(templates).find((g) => g.resource === "servicemonitors");
        assert.strictEqual(find(namespaceTemplates(ns, [off], [exporterOff])), undefined);
        assert.ok(find(namespaceTemplates(ns, [off], [fixtureExporter])), "an exporter with one keeps the grant");
        assert.ok(find(namespaceTemplates(ns, [fixtureInstance], [exporterOff])), "an instance with one keeps the grant");
        const [, , deployExporter, deleteExporter] = namespaceTemplates(ns, [off], [exporterOff]);
        assert.deepStrictEqual(
            deployExporter.template.spec.templates!.find((t) => t.name === "deploy")!.dag!.tasks.map((t) => [t.name, t.when]),
            [
                ["apply-service", undefined],
                ["deploy-exporter", undefined],
            ],
        );
        assert.ok(!touchesMonitors(deleteExporter));
    });

    it("a namespace with no target configured keeps the steps, gated by the parameters (runs given -p)", () => {
        assert.ok(namespaceTemplates(ns, [], []).every(touchesMonitors));
    });

    it("without ServiceMonitor steps, every step left is the one the full templates have (security patch, placement, bound, retries, delete class)", () => {
        const podSteps = (t: BuiltTemplate) => t.template.spec.templates!.filter((x) => x.container || x.resource);
        const full = namespaceTemplates(ns, [fixtureInstance], [fixtureExporter]);
        namespaceTemplates(ns, [off], [exporterOff]).forEach((reduced, i) => {
            const steps = podSteps(reduced);
            assert.ok(steps.length > 0);
            for (const step of steps) {
                const same = podSteps(full[i]).find((x) => x.name === step.name);
                assert.deepStrictEqual(plain(step), plain(same), `${reduced.template.metadata.name}/${step.name}`);
                assert.ok(step.timeout && step.retryStrategy, `${step.name} was not built as a pod step`);
            }
        });
    });
});

describe("workflow templates: the image contract", () => {
    const deploy = () => deployArkoudaTemplate(ns, fixtureInstance);
    const tasks = () => deploy().spec.templates!.find((t) => t.name === "deploy")!.dag!.tasks;

    it("deploy-server succeeds only once the server container is ready (registered and answering)", () => {
        const t = deploy().spec.templates!.find((x) => x.name === "deploy-server")!;
        assert.strictEqual(t.resource!.successCondition, "status.containerStatuses.0.ready == true");
    });

    it("runs one server variant: with the sidecar exactly when metrics are on, with a priority class exactly when one is named", () => {
        const servers = tasks().filter((t) => t.name.startsWith("deploy-server"));
        assert.strictEqual(servers.length, 4);
        for (const metrics of ["true", "false"]) {
            for (const priority of ["", "arkouda-batch"]) {
                const parameters = { ...arkoudaParameters(fixtureInstance), "metrics-enabled": metrics, "priority-class-name": priority };
                const running = servers.filter((t) => substitute({ w: t.when! }, { parameters }).w === "true");
                assert.strictEqual(
                    running.length,
                    1,
                    `metrics ${metrics}, class ${JSON.stringify(priority)}: ${running.map((t) => t.name)}`,
                );
                const [pod] = manifestsOf(deploy(), running[0].template, parameters) as {
                    spec: { initContainers?: unknown[]; priorityClassName?: string };
                }[];
                assert.strictEqual(pod.spec.initContainers !== undefined, metrics === "true", running[0].name);
                assert.strictEqual(pod.spec.priorityClassName, priority === "" ? undefined : priority, running[0].name);
            }
        }
    });

    it("one Services step runs, with the ServiceMonitor exactly when metrics and servicemonitor-enabled are on", () => {
        const services = tasks().filter((t) => t.name.startsWith("apply-services"));
        for (const metrics of ["true", "false"]) {
            for (const monitor of ["true", "false"]) {
                const parameters = { ...arkoudaParameters(fixtureInstance), "metrics-enabled": metrics, "servicemonitor-enabled": monitor };
                const running = services.filter((t) => substitute({ w: t.when! }, { parameters }).w === "true");
                assert.strictEqual(running.length, 1, `metrics ${metrics}, servicemonitor ${monitor}: ${running.map((t) => t.name)}`);
                const kinds = (manifestsOf(deploy(), running[0].template, parameters) as { kind: string }[]).map((m) => m.kind);
                assert.strictEqual(kinds.includes("ServiceMonitor"), metrics === "true" && monitor === "true", running[0].name);
            }
        }
    });

    it("the delete's steps that run remove every ref once, whatever metrics and servicemonitor-enabled say", () => {
        const wt = deleteArkoudaTemplate(ns, fixtureInstance);
        const steps = byName(wt, "delete").dag!.tasks;
        const refs = arkoudaRuntimeObjectRefs(fixtureInstance.name).map((r) => `${r.kind}/${r.name}`);
        for (const metrics of ["true", "false"]) {
            for (const monitor of ["true", "false"]) {
                const parameters = { ...arkoudaParameters(fixtureInstance), "metrics-enabled": metrics, "servicemonitor-enabled": monitor };
                const running = steps.filter((t) => t.when === undefined || substitute({ w: t.when }, { parameters }).w === "true");
                const deleted = running.flatMap((t) =>
                    (manifestsOf(wt, t.template, parameters) as { kind: string; metadata: { name: string } }[]).map(
                        (m) => `${m.kind}/${m.metadata.name}`,
                    ),
                );
                const want = metrics === "true" ? refs : refs.filter((r) => !r.startsWith("ServiceMonitor/"));
                assert.deepStrictEqual([...deleted].sort(), [...want].sort(), `metrics ${metrics}, servicemonitor ${monitor}`);
            }
        }
    });

    it("the delete removes the Endpoints the server registered", () => {
        for (const step of ["delete-objects", "delete-objects-and-servicemonitor"]) {
            const t = deleteArkoudaTemplate(ns, fixtureInstance).spec.templates!.find((x) => x.name === step)!;
            assert.match(t.resource!.manifest!, /kind: Endpoints/, step);
        }
    });

    it("the workflow Role may delete Endpoints", () => {
        assert.deepStrictEqual(templateGrants().find((g) => g.resource === "endpoints")?.verbs, ["get", "list", "watch", "delete"]);
    });
});
