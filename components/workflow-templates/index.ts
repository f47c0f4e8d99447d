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
    arkoudaValues,
    EXPORTER_PARAMETERS,
    exporterParameters,
    exporterPlaceholders,
    exporterValues,
    labelsJson,
} from "./parameters";
export type { ParameterRow } from "./parameters";
export { FIELD_MANAGER, WHEN_WORKFLOW_FAILED, whenFalse, whenTrue } from "./steps";
export { EXECUTOR_GRANTS, workflowGrants } from "./grants";

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

export interface WorkflowTemplatesArgs {
    /** Namespace-wide names, images and deadlines. */
    readonly settings: NamespaceSettings;
    /** Its values become the arkouda templates' parameter defaults (argo submit with no -p). Default: none, only safe defaults. */
    readonly defaultInstance?: InstanceConfig;
    /** Likewise for the exporter templates. Default: none. */
    readonly defaultExporter?: ExporterConfig;
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
        const names: pulumi.Output<string>[] = allWorkflowTemplates(args.settings, args.defaultInstance, args.defaultExporter).map((t) => {
            const cr = new k8s.apiextensions.CustomResource(
                `${name}-${t.metadata.name}`,
                {
                    apiVersion: t.apiVersion,
                    kind: t.kind,
                    metadata: { ...t.metadata, namespace: args.settings.namespace, labels: { ...t.metadata.labels, ...args.labels } },
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
