import * as assert from "assert";
import { rules } from "../../components/config";

describe("rules: cron expressions as Argo's controller parses them", () => {
    for (const ok of [
        "0 7 * * *",
        "*/15 9-17 * * MON-FRI",
        "0 0 1,15 * *",
        "30 6 * JAN,JUL sun",
        "@daily",
        "@every 1h30m",
        "0 17 ? * 1-5",
    ]) {
        it(`accepts ${ok}`, () => assert.strictEqual(rules.cronExpression(ok), undefined));
    }
    for (const [bad, why] of [
        ["* 07 * * * *", /5 fields/],
        ["60 7 * * *", /minute 60 is out of range/],
        ["0 7 * * 8", /day of week 8/],
        ["0 7 32 * *", /day of month 32/],
        ["0 7 * 13 *", /month 13/],
        ["0 5-3 * * *", /runs backwards/],
        ["*/0 * * * *", /step '0'/],
        ["0 7 * * FUNDAY", /'FUNDAY' is not a valid day of week/],
        ["@every soon", /duration/],
    ] as const) {
        it(`rejects ${bad}`, () => assert.match(rules.cronExpression(bad) ?? "", why));
    }
});

describe("rules: quantities", () => {
    it("reads binary suffixes as powers of two", () => assert.strictEqual(rules.quantityValue("2Gi"), 2 * 2 ** 30));
    it("reads decimal suffixes as powers of ten", () => assert.strictEqual(rules.quantityValue("2G"), 2e9));
    it("reads millicores", () => assert.strictEqual(rules.quantityValue("500m"), 0.5));
    it("reads exponents", () => assert.strictEqual(rules.quantityValue("1e3"), 1000));
    it("rejects the seed's 2GB", () => assert.ok(rules.quantity("2GB")));
});

describe("rules: labels", () => {
    it("accepts a prefixed key", () => assert.strictEqual(rules.labelKey("prometheus.io/release"), undefined));
    it("rejects an empty prefix", () => assert.match(rules.labelKey("/release") ?? "", /invalid prefix/));
    it("rejects a value that could carry YAML", () => assert.match(rules.labelValue("x\nevil: 1") ?? "", /invalid/));
    it("accepts an empty value", () => assert.strictEqual(rules.labelValue(""), undefined));
});

describe("rules: absolute paths (mount paths, host directories)", () => {
    for (const ok of ["/data", "/data/arkouda", "/mnt/a.b/c-d_e"])
        it(`accepts ${ok}`, () => assert.strictEqual(rules.absolutePath(ok), undefined));
    for (const [bad, why] of [
        ["data", /absolute/],
        ["/", /not be '\/'/],
        ["/data/", /normalized/],
        ["//data", /normalized/],
        ["/data/./x", /normalized/],
        ["/data/../etc", /normalized/],
        ["/data\nx", /control characters/],
    ] as const) {
        it(`rejects ${JSON.stringify(bad)}`, () => assert.match(rules.absolutePath(bad) ?? "", why));
    }
});

describe("rules: overlapping paths", () => {
    it("a path overlaps itself, what is below it and what is above it", () =>
        assert.deepStrictEqual(
            ["/opt/arkouda", "/opt/arkouda/x", "/opt"].map((p) => rules.pathsOverlap(p, "/opt/arkouda")),
            [true, true, true],
        ));
    it("a sibling or a longer name beside it does not", () =>
        assert.deepStrictEqual(
            ["/opt/arkouda-data", "/opt/data", "/data"].map((p) => rules.pathsOverlap(p, "/opt/arkouda")),
            [false, false, false],
        ));
});
