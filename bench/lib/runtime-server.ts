// The "runtime" target: the Worker's bundle on workerd through Miniflare (bench/runtime.ts), in its own
// process group, with no wrangler dev in front. Shaped like the e2e harness's server so scenarios run
// against either.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freePort, groupAlive } from "../../test-e2e/server";
import { freshStateDir, OUT, ROOT, type Source } from "./server";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bundles the Worker as `wrangler deploy` would (without deploying) into bench/out/build. */
export function buildWorker(source: Source): string {
	const outdir = path.join(OUT, "build");
	rmSync(outdir, { recursive: true, force: true });
	const result = spawnSync(
		process.execPath,
		[
			path.join(source.root, "node_modules", "wrangler", "bin", "wrangler.js"),
			"deploy",
			"--dry-run",
			"--outdir",
			outdir,
		],
		{
			cwd: source.root,
			encoding: "utf8",
			timeout: 180_000,
			env: {
				...process.env,
				CI: "1",
				WRANGLER_SEND_METRICS: "false",
				WRANGLER_SEND_ERROR_REPORTS: "false",
				WRANGLER_LOG_PATH: path.join(OUT, "wrangler-build-logs"),
			},
		},
	);
	if (result.status !== 0)
		throw new Error(`wrangler deploy --dry-run failed:\n${result.stdout}\n${result.stderr}`);
	return path.join(outdir, "index.js");
}

export interface RuntimeServer {
	readonly baseUrl: string;
	readonly adminToken: string;
	readonly authSecret: string;
	readonly logFile: string;
	readonly pid: number | undefined;
	restart(): Promise<void>;
	dispose(): Promise<void>;
}

const groups = new Set<number>();
let hooked = false;

function killAll() {
	for (const pgid of groups) {
		try {
			process.kill(-pgid, "SIGKILL");
		} catch {}
	}
	groups.clear();
}

/** No runtime outlives the bench: killed on exit and on signals, like the e2e harness does for wrangler. */
function hookExit() {
	if (hooked) return;
	hooked = true;
	process.on("exit", killAll);
	for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
		const onSignal = () => {
			killAll();
			if (process.listenerCount(signal) === 1) {
				process.off(signal, onSignal);
				process.kill(process.pid, signal);
			}
		};
		process.on(signal, onSignal);
	}
}

/** For a SIGKILLed bench: a detached watchdog kills the runtime's group once this process is gone. */
function watchdog(pgid: number) {
	const code = `
		const [pgid, owner] = process.argv.slice(1).map(Number);
		const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
		setInterval(() => {
			if (!alive(-pgid)) process.exit(0);
			if (alive(owner)) return;
			try { process.kill(-pgid, "SIGKILL"); } catch {}
			process.exit(0);
		}, 500);
	`;
	spawn(process.execPath, ["-e", code, String(pgid), String(process.pid)], {
		detached: true,
		stdio: "ignore",
	}).unref();
}

export async function startRuntime(
	source: Source,
	script: string,
	options: {
		secrets?: { AUTH_SECRET: string; ADMIN_TOKEN: string };
		inspectorPort?: number;
		vars?: Record<string, string>;
	} = {},
): Promise<RuntimeServer> {
	hookExit();
	const dir = path.join(OUT, "runtime");
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	const logFile = path.join(dir, "runtime.log");
	const state = freshStateDir("runtime");
	writeFileSync(logFile, "");
	const port = await freePort();
	const authSecret = options.secrets?.AUTH_SECRET ?? randomBytes(32).toString("hex");
	const adminToken = options.secrets?.ADMIN_TOKEN ?? `bench-admin-${randomBytes(16).toString("hex")}`;
	let child: ChildProcess | undefined;

	async function launch() {
		const from = readFileSync(logFile, "utf8").length;
		const log = openSync(logFile, "a");
		const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench", "runtime.ts")], {
			cwd: ROOT,
			detached: true,
			stdio: ["ignore", log, log],
			env: {
				...process.env,
				BENCH_RT_ROOT: source.root,
				BENCH_RT_SCRIPT: script,
				BENCH_RT_PERSIST: state,
				BENCH_RT_PORT: String(port),
				...(options.inspectorPort ? { BENCH_RT_INSPECTOR: String(options.inspectorPort) } : {}),
				BENCH_RT_VARS: JSON.stringify(options.vars ?? {}),
				AUTH_SECRET: authSecret,
				ADMIN_TOKEN: adminToken,
				WRANGLER_SEND_METRICS: "false",
				CI: "1",
			},
		});
		closeSync(log);
		if (proc.pid === undefined) throw new Error("could not spawn the runtime");
		child = proc;
		groups.add(proc.pid);
		watchdog(proc.pid);
		const deadline = Date.now() + 120_000;
		while (Date.now() < deadline) {
			if (proc.exitCode !== null) throw new Error(`the runtime exited:\n${readFileSync(logFile, "utf8")}`);
			if (readFileSync(logFile, "utf8").slice(from).includes(`READY http://127.0.0.1:${port}`)) return;
			await sleep(100);
		}
		throw new Error(`the runtime was not ready in time:\n${readFileSync(logFile, "utf8")}`);
	}

	async function stop() {
		const proc = child;
		if (proc?.pid === undefined) return;
		const pgid = proc.pid;
		proc.kill("SIGTERM");
		const deadline = Date.now() + 10_000;
		while (groupAlive(pgid)) {
			if (Date.now() > deadline) {
				try {
					process.kill(-pgid, "SIGKILL");
				} catch {}
			}
			await sleep(25);
		}
		groups.delete(pgid);
		child = undefined;
	}

	await launch();
	return {
		baseUrl: `http://127.0.0.1:${port}`,
		adminToken,
		authSecret,
		logFile,
		get pid() {
			return child?.pid;
		},
		async restart() {
			await stop();
			await launch();
		},
		async dispose() {
			await stop();
			rmSync(state, { recursive: true, force: true });
		},
	};
}
