import * as assert from "assert";
import * as YAML from "yaml";
import { argoParam, argText, intText, plusInt, referencedParameters, renderManifest } from "../../components/argo/expr";
import { evaluate, substitute } from "../lib/argo-simulate";

const render = (o: object, parameters: Record<string, string>) => YAML.parse(substitute({ m: renderManifest([o]) }, { parameters }).m);

describe("argo expressions: renderer", () => {
    it("renders a string placeholder as a toJson expression", () => {
        assert.strictEqual(renderManifest([{ a: argoParam.str("x") }]), "a: {{=toJson(workflow.parameters['x'])}}\n");
    });

    it("renders an embedded placeholder as one concatenation", () => {
        assert.strictEqual(
            renderManifest([{ a: `${argoParam.str("x")}-locale` }]),
            "a: {{=toJson(workflow.parameters['x'] + '-locale')}}\n",
        );
    });

    it("renders an integer placeholder as asInt with its offset", () => {
        assert.strictEqual(renderManifest([{ n: argoParam.int("x", 1) }]), "n: {{=asInt(workflow.parameters['x']) + 1}}\n");
    });

    it("adds to a concrete integer or to an integer placeholder's offset", () => {
        assert.strictEqual(plusInt(2, 1), 3);
        assert.strictEqual(plusInt(argoParam.int("x"), 1), argoParam.int("x", 1));
        assert.strictEqual(plusInt(argoParam.int("x", -2), 1), argoParam.int("x", -1));
    });

    it("renders an integer used as text as quoted digits", () => {
        assert.strictEqual(renderManifest([{ v: intText(argoParam.int("x")) }]), "v: \"{{=asInt(workflow.parameters['x'])}}\"\n");
        assert.strictEqual(renderManifest([{ v: `${argoParam.intText("x")}s` }]), "v: \"{{=asInt(workflow.parameters['x'])}}s\"\n");
    });

    it("merges a map placeholder with literal entries", () => {
        const m = renderManifest([{ labels: { a: "1", ...argoParam.map("l") } }]);
        assert.strictEqual(m, "labels: {{=toJson(sprig.merge({'a': '1'}, jsonpath(workflow.parameters['l'], '$')))}}\n");
    });

    it("renders a JSON placeholder as the parameter parsed and marshalled again", () => {
        assert.strictEqual(renderManifest([{ t: argoParam.json("x") }]), "t: {{=toJson(jsonpath(workflow.parameters['x'], '$'))}}\n");
    });

    it("round-trips a JSON list through substitution as one value", () => {
        const list = [{ key: "a", value: "b: c\n- d" }, { key: "e" }];
        assert.deepStrictEqual(render({ t: argoParam.json("x"), u: 1 }, { x: JSON.stringify(list) }), { t: list, u: 1 });
    });

    it("refuses a JSON placeholder that is not a whole value", () => {
        assert.throws(() => renderManifest([{ a: `x-${argoParam.json<string>("x")}` }]), /JSON placeholder must be a whole value/);
    });

    it("spreads a JSON list placeholder after the literal items of its list", () => {
        const m = renderManifest([{ v: [{ name: "a", n: 1 }, ...argoParam.list("x")] }]);
        assert.strictEqual(m, "v: {{=toJson(sprig.concat([{'n': 1, 'name': 'a'}], jsonpath(workflow.parameters['x'], '$')))}}\n");
    });

    it("round-trips a spread list: the literal items (with their own placeholders), then the parameter's", () => {
        const literal = {
            name: "script",
            configMap: { name: `${argoParam.str("i")}-script` },
            secret: { defaultMode: 256, optional: true },
        };
        const added = [{ name: "data", persistentVolumeClaim: { claimName: "c" } }];
        assert.deepStrictEqual(render({ v: [literal, ...argoParam.list("x")] }, { i: "ark", x: JSON.stringify(added) }), {
            v: [{ name: "script", configMap: { name: "ark-script" }, secret: { defaultMode: 256, optional: true } }, ...added],
        });
        assert.deepStrictEqual(render({ v: [literal, ...argoParam.list("x")] }, { i: "ark", x: "[]" }).v.length, 1);
    });

    it("a spread list's parameter that is no list fails the substitution instead of landing", () => {
        assert.throws(() => render({ v: [{ a: "b" }, ...argoParam.list("x")] }, { x: '{"a": 1}' }), /concat/);
    });

    it("merges a JSON object placeholder's fields into the literal ones, which win a clash", () => {
        const o = { seccompProfile: { type: "RuntimeDefault" }, ...argoParam.object<object>("o") };
        assert.strictEqual(
            renderManifest([{ s: o }]),
            "s: {{=toJson(sprig.merge({'seccompProfile': {'type': 'RuntimeDefault'} }, jsonpath(workflow.parameters['o'], '$')))}}\n",
        );
        assert.deepStrictEqual(render({ s: o }, { o: JSON.stringify({ fsGroup: 5, seccompProfile: { type: "Unconfined" } }) }), {
            s: { fsGroup: 5, seccompProfile: { type: "RuntimeDefault" } },
        });
        assert.deepStrictEqual(render({ s: o }, { o: "{}" }), { s: { seccompProfile: { type: "RuntimeDefault" } } });
    });

    it("refuses a list placeholder used as a scalar, and two in one list", () => {
        assert.throws(() => renderManifest([{ a: argoParam.list<string>("x")[0] }]), /must be spread into a list/);
        assert.throws(() => renderManifest([{ a: [...argoParam.list("x"), ...argoParam.list("y")] }]), /at most one list placeholder/);
    });

    it("never writes '}}' inside an expression, where Argo would end the tag", () => {
        const m = renderManifest([{ v: [{ a: { b: { c: argoParam.str("x") } } }, ...argoParam.list("y")] }]);
        const body = m.slice(m.indexOf("{{=") + 3, m.lastIndexOf("}}"));
        assert.ok(!body.includes("}}"), body);
    });

    it("renders a container argument with a string placeholder as one expression", () => {
        assert.strictEqual(
            argText(`--selector=a=${argoParam.str("x")}`),
            "{{=workflow.parameters['x']}}".replace("{{=", "{{='--selector=a=' + "),
        );
        assert.strictEqual(argText("--plain"), "--plain");
    });

    it("refuses literals that cannot be expressed safely", () => {
        assert.throws(() => renderManifest([{ a: `${argoParam.str("x")}'` }]), /cannot be used/);
        assert.throws(() => renderManifest([{ a: `${argoParam.str("x")}?` }]), /cannot be used/);
    });

    it("refuses mixing string and integer placeholders", () => {
        assert.throws(() => renderManifest([{ a: `${argoParam.str("x")}${argoParam.intText("y")}` }]), /mix/);
    });

    it("joins documents with ---", () => {
        assert.strictEqual(renderManifest([{ a: 1 }, { b: 2 }]), "a: 1\n---\nb: 2\n");
    });

    it("sorts map keys", () => {
        assert.strictEqual(renderManifest([{ b: 1, a: 2 }]), "a: 2\nb: 1\n");
    });

    it("round-trips newlines, quotes and unicode through substitution", () => {
        const v = "line1\nline2 \"q\" 'sq' <&> é \u2028";
        assert.deepStrictEqual(render({ a: argoParam.str("x") }, { x: v }), { a: v });
    });

    it("keeps a YAML-looking value inside its scalar", () => {
        assert.deepStrictEqual(render({ a: argoParam.str("x"), b: "k" }, { x: "v\nb: evil" }), { a: "v\nb: evil", b: "k" });
    });
});

