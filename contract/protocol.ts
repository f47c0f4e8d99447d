/**
 * What the Arkouda server of bearsrus/arkouda-udp-server v2024.04.19 says on its ZeroMQ sockets,
 * and what the Arkouda client and the prometheus-arkouda-exporter send and read there, one row
 * per fact with the upstream file that shows it. The server stand-in
 * (images/arkouda-server-standin) answers by these rows; tests/lib/arkouda-client.ts sends the
 * real client's requests from them and checks every reply against them.
 *
 * Sources: Bears-R-Us/arkouda at v2024.04.19 (`src/...`, `arkouda/...`) and Bears-R-Us/arkouda-contrib
 * (`arkouda_metrics_exporter/...`).
 */

/** The daemons' sockets: DEFAULT/INTEGRATION on --ServerPort, METRICS, STATUS. */
export type ProtocolSocket = "client" | "metrics" | "status";

/** Who reads a reply field: the Arkouda client library, or the metrics exporter. */
export type ProtocolReader = "client" | "exporter";

/** A JSON type as the reader sees it; `json` is a string that holds JSON. */
export type WireType = "string" | "int" | "number" | "bool" | "array" | "object" | "json";

const DAEMON = "src/ServerDaemon.chpl";
const MESSAGE = "src/Message.chpl";
const CONFIG = "src/ServerConfig.chpl";
const METRICS = "src/MetricsMsg.chpl";
const SECURITY = "src/Security.chpl";
const MEMORY = "src/MemoryMgmt.chpl";
const CLIENT = "arkouda/client.py";
const PY_MESSAGE = "arkouda/message.py";
const EXPORTER = "arkouda_metrics_exporter/client/arkouda_metrics_exporter/metrics.py";

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

export interface EnvelopeFieldRow {
    readonly message: "request" | "reply";
    readonly field: string;
    readonly type: WireType;
    /** The only values the field takes, when it is an enum. */
    readonly values?: readonly string[];
    /** Reply fields the client reads (ReplyMessage.fromdict). */
    readonly readBy: readonly ProtocolReader[];
    readonly fact: string;
    readonly source: string;
}

/**
 * One ZeroMQ message, the JSON of RequestMsg. The client writes the members in this order with
 * Python's json.dumps (`", "` and `": "` separators). A binary request is the JSON followed by
 * `BINARY_PAYLOAD` and a second frame with the payload.
 */
export const REQUEST_FIELDS: readonly EnvelopeFieldRow[] = [
    {
        message: "request",
        field: "user",
        type: "string",
        readBy: [],
        fact: "the last component of the home directory",
        source: "arkouda/security.py",
    },
    {
        message: "request",
        field: "token",
        type: "string",
        readBy: [],
        fact: 'the access token, "" without one; the server compares it only with --authenticate, only on the client socket',
        source: PY_MESSAGE,
    },
    { message: "request", field: "cmd", type: "string", readBy: [], fact: "the command", source: PY_MESSAGE },
    {
        message: "request",
        field: "format",
        type: "string",
        values: ["STRING", "BINARY"],
        readBy: [],
        fact: "read into RequestMsg, used by no daemon",
        source: PY_MESSAGE,
    },
    {
        message: "request",
        field: "args",
        type: "string",
        readBy: [],
        fact: 'a JSON array of ParameterObj JSON strings (key, objType, dtype, val); "" when the call passes none',
        source: CLIENT,
    },
    {
        message: "request",
        field: "size",
        type: "int",
        readBy: [],
        fact: "number of args; -1 from send_string_message (connect, disconnect, shutdown), 0 for generic_msg without args; args are parsed only when > 0",
        source: DAEMON,
    },
];

