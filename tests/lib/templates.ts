/**
 * The four WorkflowTemplates as tests read them: built from settings and an optional default
 * instance and exporter, one at a time or as a namespace's set, and the grants their steps need.
 */
import type { WorkflowTemplate } from "../../components/argo/model";
import type { ExporterConfig, InstanceConfig, NamespaceSettings } from "../../components/config/types";
import type { Grant } from "../../components/rbac";
import {
    buildDeleteArkouda,
    buildDeleteExporter,
    buildDeployArkouda,
    buildDeployExporter,
    BuiltTemplate,
    namespaceTemplates,
    workflowGrants,
} from "../../components/workflow-templates";
import { fixtureNamespace } from "../unit/fixtures";

/** Their names, in `namespaceTemplates` order. */
export const TEMPLATE_NAMES = [
    "deploy-arkouda-on-kubernetes",
    "delete-arkouda-on-kubernetes",
    "deploy-prometheus-arkouda-exporter",
    "delete-prometheus-arkouda-exporter",
] as const;

/** The four built templates, their defaults from `instance` and `exporter` when given. */
export function builtTemplates(settings: NamespaceSettings, instance?: InstanceConfig, exporter?: ExporterConfig): BuiltTemplate[] {
    return namespaceTemplates(settings, instance ? [instance] : [], exporter ? [exporter] : []);
}

/** The four manifests, in TEMPLATE_NAMES order. */
export function allWorkflowTemplates(
    settings: NamespaceSettings,
    instance?: InstanceConfig,
    exporter?: ExporterConfig,
): WorkflowTemplate[] {
    return builtTemplates(settings, instance, exporter).map((t) => t.template);
}

export const deployArkoudaTemplate = (settings: NamespaceSettings, defaults: InstanceConfig | undefined) =>
    buildDeployArkouda(settings, defaults).template;
export const deleteArkoudaTemplate = (settings: NamespaceSettings, defaults: InstanceConfig | undefined) =>
    buildDeleteArkouda(settings, defaults).template;
export const deployExporterTemplate = (settings: NamespaceSettings, defaults: ExporterConfig | undefined) =>
    buildDeployExporter(settings, defaults).template;
export const deleteExporterTemplate = (settings: NamespaceSettings, defaults: ExporterConfig | undefined) =>
    buildDeleteExporter(settings, defaults).template;

/** The manifest named `name` among `templates`. */
export function templateNamed(templates: readonly WorkflowTemplate[], name: string): WorkflowTemplate {
    const found = templates.find((t) => t.metadata.name === name);
    if (!found) throw new Error(`no WorkflowTemplate ${name} among ${templates.map((t) => t.metadata.name).join(", ")}`);
    return found;
}

/** The workflow Role's grants: what the four templates' steps touch (the same whatever the settings). */
export function templateGrants(settings: NamespaceSettings = fixtureNamespace): Grant[] {
    return workflowGrants(builtTemplates(settings).flatMap((t) => t.touches));
}
