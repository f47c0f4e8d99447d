/** The process tree as /proc shows it (Linux). */
import * as fs from "fs";

/** Every process below `root` (children, their children, ...). */
export function descendants(root: number): number[] {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        let stat: string;
        try {
            stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
        } catch {
            continue; // exited meanwhile
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    }
    const found: number[] = [];
    const queue = [root];
    while (queue.length > 0) {
        for (const c of children.get(queue.shift()!) ?? []) {
            found.push(c);
            queue.push(c);
        }
    }
    return found;
}
