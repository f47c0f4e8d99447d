/**
 * Data volumes on the local node. The test makes a StorageClass of its own (no provisioner,
 * WaitForFirstConsumer, as local volumes have) and a `local` PersistentVolume of that class on a
 * directory under its state directory, reserved for the claim the stack declares; all of it, and
 * the namespace the stack keeps, is removed in `after`, whatever happened. The stack has `ark-vol`
 * (runAs, a volume with `claim` on that class) and `ark-missing` (a volume naming a claim that
 * does not exist). Which assertion fails without what:
 *  - without the program's claim (`claim`), `pulumi up` declares none: the claim assertion;
 *  - without `pulumi.com/skipAwait`, `pulumi up` waits for a claim nothing binds yet (the class
 *    binds at the first consumer): the `before` hook's `pulumi up` times out;
 *  - without the volume reaching the pods, the deploy Succeeds with neither pod mounting the claim:
 *    the pods' volumes assertion; without fsGroup, their securityContext assertion, and the run-as
 *    user cannot write on the volume (owned by root, mode 0755): the write assertion;
 *  - a delete that deleted the claim (or a deploy that made its own), or a volume off the pods,
 *    loses the file: the assertions after the delete and after the second deploy;
 *  - a volume that never reaches the pods lets `ark-missing` deploy: its phase assertion;
 *  - without retainOnDestroy (Pulumi's retainOnDelete), or with the namespace destroyed around
 *    it, `pulumi destroy` deletes the claim: the assertions after the destroy.
 *
 * The claim is bound by the local cluster's PersistentVolume controller (the volume is reserved
 * for it, so the binding does not wait for a consumer).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { getObject, kubectl, listObjects, log, summarizeWorkflow, waitFor, WorkflowController } from "../argo/kube";
import { DELETE, DEPLOY, namespacedKinds, requireNode, standinRefs, submit, waitGone, SMALL_INSTANCE } from "./node-lib";
import { deployFailureReasons, watchWorkflow, workflowSeconds } from "./placement-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-vol-${RUN_ID}`;
const I = "ark-vol";
const MISSING = "ark-missing";
const MISSING_CLAIM = `missing-${RUN_ID}`;
const VOLUME = "scratch";
const MOUNT = "/data/scratch";
/** The claim the stack declares for `ark-vol`'s volume (components/names.ts, `claimName`). */
const CLAIM = `${I}-${VOLUME}`;
const STORAGE_CLASS = `arkouda-it-local-${RUN_ID}`;
const PV = `arkouda-it-${RUN_ID}`;
const RUN_AS = { user: "arkdata", uid: 2101, group: "arkdata", gid: 2102 };
/**
 * The locales' bound is the other shared-lane suites' (90 s): beside the other lane, a locale with
 * a 50m request gets a small share of the two cores, and a deploy here has taken 50-62 s (a locale
 * not Ready in 60 s failed the first deploy once). The server step's bound stays 120 s (90 + 30),
 * so `ark-missing`'s deploy still ends when it did.
 */
const DEADLINES = { deploySeconds: 240, deleteSeconds: 120, localeReadySeconds: 90, serverReadySeconds: 30 };
const SERVER_CONTAINER = "arkouda-udp-server";
const FILE = "kept.txt";
const CONTENT = `written by ${RUN_AS.user} in ${RUN_ID}`;

function stackConfig(kubeconfig: string): Record<string, unknown> {
    const small = SMALL_INSTANCE;
    return {
        namespace: NS,
        deadlines: DEADLINES,
        instances: [
            {
                name: I,
                ...small,
                runAs: RUN_AS,
                volumes: [{ name: VOLUME, mountPath: MOUNT, claim: { storageClass: STORAGE_CLASS, size: "1Gi" } }],
            },
            { name: MISSING, ...small, volumes: [{ name: "datasets", mountPath: "/data/datasets", existingClaim: MISSING_CLAIM }] },
        ],
        clusters: [{ name: "node", kubeconfig }],
    };
}

/** A `local` PersistentVolume on `dir` of `node`, reserved for the stack's claim. */
function localVolume(node: any, dir: string) {
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: PV, labels: { "arkouda-workflows/it": "volumes" } },
        spec: {
            capacity: { storage: "1Gi" },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: STORAGE_CLASS,
            claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: NS, name: CLAIM },
            local: { path: dir },
            nodeAffinity: {
                required: {
                    nodeSelectorTerms: [
                        {
                            matchExpressions: [
                                { key: "kubernetes.io/hostname", operator: "In", values: [node.metadata.labels["kubernetes.io/hostname"]] },
                            ],
                        },
                    ],
                },
            },
        },
    };
}

