import * as assert from "assert";
import {
    arkoudaRuntimeObjectRefs,
    arkoudaRuntimeObjects,
    exporterRuntimeObjectRefs,
    exporterRuntimeObjects,
} from "../../components/runtime-objects";
import { arkoudaValues, exporterValues } from "../lib/values";
import { fixtureExporter, fixtureInstance, fixtureNamespace as ns, fixtureRunAsInstance } from "./fixtures";
import { envOf, plainJson } from "./render-helpers";

const j = plainJson;
const objs = () => j(arkoudaRuntimeObjects(arkoudaValues(fixtureInstance), ns));

describe("runtime objects: names", () => {
    it("names the Deployment, Pod and Services after the instance", () => {
        const o = objs();
        assert.strictEqual(o.localeDeployment.metadata.name, "arkouda-on-k8s-locale");
        assert.strictEqual(o.serverPod.metadata.name, "arkouda-on-k8s-server");
        assert.deepStrictEqual(
            o.services.map((s: { metadata: { name: string } }) => s.metadata.name),
            [
                "arkouda-on-k8s-locale-headless",
                "arkouda-on-k8s-locale-ssh",
                "arkouda-on-k8s-server-headless",
                "arkouda-on-k8s-server-ssh",
                "arkouda-on-k8s-metrics-exporter",
            ],
        );
        assert.strictEqual(o.serviceMonitor.metadata.name, "arkouda-on-k8s-servicemonitor");
    });

    it("refs list everything a deploy creates, including the server-registered Services", () => {
        const refs = arkoudaRuntimeObjectRefs("x");
        const o = j(arkoudaRuntimeObjects(arkoudaValues({ ...fixtureInstance, name: "x" }), ns));
        const created = [...o.services, o.localeDeployment, o.serverPod, o.serviceMonitor].map(
            (x: { apiVersion: string; kind: string; metadata: { name: string } }) => `${x.apiVersion}/${x.kind}/${x.metadata.name}`,
        );
        const listed = refs.map((r) => `${r.apiVersion}/${r.kind}/${r.name}`);
        for (const c of created) assert.ok(listed.includes(c), c);
        assert.ok(listed.includes("v1/Service/x") && listed.includes("v1/Service/x-metrics"));
        // What earlier deploys applied per instance goes with a delete too.
        assert.ok(listed.includes("v1/ConfigMap/x-locale-launch-script") && listed.includes("v1/ConfigMap/x-server-launch-script"));
        assert.strictEqual(new Set(listed).size, listed.length);
    });

    it("exporter refs match the exporter objects", () => {
        const e = j(exporterRuntimeObjects(exporterValues(fixtureExporter), ns));
        const created = [e.deployment, e.service, e.serviceMonitor].map(
            (x: { kind: string; metadata: { name: string } }) => `${x.kind}/${x.metadata.name}`,
        );
        assert.deepStrictEqual(
            exporterRuntimeObjectRefs(fixtureExporter.name).map((r) => `${r.kind}/${r.name}`),
            created,
        );
    });
});

