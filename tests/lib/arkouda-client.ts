/**
 * A test client of the Arkouda wire protocol, driven by contract/protocol.ts: it sends the bytes
 * the real Arkouda client and the real metrics exporter send (SENT_REQUESTS, in their order,
 * RequestMsg as Python's json.dumps writes it) and checks each reply against the rows: the
 * ReplyMsg envelope, the expected msg and msgType, and every member of the JSON bodies.
 *
 * Node has no ZeroMQ here; tests/lib/arkouda_wire.py does the socket work with python3-zmq.
 */
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import {
    BODY_FIELDS,
    COMMANDS,
    ProtocolOutcome,
    ProtocolSocket,
    REPLY_FIELDS,
    REQUEST_FIELDS,
    ReplyBody,
    SENT_REQUESTS,
    SentRequestRow,
    WireType,
} from "../../contract/protocol";

/** Debian's python3 with python3-zmq (the stand-ins' interpreter). */
export const WIRE_PYTHON = "/usr/bin/python3";
const WIRE_HELPER = path.join(__dirname, "arkouda_wire.py");

/** security.get_username: the last component of the home directory. */
export const CLIENT_USER = path.basename(os.homedir());

/** Python's json.dumps with its defaults: ", " and ": " separators, non-ASCII as \uXXXX. */
function pyJson(value: unknown): string {
    if (typeof value === "string") {
        return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    }
    if (Array.isArray(value)) return `[${value.map(pyJson).join(", ")}]`;
    if (value !== null && typeof value === "object") {
        return `{${Object.entries(value)
            .map(([k, v]) => `${pyJson(k)}: ${pyJson(v)}`)
            .join(", ")}}`;
    }
    return JSON.stringify(value);
}

/** client._json_args_to_str: each param a ParameterObject (string values: VALUE, dtype str). */
function jsonArgs(params: Readonly<Record<string, string>> = {}): { args: string; size: number } {
    const items = Object.entries(params).map(([key, val]) => pyJson({ key, objType: "VALUE", dtype: "str", val }));
    return { args: pyJson(items), size: items.length };
}

/** RequestMessage.asdict() through json.dumps, members in REQUEST_FIELDS' order. */
export function requestText(
    cmd: string,
    o: { user?: string; token?: string; via?: SentRequestRow["via"]; params?: Readonly<Record<string, string>> } = {},
): string {
    const { args, size } = (o.via ?? "generic_msg") === "send_string_message" ? { args: "", size: -1 } : jsonArgs(o.params);
    const values: Record<string, unknown> = { user: o.user ?? CLIENT_USER, token: o.token ?? "", cmd, format: "STRING", args, size };
    return pyJson(Object.fromEntries(REQUEST_FIELDS.map((f) => [f.field, values[f.field]])));
}

