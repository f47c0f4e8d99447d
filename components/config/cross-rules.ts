/**
 * The rules that span several keys, each a pure function from config to problems: which keys a
 * stack may set and how its secrets are held, deadlines that must nest, names that must be unique,
 * values that cannot work together in one server pod, data volumes the pods could not mount (or
 * Pod Security would refuse), and clusters that must not collide.
 */
import { REGISTRY_SECRET_KEYS, SECRET_KEYS, SSH_SECRET_KEYS, topLevelShape, type RawCluster, type RawConfig } from "./schema";
import type { Path, Problem } from "./messages";
import type { DeadlinesConfig, ExporterConfig, InstanceConfig } from "./types";
import { durationMs, pathsOverlap, quantityValue, registryPassword, registryServer, registryUsername } from "./rules";
import { imagePaths, SSHD_PORT } from "../image-contract";
import { claimName, PROJECT, REGISTRY_SECRET_NAME } from "../names";
import { PROGRAM_VOLUME_NAMES } from "../runtime-objects/volumes";
import { serverStepSeconds } from "./deadlines";
import { EXPORTER_UID } from "../pod-security";

/** Stack config values as Pulumi hands them over, and which of them are secrets. */
interface StackInput {
    readonly values: Readonly<Record<string, string>>;
    readonly secretKeys: ReadonlySet<string>;
}

/**
 * Keys set outside the schema: a secret kubeconfig a cluster names must be set, as a secret; SSH
 * key material is accepted only as secrets and only with `ssh.source: config`, which needs both;
 * a registry credential as `registryProblems` says; any other key the schema does not know is
 * refused. `document` is the config as written.
 */
export function stackKeyProblems(input: StackInput, document: Readonly<Record<string, unknown>>): Problem[] {
    const problems: Problem[] = [];
    const referencedSecrets = new Set<string>();
    const clusters = Array.isArray(document.clusters) ? document.clusters : [];
    clusters.forEach((cluster, index) => {
        const name = (cluster as Record<string, unknown> | null)?.kubeconfigSecret;
        if (typeof name !== "string") return;
        referencedSecrets.add(name);
        if (!(name in input.values)) {
            problems.push({
                path: ["clusters", index, "kubeconfigSecret"],
                message: `names config key '${PROJECT}:${name}', which is not set; set it with: pulumi config set --secret ${name} "$(cat <kubeconfig>)"`,
                input: name,
            });
        } else if (!input.secretKeys.has(name)) {
            problems.push({
                path: ["clusters", index, "kubeconfigSecret"],
                message: `names config key '${PROJECT}:${name}', which is stored in plain text; a kubeconfig holds credentials: set it again with pulumi config set --secret ${name} ...`,
                input: name,
            });
        }
    });

    const sshSource = (document.ssh as Record<string, unknown> | undefined)?.source;
    for (const key of SSH_SECRET_KEYS) {
        if (key in input.values) {
            if (!input.secretKeys.has(key)) {
                problems.push({
                    path: [key],
                    message: `holds key material in plain text; remove it and set it with: pulumi config set --secret ${key} "$(cat <file>)"`,
                });
            } else if (sshSource !== "config") {
                problems.push({
                    path: [key],
                    message: "is set but ssh.source is not 'config'; set ssh.source to config to use it, or remove it",
                });
            }
        } else if (sshSource === "config") {
            problems.push({
                path: ["ssh", "source"],
                message: `is 'config', which needs ${PROJECT}:${key}; set it with: pulumi config set --secret ${key} "$(cat <file>)"`,
                input: sshSource,
            });
        }
    }

    problems.push(...registryProblems(input));

    const allowed = [...Object.keys(topLevelShape), ...SECRET_KEYS].sort();
    for (const key of Object.keys(input.values)) {
        if (!(key in topLevelShape) && !SECRET_KEYS.has(key) && !referencedSecrets.has(key)) {
            problems.push({
                path: [key],
                message: `is not a known key; allowed keys: ${allowed.join(", ")} (plus secret keys named by clusters[].kubeconfigSecret)`,
            });
        }
    }
    return problems;
}

const REGISTRY_VALUE_RULES: Readonly<Record<(typeof REGISTRY_SECRET_KEYS)[number], (value: string) => string | undefined>> = {
    registryServer,
    registryUsername,
    registryPassword,
};

