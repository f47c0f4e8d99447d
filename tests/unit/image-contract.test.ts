/**
 * Every container the program runs, held against the image contract (contract/image.ts and
 * components/image-contract.ts): the env names it sets are exactly the names the image (or our
 * launch script in it) reads, the ports it declares are the ones something listens on, and the
 * registered endpoints reach them.
 */
import * as assert from "assert";
import * as path from "path";
import { namespaceSettings, parseStackConfig } from "../../components/config";
import { arkoudaParameters, exporterParameters } from "../../components/workflow-templates";
import { deployArkoudaTemplate, deployExporterTemplate } from "../lib/templates";
import { arkoudaValues, exporterValues } from "../lib/values";
import { stackConfigValues } from "../lib/render";
import { stackValues } from "../lib/mock-program";
import { API_CONTRACT, imagePaths, PATH_CONTRACT } from "../../components/image-contract";
import { pathsOverlap } from "../../components/config/rules";
import {
    contractEnvNames,
    ENV_CONTRACT,
    FLAG_CONTRACT,
    PORT_CONTRACT,
    registrationParameters,
    type ContractContainer,
} from "../../contract/image";
import { SERVER_LAUNCH_SCRIPT } from "../../components/launch-scripts";
import { arkoudaRuntimeObjects, exporterRuntimeObjects, SERVER_READINESS_COMMAND } from "../../components/runtime-objects";
import { fixtureExporter, fixtureInstance, fixtureNamespace as ns } from "./fixtures";
import { envOf, manifestsOf, plainJson } from "./render-helpers";

const j = plainJson;
interface Container {
    name: string;
    env: { name: string; value?: string }[];
    ports?: { containerPort: number; name: string }[];
}
const names = (c: Container) => c.env.map((e) => e.name).sort();
const instance = { ...fixtureInstance, serverPort: 6000, metrics: { ...fixtureInstance.metrics, servicePort: 6001, exporterPort: 6002 } };

function containers(): Record<ContractContainer, Container> {
    const o = j(arkoudaRuntimeObjects(arkoudaValues(instance), ns));
    const e = j(exporterRuntimeObjects(exporterValues(fixtureExporter), ns));
    return {
        server: o.serverPod.spec.containers[0],
        locale: o.localeDeployment.spec.template.spec.containers[0],
        "metrics-sidecar": o.serverPod.spec.initContainers[0],
        exporter: e.deployment.spec.template.spec.containers[0],
    };
}

describe("image contract: environment", () => {
    for (const container of ["server", "locale", "metrics-sidecar", "exporter"] as const) {
        it(`${container}: sets exactly the variables the image reads`, () =>
            assert.deepStrictEqual(names(containers()[container]), contractEnvNames(container)));
    }

    it("server without metrics: the same names, with COLLECT_METRICS false", () => {
        const pod = j(arkoudaRuntimeObjects(arkoudaValues(instance), ns)).serverPodWithoutMetrics.spec;
        assert.deepStrictEqual(names(pod.containers[0]), contractEnvNames("server"));
        assert.strictEqual(envOf(pod.containers[0]).COLLECT_METRICS, "false");
    });

    it("upstream's names the exporter never reads are gone (EXPORT_PORT, POLLING_INTERVAL_SECONDS, ARKOUDA_SERVER_NAME)", () => {
        const all = Object.values(containers()).flatMap(names);
        for (const stale of ["EXPORT_PORT", "POLLING_INTERVAL_SECONDS", "ARKOUDA_SERVER_NAME", "ARKOUDA_CLIENT_MODE"])
            assert.ok(!all.includes(stale), stale);
    });

    it("every contract row names a source file", () => {
        for (const r of ENV_CONTRACT) assert.ok(r.source.length > 0, r.name);
    });
});

describe("image contract: ports", () => {
    for (const row of PORT_CONTRACT) {
        it(`${row.container} declares its ${row.portName} port`, () =>
            assert.ok((containers()[row.container].ports ?? []).some((p) => p.name === row.portName)));
    }

    it("declares no port nothing listens on", () => {
        for (const [container, c] of Object.entries(containers())) {
            for (const p of c.ports ?? [])
                assert.ok(
                    PORT_CONTRACT.some((r) => r.container === container && r.portName === p.name),
                    `${container}/${p.name}`,
                );
        }
    });

    it("the client Endpoints the server registers point at its client socket", () => {
        const { server } = containers();
        const [, port] = registrationParameters(envOf(server)).client;
        assert.strictEqual(port, server.ports!.find((p) => p.name === "client")!.containerPort);
    });

    it("the metrics Endpoints the server registers point where its metrics daemon listens", () => {
        const { server } = containers();
        const env = envOf(server);
        const [, port] = registrationParameters(env).metrics;
        assert.strictEqual(port, Number(env.METRICS_SERVER_PORT));
        assert.strictEqual(port, server.ports!.find((p) => p.name === "metrics")!.containerPort);
    });

    it("the sidecar polls the metrics daemon's port and serves on its own", () => {
        const { server, "metrics-sidecar": sidecar } = containers();
        assert.strictEqual(envOf(sidecar).ARKOUDA_METRICS_SERVICE_PORT, envOf(server).METRICS_SERVER_PORT);
        assert.strictEqual(envOf(sidecar).METRICS_SCRAPE_PORT, "6002");
    });
});

