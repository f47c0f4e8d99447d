/**
 * The four Argo WorkflowTemplates: parameters.ts (the parameter tables), steps.ts (the step
 * builder), assemble.ts (a template around its steps), arkouda.ts and exporter.ts (the templates),
 * grants.ts (the workflow Role derived from the steps), and here a namespace's set and the
 * component that declares them with the launch scripts their pods mount.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, typeToken } from "../component";
import type { ExporterConfig, InstanceConfig, NamespaceSettings } from "../config/types";
import type { WorkflowTemplate } from "../argo/model";
import { launchScriptsConfigMap } from "../runtime-objects";
import { buildDeleteArkouda, buildDeployArkouda } from "./arkouda";
import { buildDeleteExporter, buildDeployExporter } from "./exporter";
import type { BuiltTemplate } from "./assemble";

export { buildDeleteArkouda, buildDeployArkouda, DELETE_ARKOUDA_TEMPLATE, DEPLOY_ARKOUDA_TEMPLATE } from "./arkouda";
export { buildDeleteExporter, buildDeployExporter, DELETE_EXPORTER_TEMPLATE, DEPLOY_EXPORTER_TEMPLATE } from "./exporter";
export { arkoudaParameters, exporterParameters, templateArguments } from "./parameters";
export type { BuiltTemplate } from "./assemble";
export { workflowGrants } from "./grants";

/**
 * A namespace's four templates, built once: deploy and delete of an Arkouda instance, then of a
 * standalone exporter. Their parameter defaults come from the first instance and exporter, so
 * `argo submit` with no -p deploys those. A kind whose targets all leave the ServiceMonitor out
 * gets templates without its steps (TemplateOptions).
 */
export function namespaceTemplates(
    settings: NamespaceSettings,
    instances: readonly InstanceConfig[],
    exporters: readonly ExporterConfig[],
): BuiltTemplate[] {
    const instanceOptions = {
        serviceMonitors: instances.length === 0 || instances.some((i) => i.metrics.enabled && i.metrics.serviceMonitor.enabled),
    };
    const exporterOptions = { serviceMonitors: exporters.length === 0 || exporters.some((x) => x.serviceMonitor.enabled) };
    return [
        buildDeployArkouda(settings, instances[0], instanceOptions),
        buildDeleteArkouda(settings, instances[0], instanceOptions),
        buildDeployExporter(settings, exporters[0], exporterOptions),
        buildDeleteExporter(settings, exporters[0], exporterOptions),
    ];
}

export interface WorkflowTemplatesArgs {
    readonly namespace: string;
    /** The manifests to declare, in `namespaceTemplates` order. */
    readonly templates: readonly WorkflowTemplate[];
    /** The cluster's provider. */
    readonly provider: k8s.Provider;
    /** Extra labels on the WorkflowTemplate objects and the launch scripts (not on what they create). Default: none. */
    readonly labels?: Readonly<Record<string, string>>;
}

/** Declares the four WorkflowTemplates in the namespace, and the launch-scripts ConfigMap an Arkouda deploy's pods mount. */
export class WorkflowTemplates extends pulumi.ComponentResource {
    public readonly deployArkouda: pulumi.Output<string>;
    public readonly deleteArkouda: pulumi.Output<string>;
    public readonly deployExporter: pulumi.Output<string>;
    public readonly deleteExporter: pulumi.Output<string>;
    public readonly templateNames: pulumi.Output<string[]>;

    constructor(name: string, args: WorkflowTemplatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("argo", "WorkflowTemplates"), name, {}, opts);
        const names: pulumi.Output<string>[] = args.templates.map((t) => {
            const cr = new k8s.apiextensions.CustomResource(
                `${name}-${t.metadata.name}`,
                {
                    apiVersion: t.apiVersion,
                    kind: t.kind,
                    metadata: { ...t.metadata, namespace: args.namespace, labels: { ...t.metadata.labels, ...args.labels } },
                    spec: t.spec,
                },
                childOptions(this, args.provider, opts),
            );
            return cr.metadata.name;
        });
        new k8s.core.v1.ConfigMap(
            `${name}-launch-scripts`,
            launchScriptsConfigMap(args.namespace, args.labels ?? {}),
            childOptions(this, args.provider, opts),
        );
        [this.deployArkouda, this.deleteArkouda, this.deployExporter, this.deleteExporter] = names;
        this.templateNames = pulumi.all(names);
        this.registerOutputs({
            deployArkouda: this.deployArkouda,
            deleteArkouda: this.deleteArkouda,
            deployExporter: this.deployExporter,
            deleteExporter: this.deleteExporter,
            templateNames: this.templateNames,
        });
    }
}