/** Sends `messages` in order on one REQ socket; null for a message not answered in time. */
function exchange(host: string, port: number, messages: readonly string[], timeoutMs = 5000): Promise<(string | null)[]> {
    return new Promise((resolve, reject) => {
        const child = spawn(WIRE_PYTHON, [WIRE_HELPER], { stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (b: Buffer) => (out += b.toString()));
        child.stderr.on("data", (b: Buffer) => (err += b.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            if (code !== 0) return reject(new Error(`arkouda_wire.py exited ${code}: ${err}`));
            resolve(JSON.parse(out).replies);
        });
        child.stdin.end(JSON.stringify({ endpoint: `tcp://${host}:${port}`, timeoutMs, messages }));
    });
}

export interface Sent {
    readonly request: string;
    readonly reply: string | null;
}

/** The requests SENT_REQUESTS lists for a call of the real client or exporter, in step order. */
function callRequests(call: string, o: { user?: string; token?: string } = {}): { socket: ProtocolSocket; requests: string[] } {
    const rows = SENT_REQUESTS.filter((r) => r.call === call).sort((a, b) => a.step - b.step);
    if (rows.length === 0) throw new Error(`no SENT_REQUESTS rows for ${call}`);
    return { socket: rows[0].socket, requests: rows.map((r) => requestText(r.cmd, { ...o, via: r.via, params: r.params })) };
}

export class ArkoudaTestClient {
    constructor(
        readonly host: string,
        readonly ports: Partial<Record<ProtocolSocket, number>>,
        readonly o: { user?: string; token?: string; timeoutMs?: number } = {},
    ) {}

    port(socket: ProtocolSocket): number {
        const p = this.ports[socket];
        if (p === undefined) throw new Error(`no ${socket} port`);
        return p;
    }

    /** What the real client or exporter sends for `call`, and the replies. */
    async call(call: string, o: { token?: string } = {}): Promise<Sent[]> {
        const { socket, requests } = callRequests(call, { user: this.o.user, token: o.token ?? this.o.token });
        return this.send(socket, requests);
    }

    async send(socket: ProtocolSocket, requests: readonly string[]): Promise<Sent[]> {
        const replies = await exchange(this.host, this.port(socket), requests, this.o.timeoutMs);
        return requests.map((request, i) => ({ request, reply: replies[i] }));
    }

    /** One generic_msg (or send_string_message) request. */
    async request(
        socket: ProtocolSocket,
        cmd: string,
        o: { token?: string; via?: SentRequestRow["via"]; params?: Readonly<Record<string, string>> } = {},
    ): Promise<Sent> {
        const text = requestText(cmd, { user: this.o.user, token: o.token ?? this.o.token, via: o.via, params: o.params });
        return (await this.send(socket, [text]))[0];
    }
}

// ---------------------------------------------------------------------------------------------
// Checks against the contract rows: each returns the problems found ([] when none)
// ---------------------------------------------------------------------------------------------

export interface Envelope {
    readonly msg: string;
    readonly msgType: string;
    readonly msgFormat: string;
    readonly user: string;
}

function typeProblem(where: string, value: unknown, type: WireType, values?: readonly string[]): string[] {
    const ok =
        type === "string" || type === "json"
            ? typeof value === "string"
            : type === "int"
              ? Number.isInteger(value)
              : type === "number"
                ? typeof value === "number"
                : type === "bool"
                  ? typeof value === "boolean"
                  : type === "array"
                    ? Array.isArray(value)
                    : value !== null && typeof value === "object" && !Array.isArray(value);
    if (!ok) return [`${where}: ${JSON.stringify(value)} is not ${type}`];
    if (values && !values.includes(value as string)) return [`${where}: ${JSON.stringify(value)} is not one of ${values.join(", ")}`];
    return [];
}

/** The ReplyMsg envelope: exactly REPLY_FIELDS' members, typed, `user` as expected. */
export function envelopeProblems(reply: string | null, user: string): { envelope?: Envelope; problems: string[] } {
    if (reply === null) return { problems: ["no reply"] };
    let parsed: any;
    try {
        parsed = JSON.parse(reply);
    } catch {
        return { problems: [`reply is not JSON: ${reply.slice(0, 200)}`] };
    }
    const problems: string[] = [];
    const want = REPLY_FIELDS.map((f) => f.field);
    if (JSON.stringify(Object.keys(parsed)) !== JSON.stringify(want))
        problems.push(`reply members ${Object.keys(parsed).join(",")} are not ${want.join(",")}`);
    for (const f of REPLY_FIELDS) problems.push(...typeProblem(`reply.${f.field}`, parsed[f.field], f.type, f.values));
    if (parsed.user !== user) problems.push(`reply.user ${JSON.stringify(parsed.user)} is not ${JSON.stringify(user)}`);
    return { envelope: parsed as Envelope, problems };
}

export type TemplateVars = Partial<Record<"port" | "user" | "token" | "cmd" | "request" | "replies" | "param", string | number>>;

function fill(template: string, vars: TemplateVars): string {
    return template.replace(/\{(port|user|token|cmd|request|replies|param)\}/g, (m, k: keyof TemplateVars) => {
        const v = vars[k];
        if (v === undefined) throw new Error(`template ${template} needs {${k}}`);
        return String(v);
    });
}

const BODY_TEMPLATES: Record<string, Exclude<ReplyBody, "metric"> | "metrics"> = {
    "{config}": "config",
    "{serverInfo}": "serverInfo",
    "{metrics}": "metrics",
    "{memStatus}": "memStatus",
};

/**
 * A reply against an outcome row: envelope, msgType, and msg (the filled template, or a JSON
 * body whose every member BODY_FIELDS lists); `daemon-stops` expects no reply.
 */
export function outcomeProblems(outcome: ProtocolOutcome, sent: Sent, vars: TemplateVars, user: string): string[] {
    if (outcome.kind === "daemon-stops") return sent.reply === null ? [] : [`expected no reply (the daemon stops), got ${sent.reply}`];
    const { envelope, problems } = envelopeProblems(sent.reply, user);
    if (!envelope) return problems;
    if (envelope.msgType !== outcome.msgType) problems.push(`msgType ${envelope.msgType} is not ${outcome.msgType} (msg ${envelope.msg})`);
    const body = BODY_TEMPLATES[outcome.msg];
    if (body) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(envelope.msg);
        } catch {
            return [...problems, `msg is not JSON: ${envelope.msg.slice(0, 200)}`];
        }
        problems.push(...(body === "metrics" ? metricsProblems(parsed) : bodyProblems(body, parsed)));
    } else if (envelope.msg !== fill(outcome.msg, vars)) {
        problems.push(`msg ${JSON.stringify(envelope.msg)} is not ${JSON.stringify(fill(outcome.msg, vars))}`);
    }
    return problems;
}

