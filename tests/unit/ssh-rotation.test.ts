/**
 * `ssh.rotation`: the config way to rotate a generated SSH key pair. Validation messages, and
 * that under mocks a new rotation label reaches only the key pair's inputs (the Secret changes
 * only through the key pair's new outputs).
 */
import * as assert from "assert";
import { ConfigError, parseStackConfig } from "../../components/config";
import { configOf, runProgram } from "../lib/mock-program";

function problems(values: Record<string, unknown>): string[] {
    const encoded = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    try {
        parseStackConfig({ values: encoded, secretKeys: new Set() });
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return [...error.problems];
    }
    return [];
}

describe("config: ssh.rotation", () => {
    it("defaults to an empty label", () => {
        assert.strictEqual(configOf({}).ssh.rotation, "");
    });

    it("accepts any single-line label with ssh.source generate", () => {
        assert.strictEqual(configOf({ ssh: { rotation: "2026-11-28 after offboarding" } }).ssh.rotation, "2026-11-28 after offboarding");
    });

    it("rejects it with ssh.source existing, naming the key, the value and what to do instead", () => {
        assert.deepStrictEqual(problems({ ssh: { source: "existing", rotation: "r2" } }), [
            "arkouda-workflows:ssh.rotation only rotates a generated key (ssh.source: generate), but ssh.source is 'existing'; remove ssh.rotation and replace the existing Secret yourself (got \"r2\")",
        ]);
    });

    it("rejects it with ssh.source config, pointing at the secret keys to set instead", () => {
        const found = problems({ ssh: { source: "config", rotation: "r2" } }).filter((p) => p.includes("ssh.rotation"));
        assert.deepStrictEqual(found, [
            "arkouda-workflows:ssh.rotation only rotates a generated key (ssh.source: generate), but ssh.source is 'config'; remove ssh.rotation and set new sshPrivateKey/sshPublicKey with pulumi config set --secret (got \"r2\")",
        ]);
    });

    it("rejects a label spanning several lines", () => {
        assert.deepStrictEqual(problems({ ssh: { rotation: "a\nb" } }), [
            'arkouda-workflows:ssh.rotation must be a single line (any label, e.g. the date of the rotation) (got "a\\nb")',
        ]);
    });
});

describe("program: ssh.rotation under mocks", function () {
    this.timeout(60_000);
    const keyPairInputs = async (values: Record<string, unknown>) => {
        const run = await runProgram(configOf(values));
        return run.declared
            .filter((d) => d.type === "pulumi-nodejs:dynamic:SshKeyPair")
            .map((d) => ({ name: d.name, rotation: d.inputs.rotation }));
    };

    it("passes the label to every cluster's key pair", async () => {
        const clusters = [{ name: "a" }, { name: "b", namespace: "arkouda-b" }];
        assert.deepStrictEqual(await keyPairInputs({ clusters, ssh: { rotation: "r2" } }), [
            { name: "a-ssh-key-pair", rotation: "r2" },
            { name: "b-ssh-key-pair", rotation: "r2" },
        ]);
    });

    it("declares no rotation input without the key, so existing key pairs are not replaced", async () => {
        assert.deepStrictEqual(await keyPairInputs({}), [{ name: "default-ssh-key-pair", rotation: undefined }]);
    });
});
