/**
 * The exact shell commands a person runs to deploy or delete by hand, as stack outputs.
 */
import { sortedEntries } from "./util/sort";

export interface SubmitCommandInput {
    readonly namespace: string;
    readonly templateName: string;
    readonly parameters: Readonly<Record<string, string>>;
    /** Kubeconfig path of the cluster, when the stack names one. */
    readonly kubeconfig?: string;
    readonly context?: string;
}

/** Quote for POSIX shells: bare when safe, else single-quoted with embedded quotes escaped. */
export function shellQuote(value: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `argo submit --from workflowtemplate/<name>` with every parameter spelt out, sorted. */
export function argoSubmitCommand(input: SubmitCommandInput): string {
    const words = ["argo", "submit"];
    if (input.kubeconfig) words.push("--kubeconfig", shellQuote(input.kubeconfig));
    if (input.context) words.push("--context", shellQuote(input.context));
    words.push("-n", shellQuote(input.namespace), "--from", `workflowtemplate/${input.templateName}`);
    for (const [name, value] of sortedEntries(input.parameters)) words.push("-p", shellQuote(`${name}=${value}`));
    return words.join(" ");
}
