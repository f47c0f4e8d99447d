/**
 * The dynamic providers as `pulumi` serializes them from the built program (bin/, JavaScript that
 * tsc emits, no ts-node): components/ compiled with tsconfig.build.json's options (TypeScript's
 * per-file transpile, into a temp dir beside a node_modules link), each provider serialized by the
 * SDK's closure serializer and one method run in a fresh Node process, as the dynamic-provider
 * plugin runs it. The providers' own tests run them from the TypeScript sources (ts-node).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { runtimeTeardownProvider } from "../../components/dynamic/runtime-teardown";
import { workflowRunProvider } from "../../components/dynamic/workflow-run-completion";
import { runSerializedProvider } from "./dynamic-provider-runner";

const REPO = path.resolve(__dirname, "..", "..");

/** components/ (and index.ts) as tsconfig.build.json emits them, under `out`; Node's require of a module there. */
function compileProgram(out: string): (module: string) => Record<string, unknown> {
    const parsed = ts.getParsedCommandLineOfConfigFile(
        path.join(REPO, "tsconfig.build.json"),
        {},
        {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (d) => {
                throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
            },
        },
    );
    if (!parsed) throw new Error("tsconfig.build.json did not parse");
    for (const file of parsed.fileNames) {
        const rel = path.relative(REPO, file).replace(/\.ts$/, ".js");
        const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: parsed.options, fileName: file });
        fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
        fs.writeFileSync(path.join(out, rel), outputText);
    }
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(out, "node_modules"), "dir");
    return (module) => require(path.join(out, module));
}

describe("dynamic providers serialized from the built JavaScript", function () {
    this.timeout(120_000);
    let out: string;
    let compiled: (module: string) => Record<string, unknown>;
    before(function () {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "compiled-program-"));
        compiled = compileProgram(out);
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("the modules loaded are JavaScript (no ts-node transform)", function () {
        const file = path.join(out, "components", "dynamic", "provider.js");
        assert.ok(fs.existsSync(file), "tsconfig.build.json emits components/dynamic/provider.js");
        assert.doesNotMatch(fs.readFileSync(file, "utf8"), /: pulumi\.dynamic\.ResourceProvider/);
    });

    it("SshKeyPair creates a key pair", async function () {
        const provider = compiled("components/dynamic/ssh-key-pair").sshKeyPairProvider as object;
        const r = await runSerializedProvider(provider, "create", [{ bits: 2048, comment: "c" }]);
        assert.equal(r.error, undefined);
        assert.match(r.result.outs.privateKey, /^-----BEGIN RSA PRIVATE KEY-----/);
        assert.match(r.result.outs.publicKey, /^ssh-rsa \S+ c$/);
        assert.ok(r.text.length < 40000, `serialized provider is ${r.text.length} chars`);
    });

    it("RuntimeTeardown records at create and, with nothing to delete, contacts no cluster at delete", async function () {
        const provider = compiled("components/dynamic/runtime-teardown").runtimeTeardownProvider as object;
        const news = {
            kube: { kubeconfigPath: "/nonexistent" },
            namespace: "ns",
            targets: [{ name: "x", workflows: [], objects: [] }],
            timeoutSeconds: 1,
        };
        const created = await runSerializedProvider(provider, "create", [news]);
        assert.equal(created.error, undefined);
        assert.match(created.result.id, /^ns\/[0-9a-f-]{36}$/);
        assert.deepEqual(created.result.outs, (await runtimeTeardownProvider.create(news)).outs);
        const deleted = await runSerializedProvider(provider, "delete", [created.result.id, created.result.outs]);
        assert.equal(deleted.error, undefined);
        assert.ok(created.text.length < 60000, `serialized provider is ${created.text.length} chars`);
    });

    it("WorkflowRun checks its inputs as the TypeScript provider does", async function () {
        const provider = compiled("components/dynamic/workflow-run-completion").workflowRunProvider as object;
        const r = await runSerializedProvider(provider, "check", [{}, { namespace: "ns" }]);
        assert.equal(r.error, undefined);
        assert.ok(r.result.failures.length > 0);
        assert.deepEqual(r.result, await workflowRunProvider.check!({}, { namespace: "ns" }));
    });
});
