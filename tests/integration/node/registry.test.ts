/**
 * Images from a private registry on the local node. The test runs distribution's registry on the
 * node's bridge address only, behind htpasswd authentication with a user and password made for
 * the run (registry-lib.ts), pushes there as `<address>/arkouda-udp-server:<version>` a copy of
 * the server stand-in image (scripts/images.sh's) whose config carries one more label, and tells
 * containerd to reach it over plain HTTP (a hosts.toml in the node's registry config_path); the
 * registry, the hosts.toml and the node's references to the pulled image are gone after,
 * whatever happened. The copy has the stand-in's layers but an image ID of its own: containerd
 * 1.6's CRI keys images by ID, and a pull of the stand-in's own ID under the registry's
 * references left the node knowing it only by those, so every later deploy of the stand-in on
 * the node tried its public registry. With an ID of its own the pull leaves the stand-in as it
 * was, and the test shares a lane with the other node suites (tests/integration/lanes.sh).
 * The stack names the image by `images.server`, its instance pulls `Always` (so every deploy
 * asks the registry), and the credential is secret config. Which assertion fails without what:
 *  - without the pull Secret the stack declares from the credential, or without it on the pods,
 *    the registry refuses the pull and the first deploy fails: its phase assertion, and the
 *    pods' imagePullSecrets assertion;
 *  - with the image taken from the node's store instead of the registry (a pull policy other
 *    than Always), the registry logs no pull by the user: the registry-log assertion;
 *  - with the Secret, or its name in the templates, left behind when the credential leaves the
 *    config: the Secret and template assertion, and the last deploy Succeeds: its phase assertion;
 *  - with the stand-in itself pushed (the same config, so the same image ID): the node-image
 *    assertion (the stand-in's own name gone from the node's listing, or on the same image as the
 *    registry's references; the two IDs equal);
 *  - without the exit handler's explanation, `failure-reasons` names no pull error: that
 *    assertion; without its clean-up, the locale is left: `waitGone`.
 */
import * as assert from "assert";
import * as path from "path";
import { testEnv } from "../harness";
import { PulumiProject } from "../pulumi";
import { getObject, kubectlJson, listObjects, log, summarizeWorkflow, waitFor, WorkflowController, kubectl } from "../argo/kube";
import { relabeledArchiveCopy, RelabeledDigests } from "../../lib/docker-archive";
import {
    DELETE,
    DEPLOY,
    fullImageReference,
    namespacedKinds,
    requireNode,
    standinRefs,
    submit,
    waitGone,
    SMALL_INSTANCE,
} from "./node-lib";
import { DEADLINE_MARGIN_SECONDS, deployFailureReasons, watchWorkflow, workflowSeconds } from "./placement-lib";
import { imageArchive, LocalRegistry, nodeImageId, removeNodeRegistryImages } from "./registry-lib";
import { REGISTRY_SECRET_NAME } from "../../../components/names";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `node-registry-${RUN_ID}`;
const I = "ark-private";
const REPOSITORY = "arkouda-udp-server";
/** The failing deploy ends at the server step's bound (localeReadySeconds + serverReadySeconds): short, but room for a first pull of the image over the bridge. */
const DEADLINES = { deploySeconds: 120, deleteSeconds: 60, localeReadySeconds: 45, serverReadySeconds: 45 };
const REGISTRY_KEYS = ["registryServer", "registryUsername", "registryPassword"] as const;
/** The label that makes the pushed copy another image than the node's stand-in. */
const COPY_LABEL = "arkouda-workflows.test/registry-copy";

