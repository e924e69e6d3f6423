// Watches the Workers runtime (workerd) under `wrangler dev`: when workerd dies, wrangler keeps running and
// requests hang, so `npm start` must notice by itself and exit for a supervisor to restart it.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const POLL_MS = 1000;
// A reload replaces workerd (the old one is killed, a new one spawned at once); a gap this long is a death.
const GRACE_MS = 5000;

/** @returns {Map<number, {ppid: number, name: string}> | null} every process, or null when unreadable. */
function processTable() {
	if (process.platform === "linux") {
		const table = new Map();
		for (const entry of readdirSync("/proc")) {
			if (!/^\d+$/.test(entry)) continue;
			try {
				// "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
				const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
				const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
				const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
				if (state !== "Z" && state !== "X") table.set(Number(entry), { ppid: Number(ppid), name });
			} catch {
				// exited meanwhile
			}
		}
		return table;
	}
	const ps = spawnSync("ps", ["-A", "-o", "pid=", "-o", "ppid=", "-o", "comm="], { encoding: "utf8" });
	if (ps.status !== 0) return null;
	const table = new Map();
	for (const line of ps.stdout.split("\n")) {
		const match = /^\s*(\d+)\s+(\d+)\s+(.+)$/.exec(line);
		if (match) table.set(Number(match[1]), { ppid: Number(match[2]), name: path.basename(match[3].trim()) });
	}
	return table;
}

function descendants(table, root) {
	const found = [];
	let frontier = [root];
	while (frontier.length > 0) {
		const parents = new Set(frontier);
		frontier = [...table].filter(([, p]) => parents.has(p.ppid)).map(([pid]) => pid);
		found.push(...frontier);
	}
	return found;
}

/** @returns {number[] | null} the live processes under `root` (not itself), or null when unreadable. */
export function descendantPids(root) {
	const table = processTable();
	return table === null ? null : descendants(table, root);
}

/** @returns {number[] | null} the live workerd processes under `root`, or null when unreadable. */
export function runtimePids(root) {
	const table = processTable();
	if (table === null) return null;
	return descendants(table, root).filter((pid) => table.get(pid)?.name === "workerd");
}

/**
 * Calls `onDeath` once when fewer workerd processes run under `root` than ever ran at once, for GRACE_MS.
 * wrangler runs one for its proxy and one for the Worker; either dying leaves the service unusable.
 * @returns {boolean} whether it can watch (it cannot without /proc or ps).
 */
export function watchRuntime(root, onDeath) {
	if (runtimePids(root) === null) return false;
	let peak = 0;
	let shortSince = null;
	const timer = setInterval(() => {
		const count = runtimePids(root)?.length ?? 0;
		if (count >= peak) {
			peak = count;
			shortSince = null;
			return;
		}
		shortSince ??= Date.now();
		if (Date.now() - shortSince < GRACE_MS) return;
		clearInterval(timer);
		onDeath();
	}, POLL_MS);
	timer.unref();
	return true;
}
