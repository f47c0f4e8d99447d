/**
 * Parameter placeholders and the manifest renderer that turns them into Argo expression tags.
 *
 * Why: the WorkflowTemplates are shared per namespace, so every per-instance value in a manifest
 * is an Argo parameter. Splicing `{{workflow.parameters.x}}` into YAML text lets a `-p` value
 * inject YAML (as upstream's templates could). Instead every parameter lands in a manifest through an
 * expression tag whose RESULT is a self-delimiting YAML scalar:
 *
 *   string        `{{=toJson(workflow.parameters['x'] + '-locale')}}`  -> a JSON-quoted string
 *   integer       `{{=asInt(workflow.parameters['x']) + 1}}`           -> digits or a failed step
 *   int in text   `"{{=asInt(workflow.parameters['x'])}}s"`            -> digits inside quotes
 *   label map     `{{=toJson(sprig.merge({...}, jsonpath(workflow.parameters['x'], '$')))}}`
 *   JSON value    `{{=toJson(jsonpath(workflow.parameters['x'], '$'))}}`  -> a JSON list or object
 *   JSON items    `{{=toJson(sprig.concat([...], jsonpath(workflow.parameters['x'], '$')))}}`
 *   JSON fields   `{{=toJson(sprig.merge({...}, jsonpath(workflow.parameters['x'], '$')))}}`
 *
 * A JSON value is parsed and marshalled again, so whatever a `-p` value holds lands as one JSON
 * flow value (or fails the step when it is not JSON): never as YAML of its own. JSON items follow
 * the literal items of the list they are spread into; JSON fields join the literal fields of the
 * object they are spread into, which win a clash (as a map's literal entries do). The literal
 * part of either is written as an expression too, so a placeholder inside it stays an expression.
 *
 * Evidence (argoproj/argo-workflows): util/expr/env/env.go puts `asInt`, `toJson`, `jsonpath` and
 * `sprig` in the expression env; docs/variables.md documents `workflow.parameters['my-param']`
 * indexing for hyphenated names; util/template JSON-escapes every substitution, so a result can
 * never break out of the manifest *string* in the template, and toJson/asInt make sure it cannot
 * break out of its YAML *scalar* either.
 *
 * Placeholders are strings (cast to number where a field is numeric) so the runtime-object
 * builders stay ordinary typed code; the renderer recognises them in the object tree.
 * Expressions only use single quotes and never `?` (Argo's ternary pre-split keys on `?` + `:`),
 * nor `{{` or `}}` (Argo's template finds a tag's end at the first `}}`).
 */
import * as YAML from "yaml";

const OPEN = "\u27e6"; // ⟦
const CLOSE = "\u27e7"; // ⟧
const TOKEN_RE = /\u27e6([simtjl]):([a-z0-9][a-z0-9-]*)(?::([+-]\d+))?\u27e7/g;
const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

function checkName(name: string): string {
    if (!NAME_RE.test(name)) throw new Error(`invalid parameter name ${JSON.stringify(name)}`);
    return name;
}

/** Placeholders for workflow parameters, usable wherever a runtime-object builder takes a value. */
export const argoParam = {
    /** A string parameter; may be embedded in longer strings (`${p}-locale`). */
    str(name: string): string {
        return `${OPEN}s:${checkName(name)}${CLOSE}`;
    },
    /** An integer parameter (plus a constant offset); renders as a YAML integer. */
    int(name: string, offset = 0): number {
        const off = offset === 0 ? "" : `:${offset > 0 ? "+" : ""}${offset}`;
        return `${OPEN}i:${checkName(name)}${off}${CLOSE}` as unknown as number;
    },
    /** An integer parameter used as text (env values, `15s`): renders as a quoted string of digits. */
    intText(name: string, offset = 0): string {
        return intText(argoParam.int(name, offset));
    },
    /** A JSON map-of-strings parameter, merged into the map it is spread into. */
    map(name: string): Record<string, string> {
        return { [`${OPEN}m:${checkName(name)}${CLOSE}`]: "" };
    },
    /** A JSON parameter (list or object) used as a whole value; typed as the value it stands for. */
    json<T>(name: string): T {
        return `${OPEN}j:${checkName(name)}${CLOSE}` as unknown as T;
    },
    /** A JSON list parameter whose items are spread into a list (`[...literal, ...argoParam.list(x)]`). */
    list<T>(name: string): T[] {
        return [`${OPEN}l:${checkName(name)}${CLOSE}`] as unknown as T[];
    },
    /** A JSON object parameter whose fields are spread into an object, its literal fields winning a clash. */
    object<T extends object>(name: string): T {
        return { [`${OPEN}m:${checkName(name)}${CLOSE}`]: "" } as unknown as T;
    },
};

/**
 * A number as text for string-typed fields (env values): concrete numbers become their decimal
 * string; integer placeholders become text placeholders (quoted digits once rendered).
 */
export function intText(n: number): string {
    const s = String(n);
    return s.startsWith(`${OPEN}i:`) ? `${OPEN}t:${s.slice(3)}` : s;
}

