/**
 * Key order for everything the program renders or hashes (labels, parameters, run keepers).
 * Code-unit order, not `localeCompare`: the result must not depend on the machine's locale,
 * or a golden file or a run's keepers could change between machines.
 */

/** The entries of `record`, sorted by key. */
export function sortedEntries<T>(record: Readonly<Record<string, T>>): [string, T][] {
    return Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]);
}

/** A copy of `record` whose keys are inserted in sorted order (so JSON and YAML render sorted). */
export function sortedByKey<T>(record: Readonly<Record<string, T>>): Record<string, T> {
    return Object.fromEntries(sortedEntries(record));
}
