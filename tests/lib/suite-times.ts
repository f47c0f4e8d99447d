/**
 * Mocha reporter (package.json "mocha.reporter"): the spec reporter's output, whose "N passing" /
 * "N failing" lines scripts/test-all.sh counts, plus one line per test file on stderr,
 * `[suite] <file>: <seconds>s`, so a run shows where its time goes. A file's time runs from its
 * first top-level suite's start to its last one's end (hooks included); the root hooks' time
 * (the integration harness's preflight and cluster start, say) gets a line of its own.
 */
import * as path from "path";
import * as Mocha from "mocha";

const { EVENT_RUN_BEGIN, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

function line(label: string, ms: number): void {
    process.stderr.write(`[suite] ${label}: ${(ms / 1000).toFixed(1)}s\n`);
}

class SuiteTimes extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        let runStart = Date.now();
        // The file whose top-level suites are running, when it started and when its last one ended.
        let current: { file: string; start: number; end: number } | undefined;
        let firstFileStart: number | undefined;
        const flush = () => {
            if (current) line(path.relative(process.cwd(), current.file), current.end - current.start);
            current = undefined;
        };
        runner.on(EVENT_RUN_BEGIN, () => (runStart = Date.now()));
        // Ahead of the spec reporter's listener, so a file's line comes before the next file's title.
        runner.prependListener(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
            if (suite.root || !suite.parent?.root) return;
            const now = Date.now();
            firstFileStart ??= now;
            const file = suite.file ?? "(no file)";
            if (current?.file !== file) {
                flush();
                current = { file, start: now, end: now };
            }
        });
        runner.on(EVENT_SUITE_END, (suite: Mocha.Suite) => {
            if (suite.root) {
                // Emitted after the root "after all" hooks, before the spec reporter's summary.
                const lastFileEnd = current?.end;
                flush();
                const before = (firstFileStart ?? Date.now()) - runStart;
                if (before >= 100) line("(root hooks before the first file)", before);
                const after = Date.now() - (lastFileEnd ?? Date.now());
                if (after >= 100) line("(root hooks after the last file)", after);
                return;
            }
            if (suite.parent?.root && current) current.end = Date.now();
        });
    }
}

export = SuiteTimes;