/** Whether the stack sets a registry credential (all of its keys, or config refuses it). */
export function hasRegistryCredential(input: Pick<StackInput, "values">): boolean {
    return REGISTRY_SECRET_KEYS.some((key) => key in input.values);
}

/**
 * A registry credential is all three keys, each set as a secret, in the form a pull Secret takes.
 * No problem names a value (nor carries it as its input): each is a secret, and a problem is
 * printed where anyone running `pulumi up` reads it.
 */
function registryProblems(input: StackInput): Problem[] {
    const set = REGISTRY_SECRET_KEYS.filter((key) => key in input.values);
    if (set.length === 0) return [];
    return REGISTRY_SECRET_KEYS.flatMap((key): Problem[] => {
        const setWith = `pulumi config set --secret ${key} (it asks for the value, or reads it from standard input)`;
        if (!(key in input.values))
            return [
                {
                    path: [key],
                    message: `is not set, but ${set.join(" and ")} ${set.length === 1 ? "is" : "are"}: a registry credential needs all of ${REGISTRY_SECRET_KEYS.join(", ")}; set it with: ${setWith}, or remove the others`,
                },
            ];
        if (!input.secretKeys.has(key))
            return [{ path: [key], message: `holds a registry credential in plain text; remove it and set it with: ${setWith}` }];
        const problem = REGISTRY_VALUE_RULES[key](input.values[key]);
        return problem ? [{ path: [key], message: `${problem} (the value is secret: not shown); set it again with: ${setWith}` }] : [];
    });
}

/**
 * The Secret the stack declares from a registry credential is one of the namespace's own, and
 * every pod gets it already: no other Secret of the namespace's may have its name, and no list
 * of pull Secrets may name it again (the pods would list it twice, which server-side apply
 * refuses). `pullSecretLists` are the `pods.imagePullSecrets` lists as written, with their paths.
 */
export function registrySecretProblems(
    raw: RawConfig,
    pullSecretLists: readonly { readonly path: Path; readonly names: readonly string[] }[],
): Problem[] {
    const problems: Problem[] = [];
    const taken: [Path, string, string][] = [
        [["ssh", "secretName"], raw.ssh.secretName, "the SSH key pair's Secret"],
        [["arkoudaTokenSecret"], raw.arkoudaTokenSecretName, "the Arkouda ServiceAccount's token Secret"],
    ];
    for (const [path, name, what] of taken)
        if (name === REGISTRY_SECRET_NAME)
            problems.push({
                path,
                message: `names ${what} ${REGISTRY_SECRET_NAME}, which the stack declares from the registry credential (registryServer); pick another name`,
                input: name,
            });
    for (const { path, names } of pullSecretLists)
        if (names.includes(REGISTRY_SECRET_NAME))
            problems.push({
                path,
                message: `names ${REGISTRY_SECRET_NAME}, the Secret the stack declares from the registry credential (registryServer), which every pod pulls with already; remove it from the list`,
                input: names,
            });
    return problems;
}

/**
 * The deploy's own waits must end before its deadline does. The longest is the server step's,
 * which holds the locales' wait (the server starts beside them); the locale step runs beside it.
 */
export function deadlineProblems(deadlines: DeadlinesConfig): Problem[] {
    const longestWait = serverStepSeconds(deadlines);
    if (longestWait < deadlines.deploySeconds) return [];
    return [
        {
            path: ["deadlines", "deploySeconds"],
            message: `must exceed localeReadySeconds + serverReadySeconds (${deadlines.localeReadySeconds} + ${deadlines.serverReadySeconds} = ${longestWait}), the bound of the deploy's server step, which waits for the locales and then the server; raise deploySeconds above ${longestWait} or lower the other two`,
            input: deadlines.deploySeconds,
        },
    ];
}

function duplicates(names: string[]): string[] {
    return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}

/** Instance and exporter names name the Services they create; cluster names name components. */
export function nameProblems(raw: RawConfig): Problem[] {
    const problems: Problem[] = [];
    const objectNames = [...raw.instances.map((i) => i.name), ...raw.exporters.map((e) => e.name)];
    for (const name of duplicates(objectNames)) {
        const inInstances = raw.instances.map((i) => i.name).lastIndexOf(name);
        const path: Path =
            inInstances >= 0 && raw.instances.filter((i) => i.name === name).length > 1
                ? ["instances", inInstances, "name"]
                : ["exporters", raw.exporters.map((e) => e.name).lastIndexOf(name), "name"];
        problems.push({
            path,
            message:
                "clashes with another instance or exporter of the same name; instance and exporter names must be unique because they name the Services they create",
            input: name,
        });
    }
    for (const name of duplicates(raw.clusters.map((c) => c.name))) {
        problems.push({
            path: ["clusters", raw.clusters.map((c) => c.name).lastIndexOf(name), "name"],
            message: "clashes with another cluster's name; cluster names must be unique",
            input: name,
        });
    }
    return problems;
}

