import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCALE_LAUNCH_SCRIPT, SERVER_LAUNCH_SCRIPT } from "../../components/launch-scripts";

const scripts = { locale: LOCALE_LAUNCH_SCRIPT, server: SERVER_LAUNCH_SCRIPT };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launch-scripts-"));
const file = (name: string) => {
    const p = path.join(dir, `${name}.sh`);
    fs.writeFileSync(p, scripts[name as keyof typeof scripts]);
    return p;
};
const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

describe("launch scripts", () => {
    for (const name of Object.keys(scripts)) {
        it(`${name}: passes bash -n`, () => {
            execFileSync("bash", ["-n", file(name)]);
        });

        it(`${name}: passes shellcheck`, function () {
            if (!hasShellcheck) {
                console.log("    shellcheck not installed: skipped (apt-get install -y shellcheck)");
                this.skip();
            }
            const r = spawnSync("shellcheck", ["--shell=bash", file(name)], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        });

        it(`${name}: contains no Argo template tags`, () => {
            assert.ok(!scripts[name as keyof typeof scripts].includes("{{"));
        });

        it(`${name}: creates the run-as user only when it is not ubuntu`, () => {
            const s = scripts[name as keyof typeof scripts];
            assert.match(s, /if \[ "\$RUN_AS_USER" = "ubuntu" \]; then\n\s+return 0/);
            assert.match(s, /useradd/);
            assert.match(s, /groupadd --gid "\$RUN_AS_GID"/);
        });

        it(`${name}: installs the private key 0600 and authorises the public key`, () => {
            const s = scripts[name as keyof typeof scripts];
            assert.match(s, /install -m 0600 [^\n]*id_rsa" "\$ssh_dir\/id_rsa"/);
            assert.match(s, /"\$ssh_dir\/authorized_keys"/);
            assert.match(s, /install -d -m 0700/);
        });

        it(`${name}: starts sshd`, () => {
            assert.match(scripts[name as keyof typeof scripts], /\nstart_sshd\n/);
        });
    }

    it("server: reads the token from the absolute path /opt/sa/token", () => {
        assert.match(SERVER_LAUNCH_SCRIPT, /SA_TOKEN_FILE="\/opt\/sa\/token"/);
        assert.match(SERVER_LAUNCH_SCRIPT, /SSL_TOKEN="\$\(cat "\$SA_TOKEN_FILE"\)"/);
        assert.match(SERVER_LAUNCH_SCRIPT, /--cacert "\$SA_CA_FILE"/);
    });

    it("server: never puts the token inside single quotes (upstream did, so it was never expanded)", () => {
        assert.ok(!/'[^'\n]*\$(SSL_)?TOKEN[^'\n]*'/.test(SERVER_LAUNCH_SCRIPT));
        assert.match(SERVER_LAUNCH_SCRIPT, /"Authorization: Bearer \$SSL_TOKEN"/);
    });

    it("server: discovers locales by the app label with bounded retries", () => {
        assert.match(SERVER_LAUNCH_SCRIPT, /labelSelector=app=\$APP_NAME/);
        assert.match(SERVER_LAUNCH_SCRIPT, /if \[ "\$SECONDS" -ge "\$LOCALE_DISCOVERY_SECONDS" \]; then[\s\S]*?exit 75/);
    });

    it("server: starts arkouda_server over GASNet UDP with the ssh spawner", () => {
        assert.match(SERVER_LAUNCH_SCRIPT, /export GASNET_SPAWNFN=S/);
        assert.match(SERVER_LAUNCH_SCRIPT, /SSH_SERVERS="\$MY_IP /);
        assert.match(SERVER_LAUNCH_SCRIPT, /arkouda_server "\$\{args\[@\]\}"/);
        assert.match(SERVER_LAUNCH_SCRIPT, /-nl "\$NUMLOCALES"/);
    });

    it("server: discovery fails once its time is up (executed with a stub API)", function () {
        // Run the discovery part against a fake `curl` returning no pods, with no time to wait.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "stub-bin-"));
        fs.writeFileSync(path.join(bin, "curl"), "#!/bin/bash\necho '{\"items\": []}'\n", { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "cat"), "#!/bin/bash\necho token\n", { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/bash\nexit 0\n", { mode: 0o755 });
        if (spawnSync("python3", ["--version"]).status !== 0) this.skip();
        const r = spawnSync("bash", [file("server")], {
            encoding: "utf8",
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                NUMLOCALES: "3",
                K8S_HOST: "https://k",
                NAMESPACE: "n",
                APP_NAME: "a",
                MY_IP: "10.0.0.1",
                LOCALE_DISCOVERY_SECONDS: "0",
                EXTERNAL_SERVICE_NAME: "ak",
                METRICS_SERVICE_NAME: "ak-metrics",
            },
        });
        assert.strictEqual(r.status, 75, r.stderr);
        assert.match(r.stderr, /found 0 of 2 Ready locale pods after \d+ s \(LOCALE_DISCOVERY_SECONDS=0/);
    });

    it("server: discovery counts only Ready, Running locale pods that are not being deleted (executed with a stub API)", function () {
        if (spawnSync("python3", ["--version"]).status !== 0) this.skip();
        const ready = [{ type: "Ready", status: "True" }];
        const notReady = [{ type: "Ready", status: "False" }];
        const pod = (ip: string, phase: string, conditions: object[], deleting = false) => ({
            metadata: { name: `l-${ip}`, ...(deleting && { deletionTimestamp: "2024-01-01T00:00:00Z" }) },
            status: { phase, podIP: ip, conditions },
        });
        const pods = {
            items: [
                pod("10.0.0.9", "Running", ready),
                pod("10.0.0.2", "Running", notReady), // sshd not up yet
                pod("10.0.0.3", "Running", []), // no conditions reported yet
                pod("10.0.0.4", "Running", ready, true), // an old locale on its way out
                pod("10.0.0.5", "Pending", ready),
                pod("10.0.0.1", "Running", ready),
            ],
        };
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "stub-bin-"));
        const list = path.join(bin, "pods.json");
        fs.writeFileSync(list, JSON.stringify(pods));
        fs.writeFileSync(path.join(bin, "curl"), `#!/bin/bash\ncat ${list}\n`, { mode: 0o755 });
        const start = SERVER_LAUNCH_SCRIPT.indexOf("locale_ips() {");
        const fn = SERVER_LAUNCH_SCRIPT.slice(start, SERVER_LAUNCH_SCRIPT.indexOf("\n}\n", start) + 3);
        const r = spawnSync("bash", ["-c", `set -euo pipefail\n${fn}locale_ips`], {
            encoding: "utf8",
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                K8S_HOST: "https://k",
                NAMESPACE: "n",
                APP_NAME: "a",
                SSL_TOKEN: "t",
                SA_CA_FILE: "/ca",
            },
        });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(r.stdout.trim().split("\n"), ["10.0.0.1", "10.0.0.9"]);
    });
});

describe("launch scripts: clearing an earlier run's registration", () => {
    // Run only the two functions, with a fake curl that logs each call and answers `code`.
    function clear(code: string) {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "stub-bin-"));
        const calls = path.join(bin, "calls");
        fs.writeFileSync(path.join(bin, "curl"), `#!/bin/bash\necho "\${@: -1} \${*}" >> ${calls}\nprintf '%s' ${code}\n`, { mode: 0o755 });
        const fn = (name: string) =>
            SERVER_LAUNCH_SCRIPT.slice(
                SERVER_LAUNCH_SCRIPT.indexOf(`${name}() {`),
                SERVER_LAUNCH_SCRIPT.indexOf("\n}\n", SERVER_LAUNCH_SCRIPT.indexOf(`${name}() {`)) + 3,
            );
        const program = `log() { echo "$*" >&2; }\n${fn("api_delete")}${fn("clear_registration")}clear_registration`;
        const r = spawnSync("bash", ["-c", program], {
            encoding: "utf8",
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                K8S_HOST: "https://k",
                NAMESPACE: "n",
                SSL_TOKEN: "t",
                SA_CA_FILE: "/ca",
                EXTERNAL_SERVICE_NAME: "ak",
                METRICS_SERVICE_NAME: "ak-metrics",
            },
        });
        const urls = fs.existsSync(calls)
            ? fs
                  .readFileSync(calls, "utf8")
                  .trim()
                  .split("\n")
                  .map((l) => l.split(" ")[0])
            : [];
        return { status: r.status, stderr: r.stderr, urls, lines: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "" };
    }

    it("deletes both Services and both Endpoints of the instance", () => {
        assert.deepStrictEqual(clear("404").urls, [
            "https://k/api/v1/namespaces/n/services/ak",
            "https://k/api/v1/namespaces/n/endpoints/ak",
            "https://k/api/v1/namespaces/n/services/ak-metrics",
            "https://k/api/v1/namespaces/n/endpoints/ak-metrics",
        ]);
    });

    it("sends DELETE with the bearer token", () => {
        const { lines } = clear("200");
        assert.match(lines, /--request DELETE/);
        assert.match(lines, /Authorization: Bearer t/);
    });

    it("stops the start when a delete is refused (403)", () => {
        const r = clear("403");
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /HTTP 403/);
    });
});
