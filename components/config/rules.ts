/**
 * Pure validation rules for values that reach Kubernetes and Argo.
 * Each returns `undefined` when the value is fine, or a sentence saying what is allowed.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
// Docker reference grammar, simplified: [host[:port]/]path[:tag][@digest]
const IMAGE_REPOSITORY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_REFERENCE =
    /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const POSIX_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const BINARY_SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Most locale pods an instance may have (besides its server). */
export const MAX_LOCALES = 1024;

/** Longest instance name whose derived object names still fit a 63-character DNS label. */
export const MAX_INSTANCE_NAME_LENGTH = 40;

export function dnsLabel(value: string, maxLength = 63): string | undefined {
    if (value.length > maxLength) return `must be at most ${maxLength} characters (got ${value.length})`;
    if (!DNS1123_LABEL.test(value))
        return "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit";
    return undefined;
}

/** Instance and exporter names become Service names, which must be DNS-1035 labels. */
export function serviceName(value: string, maxLength = MAX_INSTANCE_NAME_LENGTH): string | undefined {
    if (value.length > maxLength)
        return `must be at most ${maxLength} characters so derived names like '<name>-locale-headless' stay within 63 (got ${value.length})`;
    if (!DNS1035_LABEL.test(value))
        return "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
    return undefined;
}

export function dnsSubdomain(value: string): string | undefined {
    if (value.length > 253) return `must be at most 253 characters (got ${value.length})`;
    if (!DNS1123_SUBDOMAIN.test(value)) return "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.'";
    return undefined;
}

/**
 * An absolute path as a container's mount path or a host directory is written: from '/', no
 * empty, '.' or '..' component and no trailing '/', so two ways of writing one path cannot pass
 * a check for the same path; not '/' itself.
 */
export function absolutePath(value: string): string | undefined {
    if (!value.startsWith("/")) return "must be an absolute path, starting with '/'";
    if (value === "/") return "must not be '/' itself";
    const parts = value.slice(1).split("/");
    if (parts.some((p) => p === "" || p === "." || p === ".."))
        return "must be a normalized path: no '//', no '.' or '..' component and no trailing '/'";
    if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return "must not contain control characters";
    return undefined;
}

/** Whether `path` is `other`, below it or above it (one mounted there hides or replaces the other). */
export function pathsOverlap(path: string, other: string): boolean {
    const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}/`);
    return within(path, other) || within(other, path);
}

export function quantity(value: string): string | undefined {
    return QUANTITY.test(value)
        ? undefined
        : "must be a Kubernetes quantity such as 2Gi, 2048Mi, 500m or 2 (suffixes Ki Mi Gi Ti Pi Ei, m k M G T P E; '2GB' is not one)";
}

/** The value of a quantity in base units (bytes for memory, cores for CPU). */
export function quantityValue(value: string): number {
    const match = QUANTITY.exec(value);
    if (!match) throw new Error(`not a quantity: ${value}`);
    const number = parseFloat(match[1]);
    const suffix = match[3] ?? "";
    if (suffix in BINARY_SUFFIX) return number * BINARY_SUFFIX[suffix];
    if (suffix in DECIMAL_SUFFIX) return number * DECIMAL_SUFFIX[suffix];
    return number * 10 ** parseInt(suffix.slice(1), 10);
}

/** Prometheus' duration units, longest first, in the order a duration must list them. */
const PROMETHEUS_DURATION_UNITS: readonly (readonly [string, number])[] = [
    ["y", 365 * 24 * 3600 * 1000],
    ["w", 7 * 24 * 3600 * 1000],
    ["d", 24 * 3600 * 1000],
    ["h", 3600 * 1000],
    ["m", 60 * 1000],
    ["s", 1000],
    ["ms", 1],
];
const PROMETHEUS_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * A positive duration as Prometheus and the ServiceMonitor CRD read one (model.ParseDuration): whole
 * numbers of y, w, d, h, m, s, ms, each at most once and in that order, such as 30s or 1m30s.
 */
export function prometheusDuration(value: string): string | undefined {
    const ms = durationMs(value);
    if (ms === undefined) return "must be a Prometheus duration such as 30s, 1m or 1m30s (units y w d h m s ms, largest first)";
    if (ms === 0) return "must be longer than zero";
    return undefined;
}

/** Milliseconds of a Prometheus duration; undefined when it is not one. */
export function durationMs(value: string): number | undefined {
    const match = PROMETHEUS_DURATION.exec(value);
    if (!match || value === "") return undefined;
    return PROMETHEUS_DURATION_UNITS.reduce((sum, [, unit], i) => sum + Number(match[i + 1] ?? 0) * unit, 0);
}

export function imageTag(value: string): string | undefined {
    return IMAGE_TAG.test(value)
        ? undefined
        : "must be an image tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'";
}

export function imageRepository(value: string): string | undefined {
    return IMAGE_REPOSITORY.test(value)
        ? undefined
        : "must be an image repository without a tag, e.g. bearsrus/arkouda-udp-server or registry.example.com:5000/team/image";
}

export function imageReference(value: string): string | undefined {
    return IMAGE_REFERENCE.test(value) ? undefined : "must be an image reference such as registry.k8s.io/kubectl:v1.34.2";
}

export function posixName(value: string): string | undefined {
    return POSIX_NAME.test(value)
        ? undefined
        : "must be a POSIX user or group name: a lower-case letter or '_' then up to 31 lower-case letters, digits, '_' or '-'";
}

/** A Kubernetes label key: optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
export function labelKey(key: string): string | undefined {
    return qualifiedName(key, "label key");
}

/**
 * A qualified name as Kubernetes checks taint, toleration, topology and annotation keys: the
 * same form as a label key; `what` names the key in the message.
 */
export function qualifiedName(key: string, what: string): string | undefined {
    const slash = key.indexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined && (prefix.length === 0 || dnsSubdomain(prefix)))
        return `${what} '${key}' has an invalid prefix: it must be a DNS subdomain such as example.com`;
    if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name))
        return `${what} '${key}' is invalid: the name part must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
    return undefined;
}

