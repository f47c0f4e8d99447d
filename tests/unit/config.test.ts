import * as assert from "assert";
import { ConfigError, parseStackConfig } from "../../components/config";
import { ArkoudaWorkflowsConfig } from "../../components/config/types";

type Values = Record<string, unknown>;

/** Stack config as Pulumi hands it over: strings, structured values as JSON. */
function encode(values: Values): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function parse(values: Values, secretKeys: string[] = []): ArkoudaWorkflowsConfig {
    return parseStackConfig({ values: encode(values), secretKeys: new Set(secretKeys) });
}

function problems(values: Values, secretKeys: string[] = []): string[] {
    try {
        parse(values, secretKeys);
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return [...error.problems];
    }
    assert.fail("expected the config to be rejected");
}

/** Exactly one problem, naming `key`, whose text matches `pattern`. */
function assertOneProblem(values: Values, key: string, pattern: RegExp, secretKeys: string[] = []) {
    const found = problems(values, secretKeys);
    assert.strictEqual(found.length, 1, `expected one problem, got:\n${found.join("\n")}`);
    assert.ok(found[0].startsWith(`arkouda-workflows:${key} `), `problem should name ${key}: ${found[0]}`);
    assert.match(found[0], pattern);
}

const instance = (extra: Values = {}) => ({ name: "arkouda-on-k8s", ...extra });

describe("config: valid input", () => {
    it("gives the seed's defaults for an instance that only has a name", () => {
        const config = parse({ instances: [instance()] });
        const resolved = config.clusters[0].instances[0];
        assert.deepStrictEqual(
            {
                locales: resolved.locales,
                cpu: resolved.cpu,
                memory: resolved.memory,
                version: resolved.version,
                chapel: resolved.chapel,
                pull: resolved.imagePullPolicy,
            },
            {
                locales: 2,
                cpu: "2000m",
                memory: "2048Mi",
                version: "v2024.04.19",
                chapel: { numThreadsPerLocale: 2, memMax: 1000000000 },
                pull: "IfNotPresent",
            },
        );
    });

    it("limits CPU at the request unless cpuLimit is set (Guaranteed QoS)", () => {
        const [a, b] = parse({ instances: [instance({ cpu: "300m" }), instance({ name: "b", cpu: "300m", cpuLimit: "2" })] }).clusters[0]
            .instances;
        assert.deepStrictEqual([a.cpuLimit, b.cpuLimit], ["300m", "2"]);
    });

    it("defaults the server name to the instance name", () => {
        assert.strictEqual(parse({ instances: [instance()] }).clusters[0].instances[0].serverName, "arkouda-on-k8s");
    });

    it("defaults schedules to deploy at 07:00 and delete at 17:00 America/New_York", () => {
        const { schedules } = parse({ instances: [instance()] }).clusters[0].instances[0];
        assert.deepStrictEqual(
            [schedules.deploy.schedules, schedules.delete.schedules, schedules.deploy.timezone],
            [["0 7 * * *"], ["0 17 * * *"], "America/New_York"],
        );
    });

    it("accepts several cron expressions for one schedule", () => {
        const config = parse({ instances: [instance({ schedules: { deploy: { schedule: ["0 6 * * 1-5", "@daily"] } } })] });
        assert.deepStrictEqual(config.clusters[0].instances[0].schedules.deploy.schedules, ["0 6 * * 1-5", "@daily"]);
    });

    it("uses one default cluster on the ambient kubeconfig when none is configured", () => {
        const config = parse({});
        assert.deepStrictEqual(
            config.clusters.map((c) => [c.name, c.kubeconfig, c.context, c.namespace]),
            [["default", undefined, undefined, "arkouda"]],
        );
    });

    it("derives the token secret name from the Arkouda ServiceAccount", () => {
        assert.strictEqual(parse({ arkoudaServiceAccount: "arkouda-on-k8s" }).arkoudaTokenSecretName, "arkouda-on-k8s-token");
    });

    it("reads plain string keys without YAML parsing", () => {
        assert.strictEqual(parse({ namespace: "arkouda-123" }).clusters[0].namespace, "arkouda-123");
    });

    it("applies a cluster's overrides to its copy of an instance only", () => {
        const config = parse({
            instances: [instance({ locales: 4 })],
            clusters: [
                { name: "a" },
                {
                    name: "b",
                    namespace: "other",
                    overrides: { instances: { "arkouda-on-k8s": { locales: 1, chapel: { numThreadsPerLocale: 8 } } } },
                },
            ],
        });
        const [a, b] = config.clusters.map((c) => c.instances[0]);
        assert.deepStrictEqual([a.locales, b.locales, b.chapel], [4, 1, { numThreadsPerLocale: 8, memMax: 1000000000 }]);
    });

    it("replaces the match labels of an override whole instead of merging them", () => {
        const config = parse({
            instances: [instance({ metrics: { prometheusMatchLabels: { release: "kube-stack", team: "x" } } })],
            clusters: [
                { name: "a", overrides: { instances: { "arkouda-on-k8s": { metrics: { prometheusMatchLabels: { release: "other" } } } } } },
            ],
        });
        assert.deepStrictEqual(config.clusters[0].instances[0].metrics.prometheusMatchLabels, { release: "other" });
    });

    it("limits a cluster to the instances it lists", () => {
        const config = parse({ instances: [instance(), instance({ name: "second" })], clusters: [{ name: "a", instances: ["second"] }] });
        assert.deepStrictEqual(
            config.clusters[0].instances.map((i) => i.name),
            ["second"],
        );
    });

    it("accepts a kubeconfig held in a secret config key", () => {
        const config = parse({ clusters: [{ name: "a", kubeconfigSecret: "kubeconfigA" }], kubeconfigA: "apiVersion: v1" }, [
            "kubeconfigA",
        ]);
        assert.strictEqual(config.clusters[0].kubeconfigSecret, "kubeconfigA");
    });

    it("keeps secret key material out of the resolved config", () => {
        const config = parse(
            { ssh: { source: "config" }, sshPrivateKey: "-----BEGIN RSA PRIVATE KEY-----", sshPublicKey: "ssh-rsa AAAA" },
            ["sshPrivateKey", "sshPublicKey"],
        );
        assert.ok(!JSON.stringify(config).includes("BEGIN RSA"));
    });

    const committedStack = (stack: string) => {
        const fs = require("fs") as typeof import("fs");
        const yaml = require("yaml") as typeof import("yaml");
        const file = yaml.parse(fs.readFileSync(`${__dirname}/../../Pulumi.${stack}.yaml`, "utf8")).config as Record<string, unknown>;
        return parse(Object.fromEntries(Object.entries(file).map(([k, v]) => [k.replace(/^arkouda-workflows:/, ""), v])));
    };

    it("loads the committed dev, prod and local stacks", () => {
        for (const stack of ["dev", "prod", "local"]) assert.ok(committedStack(stack).clusters.length >= 1, stack);
    });

    it("sizes the local stack's instance so the 2-CPU local node keeps room for step pods and the standalone exporter", () => {
        const { quantityValue } = require("../../components/config/rules") as typeof import("../../components/config/rules");
        const [i] = committedStack("local").clusters[0].instances;
        const requested = (i.locales + 1) * quantityValue(i.cpu) + (i.metrics.enabled ? quantityValue(i.metrics.exporterCpu) : 0);
        const exporter = quantityValue(committedStack("local").clusters[0].exporters[0].cpu);
        assert.ok(requested + exporter + 4 * 0.05 <= 2, `${requested} CPU for the instance, ${exporter} for the exporter`);
    });
});

