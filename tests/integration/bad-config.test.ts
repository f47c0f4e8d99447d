/**
 * Bad stack config stops the real `pulumi preview`/`pulumi up` with one clear message before
 * any resource of the program is declared.
 */
import * as assert from "assert";
import { RUN_ID, testEnv } from "./harness";
import { errorText, getObject, PulumiProject, RunOutcome } from "./pulumi";

describe("integration: invalid stack config", function () {
    const namespace = `it-bad-${RUN_ID}`;
    const KEY = "arkouda-workflows:instances[0].memory";
    let project: PulumiProject;
    let preview: RunOutcome;

    before(async function () {
        project = await PulumiProject.create("bad-config", "it-bad");
        project.writeConfig({
            namespace,
            instances: [{ name: "arkouda-bad", locales: 2, memory: "2GB" }],
            clusters: [{ name: "bad", kubeconfig: testEnv().kubeconfig }],
        });
        preview = await project.preview({ json: true, check: false });
    });

    after(async function () {
        if (project) await project.cleanUp([namespace]);
    });

    it("pulumi preview exits non-zero", function () {
        assert.notStrictEqual(preview.exec.code, 0, `preview succeeded:\n${preview.exec.stdout.slice(0, 2000)}`);
    });

    it("the error names the offending key and the value it got", function () {
        const text = errorText(preview);
        assert.ok(text.includes(KEY), `no mention of ${KEY} in:\n${text}`);
        assert.ok(text.includes('"2GB"'), `the rejected value is not quoted in:\n${text}`);
    });

    it("reports the problem exactly once, without a JavaScript stack trace", function () {
        const text = errorText(preview);
        const mentions = text.split(KEY).length - 1;
        const frames = text.split("\n").filter((line) => /^\s+at .+(\(|:\d+:\d+)/.test(line));
        assert.deepStrictEqual(
            { mentions, frames: frames.length },
            { mentions: 1, frames: 0 },
            `the message names the key ${mentions} time(s) and carries ${frames.length} stack frame(s); first lines:\n${text.split("\n").slice(0, 6).join("\n")}`,
        );
    });

    it("declares no resource: the preview plans nothing but the stack root", function () {
        const planned = (preview.json?.steps ?? []).filter((s) => (s.newState ?? s.oldState)?.type !== "pulumi:pulumi:Stack");
        assert.deepStrictEqual(
            planned.map((s) => `${s.op} ${s.urn}`),
            [],
        );
    });

    it("leaves the state without resources", async function () {
        assert.deepStrictEqual(
            (await project.resources()).map((r) => r.urn),
            [],
        );
    });

    describe("pulumi up", function () {
        let up: RunOutcome;
        before(async function () {
            up = await project.up({ json: true, check: false });
        });

        it("fails with the same message", function () {
            assert.notStrictEqual(up.exec.code, 0);
            assert.ok(errorText(up).includes(KEY), errorText(up));
        });

        it("records no resource of the program in the state", async function () {
            const resources = (await project.resources()).filter((r) => r.type !== "pulumi:pulumi:Stack");
            assert.deepStrictEqual(
                resources.map((r) => r.urn),
                [],
            );
        });

        it("creates nothing in the cluster (the namespace does not exist)", async function () {
            assert.strictEqual(await getObject("namespace", namespace), undefined);
        });
    });
});