export function labelValue(value: string): string | undefined {
    if (value === "") return undefined;
    if (value.length > 63 || !LABEL_NAME.test(value))
        return `label value '${value}' is invalid: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
    return undefined;
}

export function timezone(value: string): string | undefined {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: value });
        return undefined;
    } catch {
        return `'${value}' is not a known IANA time zone; use a name such as America/New_York or UTC`;
    }
}

interface CronField {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    readonly names?: readonly string[];
}

const CRON_FIELDS: readonly CronField[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    { name: "day of week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

const CRON_DESCRIPTORS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

function cronValue(text: string, field: CronField): number | undefined {
    if (/^\d+$/.test(text)) return parseInt(text, 10);
    const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
    return index >= 0 ? index + field.min : undefined;
}

function cronFieldProblem(text: string, field: CronField): string | undefined {
    for (const part of text.split(",")) {
        const [range, step, ...extra] = part.split("/");
        if (extra.length > 0 || range === "") return `'${part}' in the ${field.name} field is malformed`;
        if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step '${step}' in the ${field.name} field must be a positive integer`;
        if (range === "*" || range === "?") continue;
        const bounds = range.split("-");
        if (bounds.length > 2) return `'${range}' in the ${field.name} field is malformed`;
        const values = bounds.map((b) => cronValue(b, field));
        for (let i = 0; i < values.length; i++) {
            const v = values[i];
            if (v === undefined) return `'${bounds[i]}' is not a valid ${field.name}`;
            if (v < field.min || v > field.max) return `${field.name} ${v} is out of range ${field.min}-${field.max}`;
        }
        if (values.length === 2 && values[0]! > values[1]!) return `range '${range}' in the ${field.name} field runs backwards`;
    }
    return undefined;
}

/**
 * A cron expression as Argo's CronWorkflow controller (robfig/cron, standard parser) accepts it:
 * five fields, or a descriptor such as @daily or @every 1h30m.
 */
export function cronExpression(value: string): string | undefined {
    const text = value.trim();
    if (text.startsWith("@")) {
        if (CRON_DESCRIPTORS.has(text)) return undefined;
        if (text.startsWith("@every ")) {
            return GO_DURATION.test(text.slice(7).trim()) ? undefined : `'${value}': @every needs a duration such as 1h30m`;
        }
        return `'${value}' is not a cron descriptor; use one of ${[...CRON_DESCRIPTORS].join(", ")} or @every <duration>`;
    }
    const fields = text.split(/\s+/);
    if (fields.length !== 5) return `'${value}' must have 5 fields (minute hour day-of-month month day-of-week), it has ${fields.length}`;
    for (let i = 0; i < 5; i++) {
        const problem = cronFieldProblem(fields[i], CRON_FIELDS[i]);
        if (problem) return `'${value}': ${problem}`;
    }
    return undefined;
}