/** The JSON of ReplyMsg, as Chapel's jsonSerializer writes it: `{"msg":"…", "msgType":"…", …}`. */
export const REPLY_FIELDS: readonly EnvelopeFieldRow[] = [
    {
        message: "reply",
        field: "msg",
        type: "string",
        readBy: ["client", "exporter"],
        fact: "the result; a JSON document for getconfig, metrics, getmemstatus",
        source: MESSAGE,
    },
    {
        message: "reply",
        field: "msgType",
        type: "string",
        values: ["NORMAL", "WARNING", "ERROR"],
        readBy: ["client", "exporter"],
        fact: "ERROR makes the client raise RuntimeError(msg), WARNING warn",
        source: MESSAGE,
    },
    {
        message: "reply",
        field: "msgFormat",
        type: "string",
        values: ["STRING", "BINARY"],
        readBy: [],
        fact: "STRING on every string reply",
        source: MESSAGE,
    },
    {
        message: "reply",
        field: "user",
        type: "string",
        readBy: ["client", "exporter"],
        fact: 'the request\'s user; "" when the request could not be read',
        source: DAEMON,
    },
];

// ---------------------------------------------------------------------------------------------
// What the client and the exporter send
// ---------------------------------------------------------------------------------------------

export interface SentRequestRow {
    readonly sender: ProtocolReader;
    /** The Python call that sends it. */
    readonly call: string;
    readonly socket: ProtocolSocket;
    /** Position within the call. */
    readonly step: number;
    readonly cmd: string;
    /**
     * `send_string_message`: args "" and size -1; `generic_msg`: args the JSON list of `params`
     * ("[]" without), size their number.
     */
    readonly via: "send_string_message" | "generic_msg";
    readonly params?: Readonly<Record<string, string>>;
    readonly source: string;
}

export const SENT_REQUESTS: readonly SentRequestRow[] = [
    { sender: "client", call: "ak.connect()", socket: "client", step: 1, cmd: "connect", via: "send_string_message", source: CLIENT },
    { sender: "client", call: "ak.connect()", socket: "client", step: 2, cmd: "getconfig", via: "generic_msg", source: CLIENT },
    { sender: "client", call: "ak.client.ruok()", socket: "client", step: 1, cmd: "ruok", via: "generic_msg", source: CLIENT },
    { sender: "client", call: "ak.get_mem_status()", socket: "client", step: 1, cmd: "getmemstatus", via: "generic_msg", source: CLIENT },
    { sender: "client", call: "ak.disconnect()", socket: "client", step: 1, cmd: "disconnect", via: "send_string_message", source: CLIENT },
    { sender: "client", call: "ak.shutdown()", socket: "client", step: 1, cmd: "shutdown", via: "send_string_message", source: CLIENT },
    // ArkoudaMetrics.__init__: ak.connect(host, port, timeout=0), then the server information.
    {
        sender: "exporter",
        call: "ArkoudaMetrics()",
        socket: "metrics",
        step: 1,
        cmd: "connect",
        via: "send_string_message",
        source: EXPORTER,
    },
    { sender: "exporter", call: "ArkoudaMetrics()", socket: "metrics", step: 2, cmd: "getconfig", via: "generic_msg", source: EXPORTER },
    {
        sender: "exporter",
        call: "ArkoudaMetrics()",
        socket: "metrics",
        step: 3,
        cmd: "metrics",
        via: "generic_msg",
        params: { category: "SERVER_INFO" },
        source: EXPORTER,
    },
    // run_metrics_loop: client.get_config() is local, so each poll is this one request.
    {
        sender: "exporter",
        call: "ArkoudaMetrics.fetch()",
        socket: "metrics",
        step: 1,
        cmd: "metrics",
        via: "generic_msg",
        params: { category: "ALL" },
        source: EXPORTER,
    },
];

// ---------------------------------------------------------------------------------------------
// How each socket answers
// ---------------------------------------------------------------------------------------------

/**
 * `msg` templates: {port} the socket's port, {user} and {token} the request's, {cmd} its
 * command, {request} the request text, {param} the args item that failed, {replies} the number
 * of replies the client socket has sent including this one; {config}, {metrics}, {serverInfo}, {memStatus} a JSON document whose
 * fields BODY_FIELDS lists.
 */
