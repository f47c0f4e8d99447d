/**
 * The four Argo WorkflowTemplates: parameters.ts (the parameter tables), steps.ts (the step
 * builder), shape.ts (what every template shares), arkouda.ts and exporter.ts (the templates),
 * grants.ts (the workflow Role derived from the steps), and here the component that declares them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, typeToken } from "../component";
import type { ExporterConfig, InstanceConfig, NamespaceSettings } from "../config/types";
import type { WorkflowTemplate } from "../argo/model";
import { DELETE_ARKOUDA_TEMPLATE, deleteArkoudaTemplate, DEPLOY_ARKOUDA_TEMPLATE, deployArkoudaTemplate } from "./arkouda";
import { DELETE_EXPORTER_TEMPLATE, deleteExporterTemplate, DEPLOY_EXPORTER_TEMPLATE, deployExporterTemplate } from "./exporter";

export { DELETE_ARKOUDA_TEMPLATE, deleteArkoudaTemplate, DEPLOY_ARKOUDA_TEMPLATE, deployArkoudaTemplate } from "./arkouda";
export { DELETE_EXPORTER_TEMPLATE, deleteExporterTemplate, DEPLOY_EXPORTER_TEMPLATE, deployExporterTemplate } from "./exporter";
export {
    ARKOUDA_PARAMETERS,
    arkoudaParameters,
    arkoudaPlaceholders,
    EXPORTER_PARAMETERS,
    exporterParameters,
    exporterPlaceholders,
    templateArguments,
} from "./parameters";
export type { ParameterRow } from "./parameters";
export { FIELD_MANAGER, WHEN_WORKFLOW_FAILED, whenFalse, whenTrue } from "./steps";
export { workflowGrants } from "./grants";

export const TEMPLATE_NAMES = [
    DEPLOY_ARKOUDA_TEMPLATE,
    DELETE_ARKOUDA_TEMPLATE,
    DEPLOY_EXPORTER_TEMPLATE,
    DELETE_EXPORTER_TEMPLATE,
] as const;

/** All four templates, in TEMPLATE_NAMES order. */
export function allWorkflowTemplates(
    ns: NamespaceSettings,
    defaultInstance?: InstanceConfig,
    defaultExporter?: ExporterConfig,
): WorkflowTemplate[] {
    return [
        deployArkoudaTemplate(ns, defaultInstance),
        deleteArkoudaTemplate(ns, defaultInstance),
        deployExporterTemplate(ns, defaultExporter),
        deleteExporterTemplate(ns, defaultExporter),
    ];
}

/** A namespace's four templates, their parameter defaults from its first instance and exporter. */
export function namespaceTemplates(
    ns: NamespaceSettings,
    instances: readonly InstanceConfig[],
    exporters: readonly ExporterConfig[],
): WorkflowTemplate[] {
    // The first instance's values become the defaults, so `argo submit` with no -p deploys it.
    return allWorkflowTemplates(ns, instances[0], exporters[0]);
}

/** The template named `name` among `templates`. */
export function templateNamed(templates: readonly WorkflowTemplate[], name: string): WorkflowTemplate {
    const found = templates.find((t) => t.metadata.name === name);
    if (!found) throw new Error(`no WorkflowTemplate ${name} among ${templates.map((t) => t.metadata.name).join(", ")}`);
    return found;
}

export interface WorkflowTemplatesArgs {
    readonly namespace: string;
    /** The manifests to declare (`namespaceTemplates`); runs and schedules are derived from the same ones. */
    readonly templates: readonly WorkflowTemplate[];
    /** The cluster's provider. */
    readonly provider: k8s.Provider;
    /** Extra labels on the WorkflowTemplate objects (not on what they create). Default: none. */
    readonly labels?: Readonly<Record<string, string>>;
}

/** Declares the four WorkflowTemplates in the namespace. */
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
