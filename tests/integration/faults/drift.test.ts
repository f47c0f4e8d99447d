/**
 * Fault scenario 4 (issue 13): drift. A WorkflowTemplate edited by hand (the way `kubectl edit`
 * does it, as field manager kubectl-edit) and a Role deleted by hand: `pulumi preview --refresh`
 * shows both (the Role previewed alone first: see the README on a conflicting preview), `pulumi up
 * --refresh` restores both, and the cluster then matches the stack.
 */
import * as assert from "assert";
import { RUN_ID, testEnv } from "../harness";
import { stepKey } from "../fixtures";
import { getObject, JsonResult, kubectl, PulumiProject } from "../pulumi";
import { assertConverged, checkConvergence, Convergence, report } from "./convergence";
import { changes } from "./pulumi-runs";
import { smallInstance, dropStack } from "./scenario";

const NS = `it-drift-${RUN_ID}`;
const TEMPLATE = "deploy-arkouda-on-kubernetes";
const ROLE = "arkouda-workflows";

interface Preview {
    code: number;
    json?: JsonResult;
    text: string;
}

async function previewRefresh(project: PulumiProject): Promise<Preview> {
    const p = await project.pulumi(["preview", "--refresh", "--json"], { check: false });
    const preview: Preview = { code: p.code, text: p.stderr + p.stdout.slice(-3000) };
    try {
        preview.json = JSON.parse(p.stdout) as JsonResult;
    } catch {
        // asserted by the tests
    }
    return preview;
}

describe("faults: drift (a template edited and a Role deleted by hand)", function () {
    let project: PulumiProject;
    let values: Record<string, unknown>;
    let roleOnly: Preview;
    let both: Preview;
    let upRefresh: { code: number; changed: string[]; text: string };
    let convergence: Convergence;

    before(async function () {
        values = {
            namespace: NS,
            instances: [smallInstance("arkouda-drift")],
            clusters: [{ name: "drift", kubeconfig: testEnv().kubeconfig }],
        };
        project = await PulumiProject.create("drift", "it-drift");
        project.writeConfig(values);
        await project.up();
        // The Role first, previewed alone: a preview that meets the template's field conflict
        // (below) fails there, and whether it listed the Role's create before that is a race.
        await kubectl(["delete", "role", ROLE, "-n", NS]);
        roleOnly = await previewRefresh(project);
        // The template edit: a smaller deadline and 64 locales as the template default.
        await kubectl([
            "patch",
            "workflowtemplate",
            TEMPLATE,
            "-n",
            NS,
            "--field-manager",
            "kubectl-edit",
            "--type",
            "json",
            "-p",
            JSON.stringify([
                { op: "replace", path: "/spec/activeDeadlineSeconds", value: 60 },
                { op: "replace", path: "/spec/arguments/parameters/3/value", value: "64" },
            ]),
        ]);
        both = await previewRefresh(project);
        const u = await project.pulumi(["up", "--yes", "--skip-preview", "--refresh", "--json"], { check: false });
        const events = u.stdout
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l));
        upRefresh = { code: u.code, changed: changes(events), text: u.stderr + u.stdout.slice(-3000) };
        convergence = await checkConvergence(project, values, [NS]);
        report("drift (template edited, Role deleted) -> pulumi up --refresh", convergence);
    });

    after(async function () {
        await dropStack(project, [NS]);
    });

    it("pulumi preview --refresh shows the deleted Role as a create", function () {
        const planned = (roleOnly.json?.steps ?? []).filter((s) => s.op !== "same").map((s) => `${s.op} ${stepKey(s)}`);
        assert.ok(planned.includes(`create Role/${NS}/${ROLE}`), `${planned.join(", ")}\n${roleOnly.text}`);
    });

    it("pulumi preview --refresh with only the Role deleted plans nothing else and succeeds", function () {
        const planned = (roleOnly.json?.steps ?? [])
            .filter((s) => s.op !== "same" && s.op !== "refresh")
            .map((s) => `${s.op} ${stepKey(s)}`);
        assert.deepStrictEqual([planned, roleOnly.code], [[`create Role/${NS}/${ROLE}`], 0], roleOnly.text);
    });

    it("pulumi preview --refresh shows the edited template: an update, or (measured with pulumi-kubernetes 4.25) a field conflict naming kubectl-edit and the edited fields", function () {
        const planned = (both.json?.steps ?? []).filter((s) => s.op !== "same").map((s) => `${s.op} ${stepKey(s)}`);
        const errors = (both.json?.diagnostics ?? [])
            .filter((d) => d.severity === "error")
            .map((d) => d.message)
            .join("\n");
        const asUpdate = planned.includes(`update WorkflowTemplate/${NS}/${TEMPLATE}`);
        const asConflict =
            errors.includes(`${NS}/${TEMPLATE}`) &&
            /conflicts with "kubectl-edit"[\s\S]*\.spec\.activeDeadlineSeconds[\s\S]*\.spec\.arguments\.parameters/.test(errors);
        assert.ok(asUpdate || asConflict, `${planned.join(", ")}\n${errors || both.text}`);
    });

    it("pulumi up --refresh succeeds", function () {
        assert.strictEqual(upRefresh.code, 0, upRefresh.text);
    });

    it("restores the template's deadline and default locales", async function () {
        const live = await getObject("workflowtemplates.argoproj.io", TEMPLATE, NS);
        assert.deepStrictEqual(
            [live?.spec.activeDeadlineSeconds, live?.spec.arguments.parameters[3]],
            [1800, { ...live?.spec.arguments.parameters[3], name: "locales", value: "1" }],
        );
    });

    it("recreates the Role", async function () {
        assert.ok(await getObject("roles.rbac.authorization.k8s.io", ROLE, NS), `Role ${NS}/${ROLE} was not recreated`);
    });

    it("converges: nothing lost, left over, duplicated or half-written, no pending operation", function () {
        assertConverged(convergence);
    });
});