/** What the instance rules read: a raw instance (its own `pods`) is checked as well as a resolved one. */
type CheckedInstance = Pick<
    InstanceConfig,
    "cpu" | "cpuLimit" | "memory" | "chapel" | "serverPort" | "metrics" | "authenticate" | "tokenRotation" | "volumes" | "runAs"
>;

/**
 * A ServiceMonitor whose scrapeTimeout exceeds its interval is dropped by the operator (and such a
 * scrape config refused by Prometheus): the target would silently never be scraped.
 */
function serviceMonitorProblems(
    monitor: { readonly enabled: boolean; readonly interval: string; readonly scrapeTimeout: string },
    path: Path,
): Problem[] {
    if (!monitor.enabled || monitor.scrapeTimeout === "") return [];
    const timeout = durationMs(monitor.scrapeTimeout);
    const interval = durationMs(monitor.interval);
    if (timeout === undefined || interval === undefined || timeout <= interval) return [];
    return [
        {
            path: [...path, "serviceMonitor", "scrapeTimeout"],
            message: `must not exceed the scrape interval (${monitor.interval}); the prometheus-operator drops a ServiceMonitor whose timeout does, and the exporter is never scraped: lower it or raise serviceMonitor.interval`,
            input: monitor.scrapeTimeout,
        },
    ];
}

/**
 * Values that cannot work together in one instance: a CPU limit below the request (the API server
 * refuses such a pod, and only when the deploy runs), Chapel's heap cap must fit inside the
 * container's memory limit (or the kernel kills the locale), the server pod's ports (client
 * socket, metrics daemon, exporter sidecar, sshd) share one network namespace, and its processes
 * one process namespace.
 */
export function instanceProblems(instance: CheckedInstance, path: Path): Problem[] {
    const problems: Problem[] = [];
    if (quantityValue(instance.cpuLimit) < quantityValue(instance.cpu)) {
        problems.push({
            path: [...path, "cpuLimit"],
            message: `must be at least the instance's cpu (${instance.cpu}); raise cpuLimit, or leave it out for a limit equal to cpu`,
            input: instance.cpuLimit,
        });
    }
    const memoryBytes = quantityValue(instance.memory);
    if (instance.chapel.memMax > memoryBytes) {
        problems.push({
            path: [...path, "chapel", "memMax"],
            message: `must not exceed the instance's memory (${instance.memory} = ${memoryBytes} bytes); lower chapel.memMax or raise memory`,
            input: instance.chapel.memMax,
        });
    }
    const ports: { key: Path; what: string; port: number }[] = [
        { key: ["serverPort"], what: "the client socket", port: instance.serverPort },
        ...(instance.metrics.enabled
            ? [
                  { key: ["metrics", "servicePort"], what: "the metrics daemon", port: instance.metrics.servicePort },
                  { key: ["metrics", "exporterPort"], what: "the exporter's /metrics", port: instance.metrics.exporterPort },
              ]
            : []),
    ];
    if (instance.metrics.enabled) problems.push(...serviceMonitorProblems(instance.metrics.serviceMonitor, [...path, "metrics"]));
    problems.push(...authenticationProblems(instance, path));
    problems.push(...volumeProblems(instance, path));
    if (instance.metrics.enabled && instance.runAs?.uid === EXPORTER_UID) {
        // The exporter shares the server pod's process namespace: as the same user it could read
        // arkouda_server's environment (the API token) and files through /proc.
        problems.push({
            path: [...path, "runAs", "uid"],
            message: `is the metrics exporter's user (${EXPORTER_UID}, nobody), which shares the server pod's processes and could read arkouda_server's environment and files; pick another uid, or set metrics.enabled: false`,
            input: instance.runAs.uid,
        });
    }
    ports.forEach((p, i) => {
        const taken = p.port === SSHD_PORT ? "sshd (22, fixed in the image)" : ports.slice(0, i).find((q) => q.port === p.port);
        if (!taken) return;
        const other = typeof taken === "string" ? taken : `${taken.what} (${taken.key.join(".")})`;
        problems.push({
            path: [...path, ...p.key],
            message: `collides with ${other} on the server pod; ${p.what} needs a port of its own, so pick another one`,
            input: p.port,
        });
    });
    return problems;
}

