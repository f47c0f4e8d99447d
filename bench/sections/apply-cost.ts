/**
 * 2d. Apply cost on the bench's control plane: `pulumi preview` / `pulumi up` of the dev stack
 * scaled to N instances beside `kubectl apply --server-side` of the identical manifests
 * (rendered under mocks), each in a fresh namespace; least-squares fixed + per-object cost.
 */
import * as fs from "fs";
import * as path from "path";
import { scaledValues } from "../lib/config";
import { BenchProject, log, summaryCount } from "../lib/env";
import { f1, f2, ms, Target } from "../lib/format";
import { Fit, linearFit, measure, Measured, repeat } from "../lib/measure";
import { mockChild } from "../lib/mock";

const TARGET_MARGINAL_RATIO = 2;

export interface ApplyPoint {
    instances: number;
    kubernetesObjects: number;
    pulumiResources: number;
    preview: Measured & { runsS: number[] };
    up: Measured & { runsS: number[] };
    upNoCheckpoints: Measured & { runsS: number[] };
    kubectl: Measured & { runsS: number[] };
    stateBytes: number;
    stateProviderBytes: number;
}

export interface ApplyCost {
    readonly apply: ApplyPoint[];
    readonly fits: Record<"kubectl" | "pulumiUp" | "pulumiUpNoCheckpoints" | "pulumiPreview" | "pulumiPreviewPlusUp", Fit>;
    /** Pulumi's marginal cost per object over kubectl's: b(pulumi up) / b(kubectl). */
    readonly ratio: number;
}

/** Stacks `apply-n<N>-r<rep>` in namespaces `bench-p<N>-r<rep>` (section 5 runs in `bench-p1-r0`). */
export async function measureApplyCost(
    root: string,
    kubeconfig: string,
    project: BenchProject,
    counts: readonly number[],
    reps: number,
): Promise<ApplyCost> {
    const kubectlEnv = { ...process.env, KUBECONFIG: kubeconfig };
    log(`2d. apply cost for ${counts.join(", ")} instances`);
    const apply: ApplyPoint[] = [];
    for (const n of counts) {
        const shape = { instances: n, clusters: 1 };
        const manifestBase = path.join(root, `manifests-${n}.yaml`);
        const { result: rendered } = await mockChild<{ objects: number }>(`render ${n}`, [
            "render",
            String(n),
            `bench-k${n}`,
            manifestBase,
        ]);
        const kubectl = await repeat(reps, async (r) => {
            const ns = `bench-k${n}-r${r}`;
            const file = path.join(root, `manifests-${n}-r${r}.yaml`);
            fs.writeFileSync(file, fs.readFileSync(manifestBase, "utf8").split(`bench-k${n}`).join(ns));
            return measure(`kubectl apply ${n}`, "kubectl", ["apply", "--server-side", "-n", ns, "-f", file], { env: kubectlEnv });
        });
        let preview: (Measured & { runsS: number[] }) | undefined;
        let pulumiResources = 0;
        let stateBytes = 0;
        let stateProviderBytes = 0;
        const up = await repeat(reps, async (r) => {
            const stack = `apply-n${n}-r${r}`;
            await project.initStack(stack, scaledValues(shape, `bench-p${n}-r${r}`));
            if (r === 0) {
                preview = await repeat(reps, () => project.run(`preview ${stack}`, ["preview", "--stack", stack]));
                pulumiResources = summaryCount(preview.stdout);
            }
            const m = await project.run(`up ${stack}`, ["up", "--stack", stack, "--yes", "--skip-preview"]);
            if (r === 0) {
                const exported = (await project.run(`export ${stack}`, ["stack", "export", "--stack", stack])).stdout;
                stateBytes = exported.length;
                const resources = (JSON.parse(exported).deployment?.resources ?? []) as {
                    inputs?: Record<string, unknown>;
                    outputs?: Record<string, unknown>;
                }[];
                stateProviderBytes = resources.reduce(
                    (s, x) => s + String(x.inputs?.__provider ?? "").length + String(x.outputs?.__provider ?? "").length,
                    0,
                );
            }
            return m;
        });
        // Diagnostic: the same up without the file backend's per-step checkpoint (whole state
        // rewritten after every step); not a recommendation (a crash mid-update loses the steps).
        const upNoCheckpoints = await repeat(1, async () => {
            const stack = `apply-n${n}-nocp`;
            await project.initStack(stack, scaledValues(shape, `bench-p${n}-nocp`));
            return project.run(`up ${stack}`, ["up", "--stack", stack, "--yes", "--skip-preview"], {
                extraEnv: { PULUMI_SKIP_CHECKPOINTS: "true" },
            });
        });
        apply.push({
            instances: n,
            kubernetesObjects: rendered.objects,
            pulumiResources,
            preview: preview!,
            up,
            upNoCheckpoints,
            kubectl,
            stateBytes,
            stateProviderBytes,
        });
        log(
            `   n=${n}: ${rendered.objects} objects; preview ${f1(preview!.wallS)}s, up ${f1(up.wallS)}s (no checkpoints ${f1(upNoCheckpoints.wallS)}s), kubectl ${f2(kubectl.wallS)}s`,
        );
    }
    const fitOf = (pick: (p: ApplyPoint) => number) => linearFit(apply.map((p) => ({ x: p.kubernetesObjects, y: pick(p) })));
    const fits = {
        kubectl: fitOf((p) => p.kubectl.wallS),
        pulumiUp: fitOf((p) => p.up.wallS),
        pulumiUpNoCheckpoints: fitOf((p) => p.upNoCheckpoints.wallS),
        pulumiPreview: fitOf((p) => p.preview.wallS),
        pulumiPreviewPlusUp: fitOf((p) => p.preview.wallS + p.up.wallS),
    };
    return { apply, fits, ratio: fits.pulumiUp.b / fits.kubectl.b };
}

