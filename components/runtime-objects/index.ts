/**
 * The Kubernetes objects a deploy creates at run time: an Arkouda instance (arkouda.ts) or a
 * standalone exporter (exporter.ts), built from a values record (common.ts). The values of a
 * configured instance come from the parameter table (components/workflow-templates/parameters.ts).
 */
export * from "./common";
export * from "./arkouda";
export * from "./exporter";
