/**
 * Pod Security: the securityContext of every pod the program's workflows create, the Pod
 * Security Standards level each passes, and the labels of a namespace the program creates.
 *
 * Only the Arkouda server and locale containers get any privilege: they start as root with the
 * capabilities the image contract's privilege rows name (components/image-contract.ts), every
 * other one dropped, and privilege escalation off. The exporter and every workflow step run as
 * a non-root user with no capability at all (`restricted`).
 */
import type { PodSecurityContext, SecurityContext } from "./argo/model";
import type { PodSecurityConfig } from "./config/types";
import { containerCapabilities } from "./image-contract";

export type PodSecurityLevel = PodSecurityConfig["enforce"];

/** The labels Pod Security Admission reads from a namespace. */
export function podSecurityLabels(p: PodSecurityConfig): Record<string, string> {
    return {
        "pod-security.kubernetes.io/audit": p.audit,
        "pod-security.kubernetes.io/enforce": p.enforce,
        "pod-security.kubernetes.io/warn": p.warn,
    };
}

const RUNTIME_DEFAULT = { type: "RuntimeDefault" };

/** Every pod the program creates filters system calls with the runtime's default profile. */
export const ARKOUDA_POD_SECURITY: PodSecurityContext = { seccompProfile: RUNTIME_DEFAULT };

/**
 * What the Arkouda pods' securityContext gains for an instance with data volumes and `runAs`:
 * its gid as fsGroup, so the kubelet gives every volume that supports it (claims; not host
 * paths) that group, group-writable with the setgid bit, and what the run-as user writes there
 * is writable by the group and keeps it. OnRootMismatch: a volume whose top already has the group
 * is not walked through again at every start. Without volumes nothing: fsGroup also makes the
 * Secret volumes group-readable and adds the group to every container, the exporter sidecar's too.
 */
export function dataVolumeOwnership(runAsGid: number | undefined, hasVolumes: boolean): PodSecurityContext {
    return runAsGid !== undefined && hasVolumes ? { fsGroup: runAsGid, fsGroupChangePolicy: "OnRootMismatch" } : {};
}

/**
 * The server and locale containers: root (sshd's privilege separation and the launch scripts'
 * user and key set-up), the capabilities of the contract rows and no other, no escalation (the
 * image's passwordless sudo is never needed, as the container is root already, and cannot be
 * used by arkouda_server or the locale processes, which run as the run-as user).
 */
export function arkoudaContainerSecurity(container: "server" | "locale"): SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        capabilities: { add: containerCapabilities(container), drop: ["ALL"] },
        privileged: false,
        runAsGroup: 0,
        runAsNonRoot: false,
        runAsUser: 0,
    };
}

/**
 * The exporter image runs as root without needing it: it serves on an unprivileged port and
 * connects out. `nobody`, as it exists in every Debian-based image.
 */
export const EXPORTER_UID = 65534;

/** The prometheus-arkouda-exporter container, as a sidecar and standalone. */
export const EXPORTER_CONTAINER_SECURITY: SecurityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    privileged: false,
    runAsGroup: EXPORTER_UID,
    runAsNonRoot: true,
    runAsUser: EXPORTER_UID,
    seccompProfile: RUNTIME_DEFAULT,
};

/** The standalone exporter's pod. */
export const EXPORTER_POD_SECURITY: PodSecurityContext = { runAsNonRoot: true, seccompProfile: RUNTIME_DEFAULT };

/**
 * The pods an exporter runs in (the server pod, as its sidecar, and the standalone exporter's)
 * share one process namespace. The exporter is a Python main with no SIGTERM handler: as its
 * container's first process (PID 1) the kernel drops SIGTERM, so every delete of its pod waited
 * out the whole grace period for the kubelet's SIGKILL. With the sandbox's pause as PID 1,
 * SIGTERM ends it at once. The exporter runs as `nobody` without capabilities: it can list the
 * server's processes (whose command lines carry no secret) but not read their environment,
 * files or memory, which take the same user or CAP_SYS_PTRACE.
 */
export const SHARED_PROCESS_NAMESPACE = { shareProcessNamespace: true } as const;

/**
 * The exporter's home: the arkouda client makes `~/.arkouda` at every connect and fails to
 * connect when it cannot (arkouda/security.py, arkouda/client.py), and `nobody` owns no home.
 */
