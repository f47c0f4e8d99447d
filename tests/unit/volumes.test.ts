/**
 * An instance's data volumes reach the server (each variant) and locale pods, after the program's
 * own volumes and on the Arkouda container only; with `runAs` the pods get its gid as fsGroup; the
 * stack declares the claims of volumes with `claim`; a delete, a failed deploy's clean-up and the
 * destroy-time teardown never touch a claim, and the workflows get no grant on claims.
 */
import * as assert from "assert";
import { dataVolumeOwnership } from "../../components/pod-security";
import { instanceClaims } from "../../components/instance-claims";
import { arkoudaRuntimeObjectRefs } from "../../components/runtime-objects";
import { dataPodVolumes, dataVolumeMounts, PROGRAM_VOLUME_NAMES } from "../../components/runtime-objects/volumes";
import { instancePlan } from "../../components/target";
import { arkoudaParameters, namespaceTemplates, workflowGrants } from "../../components/workflow-templates";
import type { InstanceConfig } from "../../components/config/types";
import { deleteArkoudaTemplate, deployArkoudaTemplate } from "../lib/templates";
import { fixtureInstance, fixtureNamespace as ns, fixtureRunAsInstance } from "./fixtures";
import { manifestsOf } from "./render-helpers";

const SERVER_STEPS = [
    "deploy-server",
    "deploy-server-without-metrics",
    "deploy-server-with-priority-class",
    "deploy-server-without-metrics-with-priority-class",
];

/** The pod spec of every pod a deploy of `instance` applies, by step. */
function deployedPods(instance: InstanceConfig): { step: string; spec: any }[] {
    const wt = deployArkoudaTemplate(ns, fixtureInstance);
    const parameters = arkoudaParameters(instance);
    return ["deploy-locales", ...SERVER_STEPS].map((step) => {
        const [object] = manifestsOf(wt, step, parameters) as any[];
        return { step, spec: object.kind === "Pod" ? object.spec : object.spec.template.spec };
    });
}

const arkoudaContainer = (spec: any) => spec.containers.find((c: any) => c.name.startsWith("arkouda-udp-"));

describe("volumes: the pod volumes and mounts of an instance's config", () => {
    const volumes: InstanceConfig["volumes"] = [
        { name: "datasets", mountPath: "/data/datasets", existingClaim: "shared" },
        { name: "scratch", mountPath: "/data/scratch", claim: { size: "1Gi", accessMode: "ReadWriteOnce", retainOnDestroy: true } },
        { name: "node", mountPath: "/data/node", hostPath: { path: "/srv/arkouda" } },
        { name: "made", mountPath: "/data/made", hostPath: { path: "/srv/made", type: "DirectoryOrCreate" } },
    ];

    it("an existing claim by its name, a declared one by the instance's claim name, a node directory with its check", () =>
        assert.deepStrictEqual(dataPodVolumes({ name: "ark", volumes }), [
            { name: "datasets", persistentVolumeClaim: { claimName: "shared" } },
            { name: "scratch", persistentVolumeClaim: { claimName: "ark-scratch" } },
            { name: "node", hostPath: { path: "/srv/arkouda" } },
            { name: "made", hostPath: { path: "/srv/made", type: "DirectoryOrCreate" } },
        ]));

    it("each mounted at its path, read-write", () =>
        assert.deepStrictEqual(
            dataVolumeMounts(volumes),
            volumes.map((v) => ({ name: v.name, mountPath: v.mountPath })),
        ));

    it("the stack declares a claim for each volume with `claim` only, named after instance and volume", () =>
        assert.deepStrictEqual(instanceClaims({ name: "ark", volumes }), [
            {
                volume: "scratch",
                name: "ark-scratch",
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
                retainOnDestroy: true,
            },
        ]));

    it("fsGroup is the run-as gid only with both runAs and volumes", () => {
        assert.deepStrictEqual(dataVolumeOwnership(1019, true), { fsGroup: 1019, fsGroupChangePolicy: "OnRootMismatch" });
        assert.deepStrictEqual(dataVolumeOwnership(undefined, true), {});
        assert.deepStrictEqual(dataVolumeOwnership(1019, false), {});
    });
});

