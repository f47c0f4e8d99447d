/**
 * A small, faithful-enough simulation of Argo's template substitution, for tests and checks.
 *
 * Like Argo (util/template): the template is serialised to JSON, `{{...}}` tags are found the way
 * fasttemplate does (up to the first `}}`), simple tags are replaced by their JSON-escaped value,
 * expression tags (`{{=...}}`) are JSON-unescaped, evaluated, JSON-marshalled and inserted without
 * the outer quotes; then the JSON is parsed back. Unknown simple tags are left in place.
 *
 * The expression evaluator covers the subset this project emits: literals ('str', ints, maps,
 * lists, true/false), `workflow.parameters['x']` / `.x`, `workflow.status`, `+ - == != && ||`,
 * and the functions `asInt`, `toJson`, `jsonpath(s, '$')`, `sprig.merge` and `sprig.concat`.
 * Anything else throws, so a test fails loudly when a template starts using an unsupported
 * construct.
 */

export interface SimulationContext {
    parameters: Record<string, string>;
    /** e.g. `workflow.status` inside exit handlers. */
    status?: string;
    namespace?: string;
}

/** Go's json.Marshal for the values our expressions produce (sorted keys, HTML-safe escapes). */
function goJson(v: unknown): string {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") {
        return JSON.stringify(v)
            .replace(/</g, "\\u003c")
            .replace(/>/g, "\\u003e")
            .replace(/&/g, "\\u0026")
            .replace(/\u2028/g, "\\u2028")
            .replace(/\u2029/g, "\\u2029");
    }
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (Array.isArray(v)) return `[${v.map(goJson).join(",")}]`;
    if (typeof v === "object") {
        const o = v as Record<string, unknown>;
        return `{${Object.keys(o)
            .sort()
            .map((k) => `${goJson(k)}:${goJson(o[k])}`)
            .join(",")}}`;
    }
    throw new Error(`cannot marshal ${typeof v}`);
}

type Tok = { t: "num" | "str" | "id" | "op"; v: string };

function lex(src: string): Tok[] {
    const out: Tok[] = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) {
            i++;
        } else if (/[0-9]/.test(c)) {
            let j = i;
            while (j < src.length && /[0-9]/.test(src[j])) j++;
            out.push({ t: "num", v: src.slice(i, j) });
            i = j;
        } else if (c === "'") {
            let j = i + 1;
            let s = "";
            while (j < src.length && src[j] !== "'") {
                if (src[j] === "\\") throw new Error("escapes in string literals are not simulated");
                s += src[j++];
            }
            if (j >= src.length) throw new Error(`unterminated string in ${src}`);
            out.push({ t: "str", v: s });
            i = j + 1;
        } else if (/[A-Za-z_]/.test(c)) {
            let j = i;
            while (j < src.length && /[A-Za-z0-9_]/.test(src[j])) j++;
            out.push({ t: "id", v: src.slice(i, j) });
            i = j;
        } else {
            const two = src.slice(i, i + 2);
            if (["==", "!=", "&&", "||"].includes(two)) {
                out.push({ t: "op", v: two });
                i += 2;
            } else if ("+-.[](){},:".includes(c)) {
                out.push({ t: "op", v: c });
                i++;
            } else {
                throw new Error(`unsupported character ${JSON.stringify(c)} in expression ${src}`);
            }
        }
    }
    return out;
}

type Fn = (...args: unknown[]) => unknown;

function asInt(v: unknown): number {
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string" && /^[+-]?\d+$/.test(v.trim())) return Number.parseInt(v.trim(), 10);
    throw new Error(`asInt: cannot convert ${JSON.stringify(v)}`);
}

function env(ctx: SimulationContext): Record<string, unknown> {
    return {
        workflow: { parameters: { ...ctx.parameters }, status: ctx.status, namespace: ctx.namespace },
        asInt: asInt as Fn,
        toJson: ((v: unknown) => goJson(v)) as Fn,
        jsonpath: ((s: unknown, path: unknown) => {
            if (path !== "$") throw new Error("only jsonpath '$' is simulated");
            return JSON.parse(String(s));
        }) as Fn,
        sprig: {
            // sprig merge: the destination wins; keys only in a source are added.
            merge: ((dst: Record<string, unknown>, ...srcs: Record<string, unknown>[]) => {
                for (const src of srcs) {
                    if (typeof src !== "object" || src === null || Array.isArray(src)) throw new Error("sprig.merge: source is not a map");
                    for (const k of Object.keys(src)) if (!(k in dst)) dst[k] = src[k];
                }
                return dst;
            }) as Fn,
            // sprig concat: the items of every list, in order; anything but a list panics.
            concat: ((...lists: unknown[]) => {
                if (!lists.every(Array.isArray)) throw new Error("sprig.concat: Cannot concat a value that is not a list");
                return (lists as unknown[][]).flat(1);
            }) as Fn,
        },
    };
}

