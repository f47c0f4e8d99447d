/**
 * The concrete values records of a configured instance or exporter: what the Argo parameters of
 * its templates resolve to, so the runtime objects tests build from them are the ones a run of
 * the templates creates.
 */
import type { ExporterConfig, InstanceConfig } from "../../components/config/types";
import type { ArkoudaValues, ExporterValues } from "../../components/runtime-objects";
import { ARKOUDA_PARAMETERS, configValue, EXPORTER_PARAMETERS, ParameterRow } from "../../components/workflow-templates/parameters";

export function arkoudaValues(i: InstanceConfig): ArkoudaValues {
    return valuesOf(ARKOUDA_PARAMETERS, i);
}

export function exporterValues(x: ExporterConfig): ExporterValues {
    return valuesOf(EXPORTER_PARAMETERS, x);
}

function valuesOf<V>(rows: readonly ParameterRow[], config: object): V {
    return Object.fromEntries(
        rows.map((r) => {
            const value = configValue(r, config);
            if (r.type === "map") return [r.field, { ...(value as Record<string, string>) }];
            if (r.type === "json" || r.type === "list" || r.type === "object") return [r.field, structuredClone(value)];
            return [r.field, r.type === "int" ? value : String(value)];
        }),
    ) as V;
}
