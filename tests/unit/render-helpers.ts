/** Reading rendered templates and manifests in unit tests. */
import * as assert from "assert";
import * as YAML from "yaml";
import type { Template, WorkflowTemplate } from "../../components/argo/model";
import { substitute } from "../lib/argo-simulate";

/** The k8s input types wrap every field in Input<>; the tests read them as plain JSON. */
export const plainJson = (o: unknown): any => JSON.parse(JSON.stringify(o));

/** A container's env as a name → value map. */
export const envOf = (container: { env: { name: string; value?: string }[] }) =>
    Object.fromEntries(container.env.map((e) => [e.name, e.value]));

export function byName(wt: WorkflowTemplate, name: string): Template {
    const t = wt.spec.templates!.find((x) => x.name === name);
    assert.ok(t, `template ${name} in ${wt.metadata.name}`);
    return t!;
}

/** Parse every manifest a template carries (resource manifests and raw artifacts), after substitution. */
export function manifestsOf(wt: WorkflowTemplate, stepName: string, parameters: Record<string, string>): unknown[] {
    const t = substitute(byName(wt, stepName), { parameters });
    const source = t.resource?.manifest ?? t.inputs?.artifacts?.[0]?.raw?.data;
    assert.ok(source, `no manifest on ${stepName}`);
    return YAML.parseAllDocuments(source!).map((d) => d.toJSON());
}