/**
 * Under --authenticate the metrics daemon throws on the exporter's `connect` (its reply formats
 * three values with two placeholders, src/ServerDaemon.chpl at v2024.04.19) and never answers
 * again, so the exporter would wait for ever; a token rotation needs a token to rotate.
 */
function authenticationProblems(instance: CheckedInstance, path: Path): Problem[] {
    const problems: Problem[] = [];
    if (instance.authenticate && instance.metrics.enabled) {
        problems.push({
            path: [...path, "authenticate"],
            message:
                "cannot be combined with metrics.enabled: under --authenticate Arkouda's metrics daemon fails on the exporter's connect and never answers (docs/security.md); set metrics.enabled: false, or authenticate: false",
            input: instance.authenticate,
        });
    }
    if (instance.tokenRotation && !instance.authenticate) {
        problems.push({
            path: [...path, "tokenRotation"],
            message: "only rotates the token of an instance with authenticate: true; set authenticate: true or remove tokenRotation",
            input: instance.tokenRotation,
        });
    }
    return problems;
}

/**
 * Every data volume goes into the same server and locale pods as the program's own volumes, at a
 * path of its own: its name must be free there and its mount path must neither meet another
 * volume's nor a path the image uses (mounted on, below or above one, it hides or replaces it).
 */
function volumeProblems(instance: CheckedInstance, path: Path): Problem[] {
    const problems: Problem[] = [];
    const paths = imagePaths(instance.runAs?.user);
    instance.volumes.forEach((v, i) => {
        const at = (key: string): Path => [...path, "volumes", i, key];
        const earlier = instance.volumes.slice(0, i);
        if (PROGRAM_VOLUME_NAMES.includes(v.name))
            problems.push({
                path: at("name"),
                message: `is a volume the program gives the Arkouda pods itself (${PROGRAM_VOLUME_NAMES.join(", ")}); pick another name`,
                input: v.name,
            });
        const sameName = earlier.findIndex((w) => w.name === v.name);
        if (sameName >= 0)
            problems.push({
                path: at("name"),
                message: `is the name of volumes[${sameName}] too; each volume of an instance needs a name of its own`,
                input: v.name,
            });
        const samePath = earlier.findIndex((w) => w.mountPath === v.mountPath);
        if (samePath >= 0)
            problems.push({
                path: at("mountPath"),
                message: `is the mountPath of volumes[${samePath}] too: two volumes cannot be mounted on one path; give each its own`,
                input: v.mountPath,
            });
        const taken = paths.find((p) => pathsOverlap(v.mountPath, p.path));
        if (taken) {
            const where = v.mountPath === taken.path ? "on" : v.mountPath.startsWith(`${taken.path}/`) ? "below" : "above";
            const user = taken.row.user === "arkouda_server" || taken.row.user === "sshd" ? taken.row.user : `the ${taken.row.user}`;
            problems.push({
                path: at("mountPath"),
                message: `is ${where} ${taken.path}, which ${user} uses (${taken.row.what}): a volume there would hide or replace it; mount it elsewhere, such as /data/${v.name}`,
                input: v.mountPath,
            });
        }
    });
    return problems;
}

/**
 * The server and every locale mount each claim the stack declares: a claim only one pod may use
 * cannot serve them, nor one of one node when the locales must each have a node of their own.
 * Read from the resolved instance (its placement is the namespace's unless it sets its own).
 */
export function claimAccessProblems(instance: InstanceConfig, path: Path): Problem[] {
    return instance.volumes.flatMap((v, i): Problem[] => {
        const mode = v.claim?.accessMode;
        const at: Path = [...path, "volumes", i, "claim", "accessMode"];
        const pods = `the server and its ${instance.locales} locale${instance.locales === 1 ? "" : "s"} all mount it`;
        if (mode === "ReadWriteOncePod")
            return [
                {
                    path: at,
                    message: `lets one pod use the claim, but ${pods}; use ReadWriteOnce (one node) or ReadWriteMany`,
                    input: mode,
                },
            ];
        if (mode === "ReadWriteOnce" && instance.pods.spreadLocales === "required" && instance.locales > 1)
            return [
                {
                    path: at,
                    message: `lets the pods of one node use the claim, but ${pods} and pods.spreadLocales: required puts each locale on a node of its own; use ReadWriteMany, or spreadLocales none or preferred`,
                    input: mode,
                },
            ];
        return [];
    });
}