/** Until the cluster's PersistentVolume controller has bound the claim to the volume reserved for it. */
async function waitBound(): Promise<void> {
    await waitFor<any>(`claim ${CLAIM} Bound to ${PV}`, 60_000, async () => {
        const claim = await getObject("pvc", CLAIM, NS);
        return claim?.status?.phase === "Bound" && claim.spec.volumeName === PV ? claim : undefined;
    });
}

/** Deletes an object without waiting for its protection finalizer (a failed run may leave a pod that mounts it). */
async function deleteProtected(args: string[]): Promise<void> {
    await kubectl(["delete", ...args, "--ignore-not-found", "--wait=false"], { check: false });
    await kubectl(["patch", ...args, "--type=merge", "-p", '{"metadata":{"finalizers":null}}'], { check: false });
}

/** Runs a shell command in the server's Arkouda container as the run-as user; its output. */
async function asRunAsUser(script: string, check = true) {
    return kubectl(["exec", "-n", NS, `${I}-server`, "-c", SERVER_CONTAINER, "--", "sudo", "-u", RUN_AS.user, "sh", "-c", script], {
        check,
    });
}

describe("data volumes on the local node (a local PersistentVolume of the test's class)", function () {
    this.timeout(1_200_000);
    let project: PulumiProject;
    let controller: WorkflowController;
    let kinds: string[];
    let hostDir: string;
    /**
     * The deploy of the instance whose claim does not exist: it ends at its deadline, so it starts
     * with the suite and its case reads it after the others have run.
     */
    let missing: ReturnType<typeof deploy>;

    /** A deploy of `instance` (the template's parameters where it differs from the first instance, as its CronWorkflow passes them). */
    async function deploy(instance: string) {
        const cron = await getObject("cronworkflow", `${instance}-deploy`, NS);
        const given = Object.fromEntries((cron.spec.workflowSpec.arguments?.parameters ?? []).map((p: any) => [p.name, p.value]));
        const name = await submit(NS, DEPLOY, given as Record<string, string>);
        return watchWorkflow(NS, name, (DEADLINES.deploySeconds + 120) * 1000);
    }

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        const refs = await standinRefs();
        const node = await requireNode([refs.server]);
        kinds = await namespacedKinds();
        // The volume's directory is the host's: the node's kubelet runs on this machine, as root.
        hostDir = path.join(testEnv().tmpRoot, "node-volumes", "local-volume");
        fs.mkdirSync(hostDir, { recursive: true, mode: 0o755 });
        fs.chmodSync(hostDir, 0o755);
        await kubectl(["create", "-f", "-"], {
            input: JSON.stringify({
                apiVersion: "storage.k8s.io/v1",
                kind: "StorageClass",
                metadata: { name: STORAGE_CLASS, labels: { "arkouda-workflows/it": "volumes" } },
                provisioner: "kubernetes.io/no-provisioner",
                volumeBindingMode: "WaitForFirstConsumer",
                reclaimPolicy: "Retain",
            }),
        });
        await kubectl(["create", "-f", "-"], { input: JSON.stringify(localVolume(node, hostDir)) });
        project = await PulumiProject.create("node-volumes", "it-volumes");
        project.writeConfig(stackConfig(testEnv().kubeconfig));
        await project.up();
        await waitBound();
        controller = new WorkflowController(NS, path.join(testEnv().tmpRoot, "node-volumes", "workflow-controller.log"));
        await controller.start();
        missing = deploy(MISSING);
        // Read by its case; a rejection before then is reported there, not as unhandled.
        missing.catch(() => undefined);
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && controller) log(`workflow-controller log (tail):\n${controller.tail(40)}`);
    });

    after(async function () {
        await controller?.stop();
        if (process.env.ARKOUDA_IT_KEEP_NAMESPACE === "1") return;
        // The stack first (its teardown deletes the pods that mount the volume), then what it keeps.
        if (project) await project.cleanUp([]);
        await deleteProtected(["pvc", CLAIM, "-n", NS]);
        await kubectl(["delete", "namespace", NS, "--ignore-not-found", "--wait=false"], { check: false });
        await deleteProtected(["pv", PV]);
        await kubectl(["delete", "storageclass", STORAGE_CLASS, "--ignore-not-found"], { check: false });
        await kubectl(["delete", "priorityclass", `arkouda-workflows-delete-${NS}`, "--ignore-not-found"], { check: false });
        if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
    });

    it("pulumi up declared the claim on the test's class, without waiting for it to bind", async () => {
        const claim = await getObject("pvc", CLAIM, NS);
        assert.ok(claim, `no claim ${CLAIM} in ${NS}`);
        assert.strictEqual(claim.spec.storageClassName, STORAGE_CLASS);
        assert.deepStrictEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
        assert.strictEqual(claim.metadata.labels["arkouda-workflows/instance"], I);
    });

    describe(`${I}: deploy, write, delete, deploy again`, function () {
        it("the deploy Succeeds with the claim in the server and the locale, and the run-as gid as their fsGroup", async () => {
            const { wf } = await deploy(I);
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
            const pods = await listObjects("pods", NS, `app.kubernetes.io/instance=${I}`);
            assert.deepStrictEqual(pods.map((p) => p.metadata.labels["app.kubernetes.io/component"]).sort(), ["locale", "server"]);
            for (const pod of pods) {
                const what = pod.metadata.name;
                const volume = pod.spec.volumes.find((v: any) => v.name === VOLUME);
                assert.deepStrictEqual(volume?.persistentVolumeClaim, { claimName: CLAIM }, what);
                const container = pod.spec.containers.find((c: any) => c.name.startsWith("arkouda-udp-"));
                assert.ok(
                    container.volumeMounts.some((m: any) => m.name === VOLUME && m.mountPath === MOUNT),
                    what,
                );
                assert.strictEqual(pod.spec.securityContext.fsGroup, RUN_AS.gid, what);
            }
        });

        it("a file the run-as user writes through the server pod lands on the volume with its uid and gid", async () => {
            const written = await asRunAsUser(
                `id -u && printf '%s' '${CONTENT}' > ${MOUNT}/${FILE} && stat -c %u:%g ${MOUNT}/${FILE}`,
                false,
            );
            assert.strictEqual(written.code, 0, `the run-as user could not write on the volume:\n${written.stderr}`);
            assert.deepStrictEqual(written.stdout.trim().split("\n"), [String(RUN_AS.uid), `${RUN_AS.uid}:${RUN_AS.gid}`]);
            // On the node's directory, not in the container: the volume's.
            const onHost = fs.statSync(path.join(hostDir, FILE));
            assert.deepStrictEqual([onHost.uid, onHost.gid], [RUN_AS.uid, RUN_AS.gid]);
            assert.strictEqual(fs.readFileSync(path.join(hostDir, FILE), "utf8"), CONTENT);
        });

        it("the delete Succeeds and leaves nothing of the instance but the stack's claim, bound, with the file", async () => {
            const { wf } = await watchWorkflow(NS, await submit(NS, DELETE), (DEADLINES.deleteSeconds + 60) * 1000);
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
            await waitGone(NS, I, kinds);
            const claim = await getObject("pvc", CLAIM, NS);
            assert.ok(claim && !claim.metadata.deletionTimestamp, `claim ${CLAIM} gone or going after the delete`);
            assert.strictEqual(claim.spec.volumeName, PV);
            assert.strictEqual(fs.readFileSync(path.join(hostDir, FILE), "utf8"), CONTENT);
        });

        it("a second deploy finds the file, with the same uid and gid", async () => {
            const { wf } = await deploy(I);
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
            const read = await asRunAsUser(`cat ${MOUNT}/${FILE} && echo && stat -c %u:%g ${MOUNT}/${FILE}`);
            assert.deepStrictEqual(read.stdout.trim().split("\n"), [CONTENT, `${RUN_AS.uid}:${RUN_AS.gid}`]);
        });
    });

    describe(`${MISSING}: a volume that names a claim that does not exist`, function () {
        it("its deploy fails within its deadline, names the claim, and its exit handler leaves nothing", async () => {
            const { wf } = await missing;
            assert.strictEqual(wf.status.phase, "Failed", summarizeWorkflow(wf));
            assert.ok(workflowSeconds(wf) <= DEADLINES.deploySeconds, `${workflowSeconds(wf)}s`);
            const reasons = deployFailureReasons(wf);
            assert.match(
                reasons,
                new RegExp(`${MISSING}-locale-\\S+ Pending:.*persistentvolumeclaim "${MISSING_CLAIM}" not found`),
                reasons,
            );
            await waitGone(NS, MISSING, kinds);
        });
    });

    describe("pulumi destroy with retainOnDestroy (the default)", function () {
        before(async function () {
            await project.destroy();
        });

        it("leaves the claim, bound to its volume, and its namespace", async () => {
            const claim = await getObject("pvc", CLAIM, NS);
            assert.ok(claim && !claim.metadata.deletionTimestamp, `claim ${CLAIM} gone or going after the destroy`);
            assert.strictEqual(claim.spec.volumeName, PV);
            const namespace = await getObject("namespace", NS, "");
            assert.strictEqual(namespace?.status?.phase, "Active");
        });

        it("leaves the data, and nothing of the stack in the state (a kept claim is forgotten, not deleted)", async () => {
            assert.strictEqual(fs.readFileSync(path.join(hostDir, FILE), "utf8"), CONTENT);
            const left = (await project.resources()).filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.urn);
            assert.deepStrictEqual(left, []);
            assert.deepStrictEqual(await listObjects("pods", NS, `app.kubernetes.io/instance=${I}`), []);
        });
    });
});
