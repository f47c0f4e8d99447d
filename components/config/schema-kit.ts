/**
 * The building blocks the config schemas share: a string checked by a rule, an object that
 * rejects unknown keys, bounded integers and string maps whose keys are checked.
 */
import { z } from "zod";
import * as rules from "./rules";
import { doc } from "./key-docs";
import { sortedByKey } from "../util/sort";

type Rule = (value: string) => string | undefined;

/** A string checked by one of `rules`; the rule's sentence becomes the error message. */
export function checked(rule: Rule, type: string) {
    return doc(
        z.string().superRefine((value, ctx) => {
            const problem = rule(value);
            if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
        }),
        { type },
    );
}

/** An object that rejects unknown keys; messages.ts names the allowed ones in the message. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
    // The cast drops the never-typed index signature: unknown keys fail parsing, so none survive.
    return z.object(shape).catchall(z.never()) as unknown as z.ZodObject<T>;
}

export function int(min: number, max: number) {
    return z.number().int().min(min).max(max);
}

/**
 * A string map whose every key (and value) `check` accepts, stored with its keys sorted so
 * everything rendered from it is stable. A problem is reported at the key it is about.
 */
export function checkedMap(check: (key: string, value: string) => string | undefined, type: string) {
    return doc(
        z
            .record(z.string(), z.string())
            .superRefine((map, ctx) => {
                for (const [key, value] of Object.entries(map)) {
                    const problem = check(key, value);
                    if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem, input: value });
                }
            })
            .transform((map) => sortedByKey(map)),
        { type },
    );
}

/** A label map, stored with its keys sorted so everything rendered from it is stable. */
export const labelMap = checkedMap((key, value) => rules.labelKey(key) ?? rules.labelValue(value), "map label→value");