/** The COMMANDS row for a command on a socket: its own, or the socket's "*" row. */
export function commandOutcome(socket: ProtocolSocket, cmd: string, authenticate: boolean): ProtocolOutcome {
    const rows = COMMANDS.filter((r) => r.socket === socket && (r.authenticate === "any" || r.authenticate === authenticate));
    const row = rows.find((r) => r.cmd === cmd) ?? rows.find((r) => r.cmd === "*");
    if (!row) throw new Error(`no COMMANDS row for ${socket} ${cmd}`);
    return row.outcome;
}

function objectProblems(
    where: string,
    value: unknown,
    rows: readonly { path: string; type: WireType; values?: readonly string[] }[],
): string[] {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${where}: ${JSON.stringify(value)} is not an object`];
    const obj = value as Record<string, unknown>;
    const top = rows.filter((r) => !r.path.includes("[]."));
    const problems: string[] = [];
    for (const key of Object.keys(obj)) if (!top.some((r) => r.path === key)) problems.push(`${where}: unexpected member ${key}`);
    for (const r of top) {
        if (!(r.path in obj)) {
            problems.push(`${where}: missing ${r.path}`);
            continue;
        }
        problems.push(...typeProblem(`${where}.${r.path}`, obj[r.path], r.type, r.values));
        if (r.type === "array" && Array.isArray(obj[r.path])) {
            const sub = rows.filter((s) => s.path.startsWith(`${r.path}[].`)).map((s) => ({ ...s, path: s.path.slice(r.path.length + 3) }));
            if (sub.length > 0)
                (obj[r.path] as unknown[]).forEach((el, i) => problems.push(...objectProblems(`${where}.${r.path}[${i}]`, el, sub)));
        }
    }
    return problems;
}

/** config, serverInfo: one object; memStatus: an array of them. */
function bodyProblems(body: Exclude<ReplyBody, "metric">, value: unknown): string[] {
    const rows = BODY_FIELDS.filter((r) => r.body === body);
    if (body !== "memStatus") return objectProblems(body, value, rows);
    if (!Array.isArray(value) || value.length === 0) return [`memStatus: ${JSON.stringify(value)} is not a non-empty array`];
    return value.flatMap((el, i) => objectProblems(`memStatus[${i}]`, el, rows));
}

/** An array of metrics: each element's members are the rows for its scope. */
function metricsProblems(value: unknown): string[] {
    if (!Array.isArray(value)) return [`metrics: ${JSON.stringify(value).slice(0, 200)} is not an array`];
    return value.flatMap((m, i) => {
        const scope = (m as any)?.scope;
        const rows = BODY_FIELDS.filter((r) => r.body === "metric" && (r.scope === undefined || r.scope === scope));
        return objectProblems(`metrics[${i}]`, m, rows);
    });
}

export function msgOf(sent: Sent): string {
    if (sent.reply === null) throw new Error(`no reply to ${sent.request}`);
    return JSON.parse(sent.reply).msg;
}
