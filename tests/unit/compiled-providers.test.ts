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
import * as pulumi from "@pulumi/pulumi";
import { RuntimeTeardown, runtimeTeardownProvider } from "../../components/dynamic/runtime-teardown";
import { PROVIDER_CODE_FILE, type writeProviderCode } from "../../components/dynamic/provider-code";
import { workflowRunProvider } from "../../components/dynamic/workflow-run-completion";
import { runSerializedProvider } from "./dynamic-provider-runner";
import { valueOf } from "../lib/mock-program";

const REPO = path.resolve(__dirname, "..", "..");

/** pulumi.dynamic.Resource, which is abstract only in its typing. */
type DynamicResource = new (...args: ConstructorParameters<typeof pulumi.dynamic.Resource>) => pulumi.dynamic.Resource;

/**
 * The `__provider` input each resource reaches the engine with, by resource name, from a run
 * under mocks of `declare` (which declares dynamic resources and returns them).
 */
async function storedProviderCode(declare: () => pulumi.CustomResource[]): Promise<Map<string, string>> {
    const code = new Map<string, string>();
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                code.set(args.name, args.inputs.__provider);
                return { id: args.name, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "project",
        "stack",
        false,
    );
    await Promise.all(declare().map((r) => valueOf(r.id)));
    return code;
}

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

    describe("the providers' code, serialized by the build (provider-code.ts)", function () {
        const TYPES = { RuntimeTeardown: "runtime-teardown", SshKeyPair: "ssh-key-pair", WorkflowRunCompletion: "workflow-run-completion" };
        const PROVIDERS = {
            RuntimeTeardown: "runtimeTeardownProvider",
            SshKeyPair: "sshKeyPairProvider",
            WorkflowRunCompletion: "workflowRunProvider",
        };
        const kube = { kubeconfigPath: "/nonexistent" };
        let built: Record<string, string>;

        before(async function () {
            const write = compiled("components/dynamic/provider-code").writeProviderCode as typeof writeProviderCode;
            assert.deepEqual(await write(), Object.keys(TYPES));
            built = JSON.parse(fs.readFileSync(path.join(out, "components", "dynamic", PROVIDER_CODE_FILE), "utf8"));
        });

        it("is, for every provider, what pulumi.dynamic.Resource stores for it: a stack sees no change", async function () {
            const sdk = await storedProviderCode(() =>
                Object.entries(TYPES).map(([type, file]) => {
                    const provider = compiled(`components/dynamic/${file}`)[PROVIDERS[type as keyof typeof TYPES]];
                    return new (pulumi.dynamic.Resource as unknown as DynamicResource)(
                        provider as pulumi.dynamic.ResourceProvider,
                        type,
                        {},
                        undefined,
                        undefined,
                        type,
                    );
                }),
            );
            for (const type of Object.keys(TYPES))
                assert.equal(built[type], sdk.get(type), `${type}: the build's code differs from the SDK's`);
        });

        it("is in the program's bin/ as `npm run build:program` wrote it, the same as the SDK's", async function () {
            const { staleness } = require(path.join(REPO, "scripts", "program-build.js")) as {
                staleness: (root: string) => string | undefined;
            };
            if (staleness(REPO)) this.skip(); // set-up builds bin/; a stale one is refused by pulumi runs anyway
            const inBin = JSON.parse(fs.readFileSync(path.join(REPO, "bin", "components", "dynamic", PROVIDER_CODE_FILE), "utf8"));
            const sdk = await storedProviderCode(() =>
                Object.entries(TYPES).map(([type, file]) => {
                    const provider = require(path.join(REPO, "bin", "components", "dynamic", file))[PROVIDERS[type as keyof typeof TYPES]];
                    return new (pulumi.dynamic.Resource as unknown as DynamicResource)(provider, type, {}, undefined, undefined, type);
                }),
            );
            for (const type of Object.keys(TYPES)) assert.equal(inBin[type], sdk.get(type), `${type}: bin/'s code differs from the SDK's`);
        });

        it("is read from the build's file by the built resources; from the TypeScript sources, the SDK's serialization", async function () {
            // Marked, so that the text declared can only have come from the file, not from a serialization.
            const file = path.join(out, "components", "dynamic", PROVIDER_CODE_FILE);
            const marked = `${built.RuntimeTeardown}// as the build wrote it\n`;
            fs.writeFileSync(file, JSON.stringify({ ...built, RuntimeTeardown: marked }));
            type Teardown = new (name: string, args: object) => pulumi.CustomResource;
            const BuiltTeardown = compiled("components/dynamic/runtime-teardown").RuntimeTeardown as Teardown;
            const args = { kube, namespace: "ns", targets: [], timeoutSeconds: 1 };
            const declared = await storedProviderCode(() => [
                new BuiltTeardown("built", args),
                new RuntimeTeardown("sources", args),
                new (pulumi.dynamic.Resource as unknown as DynamicResource)(
                    runtimeTeardownProvider,
                    "sdk",
                    {},
                    undefined,
                    undefined,
                    "RuntimeTeardown",
                ),
            ]);
            assert.equal(declared.get("built"), marked);
            assert.ok(declared.get("sources"), "the sources' RuntimeTeardown declared no __provider");
            assert.equal(declared.get("sources"), declared.get("sdk"));
        });
    });

    it("WorkflowRun checks its inputs as the TypeScript provider does", async function () {
        const provider = compiled("components/dynamic/workflow-run-completion").workflowRunProvider as object;
        const r = await runSerializedProvider(provider, "check", [{}, { namespace: "ns" }]);
        assert.equal(r.error, undefined);
        assert.ok(r.result.failures.length > 0);
        assert.deepEqual(r.result, await workflowRunProvider.check!({}, { namespace: "ns" }));
    });
});