describe("image contract: paths", () => {
    // The program's own mounts: the instance's data volumes are checked against the rows by config.
    const arkouda = () => {
        const o = j(arkoudaRuntimeObjects(arkoudaValues({ ...instance, volumes: [] }), ns));
        return { server: o.serverPod.spec.containers[0], locale: o.localeDeployment.spec.template.spec.containers[0] };
    };

    for (const container of ["server", "locale"] as const) {
        it(`${container}: every path the program mounts is a path row of its container, or below one`, () => {
            const rows = PATH_CONTRACT.filter((r) => r.containers.includes(container));
            for (const m of arkouda()[container].volumeMounts as { mountPath: string }[])
                assert.ok(
                    rows.some((r) => m.mountPath === r.path || m.mountPath.startsWith(`${r.path}/`)),
                    `${m.mountPath} is no path of contract rows for ${container}`,
                );
        });
    }

    it("the connection-info file the server writes and its probe reads is a row", () =>
        assert.ok(PATH_CONTRACT.some((r) => r.path === envOf(arkouda().server).ARKOUDA_SERVER_CONNECTION_INFO)));

    it("no row hides another (each names a path of its own)", () => {
        const paths = imagePaths().map((p) => p.path);
        for (const p of paths)
            assert.deepStrictEqual(
                paths.filter((q) => q !== p && pathsOverlap(p, q)),
                [],
                p,
            );
    });

    it("the run-as user's home follows runAs", () =>
        assert.ok(
            imagePaths("alice").some((p) => p.path === "/home/alice/.ssh") &&
                !imagePaths("alice").some((p) => p.path === "/home/ubuntu/.ssh"),
        ));
});

describe("image contract: the server pod", () => {
    it("is ready only once the connection-info file exists and the client port answers", () => {
        const pod = j(arkoudaRuntimeObjects(arkoudaValues(instance), ns)).serverPod.spec;
        assert.deepStrictEqual(pod.containers[0].readinessProbe.exec.command, SERVER_READINESS_COMMAND);
        assert.ok(names(pod.containers[0]).includes("ARKOUDA_SERVER_CONNECTION_INFO"));
    });

    it("runs the exporter as a native sidecar, restarted on its own while the server never restarts", () => {
        const pod = j(arkoudaRuntimeObjects(arkoudaValues(instance), ns)).serverPod.spec;
        assert.strictEqual(pod.restartPolicy, "Never");
        assert.strictEqual(pod.initContainers[0].restartPolicy, "Always");
    });

    it("without metrics runs no exporter and declares no metrics port", () => {
        const pod = j(arkoudaRuntimeObjects(arkoudaValues(instance), ns)).serverPodWithoutMetrics.spec;
        assert.strictEqual(pod.initContainers, undefined);
        assert.ok(!pod.containers[0].ports.some((p: { name: string }) => p.name === "metrics"));
    });

    it("the launch script passes every flag of the contract", () => {
        for (const f of FLAG_CONTRACT) assert.ok(SERVER_LAUNCH_SCRIPT.includes(f.flag), f.flag);
    });

    it("the launch script makes its API calls with the paths of the contract", () => {
        for (const call of API_CONTRACT.filter((c) => c.caller === "launch script")) {
            const resource = call.path.split("/")[5].split("?")[0];
            assert.ok(SERVER_LAUNCH_SCRIPT.includes(`/api/v1/namespaces/$NAMESPACE/${resource}`), call.path);
        }
    });
});

describe("image contract: the rendered templates of the committed stacks", () => {
    // Each instance's and exporter's own parameters substituted into its cluster's templates,
    // exactly as Argo renders a run.
    for (const stack of ["dev", "prod"]) {
        const config = parseStackConfig({
            values: stackValues(stackConfigValues(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`))),
            secretKeys: new Set(),
        });
        for (const cluster of config.clusters) {
            const settings = namespaceSettings(config, cluster);
            for (const i of cluster.instances) {
                it(`${stack}/${cluster.name}/${i.name}: server, sidecar and locale env are exactly the contract's`, () => {
                    const wt = deployArkoudaTemplate(settings, cluster.instances[0]);
                    const params = arkoudaParameters(i);
                    const step = i.metrics.enabled ? "deploy-server" : "deploy-server-without-metrics";
                    const [pod] = manifestsOf(wt, step, params) as { spec: { containers: Container[]; initContainers?: Container[] } }[];
                    const [deployment] = manifestsOf(wt, "deploy-locales", params) as {
                        spec: { template: { spec: { containers: Container[] } } };
                    }[];
                    assert.deepStrictEqual(names(pod.spec.containers[0]), contractEnvNames("server"));
                    assert.deepStrictEqual(names(deployment.spec.template.spec.containers[0]), contractEnvNames("locale"));
                    if (i.metrics.enabled) assert.deepStrictEqual(names(pod.spec.initContainers![0]), contractEnvNames("metrics-sidecar"));
                    const env = envOf(pod.spec.containers[0]);
                    assert.strictEqual(registrationParameters(env).client[1], i.serverPort);
                    if (i.metrics.enabled)
                        assert.deepStrictEqual(
                            [registrationParameters(env).metrics[1], Number(env.METRICS_SERVER_PORT)],
                            [i.metrics.servicePort, i.metrics.servicePort],
                        );
                });
            }
            for (const e of cluster.exporters) {
                it(`${stack}/${cluster.name}/${e.name}: the standalone exporter's env is exactly the contract's`, () => {
                    const wt = deployExporterTemplate(settings, cluster.exporters[0]);
                    const [deployment] = manifestsOf(wt, "deploy-exporter", exporterParameters(e)) as {
                        spec: { template: { spec: { containers: Container[] } } };
                    }[];
                    const c = deployment.spec.template.spec.containers[0];
                    assert.deepStrictEqual(names(c), contractEnvNames("exporter"));
                    assert.strictEqual(envOf(c).METRICS_SCRAPE_PORT, String(e.exporterPort));
                });
            }
        }
    }
});