export function applyCostTargets(r: ApplyCost): Target[] {
    return [
        {
            target: `Pulumi marginal cost per object ≤ ${TARGET_MARGINAL_RATIO}× kubectl's (up vs apply --server-side)`,
            value: `${f2(r.ratio)}× (${ms(r.fits.pulumiUp.b)} vs ${ms(r.fits.kubectl.b)} ms/object)`,
            ok: r.ratio <= TARGET_MARGINAL_RATIO,
        },
    ];
}

export function applyCostMarkdown(r: ApplyCost, clusterStartS: number): string[] {
    const { apply, fits, ratio } = r;
    const md: string[] = [];
    md.push(
        `**2. Apply cost** on the local control plane (started in ${f1(clusterStartS)} s): the dev stack with N instances, fresh namespace each; ` +
            "kubectl applies the identical manifests (rendered under mocks, SSH Secret filled with a real key) with `apply --server-side`.",
        "",
    );
    md.push(
        "| instances | k8s objects | Pulumi resources | `pulumi preview` s | MB max / tree | `pulumi up --skip-preview` s | MB max / tree | `kubectl apply --server-side` s | MB | state KB (of it `__provider`) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const p of apply) {
        md.push(
            `| ${p.instances} | ${p.kubernetesObjects} | ${p.pulumiResources} | ${f1(p.preview.wallS)} | ${Math.round(p.preview.maxRssMB)} / ${Math.round(p.preview.treeRssMB)} | ${f1(p.up.wallS)} | ${Math.round(p.up.maxRssMB)} / ${Math.round(p.up.treeRssMB)} | ${f2(p.kubectl.wallS)} | ${Math.round(p.kubectl.maxRssMB)} | ${Math.round(p.stateBytes / 1024)} (${Math.round(p.stateProviderBytes / 1024)}) |`,
        );
    }
    md.push("", "Least-squares fit time = a + b·objects over the instance counts (objects = Kubernetes objects):", "");
    md.push("| command | fixed a (s) | per object b (ms) | R² |", "|---|---|---|---|");
    const fitRow = (name: string, f: Fit) => md.push(`| ${name} | ${f2(f.a)} | ${ms(f.b)} | ${f2(f.r2)} |`);
    fitRow("kubectl apply --server-side", fits.kubectl);
    fitRow("pulumi up --skip-preview", fits.pulumiUp);
    fitRow("pulumi up --skip-preview, PULUMI_SKIP_CHECKPOINTS=true (diagnostic)", fits.pulumiUpNoCheckpoints);
    fitRow("pulumi preview", fits.pulumiPreview);
    fitRow("pulumi preview + up", fits.pulumiPreviewPlusUp);
    md.push("", `b(pulumi up) / b(kubectl) = **${f2(ratio)}** (preview + up: ${f2(fits.pulumiPreviewPlusUp.b / fits.kubectl.b)}).`, "");
    return md;
}