describe("config: each kind of invalid input names the key and what is allowed", () => {
    it("rejects a wrong type", () =>
        assertOneProblem({ instances: [instance({ locales: "two" })] }, "instances[0].locales", /must be a number/));
    it("rejects a missing required key", () => assertOneProblem({ instances: [{ locales: 2 }] }, "instances[0].name", /is required/));
    it("rejects an invalid Kubernetes name", () =>
        assertOneProblem({ instances: [instance({ name: "Arkouda_1" })] }, "instances[0].name", /DNS-1035 label/));
    it("rejects a name too long for derived object names", () =>
        assertOneProblem({ instances: [instance({ name: "a".repeat(41) })] }, "instances[0].name", /at most 40 characters/));
    it("rejects an invalid namespace", () => assertOneProblem({ namespace: "Arkouda" }, "namespace", /DNS-1123 label.*got "Arkouda"/));
    it("rejects a malformed memory quantity", () =>
        assertOneProblem({ instances: [instance({ memory: "2GB" })] }, "instances[0].memory", /Kubernetes quantity.*2Gi.*got "2GB"/));
    it("rejects a malformed CPU quantity", () =>
        assertOneProblem({ instances: [instance({ cpu: "two cores" })] }, "instances[0].cpu", /Kubernetes quantity/));
    it("rejects a bad image tag", () =>
        assertOneProblem({ instances: [instance({ version: "v1:latest" })] }, "instances[0].version", /image tag/));
    it("rejects a bad image repository", () =>
        assertOneProblem({ images: { server: "Bears/Image:tag" } }, "images.server", /image repository without a tag/));
    it("rejects a uid out of range", () =>
        assertOneProblem(
            { instances: [instance({ runAs: { user: "bearsrus", uid: 0, group: "bears", gid: 1019 } })] },
            "instances[0].runAs.uid",
            /at least 1/,
        ));
    it("rejects a gid out of range", () =>
        assertOneProblem(
            { instances: [instance({ runAs: { user: "bearsrus", uid: 1009, group: "bears", gid: 2 ** 31 } })] },
            "instances[0].runAs.gid",
            /at most 2147483647/,
        ));
    it("rejects a bad POSIX user name", () =>
        assertOneProblem(
            { instances: [instance({ runAs: { user: "Bears R Us", uid: 1009, group: "bears", gid: 1019 } })] },
            "instances[0].runAs.user",
            /POSIX user or group name/,
        ));
    it("rejects locales below 1", () => assertOneProblem({ instances: [instance({ locales: 0 })] }, "instances[0].locales", /at least 1/));
    it("rejects a fractional number of locales", () =>
        assertOneProblem({ instances: [instance({ locales: 1.5 })] }, "instances[0].locales", /integer/));
    it("rejects an unknown top-level key", () =>
        assertOneProblem({ arkoudaMemory: "2Gi" }, "arkoudaMemory", /not a known key; allowed keys: .*instances/));
    it("rejects an unknown nested key and lists the allowed ones", () =>
        assertOneProblem(
            { instances: [instance({ memroy: "2Gi" })] },
            "instances[0].memroy",
            /not a known key; allowed keys here: .*memory/,
        ));
    it("rejects a malformed label value", () =>
        assertOneProblem(
            { instances: [instance({ metrics: { prometheusMatchLabels: { release: "kube stack" } } })] },
            "instances[0].metrics.prometheusMatchLabels.release",
            /label value 'kube stack' is invalid/,
        ));
    it("rejects a malformed label key", () =>
        assertOneProblem(
            { exporters: [{ name: "slurm", metricsServiceHost: "h", prometheusMatchLabels: { "bad key!": "x" } }] },
            'exporters[0].prometheusMatchLabels["bad key!"]',
            /label key 'bad key!' is invalid/,
        ));
    it("rejects a label given as the seed's raw string", () =>
        assertOneProblem(
            { instances: [instance({ metrics: { prometheusMatchLabels: "release: kube-stack" } })] },
            "instances[0].metrics.prometheusMatchLabels",
            /must be/,
        ));
    it("rejects an unknown image pull policy", () =>
        assertOneProblem(
            { instances: [instance({ imagePullPolicy: "Sometimes" })] },
            "instances[0].imagePullPolicy",
            /one of "Always", "IfNotPresent", "Never"/,
        ));
    it("rejects a cron expression with an hour out of range", () =>
        assertOneProblem(
            { instances: [instance({ schedules: { deploy: { schedule: "0 25 * * *" } } })] },
            "instances[0].schedules.deploy.schedule",
            /hour 25 is out of range 0-23/,
        ));
    it("rejects a cron expression with the wrong number of fields", () =>
        assertOneProblem(
            { instances: [instance({ schedules: { delete: { schedule: "0 0 17 * * *" } } })] },
            "instances[0].schedules.delete.schedule",
            /must have 5 fields/,
        ));
    it("rejects an unknown cron descriptor", () =>
        assertOneProblem(
            { instances: [instance({ schedules: { delete: { schedule: "@sometimes" } } })] },
            "instances[0].schedules.delete.schedule",
            /not a cron descriptor/,
        ));
    it("rejects an unknown timezone", () =>
        assertOneProblem(
            { instances: [instance({ schedules: { deploy: { timezone: "America/Gotham" } } })] },
            "instances[0].schedules.deploy.timezone",
            /not a known IANA time zone/,
        ));
    it("rejects an unknown concurrency policy", () =>
        assertOneProblem(
            { instances: [instance({ schedules: { deploy: { concurrencyPolicy: "Queue" } } })] },
            "instances[0].schedules.deploy.concurrencyPolicy",
            /one of "Allow", "Forbid", "Replace"/,
        ));
    it("rejects a negative termination grace period", () =>
        assertOneProblem(
            { instances: [instance({ pods: { terminationGracePeriodSeconds: -1 } })] },
            "instances[0].pods.terminationGracePeriodSeconds",
            /0/,
        ));
    it("rejects a CPU limit below the CPU request", () =>
        assertOneProblem(
            { instances: [instance({ cpu: "500m", cpuLimit: "250m" })] },
            "instances[0].cpuLimit",
            /must be at least the instance's cpu \(500m\)/,
        ));
    it("rejects a CPU limit that is not a quantity", () =>
        assertOneProblem({ instances: [instance({ cpuLimit: "lots" })] }, "instances[0].cpuLimit", /quantity/));
    it("rejects a Chapel heap larger than the container memory", () =>
        assertOneProblem(
            { instances: [instance({ memory: "512Mi", chapel: { memMax: 1000000000 } })] },
            "instances[0].chapel.memMax",
            /must not exceed the instance's memory \(512Mi/,
        ));
    it("rejects deadlines whose waits outlast the deploy", () =>
        assertOneProblem(
            { deadlines: { deploySeconds: 600, localeReadySeconds: 500, serverReadySeconds: 200 } },
            "deadlines.deploySeconds",
            /must exceed localeReadySeconds \+ serverReadySeconds/,
        ));
    it("rejects an unknown run action", () =>
        assertOneProblem(
            { instances: [instance({ run: { action: "restart" } })] },
            "instances[0].run.action",
            /one of "deploy", "delete"/,
        ));
    it("rejects text that is not YAML", () => assertOneProblem({ instances: "[unclosed" }, "instances", /not valid YAML\/JSON/));
});

describe("config: rules across instances and clusters", () => {
    it("rejects two instances with the same name", () =>
        assertOneProblem({ instances: [instance(), instance()] }, "instances[1].name", /clashes with another instance or exporter/));
    it("rejects an exporter named like an instance", () =>
        assertOneProblem(
            { instances: [instance()], exporters: [{ name: "arkouda-on-k8s", metricsServiceHost: "h" }] },
            "exporters[0].name",
            /clashes/,
        ));
    it("rejects two clusters with the same name", () =>
        assertOneProblem(
            {
                clusters: [
                    { name: "a", context: "x" },
                    { name: "a", context: "y" },
                ],
            },
            "clusters[1].name",
            /cluster names must be unique/,
        ));
    it("rejects two clusters aimed at the same context and namespace", () =>
        assertOneProblem(
            {
                clusters: [
                    { name: "a", context: "x" },
                    { name: "b", context: "x" },
                ],
            },
            "clusters[1]",
            /same kubeconfig, context and namespace as clusters\[0\]/,
        ));
    it("rejects an override of an unknown instance", () =>
        assertOneProblem(
            { instances: [instance()], clusters: [{ name: "a", overrides: { instances: { ghost: { locales: 1 } } } }] },
            "clusters[0].overrides.instances.ghost",
            /unknown instance; known: arkouda-on-k8s/,
        ));
    it("checks override values with the instance rules", () =>
        assertOneProblem(
            { instances: [instance()], clusters: [{ name: "a", overrides: { instances: { "arkouda-on-k8s": { memory: "2GB" } } } }] },
            'clusters[0].overrides.instances["arkouda-on-k8s"].memory',
            /Kubernetes quantity/,
        ));
    it("rejects an unknown key inside an override", () =>
        assertOneProblem(
            { instances: [instance()], clusters: [{ name: "a", overrides: { instances: { "arkouda-on-k8s": { lcoales: 1 } } } }] },
            'clusters[0].overrides.instances["arkouda-on-k8s"].lcoales',
            /not a known key/,
        ));
    it("rejects a cluster that selects an unknown instance", () =>
        assertOneProblem(
            { instances: [instance()], clusters: [{ name: "a", instances: ["ghost"] }] },
            "clusters[0].instances[0]",
            /names no configured instance/,
        ));
    it("rejects a wave without the waves strategy", () =>
        assertOneProblem({ clusters: [{ name: "a", wave: 1 }] }, "clusters[0].wave", /rollout.strategy to waves/));
    it("rejects both a kubeconfig path and a kubeconfig secret", () =>
        assertOneProblem(
            { clusters: [{ name: "a", kubeconfig: "/k", kubeconfigSecret: "kc" }], kc: "x" },
            "clusters[0].kubeconfigSecret",
            /not both/,
            ["kc"],
        ));
    it("rejects a kubeconfig secret key that is not set", () =>
        assertOneProblem(
            { clusters: [{ name: "a", kubeconfigSecret: "kc" }] },
            "clusters[0].kubeconfigSecret",
            /which is not set; set it with: pulumi config set --secret kc/,
        ));
    it("rejects a kubeconfig stored in plain text", () =>
        assertOneProblem(
            { clusters: [{ name: "a", kubeconfigSecret: "kc" }], kc: "apiVersion: v1" },
            "clusters[0].kubeconfigSecret",
            /stored in plain text/,
        ));
    it("rejects SSH key material stored in plain text", () =>
        assertOneProblem({ ssh: { source: "config" }, sshPrivateKey: "k", sshPublicKey: "p" }, "sshPrivateKey", /plain text.*--secret/, [
            "sshPublicKey",
        ]));
    it("requires the SSH key material when ssh.source is config", () =>
        assertOneProblem({ ssh: { source: "config" }, sshPublicKey: "p" }, "ssh.source", /needs arkouda-workflows:sshPrivateKey/, [
            "sshPublicKey",
        ]));
});

