/**
 * 1. Workflow cost of the generated templates: `workflowCost` on the dev stack's rendered
 * WorkflowTemplates, beside the original's figures.
 */
import { log } from "../lib/env";
import { Target } from "../lib/format";
import { mockChild } from "../lib/mock";

const ORIGINAL = { deployPods: 19, deletePods: 18, deploySequential: 5 };
const TARGETS = { deployPods: 4, deletePods: 2, deploySequential: 2 };

const DEPLOY = "deploy-arkouda-on-kubernetes";
const DELETE = "delete-arkouda-on-kubernetes";

interface Cost {
    podsPerRun: number;
    sequentialPodSteps: number;
}

export interface WorkflowCost {
    /** By template name. */
    costs: Record<string, Cost>;
    /** The deploy and delete templates with the instance's metrics off. */
    metricsOff: { deploy?: Cost; delete?: Cost };
}

export async function measureWorkflowCost(): Promise<WorkflowCost> {
    log("1. workflow cost of the generated templates");
    return (await mockChild<WorkflowCost>("workflow cost", ["cost"])).result;
}

export function workflowCostTargets(cost: WorkflowCost): Target[] {
    const deploy = cost.costs[DEPLOY];
    const del = cost.costs[DELETE];
    return [
        {
            target: `deploy pods per run ≤ ${TARGETS.deployPods}`,
            value: `${deploy.podsPerRun}`,
            ok: deploy.podsPerRun <= TARGETS.deployPods,
        },
        { target: `delete pods per run ≤ ${TARGETS.deletePods}`, value: `${del.podsPerRun}`, ok: del.podsPerRun <= TARGETS.deletePods },
        {
            target: `deploy sequential pod steps ≤ ${TARGETS.deploySequential}`,
            value: `${deploy.sequentialPodSteps}`,
            ok: deploy.sequentialPodSteps <= TARGETS.deploySequential,
        },
    ];
}

export function workflowCostMarkdown(cost: WorkflowCost): string[] {
    const md: string[] = [];
    md.push("**1. Workflow cost** (generated templates of the dev stack, `workflowCost`)", "");
    md.push("| template | Argo pods per run | sequential pod steps | original |", "|---|---|---|---|");
    const orig: Record<string, string> = {
        [DEPLOY]: `~${ORIGINAL.deployPods} pods, ${ORIGINAL.deploySequential} sequential`,
        [DELETE]: `~${ORIGINAL.deletePods} pods`,
        "deploy-prometheus-arkouda-exporter": "3",
        "delete-prometheus-arkouda-exporter": "3",
    };
    for (const [name, c] of Object.entries(cost.costs).sort()) {
        const off = name === DEPLOY ? cost.metricsOff.deploy : name === DELETE ? cost.metricsOff.delete : undefined;
        md.push(
            `| ${name} | ${c.podsPerRun}${off ? ` (${off.podsPerRun} with metrics off)` : ""} | ${c.sequentialPodSteps} | ${orig[name] ?? ""} |`,
        );
    }
    md.push("");
    return md;
}
