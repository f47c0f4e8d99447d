// typescript-eslint's recommended rules on every TypeScript and JavaScript file; formatting is Prettier's
// (eslint-config-prettier turns off the rules it would fight with). `--max-warnings 0` in
// scripts/test-all.sh makes a warning fail CI like an error.
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", ".state/", "bench/results/"] },
    eslint.configs.recommended,
    tseslint.configs.recommended,
    prettier,
    {
        // Tests and the benchmark read untyped JSON (kubectl, the API server, pulumi stack export).
        // Some modules are required lazily where they are used: the integration harness registers
        // mocha hooks when loaded, and the benchmark loads test helpers only for its node section.
        files: ["tests/**", "bench/**"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Dynamic providers are serialized into state: modules are required when a method runs,
        // from node_modules, so they are not captured into the serialized code.
        files: ["components/dynamic/**"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // The Pulumi entry point, the build it checks and the plugins' preload are plain CommonJS
        // that Node runs before any TypeScript could be compiled.
        files: ["program.js", "scripts/program-build.js", "scripts/defer-closure-serializer.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly", __filename: "readonly" },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        rules: {
            // `_`-prefixed names are deliberately unused (destructuring, callback arity).
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
        },
    },
);