describe("config: the registry credential", () => {
    const REGISTRY_KEYS = ["registryServer", "registryUsername", "registryPassword"];
    const credential = { registryServer: "registry.example.com:5000", registryUsername: "puller", registryPassword: "s3cr3t-Pa55" };
    const { namespaceSettings } = require("../../components/config") as typeof import("../../components/config");

    /** Exactly one problem, naming `key`, matching `pattern`, that shows none of the credential's values. */
    function assertOneSecretProblem(values: Values, key: string, pattern: RegExp, secretKeys = REGISTRY_KEYS) {
        assertOneProblem(values, key, pattern, secretKeys);
        const text = problems(values, secretKeys).join("\n");
        for (const k of REGISTRY_KEYS) {
            const value = values[k];
            if (typeof value === "string" && value.length > 0) assert.ok(!text.includes(value), `the problem shows ${k}'s value: ${text}`);
        }
        assert.doesNotMatch(text, /\(got /, "a secret's problem carries no value");
    }

    it("with all three keys set as secrets: the namespace's pull Secret is declared, and no value enters the config", () => {
        const config = parse(credential, REGISTRY_KEYS);
        assert.strictEqual(config.registryCredential, true);
        assert.strictEqual(namespaceSettings(config, config.clusters[0]).registrySecretName, "arkouda-registry");
        for (const value of Object.values(credential)) assert.ok(!JSON.stringify(config).includes(value));
    });

    it("without one: no pull Secret", () => {
        const config = parse({});
        assert.strictEqual(config.registryCredential, false);
        assert.strictEqual(namespaceSettings(config, config.clusters[0]).registrySecretName, undefined);
    });

    it("accepts a registry with a scheme and a path, a bracketed IPv6 address", () => {
        for (const registryServer of ["https://index.docker.io/v1/", "registry.example.com/team", "[fd00::1]:5000", "10.244.0.1:5000"])
            assert.strictEqual(parse({ ...credential, registryServer }, REGISTRY_KEYS).registryCredential, true, registryServer);
    });

    it("registryPassword: set without --secret", () =>
        assertOneSecretProblem(
            credential,
            "registryPassword",
            /holds a registry credential in plain text; remove it and set it with: pulumi config set --secret registryPassword/,
            ["registryServer", "registryUsername"],
        ));
    it("registryServer: set without --secret", () =>
        assertOneSecretProblem(credential, "registryServer", /plain text.*--secret registryServer/, [
            "registryUsername",
            "registryPassword",
        ]));
    it("registryUsername: missing beside the others", () => {
        const { registryUsername: _u, ...rest } = credential;
        assertOneSecretProblem(
            rest,
            "registryUsername",
            /is not set, but registryServer and registryPassword are: a registry credential needs all of registryServer, registryUsername, registryPassword; set it with: pulumi config set --secret registryUsername/,
        );
    });
    it("registryServer, registryUsername: missing beside a password", () => {
        const found = problems({ registryPassword: credential.registryPassword }, ["registryPassword"]);
        assert.deepStrictEqual(
            found.map((p) => p.split(" ")[0]),
            ["arkouda-workflows:registryServer", "arkouda-workflows:registryUsername"],
        );
        assert.ok(!found.join("\n").includes(credential.registryPassword));
    });
    it("registryServer: not a registry host", () =>
        assertOneSecretProblem(
            { ...credential, registryServer: "registry example com" },
            "registryServer",
            /must be a registry host as image references name it, such as registry.example.com or 10.0.0.1:5000 .*\(the value is secret: not shown\)/,
        ));
    it("registryServer: a port out of range", () =>
        assertOneSecretProblem(
            { ...credential, registryServer: "registry.example.com:70000" },
            "registryServer",
            /must be a registry host/,
        ));
    it("registryUsername: with the ':' basic authentication splits at", () =>
        assertOneSecretProblem({ ...credential, registryUsername: "team:puller" }, "registryUsername", /must not contain ':'/));
    it("registryUsername: empty", () =>
        assertOneSecretProblem({ ...credential, registryUsername: "" }, "registryUsername", /must not be empty/));
    it("registryPassword: empty", () =>
        assertOneSecretProblem({ ...credential, registryPassword: "" }, "registryPassword", /must not be empty/));
    it("registryPassword: more than one line", () =>
        assertOneSecretProblem({ ...credential, registryPassword: "line1\nline2" }, "registryPassword", /must be a single line/));
    it("ssh.secretName: the pull Secret's name", () =>
        assertOneProblem(
            { ...credential, ssh: { secretName: "arkouda-registry" } },
            "ssh.secretName",
            /names the SSH key pair's Secret arkouda-registry, which the stack declares from the registry credential \(registryServer\); pick another name/,
            REGISTRY_KEYS,
        ));
    it("arkoudaTokenSecret: the pull Secret's name", () =>
        assertOneProblem(
            { ...credential, arkoudaTokenSecret: "arkouda-registry" },
            "arkoudaTokenSecret",
            /pick another name/,
            REGISTRY_KEYS,
        ));
    it("pods.imagePullSecrets: naming the pull Secret again (every pod has it)", () =>
        assertOneProblem(
            { ...credential, pods: { imagePullSecrets: ["corp", "arkouda-registry"] } },
            "pods.imagePullSecrets",
            /names arkouda-registry, the Secret the stack declares from the registry credential \(registryServer\), which every pod pulls with already; remove it from the list/,
            REGISTRY_KEYS,
        ));
    it("instances[].pods.imagePullSecrets, exporters[].pods.imagePullSecrets and an override's: likewise", () => {
        const own = { pods: { imagePullSecrets: ["arkouda-registry"] } };
        const found = problems(
            {
                ...credential,
                instances: [instance(own), instance({ name: "second" })],
                exporters: [{ name: "ex", metricsServiceHost: "h", ...own }],
                clusters: [{ name: "a", overrides: { instances: { second: own } } }],
            },
            REGISTRY_KEYS,
        );
        assert.deepStrictEqual(
            found.map((p) => p.split(" ")[0]),
            [
                "arkouda-workflows:instances[0].pods.imagePullSecrets",
                "arkouda-workflows:exporters[0].pods.imagePullSecrets",
                "arkouda-workflows:clusters[0].overrides.instances.second.pods.imagePullSecrets",
            ],
        );
    });
    it("without a credential, a Secret of that name is one of the namespace's own to name", () =>
        assert.deepStrictEqual(parse({ pods: { imagePullSecrets: ["arkouda-registry"] } }).imagePullSecrets, ["arkouda-registry"]));
});

describe("config: problems are reported together", () => {
    it("lists every problem of a stack in one error", () => {
        const found = problems({ namespace: "Bad", instances: [instance({ memory: "2GB", locales: 0 })], colour: "blue" });
        assert.strictEqual(found.length, 4, found.join("\n"));
    });

    it("states the count in the error message", () => {
        assert.throws(() => parse({ namespace: "Bad", colour: "blue" }), /invalid stack config \(2 problems\)/);
    });
});

describe("config: values that cannot work together on one pod", () => {
    it("rejects a metrics port equal to the client port, naming both keys", () => {
        assertOneProblem(
            { instances: [instance({ serverPort: 6000, metrics: { servicePort: 6000 } })] },
            "instances[0].metrics.servicePort",
            /collides with the client socket \(serverPort\)/,
        );
    });

    it("rejects an exporter port equal to the metrics port", () => {
        assertOneProblem(
            { instances: [instance({ metrics: { exporterPort: 5556 } })] },
            "instances[0].metrics.exporterPort",
            /collides with the metrics daemon \(metrics.servicePort\)/,
        );
    });

    it("rejects the exporter's uid as the run-as uid when the exporter shares the server pod's processes", () => {
        const runAs = { user: "arkouda", uid: 65534, group: "arkouda", gid: 2000 };
        assertOneProblem(
            { instances: [instance({ runAs })] },
            "instances[0].runAs.uid",
            /is the metrics exporter's user \(65534, nobody\).*pick another uid, or set metrics\.enabled: false \(got 65534\)/,
        );
        assert.doesNotThrow(() => parse({ instances: [instance({ runAs, metrics: { enabled: false } })] }));
    });

    it("rejects sshd's port 22 as the client port", () => {
        assertOneProblem({ instances: [instance({ serverPort: 22 })] }, "instances[0].serverPort", /collides with sshd \(22/);
    });

    it("ignores the metrics ports when metrics are off", () => {
        assert.doesNotThrow(() => parse({ instances: [instance({ serverPort: 6000, metrics: { enabled: false, servicePort: 6000 } })] }));
    });

    it("rejects a standalone exporter aimed at an instance's metrics Service on another port", () => {
        assertOneProblem(
            {
                instances: [instance()],
                exporters: [{ name: "ex", metricsServiceHost: "arkouda-on-k8s-metrics.arkouda", metricsServicePort: 7000 }],
            },
            "exporters[0].metricsServicePort",
            /must equal instance arkouda-on-k8s's metrics.servicePort \(5556\)/,
        );
    });

    it("rejects a standalone exporter aimed at an instance whose metrics are off", () => {
        assertOneProblem(
            {
                instances: [instance({ metrics: { enabled: false } })],
                exporters: [{ name: "ex", metricsServiceHost: "arkouda-on-k8s-metrics" }],
            },
            "exporters[0].metricsServiceHost",
            /metrics.enabled is false/,
        );
    });

    it("reports a problem shared by several clusters once", () => {
        const found = problems({
            instances: [instance({ serverPort: 22 })],
            clusters: [
                { name: "a", namespace: "a" },
                { name: "b", namespace: "b" },
            ],
        });
        assert.strictEqual(found.length, 1, found.join("\n"));
    });
});

describe("config: exporter sizing", () => {
    it("sizes the standalone exporter for the arkouda client it imports (500m, 1Gi)", () => {
        const e = parse({ exporters: [{ name: "ex", metricsServiceHost: "somewhere" }] }).clusters[0].exporters[0];
        assert.deepStrictEqual([e.cpu, e.memory], ["500m", "1Gi"]);
    });

    it("sizes the exporter sidecar the same way", () => {
        const m = parse({ instances: [instance()] }).clusters[0].instances[0].metrics;
        assert.deepStrictEqual([m.exporterCpu, m.exporterMemory], ["500m", "1Gi"]);
    });
});

describe("config: the kubectl image default", () => {
    it("is the kubectl the toolchain builds (KUBERNETES_VERSION), so the locally built image is stamped truthfully", () => {
        const fs = require("fs") as typeof import("fs");
        const pinned = /^KUBERNETES_VERSION=(\S+)/m.exec(fs.readFileSync(`${__dirname}/../../tools/versions.env`, "utf8"))?.[1];
        assert.strictEqual(parse({}).images.kubectl, `registry.k8s.io/kubectl:${pinned}`);
    });
});

describe("config: how Prometheus finds an exporter (serviceMonitor, scrapeAnnotations)", () => {
    const exporter = (extra: Values = {}) => ({ name: "ex", metricsServiceHost: "somewhere", ...extra });

    it("defaults: a ServiceMonitor at the polling interval, Prometheus' own timeout, the annotations on", () => {
        const m = parse({ instances: [instance({ metrics: { pollingIntervalSeconds: 7 } })] }).clusters[0].instances[0].metrics;
        assert.deepStrictEqual(m.serviceMonitor, { enabled: true, interval: "7s", scrapeTimeout: "" });
        assert.strictEqual(m.scrapeAnnotations, true);
        const e = parse({ exporters: [exporter({ pollingIntervalSeconds: 9 })] }).clusters[0].exporters[0];
        assert.deepStrictEqual(e.serviceMonitor, { enabled: true, interval: "9s", scrapeTimeout: "" });
        assert.strictEqual(e.scrapeAnnotations, true);
    });

    it("takes an interval and timeout apart from the polling interval", () => {
        const m = parse({ instances: [instance({ metrics: { serviceMonitor: { interval: "1m30s", scrapeTimeout: "45s" } } })] }).clusters[0]
            .instances[0].metrics;
        assert.deepStrictEqual(m.serviceMonitor, { enabled: true, interval: "1m30s", scrapeTimeout: "45s" });
    });

    it("rejects a non-boolean serviceMonitor.enabled", () =>
        assertOneProblem(
            { instances: [instance({ metrics: { serviceMonitor: { enabled: "yes" } } })] },
            "instances[0].metrics.serviceMonitor.enabled",
            /boolean/,
        ));
    it("rejects an interval that is not a Prometheus duration", () =>
        assertOneProblem(
            { instances: [instance({ metrics: { serviceMonitor: { interval: "30 seconds" } } })] },
            "instances[0].metrics.serviceMonitor.interval",
            /Prometheus duration such as 30s/,
        ));
    it("rejects units out of order (Prometheus reads 30s1m as nothing)", () =>
        assertOneProblem(
            { exporters: [exporter({ serviceMonitor: { interval: "30s1m" } })] },
            "exporters[0].serviceMonitor.interval",
            /largest first/,
        ));
    it("rejects a zero interval", () =>
        assertOneProblem(
            { exporters: [exporter({ serviceMonitor: { interval: "0s" } })] },
            "exporters[0].serviceMonitor.interval",
            /longer than zero/,
        ));
    it("rejects a scrapeTimeout that is not a duration", () =>
        assertOneProblem(
            { instances: [instance({ metrics: { serviceMonitor: { scrapeTimeout: "1.5s" } } })] },
            "instances[0].metrics.serviceMonitor.scrapeTimeout",
            /Prometheus duration/,
        ));
    it("rejects a scrapeTimeout above the interval, naming both", () =>
        assertOneProblem(
            { instances: [instance({ metrics: { serviceMonitor: { interval: "10s", scrapeTimeout: "11s" } } })] },
            "instances[0].metrics.serviceMonitor.scrapeTimeout",
            /must not exceed the scrape interval \(10s\).*operator drops/,
        ));
    it("rejects a scrapeTimeout above the default interval (the polling interval)", () =>
        assertOneProblem(
            { exporters: [exporter({ pollingIntervalSeconds: 5, serviceMonitor: { scrapeTimeout: "1m" } })] },
            "exporters[0].serviceMonitor.scrapeTimeout",
            /must not exceed the scrape interval \(5s\)/,
        ));
    it("accepts a timeout equal to the interval, as the operator does", () =>
        assert.doesNotThrow(() => parse({ exporters: [exporter({ serviceMonitor: { interval: "1m", scrapeTimeout: "60s" } })] })));
    it("ignores the timeout of a ServiceMonitor that is off, or of an instance without metrics", () => {
        assert.doesNotThrow(() =>
            parse({ exporters: [exporter({ serviceMonitor: { enabled: false, interval: "5s", scrapeTimeout: "10s" } })] }),
        );
        assert.doesNotThrow(() =>
            parse({ instances: [instance({ metrics: { enabled: false, serviceMonitor: { interval: "5s", scrapeTimeout: "10s" } } })] }),
        );
    });
    it("rejects a non-boolean scrapeAnnotations", () =>
        assertOneProblem({ exporters: [exporter({ scrapeAnnotations: "true" })] }, "exporters[0].scrapeAnnotations", /boolean/));
    it("rejects an unknown key under serviceMonitor and lists the allowed ones", () =>
        assertOneProblem(
            { instances: [instance({ metrics: { serviceMonitor: { scrape_timeout: "5s" } } })] },
            "instances[0].metrics.serviceMonitor.scrape_timeout",
            /allowed keys here: enabled, interval, scrapeTimeout/,
        ));
    it("checks a per-cluster override too", () =>
        assertOneProblem(
            {
                instances: [instance()],
                clusters: [
                    { name: "a", overrides: { instances: { "arkouda-on-k8s": { metrics: { serviceMonitor: { scrapeTimeout: "1h" } } } } } },
                ],
            },
            'clusters[0].overrides.instances["arkouda-on-k8s"].metrics.serviceMonitor.scrapeTimeout',
            /must not exceed/,
        ));
});

describe("config: placement resolves per instance and exporter", () => {
    const pods = {
        nodeSelector: { pool: "hpc" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "hpc", effect: "NoSchedule" }],
        priorityClassName: "batch",
        labels: { team: "hpc" },
        spreadLocales: "preferred",
    };

    it("gives every target the namespace's pods, defaulted", () => {
        const cluster = parse({ instances: [instance()], exporters: [{ name: "ex", metricsServiceHost: "h" }] }).clusters[0];
        assert.deepStrictEqual(cluster.instances[0].pods, {
            nodeSelector: {},
            tolerations: [],
            affinity: {},
            labels: {},
            annotations: {},
            spreadLocales: "none",
            imagePullSecrets: [],
            terminationGracePeriodSeconds: 2,
        });
        assert.deepStrictEqual(cluster.exporters[0].pods, {
            nodeSelector: {},
            tolerations: [],
            affinity: {},
            labels: {},
            annotations: {},
            imagePullSecrets: [],
            terminationGracePeriodSeconds: 2,
        });
    });

    it("replaces each key an instance sets whole, keeps the others from pods", () => {
        const [i] = parse({ pods, instances: [instance({ pods: { nodeSelector: { pool: "gpu" }, tolerations: [] } })] }).clusters[0]
            .instances;
        assert.deepStrictEqual(i.pods.nodeSelector, { pool: "gpu" });
        assert.deepStrictEqual(i.pods.tolerations, []);
        assert.deepStrictEqual([i.pods.priorityClassName, i.pods.labels, i.pods.spreadLocales], ["batch", { team: "hpc" }, "preferred"]);
    });

    it("gives an exporter the namespace's pods without spreadLocales, and its own keys over them", () => {
        const [e] = parse({ pods, exporters: [{ name: "ex", metricsServiceHost: "h", pods: { priorityClassName: "monitoring" } }] })
            .clusters[0].exporters;
        assert.ok(!("spreadLocales" in e.pods));
        assert.deepStrictEqual([e.pods.priorityClassName, e.pods.nodeSelector], ["monitoring", { pool: "hpc" }]);
    });

    it("replaces a placement map of a cluster's override whole instead of merging it", () => {
        const config = parse({
            instances: [instance({ pods: { nodeSelector: { pool: "hpc", zone: "a" } } })],
            clusters: [{ name: "a", overrides: { instances: { "arkouda-on-k8s": { pods: { nodeSelector: { pool: "gpu" } } } } } }],
        });
        assert.deepStrictEqual(config.clusters[0].instances[0].pods.nodeSelector, { pool: "gpu" });
    });

    it("pull Secrets: the namespace's for every target but one with its own list, which replaces it whole (a cluster's override too)", () => {
        const config = parse({
            pods: { imagePullSecrets: ["corp-mirror"] },
            instances: [instance(), instance({ name: "own", pods: { imagePullSecrets: ["team-a", "team-b"] } })],
            exporters: [{ name: "ex", metricsServiceHost: "h", pods: { imagePullSecrets: [] } }],
            clusters: [
                { name: "a", context: "a", overrides: { instances: { own: { pods: { imagePullSecrets: ["team-c"] } } } } },
                { name: "b", context: "b" },
            ],
        });
        const [a, b] = config.clusters;
        assert.deepStrictEqual(
            [...a.instances.map((i) => i.pods.imagePullSecrets), a.exporters[0].pods.imagePullSecrets],
            [["corp-mirror"], ["team-c"], []],
        );
        assert.deepStrictEqual(b.instances[1].pods.imagePullSecrets, ["team-a", "team-b"]);
        // The step pods pull with the namespace's list.
        assert.deepStrictEqual(config.imagePullSecrets, ["corp-mirror"]);
    });

    it("stores pull Secrets each once, in a stable order", () => {
        const [i] = parse({ pods: { imagePullSecrets: ["b", "a", "b"] }, instances: [instance()] }).clusters[0].instances;
        assert.deepStrictEqual(i.pods.imagePullSecrets, ["a", "b"]);
    });

    it("stores tolerations each once, in a stable order", () => {
        const b = { key: "b", operator: "Exists" };
        const [i] = parse({ pods: { tolerations: [b, { key: "a", operator: "Exists" }, b] }, instances: [instance()] }).clusters[0]
            .instances;
        assert.deepStrictEqual(i.pods.tolerations, [{ key: "a", operator: "Exists" }, b]);
    });

    it("names the PriorityClass of delete steps after the namespace, or the existing one, or none", () => {
        const { namespaceSettings } = require("../../components/config") as typeof import("../../components/config");
        const settings = (values: Values) => {
            const config = parse(values);
            return namespaceSettings(config, config.clusters[0]).deletePriorityClassName;
        };
        assert.strictEqual(settings({ namespace: "team-a" }), "arkouda-workflows-delete-team-a");
        assert.strictEqual(
            settings({ workflowPods: { deletePriority: { source: "existing", name: "critical-cleanup" } } }),
            "critical-cleanup",
        );
        assert.strictEqual(settings({ workflowPods: { deletePriority: { source: "none" } } }), undefined);
        assert.strictEqual(parse({}).workflowPods.deletePriority.value, 1000);
    });
});

describe("config: each placement, step-pod and retry key refuses a bad value, naming it", () => {
    const toleration = (t: Values) => ({ pods: { tolerations: [t] } });
    const affinity = (a: Values) => ({ pods: { affinity: a } });

    it("pods.nodeSelector: a bad label value", () =>
        assertOneProblem({ pods: { nodeSelector: { pool: "a b" } } }, "pods.nodeSelector.pool", /label value 'a b' is invalid/));
    it("pods.nodeSelector: a bad label key", () =>
        assertOneProblem({ pods: { nodeSelector: { "bad key": "x" } } }, 'pods.nodeSelector["bad key"]', /label key 'bad key' is invalid/));
    it("pods.tolerations: a value with operator Exists", () =>
        assertOneProblem(
            toleration({ key: "k", operator: "Exists", value: "v" }),
            "pods.tolerations[0].value",
            /must be empty with operator Exists/,
        ));
    it("pods.tolerations: no key with operator Equal", () =>
        assertOneProblem(toleration({ value: "v" }), "pods.tolerations[0].key", /is required unless operator is Exists/));
    it("pods.tolerations: tolerationSeconds without NoExecute", () =>
        assertOneProblem(
            toleration({ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 60 }),
            "pods.tolerations[0].tolerationSeconds",
            /only applies to effect NoExecute/,
        ));
    it("pods.tolerations: an unknown effect", () =>
        assertOneProblem(
            toleration({ key: "k", effect: "NoRun" }),
            "pods.tolerations[0].effect",
            /one of "NoSchedule", "PreferNoSchedule", "NoExecute"/,
        ));
    it("pods.tolerations: an unknown operator", () =>
        assertOneProblem(toleration({ key: "k", operator: "In" }), "pods.tolerations[0].operator", /one of "Exists", "Equal"/));
    it("pods.tolerations: an invalid key", () =>
        assertOneProblem(toleration({ key: "a b", operator: "Exists" }), "pods.tolerations[0].key", /toleration key 'a b' is invalid/));
    it("pods.tolerations: an unknown field", () =>
        assertOneProblem(
            toleration({ key: "k", operator: "Exists", effects: "NoSchedule" }),
            "pods.tolerations[0].effects",
            /not a known key; allowed keys here: effect, key, operator, tolerationSeconds, value/,
        ));
    it("pods.tolerations: not a list", () =>
        assertOneProblem({ pods: { tolerations: { key: "k" } } }, "pods.tolerations", /must be a list/));
    it("pods.affinity: an unknown key (a typo of the Kubernetes field)", () =>
        assertOneProblem(
            affinity({ nodeAfinity: {} }),
            "pods.affinity.nodeAfinity",
            /not a known key; allowed keys here: nodeAffinity, podAffinity, podAntiAffinity/,
        ));
    it("pods.affinity: operator In without values", () =>
        assertOneProblem(
            affinity({
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In" }] }],
                    },
                },
            }),
            "pods.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
            /must list at least one value with operator In/,
        ));
    it("pods.affinity: operator Gt with a value that is no integer", () =>
        assertOneProblem(
            affinity({
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [{ matchExpressions: [{ key: "cores", operator: "Gt", values: ["many"] }] }],
                    },
                },
            }),
            "pods.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
            /exactly one integer with operator Gt/,
        ));
    it("pods.affinity: no node selector term", () =>
        assertOneProblem(
            affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }),
            "pods.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
            /at least 1 item/,
        ));
    it("pods.affinity: a pod anti-affinity term without topologyKey", () =>
        assertOneProblem(
            affinity({
                podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "x" } } }] },
            }),
            "pods.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
            /is required/,
        ));
    it("pods.affinity: a weight out of range", () =>
        assertOneProblem(
            affinity({
                podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: "zone" } }] },
            }),
            "pods.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
            /at least 1/,
        ));
    it("pods.affinity: a label selector requirement Exists with values", () =>
        assertOneProblem(
            affinity({
                podAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                        { topologyKey: "zone", labelSelector: { matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] } },
                    ],
                },
            }),
            "pods.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values",
            /must be empty with operator Exists/,
        ));
    it("pods.priorityClassName: not a DNS subdomain", () =>
        assertOneProblem({ pods: { priorityClassName: "High_Priority" } }, "pods.priorityClassName", /DNS-1123 subdomain/));
    it("pods.labels: a label key the program sets itself", () =>
        assertOneProblem(
            { pods: { labels: { "app.kubernetes.io/instance": "x" } } },
            'pods.labels["app.kubernetes.io/instance"]',
            /is a label the program sets on its pods/,
        ));
    it("pods.labels: a bad label value", () =>
        assertOneProblem({ pods: { labels: { team: "h p c" } } }, "pods.labels.team", /label value 'h p c' is invalid/));
    it("pods.annotations: a bad annotation key", () =>
        assertOneProblem(
            { pods: { annotations: { "example.com/": "x" } } },
            'pods.annotations["example.com/"]',
            /annotation key 'example.com\/' is invalid/,
        ));
    it("pods.imagePullSecrets: a Secret name that is no DNS subdomain", () =>
        assertOneProblem(
            { pods: { imagePullSecrets: ["Corp_Registry"] } },
            "pods.imagePullSecrets[0]",
            /DNS-1123 subdomain.*\(got "Corp_Registry"\)/,
        ));
    it("pods.imagePullSecrets: not a list", () =>
        assertOneProblem({ pods: { imagePullSecrets: "corp-registry" } }, "pods.imagePullSecrets", /must be a list/));
    it("instances[].pods.imagePullSecrets: checked like pods", () =>
        assertOneProblem(
            { instances: [instance({ pods: { imagePullSecrets: [""] } })] },
            "instances[0].pods.imagePullSecrets[0]",
            /DNS-1123/,
        ));
    it("exporters[].pods.imagePullSecrets: checked like pods", () =>
        assertOneProblem(
            { exporters: [{ name: "ex", metricsServiceHost: "h", pods: { imagePullSecrets: [{ name: "corp" }] } }] },
            "exporters[0].pods.imagePullSecrets[0]",
            /must be a string/,
        ));
    it("pods.spreadLocales: an unknown value", () =>
        assertOneProblem({ pods: { spreadLocales: "always" } }, "pods.spreadLocales", /one of "none", "preferred", "required"/));
    it("pods: an unknown key", () =>
        assertOneProblem({ pods: { nodeSelecter: {} } }, "pods.nodeSelecter", /not a known key; allowed keys here: .*nodeSelector/));
    it("instances[].pods: checked like pods", () =>
        assertOneProblem(
            { instances: [instance({ pods: { tolerations: [{ value: "v" }] } })] },
            "instances[0].pods.tolerations[0].key",
            /is required unless operator is Exists/,
        ));
    it("instances[].pods: a reserved label", () =>
        assertOneProblem(
            { instances: [instance({ pods: { labels: { app: "x" } } })] },
            "instances[0].pods.labels.app",
            /is a label the program sets/,
        ));
    it("exporters[].pods: no spreadLocales (one pod)", () =>
        assertOneProblem(
            { exporters: [{ name: "ex", metricsServiceHost: "h", pods: { spreadLocales: "required" } }] },
            "exporters[0].pods.spreadLocales",
            /not a known key; allowed keys here: affinity, annotations, imagePullSecrets, labels, nodeSelector, priorityClassName, terminationGracePeriodSeconds, tolerations/,
        ));
    it("clusters[].overrides: a placement override checked like the instance's", () =>
        assertOneProblem(
            {
                instances: [instance()],
                clusters: [{ name: "a", overrides: { instances: { "arkouda-on-k8s": { pods: { priorityClassName: "Bad" } } } } }],
            },
            'clusters[0].overrides.instances["arkouda-on-k8s"].pods.priorityClassName',
            /DNS-1123 subdomain/,
        ));
    it("workflowPods.nodeSelector: a bad label value", () =>
        assertOneProblem(
            { workflowPods: { nodeSelector: { pool: "a/b" } } },
            "workflowPods.nodeSelector.pool",
            /label value 'a\/b' is invalid/,
        ));
    it("workflowPods.tolerations: checked like pods.tolerations", () =>
        assertOneProblem(
            { workflowPods: { tolerations: [{ key: "k", operator: "Exists", value: "v" }] } },
            "workflowPods.tolerations[0].value",
            /must be empty with operator Exists/,
        ));
    it("workflowPods.priorityClassName: not a DNS subdomain", () =>
        assertOneProblem({ workflowPods: { priorityClassName: "Steps" } }, "workflowPods.priorityClassName", /DNS-1123 subdomain/));
    it("workflowPods.deletePriority.source: an unknown value", () =>
        assertOneProblem(
            { workflowPods: { deletePriority: { source: "create" } } },
            "workflowPods.deletePriority.source",
            /one of "declare", "existing", "none"/,
        ));
    it("workflowPods.deletePriority.name: required with source existing", () =>
        assertOneProblem(
            { workflowPods: { deletePriority: { source: "existing" } } },
            "workflowPods.deletePriority.name",
            /is required with source existing/,
        ));
    it("workflowPods.deletePriority.name: only with source existing", () =>
        assertOneProblem(
            { workflowPods: { deletePriority: { name: "mine" } } },
            "workflowPods.deletePriority.name",
            /only names an existing class .* source is 'declare'/,
        ));
    it("workflowPods.deletePriority.name: not a DNS subdomain", () =>
        assertOneProblem(
            { workflowPods: { deletePriority: { source: "existing", name: "Mine" } } },
            "workflowPods.deletePriority.name",
            /DNS-1123 subdomain/,
        ));
    it("workflowPods.deletePriority.value: only with source declare", () =>
        assertOneProblem(
            { workflowPods: { deletePriority: { source: "none", value: 10 } } },
            "workflowPods.deletePriority.value",
            /only sets the declared class's value .* source is 'none'/,
        ));
    it("workflowPods.deletePriority.value: above the user-defined range", () =>
        assertOneProblem(
            { workflowPods: { deletePriority: { value: 2000000000 } } },
            "workflowPods.deletePriority.value",
            /at most 1000000000/,
        ));
    it("retries.limit: out of range", () => assertOneProblem({ retries: { limit: 21 } }, "retries.limit", /at most 20/));
    it("retries.backoffSeconds: below one second", () =>
        assertOneProblem({ retries: { backoffSeconds: 0 } }, "retries.backoffSeconds", /at least 1/));
    it("retries.factor: a fraction", () => assertOneProblem({ retries: { factor: 1.5 } }, "retries.factor", /integer/));
    it("retries.capSeconds: below the first pause", () =>
        assertOneProblem(
            { retries: { backoffSeconds: 30, capSeconds: 10 } },
            "retries.capSeconds",
            /must be at least backoffSeconds \(30\)/,
        ));
    it("retries: an unknown key", () =>
        assertOneProblem(
            { retries: { maxDuration: "2m" } },
            "retries.maxDuration",
            /not a known key; allowed keys here: backoffSeconds, capSeconds, factor, limit/,
        ));
});

