/**
 * What a config problem says: zod's issues as sentences that name the key, the bad value and what
 * is allowed (the keys allowed where an unknown one was found), and the error that reports every
 * problem of a stack at once.
 */
import { z } from "zod";
import { allowedKeysAt } from "./schema-walk";
import { PROJECT } from "../names";

export type Path = (string | number)[];

/** One problem, with the path of the offending key below the project's config namespace. */
export interface Problem {
    readonly path: Path;
    readonly message: string;
    readonly input?: unknown;
}

/** All config problems of a stack, reported together in one message. */
export class ConfigError extends Error {
    constructor(public readonly problems: readonly string[]) {
        super(
            `invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "ConfigError";
    }
}

/** Zod issues as problems; `root` is the schema that was parsed, used to list allowed keys. */
export function zodProblems(error: z.ZodError, prefix: Path, root: z.ZodType): Problem[] {
    return error.issues.flatMap((issue): Problem[] => {
        const path = [...prefix, ...(issue.path as Path)];
        if (issue.code === "unrecognized_keys") {
            const allowed = allowedKeysAt(root, issue.path as Path);
            return issue.keys.map((key) => ({
                path: [...path, key],
                message: `is not a known key; allowed keys here: ${allowed.join(", ")}`,
            }));
        }
        return [{ path, message: friendlyMessage(issue), input: issue.input }];
    });
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return issue.input === undefined ? `is required (${issue.expected})` : `must be ${article(issue.expected)}`;
        case "invalid_value":
            return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            return issue.origin === "array"
                ? `must list at least ${issue.minimum} item(s)`
                : issue.origin === "string"
                  ? `must not be empty`
                  : `must be at least ${issue.minimum}`;
        case "too_big":
            return issue.origin === "string" ? `must be at most ${issue.maximum} characters` : `must be at most ${issue.maximum}`;
        case "invalid_format":
            return issue.format === "url" ? "must be a URL such as https://kubernetes.default.svc" : `must be a valid ${issue.format}`;
        case "invalid_union":
            return "must be a cron expression or a list of cron expressions";
        default:
            return issue.message;
    }
}

function article(expected: string): string {
    if (expected === "int") return "an integer";
    if (expected === "array") return "a list";
    if (expected === "object") return "a map of keys to values";
    return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function formatPath(path: Path): string {
    let text = `${PROJECT}:`;
    path.forEach((part, i) => {
        if (typeof part === "number") text += `[${part}]`;
        else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) text += i === 0 ? part : `.${part}`;
        else text += `["${part}"]`;
    });
    return text;
}

function describeInput(input: unknown): string {
    if (input === undefined) return "";
    const text = JSON.stringify(input);
    return text === undefined ? "" : ` (got ${text.length > 80 ? `${text.slice(0, 77)}...` : text})`;
}

export function formatProblem(problem: Problem): string {
    return `${formatPath(problem.path)} ${problem.message}${describeInput(problem.input)}`;
}
