import * as assert from "assert";
import { ARKOUDA_GRANTS, may, policyRules } from "../../components/rbac";

describe("rbac: grants fold into stable rules", () => {
    it("reads like intent", () => assert.deepStrictEqual(may("list", "get").on("pods"), { apiGroup: "", resource: "pods", verbs: ["list", "get"] }));

    it("merges verbs granted twice on one resource", () => {
        assert.deepStrictEqual(policyRules([may("get").on("pods"), may("list").on("pods")]), [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]);
    });

    it("groups resources of one API group that share verbs", () => {
        assert.deepStrictEqual(policyRules([may("get").on("services"), may("get").on("configmaps")]), [{ apiGroups: [""], resources: ["configmaps", "services"], verbs: ["get"] }]);
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
    const groupOf = (resource: string) => rules.filter((r) => r.resources.includes(resource)).map((r) => r.apiGroups[0]);

    it("finds servicemonitors in monitoring.coreos.com (upstream used the core group)", () => assert.deepStrictEqual(groupOf("servicemonitors"), ["monitoring.coreos.com"]));
    it("finds deployments in apps (upstream used the core group)", () => assert.deepStrictEqual(groupOf("deployments"), ["apps"]));
    it("never touches secrets", () => assert.deepStrictEqual(groupOf("secrets"), []));
    it("can only read pods", () => assert.deepStrictEqual(rules.filter((r) => r.resources.includes("pods")).flatMap((r) => r.verbs), ["get", "list", "watch"]));
});