describe("volumes: the pods a deploy applies", () => {
    const pods = deployedPods(fixtureInstance);

    it("every server variant and the locales have the data volumes after the program's own", () => {
        const expected = dataPodVolumes(fixtureInstance);
        for (const { step, spec } of pods) {
            const names = spec.volumes.map((v: any) => v.name);
            assert.deepStrictEqual(spec.volumes.slice(-expected.length), expected, step);
            assert.ok(
                names.slice(0, -expected.length).every((n: string) => PROGRAM_VOLUME_NAMES.includes(n)),
                `${step}: ${names.join(", ")}`,
            );
        }
    });

    it("the Arkouda container mounts them at their paths; the exporter sidecar does not", () => {
        for (const { step, spec } of pods) {
            const mounts = arkoudaContainer(spec).volumeMounts;
            assert.deepStrictEqual(mounts.slice(-2), dataVolumeMounts(fixtureInstance.volumes), step);
            for (const sidecar of spec.initContainers ?? [])
                assert.ok(!sidecar.volumeMounts.some((m: any) => m.mountPath.startsWith("/data/")), step);
        }
    });

    it("without runAs the pods get no fsGroup", () => {
        for (const { step, spec } of pods)
            assert.deepStrictEqual(spec.securityContext, { seccompProfile: { type: "RuntimeDefault" } }, step);
    });

    it("with runAs every pod gets its gid as fsGroup, beside the seccomp profile", () => {
        for (const { step, spec } of deployedPods(fixtureRunAsInstance))
            assert.deepStrictEqual(
                spec.securityContext,
                {
                    fsGroup: fixtureRunAsInstance.runAs!.gid,
                    fsGroupChangePolicy: "OnRootMismatch",
                    seccompProfile: { type: "RuntimeDefault" },
                },
                step,
            );
    });

    it("an instance without volumes has the program's volumes and mounts only, and no fsGroup even with runAs", () => {
        for (const { step, spec } of deployedPods({ ...fixtureRunAsInstance, volumes: [] })) {
            assert.ok(
                spec.volumes.every((v: any) => PROGRAM_VOLUME_NAMES.includes(v.name)),
                step,
            );
            assert.ok(!arkoudaContainer(spec).volumeMounts.some((m: any) => m.mountPath.startsWith("/data/")), step);
            assert.deepStrictEqual(spec.securityContext, { seccompProfile: { type: "RuntimeDefault" } }, step);
        }
    });

    it("a -p volume-ownership cannot replace the pods' seccomp profile", () => {
        const wt = deployArkoudaTemplate(ns, fixtureInstance);
        const parameters = {
            ...arkoudaParameters(fixtureInstance),
            "volume-ownership": JSON.stringify({ seccompProfile: { type: "Unconfined" } }),
        };
        for (const step of ["deploy-locales", ...SERVER_STEPS]) {
            const [object] = manifestsOf(wt, step, parameters) as any[];
            const spec = object.kind === "Pod" ? object.spec : object.spec.template.spec;
            assert.deepStrictEqual(spec.securityContext.seccompProfile, { type: "RuntimeDefault" }, step);
        }
    });
});

describe("volumes: what the workflows and the teardown never touch", () => {
    it("the delete template declares no volume parameter", () => {
        const declared = (deleteArkoudaTemplate(ns, fixtureInstance).spec.arguments?.parameters ?? []).map((p) => p.name);
        assert.deepStrictEqual(
            declared.filter((p) => p.startsWith("volume")),
            [],
        );
    });

    it("no object a delete, a failed deploy's clean-up or the teardown deletes is a claim", () => {
        assert.ok(!arkoudaRuntimeObjectRefs(fixtureInstance.name).some((r) => r.kind === "PersistentVolumeClaim"));
        const plan = instancePlan(fixtureInstance, { namespace: "arkouda" }, namespaceTemplates(ns, [fixtureInstance], []));
        assert.ok(!plan.teardown.refs.some((r) => r.kind === "PersistentVolumeClaim"));
    });

    it("the workflow Role has no grant on claims, whatever the instances' volumes", () => {
        const templates = namespaceTemplates(ns, [fixtureInstance, fixtureRunAsInstance], []);
        const grants = workflowGrants(templates.flatMap((t) => t.touches));
        assert.deepStrictEqual(
            grants.filter((g) => /persistentvolume/.test(g.resource)),
            [],
        );
    });
});
