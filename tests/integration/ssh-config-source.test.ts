/**
 * `ssh.source: config`: the key pair comes from secret stack config set with
 * `pulumi config set --secret`. The stack file holds only ciphertext, the state holds no key
 * body, and the cluster's SSH Secret holds exactly the configured key.
 */
import * as assert from "assert";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import { openSshPublicKey } from "../../components/dynamic/ssh-key-pair";
import { RUN_ID, testEnv } from "./harness";
import { decodeBase64, getObject, PulumiProject } from "./pulumi";

const NAMESPACE = `it-ssh-${RUN_ID}`;
const SECRET_NAME = "arkouda-ssh-it";

describe("integration: ssh.source config", function () {
    let project: PulumiProject;
    let privatePem: string;
    let publicLine: string;
    let body: string[];

    before(async function () {
        const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
        privatePem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
        publicLine = openSshPublicKey(publicKey, "arkouda-it");
        body = privatePem
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l && !l.startsWith("-----"));
        project = await PulumiProject.create("ssh-config", "it-ssh");
        project.writeConfig({
            namespace: NAMESPACE,
            ssh: { source: "config", secretName: SECRET_NAME },
            instances: [
                { name: "arkouda-ssh", locales: 1, cpu: "500m", memory: "1Gi", chapel: { numThreadsPerLocale: 1, memMax: 500000000 } },
            ],
            clusters: [{ name: "ssh", kubeconfig: testEnv().kubeconfig }],
        });
        await project.configSet("sshPrivateKey", privatePem, { secret: true });
        await project.configSet("sshPublicKey", publicLine, { secret: true });
    });

    after(async function () {
        if (project) await project.cleanUp([NAMESPACE]);
    });

    describe("the stack file", function () {
        let text: string;
        before(function () {
            text = fs.readFileSync(project.stackFile, "utf8");
        });

        it("stores both keys as `secure:` ciphertext", function () {
            for (const key of ["sshPrivateKey", "sshPublicKey"]) {
                assert.match(
                    text,
                    new RegExp(`arkouda-workflows:${key}:\\n\\s+secure: v1:\\S+`),
                    `${key} is not stored as a secret:\n${text}`,
                );
            }
        });

        it("holds no key material in plain text", function () {
            const found = ["PRIVATE KEY", publicLine.split(" ")[1], ...body].filter((needle) => text.includes(needle));
            assert.deepStrictEqual(
                found.map((f) => f.slice(0, 20)),
                [],
            );
        });

        it("gives the program the exact key back (pulumi config get)", async function () {
            assert.strictEqual((await project.pulumi(["config", "get", "sshPrivateKey"])).stdout.trim(), privatePem.trim());
        });
    });

    describe("after pulumi up", function () {
        before(async function () {
            await project.up();
        });

        it("the SSH Secret holds the configured key pair", async function () {
            const secret = await getObject("secret", SECRET_NAME, NAMESPACE);
            assert.ok(secret?.data, `secret ${NAMESPACE}/${SECRET_NAME} is missing or empty`);
            const data = secret.data as Record<string, string>;
            assert.deepStrictEqual(
                [
                    decodeBase64(data.id_rsa ?? "").trim(),
                    decodeBase64(data["id_rsa.pub"] ?? "").trim(),
                    decodeBase64(data.authorized_keys ?? "").trim(),
                ],
                [privatePem.trim(), publicLine, publicLine],
            );
        });

        it("declares no generated key pair", async function () {
            const types = (await project.resources()).map((r) => r.type);
            assert.ok(types.includes("kubernetes:core/v1:Secret"));
            assert.ok(!types.includes("pulumi-nodejs:dynamic:SshKeyPair"), "an SshKeyPair was declared although ssh.source is config");
        });

        it("neither the stack export nor the raw state files hold the private key", async function () {
            const files = [{ file: "pulumi stack export", text: await project.exportText() }, ...project.rawStateFiles()];
            const base64 = Buffer.from(privatePem).toString("base64");
            const leaking = files
                .filter((f) => ["PRIVATE KEY", base64, ...body].some((needle) => f.text.includes(needle)))
                .map((f) => f.file);
            assert.deepStrictEqual(leaking, []);
        });

        it("the stack file still holds only ciphertext", function () {
            const text = fs.readFileSync(project.stackFile, "utf8");
            assert.deepStrictEqual(body.filter((line) => text.includes(line)).length + (text.includes("PRIVATE KEY") ? 1 : 0), 0);
        });
    });
});
