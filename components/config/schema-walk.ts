/**
 * Reading the config schema itself: the wrappers around a key, the object shape below it, the
 * default it states and the keys it allows. Error messages, the templates' safe defaults, the
 * generated docs and the tests read the schema through these, so none of them restates it.
 */
import type { z } from "zod";

/** The parts of zod's definitions read here. */
export interface SchemaDef {
    readonly type: string;
    readonly innerType?: z.ZodType;
    readonly in?: z.ZodType;
    readonly element?: z.ZodType;
    readonly valueType?: z.ZodType;
    readonly shape?: Readonly<Record<string, z.ZodType>>;
    readonly defaultValue?: unknown;
    readonly entries?: Readonly<Record<string, string>>;
}

export function defOf(schema: z.ZodType): SchemaDef {
    return schema._zod.def as unknown as SchemaDef;
}

/**
 * The schema and what it wraps, outermost first: through optional, default and prefault to the
 * value's own schema, and from a transform to the schema of its input (what users write).
 */
export function layers(schema: z.ZodType): z.ZodType[] {
    const all = [schema];
    for (let def = defOf(schema), next = def.innerType ?? def.in; next; def = defOf(next), next = def.innerType ?? def.in) all.push(next);
    return all;
}

/** The value's own schema below its wrappers. */
export function core(schema: z.ZodType): z.ZodType {
    return layers(schema).at(-1)!;
}

/** The keys of an object schema (through its wrappers), in declaration order; none for other schemas. */
export function fieldsOf(schema: z.ZodType): [string, z.ZodType][] {
    return Object.entries(defOf(core(schema)).shape ?? {});
}

/** The default a key states (a `default` or `prefault`, as written), or undefined when it states none. */
export function defaultOf(field: z.ZodType): { readonly value: unknown } | undefined {
    const layer = layers(field).find((l) => defOf(l).type === "default" || defOf(l).type === "prefault");
    return layer && { value: defOf(layer).defaultValue };
}

/** Whether a key may be left out. */
export function isOptional(field: z.ZodType): boolean {
    return layers(field).some((l) => ["optional", "default", "prefault"].includes(defOf(l).type));
}

/** The default the schema states for a dotted key path below `schema`, or undefined when none. */
export function defaultAt(schema: z.ZodType, dottedKey: string): { readonly value: unknown } | undefined {
    let field: z.ZodType | undefined = schema;
    for (const part of dottedKey.split(".")) field = field && fieldsOf(field).find(([key]) => key === part)?.[1];
    return field && defaultOf(field);
}

/** Dotted paths of the keys below an object schema that hold values (objects are walked into). */
export function leafKeys(schema: z.ZodType): string[] {
    return fieldsOf(schema).flatMap(([key, field]) => {
        const below = leafKeys(field);
        return below.length > 0 ? below.map((k) => `${key}.${k}`) : [key];
    });
}

/** Walk a schema along a value path to the object schema there, and list its keys. */
export function allowedKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
    let current: z.ZodType | undefined = schema;
    for (const part of path) {
        if (!current) return [];
        const def = defOf(core(current));
        current = def.type === "array" ? def.element : def.type === "record" ? def.valueType : def.shape?.[String(part)];
    }
    return current
        ? fieldsOf(current)
              .map(([key]) => key)
              .sort()
        : [];
}
