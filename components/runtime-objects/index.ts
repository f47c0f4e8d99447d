/**
 * The Kubernetes objects a deploy creates at run time: an Arkouda instance (arkouda.ts) or a
 * standalone exporter (exporter.ts), built from a values record (values.ts). Which template
 * parameter fills which value: the parameter tables (components/workflow-templates/parameters.ts).
 */
export * from "./values";
export * from "./common";
export * from "./arkouda";
export * from "./exporter";