/** `n + by` for a concrete integer or an integer placeholder (whose offset grows by `by`). */
export function plusInt(n: number, by: number): number {
    const m = /^\u27e6i:([a-z0-9][a-z0-9-]*)(?::([+-]\d+))?\u27e7$/.exec(String(n));
    return m ? argoParam.int(m[1], Number(m[2] ?? 0) + by) : n + by;
}

/** True when a value contains any parameter placeholder. */
function hasPlaceholder(value: string): boolean {
    TOKEN_RE.lastIndex = 0;
    return TOKEN_RE.test(value);
}

/**
 * The workflow parameters a template body uses, in either reference form Argo resolves:
 * `workflow.parameters['x']` (expressions) and `{{workflow.parameters.x}}` (simple tags).
 */
export function referencedParameters(body: unknown): Set<string> {
    const text = JSON.stringify(body);
    const found = new Set<string>();
    for (const m of text.matchAll(/workflow\.parameters(?:\['([a-z0-9][a-z0-9-]*)'\]|\.([a-z0-9][a-z0-9-]*))/g)) found.add(m[1] ?? m[2]);
    return found;
}

/** Expression-syntax reference to a workflow parameter (safe for hyphenated names). */
export function paramRef(name: string): string {
    return `workflow.parameters['${checkName(name)}']`;
}