describe("argo expressions: simulator", () => {
    it("evaluates hyphenated parameter indexing", () => {
        assert.strictEqual(evaluate("workflow.parameters['a-b']", { parameters: { "a-b": "v" } }), "v");
    });

    it("fails on an undeclared parameter", () => {
        assert.throws(() => evaluate("workflow.parameters['nope']", { parameters: {} }), /not in env/);
    });

    it("asInt rejects non-integers", () => {
        assert.throws(() => evaluate("asInt(workflow.parameters['n'])", { parameters: { n: "1.5" } }), /asInt/);
    });

    it("leaves unknown simple tags alone", () => {
        assert.deepStrictEqual(substitute({ a: "{{pod.name}}" }, { parameters: {} }), { a: "{{pod.name}}" });
    });
});

describe("argo expressions: referenced parameters", () => {
    it("finds both reference forms anywhere in a body, and nothing else", () => {
        const body = {
            a: "{{=toJson(workflow.parameters['instance-name'] + '-locale')}}",
            b: ["arkouda-instance-{{workflow.parameters.metrics-enabled}}", { c: "{{inputs.parameters.manifest}}" }],
            d: "workflow.parameter.x, parameters['y']",
        };
        assert.deepStrictEqual([...referencedParameters(body)].sort(), ["instance-name", "metrics-enabled"]);
    });
});