export type ProtocolOutcome =
    | { readonly kind: "reply"; readonly msgType: "NORMAL" | "ERROR"; readonly msg: string }
    /** The daemon's run() throws: no reply, and its bound port is never answered again. */
    | { readonly kind: "daemon-stops" };

export interface CommandRow {
    readonly socket: ProtocolSocket;
    /** "*" for any command the daemon does not know. */
    readonly cmd: string;
    /** The server's --authenticate; "any" when the answer does not depend on it. */
    readonly authenticate: boolean | "any";
    readonly outcome: ProtocolOutcome;
    readonly fact: string;
    readonly source: string;
}

function replyRow(msg: string, msgType: "NORMAL" | "ERROR" = "NORMAL"): ProtocolOutcome {
    return { kind: "reply", msgType, msg };
}

const STOPS: ProtocolOutcome = { kind: "daemon-stops" };

/**
 * With --authenticate the client socket answers these only to a request with the server's token
 * (TOKEN_CHECKS); the metrics and status sockets check no token.
 */
export const COMMANDS: readonly CommandRow[] = [
    {
        socket: "client",
        cmd: "connect",
        authenticate: false,
        outcome: replyRow("connected to arkouda server tcp://*:{port}"),
        fact: "{port} is --ServerPort, not the Service port",
        source: DAEMON,
    },
    {
        socket: "client",
        cmd: "connect",
        authenticate: true,
        outcome: replyRow("connected to arkouda server tcp://*:{port} as user {user} with token {token}"),
        fact: "the client logs this line",
        source: DAEMON,
    },
    {
        socket: "client",
        cmd: "disconnect",
        authenticate: "any",
        outcome: replyRow("disconnected from arkouda server tcp://*:{port}"),
        fact: "with --autoShutdown the server shuts down instead and answers as to shutdown",
        source: DAEMON,
    },
    { socket: "client", cmd: "noop", authenticate: "any", outcome: replyRow("noop"), fact: "", source: DAEMON },
    { socket: "client", cmd: "ruok", authenticate: "any", outcome: replyRow("imok"), fact: "", source: DAEMON },
    {
        socket: "client",
        cmd: "getconfig",
        authenticate: "any",
        outcome: replyRow("{config}"),
        fact: "the Config record, serialized once at start-up",
        source: "src/MsgProcessing.chpl",
    },
    {
        socket: "client",
        cmd: "getmemstatus",
        authenticate: "any",
        outcome: replyRow("{memStatus}"),
        fact: "one LocaleMemoryStatus per locale",
        source: "src/StatusMsg.chpl",
    },
    {
        socket: "client",
        cmd: "shutdown",
        authenticate: "any",
        outcome: replyRow("shutdown server ({replies} req)"),
        fact: "then the server deregisters and exits 0",
        source: DAEMON,
    },
    {
        socket: "client",
        cmd: "*",
        authenticate: "any",
        outcome: replyRow("Unrecognized command: {cmd}", "ERROR"),
        fact: "a command in no CommandMap (the stand-in computes nothing: every command it lacks)",
        source: DAEMON,
    },
    {
        socket: "metrics",
        cmd: "connect",
        authenticate: false,
        outcome: replyRow("connected to arkouda metrics server tcp://*:{port}"),
        fact: "{port} is METRICS_SERVER_PORT",
        source: DAEMON,
    },
    {
        socket: "metrics",
        cmd: "connect",
        authenticate: true,
        outcome: STOPS,
        fact: '"… as user " + "%s with token %s".doFormat(port, user, token) formats three arguments with two specifiers: string.format throws, uncaught in MetricsServerDaemon.run; the exporter, which connects first, waits for ever',
        source: DAEMON,
    },
    { socket: "metrics", cmd: "getconfig", authenticate: "any", outcome: replyRow("{config}"), fact: "", source: DAEMON },
    {
        socket: "metrics",
        cmd: "metrics",
        authenticate: "any",
        outcome: replyRow("{metrics}"),
        fact: "by the `category` arg: METRIC_CATEGORIES",
        source: METRICS,
    },
    {
        socket: "metrics",
        cmd: "*",
        authenticate: "any",
        outcome: replyRow(""),
        fact: "no `otherwise` in the daemon's select: the default MsgTuple",
        source: DAEMON,
    },
    { socket: "status", cmd: "ruok", authenticate: "any", outcome: replyRow("imok"), fact: "", source: DAEMON },
    { socket: "status", cmd: "getmemstatus", authenticate: "any", outcome: replyRow("{memStatus}"), fact: "", source: DAEMON },
    {
        socket: "status",
        cmd: "connect",
        authenticate: false,
        outcome: replyRow("connected to arkouda status server tcp://*:{port}"),
        fact: "{port} is SERVER_STATUS_PORT",
        source: DAEMON,
    },
    {
        socket: "status",
        cmd: "connect",
        authenticate: true,
        outcome: STOPS,
        fact: "the same format error as the metrics daemon's connect",
        source: DAEMON,
    },
    { socket: "status", cmd: "getconfig", authenticate: "any", outcome: replyRow("{config}"), fact: "", source: DAEMON },
    {
        socket: "status",
        cmd: "*",
        authenticate: "any",
        outcome: replyRow(""),
        fact: "no `otherwise` in the daemon's select: the default MsgTuple",
        source: DAEMON,
    },
];

