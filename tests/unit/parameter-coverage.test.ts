/**
 * Every key of an instance or exporter reaches its templates as a parameter, or is named here as
 * one that does not: a new key without a parameter row fails here, pointing at parameters.ts.
 */
import * as assert from "assert";
import type { z } from "zod";
import { exporterSchema, instanceSchema } from "../../components/config/schema";
import { leafKeys } from "../../components/config/schema-walk";
import { ARKOUDA_PARAMETERS, EXPORTER_PARAMETERS, ParameterRow } from "../../components/workflow-templates/parameters";

/**
 * Keys that say how the program drives a target (its CronWorkflows and runs pass the parameters),
 * the token's rotation label (the token reaches the server as a Secret, never a parameter) and the
 * network policies (declared by the stack beside the target, selecting its pods by label).
 */
const NOT_PARAMETERS = {
    instances: ["schedules", "run", "tokenRotation", "networkPolicy"],
    exporters: ["run", "networkPolicy"],
};

function check(list: keyof typeof NOT_PARAMETERS, schema: z.ZodType, rows: readonly ParameterRow[]) {
    const not = NOT_PARAMETERS[list];
    const keys = leafKeys(schema);
    const skipped = (key: string) => not.some((n) => key === n || key.startsWith(`${n}.`));
    const parameterKeys = new Set(rows.map((r) => r.configKey));
    // A parameter carries its key's whole value (an affinity as one JSON object), so the keys below it too.
    const carried = (key: string) => [...parameterKeys].some((p) => key === p || key.startsWith(`${p}.`));
    const missing = keys.filter((k) => !skipped(k) && !carried(k));
    assert.deepStrictEqual(
        missing,
        [],
        `${missing.map((k) => `${list}[].${k}`).join(", ")}: no parameter row in components/workflow-templates/parameters.ts; add one, or name the key in NOT_PARAMETERS here`,
    );
    for (const n of not) {
        assert.ok(
            keys.some((k) => k === n || k.startsWith(`${n}.`)),
            `NOT_PARAMETERS.${list} names ${n}, which is no key of ${list}[]`,
        );
        assert.ok(![...parameterKeys].some((k) => k === n || k.startsWith(`${n}.`)), `${list}[].${n} has a parameter row after all`);
    }
}

describe("template parameters cover the config", () => {
    it("every instances[] key is an Arkouda parameter, or not one by name", () => check("instances", instanceSchema, ARKOUDA_PARAMETERS));
    it("every exporters[] key is an exporter parameter, or not one by name", () => check("exporters", exporterSchema, EXPORTER_PARAMETERS));
});