describe("config: networkPolicy resolves per instance and exporter", () => {
    const exporter = { name: "ex", metricsServiceHost: "elsewhere.example.com" };

    it("defaults: on, clients every pod of the namespace, prometheus-operator's Prometheus, egress off", () => {
        const [cluster] = parse({ instances: [instance()], exporters: [exporter] }).clusters;
        const np = cluster.instances[0].networkPolicy;
        assert.strictEqual(np.enabled, true);
        assert.deepStrictEqual(np.clients, [{ podSelector: {} }]);
        assert.deepStrictEqual(np.prometheus, [
            { namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } },
        ]);
        assert.strictEqual(np.egress.enabled, false);
        assert.strictEqual(np.egress.apiServerPort, 6443);
        assert.ok(!("clients" in cluster.exporters[0].networkPolicy));
    });

    it("each key an instance sets replaces the namespace's whole; a cluster's override too", () => {
        const clients = [{ namespaceSelector: { matchLabels: { team: "hpc" } } }];
        const config = parse({
            networkPolicy: { prometheus: [{ podSelector: { matchLabels: { app: "prom" } } }] },
            instances: [instance({ networkPolicy: { clients } }), { name: "other" }],
            clusters: [{ name: "a", overrides: { instances: { other: { networkPolicy: { enabled: false } } } } }],
        });
        const [i, other] = config.clusters[0].instances;
        assert.deepStrictEqual(i.networkPolicy.clients, clients);
        assert.deepStrictEqual(i.networkPolicy.prometheus, [{ podSelector: { matchLabels: { app: "prom" } } }]);
        assert.strictEqual(other.networkPolicy.enabled, false);
        assert.deepStrictEqual(other.networkPolicy.clients, [{ podSelector: {} }]);
    });

    it("stores peers each once, in a stable order, with sorted requirement values", () => {
        const a = { ipBlock: { cidr: "10.0.0.0/8", except: ["10.2.0.0/16", "10.1.0.0/16"] } };
        const b = { podSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["z", "a"] }] } };
        const one = parse({ networkPolicy: { clients: [a, b, a] }, instances: [instance()] }).clusters[0].instances[0];
        const two = parse({ networkPolicy: { clients: [b, a] }, instances: [instance()] }).clusters[0].instances[0];
        assert.deepStrictEqual(one.networkPolicy.clients, two.networkPolicy.clients);
        assert.strictEqual(one.networkPolicy.clients.length, 2);
        assert.deepStrictEqual(one.networkPolicy.clients.find((p) => p.ipBlock)!.ipBlock!.except, ["10.1.0.0/16", "10.2.0.0/16"]);
        assert.deepStrictEqual(one.networkPolicy.clients.find((p) => p.podSelector)!.podSelector!.matchExpressions![0].values, ["a", "z"]);
    });

    it("accepts IPv6 CIDRs and an except inside them", () =>
        assert.doesNotThrow(() =>
            parse({ networkPolicy: { clients: [{ ipBlock: { cidr: "fd00::/48", except: ["fd00:0:0:1::/64", "fd00::10.0.0.1/128"] } }] } }),
        ));

    it("egress on: the API server's addresses make an instance's config complete; an exporter reading an instance needs no metricsServer", () =>
        assert.doesNotThrow(() =>
            parse({
                networkPolicy: { egress: { enabled: true, apiServer: [{ cidr: "192.0.2.10/32" }] } },
                instances: [instance()],
                exporters: [{ name: "ex", metricsServiceHost: "arkouda-on-k8s-metrics" }],
            }),
        ));
});

