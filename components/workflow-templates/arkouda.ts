/**
 * The Arkouda deploy and delete templates.
 *
 *   deploy-arkouda-on-kubernetes (DAG), its steps side by side: the pods mount the namespace's
 *   launch scripts (launchScriptsConfigMap, declared by the stack), so nothing has to go first
 *     apply-services           kubectl container: server-side apply of the 5 Services
 *                              (manifest = input artifact, raw.data); with metrics and
 *                              servicemonitor enabled `apply-services-and-servicemonitor` instead,
 *                              the ServiceMonitor in the same pod (one pod fewer starting at once)
 *     deploy-locales           resource apply of the Deployment; waits readyReplicas == locales,
 *                              bounded by activeDeadlineSeconds = localeReadySeconds
 *     deploy-server            resource apply of the Pod beside the locales; waits until it serves,
 *                              bounded by localeReadySeconds + serverReadySeconds (its launch script
 *                              first waits for the locales to be Ready, as long as deploy-locales
 *                              does); one of four variants: with/without metrics, with/without a
 *                              priority class
 *     onExit: exit-handler -> explain-failure, then clean-up-failed-deploy, only when
 *             {{workflow.status}} != Succeeded (the pods' reasons as the `failure-reasons`
 *             output, then the delete DAG; zero pods on success)
 *
 *   delete-arkouda-on-kubernetes (DAG)
 *     delete-objects-and-servicemonitor  resource delete (--ignore-not-found --wait) of every
 *                              ref, one manifest; `when` metrics and servicemonitor enabled
 *     delete-objects           the same without the ServiceMonitor, otherwise
 *     delete-servicemonitor    resource delete; `when` metrics on and servicemonitor off (an
 *                              earlier deploy may have registered one; the kind is unknown
 *                              without the prometheus-operator CRD, so it is its own step)
 *
 * Neither ServiceMonitor step exists when the namespace's instances all have it off (TemplateOptions).
 *
 * Every parameter reaches a manifest through an expression tag (components/argo/expr.ts), never
 * spliced YAML.
 */
import type { InstanceConfig, NamespaceSettings } from "../config/types";
import { serverStepSeconds } from "../config/deadlines";
import { argoParam } from "../argo/expr";
import { dag, task, Template } from "../argo/model";
import { arkoudaRuntimeObjectRefs, arkoudaRuntimeObjects } from "../runtime-objects";
import { ARKOUDA_PARAMETERS, arkoudaPlaceholders } from "./parameters";
import { BuiltTemplate, deleteBuilder, deployTemplate, TargetKindSpec, TemplateOptions, WITH_SERVICE_MONITORS } from "./assemble";
import { DeleteStepOptions, renderInt, Steps, whenAll, whenNotAll } from "./steps";

export const DEPLOY_ARKOUDA_TEMPLATE = "deploy-arkouda-on-kubernetes";
export const DELETE_ARKOUDA_TEMPLATE = "delete-arkouda-on-kubernetes";

/** When a deploy registers the instance's ServiceMonitor (with its Services), and a delete removes it with the rest. */
const WITH_SERVICE_MONITOR = [
    ["metrics-enabled", "true"],
    ["servicemonitor-enabled", "true"],
] as const;

/** The delete's one step when the ServiceMonitor is on: every ref, the ServiceMonitor among them (its CRD exists, the deploy applied one). */
const DELETE_ALL = "delete-objects-and-servicemonitor";

