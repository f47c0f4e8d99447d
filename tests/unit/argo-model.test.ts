import * as assert from "assert";
import { workflowCost } from "../lib/workflow-cost";
import { containerTemplate, dag, resourceTemplate, task, workflowTemplate } from "../../components/argo/model";

const c = (name: string) => containerTemplate(name, { image: "i" });
const r = (name: string) => resourceTemplate(name, { action: "apply", manifest: "x" });

describe("argo model builders", () => {
    it("task().runs().after() builds a depends expression", () => {
        const a = task("a").runs("ta");
        assert.deepStrictEqual(task("b").runs(c("tb")).after(a, "z").build(), { name: "b", template: "tb", depends: "a && z" });
    });

    it("a task without a template is refused", () => {
        assert.throws(() => task("x").build(), /runs no template/);
    });

    it("dag() accepts builders and plain tasks", () => {
        assert.deepStrictEqual(
            dag("d", [task("a").runs("t"), { name: "b", template: "t" }]).dag!.tasks.map((t) => t.name),
            ["a", "b"],
        );
    });
});

describe("workflowCost", () => {
    const wt = (templates: ReturnType<typeof c>[], params: Record<string, string> = {}, onExit?: string) =>
        workflowTemplate(
            { name: "w" },
            {
                entrypoint: "main",
                onExit,
                templates,
                arguments: { parameters: Object.entries(params).map(([name, value]) => ({ name, value })) },
            },
        );

    it("counts one pod per container/resource node and the longest chain", () => {
        const t = wt([
            dag("main", [task("a").runs("c1"), task("b").runs("r1").after("a"), task("c").runs("c2")]),
            c("c1"),
            r("r1"),
            c("c2"),
        ]);
        assert.deepStrictEqual(workflowCost(t), { podsPerRun: 3, sequentialPodSteps: 2 });
    });

    it("skips a task whose when is false with the default parameters", () => {
        const t = wt(
            [dag("main", [task("a").runs("c1"), task("b").runs("c2").when("{{=workflow.parameters['on'] == 'true'}}")]), c("c1"), c("c2")],
            { on: "false" },
        );
        assert.strictEqual(workflowCost(t).podsPerRun, 1);
    });

    it("counts an exit handler that runs on success", () => {
        const t = wt([dag("main", [task("a").runs("c1")]), c("c1"), c("bye")], {}, "bye");
        assert.deepStrictEqual(workflowCost(t), { podsPerRun: 2, sequentialPodSteps: 2 });
    });

    it("does not count a failure-only exit handler", () => {
        const t = wt(
            [
                dag("main", [task("a").runs("c1")]),
                c("c1"),
                dag("exit", [task("x").runs("c2").when("{{workflow.status}} != Succeeded")]),
                c("c2"),
            ],
            {},
            "exit",
        );
        assert.deepStrictEqual(workflowCost(t), { podsPerRun: 1, sequentialPodSteps: 1 });
    });

    it("rejects a dependency on an unknown task", () => {
        const t = wt([dag("main", [task("a").runs("c1").after("ghost")]), c("c1")]);
        assert.throws(() => workflowCost(t), /unknown ghost/);
    });
});