describe("config: each networkPolicy key refuses a bad value, naming it", () => {
    const clients = (peer: Values) => ({ networkPolicy: { clients: [peer] } });

    it("networkPolicy.enabled: not a boolean", () =>
        assertOneProblem({ networkPolicy: { enabled: "yes" } }, "networkPolicy.enabled", /boolean/));
    it("networkPolicy.clients: not a list", () =>
        assertOneProblem({ networkPolicy: { clients: { podSelector: {} } } }, "networkPolicy.clients", /must be a list/));
    it("networkPolicy.clients: an empty peer", () =>
        assertOneProblem(clients({}), "networkPolicy.clients[0]", /must set podSelector, namespaceSelector \(or both\), or ipBlock/));
    it("networkPolicy.clients: an ipBlock with a selector in one peer", () =>
        assertOneProblem(
            clients({ podSelector: {}, ipBlock: { cidr: "10.0.0.0/8" } }),
            "networkPolicy.clients[0].ipBlock",
            /cannot be combined with podSelector or namespaceSelector/,
        ));
    it("networkPolicy.clients: a CIDR that is none", () =>
        assertOneProblem(
            clients({ ipBlock: { cidr: "10.0.0.0" } }),
            "networkPolicy.clients[0].ipBlock.cidr",
            /IPv4 or IPv6 CIDR.*got "10.0.0.0"/,
        ));
    it("networkPolicy.clients: an IPv4 octet out of range", () =>
        assertOneProblem(clients({ ipBlock: { cidr: "10.0.0.256/32" } }), "networkPolicy.clients[0].ipBlock.cidr", /IPv4 or IPv6 CIDR/));
    it("networkPolicy.clients: an IPv6 address with two `::`", () =>
        assertOneProblem(clients({ ipBlock: { cidr: "fd00::1::/64" } }), "networkPolicy.clients[0].ipBlock.cidr", /IPv4 or IPv6 CIDR/));
    it("networkPolicy.clients: a prefix longer than the address", () =>
        assertOneProblem(clients({ ipBlock: { cidr: "10.0.0.0/33" } }), "networkPolicy.clients[0].ipBlock.cidr", /IPv4 or IPv6 CIDR/));
    it("networkPolicy.clients: an except outside the CIDR", () =>
        assertOneProblem(
            clients({ ipBlock: { cidr: "10.0.0.0/16", except: ["10.1.0.0/24"] } }),
            "networkPolicy.clients[0].ipBlock.except[0]",
            /strict subset of cidr 10.0.0.0\/16/,
        ));
    it("networkPolicy.clients: an except equal to the CIDR", () =>
        assertOneProblem(
            clients({ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.0.0/16"] } }),
            "networkPolicy.clients[0].ipBlock.except[0]",
            /strict subset/,
        ));
    it("networkPolicy.clients: an except of the other family", () =>
        assertOneProblem(
            clients({ ipBlock: { cidr: "10.0.0.0/8", except: ["fd00::/64"] } }),
            "networkPolicy.clients[0].ipBlock.except[0]",
            /strict subset/,
        ));
    it("networkPolicy.clients: a bad label key in matchLabels", () =>
        assertOneProblem(
            clients({ namespaceSelector: { matchLabels: { "bad key": "x" } } }),
            'networkPolicy.clients[0].namespaceSelector.matchLabels["bad key"]',
            /label key 'bad key' is invalid/,
        ));
    it("networkPolicy.clients: an operator a LabelSelector does not have", () =>
        assertOneProblem(
            clients({ podSelector: { matchExpressions: [{ key: "tier", operator: "Gt", values: ["1"] }] } }),
            "networkPolicy.clients[0].podSelector.matchExpressions[0].operator",
            /must be one of "In", "NotIn", "Exists", "DoesNotExist"/,
        ));
    it("networkPolicy.clients: In without values", () =>
        assertOneProblem(
            clients({ podSelector: { matchExpressions: [{ key: "tier", operator: "In" }] } }),
            "networkPolicy.clients[0].podSelector.matchExpressions[0].values",
            /at least one value with operator In/,
        ));
    it("networkPolicy.prometheus: an unknown key in a peer, naming the allowed ones", () =>
        assertOneProblem(
            { networkPolicy: { prometheus: [{ podSelector: {}, selector: {} }] } },
            "networkPolicy.prometheus[0].selector",
            /allowed keys here: ipBlock, namespaceSelector, podSelector/,
        ));
    it("networkPolicy.egress.enabled: not a boolean", () =>
        assertOneProblem({ networkPolicy: { egress: { enabled: 1 } } }, "networkPolicy.egress.enabled", /boolean/));
    it("networkPolicy.egress.dns: a bad peer", () =>
        assertOneProblem({ networkPolicy: { egress: { dns: [{}] } } }, "networkPolicy.egress.dns[0]", /must set podSelector/));
    it("networkPolicy.egress.apiServer: a bad CIDR", () =>
        assertOneProblem(
            { networkPolicy: { egress: { apiServer: [{ cidr: "api.example.com" }] } } },
            "networkPolicy.egress.apiServer[0].cidr",
            /CIDR/,
        ));
    it("networkPolicy.egress.apiServerPort: out of range", () =>
        assertOneProblem({ networkPolicy: { egress: { apiServerPort: 70000 } } }, "networkPolicy.egress.apiServerPort", /at most 65535/));
    it("networkPolicy.egress.metricsServer: a bad CIDR", () =>
        assertOneProblem(
            { networkPolicy: { egress: { metricsServer: [{ cidr: "10.0.0.0/8/8" }] } } },
            "networkPolicy.egress.metricsServer[0].cidr",
            /CIDR/,
        ));
    it("networkPolicy.egress: on for an instance without the API server's addresses", () =>
        assertOneProblem(
            { networkPolicy: { egress: { enabled: true } }, instances: [instance()] },
            "networkPolicy.egress.apiServer",
            /must name the API server's addresses.*kubectl get endpointslices/,
        ));
    it("instances[].networkPolicy.egress: on there, named there", () =>
        assertOneProblem(
            { instances: [instance({ networkPolicy: { egress: { enabled: true } } })] },
            "instances[0].networkPolicy.egress.apiServer",
            /must name the API server's addresses/,
        ));
    it("exporters[].networkPolicy.egress: on for an exporter of an Arkouda elsewhere, without its address", () =>
        assertOneProblem(
            { exporters: [{ name: "ex", metricsServiceHost: "slurm.example.com", networkPolicy: { egress: { enabled: true } } }] },
            "exporters[0].networkPolicy.egress.metricsServer",
            /must name the addresses of exporter ex's metrics daemon \(slurm.example.com/,
        ));
    it("exporters[].networkPolicy.clients: an exporter has no client port", () =>
        assertOneProblem(
            { exporters: [{ name: "ex", metricsServiceHost: "h", networkPolicy: { clients: [] } }] },
            "exporters[0].networkPolicy.clients",
            /allowed keys here: egress, enabled, prometheus/,
        ));
    it("instances[].networkPolicy: an unknown key", () =>
        assertOneProblem(
            { instances: [instance({ networkPolicy: { ingress: [] } })] },
            "instances[0].networkPolicy.ingress",
            /allowed keys here: clients, egress, enabled, prometheus/,
        ));
});

describe("config: volumes", () => {
    const claim = (extra: Values = {}) => ({ name: "scratch", mountPath: "/data/scratch", claim: { size: "10Gi", ...extra } });
    const withVolumes = (volumes: unknown[], extra: Values = {}) => ({ instances: [instance({ volumes, ...extra })] });

    it("defaults to none", () => assert.deepStrictEqual(parse({ instances: [instance()] }).clusters[0].instances[0].volumes, []));

    it("takes each source; a declared claim is ReadWriteOnce and kept on destroy unless it says otherwise", () => {
        const [resolved] = parse({
            podSecurity: { enforce: "privileged" },
            ...withVolumes([
                { name: "datasets", mountPath: "/data/datasets", existingClaim: "shared" },
                claim(),
                { name: "node", mountPath: "/data/node", hostPath: { path: "/srv/arkouda", type: "DirectoryOrCreate" } },
            ]),
        }).clusters[0].instances;
        assert.deepStrictEqual(resolved.volumes, [
            { name: "datasets", mountPath: "/data/datasets", existingClaim: "shared" },
            { name: "scratch", mountPath: "/data/scratch", claim: { size: "10Gi", accessMode: "ReadWriteOnce", retainOnDestroy: true } },
            { name: "node", mountPath: "/data/node", hostPath: { path: "/srv/arkouda", type: "DirectoryOrCreate" } },
        ]);
    });

    it("accepts a mount below the run-as user's home and beside the image's paths", () =>
        assert.strictEqual(
            parse(
                withVolumes(
                    [
                        { name: "home-data", mountPath: "/home/alice/data", existingClaim: "c" },
                        { ...claim(), mountPath: "/opt/data" },
                    ],
                    {
                        runAs: { user: "alice", uid: 1001, group: "alice", gid: 1001 },
                    },
                ),
            ).clusters[0].instances[0].volumes.length,
            2,
        ));

    it("accepts a hostPath where the stack does not create the namespace (its Pod Security is not config's to know)", () =>
        assert.ok(parse({ createNamespace: false, ...withVolumes([{ name: "node", mountPath: "/data", hostPath: { path: "/srv" } }]) })));
});

describe("config: each volume key refuses a bad value, naming it", () => {
    const withVolumes = (volumes: unknown[], extra: Values = {}) => ({ instances: [instance({ volumes, ...extra })] });
    const one = (volume: Values) => withVolumes([{ name: "data", mountPath: "/data", ...volume }]);
    const existing = { existingClaim: "shared" };

    it("volumes: not a list", () =>
        assertOneProblem({ instances: [instance({ volumes: { name: "data" } })] }, "instances[0].volumes", /must be a list/));
    it("volumes[].name: missing", () =>
        assertOneProblem(withVolumes([{ mountPath: "/data", ...existing }]), "instances[0].volumes[0].name", /is required/));
    it("volumes[].name: not a DNS label", () =>
        assertOneProblem(one({ name: "Data_1", ...existing }), "instances[0].volumes[0].name", /DNS-1123 label/));
    it("volumes[].name: a volume the program mounts itself", () =>
        assertOneProblem(
            one({ name: "ssh-keys", ...existing }),
            "instances[0].volumes[0].name",
            /the program gives the Arkouda pods itself .*ssh-keys/,
        ));
    it("volumes[].name: two volumes of one instance with one name", () =>
        assertOneProblem(
            withVolumes([
                { name: "data", mountPath: "/data/a", ...existing },
                { name: "data", mountPath: "/data/b", ...existing },
            ]),
            "instances[0].volumes[1].name",
            /is the name of volumes\[0\] too/,
        ));
    it("volumes[].name: two instances whose volumes give one claim name", () =>
        assertOneProblem(
            {
                instances: [
                    instance({ name: "ark", volumes: [{ name: "b-data", mountPath: "/data", claim: { size: "1Gi" } }] }),
                    instance({ name: "ark-b", volumes: [{ name: "data", mountPath: "/data", claim: { size: "1Gi" } }] }),
                ],
            },
            "instances[1].volumes[0].name",
            /gives the claim ark-b-data, which instance ark's volume b-data declares too/,
        ));
    it("volumes[].mountPath: missing", () =>
        assertOneProblem(withVolumes([{ name: "data", ...existing }]), "instances[0].volumes[0].mountPath", /is required/));
    it("volumes[].mountPath: relative", () =>
        assertOneProblem(one({ mountPath: "data", ...existing }), "instances[0].volumes[0].mountPath", /absolute path/));
    it("volumes[].mountPath: not normalized", () =>
        assertOneProblem(one({ mountPath: "/data/../etc", ...existing }), "instances[0].volumes[0].mountPath", /normalized path/));
    it("volumes[].mountPath: '/'", () =>
        assertOneProblem(one({ mountPath: "/", ...existing }), "instances[0].volumes[0].mountPath", /not be '\/'/));
    it("volumes[].mountPath: two volumes on one path", () =>
        assertOneProblem(
            withVolumes([
                { name: "a", mountPath: "/data", ...existing },
                { name: "b", mountPath: "/data", existingClaim: "other" },
            ]),
            "instances[0].volumes[1].mountPath",
            /is the mountPath of volumes\[0\] too: two volumes cannot be mounted on one path/,
        ));
    it("volumes[].mountPath: on a path of the image", () =>
        assertOneProblem(
            one({ mountPath: "/opt/arkouda", ...existing }),
            "instances[0].volumes[0].mountPath",
            /is on \/opt\/arkouda, which the image uses \(the Arkouda install/,
        ));
    it("volumes[].mountPath: below a path the launch scripts use", () =>
        assertOneProblem(
            one({ mountPath: "/etc/arkouda", ...existing }),
            "instances[0].volumes[0].mountPath",
            /is below \/etc, which the launch script uses/,
        ));
    it("volumes[].mountPath: above paths the image uses (it would hide them)", () =>
        assertOneProblem(one({ mountPath: "/opt", ...existing }), "instances[0].volumes[0].mountPath", /is above \/opt\/arkouda/));
    it("volumes[].mountPath: the connection-info file's directory", () =>
        assertOneProblem(
            one({ mountPath: "/tmp", ...existing }),
            "instances[0].volumes[0].mountPath",
            /is above \/tmp\/arkouda-server-connection-info, which arkouda_server uses/,
        ));
    it("volumes[].mountPath: the run-as user's home (sshd's StrictModes)", () =>
        assertOneProblem(
            withVolumes([{ name: "home", mountPath: "/home/alice", ...existing }], {
                runAs: { user: "alice", uid: 1001, group: "alice", gid: 1001 },
            }),
            "instances[0].volumes[0].mountPath",
            /is above \/home\/alice\/.ssh, which sshd uses/,
        ));
    it("volumes[]: no source", () =>
        assertOneProblem(one({}), "instances[0].volumes[0]", /needs one source: existingClaim .*, claim .* or hostPath/));
    it("volumes[]: two sources", () =>
        assertOneProblem(
            one({ ...existing, claim: { size: "1Gi" } }),
            "instances[0].volumes[0].claim",
            /cannot be combined with existingClaim: a volume has one source/,
        ));
    it("volumes[]: an unknown key", () =>
        assertOneProblem(
            one({ ...existing, readOnly: true }),
            "instances[0].volumes[0].readOnly",
            /not a known key; allowed keys here: claim, existingClaim, hostPath, mountPath, name/,
        ));
    it("volumes[].existingClaim: not a DNS subdomain", () =>
        assertOneProblem(one({ existingClaim: "Shared" }), "instances[0].volumes[0].existingClaim", /DNS-1123 subdomain/));
    it("volumes[].claim.storageClass: not a DNS subdomain", () =>
        assertOneProblem(
            one({ claim: { size: "1Gi", storageClass: "Fast SSD" } }),
            "instances[0].volumes[0].claim.storageClass",
            /DNS-1123 subdomain/,
        ));
    it("volumes[].claim.size: missing", () => assertOneProblem(one({ claim: {} }), "instances[0].volumes[0].claim.size", /is required/));
    it("volumes[].claim.size: not a quantity", () =>
        assertOneProblem(one({ claim: { size: "10GB" } }), "instances[0].volumes[0].claim.size", /Kubernetes quantity/));
    it("volumes[].claim.size: zero", () =>
        assertOneProblem(one({ claim: { size: "0Gi" } }), "instances[0].volumes[0].claim.size", /more than zero/));
    it("volumes[].claim.accessMode: an unknown mode", () =>
        assertOneProblem(
            one({ claim: { size: "1Gi", accessMode: "ReadWriteAll" } }),
            "instances[0].volumes[0].claim.accessMode",
            /one of "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"/,
        ));
    it("volumes[].claim.accessMode: ReadWriteOncePod, which one pod of the server and locales may use", () =>
        assertOneProblem(
            one({ claim: { size: "1Gi", accessMode: "ReadWriteOncePod" } }),
            "instances[0].volumes[0].claim.accessMode",
            /lets one pod use the claim, but the server and its 2 locales all mount it/,
        ));
    it("volumes[].claim.accessMode: ReadWriteOnce with locales each on a node of their own", () =>
        assertOneProblem(
            { pods: { spreadLocales: "required" }, ...one({ claim: { size: "1Gi" } }) },
            "instances[0].volumes[0].claim.accessMode",
            /lets the pods of one node use the claim, .* pods.spreadLocales: required puts each locale on a node of its own/,
        ));
    it("volumes[].claim.retainOnDestroy: not a bool", () =>
        assertOneProblem(
            one({ claim: { size: "1Gi", retainOnDestroy: "yes" } }),
            "instances[0].volumes[0].claim.retainOnDestroy",
            /must be a boolean/,
        ));
    it("volumes[].claim: an unknown key", () =>
        assertOneProblem(
            one({ claim: { size: "1Gi", storageClassName: "fast" } }),
            "instances[0].volumes[0].claim.storageClassName",
            /not a known key; allowed keys here: accessMode, retainOnDestroy, size, storageClass/,
        ));
    it("volumes[].hostPath.path: missing", () =>
        assertOneProblem(
            { podSecurity: { enforce: "privileged" }, ...one({ hostPath: {} }) },
            "instances[0].volumes[0].hostPath.path",
            /is required/,
        ));
    it("volumes[].hostPath.path: relative", () =>
        assertOneProblem(
            { podSecurity: { enforce: "privileged" }, ...one({ hostPath: { path: "srv/data" } }) },
            "instances[0].volumes[0].hostPath.path",
            /absolute path/,
        ));
    it("volumes[].hostPath.type: not a directory check", () =>
        assertOneProblem(
            { podSecurity: { enforce: "privileged" }, ...one({ hostPath: { path: "/srv", type: "Socket" } }) },
            "instances[0].volumes[0].hostPath.type",
            /one of "Directory", "DirectoryOrCreate"/,
        ));
    it("volumes[].hostPath: in a namespace the stack creates with Pod Security baseline", () =>
        assertOneProblem(
            one({ hostPath: { path: "/srv" } }),
            "instances[0].volumes[0].hostPath",
            /Pod Security 'baseline' refuses, and podSecurity.enforce is 'baseline' in the namespace cluster default creates/,
        ));
    it("clusters[].overrides: volumes checked like the instance's", () =>
        assertOneProblem(
            {
                instances: [instance()],
                clusters: [
                    {
                        name: "a",
                        overrides: { instances: { "arkouda-on-k8s": { volumes: [{ name: "d", mountPath: "/usr/data", ...existing }] } } },
                    },
                ],
            },
            'clusters[0].overrides.instances["arkouda-on-k8s"].volumes[0].mountPath',
            /is below \/usr/,
        ));
});
