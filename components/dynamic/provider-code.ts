/**
 * The code of each dynamic provider as the engine stores and runs it (a dynamic resource's
 * `__provider` input). The SDK serializes a provider object on every run of the program, walking
 * everything it captures through the V8 inspector; for the RuntimeTeardown's 46 KB that is about
 * a second of the program's one thread, at every preview and up, during which nothing else
 * registers. So the build serializes each provider once (scripts/program-build.js calls
 * `writeProviderCode` and the file lands beside this module in bin/) and a run reads the text.
 * Without that file (the TypeScript sources under ts-node, the unit tests' mocks) a run
 * serializes as the SDK does. The text is the same either way, so a stack sees no change.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** Where the build leaves the serialized code: beside this module, keyed by the resource type. */
export const PROVIDER_CODE_FILE = "provider-code.json";

const providers = new Map<string, pulumi.dynamic.ResourceProvider>();
const serializing = new Map<pulumi.dynamic.ResourceProvider, Promise<string>>();
let prebuilt: Readonly<Record<string, string>> | undefined;

/** Names `provider` as the one of the dynamic resource type `type` (once per type, at module load). */
export function registerProvider(type: string, provider: pulumi.dynamic.ResourceProvider): void {
    const known = providers.get(type);
    if (known && known !== provider) throw new Error(`two dynamic providers for the resource type ${type}`);
    providers.set(type, provider);
}

/** Every registered provider by its resource type, sorted by type. */
export function dynamicProviders(): [string, pulumi.dynamic.ResourceProvider][] {
    return [...providers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The code the engine stores for a resource of `type`: the build's, else serialized now (once per run). */
export function providerCode(type: string): pulumi.Input<string> {
    const provider = providers.get(type);
    if (!provider) throw new Error(`no dynamic provider registered for the resource type ${type}`);
    prebuilt ??= readPrebuilt();
    const built = prebuilt[type];
    if (built !== undefined) return built;
    let text = serializing.get(provider);
    if (!text) serializing.set(provider, (text = serializeProviderCode(type, provider)));
    return text;
}

/** The provider's code as the SDK serializes it; refuses one that captures a secret (it would sit in the state in plain text). */
async function serializeProviderCode(type: string, provider: pulumi.dynamic.ResourceProvider): Promise<string> {
    // The serializer stores the closure's own text too: this one is written as the SDK's is
    // (`() => provider`), whatever a transpiler would make of an arrow function here.
    const closure = new Function("provider", "return () => provider") as (p: unknown) => () => unknown;
    const serialized = await pulumi.runtime.serializeFunction(closure(provider), { allowSecrets: true });
    if (serialized.containsSecrets) throw new Error(`the dynamic provider of ${type} captures a secret: pass it as an input instead`);
    return serialized.text;
}

/**
 * Serializes every dynamic provider of the built program into PROVIDER_CODE_FILE beside this
 * module. It loads each module of its directory first: each registers its provider at load.
 * Returns the resource types written.
 */
export async function writeProviderCode(): Promise<string[]> {
    for (const file of fs.readdirSync(__dirname).sort()) if (file.endsWith(".js")) require(path.join(__dirname, file));
    const code: Record<string, string> = {};
    for (const [type, provider] of dynamicProviders()) code[type] = await serializeProviderCode(type, provider);
    fs.writeFileSync(path.join(__dirname, PROVIDER_CODE_FILE), `${JSON.stringify(code)}\n`);
    return Object.keys(code);
}

function readPrebuilt(): Record<string, string> {
    try {
        return JSON.parse(fs.readFileSync(path.join(__dirname, PROVIDER_CODE_FILE), "utf8")) as Record<string, string>;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
        throw error;
    }
}
