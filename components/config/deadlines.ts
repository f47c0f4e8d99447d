/**
 * Bounds derived from `deadlines`, shared by the templates that enforce them and the rule that
 * checks they nest (cross-rules.ts), so both read the same sum.
 */
import type { DeadlinesConfig } from "./types";

/**
 * The deploy's server step: it starts beside the locales, and the server's launch script waits
 * for them to be Ready (as long as the locale step may) before the server can start serving.
 */
export function serverStepSeconds(deadlines: Pick<DeadlinesConfig, "localeReadySeconds" | "serverReadySeconds">): number {
    return deadlines.localeReadySeconds + deadlines.serverReadySeconds;
}
