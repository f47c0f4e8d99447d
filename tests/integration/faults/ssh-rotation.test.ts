/**
 * Fault scenario 7 (issue 13): rotating the generated SSH key by config (`ssh.rotation`). The
 * preview and the update touch only the key pair and the Secret that carries it (both replaced);
 * every other object in the cluster keeps its resourceVersion, and the Secret holds a new,
 * consistent key pair.
 */
import * as assert from "assert";
import { createPrivateKey, createPublicKey } from "crypto";
import { openSshPublicKey } from "../../../components/dynamic/ssh-key-pair";
import { RUN_ID, testEnv, waitFor } from "../harness";
import { NAMESPACED_KINDS } from "../fixtures";
import { decodeBase64, getObject, JsonResult, KubeObject, listObjects, PulumiProject } from "../pulumi";
import { assertConverged, checkConvergence, Convergence, report } from "./convergence";
import { changes } from "./pulumi-runs";
import { smallInstance, dropStack } from "./scenario";

const NS = `it-sshrot-${RUN_ID}`;
const SECRET = "arkouda-ssh";

function versions(objects: readonly KubeObject[]): Record<string, string> {
    return Object.fromEntries(
        objects.map((o) => [`${o.kind}/${o.metadata.name}`, (o.metadata as { resourceVersion?: string }).resourceVersion ?? ""]),
    );
}

describe("faults: SSH key rotation by config (ssh.rotation)", function () {
    let project: PulumiProject;
    let values: Record<string, unknown>;
    let before_: { secret: Record<string, string>; objects: Record<string, string>; secretUid?: string };
    let preview: { code: number; json?: JsonResult; text: string };
    let up: { code: number; changed: string[]; text: string };
    let convergence: Convergence;

    const snapshot = async () => {
        const objects = await listObjects(
            NAMESPACED_KINDS.filter((k) => !["endpoints", "replicasets.apps", "pods"].includes(k)),
            { namespace: NS },
        );
        return versions(objects.filter((o) => !(o.kind === "Secret" && o.metadata.name === SECRET)));
    };

    before(async function () {
        const base = {
            namespace: NS,
            instances: [smallInstance("arkouda-rot")],
            clusters: [{ name: "rot", kubeconfig: testEnv().kubeconfig }],
        };
        project = await PulumiProject.create("sshrot", "it-sshrot");
        project.writeConfig(base);
        await project.up();
        // The token controller writes the token Secret once; let it finish before the snapshot.
        if (testEnv().controllerManager)
            await waitFor("the token Secret to be filled in", 30_000, async () =>
                (await getObject("secret", "arkouda-token", NS))?.data?.token ? true : undefined,
            );
        const secret = await getObject("secret", SECRET, NS);
        before_ = {
            secret: secret?.data ?? {},
            objects: await snapshot(),
            secretUid: (secret?.metadata as { uid?: string } | undefined)?.uid,
        };

        values = { ...base, ssh: { rotation: "2026-11-28" } };
        project.writeConfig(values);
        const p = await project.pulumi(["preview", "--diff", "--json"], { check: false });
        preview = { code: p.code, text: p.stderr + p.stdout.slice(-3000) };
        try {
            preview.json = JSON.parse(p.stdout) as JsonResult;
        } catch {
            // asserted below
        }
        const u = await project.pulumi(["up", "--yes", "--skip-preview", "--json"], { check: false });
        const events = u.stdout
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l));
        up = { code: u.code, changed: changes(events), text: u.stderr + u.stdout.slice(-3000) };
        convergence = await checkConvergence(project, values, [NS]);
        report("ssh key rotation (ssh.rotation)", convergence);
    });

    after(async function () {
        await dropStack(project, [NS]);
    });

    it("pulumi preview --diff plans only the replacement of the key pair and of the Secret", function () {
        assert.strictEqual(preview.code, 0, preview.text);
        const planned = [
            ...new Set((preview.json?.steps ?? []).filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`)),
        ].sort();
        assert.deepStrictEqual(planned, ["replace rot-ssh-key-pair", "replace rot-ssh-secret"]);
    });

    it("pulumi up changes the same two resources and nothing else", function () {
        assert.strictEqual(up.code, 0, up.text);
        // A Secret's data cannot change in place for pulumi-kubernetes: it is replaced (deleted
        // first, since its name is fixed).
        assert.deepStrictEqual([...new Set(up.changed)].sort(), [
            "create-replacement rot-ssh-key-pair",
            "create-replacement rot-ssh-secret",
            "delete-replaced rot-ssh-key-pair",
            "delete-replaced rot-ssh-secret",
            "replace rot-ssh-key-pair",
            "replace rot-ssh-secret",
        ]);
    });

    it("puts a new key pair in the Secret: a different private key, whose public half is id_rsa.pub and authorized_keys", async function () {
        const data = (await getObject("secret", SECRET, NS))?.data as Record<string, string>;
        assert.notStrictEqual(data.id_rsa, before_.secret.id_rsa, "id_rsa did not change");
        const publicLine = decodeBase64(data["id_rsa.pub"]).trim();
        assert.deepStrictEqual(
            [publicLine.split(" ").slice(0, 2).join(" "), decodeBase64(data.authorized_keys).trim()],
            [openSshPublicKey(createPublicKey(createPrivateKey(decodeBase64(data.id_rsa)))), publicLine],
        );
    });

    it("leaves every other object in the namespace untouched (same resourceVersion)", async function () {
        const after_ = await snapshot();
        assert.ok(Object.keys(before_.objects).length >= 15, `only ${Object.keys(before_.objects).length} objects recorded`);
        assert.deepStrictEqual(after_, before_.objects);
    });

    it("converges: nothing lost, left over, duplicated or half-written, no pending operation", function () {
        assertConverged(convergence);
    });
});
