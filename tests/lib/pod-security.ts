/**
 * The Pod Security Standards as Pod Security Admission (k8s.io/pod-security-admission v0.36,
 * policy/check_*.go) evaluates them at `latest`, for the pod specs the program creates, and the
 * step pods Argo v4.0.5 builds from a WorkflowTemplate (workflow/controller/workflowpod.go), so
 * unit tests can hold every pod to the level the docs claim. The reasons are admission's own
 * words, the ones a warning or a refusal on a real API server carries; the node tests
 * (tests/integration/node/security.test.ts) hold the same pods to the real thing.
 */
import type { PodSecurityLevel } from "../../components/pod-security";
import { BASELINE_CAPABILITIES } from "../../components/image-contract";

interface SecurityContext {
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type: string };
    seLinuxOptions?: { type?: string; user?: string; role?: string };
    procMount?: string;
    appArmorProfile?: { type: string };
}

interface Probe {
    httpGet?: { host?: string };
    tcpSocket?: { host?: string };
}

export interface ContainerSpec {
    name: string;
    securityContext?: SecurityContext;
    ports?: { hostPort?: number }[];
    livenessProbe?: Probe;
    readinessProbe?: Probe;
    startupProbe?: Probe;
    [key: string]: unknown;
}

export interface PodSpec {
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    securityContext?: SecurityContext & { sysctls?: { name: string }[]; fsGroup?: number };
    initContainers?: ContainerSpec[];
    containers: ContainerSpec[];
    volumes?: Record<string, unknown>[];
    [key: string]: unknown;
}

const ALLOWED_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
const VALID_SECCOMP = new Set(["RuntimeDefault", "Localhost"]);
const BASELINE_CAPS = new Set<string>(BASELINE_CAPABILITIES);

