/**
 * The names the integration suites' in-process reads accept for a kind (tests/lib/kube-api.ts),
 * as kubectl accepts them, from discovery's resource lists. Pure.
 */
import { strict as assert } from "assert";
import { firstOfEachName, namesOf, ResourceEntry } from "../lib/kube-api";

const core: ResourceEntry[] = [
    { name: "pods", singularName: "pod", shortNames: ["po"], kind: "Pod", namespaced: true },
    { name: "pods/log", singularName: "", kind: "Pod", namespaced: true },
    { name: "persistentvolumeclaims", singularName: "", shortNames: ["pvc"], kind: "PersistentVolumeClaim", namespaced: true },
    { name: "namespaces", singularName: "namespace", kind: "Namespace", namespaced: false },
    { name: "events", singularName: "event", shortNames: ["ev"], kind: "Event", namespaced: true },
];
const argo: ResourceEntry[] = [{ name: "workflows", singularName: "workflow", shortNames: ["wf"], kind: "Workflow", namespaced: true }];
const events: ResourceEntry[] = [{ name: "events", singularName: "event", shortNames: ["ev"], kind: "Event", namespaced: true }];

const byName = firstOfEachName([
    ...namesOf("", "v1", core),
    ...namesOf("argoproj.io", "argoproj.io/v1alpha1", argo),
    ...namesOf("events.k8s.io", "events.k8s.io/v1", events),
]);
/** The resource of a name, as KubeApi keeps them: the core group first. */
const resolve = (name: string) => byName.get(name);

describe("tests/lib/kube-api.ts: kubectl's names for a kind", function () {
    it("plural, singular, short name and kind, each also with its group", () => {
        for (const name of ["workflows", "workflow", "wf", "workflows.argoproj.io", "workflow.argoproj.io", "wf.argoproj.io"])
            assert.deepEqual(
                resolve(name),
                {
                    prefix: "/apis/argoproj.io/v1alpha1",
                    plural: "workflows",
                    namespaced: true,
                    apiVersion: "argoproj.io/v1alpha1",
                    kind: "Workflow",
                },
                name,
            );
    });

    it("a core kind without a singular name in discovery is named by its kind, lower-case; short names work", () => {
        assert.equal(resolve("persistentvolumeclaim")?.plural, "persistentvolumeclaims");
        assert.equal(resolve("pvc")?.prefix, "/api/v1");
        assert.equal(resolve("namespace")?.namespaced, false);
    });

    it("skips subresources, and a name two groups serve is the core group's", () => {
        assert.equal(resolve("pods/log"), undefined);
        assert.equal(resolve("pod")?.plural, "pods");
        assert.equal(resolve("events")?.apiVersion, "v1");
        assert.equal(resolve("events.events.k8s.io")?.apiVersion, "events.k8s.io/v1");
    });
});
