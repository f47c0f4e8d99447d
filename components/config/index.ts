export * from "./types";
export { loadConfig, loadSecrets, parseStackConfig, PROJECT, StackSecrets } from "./load";
export { ConfigError, formatPath } from "./messages";
export { namespaceSettings } from "./namespace-settings";
export * as rules from "./rules";
