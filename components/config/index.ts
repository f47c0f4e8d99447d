export * from "./types";
export { ConfigError, loadConfig, parseStackConfig, formatPath, PROJECT } from "./load";
export { namespaceSettings } from "./resolve";
export * as rules from "./rules";