export interface FailureRow {
    readonly socket: ProtocolSocket;
    readonly condition: string;
    readonly outcome: ProtocolOutcome;
    /** The reply's `user` when there is one: the request's, or "" when it could not be read. */
    readonly replyUser?: "request" | "";
    readonly source: string;
}

/** Requests a socket cannot serve. */
export const REQUEST_FAILURES: readonly FailureRow[] = [
    {
        socket: "client",
        condition: "not the JSON of a RequestMsg (six members, size an integer)",
        outcome: replyRow("ValueError Line 501 In Message.deserialize: Incorrect JSON format {request}", "ERROR"),
        replyUser: "",
        source: MESSAGE,
    },
    {
        socket: "client",
        condition: "size > 0 and an args item that is not a ParameterObj",
        outcome: replyRow("ValueError Line 466 In Message.parseParameter: Incorrect JSON format {param}", "ERROR"),
        replyUser: "request",
        source: MESSAGE,
    },
    { socket: "metrics", condition: "not the JSON of a RequestMsg", outcome: STOPS, source: DAEMON },
    { socket: "metrics", condition: "metrics without a `category` arg", outcome: STOPS, source: METRICS },
    {
        socket: "metrics",
        condition: "metrics with a `category` that is no MetricCategory (the exporter's PER_USER_NUM_REQUESTS included)",
        outcome: STOPS,
        source: METRICS,
    },
    { socket: "status", condition: "not the JSON of a RequestMsg", outcome: STOPS, source: DAEMON },
];

// ---------------------------------------------------------------------------------------------
// Authentication (--authenticate)
// ---------------------------------------------------------------------------------------------

export interface TokenCheckRow {
    readonly token: "missing" | "other";
    /** What the request's token field holds. */
    readonly sent: string;
    readonly outcome: ProtocolOutcome;
    readonly source: string;
}

/**
 * DefaultServerDaemon.authenticateUser, before any command (shutdown included) on the client
 * socket. The reply's user is the request's. No error metric is counted for these.
 */
export const TOKEN_CHECKS: readonly TokenCheckRow[] = [
    { token: "missing", sent: "", outcome: replyRow("Error: access to arkouda requires a token", "ERROR"), source: DAEMON },
    { token: "missing", sent: "None", outcome: replyRow("Error: access to arkouda requires a token", "ERROR"), source: DAEMON },
    {
        token: "other",
        sent: "{token}",
        outcome: replyRow("Error: token {token} does not match server token, check with server owner", "ERROR"),
        source: DAEMON,
    },
];

export interface TokenFactRow {
    readonly topic: string;
    readonly fact: string;
    readonly source: string;
}

