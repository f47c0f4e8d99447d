/** The bench's command line (see bench/run.ts). */
export interface Args {
    quick: boolean;
    reps: number;
    keep: boolean;
    node: boolean;
}

export function parseArgs(argv: string[]): Args {
    const quick = argv.includes("--quick");
    const repsAt = argv.indexOf("--reps");
    const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : quick ? 1 : 2;
    if (!Number.isInteger(reps) || reps < 1) throw new Error("--reps takes a positive integer");
    return {
        quick,
        reps,
        keep: argv.includes("--keep"),
        node: !argv.includes("--no-node"),
    };
}