/** Evaluate one expression of the supported subset. */
export function evaluate(src: string, ctx: SimulationContext): unknown {
    const toks = lex(src);
    let p = 0;
    const peek = () => toks[p];
    const eat = (v?: string): Tok => {
        const t = toks[p];
        if (!t || (v !== undefined && t.v !== v)) throw new Error(`expected ${v ?? "token"} at ${p} in ${src}`);
        p++;
        return t;
    };
    const vars = env(ctx);

    const primary = (): unknown => {
        const t = eat();
        if (t.t === "num") return Number(t.v);
        if (t.t === "str") return t.v;
        if (t.t === "id") {
            if (t.v === "true") return true;
            if (t.v === "false") return false;
            if (!(t.v in vars)) throw new Error(`unknown identifier ${t.v}`);
            return vars[t.v];
        }
        if (t.v === "(") {
            const v = orExpr();
            eat(")");
            return v;
        }
        if (t.v === "[") {
            const list: unknown[] = [];
            while (peek()?.v !== "]") {
                list.push(orExpr());
                if (peek()?.v === ",") eat(",");
            }
            eat("]");
            return list;
        }
        if (t.v === "{") {
            const m: Record<string, unknown> = {};
            while (peek()?.v !== "}") {
                const k = orExpr();
                eat(":");
                m[String(k)] = orExpr();
                if (peek()?.v === ",") eat(",");
            }
            eat("}");
            return m;
        }
        throw new Error(`unexpected ${t.v} in ${src}`);
    };
    const postfix = (): unknown => {
        let v = primary();
        for (;;) {
            const t = peek();
            if (t?.v === ".") {
                eat(".");
                const id = eat().v;
                v = (v as Record<string, unknown>)[id];
            } else if (t?.v === "[") {
                eat("[");
                const k = orExpr();
                eat("]");
                const obj = v as Record<string, unknown>;
                if (!(String(k) in obj)) throw new Error(`no key ${String(k)} (variable not in env)`);
                v = obj[String(k)];
            } else if (t?.v === "(") {
                eat("(");
                const args: unknown[] = [];
                while (peek()?.v !== ")") {
                    args.push(orExpr());
                    if (peek()?.v === ",") eat(",");
                }
                eat(")");
                if (typeof v !== "function") throw new Error(`not a function in ${src}`);
                v = (v as Fn)(...args);
            } else {
                return v;
            }
        }
    };
    const add = (): unknown => {
        let v = postfix();
        while (peek()?.v === "+" || peek()?.v === "-") {
            const op = eat().v;
            const r = postfix();
            if (op === "+") {
                if (typeof v === "string" && typeof r === "string") v = v + r;
                else if (typeof v === "number" && typeof r === "number") v = v + r;
                else throw new Error(`invalid operation: ${typeof v} + ${typeof r}`);
            } else {
                if (typeof v !== "number" || typeof r !== "number") throw new Error("invalid operation: -");
                v = v - r;
            }
        }
        return v;
    };
    const eq = (): unknown => {
        const l = add();
        if (peek()?.v === "==" || peek()?.v === "!=") {
            const op = eat().v;
            const r = add();
            return op === "==" ? l === r : l !== r;
        }
        return l;
    };
    const andExpr = (): unknown => {
        let v = eq();
        while (peek()?.v === "&&") {
            eat();
            const r = eq();
            v = Boolean(v) && Boolean(r);
        }
        return v;
    };
    const orExpr = (): unknown => {
        let v = andExpr();
        while (peek()?.v === "||") {
            eat();
            const r = andExpr();
            v = Boolean(v) || Boolean(r);
        }
        return v;
    };
    const v = orExpr();
    if (p !== toks.length) throw new Error(`trailing tokens in ${src}`);
    return v;
}

function simpleValue(tag: string, ctx: SimulationContext): string | undefined {
    const t = tag.trim();
    const m = /^workflow\.parameters\.([A-Za-z0-9_-]+)$/.exec(t);
    if (m) return ctx.parameters[m[1]];
    if (t === "workflow.status") return ctx.status;
    if (t === "workflow.namespace") return ctx.namespace;
    return undefined;
}

/** Substitute every tag in a string that sits inside a JSON document (Argo's Replace). */
function replaceInJson(json: string, ctx: SimulationContext): string {
    return json.replace(/\{\{(.*?)\}\}/g, (whole, tag: string) => {
        if (tag.startsWith("=")) {
            const expression = JSON.parse(`"${tag.slice(1)}"`) as string;
            const result = evaluate(expression, ctx);
            const marshalled = goJson(result);
            if (marshalled.startsWith('"')) return marshalled.slice(1, -1);
            return JSON.stringify(marshalled).slice(1, -1);
        }
        const value = simpleValue(tag, ctx);
        if (value === undefined) return whole;
        return JSON.stringify(value).slice(1, -1);
    });
}

/** Argo-style substitution over a whole object (template, manifest holder, condition...). */
export function substitute<T>(value: T, ctx: SimulationContext): T {
    return JSON.parse(replaceInJson(JSON.stringify(value), ctx)) as T;
}

/** Parameter defaults/values declared on a workflow spec, as a map. */
export function declaredParameterValues(spec: {
    arguments?: { parameters?: { name: string; value?: string; default?: string }[] };
}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of spec.arguments?.parameters ?? []) {
        const v = p.value ?? p.default;
        if (v !== undefined) out[p.name] = v;
    }
    return out;
}
