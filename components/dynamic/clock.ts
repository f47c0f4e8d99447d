/**
 * The clock of the dynamic providers' polling loops (the teardown, the wait for a run).
 */

/** The clock of a polling loop; tests inject a virtual one. */
export interface Clock {
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
}

/** `clock` with the real time for what it leaves out. */
export function realTime(clock: Clock): Required<Clock> {
    return {
        now: clock.now ?? (() => Date.now()),
        sleep: clock.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    };
}
