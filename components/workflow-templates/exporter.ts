/**
 * The standalone exporter's deploy and delete templates.
 *
 *   deploy-prometheus-arkouda-exporter: apply-service-and-servicemonitor or apply-service (kubectl,
 *   by servicemonitor-enabled) ‖ deploy-exporter (resource apply, waits available), with the same
 *   exit-handler clean-up as the Arkouda deploy;
 *   delete-prometheus-arkouda-exporter: delete-objects ‖ delete-servicemonitor.
 * No ServiceMonitor step exists when the namespace's exporters all have it off (TemplateOptions).
 */
import type { ExporterConfig, NamespaceSettings } from "../config/types";
import { argoParam } from "../argo/expr";
import { DAGTask, dag, task, Template } from "../argo/model";
import { exporterRuntimeObjectRefs, exporterRuntimeObjects } from "../runtime-objects";
import { EXPORTER_PARAMETERS, exporterPlaceholders } from "./parameters";
import { BuiltTemplate, deleteBuilder, deployTemplate, TargetKindSpec, TemplateOptions, WITH_SERVICE_MONITORS } from "./assemble";
import { DeleteStepOptions, Steps, whenAll, whenTrue } from "./steps";

export const DEPLOY_EXPORTER_TEMPLATE = "deploy-prometheus-arkouda-exporter";
export const DELETE_EXPORTER_TEMPLATE = "delete-prometheus-arkouda-exporter";

function exporterDeleteSteps(steps: Steps, dagName: string, serviceMonitors: boolean, options?: DeleteStepOptions): Template {
    const refs = exporterRuntimeObjectRefs(argoParam.str("exporter-name"));
    const { deleteObjects, deleteMonitor } = steps.deleteRefs(refs, serviceMonitors, options);
    const monitorTasks: DAGTask[] = deleteMonitor
        ? [
              {
                  ...task("delete-servicemonitor").runs(deleteMonitor).build(),
                  // Without the prometheus-operator CRD the kind is unknown and nothing can exist to delete.
                  continueOn: { failed: true },
              },
          ]
        : [];
    return steps.add(dag(dagName, [task("delete-objects").runs(deleteObjects), ...monitorTasks]));
}

const EXPORTER: TargetKindSpec = {
    kind: "exporter",
    nameParam: "exporter-name",
    parameters: EXPORTER_PARAMETERS,
    deleteSteps: exporterDeleteSteps,
};

export function buildDeployExporter(
    settings: NamespaceSettings,
    defaults: ExporterConfig | undefined,
    options: TemplateOptions = WITH_SERVICE_MONITORS,
): BuiltTemplate {
    const steps = new Steps(settings, settings.deadlines.deploySeconds);
    const objs = exporterRuntimeObjects(exporterPlaceholders(), settings);
    // One pod either way: the Service with its ServiceMonitor, or the Service alone.
    const applyService = task("apply-service").runs(steps.kubectlApply("apply-service", [objs.service]));
    const applyTasks = options.serviceMonitors
        ? [
              task("apply-service-and-servicemonitor")
                  .runs(steps.kubectlApply("apply-service-and-servicemonitor", [objs.service, objs.serviceMonitor]))
                  .when(whenTrue("servicemonitor-enabled")),
              applyService.when(whenAll([["servicemonitor-enabled", "not true"]])),
          ]
        : [applyService];
    const deployExporter = steps.resourceApply("deploy-exporter", objs.deployment, {
        success: "status.availableReplicas == 1, status.updatedReplicas == 1",
        deadlineSeconds: settings.deadlines.serverReadySeconds,
    });
    steps.add(dag("deploy", [...applyTasks, task("deploy-exporter").runs(deployExporter)]));
    return deployTemplate(DEPLOY_EXPORTER_TEMPLATE, {
        settings,
        targetKind: EXPORTER,
        component: "deploy-exporter",
        defaults,
        steps,
        options,
    });
}

export const buildDeleteExporter = deleteBuilder(DELETE_EXPORTER_TEMPLATE, EXPORTER, "delete-exporter");