export const TOKEN_FACTS: readonly TokenFactRow[] = [
    {
        topic: "server: where",
        fact: "`<working directory>/.arkouda/tokens.txt` (here.cwd() of the locale-0 process); .arkouda is created (mkdir -p) at start-up whether or not --authenticate, and failing to create it halts the server",
        source: DAEMON,
    },
    {
        topic: "server: when",
        fact: "in DefaultServerDaemon.run, after the INTEGRATION daemon registered its Services; then the connect URL and the serverConnectionInfo file",
        source: DAEMON,
    },
    {
        topic: "server: which token",
        fact: "the tokens file's last line, whitespace stripped; if the file is missing or that line is empty: ARKOUDA_SERVER_TOKEN (unset or empty counts as absent), else a generated token of 31 characters [0-9A-Za-z], and that token is appended to the file as a line",
        source: SECURITY,
    },
    {
        topic: "server: precedence",
        fact: "an existing non-empty tokens file wins over ARKOUDA_SERVER_TOKEN",
        source: SECURITY,
    },
    {
        topic: "server: file",
        fact: "plain text, one token per line, the last line counts; no permission check on reading; created with the process umask when appended to (a read-only file whose last line is a token is never written)",
        source: "src/FileIO.chpl",
    },
    {
        topic: "server: checks",
        fact: "every request on the client socket (DEFAULT/INTEGRATION daemon), shutdown included; the metrics and status sockets read `token` but never check it",
        source: DAEMON,
    },
    {
        topic: "server: exposure",
        fact: "the connect URL tcp://<hostname>:<ServerPort>?token=<token> is printed in the start-up splash (stdout) and written to ARKOUDA_SERVER_CONNECTION_INFO; the connect reply repeats the token",
        source: DAEMON,
    },
    {
        topic: "server: getconfig",
        fact: '"authenticate": true in the Config record',
        source: CONFIG,
    },
    {
        topic: "client: token",
        fact: "ak.connect(server, port, access_token=…) sends it and saves it; without access_token the client looks up `<server>:<port>` in $ARKOUDA_CLIENT_DIRECTORY/.arkouda/tokens.txt (default ~/.arkouda/tokens.txt), lines `<server>:<port>,<token>`",
        source: CLIENT,
    },
    {
        topic: "client: connect_url",
        fact: "connect(connect_url=…) uses the URL as the ZeroMQ endpoint and does not take the token from `?token=` (_parse_url is never called)",
        source: CLIENT,
    },
    {
        topic: "client: sending",
        fact: 'the token goes in the `token` field of every request; None is sent as ""',
        source: PY_MESSAGE,
    },
];

// ---------------------------------------------------------------------------------------------
// Reply bodies
// ---------------------------------------------------------------------------------------------

export type ReplyBody = "config" | "serverInfo" | "metric" | "memStatus";

export interface BodyFieldRow {
    readonly body: ReplyBody;
    /** `a[].b`: member b of every element of array a. */
    readonly path: string;
    readonly type: WireType;
    readonly values?: readonly string[];
    /** Only for metrics of this scope. */
    readonly scope?: "LOCALE" | "USER";
    readonly readBy: readonly ProtocolReader[];
    readonly source: string;
}

const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"];
/** MetricsMsg.MetricCategory. */
const METRIC_CATEGORY_NAMES = [
    "ALL",
    "NUM_REQUESTS",
    "RESPONSE_TIME",
    "AVG_RESPONSE_TIME",
    "TOTAL_RESPONSE_TIME",
    "TOTAL_MEMORY_USED",
    "SYSTEM",
    "SERVER",
    "SERVER_INFO",
    "NUM_ERRORS",
] as const;

function configRow(path: string, type: WireType, readBy: readonly ProtocolReader[] = [], values?: readonly string[]): BodyFieldRow {
    return { body: "config", path, type, readBy, source: CONFIG, ...(values ? { values } : {}) };
}