// [scheme://]host[:port][/path]: how a pull Secret's `auths` names a registry.
const REGISTRY_SERVER =
    /^(https?:\/\/)?([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\[[0-9a-f:]+\])(:([0-9]{1,5}))?(\/[A-Za-z0-9._/-]*)?$/i;
const hasControlCharacter = (value: string) => [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/*
 * The registry credential's rules name no part of the value: it is a secret, and a problem is
 * printed where anyone running `pulumi up` reads it.
 */

/**
 * The registry as a pull Secret names it: the kubelet matches an image's registry host (with a
 * path, the start of its repository too) against it, so it is written as image references write it.
 */
export function registryServer(value: string): string | undefined {
    const match = REGISTRY_SERVER.exec(value);
    const port = match?.[7] === undefined ? undefined : Number(match[7]);
    if (!match || (port !== undefined && (port < 1 || port > 65535)))
        return "must be a registry host as image references name it, such as registry.example.com or 10.0.0.1:5000 (optionally with https:// and a path)";
    return undefined;
}

/** Basic authentication sends `user:password`, and the registry splits it at the first ':'. */
export function registryUsername(value: string): string | undefined {
    if (value === "") return "must not be empty";
    if (value.includes(":")) return "must not contain ':' (basic authentication joins the user and password with it)";
    if (hasControlCharacter(value)) return "must not contain control characters";
    return undefined;
}

export function registryPassword(value: string): string | undefined {
    if (value === "") return "must not be empty";
    if (/[\r\n]/.test(value)) return "must be a single line";
    return undefined;
}

/** An IP address as a number and its width in bits (32 or 128); undefined when `text` is not one. */
function ipAddress(text: string): { readonly value: bigint; readonly bits: 32 | 128 } | undefined {
    const v4 = (t: string): bigint | undefined => {
        const parts = t.split(".");
        if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) return undefined;
        return parts.reduce((sum, p) => (sum << 8n) | BigInt(p), 0n);
    };
    if (!text.includes(":")) {
        const value = v4(text);
        return value === undefined ? undefined : { value, bits: 32 };
    }
    // IPv6: eight groups of 1-4 hex digits, one `::` for a run of zero groups, an IPv4 tail allowed.
    const halves = text.split("::");
    if (halves.length > 2) return undefined;
    const groups = (half: string): bigint[] | undefined => {
        if (half === "") return [];
        const out: bigint[] = [];
        const parts = half.split(":");
        for (let i = 0; i < parts.length; i++) {
            const p = parts[i];
            if (i === parts.length - 1 && p.includes(".")) {
                const tail = v4(p);
                if (tail === undefined) return undefined;
                out.push(tail >> 16n, tail & 0xffffn);
            } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) out.push(BigInt(`0x${p}`));
            else return undefined;
        }
        return out;
    };
    const head = groups(halves[0]);
    const tail = halves.length === 2 ? groups(halves[1]) : [];
    if (!head || !tail) return undefined;
    const missing = 8 - head.length - tail.length;
    if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
    const all = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
    return { value: all.reduce((sum, g) => (sum << 16n) | g, 0n), bits: 128 };
}

/** A CIDR as a network: its address (host bits cleared), prefix length and width; undefined when `text` is not one. */
function cidrNetwork(text: string): { readonly base: bigint; readonly prefix: number; readonly bits: 32 | 128 } | undefined {
    const match = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(text);
    const ip = match && ipAddress(match[1]);
    if (!match || !ip) return undefined;
    const prefix = Number(match[2]);
    if (prefix > ip.bits) return undefined;
    const hostBits = BigInt(ip.bits - prefix);
    return { base: (ip.value >> hostBits) << hostBits, prefix, bits: ip.bits };
}

/** An IPv4 or IPv6 CIDR as a NetworkPolicy's `ipBlock` takes one (host bits may be set, as Go's ParseCIDR allows). */
export function cidr(value: string): string | undefined {
    return cidrNetwork(value)
        ? undefined
        : "must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8, 192.168.1.10/32 or fd00::/64 (an address, '/' and a prefix length)";
}

/** Whether `inner` is a strict subset of `outer` (same family, a longer prefix, inside it): what the API server asks of an `except`. */
export function cidrStrictlyInside(inner: string, outer: string): boolean {
    const i = cidrNetwork(inner);
    const o = cidrNetwork(outer);
    if (!i || !o || i.bits !== o.bits || i.prefix <= o.prefix) return false;
    const shift = BigInt(o.bits - o.prefix);
    return i.base >> shift === o.base >> shift;
}