function stackConfig(kubeconfig: string, serverRepository: string): Record<string, unknown> {
    return {
        namespace: NS,
        deadlines: DEADLINES,
        images: { server: serverRepository },
        instances: [
            {
                name: I,
                ...SMALL_INSTANCE,
                imagePullPolicy: "Always",
            },
        ],
        clusters: [{ name: "node", kubeconfig }],
    };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("images from a private registry on the local node (htpasswd, on the bridge address)", function () {
    this.timeout(1_200_000);
    let project: PulumiProject;
    let controller: WorkflowController;
    let registry: LocalRegistry | undefined;
    let kinds: string[];
    let tag: string;
    /** The server image as the pods name it: `<address>/arkouda-udp-server:<version>`. */
    let image: string;
    /** The node and the stand-in's reference on it, in full (`docker.io/...`), as the kubelet lists it. */
    let nodeName: string;
    let standinName: string;
    /** The image IDs of the stand-in (`from`) and of the copy pushed to the registry (`to`). */
    let copy: RelabeledDigests | undefined;

    /** A deploy of the instance, as its CronWorkflow passes it. */
    async function deploy() {
        const cron = await getObject("cronworkflow", `${I}-deploy`, NS);
        const given = Object.fromEntries((cron.spec.workflowSpec.arguments?.parameters ?? []).map((p: any) => [p.name, p.value]));
        const name = await submit(NS, DEPLOY, given as Record<string, string>);
        return watchWorkflow(NS, name, (DEADLINES.deploySeconds + 120) * 1000);
    }

    /** The registry's log lines about the node's (containerd's) requests for the image's manifest. */
    function manifestLines(): string[] {
        return registry!
            .log()
            .split("\n")
            .filter((l) => l.includes(`/v2/${REPOSITORY}/manifests/${tag}`) && /containerd\//.test(l));
    }
    /** Those it answered, as the user (its structured log names who it authorized). */
    const servedAsUser = (lines: string[]) =>
        lines.filter(
            (l) =>
                l.includes('msg="response completed"') &&
                l.includes("http.response.status=200") &&
                new RegExp(`auth\\.user\\.name="?${escape(registry!.username)}[" ]`).test(l),
        );
    /** Those it refused for want of a login (its access log: `"HEAD <uri> HTTP/1.1" 401 ...`). */
    const refused = (lines: string[]) => lines.filter((l) => /"(HEAD|GET) \S+ HTTP\/[\d.]+" 401 /.test(l));

    before(async function () {
        process.env.KUBECONFIG = testEnv().kubeconfig;
        const refs = await standinRefs();
        const node = await requireNode([refs.server]);
        kinds = await namespacedKinds();
        tag = refs.server.slice(refs.server.lastIndexOf(":") + 1);
        // The kubelet's node IP is the bridge address: only the node (and this host) reach it.
        const address = (node.status.addresses ?? []).find((a: any) => a.type === "InternalIP")?.address;
        assert.ok(address, `node ${node.metadata.name} reports no InternalIP`);
        const dir = path.join(testEnv().tmpRoot, "node-registry");
        registry = await LocalRegistry.start(address, path.join(dir, "registry"));
        registry.allowNodePulls();
        nodeName = node.metadata.name;
        standinName = fullImageReference(refs.server);
        const archive = path.join(dir, "server-copy.tar");
        copy = await relabeledArchiveCopy(await imageArchive("arkouda-server-standin"), archive, { [COPY_LABEL]: RUN_ID });
        image = await registry.push(archive, REPOSITORY, tag);
        log(`registry ${registry.address}: pushed ${image} (image ${copy.to}; the stand-in's is ${copy.from})`);

        project = await PulumiProject.create("node-registry", "it-registry");
        project.writeConfig(stackConfig(testEnv().kubeconfig, `${registry.address}/${REPOSITORY}`));
        const credential = { registryServer: registry.address, registryUsername: registry.username, registryPassword: registry.password };
        for (const key of REGISTRY_KEYS) await project.configSet(key, credential[key], { secret: true });
        await project.up();
        controller = new WorkflowController(NS, path.join(dir, "workflow-controller.log"));
        await controller.start();
    });

    afterEach(function () {
        if (this.currentTest?.state !== "failed") return;
        if (controller) log(`workflow-controller log (tail):\n${controller.tail(40)}`);
        if (registry) log(`registry log (tail):\n${registry.log().trimEnd().split("\n").slice(-20).join("\n")}`);
    });

    after(async function () {
        await controller?.stop();
        if (project && process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await project.cleanUp([NS]);
        await registry?.stop();
        // The copy's ID only when it is not the stand-in's: removing that would take the stand-in off the node.
        if (registry) await removeNodeRegistryImages(registry.address, copy && copy.to !== copy.from ? copy.to : undefined);
        await kubectl(["delete", "priorityclass", `arkouda-workflows-delete-${NS}`, "--ignore-not-found"], { check: false });
    });

    it("the registry refuses the image without the credential and serves it with it", async () => {
        assert.strictEqual(await registry!.manifestStatus(REPOSITORY, tag, false), 401);
        assert.strictEqual(await registry!.manifestStatus(REPOSITORY, tag, true), 200);
    });

    describe("with the credential", function () {
        let watched: Awaited<ReturnType<typeof deploy>>;

        before(async function () {
            watched = await deploy();
        });

        it(`pulumi up declared the pull Secret ${REGISTRY_SECRET_NAME} for the registry`, async () => {
            const secret = await getObject("secret", REGISTRY_SECRET_NAME, NS);
            assert.strictEqual(secret?.type, "kubernetes.io/dockerconfigjson");
            const content = JSON.parse(Buffer.from(secret.data[".dockerconfigjson"], "base64").toString("utf8"));
            assert.deepStrictEqual(Object.keys(content.auths), [registry!.address]);
            assert.strictEqual(content.auths[registry!.address].username, registry!.username);
        });

        it("the deploy Succeeds", () => {
            assert.strictEqual(watched.wf.status.phase, "Succeeded", summarizeWorkflow(watched.wf));
        });

        it("the server and the locale run the registry's image, pulled Always with the pull Secret", async () => {
            const pods = await listObjects("pods", NS, `app.kubernetes.io/instance=${I}`);
            assert.deepStrictEqual(pods.map((p) => p.metadata.labels["app.kubernetes.io/component"]).sort(), ["locale", "server"]);
            for (const pod of pods) {
                const what = pod.metadata.name;
                assert.deepStrictEqual(pod.spec.imagePullSecrets, [{ name: REGISTRY_SECRET_NAME }], what);
                const container = pod.spec.containers.find((c: any) => c.name.startsWith("arkouda-udp-"));
                assert.deepStrictEqual([container.image, container.imagePullPolicy], [image, "Always"], what);
            }
        });

        it("the node keeps the stand-in under its own name, an image apart from the one pulled from the registry", async () => {
            // The kubelet lists the runtime's images in the node's status some seconds after a pull.
            const images = await waitFor(`node ${nodeName} to list ${image}`, 120_000, async () => {
                const listed: any[] = (await kubectlJson(["get", "node", nodeName])).status?.images ?? [];
                return listed.some((i) => (i.names ?? []).includes(image)) ? listed : undefined;
            });
            const listing = JSON.stringify(images.map((i) => i.names));
            const naming = (ref: string) => images.filter((i) => (i.names ?? []).includes(ref));
            assert.strictEqual(naming(standinName).length, 1, `${standinName} in the node's images ${listing}`);
            assert.ok(!naming(image)[0].names.includes(standinName), `${image} and ${standinName} are one image: ${listing}`);
            const [pulled, standin] = [await nodeImageId(image), await nodeImageId(standinName)];
            assert.notStrictEqual(pulled, standin, `the image IDs of ${image} and ${standinName}`);
            assert.deepStrictEqual({ pulled, standin }, { pulled: copy!.to, standin: copy!.from });
        });

        it("the registry served the image's manifest to the node, as the user", () => {
            assert.ok(servedAsUser(manifestLines()).length > 0, `the node's manifest requests:\n${manifestLines().join("\n")}`);
        });

        it("its step pods pulled with the pull Secret too (the Workflow's imagePullSecrets)", () => {
            const steps = [...watched.pods.values()];
            assert.ok(steps.length >= 3, `${steps.length} step pods seen`);
            for (const pod of steps) assert.deepStrictEqual(pod.spec.imagePullSecrets, [{ name: REGISTRY_SECRET_NAME }], pod.metadata.name);
        });

        it("the delete Succeeds and leaves nothing of the instance", async () => {
            const { wf } = await watchWorkflow(NS, await submit(NS, DELETE), (DEADLINES.deleteSeconds + 60) * 1000);
            assert.strictEqual(wf.status.phase, "Succeeded", summarizeWorkflow(wf));
            await waitGone(NS, I, kinds);
        });
    });

    describe("without the credential (taken out of the config)", function () {
        before(async function () {
            // The stack file written again: the same config without the secret keys.
            project.writeConfig(stackConfig(testEnv().kubeconfig, `${registry!.address}/${REPOSITORY}`));
            await project.up();
        });

        it(`pulumi up deleted ${REGISTRY_SECRET_NAME}, and the templates name it no more`, async () => {
            assert.strictEqual(await getObject("secret", REGISTRY_SECRET_NAME, NS), undefined);
            const template = await getObject("workflowtemplate", DEPLOY, NS);
            assert.strictEqual(template.spec.imagePullSecrets, undefined);
        });

        it("a deploy fails within its deadline (plus the margin), names the pull error and the image, and leaves nothing", async () => {
            const before = manifestLines().length;
            const { wf } = await deploy();
            assert.strictEqual(wf.status.phase, "Failed", summarizeWorkflow(wf));
            assert.ok(workflowSeconds(wf) <= DEADLINES.deploySeconds + DEADLINE_MARGIN_SECONDS, `${workflowSeconds(wf)}s`);
            const reasons = deployFailureReasons(wf);
            log(`${I}: failure-reasons ${JSON.stringify(reasons)}`);
            assert.match(reasons, new RegExp(`${I}-locale-\\S+ Pending:.* (ErrImagePull|ImagePullBackOff) .*${escape(image)}`), reasons);
            assert.match(reasons, /401 Unauthorized/, reasons);
            // The node asked the registry, without a login, and was refused.
            const asked = manifestLines().slice(before);
            assert.ok(refused(asked).length > 0 && servedAsUser(asked).length === 0, `the node's manifest requests:\n${asked.join("\n")}`);
            await waitGone(NS, I, kinds);
        });
    });
});