function arkoudaDeleteSteps(steps: Steps, dagName: string, serviceMonitors: boolean, options?: DeleteStepOptions): Template {
    const refs = arkoudaRuntimeObjectRefs(argoParam.str("instance-name"));
    const { deleteObjects, deleteMonitor } = steps.deleteRefs(refs, serviceMonitors, options);
    const deleteObjectsTask = task("delete-objects").runs(deleteObjects);
    if (!deleteMonitor) return steps.add(dag(dagName, [deleteObjectsTask]));
    // One pod when the ServiceMonitor is on. With metrics on and it off now, an earlier deploy may
    // still have registered one: its own step, as the kind is unknown without the CRD.
    return steps.add(
        dag(dagName, [
            task(DELETE_ALL)
                .runs(steps.resourceDelete(DELETE_ALL, refs, options))
                .when(whenAll(WITH_SERVICE_MONITOR)),
            deleteObjectsTask.when(whenNotAll(WITH_SERVICE_MONITOR)),
            task("delete-servicemonitor")
                .runs(deleteMonitor)
                .when(
                    whenAll([
                        ["metrics-enabled", "true"],
                        ["servicemonitor-enabled", "not true"],
                    ]),
                ),
        ]),
    );
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
    const steps = new Steps(settings, settings.deadlines.deploySeconds);
    const objs = arkoudaRuntimeObjects(arkoudaPlaceholders(), settings);
    const locales = argoParam.int("locales");

    const deployLocales = steps.resourceApply("deploy-locales", objs.localeDeployment, {
        // Recreate strategy: once all pods of the current spec are ready, readyReplicas == locales.
        success: `status.readyReplicas == ${renderInt(locales)}, status.updatedReplicas == ${renderInt(locales)}`,
        deadlineSeconds: settings.deadlines.localeReadySeconds,
    });
    // Serving, not only running: the server container turns ready once it has registered and
    // its client socket answers (its readiness probe), and a pod that ends fails the step. The
    // server starts beside the locales and discovers them itself (its launch script waits until
    // they are Ready, up to localeReadySeconds), so its wait holds the locales' too.
    const serverReady = {
        success: "status.containerStatuses.0.ready == true",
        failure: "status.phase in (Failed, Succeeded)",
        deadlineSeconds: serverStepSeconds(settings.deadlines),
    };
    // One server step runs: metrics decide the pod's containers, and a priority class is only in
    // the Pod when one is named (runtime-objects/placement.ts, `podPlacement`).
    const serverVariants = [
        { name: "deploy-server", pod: objs.serverPod, metrics: "true", priority: "empty" },
        { name: "deploy-server-without-metrics", pod: objs.serverPodWithoutMetrics, metrics: "not true", priority: "empty" },
        { name: "deploy-server-with-priority-class", pod: objs.serverPodWithPriorityClass, metrics: "true", priority: "set" },
        {
            name: "deploy-server-without-metrics-with-priority-class",
            pod: objs.serverPodWithoutMetricsWithPriorityClass,
            metrics: "not true",
            priority: "set",
        },
    ] as const;
    // One pod either way: the Services with the ServiceMonitor, or the Services alone.
    const applyServices = task("apply-services").runs(steps.kubectlApply("apply-services", objs.services));
    const servicesTasks = options.serviceMonitors
        ? [
              task("apply-services-and-servicemonitor")
                  .runs(steps.kubectlApply("apply-services-and-servicemonitor", [...objs.services, objs.serviceMonitor]))
                  .when(whenAll(WITH_SERVICE_MONITOR)),
              applyServices.when(whenNotAll(WITH_SERVICE_MONITOR)),
          ]
        : [applyServices];
    const localesTask = task("deploy-locales").runs(deployLocales);
    const serverTasks = serverVariants.map((variant) =>
        task(variant.name)
            .runs(steps.resourceApply(variant.name, variant.pod, serverReady))
            .when(
                whenAll([
                    ["metrics-enabled", variant.metrics],
                    ["priority-class-name", variant.priority],
                ]),
            ),
    );
    steps.add(dag("deploy", [...servicesTasks, localesTask, ...serverTasks]));
    return deployTemplate(DEPLOY_ARKOUDA_TEMPLATE, { settings, targetKind: INSTANCE, component: "deploy", defaults, steps, options });
}

export const buildDeleteArkouda = deleteBuilder(DELETE_ARKOUDA_TEMPLATE, INSTANCE, "delete");