describe("runtime objects: labels", () => {
    it("puts the standard labels on every object", () => {
        const o = objs();
        for (const x of [...o.services, o.localeDeployment, o.serverPod, o.serviceMonitor]) {
            assert.strictEqual(x.metadata.labels["app.kubernetes.io/name"], "arkouda", x.metadata.name);
            assert.strictEqual(x.metadata.labels["app.kubernetes.io/instance"], "arkouda-on-k8s");
            assert.strictEqual(x.metadata.labels["app.kubernetes.io/managed-by"], "arkouda-workflows");
            assert.ok(x.metadata.labels["app.kubernetes.io/component"]);
        }
    });

    it("keeps upstream's app selectors", () => {
        const o = objs();
        assert.deepStrictEqual(o.localeDeployment.spec.selector.matchLabels, { app: "arkouda-on-k8s-locale" });
        assert.strictEqual(o.serverPod.metadata.labels.app, "arkouda-on-k8s-server");
        assert.deepStrictEqual(o.services[0].spec.selector, { app: "arkouda-on-k8s-locale" });
    });

    it("label maps have sorted keys", () => {
        const o = objs();
        for (const x of [...o.services, o.localeDeployment, o.serverPod, o.serviceMonitor]) {
            const keys = Object.keys(x.metadata.labels);
            assert.deepStrictEqual(keys, [...keys].sort());
        }
    });

    it("the ServiceMonitor carries the Prometheus match labels as map entries", () => {
        const sm = objs().serviceMonitor;
        assert.strictEqual(sm.metadata.labels.release, "kube-stack");
        assert.deepStrictEqual(sm.spec.selector.matchLabels, { instance: "arkouda-on-k8s-metrics-exporter" });
        assert.deepStrictEqual(sm.spec.endpoints, [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }]);
        assert.deepStrictEqual(sm.spec.targetLabels, ["arkouda_instance", "launcher"]);
    });

    it("the ServiceMonitor's port, selector and target labels are what the exporter Service has", () => {
        const o = objs();
        const svc = o.services.find((s: { metadata: { name: string } }) => s.metadata.name === "arkouda-on-k8s-metrics-exporter");
        const sm = o.serviceMonitor;
        assert.deepStrictEqual(
            svc.spec.ports.map((p: { name: string }) => p.name),
            [sm.spec.endpoints[0].port],
        );
        for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.strictEqual(svc.metadata.labels[k], v, k);
        for (const label of sm.spec.targetLabels) assert.ok(svc.metadata.labels[label], `the Service lacks target label ${label}`);
        assert.strictEqual(svc.metadata.labels.arkouda_instance, fixtureInstance.serverName);
    });

    it("the exporter Services carry the prometheus.io annotations, scrape as configured", () => {
        const svc = objs().services.find((s: { metadata: { name: string } }) => s.metadata.name === "arkouda-on-k8s-metrics-exporter");
        assert.deepStrictEqual(svc.metadata.annotations, {
            "prometheus.io/path": "/metrics",
            "prometheus.io/port": "5080",
            "prometheus.io/scrape": "true",
        });
        const x = j(exporterRuntimeObjects(exporterValues(fixtureExporter), ns)).service;
        assert.deepStrictEqual(x.metadata.annotations, {
            "prometheus.io/path": "/metrics",
            "prometheus.io/port": "5080",
            "prometheus.io/scrape": "false",
        });
    });

    it("a match label cannot override a standard label", () => {
        const i = {
            ...fixtureInstance,
            metrics: { ...fixtureInstance.metrics, prometheusMatchLabels: { "app.kubernetes.io/managed-by": "someone-else" } },
        };
        const sm = j(arkoudaRuntimeObjects(arkoudaValues(i), ns)).serviceMonitor;
        assert.strictEqual(sm.metadata.labels["app.kubernetes.io/managed-by"], "arkouda-workflows");
    });

    it("the metrics-exporter Service carries the labels the ServiceMonitor selects and copies", () => {
        const svc = objs().services[4];
        assert.strictEqual(svc.metadata.labels.instance, "arkouda-on-k8s-metrics-exporter");
        assert.strictEqual(svc.metadata.labels.arkouda_instance, "arkouda-on-k8s");
        assert.strictEqual(svc.metadata.labels.launcher, "kubernetes");
        assert.deepStrictEqual(svc.spec.ports, [{ name: "http", port: 5080, protocol: "TCP", targetPort: 5080 }]);
    });
});