/**
 * Pod Security `baseline` and `restricted` refuse a pod with a hostPath volume: in a namespace the
 * program creates at one of them, the instance's pods could never start. (A namespace the stack
 * does not create enforces what it enforces, which config cannot know: docs/security.md.)
 */
export function hostPathProblems(
    raw: RawConfig,
    cluster: { createNamespace: boolean; name: string },
    instance: InstanceConfig,
    path: Path,
): Problem[] {
    const enforce = raw.podSecurity.enforce;
    if (!cluster.createNamespace || enforce === "privileged") return [];
    return instance.volumes.flatMap((v, i): Problem[] =>
        v.hostPath
            ? [
                  {
                      path: [...path, "volumes", i, "hostPath"],
                      message: `is a volume Pod Security '${enforce}' refuses, and podSecurity.enforce is '${enforce}' in the namespace cluster ${cluster.name} creates: the pods would never start; use a claim, or set podSecurity.enforce: privileged (docs/security.md)`,
                      input: v.hostPath.path,
                  },
              ]
            : [],
    );
}

/** The claims the stack declares in one namespace are named `<instance>-<volume>`: two volumes must not give one name. */
export function claimNameProblems(instances: readonly { readonly instance: InstanceConfig; readonly path: Path }[]): Problem[] {
    const owners = new Map<string, string>();
    return instances.flatMap(({ instance, path }) =>
        instance.volumes.flatMap((v, i): Problem[] => {
            if (!v.claim) return [];
            const name = claimName(instance.name, v.name);
            const owner = owners.get(name);
            if (owner === undefined) {
                owners.set(name, `instance ${instance.name}'s volume ${v.name}`);
                return [];
            }
            return [
                {
                    path: [...path, "volumes", i, "name"],
                    message: `gives the claim ${name}, which ${owner} declares too; rename one of the volumes`,
                    input: v.name,
                },
            ];
        }),
    );
}

/**
 * An authenticating instance's token Secret `<name>-token` is declared beside the namespace's
 * own Secrets: it must not be one of them.
 */
export function tokenSecretProblems(raw: RawConfig, instance: InstanceConfig, path: Path): Problem[] {
    if (!instance.authenticate) return [];
    const secret = `${instance.name}-token`;
    const taken =
        secret === raw.arkoudaTokenSecretName
            ? `arkoudaTokenSecret (the Arkouda ServiceAccount's token)`
            : secret === raw.ssh.secretName
              ? "ssh.secretName (the SSH key pair)"
              : undefined;
    if (!taken) return [];
    return [
        {
            path: [...path, "authenticate"],
            message: `needs the Secret ${secret} for the instance's token, which is the Secret ${taken} names; rename the instance or that Secret`,
            input: instance.authenticate,
        },
    ];
}

/**
 * A namespace the program creates with `enforce: restricted` refuses the Arkouda server and
 * locale pods, which start as root with the capabilities sshd needs.
 */
export function podSecurityProblems(
    raw: RawConfig,
    cluster: { createNamespace: boolean; name: string },
    instances: readonly InstanceConfig[],
): Problem[] {
    if (!cluster.createNamespace || raw.podSecurity.enforce !== "restricted" || instances.length === 0) return [];
    return [
        {
            path: ["podSecurity", "enforce"],
            message: `would refuse the Arkouda server and locale pods of cluster ${cluster.name} (${instances.map((i) => i.name).join(", ")}), which run as root with the capabilities sshd needs (docs/security.md); use baseline, or give that cluster only exporters`,
            input: raw.podSecurity.enforce,
        },
    ];
}

/** The instance whose metrics Service a standalone exporter's host names (`<instance>-metrics[.ns...]`). */
export function metricsTarget(exporter: ExporterConfig, instances: readonly InstanceConfig[]): InstanceConfig | undefined {
    const service = exporter.metricsServiceHost.split(".")[0];
    return instances.find((i) => `${i.name}-metrics` === service);
}

/**
 * An exporter's ServiceMonitor must be scrapeable, and an exporter aimed at an instance of this
 * cluster must find its metrics daemon where it listens.
 */
