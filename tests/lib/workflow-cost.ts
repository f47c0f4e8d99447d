/**
 * Static cost of one run of a workflow template: how many pods Argo creates on the success path,
 * and how many of them run one after another (the critical path).
 *
 * Counting rule:
 *  - a `container` or `resource` template is one pod (Argo runs one pod per such node; a resource
 *    template holds one object);
 *  - a `dag` template creates no pod itself; its children are counted;
 *  - a DAG task whose `when` evaluates to false with the given parameters (default: the
 *    template's parameter defaults) is skipped and costs nothing, but still orders its dependants;
 *  - the exit handler (`onExit`) is evaluated with `workflow.status = Succeeded`, so a clean-up
 *    that only runs on failure costs nothing; what it does cost runs after the main path;
 *  - `continueOn` is not modelled; the model (components/argo/model.ts) has no retries, loops or
 *    `steps` templates, which the program does not emit.
 */
import type { DAGTask, Template, WorkflowTemplate } from "../../components/argo/model";
import { declaredParameterValues, evaluate, SimulationContext, substitute } from "./argo-simulate";

export interface WorkflowCost {
    podsPerRun: number;
    sequentialPodSteps: number;
}

function isTrue(when: string | undefined, ctx: SimulationContext): boolean {
    if (when === undefined) return true;
    const resolved = substitute({ w: when }, ctx).w.trim();
    if (resolved === "true") return true;
    if (resolved === "false") return false;
    // Simple `a != b` / `a == b` comparisons of plain words, as in `{{workflow.status}} != Succeeded`.
    const m = /^(\S+)\s*(==|!=)\s*(\S+)$/.exec(resolved);
    if (m) return m[2] === "==" ? m[1] === m[3] : m[1] !== m[3];
    return Boolean(evaluate(resolved, ctx));
}

/** Names referenced by a `depends` expression (task names, ignoring `.Succeeded` style suffixes). */
function dependsTargets(task: DAGTask): string[] {
    const fromDepends = (task.depends ?? "")
        .split(/&&|\|\||[()!]/)
        .map((s) => s.trim().split(".")[0])
        .filter((s) => s.length > 0);
    return [...new Set([...fromDepends, ...(task.dependencies ?? [])])];
}

export function workflowCost(wt: WorkflowTemplate, parameters?: Record<string, string>): WorkflowCost {
    const spec = wt.spec;
    const templates = new Map((spec.templates ?? []).map((t) => [t.name, t]));
    const params = parameters ?? declaredParameterValues(spec);

    const cost = (name: string, ctx: SimulationContext, seen: Set<string>): WorkflowCost => {
        const t: Template | undefined = templates.get(name);
        if (!t) throw new Error(`template ${name} not found`);
        if (seen.has(name)) throw new Error(`template ${name} recurses`);
        if (t.container || t.resource) return { podsPerRun: 1, sequentialPodSteps: 1 };
        const inner = new Set([...seen, name]);
        if (t.dag) {
            const depth = new Map<string, number>();
            let pods = 0;
            const byName = new Map(t.dag.tasks.map((k) => [k.name, k]));
            const visit = (task: DAGTask, stack: Set<string>): number => {
                const known = depth.get(task.name);
                if (known !== undefined) return known;
                if (stack.has(task.name)) throw new Error(`DAG cycle at ${task.name}`);
                const before = Math.max(
                    0,
                    ...dependsTargets(task).map((d) => {
                        const dep = byName.get(d);
                        if (!dep) throw new Error(`task ${task.name} depends on unknown ${d}`);
                        return visit(dep, new Set([...stack, task.name]));
                    }),
                );
                let own = 0;
                if (isTrue(task.when, ctx)) {
                    const c = cost(task.template, ctx, inner);
                    pods += c.podsPerRun;
                    own = c.sequentialPodSteps;
                }
                depth.set(task.name, before + own);
                return before + own;
            };
            const longest = Math.max(0, ...t.dag.tasks.map((k) => visit(k, new Set())));
            return { podsPerRun: pods, sequentialPodSteps: longest };
        }
        throw new Error(`template ${name} has no supported body`);
    };

    if (!spec.entrypoint) throw new Error("no entrypoint");
    const main = cost(spec.entrypoint, { parameters: params }, new Set());
    if (!spec.onExit) return main;
    const exit = cost(spec.onExit, { parameters: params, status: "Succeeded" }, new Set());
    return {
        podsPerRun: main.podsPerRun + exit.podsPerRun,
        sequentialPodSteps: main.sequentialPodSteps + exit.sequentialPodSteps,
    };
}
