// Starts the service for a benchmark through the e2e harness (test-e2e/server.ts: `wrangler dev` → workerd,
// its own state, RATE_LIMITS off) and finds the inner runtime's own port, so a scenario can be measured
// through wrangler's dev proxy and straight against the runtime.
//
// By default the harness runs on a frozen copy of the tree (bench/out/tree): `wrangler dev` watches src/
// and reloads the Worker when anyone edits it, which would reset every object mid-run. The copy holds
// src/, public/, migrations/, the config files and the harness itself, with node_modules linked.
import { execFileSync } from "node:child_process";
import {
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	readlinkSync,
	rmSync,
	symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as Harness from "../../test-e2e/server";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const OUT = path.join(ROOT, "bench", "out");

const TREE_ENTRIES = [
	"src",
	"public",
	"migrations",
	"test-e2e",
	"scripts",
	"wrangler.toml",
	"package.json",
	"tsconfig.json",
	"worker-configuration.d.ts",
];

export interface Source {
	/** Where wrangler runs from: the frozen copy, or the live tree. */
	root: string;
	frozen: boolean;
	commit: string;
	/** Files under src/ and public/ that differ from the commit when the run started. */
	dirty: string[];
}

function git(cwd: string, args: string[]): string {
	try {
		return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
	} catch {
		return "";
	}
}

/**
 * Copies the parts of the tree `from` (this repository by default) that the service needs into
 * bench/out/tree when `frozen`, and describes it.
 */
export function prepareSource(frozen: boolean, from = ROOT): Source {
	const commit = git(from, ["rev-parse", "--short", "HEAD"]) || "unknown";
	const dirty = git(from, ["status", "--porcelain", "--", "src", "public", "wrangler.toml", "migrations"])
		.split("\n")
		.filter(Boolean);
	if (!frozen) return { root: from, frozen, commit, dirty };
	const tree = path.join(OUT, "tree");
	rmSync(tree, { recursive: true, force: true });
	mkdirSync(tree, { recursive: true });
	for (const entry of TREE_ENTRIES) {
		const file = path.join(from, entry);
		if (existsSync(file)) cpSync(file, path.join(tree, entry), { recursive: true });
	}
	symlinkSync(path.join(ROOT, "node_modules"), path.join(tree, "node_modules"), "dir");
	return { root: tree, frozen, commit, dirty };
}

/**
 * Where the targets keep D1 and every object's SQLite: in memory (/dev/shm) where the machine has it, or
 * BENCH_STATE_DIR. Locally each commit of each object flushes its own file; on this shared VM's disk those
 * flushes cost more CPU than the service's own work and swing with the neighbours' I/O (the same revision
 * measured 9.7 and then 22.6 ms of service CPU per booking on one day), while deployed, the platform
 * stores objects. A fresh directory per target start; the caller removes it.
 */
export const STATE_ROOT = process.env.BENCH_STATE_DIR || (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());

export function freshStateDir(target: string): string {
	return mkdtempSync(path.join(STATE_ROOT, `docslot-bench-${target}-`));
}

export type Server = Harness.TestServer;

/** The harness's startServer, loaded from the frozen copy so its ROOT (and wrangler's cwd) is the copy. */
export async function startService(source: Source, options: Harness.StartOptions = {}): Promise<Server> {
	const url = pathToFileURL(path.join(source.root, "test-e2e", "server.ts")).href;
	const harness = (await import(url)) as typeof Harness;
	return harness.startServer({ readyTimeoutMs: 120_000, ...options });
}

// ---- the inner runtime ---------------------------------------------------------------------------------

function groupPids(pgid: number): number[] {
	const pids: number[] = [];
	for (const name of readdirSync("/proc")) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = readFileSync(`/proc/${name}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			if (Number(fields[2]) === pgid && fields[0] !== "Z") pids.push(Number(name));
		} catch {
			// exited meanwhile
		}
	}
	return pids;
}

function cmdline(pid: number): string[] {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
	} catch {
		return [];
	}
}

/** Ports a process listens on (IPv4 and IPv6), from its socket fds and /proc/net/tcp{,6}. */
function listeningPorts(pid: number): number[] {
	const inodes = new Set<string>();
	try {
		for (const fd of readdirSync(`/proc/${pid}/fd`)) {
			try {
				const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
				if (match) inodes.add(match[1] as string);
			} catch {
				// closed meanwhile
			}
		}
	} catch {
		return [];
	}
	const ports: number[] = [];
	for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
		let text = "";
		try {
			text = readFileSync(table, "utf8");
		} catch {
			continue;
		}
		for (const line of text.split("\n").slice(1)) {
			const cols = line.trim().split(/\s+/);
			// local_address is cols[1] ("0100007F:1F90"), st is cols[3] ("0A" = LISTEN), inode is cols[9].
			if (cols[3] !== "0A" || !inodes.has(cols[9] ?? "")) continue;
			ports.push(Number.parseInt((cols[1] ?? "").split(":")[1] ?? "0", 16));
		}
	}
	return ports;
}

export interface Runtime {
	/** `http://127.0.0.1:<port>` of the workerd that runs the Worker, skipping wrangler's proxy. */
	directUrl: string;
	/** The Chrome DevTools inspector of that workerd (`http://127.0.0.1:<port>`), when it has one. */
	inspectorUrl: string | null;
}

/**
 * wrangler dev runs two workerd processes: the proxy (listening on the public port, one ProxyWorker
 * Durable Object that queues and forwards every request) and the user runtime (Miniflare's entry worker,
 * the Worker, its objects and D1) on a random port. This finds the second one: the workerd of the
 * server's process group started with --inspector-addr, and the port of it that answers the API.
 */
export async function findRuntime(server: Server): Promise<Runtime> {
	const pgid = server.pid;
	if (pgid === undefined) throw new Error("the server is not running");
	for (let attempt = 0; attempt < 50; attempt++) {
		for (const pid of groupPids(pgid)) {
			const args = cmdline(pid);
			if (!args[0]?.endsWith("workerd")) continue;
			const inspectorArg = args.find((a) => a.startsWith("--inspector-addr="));
			if (inspectorArg === undefined) continue;
			const inspectorPort = Number(inspectorArg.split(":").at(-1));
			for (const port of listeningPorts(pid)) {
				if (port === server.port || port === inspectorPort) continue;
				const url = `http://127.0.0.1:${port}`;
				try {
					const response = await fetch(`${url}/api/doctors`, { signal: AbortSignal.timeout(2_000) });
					const text = await response.text();
					if (response.status === 200 && text.startsWith('{"doctors"')) {
						return {
							directUrl: url,
							inspectorUrl: inspectorPort > 0 ? `http://127.0.0.1:${inspectorPort}` : null,
						};
					}
				} catch {
					// not an HTTP port of ours
				}
			}
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error("could not find the inner workerd's port");
}

/** How many times wrangler rebuilt or reloaded the Worker so far (each reload resets every object). */
export function reloadCount(server: Server): number {
	try {
		const log = readFileSync(server.logFile, "utf8");
		return (log.match(/Reloading local server|Local server updated/g) ?? []).length;
	} catch {
		return 0;
	}
}
