/**
 * What the docs say about each config key, attached to the key's schema (`doc(schema, {...})`),
 * and the table rows read back from a schema: key, type, default, what it sets, what it replaces.
 * The README's config tables are rendered from these rows (scripts/readme-tables.ts), so a key's
 * type and default are the schema's own.
 */
import { z } from "zod";
import { core, defaultOf, defOf, fieldsOf, isOptional, layers } from "./schema-walk";

export interface KeyDoc {
    /** What the key sets. */
    readonly description?: string;
    /** The upstream environment variable, chart value or manual step the key replaces. */
    readonly replaces?: string;
    /** The type as the docs name it, where the schema's own type says too little. */
    readonly type?: string;
    /** The default as the docs state it, where it is not one fixed value (e.g. another key's). */
    readonly default?: string;
    /** An object documented in a table of its own: one row here, its type named by this. */
    readonly table?: string;
    /** Values derived from the object's keys where upstream took them as input. */
    readonly derived?: readonly { readonly value: string; readonly replaces: string }[];
}

const keyDocs = z.registry<KeyDoc>();

/**
 * `schema`, documented (added to what it says already). Document a schema of this key alone, such
 * as its `.default()` or `.optional()` wrapper, not one several keys share.
 */
export function doc<T extends z.ZodType>(schema: T, keyDoc: KeyDoc): T {
    keyDocs.add(schema, { ...keyDocs.get(schema), ...keyDoc });
    return schema;
}

/** A key's docs: what its layers say, the outermost winning. */
export function docOf(schema: z.ZodType): KeyDoc {
    return Object.assign(
        {},
        ...layers(schema)
            .map((l) => keyDocs.get(l) ?? {})
            .reverse(),
    ) as KeyDoc;
}

export interface KeyRow {
    /** Dotted key path below the documented object. */
    readonly key: string;
    readonly type: string;
    readonly default: string;
    readonly description: string;
    readonly replaces: string;
}

interface Classic {
    readonly minValue?: number | null;
    readonly maxValue?: number | null;
    readonly isInt?: boolean;
    readonly maxLength?: number | null;
}

function typeText(field: z.ZodType): string {
    const keyDoc = docOf(field);
    if (keyDoc.type) return keyDoc.type;
    if (keyDoc.table) return keyDoc.table;
    const schema = core(field);
    const def = defOf(schema);
    const classic = schema as unknown as Classic;
    switch (def.type) {
        case "boolean":
            return "bool";
        case "number": {
            const bounded = Number.isSafeInteger(classic.minValue) && Number.isSafeInteger(classic.maxValue);
            return `${classic.isInt ? "int" : "number"}${bounded ? ` ${classic.minValue}–${classic.maxValue}` : ""}`;
        }
        case "string":
            if ((def as { format?: string }).format === "url") return "URL";
            return classic.maxLength ? `string, ≤${classic.maxLength} chars` : "string";
        case "enum":
            return Object.values(def.entries ?? {})
                .map((v) => `\`${v}\``)
                .join(" | ");
        case "array":
            return `list of ${typeText(def.element!)}`;
        default:
            return "map";
    }
}

/** A value as it would be written in YAML flow style. */
function flow(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(flow).join(", ")}]`;
    if (value && typeof value === "object")
        return `{${Object.entries(value)
            .map(([k, v]) => `${k}: ${flow(v)}`)
            .join(", ")}}`;
    return String(value);
}

function defaultText(field: z.ZodType, whenUnset: string | undefined): string {
    const stated = docOf(field).default;
    if (stated) return stated;
    const fixed = defaultOf(field);
    if (fixed) return fixed.value === "" ? '`""`' : `\`${flow(fixed.value)}\``;
    return isOptional(field) ? "unset" : (whenUnset ?? "**required**");
}

/**
 * One row per key of an object schema; nested objects are walked into (dotted keys) unless they
 * have a table of their own. The keys of an optional object are unset when it is.
 */
export function keyRows(schema: z.ZodType, prefix = "", whenUnset?: string): KeyRow[] {
    return fieldsOf(schema).flatMap(([name, field]): KeyRow[] => {
        const key = `${prefix}${name}`;
        const keyDoc = docOf(field);
        if (fieldsOf(field).length > 0 && !keyDoc.table)
            return keyRows(field, `${key}.`, defaultOf(field) ? undefined : (keyDoc.default ?? (isOptional(field) ? "unset" : whenUnset)));
        return [
            {
                key,
                type: typeText(field),
                default: defaultText(field, whenUnset),
                description: keyDoc.description ?? "",
                replaces: keyDoc.replaces ?? "",
            },
        ];
    });
}
