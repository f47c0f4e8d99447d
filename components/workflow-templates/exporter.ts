/**
 * The standalone exporter's deploy and delete templates.
 *
 *   deploy-prometheus-arkouda-exporter: apply-service-and-servicemonitor (kubectl) ‖ deploy-exporter
 *   (resource apply, waits available), with the same exit-handler clean-up as the Arkouda deploy;
 *   delete-prometheus-arkouda-exporter: delete-objects ‖ delete-servicemonitor.
 */
import type { ExporterConfig, NamespaceSettings } from "../config/types";
import { argoParam } from "../argo/expr";
import { DAGTask, dag, task, Template } from "../argo/model";
import { exporterRuntimeObjectRefs, exporterRuntimeObjects } from "../runtime-objects";
import { EXPORTER_PARAMETERS, exporterPlaceholders } from "./parameters";
import { BuiltTemplate, deleteBuilder, deployTemplate, TargetKindSpec } from "./assemble";
import { DeleteStepOptions, Steps } from "./steps";

export const DEPLOY_EXPORTER_TEMPLATE = "deploy-prometheus-arkouda-exporter";
export const DELETE_EXPORTER_TEMPLATE = "delete-prometheus-arkouda-exporter";

function exporterDeleteSteps(steps: Steps, dagName: string, options?: DeleteStepOptions): Template {
    const { deleteObjects, deleteMonitor } = steps.deleteRefs(exporterRuntimeObjectRefs(argoParam.str("exporter-name")), options);
    const monitorTask: DAGTask = {
        ...task("delete-servicemonitor").runs(deleteMonitor).build(),
        // Without the prometheus-operator CRD the kind is unknown and nothing can exist to delete.
        continueOn: { failed: true },
    };
    return steps.add(dag(dagName, [task("delete-objects").runs(deleteObjects), monitorTask]));
}

const EXPORTER: TargetKindSpec = {
    kind: "exporter",
    nameParam: "exporter-name",
    parameters: EXPORTER_PARAMETERS,
    deleteSteps: exporterDeleteSteps,
};

export function buildDeployExporter(settings: NamespaceSettings, defaults: ExporterConfig | undefined): BuiltTemplate {
    const steps = new Steps(settings, settings.deadlines.deploySeconds);
    const objs = exporterRuntimeObjects(exporterPlaceholders(), settings);
    const applyService = steps.kubectlApply("apply-service-and-servicemonitor", [objs.service, objs.serviceMonitor]);
    const deployExporter = steps.resourceApply("deploy-exporter", objs.deployment, {
        success: "status.availableReplicas == 1, status.updatedReplicas == 1",
        deadlineSeconds: settings.deadlines.serverReadySeconds,
    });
    steps.add(dag("deploy", [task("apply-service-and-servicemonitor").runs(applyService), task("deploy-exporter").runs(deployExporter)]));
    return deployTemplate(DEPLOY_EXPORTER_TEMPLATE, { settings, targetKind: EXPORTER, component: "deploy-exporter", defaults, steps });
}

export const buildDeleteExporter = deleteBuilder(DELETE_EXPORTER_TEMPLATE, EXPORTER, "delete-exporter");