export const EXPORTER_HOME = { volume: "exporter-home", path: "/home/arkouda-exporter" } as const;
export const EXPORTER_HOME_VOLUME = { name: EXPORTER_HOME.volume, emptyDir: {} };

/** Secrets the launch scripts read as root and hand on: readable by root alone. */
export const ROOT_ONLY_SECRET_MODE = 0o400;

/**
 * Argo's executor user: the controller runs a resource step's containers as 8737
 * (workflow/common/security_context.go); every step pod runs as it, so the init, wait and main
 * containers share the files they hand each other.
 */
const STEP_UID = 8737;

/** A workflow's pods (`spec.securityContext` of the templates). */
export const STEP_POD_SECURITY: PodSecurityContext = {
    runAsGroup: STEP_UID,
    runAsNonRoot: true,
    runAsUser: STEP_UID,
    seccompProfile: RUNTIME_DEFAULT,
};

/** Each container of a step pod (a new object each time: templates share no object). */
export function stepContainerSecurity(): SecurityContext {
    return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, privileged: false };
}

/**
 * The podSpecPatch of a container step: Argo gives a resource step's executor containers a
 * locked-down securityContext of its own, but a container step's `init` and `wait` only the
 * controller's `executor.securityContext`, none by default (workflow/controller/workflowpod.go,
 * newExecContainer). A patch on a resource step would add containers it lacks, so only container
 * steps carry it.
 */
export const EXECUTOR_SECURITY_PATCH = {
    initContainers: [{ name: "init", securityContext: stepContainerSecurity() }],
    containers: [{ name: "wait", securityContext: stepContainerSecurity() }],
};

/** What the Pod Security Standards say of one kind of pod the program creates, and why. */
export interface PodSecurityRow {
    readonly pod: "server" | "locale" | "metrics-sidecar" | "exporter" | "step";
    /** How the docs name it. */
    readonly name: string;
    /** The strictest level it passes. */
    readonly level: PodSecurityLevel;
    readonly runsAs: string;
    readonly capabilities: string;
    /** What `restricted` refuses (Pod Security Admission's own words); none for a restricted pod. */
    readonly restrictedGaps: readonly string[];
    readonly why: string;
}

const ARKOUDA_GAPS = ["runAsNonRoot != true", "runAsUser=0", "unrestricted capabilities"];

/** Every kind of pod, the level it passes and why it passes no stricter one. */
export const POD_SECURITY: readonly PodSecurityRow[] = [
    {
        pod: "server",
        name: "Arkouda server (`<instance>-server`)",
        level: "baseline",
        runsAs: "root; arkouda_server as the run-as user (`sudo -u` from root)",
        capabilities: containerCapabilities("server").join(", "),
        restrictedGaps: ARKOUDA_GAPS,
        why: "sshd (privilege separation, port 22, logins as the run-as user) and the launch script (user, keys and token for the run-as user): the privilege rows of docs/security.md",
    },
    {
        pod: "locale",
        name: "Arkouda locales (`<instance>-locale-…`)",
        level: "baseline",
        runsAs: "root; the locale processes as the run-as user (sshd sessions)",
        capabilities: containerCapabilities("locale").join(", "),
        restrictedGaps: ARKOUDA_GAPS,
        why: "sshd and the launch script, as in the server",
    },
    {
        pod: "metrics-sidecar",
        name: "metrics exporter sidecar (a container of the server pod)",
        level: "restricted",
        runsAs: `${EXPORTER_UID} (nobody), home an emptyDir`,
        capabilities: "none",
        restrictedGaps: [],
        why: "the container is `restricted`; its pod is the server's (`baseline`)",
    },
    {
        pod: "exporter",
        name: "standalone exporter (`<exporter>-…`)",
        level: "restricted",
        runsAs: `${EXPORTER_UID} (nobody), home an emptyDir`,
        capabilities: "none",
        restrictedGaps: [],
        why: "needs no privilege",
    },
    {
        pod: "step",
        name: "workflow steps (kubectl and resource steps)",
        level: "restricted",
        runsAs: `${STEP_UID} (Argo's executor user)`,
        capabilities: "none",
        restrictedGaps: [],
        why: "needs no privilege",
    },
];
