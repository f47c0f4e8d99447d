/**
 * Runs a dynamic provider the way Pulumi does: serialized by the SDK's closure serializer,
 * then one method called in a fresh Node process, as the dynamic-provider plugin loads it.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The engine's placeholder for values unknown during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export async function runSerializedProvider(provider: object, method: string, args: unknown[]): Promise<{ text: string; result?: any; error?: string }> {
    const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const { text } = await sc.serializeFunction(() => provider, { allowSecrets: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynprov-"));
    const file = path.join(dir, "provider.js");
    fs.writeFileSync(file, text);
    const runner = `
const fs = require("fs");
const path = require("path");
const rfs = require(require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] }));
const provider = rfs(fs.readFileSync(${JSON.stringify(file)}, "utf8")).handler();
Promise.resolve(provider[${JSON.stringify(method)}](...JSON.parse(process.argv[1]))).then(
  (r) => process.stdout.write(JSON.stringify({ result: r === undefined ? null : r })),
  (e) => process.stdout.write(JSON.stringify({ error: String(e && e.message || e) })));`;
    try {
        const out = await new Promise<string>((resolve, reject) =>
            execFile(process.execPath, ["-e", runner, JSON.stringify(args)], { cwd: path.resolve(__dirname, "../.."), timeout: 60000 }, (err, stdout, stderr) =>
                err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
            ),
        );
        return { text, ...JSON.parse(out) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
