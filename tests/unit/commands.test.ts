import * as assert from "assert";
import { argoSubmitCommand, shellQuote } from "../../components/commands";

describe("commands: argo submit by hand", () => {
    it("submits from the WorkflowTemplate in the namespace", () => {
        assert.strictEqual(
            argoSubmitCommand({ namespace: "arkouda", templateName: "deploy-arkouda-on-kubernetes", parameters: {} }),
            "argo submit -n arkouda --from workflowtemplate/deploy-arkouda-on-kubernetes",
        );
    });

    it("spells out every parameter in sorted order", () => {
        const command = argoSubmitCommand({ namespace: "a", templateName: "t", parameters: { locales: "2", cpu: "2000m" } });
        assert.ok(command.endsWith("-p cpu=2000m -p locales=2"), command);
    });

    it("names the kubeconfig and context of the cluster", () => {
        const command = argoSubmitCommand({ namespace: "a", templateName: "t", parameters: {}, kubeconfig: "/k/config", context: "prod" });
        assert.ok(command.startsWith("argo submit --kubeconfig /k/config --context prod "), command);
    });

    it("quotes JSON values so the shell passes them whole", () => {
        const command = argoSubmitCommand({ namespace: "a", templateName: "t", parameters: { labels: '{"release":"kube-stack"}' } });
        assert.ok(command.endsWith(`-p 'labels={"release":"kube-stack"}'`), command);
    });

    it("escapes single quotes", () => assert.strictEqual(shellQuote("it's"), `'it'\\''s'`));
});