export function exporterProblems(exporter: ExporterConfig, instances: readonly InstanceConfig[], path: Path): Problem[] {
    return [...serviceMonitorProblems(exporter.serviceMonitor, path), ...metricsTargetProblems(exporter, instances, path)];
}

function metricsTargetProblems(exporter: ExporterConfig, instances: readonly InstanceConfig[], path: Path): Problem[] {
    const instance = metricsTarget(exporter, instances);
    if (!instance) return [];
    if (!instance.metrics.enabled) {
        return [
            {
                path: [...path, "metricsServiceHost"],
                message: `names the metrics Service of instance ${instance.name}, whose metrics.enabled is false: nothing listens there; enable its metrics or point the exporter elsewhere`,
                input: exporter.metricsServiceHost,
            },
        ];
    }
    if (instance.metrics.servicePort !== exporter.metricsServicePort) {
        return [
            {
                path: [...path, "metricsServicePort"],
                message: `must equal instance ${instance.name}'s metrics.servicePort (${instance.metrics.servicePort}), where its metrics daemon listens`,
                input: exporter.metricsServicePort,
            },
        ];
    }
    return [];
}

/**
 * With egress restricted, the server pod must still reach the API server (it lists its locales
 * and registers its Services there), whose addresses only the stack can name. `prefix` is where
 * the `networkPolicy` that turned egress on lives (the instance's own, or the namespace's: []).
 */
export function instanceEgressProblems(instance: InstanceConfig, prefix: Path): Problem[] {
    const { egress } = instance.networkPolicy;
    if (!instance.networkPolicy.enabled || !egress.enabled || egress.apiServer.length > 0) return [];
    return [
        {
            path: [...prefix, "networkPolicy", "egress", "apiServer"],
            message: `must name the API server's addresses when egress is restricted: instance ${instance.name}'s server lists its locales and registers its Services through the API; set it to the endpoints of the kubernetes Service (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes), e.g. [{cidr: 10.0.0.5/32}], or turn egress off`,
            input: egress.apiServer,
        },
    ];
}

/**
 * With egress restricted, a standalone exporter must still reach its metrics daemon: an
 * instance of the cluster is found by its Service name, anything else needs `metricsServer`.
 */
export function exporterEgressProblems(exporter: ExporterConfig, instances: readonly InstanceConfig[], prefix: Path): Problem[] {
    const { egress } = exporter.networkPolicy;
    if (!exporter.networkPolicy.enabled || !egress.enabled || egress.metricsServer.length > 0 || metricsTarget(exporter, instances))
        return [];
    return [
        {
            path: [...prefix, "networkPolicy", "egress", "metricsServer"],
            message: `must name the addresses of exporter ${exporter.name}'s metrics daemon (${exporter.metricsServiceHost}, no instance of this cluster) when egress is restricted, e.g. [{cidr: 10.20.0.0/16}]; or turn egress off`,
            input: egress.metricsServer,
        },
    ];
}

/**
 * A cluster reaches its API one way, uses waves only when the rollout does, and shares its
 * kubeconfig, context and namespace with no earlier cluster.
 */
export function clusterProblems(raw: RawConfig, index: number): Problem[] {
    const problems: Problem[] = [];
    const cluster = raw.clusters[index];
    const path: Path = ["clusters", index];
    if (cluster.kubeconfig && cluster.kubeconfigSecret) {
        problems.push({
            path: [...path, "kubeconfigSecret"],
            message: "cannot be combined with kubeconfig; use a kubeconfig file path or the name of a secret config key, not both",
            input: cluster.kubeconfigSecret,
        });
    }
    if (raw.rollout.strategy === "parallel" && cluster.wave !== 0) {
        problems.push({
            path: [...path, "wave"],
            message: "is only meaningful with rollout.strategy 'waves'; set rollout.strategy to waves or remove the wave",
            input: cluster.wave,
        });
    }
    const target = (c: RawCluster) => JSON.stringify([c.kubeconfig ?? "", c.kubeconfigSecret ?? "", c.context ?? "", c.namespace]);
    const first = raw.clusters.findIndex((c) => target(c) === target(cluster));
    if (first < index) {
        problems.push({
            path: [...path],
            message: `targets the same kubeconfig, context and namespace as clusters[${first}]; give it another context or namespace`,
            input: cluster.name,
        });
    }
    return problems;
}
