export * from "./types";
export { loadConfig, loadSecrets, parseStackConfig, StackSecrets } from "./load";
export { ConfigError } from "./messages";
export { namespaceSettings } from "./namespace-settings";
export * as rules from "./rules";
