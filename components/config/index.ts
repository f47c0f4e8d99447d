export * from "./types";
export { ConfigError, loadConfig, loadSecrets, parseStackConfig, formatPath, PROJECT, StackSecrets } from "./load";
export { namespaceSettings } from "./resolve";
export * as rules from "./rules";
