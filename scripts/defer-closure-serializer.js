/**
 * Preloaded (`node --require`) into the two Node processes a `pulumi` run of this project starts:
 * the program (scripts/language-host) and the dynamic provider (scripts/dynamic-provider).
 *
 * Importing @pulumi/pulumi loads its closure serializer, which at import loads the TypeScript
 * compiler and @npmcli/arborist: about 0.7 s of a dynamic provider's 1.3 s start on this
 * project's machine, and as long again before the program registers anything. Neither process
 * serializes a closure (the build serializes the dynamic providers: docs/development.md), so
 * when the SDK itself requires one of the two, it gets a stand-in that loads the module on first
 * use. Any other importer (ts-node on the dev path) gets the module as usual.
 */
"use strict";
const Module = require("module");
const path = require("path");

const DEFERRED = new Set(["typescript", "@npmcli/arborist"]);
const SDK = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
const load = Module._load;

Module._load = function (request, parent, isMain) {
    if (!DEFERRED.has(request) || !parent?.filename?.includes(SDK)) return load.apply(this, arguments);
    let filename;
    try {
        filename = Module._resolveFilename(request, parent, isMain);
    } catch {
        // Not installed: the SDK's own fallback (a vendored TypeScript) handles the error.
        return load.apply(this, arguments);
    }
    let loaded;
    const real = () => (loaded ??= load.call(this, filename, parent, false));
    return new Proxy(
        {},
        {
            // `__importStar` returns a module that says it is an ES module as it is, without
            // copying its keys (which would load it).
            get: (_, key) => (key === "__esModule" && loaded === undefined ? true : Reflect.get(real(), key)),
            has: (_, key) => Reflect.has(real(), key),
            ownKeys: () => Reflect.ownKeys(real()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Reflect.getOwnPropertyDescriptor(real(), key);
                return d && { ...d, configurable: true };
            },
        },
    );
};
