/**
 * The step builder: each method adds one step template (one pod) and records which kinds it
 * touches with which operation, so the workflow Role is derived from the steps (grants.ts).
 * No `action: create` anywhere: every write is a server-side apply with one field manager, every
 * delete tolerates absence.
 */
import type { NamespaceSettings } from "../config/types";
import { paramRef, renderManifest } from "../argo/expr";
import { Container, containerTemplate, dag, resourceTemplate, task, Template } from "../argo/model";
import { MANAGED_BY, ObjectRef } from "../runtime-objects";

/** kubectl server-side apply flags shared by the kubectl steps and the resource templates. */
const FIELD_MANAGER = MANAGED_BY;
const APPLY_FLAGS = ["--server-side", `--field-manager=${FIELD_MANAGER}`, "--force-conflicts"];
const MANIFEST_DIR = "/tmp/arkouda-workflows";
const MANIFEST_PATH = `${MANIFEST_DIR}/manifest.yaml`;

export type Operation = "apply" | "apply-and-wait" | "delete";

export interface Touch {
    apiVersion: string;
    kind: string;
    op: Operation;
}

/** The templates of one WorkflowTemplate under construction, and what each step touches. */
export class Steps {
    readonly templates: Template[] = [];
    readonly touches: Touch[] = [];
    constructor(private readonly settings: NamespaceSettings) {}

    private touch(objs: readonly { apiVersion: string; kind: string }[], op: Operation) {
        for (const o of objs) this.touches.push({ apiVersion: o.apiVersion, kind: o.kind, op });
    }

    private kubectl(args: string[]): Container {
        return {
            image: this.settings.images.kubectl,
            command: ["kubectl"],
            args,
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        };
    }

    private manifestArtifact(objects: readonly object[]) {
        return { artifacts: [{ name: "manifest", path: MANIFEST_PATH, raw: { data: renderManifest(objects) } }] };
    }

    /** One pod: `kubectl apply --server-side` of a multi-document manifest (no shell needed). */
    kubectlApply(name: string, objects: readonly { apiVersion?: unknown; kind?: unknown }[]): Template {
        this.touch(objects.map(ref), "apply");
        const t = containerTemplate(
            name,
            this.kubectl(["apply", ...APPLY_FLAGS, `--namespace=${this.settings.namespace}`, `--filename=${MANIFEST_PATH}`]),
            { inputs: this.manifestArtifact(objects) },
        );
        this.templates.push(t);
        return t;
    }

    /** One pod: delete every listed object, tolerating absence, waiting until they are gone. */
    kubectlDelete(name: string, refs: readonly ObjectRef[], timeoutSeconds: number): Template {
        this.touch(refs, "delete");
        const stubs = refs.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name } }));
        const t = containerTemplate(
            name,
            this.kubectl([
                "delete",
                "--ignore-not-found",
                "--wait=true",
                `--timeout=${timeoutSeconds}s`,
                `--namespace=${this.settings.namespace}`,
                `--filename=${MANIFEST_PATH}`,
            ]),
            { inputs: this.manifestArtifact(stubs) },
        );
        this.templates.push(t);
        return t;
    }

    /** One pod: server-side apply of one object, optionally waiting for a condition (bounded). */
    resourceApply(
        name: string,
        object: { apiVersion?: unknown; kind?: unknown },
        wait?: { success: string; failure?: string; deadlineSeconds: number },
    ): Template {
        this.touch([ref(object)], wait ? "apply-and-wait" : "apply");
        const t = resourceTemplate(
            name,
            {
                action: "apply",
                flags: [...APPLY_FLAGS],
                manifest: renderManifest([object]),
                ...(wait ? { successCondition: wait.success } : {}),
                ...(wait?.failure ? { failureCondition: wait.failure } : {}),
            },
            wait ? { activeDeadlineSeconds: wait.deadlineSeconds } : {},
        );
        this.templates.push(t);
        return t;
    }

    /** One pod: delete one object (Argo adds --ignore-not-found to resource deletes). */
    resourceDelete(name: string, r: ObjectRef): Template {
        this.touch([r], "delete");
        const t = resourceTemplate(name, {
            action: "delete",
            flags: ["--ignore-not-found", "--wait=true"],
            manifest: renderManifest([{ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name } }]),
        });
        this.templates.push(t);
        return t;
    }

    /**
     * A target's delete steps: one kubectl delete over every object but the ServiceMonitor, and
     * the ServiceMonitor on its own (without the prometheus-operator CRD its kind is unknown), or
     * not at all without `serviceMonitors`.
     */
    deleteRefs(refs: readonly ObjectRef[], serviceMonitors: boolean): { deleteObjects: Template; deleteMonitor?: Template } {
        const monitor = refs.find((r) => r.kind === "ServiceMonitor");
        if (!monitor) throw new Error("delete steps: no ServiceMonitor among the object refs");
        const plain = refs.filter((r) => r !== monitor);
        return {
            deleteObjects: this.kubectlDelete("delete-objects", plain, this.settings.deadlines.deleteSeconds),
            ...(serviceMonitors ? { deleteMonitor: this.resourceDelete("delete-servicemonitor", monitor) } : {}),
        };
    }

    add(t: Template): Template {
        this.templates.push(t);
        return t;
    }
}

function ref(o: { apiVersion?: unknown; kind?: unknown }): { apiVersion: string; kind: string } {
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") throw new Error("object without apiVersion/kind");
    return { apiVersion: o.apiVersion, kind: o.kind };
}

/** `when` expression: each of the workflow parameters equals 'true'. */
export function whenTrue(...params: [string, ...string[]]): string {
    return `{{=${params.map((p) => `${paramRef(p)} == 'true'`).join(" && ")}}}`;
}

/** `when` expression: the workflow parameter is anything but 'true' (the complement of whenTrue). */
export function whenFalse(param: string): string {
    return `{{=${paramRef(param)} != 'true'}}`;
}

/** The exit-handler condition: only a workflow that did not succeed cleans up. */
const WHEN_WORKFLOW_FAILED = "{{workflow.status}} != Succeeded";

export function exitHandler(steps: Steps, cleanUp: Template): Template {
    return steps.add(dag("exit-handler", [task("clean-up-failed-deploy").runs(cleanUp).when(WHEN_WORKFLOW_FAILED)]));
}

/** `{{=asInt(...)}}` for a condition string (conditions are plain text, not YAML). */
export function renderInt(placeholder: number): string {
    const text = renderManifest([{ v: placeholder }]).trim();
    return text.replace(/^v: /, "");
}
