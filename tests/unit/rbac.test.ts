import * as assert from "assert";
import { API_CONTRACT } from "../../components/image-contract";
import { ARKOUDA_GRANTS } from "../../components/arkouda-grants";
import { policyRules } from "../../components/rbac";
import { may } from "../lib/grants";

describe("rbac: grants fold into stable rules", () => {
    it("reads like intent", () =>
        assert.deepStrictEqual(may("list", "get").on("pods"), { apiGroup: "", resource: "pods", verbs: ["list", "get"] }));

    it("merges verbs granted twice on one resource", () => {
        assert.deepStrictEqual(policyRules([may("get").on("pods"), may("list").on("pods")]), [
            { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
        ]);
    });

    it("groups resources of one API group that share verbs", () => {
        assert.deepStrictEqual(policyRules([may("get").on("services"), may("get").on("configmaps")]), [
            { apiGroups: [""], resources: ["configmaps", "services"], verbs: ["get"] },
        ]);
    });

    it("keeps API groups apart", () => {
        assert.strictEqual(policyRules([may("get").on("deployments", "apps"), may("get").on("pods")]).length, 2);
    });

    it("refuses wildcards", () => assert.throws(() => policyRules([may("get").on("*")]), /wildcard/));

    it("is independent of input order", () => {
        const grants = [may("get").on("pods"), may("delete").on("deployments", "apps"), may("get").on("services")];
        assert.deepStrictEqual(policyRules(grants), policyRules([...grants].reverse()));
    });
});

describe("rbac: what Arkouda may do", () => {
    const rules = policyRules(Object.values(ARKOUDA_GRANTS).flat());
    const verbsOn = (resource: string) => rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs);

    it("may only list pods (locale discovery)", () => assert.deepStrictEqual(verbsOn("pods"), ["list"]));
    it("may create and delete its Services (registration, deregistration, clearing an earlier run's)", () =>
        assert.deepStrictEqual(verbsOn("services"), ["create", "delete"]));
    it("may create and delete Endpoints (the server posts them; the launch script clears an earlier run's)", () =>
        assert.deepStrictEqual(verbsOn("endpoints"), ["create", "delete"]));
    it("touches nothing else: no secrets, deployments or ServiceMonitors", () =>
        assert.deepStrictEqual(rules.flatMap((r) => r.resources).sort(), ["endpoints", "pods", "services"]));
    it("grants the verb of every API call in the image contract", () => {
        for (const call of API_CONTRACT)
            assert.ok(
                rules.some(
                    (r) => r.apiGroups.includes(call.apiGroup) && r.resources.includes(call.resource) && r.verbs.includes(call.verb),
                ),
                `${call.method} ${call.path}`,
            );
    });
});
