/**
 * Relative links and anchors of the project's markdown, checked the way GitHub renders them: a
 * link's file must exist, and its `#anchor` must be the slug of a heading in that file.
 */
import * as fs from "fs";
import * as path from "path";

/** README.md, docs/**, and the READMEs of the tree's folders, relative to `root`, sorted. */
export function markdownFiles(root: string): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
            const rel = dir ? `${dir}/${entry.name}` : entry.name;
            if (entry.isDirectory()) {
                if (!entry.name.startsWith(".") && entry.name !== "node_modules") walk(rel);
            } else if (entry.name.endsWith(".md") && (rel === "README.md" || rel.startsWith("docs/") || entry.name === "README.md")) {
                found.push(rel);
            }
        }
    };
    walk("");
    return found.sort();
}

/** Markdown without fenced code blocks and inline code, where brackets are not links. */
function withoutCode(text: string): string {
    return text.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats numbered. */
function headingAnchors(text: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const line of text.replace(/^```[\s\S]*?^```/gm, "").split("\n")) {
        const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!match) continue;
        const base = match[1]
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\p{M}\- _]/gu, "")
            .replace(/ /g, "-");
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    return anchors;
}

/** Every relative link of `files` whose target file or anchor does not exist, as "file: target". */
export function brokenLinks(root: string, files: readonly string[]): string[] {
    const broken: string[] = [];
    for (const file of files) {
        const text = fs.readFileSync(path.join(root, file), "utf8");
        for (const [, target] of withoutCode(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
            if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
            const [linkPath, anchor] = target.split("#", 2);
            const resolved = linkPath ? path.normalize(path.join(path.dirname(file), linkPath)) : file;
            const full = path.join(root, resolved);
            if (!fs.existsSync(full)) {
                broken.push(`${file}: ${target} (no ${resolved})`);
                continue;
            }
            if (anchor !== undefined && !headingAnchors(fs.readFileSync(full, "utf8")).has(anchor)) {
                broken.push(`${file}: ${target} (no heading with anchor #${anchor} in ${resolved})`);
            }
        }
    }
    return broken;
}