function exprStringLiteral(s: string): string {
    if (/['\\?\n\r]/.test(s)) throw new Error(`literal ${JSON.stringify(s)} cannot be used in an Argo expression`);
    return `'${s}'`;
}

interface Part {
    lit?: string;
    kind?: "s" | "i" | "t" | "m" | "j" | "l";
    name?: string;
    offset?: number;
}

function parts(value: string): Part[] {
    const out: Part[] = [];
    let last = 0;
    TOKEN_RE.lastIndex = 0;
    for (let m = TOKEN_RE.exec(value); m; m = TOKEN_RE.exec(value)) {
        if (m.index > last) out.push({ lit: value.slice(last, m.index) });
        out.push({ kind: m[1] as Part["kind"], name: m[2], offset: m[3] ? Number(m[3]) : 0 });
        last = m.index + m[0].length;
    }
    if (last < value.length) out.push({ lit: value.slice(last) });
    if (value.includes(OPEN) && !out.some((p) => p.kind)) throw new Error(`malformed placeholder in ${JSON.stringify(value)}`);
    return out;
}

function intExpr(p: Part): string {
    const base = `asInt(${paramRef(p.name!)})`;
    if (!p.offset) return base;
    return p.offset > 0 ? `${base} + ${p.offset}` : `${base} - ${-p.offset}`;
}

/** An expr-lang expression producing the string `value` (with string placeholders resolved). */
function stringExpression(value: string): string {
    const ps = parts(value);
    if (ps.some((p) => p.kind !== undefined && p.kind !== "s")) {
        throw new Error(`string ${JSON.stringify(value)} mixes integer/map placeholders into a string expression`);
    }
    return ps.map((p) => (p.lit !== undefined ? exprStringLiteral(p.lit) : paramRef(p.name!))).join(" + ");
}

/**
 * A container argument with string placeholders: an expression whose result Argo escapes into
 * the one argument, so a value can neither split it nor add another.
 */
export function argText(value: string): string {
    return hasPlaceholder(value) ? `{{=${stringExpression(value)}}}` : value;
}

/** A tag around an expression, which must not end early: Argo takes the first `}}` for the tag's end. */
function exprTag(expression: string): string {
    if (expression.includes("}}") || expression.includes("{{")) throw new Error(`expression ${expression} would end its tag early`);
    return `{{=${expression}}}`;
}

/** The parameter a list or object stands for, parsed. */
const parsedParam = (name: string) => `jsonpath(${paramRef(name)}, '$')`;

/**
 * An expr-lang expression producing `value`, placeholders included: literal maps and lists become
 * map and list literals (a space before a closing brace keeps a nested map from writing `}}`).
 */
function exprValue(value: unknown): string {
    if (typeof value === "string") {
        const ps = parts(value);
        if (ps.length === 1 && ps[0].kind === "i") return intExpr(ps[0]);
        if (ps.length === 1 && ps[0].kind === "j") return parsedParam(ps[0].name!);
        return stringExpression(value);
    }
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    if (typeof value === "boolean") return String(value);
    if (Array.isArray(value)) {
        if (value.some((item) => typeof item === "string" && spreadName(item) !== undefined))
            throw new Error("a list placeholder inside a literal list or map is not supported");
        return `[${value.map(exprValue).join(", ")}]`;
    }
    if (value && typeof value === "object") return mapExpression(value as Record<string, unknown>);
    throw new Error(`cannot express ${JSON.stringify(value)}`);
}

/** A map literal, or a map placeholder merged with its literal entries (literal entries win). */
function mapExpression(map: Record<string, unknown>): string {
    const keys = Object.keys(map).filter((k) => map[k] !== undefined);
    const mapKeys = keys.filter((k) => k.startsWith(OPEN) && parts(k).some((p) => p.kind === "m"));
    if (mapKeys.length > 1) throw new Error("at most one map placeholder per map");
    const entries = keys
        .filter((k) => k !== mapKeys[0])
        .sort()
        .map((k) => {
            if (k.includes(OPEN)) throw new Error(`placeholder in map key ${k}`);
            return `${exprStringLiteral(k)}: ${exprValue(map[k])}`;
        })
        .join(", ");
    const literal = `{${entries}${entries.endsWith("}") ? " " : ""}}`;
    if (mapKeys.length === 0) return literal;
    const parsed = parsedParam(parts(mapKeys[0])[0].name!);
    return entries === "" ? parsed : `sprig.merge(${literal}, ${parsed})`;
}

/** The parameter name of a list placeholder standing for items spread into a list. */
function spreadName(item: string): string | undefined {
    const ps = parts(item);
    return ps.length === 1 && ps[0].kind === "l" ? ps[0].name : undefined;
}

/** A list holding a list placeholder: its literal items, then the parameter's, then the literal ones after it. */
function listTag(list: readonly unknown[]): string | undefined {
    const at = list.flatMap((item, i) => (typeof item === "string" && spreadName(item) !== undefined ? [i] : []));
    if (at.length === 0) return undefined;
    if (at.length > 1) throw new Error("at most one list placeholder per list");
    const [before, after] = [list.slice(0, at[0]), list.slice(at[0] + 1)];
    const lists = [
        ...(before.length > 0 ? [exprValue(before)] : []),
        parsedParam(spreadName(list[at[0]] as string)!),
        ...(after.length > 0 ? [exprValue(after)] : []),
    ];
    return exprTag(`toJson(${lists.length === 1 ? lists[0] : `sprig.concat(${lists.join(", ")})`})`);
}

/** Render result of a leaf: the text that replaces it in the YAML output. */
function leafTag(value: string): string | undefined {
    if (!hasPlaceholder(value) && !value.includes(OPEN)) return undefined;
    const ps = parts(value);
    if (ps.some((p) => p.kind === "m")) throw new Error(`map placeholder used as a scalar: ${JSON.stringify(value)}`);
    if (ps.some((p) => p.kind === "l")) throw new Error(`a list placeholder must be spread into a list: ${JSON.stringify(value)}`);
    if (ps.some((p) => p.kind === "j")) {
        if (ps.length !== 1) throw new Error(`a JSON placeholder must be a whole value: ${JSON.stringify(value)}`);
        return `{{=toJson(jsonpath(${paramRef(ps[0].name!)}, '$'))}}`;
    }
    const ints = ps.filter((p) => p.kind === "i" || p.kind === "t");
    const strs = ps.filter((p) => p.kind === "s");
    if (ints.length > 0 && strs.length > 0) throw new Error(`cannot mix string and integer placeholders: ${JSON.stringify(value)}`);
    if (ps.length === 1 && ps[0].kind === "i") return `{{=${intExpr(ints[0])}}}`;
    if (ints.length > 0) {
        // Integers inside text: the expression yields only digits, so a double-quoted YAML scalar is safe.
        const body = ps.map((p) => (p.lit !== undefined ? JSON.stringify(p.lit).slice(1, -1) : `{{=${intExpr(p)}}}`)).join("");
        return `"${body}"`;
    }
    return `{{=toJson(${stringExpression(value)})}}`;
}

/** Map containing a map placeholder key: merged with its literal entries (literal entries win). */
function mapTag(map: Record<string, unknown>): string | undefined {
    const hasMapKey = Object.keys(map).some((k) => k.startsWith(OPEN) && parts(k).some((p) => p.kind === "m"));
    return hasMapKey ? exprTag(`toJson(${mapExpression(map)})`) : undefined;
}

/**
 * Render Kubernetes objects (possibly holding placeholders) into one multi-document YAML string
 * with sorted map keys. Placeholders become Argo expression tags as described above.
 */
export function renderManifest(objects: readonly object[]): string {
    const tags: string[] = [];
    const marker = (tag: string): string => {
        tags.push(tag);
        return `__ARGO_EXPR_${tags.length - 1}__`;
    };
    const walk = (v: unknown): unknown => {
        if (typeof v === "string") {
            const t = leafTag(v);
            return t === undefined ? v : marker(t);
        }
        if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return v;
        if (Array.isArray(v)) {
            const t = listTag(v);
            return t === undefined ? v.map(walk) : marker(t);
        }
        if (typeof v === "object") {
            const rec = v as Record<string, unknown>;
            const t = mapTag(rec);
            if (t !== undefined) return marker(t);
            const out: Record<string, unknown> = {};
            for (const k of Object.keys(rec)) {
                if (k.includes(OPEN)) throw new Error(`placeholder in map key ${k}`);
                if (rec[k] !== undefined) out[k] = walk(rec[k]);
            }
            return out;
        }
        throw new Error(`cannot render ${typeof v}`);
    };
    const docs = objects.map((o) => YAML.stringify(walk(o), { sortMapEntries: true, lineWidth: 0 }));
    let text = docs.join("---\n");
    text = text.replace(/__ARGO_EXPR_(\d+)__/g, (_m, i: string) => tags[Number(i)]);
    return text;
}
