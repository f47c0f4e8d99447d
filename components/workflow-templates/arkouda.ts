/**
 * The Arkouda deploy and delete templates.
 *
 *   deploy-arkouda-on-kubernetes (DAG)
 *     apply-launch-scripts-and-services   kubectl container: server-side apply of the 2 ConfigMaps
 *          |                  \            + 5 Services (manifest = input artifact, raw.data)
 *     deploy-locales      register-servicemonitor   (resource apply; `when` metrics and servicemonitor enabled)
 *          |                    resource apply of the Deployment; waits readyReplicas == locales,
 *     deploy-server             bounded by activeDeadlineSeconds = localeReadySeconds
 *                               resource apply of the Pod; waits phase Running (serverReadySeconds)
 *     onExit: exit-handler -> clean-up-failed-deploy only when {{workflow.status}} != Succeeded
 *             (runs the delete DAG; zero pods on success)
 *
 *   delete-arkouda-on-kubernetes (DAG)
 *     delete-objects           kubectl container: delete --ignore-not-found over every ref
 *     delete-servicemonitor    resource delete; `when` metrics enabled (the kind is unknown
 *                              without the prometheus-operator CRD, so it is its own step)
 *
 * Neither ServiceMonitor step exists when the namespace's instances all have it off (TemplateOptions).
 *
 * Every parameter reaches a manifest through an expression tag (components/argo/expr.ts), never
 * spliced YAML.
 */
import type { InstanceConfig, NamespaceSettings } from "../config/types";
import { argoParam } from "../argo/expr";
import { dag, task, Template } from "../argo/model";
import { arkoudaRuntimeObjectRefs, arkoudaRuntimeObjects } from "../runtime-objects";
import { ARKOUDA_PARAMETERS, arkoudaPlaceholders } from "./parameters";
import { BuiltTemplate, deleteBuilder, deployTemplate, TargetKindSpec, TemplateOptions, WITH_SERVICE_MONITORS } from "./assemble";
import { renderInt, Steps, whenFalse, whenTrue } from "./steps";

export const DEPLOY_ARKOUDA_TEMPLATE = "deploy-arkouda-on-kubernetes";
export const DELETE_ARKOUDA_TEMPLATE = "delete-arkouda-on-kubernetes";

function arkoudaDeleteSteps(steps: Steps, dagName: string, serviceMonitors: boolean): Template {
    const { deleteObjects, deleteMonitor } = steps.deleteRefs(arkoudaRuntimeObjectRefs(argoParam.str("instance-name")), serviceMonitors);
    // With metrics on, whatever servicemonitor-enabled says now: an earlier deploy may have registered one.
    const monitorTasks = deleteMonitor ? [task("delete-servicemonitor").runs(deleteMonitor).when(whenTrue("metrics-enabled"))] : [];
    return steps.add(dag(dagName, [task("delete-objects").runs(deleteObjects), ...monitorTasks]));
}

const INSTANCE: TargetKindSpec = {
    kind: "instance",
    nameParam: "instance-name",
    parameters: ARKOUDA_PARAMETERS,
    deleteSteps: arkoudaDeleteSteps,
};

export function buildDeployArkouda(
    settings: NamespaceSettings,
    defaults: InstanceConfig | undefined,
    options: TemplateOptions = WITH_SERVICE_MONITORS,
): BuiltTemplate {
    const steps = new Steps(settings);
    const objs = arkoudaRuntimeObjects(arkoudaPlaceholders(), settings);
    const locales = argoParam.int("locales");

    const applyScripts = steps.kubectlApply("apply-launch-scripts-and-services", [...objs.launchScripts, ...objs.services]);
    const deployLocales = steps.resourceApply("deploy-locales", objs.localeDeployment, {
        // Recreate strategy: once all pods of the current spec are ready, readyReplicas == locales.
        success: `status.readyReplicas == ${renderInt(locales)}, status.updatedReplicas == ${renderInt(locales)}`,
        deadlineSeconds: settings.deadlines.localeReadySeconds,
    });
    // Serving, not only running: the server container turns ready once it has registered and
    // its client socket answers (its readiness probe), and a pod that ends fails the step.
    const serverReady = {
        success: "status.containerStatuses.0.ready == true",
        failure: "status.phase in (Failed, Succeeded)",
        deadlineSeconds: settings.deadlines.serverReadySeconds,
    };
    const deployServer = steps.resourceApply("deploy-server", objs.serverPod, serverReady);
    const deployServerWithoutMetrics = steps.resourceApply("deploy-server-without-metrics", objs.serverPodWithoutMetrics, serverReady);

    const applyTask = task("apply-launch-scripts-and-services").runs(applyScripts);
    const localesTask = task("deploy-locales").runs(deployLocales).after(applyTask);
    const serverTask = task("deploy-server").runs(deployServer).after(localesTask).when(whenTrue("metrics-enabled"));
    const plainServerTask = task("deploy-server-without-metrics")
        .runs(deployServerWithoutMetrics)
        .after(localesTask)
        .when(whenFalse("metrics-enabled"));
    const monitorTasks = options.serviceMonitors
        ? [
              task("register-servicemonitor")
                  .runs(steps.resourceApply("register-servicemonitor", objs.serviceMonitor))
                  .after(applyTask)
                  .when(whenTrue("metrics-enabled", "servicemonitor-enabled")),
          ]
        : [];
    steps.add(dag("deploy", [applyTask, localesTask, serverTask, plainServerTask, ...monitorTasks]));
    return deployTemplate(DEPLOY_ARKOUDA_TEMPLATE, { settings, targetKind: INSTANCE, component: "deploy", defaults, steps, options });
}

export const buildDeleteArkouda = deleteBuilder(DELETE_ARKOUDA_TEMPLATE, INSTANCE, "delete");