describe("runtime objects: pods", () => {
    it("runs `locales` locale replicas of the server image with requests = limits", () => {
        const d = objs().localeDeployment;
        assert.strictEqual(d.spec.replicas, 2);
        const c = d.spec.template.spec.containers[0];
        assert.strictEqual(c.image, "bearsrus/arkouda-udp-server:v2024.04.19");
        assert.deepStrictEqual(c.resources.requests, c.resources.limits);
        assert.deepStrictEqual(c.resources.limits, { cpu: "2000m", memory: "2048Mi" });
        assert.deepStrictEqual(
            c.ports.map((p: { containerPort: number }) => p.containerPort),
            [22],
        );
    });

    it("mounts the ssh secret and the launch script by subPath", () => {
        const d = objs().localeDeployment.spec.template.spec;
        assert.deepStrictEqual(
            d.containers[0].volumeMounts.find((m: { name: string }) => m.name === "ssh-keys").mountPath,
            "/home/ubuntu/ssh-keys",
        );
        // Root's alone: the launch script installs a copy for the run-as user.
        assert.deepStrictEqual(d.volumes.find((v: { name: string }) => v.name === "ssh-keys").secret, {
            secretName: "arkouda-ssh",
            defaultMode: 0o400,
        });
        assert.strictEqual(d.containers[0].volumeMounts.find((m: { name: string }) => m.name === "launch-script").subPath, "locale.sh");
        assert.deepStrictEqual(d.volumes.find((v: { name: string }) => v.name === "launch-script").configMap, {
            name: "arkouda-launch-scripts",
        });
    });

    it("sets NUMLOCALES to locales + 1", () => {
        const server = objs().serverPod.spec.containers[0];
        assert.strictEqual(envOf(server).NUMLOCALES, "3");
        const five = j(arkoudaRuntimeObjects(arkoudaValues({ ...fixtureInstance, locales: 4 }), ns)).serverPod.spec.containers[0];
        assert.strictEqual(envOf(five).NUMLOCALES, "5");
    });

    it("gives the server the discovery and registration env", () => {
        const env = envOf(objs().serverPod.spec.containers[0]);
        assert.strictEqual(env.K8S_HOST, ns.kubernetesApiUrl);
        assert.strictEqual(env.NAMESPACE, "arkouda");
        assert.strictEqual(env.APP_NAME, "arkouda-on-k8s-locale");
        assert.strictEqual(env.EXTERNAL_SERVICE_NAME, "arkouda-on-k8s");
        assert.strictEqual(env.METRICS_SERVICE_NAME, "arkouda-on-k8s-metrics");
        assert.strictEqual(env.LOG_LEVEL, "LogLevel.DEBUG");
        assert.strictEqual(env.MEMTRACK, "true");
        assert.strictEqual(env.CHPL_RT_NUM_THREADS_PER_LOCALE, "2");
        assert.strictEqual(env.CHPL_MEM_MAX, "1000000000");
        assert.strictEqual(env.GASNET_SUPERNODE_MAXSIZE, "1");
    });

    it("runs the server as the arkouda SA with its token Secret at /opt/sa", () => {
        const pod = objs().serverPod.spec;
        assert.strictEqual(pod.serviceAccountName, "arkouda");
        assert.strictEqual(pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === "sa-token").mountPath, "/opt/sa");
        assert.deepStrictEqual(pod.volumes.find((v: { name: string }) => v.name === "sa-token").secret, { secretName: "arkouda-token" });
    });

    it("exposes client, metrics and ssh ports on the server and the exporter port on its sidecar", () => {
        const pod = objs().serverPod.spec;
        assert.deepStrictEqual(
            pod.containers[0].ports.map((p: { containerPort: number }) => p.containerPort),
            [5555, 5556, 22],
        );
        const [exporter] = pod.initContainers;
        assert.strictEqual(exporter.name, "arkouda-metrics-exporter");
        assert.strictEqual(exporter.image, "bearsrus/prometheus-arkouda-exporter:v2024.04.19");
        assert.deepStrictEqual(exporter.ports, [{ containerPort: 5080, name: "http", protocol: "TCP" }]);
    });

    it("passes the run-as identity to server and locales", () => {
        const o = j(arkoudaRuntimeObjects(arkoudaValues(fixtureRunAsInstance), ns));
        for (const c of [o.serverPod.spec.containers[0], o.localeDeployment.spec.template.spec.containers[0]]) {
            const env = envOf(c);
            assert.deepStrictEqual(
                [env.RUN_AS_USER, env.RUN_AS_UID, env.RUN_AS_GROUP, env.RUN_AS_GID],
                ["bearsrus", "1009", "bearsrus-arkouda-users", "1019"],
            );
        }
    });

    it("a CPU limit above the request reaches the server and locale containers; the request and memory stay", () => {
        const o = j(arkoudaRuntimeObjects(arkoudaValues({ ...fixtureInstance, cpu: "100m", cpuLimit: "1" }), ns));
        for (const c of [o.serverPod.spec.containers[0], o.localeDeployment.spec.template.spec.containers[0]]) {
            assert.deepStrictEqual(c.resources, { requests: { cpu: "100m", memory: "2048Mi" }, limits: { cpu: "1", memory: "2048Mi" } });
        }
    });

    it("the standalone exporter takes CPU and memory from config (upstream hard-coded them)", () => {
        const e = j(exporterRuntimeObjects(exporterValues({ ...fixtureExporter, cpu: "333m", memory: "111Mi" }), ns));
        assert.deepStrictEqual(e.deployment.spec.template.spec.containers[0].resources, {
            requests: { cpu: "333m", memory: "111Mi" },
            limits: { cpu: "333m", memory: "111Mi" },
        });
    });

    it("the standalone exporter reads the metrics endpoint under the names the image reads", () => {
        const env = envOf(j(exporterRuntimeObjects(exporterValues(fixtureExporter), ns)).deployment.spec.template.spec.containers[0]);
        assert.deepStrictEqual(env, {
            ARKOUDA_METRICS_SERVER_NAME: "arkouda-on-slurm",
            ARKOUDA_METRICS_SERVICE_HOST: "arkouda-metrics.arkouda",
            ARKOUDA_METRICS_SERVICE_PORT: "5556",
            METRICS_POLLING_INTERVAL: "15",
            METRICS_SCRAPE_PORT: "5080",
            // The client's home, which it must be able to write (the container runs as nobody).
            HOME: "/home/arkouda-exporter",
        });
    });

    it("the standalone exporter is restarted when /metrics stops answering", () => {
        const c = j(exporterRuntimeObjects(exporterValues(fixtureExporter), ns)).deployment.spec.template.spec.containers[0];
        assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/metrics", port: 5080 });
    });
});