/** Every member the body has (a reply with another member does not follow these rows). */
export const BODY_FIELDS: readonly BodyFieldRow[] = [
    // ServerConfig.createConfig's Config record, in its order, then what modules append.
    configRow("arkoudaVersion", "string", ["client", "exporter"]),
    configRow("chplVersion", "string"),
    configRow("ZMQVersion", "string"),
    configRow("HDF5Version", "string"),
    configRow("serverHostname", "string"),
    configRow("ServerPort", "int"),
    configRow("numLocales", "int", ["client"]),
    configRow("numPUs", "int"),
    configRow("maxTaskPar", "int"),
    configRow("physicalMemory", "int", ["client"]),
    configRow("distributionType", "string"),
    configRow("LocaleConfigs", "array"),
    configRow("LocaleConfigs[].id", "int"),
    configRow("LocaleConfigs[].name", "string"),
    configRow("LocaleConfigs[].numPUs", "int"),
    configRow("LocaleConfigs[].maxTaskPar", "int"),
    configRow("LocaleConfigs[].physicalMemory", "int"),
    configRow("authenticate", "bool"),
    configRow("logLevel", "string", [], LOG_LEVELS),
    configRow("logChannel", "string", [], ["CONSOLE", "FILE"]),
    configRow("regexMaxCaptures", "int", ["client", "exporter"]),
    configRow("byteorder", "string", ["client"], ["little", "big"]),
    configRow("autoShutdown", "bool"),
    configRow("serverInfoNoSplash", "bool"),
    // ParquetMsg (in the default ServerModules.cfg) appends it at module init.
    { body: "config", path: "ARROW_VERSION", type: "string", readBy: [], source: "src/ParquetMsg.chpl" },

    // metrics SERVER_INFO: MetricsMsg.ServerInfo and LocaleInfo.
    { body: "serverInfo", path: "hostname", type: "string", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "version", type: "string", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "server_port", type: "int", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "locales", type: "array", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "locales[].name", type: "string", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "locales[].id", type: "string", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "locales[].hostname", type: "string", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "locales[].number_of_processing_units", type: "int", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "locales[].physical_memory", type: "int", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "locales[].max_number_of_tasks", type: "int", readBy: ["exporter"], source: METRICS },
    { body: "serverInfo", path: "number_of_locales", type: "int", readBy: [], source: METRICS },

    // Each element of a metrics reply other than SERVER_INFO: Metric, LocaleMetric, UserMetric.
    { body: "metric", path: "name", type: "string", readBy: ["exporter"], source: METRICS },
    { body: "metric", path: "category", type: "string", values: METRIC_CATEGORY_NAMES, readBy: ["exporter"], source: METRICS },
    {
        body: "metric",
        path: "scope",
        type: "string",
        values: ["GLOBAL", "LOCALE", "REQUEST", "USER"],
        readBy: ["exporter"],
        source: METRICS,
    },
    { body: "metric", path: "timestamp", type: "string", readBy: ["exporter"], source: METRICS },
    { body: "metric", path: "value", type: "number", readBy: ["exporter"], source: METRICS },
    { body: "metric", path: "locale_num", type: "int", scope: "LOCALE", readBy: ["exporter"], source: METRICS },
    { body: "metric", path: "locale_name", type: "string", scope: "LOCALE", readBy: ["exporter"], source: METRICS },
    { body: "metric", path: "locale_hostname", type: "string", scope: "LOCALE", readBy: ["exporter"], source: METRICS },
    { body: "metric", path: "user", type: "string", scope: "USER", readBy: ["exporter"], source: METRICS },

    // getmemstatus: one MemoryMgmt.LocaleMemoryStatus per locale.
    { body: "memStatus", path: "total_mem", type: "int", readBy: ["client"], source: MEMORY },
    { body: "memStatus", path: "avail_mem", type: "int", readBy: ["client"], source: MEMORY },
    { body: "memStatus", path: "pct_avail_mem", type: "int", readBy: ["client"], source: MEMORY },
    { body: "memStatus", path: "arkouda_mem_alloc", type: "int", readBy: ["client"], source: MEMORY },
    { body: "memStatus", path: "mem_used", type: "int", readBy: [], source: MEMORY },
    { body: "memStatus", path: "locale_id", type: "int", readBy: ["client"], source: MEMORY },
    { body: "memStatus", path: "locale_hostname", type: "string", readBy: ["client"], source: MEMORY },
];

