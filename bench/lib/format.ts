/** How the bench's report writes figures (a dash where one is missing: NaN, ±∞) and targets. */

/** One decimal. */
export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
/** Two decimals. */
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
/** Seconds as milliseconds, one decimal. */
export const ms = (s: number) => (Number.isFinite(s) ? (s * 1000).toFixed(1) : "–");

export interface Target {
    readonly target: string;
    readonly value: string;
    readonly ok: boolean;
}

export const met = (ok: boolean) => (ok ? "met" : "**NOT met**");