function containers(spec: PodSpec): ContainerSpec[] {
    return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The baseline checks: each violated one's ForbiddenReason. */
function baselineReasons(spec: PodSpec): string[] {
    const cs = containers(spec);
    const reasons: string[] = [];
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) reasons.push("host namespaces");
    if (cs.some((c) => c.securityContext?.privileged)) reasons.push("privileged");
    if (cs.some((c) => (c.securityContext?.capabilities?.add ?? []).some((cap) => !BASELINE_CAPS.has(cap))))
        reasons.push("non-default capabilities");
    if ((spec.volumes ?? []).some((v) => "hostPath" in v)) reasons.push("hostPath volumes");
    if (cs.some((c) => (c.ports ?? []).some((p) => (p.hostPort ?? 0) !== 0))) reasons.push("hostPort");
    const contexts = [spec.securityContext, ...cs.map((c) => c.securityContext)];
    if (contexts.some((sc) => sc?.appArmorProfile?.type === "Unconfined")) reasons.push("forbidden AppArmor profile");
    if (
        contexts.some(
            (sc) =>
                sc?.seLinuxOptions &&
                (!SELINUX_TYPES.has(sc.seLinuxOptions.type ?? "") || sc.seLinuxOptions.user || sc.seLinuxOptions.role),
        )
    )
        reasons.push("seLinuxOptions");
    if (cs.some((c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== "Default")) reasons.push("procMount");
    if (contexts.some((sc) => sc?.seccompProfile?.type === "Unconfined")) reasons.push("seccompProfile");
    if ((spec.securityContext?.sysctls ?? []).some((s) => !ALLOWED_SYSCTLS.has(s.name))) reasons.push("forbidden sysctls");
    const hostProbe = (p?: Probe) => !!(p?.httpGet?.host || p?.tcpSocket?.host);
    if (cs.some((c) => hostProbe(c.livenessProbe) || hostProbe(c.readinessProbe) || hostProbe(c.startupProbe)))
        reasons.push("probe or lifecycle host");
    return reasons;
}

/** The checks restricted adds (its own capability and seccomp checks replace baseline's). */
function restrictedReasons(spec: PodSpec): string[] {
    const cs = containers(spec);
    const pod = spec.securityContext ?? {};
    const reasons: string[] = [];
    const volumeTypes = (spec.volumes ?? []).map((v) => Object.keys(v).filter((k) => k !== "name"));
    if (volumeTypes.some((types) => !types.every((t) => RESTRICTED_VOLUMES.includes(t)))) reasons.push("restricted volume types");
    if (cs.some((c) => c.securityContext?.allowPrivilegeEscalation !== false)) reasons.push("allowPrivilegeEscalation != false");
    const nonRoot = (c: ContainerSpec) => c.securityContext?.runAsNonRoot ?? (pod.runAsNonRoot === true ? true : undefined);
    if (pod.runAsNonRoot === false || cs.some((c) => nonRoot(c) !== true)) reasons.push("runAsNonRoot != true");
    if (pod.runAsUser === 0 || cs.some((c) => c.securityContext?.runAsUser === 0)) reasons.push("runAsUser=0");
    const seccomp = (c: ContainerSpec) => c.securityContext?.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (cs.some((c) => !VALID_SECCOMP.has(seccomp(c) ?? ""))) reasons.push("seccompProfile");
    const caps = (c: ContainerSpec) => c.securityContext?.capabilities;
    if (cs.some((c) => !(caps(c)?.drop ?? []).includes("ALL") || (caps(c)?.add ?? []).some((a) => a !== "NET_BIND_SERVICE")))
        reasons.push("unrestricted capabilities");
    return reasons;
}

/** What a level refuses in the pod (none: the pod passes it), as sorted ForbiddenReasons. */
export function violations(spec: PodSpec, level: PodSecurityLevel): string[] {
    if (level === "privileged") return [];
    const baseline = baselineReasons(spec);
    if (level === "baseline") return baseline.sort();
    const replaced = new Set(["non-default capabilities", "seccompProfile"]);
    return [...new Set([...baseline.filter((r) => !replaced.has(r)), ...restrictedReasons(spec)])].sort();
}

/** The strictest level the pod passes. */
export function levelOf(spec: PodSpec): PodSecurityLevel {
    if (violations(spec, "restricted").length === 0) return "restricted";
    return violations(spec, "baseline").length === 0 ? "baseline" : "privileged";
}

// ---------------------------------------------------------------------------------------------
// Argo's step pods
// ---------------------------------------------------------------------------------------------

/** common.MinimalCtrSC: what Argo gives a resource step's executor containers. */
function minimalContainerSecurity(): SecurityContext {
    return {
        capabilities: { drop: ["ALL"] },
        privileged: false,
        runAsNonRoot: true,
        runAsUser: 8737,
        allowPrivilegeEscalation: false,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** A strategic merge of `patch` into `base` for what a podSpecPatch of ours touches: containers merge by name. */
function mergePatch(base: any, patch: any): any {
    if (Array.isArray(patch) && Array.isArray(base) && patch.every((p) => p && typeof p === "object" && "name" in p)) {
        const out = base.map((b: any) => {
            const p = patch.find((x: any) => x.name === b.name);
            return p ? mergePatch(b, p) : b;
        });
        return [...out, ...patch.filter((p: any) => !base.some((b: any) => b.name === p.name))];
    }
    if (patch && typeof patch === "object" && !Array.isArray(patch) && base && typeof base === "object" && !Array.isArray(base)) {
        const out = { ...base };
        for (const [k, v] of Object.entries(patch)) out[k] = k in base ? mergePatch(base[k], v) : v;
        return out;
    }
    return patch;
}

/**
 * addSchedulingConstraints: each field from the template when it sets one, else from the
 * Workflow (a node selector, tolerations or priority class set only when non-empty, an affinity
 * when present).
 */
function schedulingConstraints(template: any, workflowSpec: any): Record<string, unknown> {
    const set = (v: unknown) => v !== undefined && v !== "" && (typeof v !== "object" || Object.keys(v as object).length > 0);
    const pick = (own: unknown, workflow: unknown) => (set(own) ? own : set(workflow) ? workflow : undefined);
    const fields = {
        nodeSelector: pick(template.nodeSelector, workflowSpec.nodeSelector),
        affinity: template.affinity ?? workflowSpec.affinity,
        tolerations: pick(template.tolerations, workflowSpec.tolerations),
        priorityClassName: pick(template.priorityClassName, workflowSpec.podPriorityClassName),
    };
    return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/**
 * The pod Argo v4.0.5 creates for one container or resource step of a workflow whose spec is
 * `workflowSpec`, with no executor securityContext in the controller's config
 * (createWorkflowPod, newExecContainer, addSchedulingConstraints, processPodSpecPatch): an
 * `init` container always; a `wait` container for a container step; a resource step's executor
 * containers locked down by Argo itself; the Workflow's pull Secrets; the placement and security
 * context of the template, else of the Workflow; the template's podSpecPatch applied last.
 */
export function argoStepPod(template: any, workflowSpec: any): PodSpec {
    const resource = template.resource !== undefined;
    const exec = (name: string): ContainerSpec => ({
        name,
        image: "quay.io/argoproj/argoexec:v4.0.5",
        ...(resource ? { securityContext: minimalContainerSecurity() } : {}),
    });
    const main: ContainerSpec = resource ? exec("main") : { ...template.container, name: "main" };
    const spec: PodSpec = {
        initContainers: [exec("init")],
        containers: resource ? [main] : [exec("wait"), main],
        volumes: [
            { name: "var-run-argo", emptyDir: {} },
            { name: "tmp-dir-argo", emptyDir: {} },
            { name: "kube-api-access", projected: {} },
            ...(template.inputs?.artifacts?.length ? [{ name: "input-artifacts", emptyDir: {} }] : []),
        ],
        ...(workflowSpec.imagePullSecrets ? { imagePullSecrets: workflowSpec.imagePullSecrets } : {}),
        ...((template.securityContext ?? workflowSpec.securityContext)
            ? { securityContext: template.securityContext ?? workflowSpec.securityContext }
            : {}),
        ...schedulingConstraints(template, workflowSpec),
    };
    return template.podSpecPatch ? mergePatch(spec, JSON.parse(template.podSpecPatch)) : spec;
}