// ---------------------------------------------------------------------------------------------
// Metric categories
// ---------------------------------------------------------------------------------------------

export interface MetricCategoryRow {
    /** What the request's `category` arg holds. */
    readonly category: string;
    readonly outcome: ProtocolOutcome;
    /** The body: an array of metrics of these categories, or the server information. */
    readonly body: "metrics" | "serverInfo" | "none";
    readonly categories: readonly string[];
    readonly fact: string;
    readonly source: string;
}

export const METRIC_CATEGORIES: readonly MetricCategoryRow[] = [
    {
        category: "ALL",
        outcome: replyRow("{metrics}"),
        body: "metrics",
        categories: [
            "NUM_REQUESTS",
            "RESPONSE_TIME",
            "AVG_RESPONSE_TIME",
            "TOTAL_RESPONSE_TIME",
            "TOTAL_MEMORY_USED",
            "SYSTEM",
            "SERVER",
            "NUM_ERRORS",
        ],
        fact: "in this order, per-user NUM_REQUESTS (scope USER) before NUM_ERRORS; the exporter's fetch() polls it",
        source: METRICS,
    },
    {
        category: "NUM_REQUESTS",
        outcome: replyRow("{metrics}"),
        body: "metrics",
        categories: ["NUM_REQUESTS"],
        fact: "one per command, then `total`; counted after each reply on the client socket only with trace (default true) and --memTrack and the METRICS daemon",
        source: DAEMON,
    },
    {
        category: "RESPONSE_TIME",
        outcome: STOPS,
        body: "none",
        categories: [],
        fact: "a MetricCategory without a branch in metricsMsg: 'Invalid MetricType' is thrown",
        source: METRICS,
    },
    {
        category: "AVG_RESPONSE_TIME",
        outcome: replyRow("{metrics}"),
        body: "metrics",
        categories: ["AVG_RESPONSE_TIME"],
        fact: "seconds",
        source: METRICS,
    },
    {
        category: "TOTAL_RESPONSE_TIME",
        outcome: replyRow("{metrics}"),
        body: "metrics",
        categories: ["TOTAL_RESPONSE_TIME"],
        fact: "seconds",
        source: METRICS,
    },
    {
        category: "TOTAL_MEMORY_USED",
        outcome: replyRow("{metrics}"),
        body: "metrics",
        categories: ["TOTAL_MEMORY_USED"],
        fact: "GB",
        source: METRICS,
    },
    {
        category: "SYSTEM",
        outcome: replyRow("{metrics}"),
        body: "metrics",
        categories: ["SYSTEM"],
        fact: "per locale arkouda_memory_used_per_locale and arkouda_percent_memory_used_per_locale (scope LOCALE)",
        source: METRICS,
    },
    {
        category: "SERVER",
        outcome: replyRow("[]"),
        body: "metrics",
        categories: [],
        fact: "nothing adds to serverMetrics: always empty, so the exporter never sets arkouda_number_of_connections",
        source: METRICS,
    },
    {
        category: "SERVER_INFO",
        outcome: replyRow("{serverInfo}"),
        body: "serverInfo",
        categories: [],
        fact: "read once by ArkoudaMetrics._initializeServerInfo",
        source: METRICS,
    },
    {
        category: "NUM_ERRORS",
        outcome: replyRow("{metrics}"),
        body: "metrics",
        categories: ["NUM_ERRORS"],
        fact: "per error class, then `total`; token errors are not counted",
        source: METRICS,
    },
    {
        category: "PER_USER_NUM_REQUESTS",
        outcome: STOPS,
        body: "none",
        categories: [],
        fact: "in the exporter's MetricCategory, not the server's: the cast to MetricCategory throws",
        source: EXPORTER,
    },
];
