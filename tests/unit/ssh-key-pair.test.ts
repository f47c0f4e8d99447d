import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    checkSshKeyPairInputs,
    DEFAULT_SSH_KEY_BITS,
    generateRsaKeyPair,
    normalizeSshKeyPairInputs,
    openSshFingerprint,
    openSshPublicKey,
    sshKeyPairProvider,
    sshKeyPairReplaces,
} from "../../components/dynamic/ssh-key-pair";

import { runSerializedProvider, UNKNOWN } from "./dynamic-provider-runner";

function haveSshKeygen(): boolean {
    try {
        execFileSync("ssh-keygen", ["-?"], { stdio: "ignore" });
        return true;
    } catch (e) {
        // ssh-keygen -? exits non-zero but exists; ENOENT means it is missing.
        return (e as NodeJS.ErrnoException).code !== "ENOENT";
    }
}

describe("ssh-key-pair", function () {
    this.timeout(60000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "ssh-key-pair-test-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("generates a PKCS#1 PEM private key of the default size", function () {
        const kp = generateRsaKeyPair();
        assert.match(kp.privateKey, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/);
        const key = crypto.createPrivateKey(kp.privateKey);
        assert.equal(key.asymmetricKeyType, "rsa");
        assert.equal(key.asymmetricKeyDetails?.modulusLength, DEFAULT_SSH_KEY_BITS);
        assert.equal(key.asymmetricKeyDetails?.publicExponent, 65537n);
        assert.match(kp.publicKey, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/]+=*$/);
        assert.notEqual(generateRsaKeyPair(2048).privateKey, kp.privateKey);
    });

    it("prints the public line and fingerprint ssh-keygen derives from the private key", function () {
        if (!haveSshKeygen()) {
            console.log("      (ssh-keygen not installed: skipping the OpenSSH cross-check)");
            this.skip();
        }
        for (const [bits, comment] of [
            [2048, "arkouda-gasnet"],
            [3072, ""],
        ] as const) {
            const kp = generateRsaKeyPair(bits, comment);
            const file = path.join(dir, `id_rsa_${bits}`);
            fs.writeFileSync(file, kp.privateKey, { mode: 0o600 });
            const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
            // ssh-keygen -y prints "ssh-rsa <base64>" (PEM keys carry no comment).
            assert.deepEqual(derived.split(/\s+/).slice(0, 2), kp.publicKey.split(" ").slice(0, 2));
            assert.equal(
                kp.publicKey,
                comment ? `${derived.split(/\s+/).slice(0, 2).join(" ")} ${comment}` : derived.split(/\s+/).slice(0, 2).join(" "),
            );
            fs.writeFileSync(`${file}.pub`, `${kp.publicKey}\n`);
            const listed = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${file}.pub`], { encoding: "utf8" }).trim();
            assert.equal(listed.split(/\s+/)[0], String(bits));
            assert.equal(listed.split(/\s+/)[1], kp.fingerprint);
        }
    });

    it("encodes public keys per RFC 4253, sanitizing the comment and refusing non-RSA keys", function () {
        const { publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        const line = openSshPublicKey(publicKey, "  two\nlines  ");
        assert.match(line, /^ssh-rsa \S+ two lines$/);
        const blob = Buffer.from(line.split(" ")[1], "base64");
        let off = 0;
        const next = () => {
            const len = blob.readUInt32BE(off);
            const v = blob.subarray(off + 4, off + 4 + len);
            off += 4 + len;
            return v;
        };
        assert.equal(next().toString(), "ssh-rsa");
        assert.deepEqual([...next()], [0x01, 0x00, 0x01]);
        const n = next();
        assert.equal(n[0], 0, "modulus with its high bit set is prefixed with a zero byte");
        assert.equal(n.length, 257);
        assert.equal(off, blob.length);
        assert.equal(openSshPublicKey(publicKey), line.split(" ").slice(0, 2).join(" "));
        assert.equal(openSshFingerprint(line), `SHA256:${crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`);
        const ec = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey;
        assert.throws(() => openSshPublicKey(ec), /RSA keys only/);
    });

    it("validates and normalizes inputs, letting preview's unknowns through", function () {
        assert.deepEqual(checkSshKeyPairInputs({}), []);
        assert.deepEqual(checkSshKeyPairInputs({ bits: 4096, comment: "x" }), []);
        assert.deepEqual(checkSshKeyPairInputs({ bits: UNKNOWN, comment: UNKNOWN }), []);
        assert.deepEqual(
            checkSshKeyPairInputs({ bits: 1024 }).map((f) => f.property),
            ["bits"],
        );
        assert.deepEqual(
            checkSshKeyPairInputs({ bits: 3072.5 }).map((f) => f.property),
            ["bits"],
        );
        assert.deepEqual(
            checkSshKeyPairInputs({ comment: "a\nb" }).map((f) => f.property),
            ["comment"],
        );
        assert.deepEqual(normalizeSshKeyPairInputs({}), { bits: 3072, comment: "", rotation: "" });
    });

    it("replaces only when bits or comment change (defaults compare equal)", async function () {
        assert.deepEqual(sshKeyPairReplaces({ bits: 3072, comment: "" }, {}), []);
        assert.deepEqual(sshKeyPairReplaces({ bits: 3072, comment: "c" }, { bits: 4096, comment: "c" }), ["bits"]);
        assert.deepEqual(sshKeyPairReplaces({ bits: 3072, comment: "c" }, { comment: "d" }), ["comment"]);
        const stored = {
            bits: 3072,
            comment: "c",
            privateKey: "PEM",
            publicKey: "ssh-rsa X c",
            fingerprint: "SHA256:x",
            __provider: "old",
        };
        assert.deepEqual(await sshKeyPairProvider.diff!("id", stored, { bits: 3072, comment: "c", __provider: "new" }), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.deepEqual(await sshKeyPairProvider.diff!("id", stored, { comment: "c" }), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.deepEqual((await sshKeyPairProvider.diff!("id", stored, { bits: 4096, comment: "c" })).replaces, ["bits"]);
        assert.equal(sshKeyPairProvider.update, undefined);
        assert.equal(sshKeyPairProvider.delete, undefined);
    });

    it('replaces the key pair when the rotation label changes, and only then (state without one means "")', async function () {
        const stored = { bits: 3072, comment: "c", privateKey: "PEM", publicKey: "ssh-rsa X c", fingerprint: "SHA256:x" };
        assert.deepEqual(
            [
                (await sshKeyPairProvider.diff!("id", stored, { bits: 3072, comment: "c", rotation: "" })).replaces,
                (await sshKeyPairProvider.diff!("id", stored, { bits: 3072, comment: "c", rotation: "2026-11" })).replaces,
                (
                    await sshKeyPairProvider.diff!(
                        "id",
                        { ...stored, rotation: "2026-11" },
                        { bits: 3072, comment: "c", rotation: "2026-11" },
                    )
                ).replaces,
                checkSshKeyPairInputs({ rotation: 7 }).map((f) => f.property),
            ],
            [[], ["rotation"], [], ["rotation"]],
        );
    });

    it("creates the key pair once, in a separately loaded serialized provider", async function () {
        const r = await runSerializedProvider(sshKeyPairProvider, "create", [{ bits: 2048, comment: "arkouda-gasnet" }]);
        assert.equal(r.error, undefined);
        const { id, outs } = r.result;
        assert.equal(outs.bits, 2048);
        assert.equal(outs.comment, "arkouda-gasnet");
        assert.match(outs.privateKey, /^-----BEGIN RSA PRIVATE KEY-----/);
        assert.match(outs.publicKey, /^ssh-rsa \S+ arkouda-gasnet$/);
        assert.equal(id, outs.fingerprint);
        assert.equal(openSshPublicKey(crypto.createPublicKey(outs.privateKey), "arkouda-gasnet"), outs.publicKey);
        assert.ok(r.text.length < 40000, `serialized provider is ${r.text.length} chars`);
        assert.doesNotMatch(r.text, /PRIVATE KEY-----\n/);
    });
});
