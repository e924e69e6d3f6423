// Starts the real service (`wrangler dev` → workerd) for end-to-end tests, on 127.0.0.1 and a free port,
// with its own state directory and test secrets. Plain Node; nothing here touches the developer's
// `.dev.vars` or `.wrangler/state`.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { withoutDevtoolsProxy } from "../scripts/devtools-proxy.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const HOST = "127.0.0.1";

export interface StartOptions {
	/** Port to listen on; a free one is picked when omitted. */
	port?: number;
	/** D1 / Durable Object state directory; a fresh temporary one (removed by `dispose`) when omitted. */
	persistDir?: string;
	/** Secrets for the Worker; random ones when omitted. Kept across `restart()`, so tokens stay valid. */
	secrets?: { AUTH_SECRET?: string; ADMIN_TOKEN?: string };
	/** Extra plain-text vars (`--var KEY:VALUE`). `RATE_LIMITS: "off"` is always set unless overridden. */
	vars?: Record<string, string>;
	/** How long to wait for `GET /api/doctors` to answer 200. Default 60 s. */
	readyTimeoutMs?: number;
}

export interface TestServer {
	/** `http://127.0.0.1:<port>`, no trailing slash. */
	readonly baseUrl: string;
	readonly port: number;
	readonly adminToken: string;
	readonly authSecret: string;
	readonly persistDir: string;
	/** wrangler's combined stdout/stderr for the current and earlier runs of this server. */
	readonly logFile: string;
	/** Process-group id of the running `wrangler dev` (its pid), or undefined when stopped. */
	readonly pid: number | undefined;
	/** Sends `signal` (default SIGTERM) to wrangler, waits for the whole group to exit, SIGKILLs it after 10 s. */
	stop(signal?: NodeJS.Signals): Promise<void>;
	/** SIGKILL to the whole process group (wrangler, esbuild and workerd): a crash, no clean shutdown. */
	kill9(): Promise<void>;
	/**
	 * Stops the server if it is running, then starts it again on the same port, state and secrets; `vars`
	 * replace those of the same name for this and later runs (e.g. a fault switched on or off).
	 */
	restart(vars?: Record<string, string>): Promise<void>;
	/** Stops the server and removes the temporary directories this harness created. */
	dispose(): Promise<void>;
	/** The last `lines` lines of the log, for error messages. */
	logTail(lines?: number): string;
}

// ---- process bookkeeping: no process group outlives the test run ------------------------------------

/** Running process groups, and the temporary directories this process created (removed on exit). */
const liveGroups = new Set<number>();
const ownedDirs = new Set<string>();
const keepState = () => Boolean(process.env.E2E_KEEP_STATE);
let hooksInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
	try {
		process.kill(-pgid, signal);
		return true;
	} catch {
		return false; // ESRCH: the group is gone
	}
}

/**
 * Whether any process of the group is still running. On Linux, zombies do not count: workerd children
 * orphaned by a group SIGKILL wait as zombies until PID 1 reaps them, which a container's PID 1 may never
 * do. Elsewhere, kill(-pgid, 0).
 */
export function groupAlive(pgid: number): boolean {
	if (!killGroup(pgid, 0)) return false;
	if (process.platform !== "linux") return true;
	let pids: string[];
	try {
		pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
	} catch {
		return true;
	}
	for (const pid of pids) {
		let stat: string;
		try {
			stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		} catch {
			continue; // exited meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses, so split after the last ")".
		const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
	}
	return false;
}

function removeDir(dir: string) {
	try {
		rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
	} catch {
		// best effort: a crashed run may leave a temporary directory behind
	}
	ownedDirs.delete(dir);
}

function killEverything() {
	for (const pgid of liveGroups) killGroup(pgid, "SIGKILL");
	liveGroups.clear();
	if (!keepState()) for (const dir of ownedDirs) removeDir(dir);
}

function installExitHooks() {
	if (hooksInstalled) return;
	hooksInstalled = true;
	// `exit` handlers must be synchronous; process.kill and rmSync are.
	process.on("exit", killEverything);
	for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
		const onSignal = () => {
			killEverything();
			// If nobody else (e.g. vitest) handles the signal, keep its default meaning: terminate.
			if (process.listenerCount(signal) === 1) {
				process.off(signal, onSignal);
				process.kill(process.pid, signal);
			}
		};
		process.on(signal, onSignal);
	}
}

/**
 * For when this process is SIGKILLed and no `exit` hook runs: a detached watchdog polls this process and
 * its parent (in a vitest fork, the vitest main process) and, once either is gone, SIGKILLs the server's
 * process group and removes `dir` ("" for none). It ends by itself when the group is gone.
 */
function spawnWatchdog(pgid: number, dir: string) {
	const code = `
		const [pgid, dir, ...owners] = process.argv.slice(1);
		const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
		const timer = setInterval(() => {
			if (!alive(-pgid)) process.exit(0);
			if (owners.every((pid) => alive(Number(pid)))) return;
			clearInterval(timer);
			try { process.kill(-pgid, "SIGKILL"); } catch {}
			const deadline = Date.now() + 10000;
			const wait = setInterval(() => {
				if (alive(-pgid) && Date.now() < deadline) return;
				clearInterval(wait);
				if (dir) require("node:fs").rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
				process.exit(0);
			}, 100);
		}, 500);
	`;
	const owners = [process.pid, ...(process.ppid > 1 ? [process.ppid] : [])].map(String);
	const watchdog = spawn(process.execPath, ["-e", code, String(pgid), dir, ...owners], {
		detached: true,
		stdio: "ignore",
	});
	watchdog.unref();
}

// ---- helpers -----------------------------------------------------------------------------------------

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, HOST, () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(file: string, lines: number): string {
	try {
		return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
	} catch {
		return "(no log)";
	}
}

// ---- the server --------------------------------------------------------------------------------------

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
	installExitHooks();
	const workDir = mkdtempSync(path.join(tmpdir(), "docslot-e2e-"));
	ownedDirs.add(workDir);
	const persistDir = options.persistDir ?? path.join(workDir, "state");
	const logFile = path.join(workDir, "wrangler.log");
	const envFile = path.join(workDir, "test.env");
	let port = options.port ?? (await freePort());
	let baseUrl = `http://${HOST}:${port}`;
	const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
	const authSecret = options.secrets?.AUTH_SECRET ?? randomBytes(32).toString("hex");
	const adminToken = options.secrets?.ADMIN_TOKEN ?? `e2e-admin-${randomBytes(16).toString("hex")}`;
	let vars: Record<string, string> = { RATE_LIMITS: "off", ...options.vars };

	// Secrets: with `--env-file`, wrangler dev reads that file instead of the project's `.dev.vars`. Because
	// wrangler.toml declares `[secrets] required`, only those keys are taken from it (and process.env would
	// win over the file), so the child env is scrubbed of them and other settings go in as `--var`.
	writeFileSync(envFile, `AUTH_SECRET=${authSecret}\nADMIN_TOKEN=${adminToken}\n`, { mode: 0o600 });
	// As `npm start` runs it: without wrangler's DevTools proxy (scripts/devtools-proxy.mjs).
	const env: NodeJS.ProcessEnv = withoutDevtoolsProxy({
		...process.env,
		WRANGLER_SEND_METRICS: "false",
		WRANGLER_SEND_ERROR_REPORTS: "false",
		// Keep wrangler's debug logs and dev-registry entries out of ~/.config and away from other sessions.
		WRANGLER_LOG_PATH: path.join(workDir, "wrangler-logs"),
		WRANGLER_REGISTRY_PATH: path.join(workDir, "registry"),
		// No reload on wrangler.toml edits mid-run (wrangler dev always watches and rebuilds the sources).
		WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
		CI: "1",
	});
	delete env.AUTH_SECRET;
	delete env.ADMIN_TOKEN;
	delete env.CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV;

	// Migrations into this state directory, non-interactively (CI=1).
	const migrate = spawnSync(
		process.execPath,
		[WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
		{ cwd: ROOT, env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
	);
	writeFileSync(logFile, `--- d1 migrations apply ---\n${migrate.stdout ?? ""}${migrate.stderr ?? ""}\n`);
	if (migrate.status !== 0) {
		const log = tail(logFile, 40);
		removeDir(workDir);
		throw new Error(`wrangler d1 migrations apply failed (exit ${migrate.status}):\n${log}`);
	}

	let child: ChildProcess | undefined;

	async function launch(): Promise<void> {
		const args = [
			WRANGLER,
			"dev",
			"--ip",
			HOST,
			"--port",
			String(port),
			"--persist-to",
			persistDir,
			"--env-file",
			envFile,
			"--show-interactive-dev-session=false",
			"--log-level",
			"info",
			...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
		];
		const log = openSync(logFile, "a");
		writeFileSync(log, `\n--- wrangler dev (${new Date().toISOString()}) ---\n`);
		// detached: wrangler leads a new process group that its workerd and esbuild children join, so one
		// kill(-pgid) reaches all of them.
		const proc = spawn(process.execPath, args, {
			cwd: ROOT,
			env,
			detached: true,
			stdio: ["ignore", log, log],
		});
		closeSync(log);
		const pgid = proc.pid;
		if (pgid === undefined) throw new Error("could not spawn wrangler dev");
		child = proc;
		liveGroups.add(pgid);
		spawnWatchdog(pgid, keepState() ? "" : workDir);
		const running = () => proc.exitCode === null && proc.signalCode === null;

		const deadline = Date.now() + readyTimeoutMs;
		while (Date.now() < deadline) {
			if (!running()) {
				await kill("SIGKILL");
				throw new Error(
					`wrangler dev exited before it was ready (exit ${proc.exitCode}):\n${tail(logFile, 60)}`,
				);
			}
			try {
				const response = await fetch(`${baseUrl}/api/doctors`, { signal: AbortSignal.timeout(2_000) });
				await response.body?.cancel();
				if (response.status === 200) return;
			} catch {
				// not listening yet
			}
			await sleep(200);
		}
		await kill("SIGKILL");
		throw new Error(`wrangler dev was not ready within ${readyTimeoutMs} ms:\n${tail(logFile, 60)}`);
	}

	/**
	 * SIGKILL goes to the whole group at once (a crash). Any other signal goes to wrangler alone, which passes
	 * it on and shuts workerd down itself (and reaps it). Then waits until wrangler has exited and nothing of
	 * the group runs, escalating to SIGKILL for the group after the grace period.
	 */
	async function kill(signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
		const proc = child;
		if (!proc?.pid) return;
		const pgid = proc.pid;
		if (signal === "SIGKILL") killGroup(pgid, signal);
		else proc.kill(signal);
		// Wait for wrangler to exit (and be reaped) and for every process of its group to be gone; escalate
		// to SIGKILL after the grace period. A polling loop, so no timer is left pending to hold Node open.
		const deadline = Date.now() + graceMs;
		const running = () => proc.exitCode === null && proc.signalCode === null;
		let escalated = signal === "SIGKILL";
		while (running() || groupAlive(pgid)) {
			if (!escalated && Date.now() >= deadline) {
				killGroup(pgid, "SIGKILL");
				escalated = true;
			}
			await sleep(25);
		}
		liveGroups.delete(pgid);
		child = undefined;
	}

	// A port picked by freePort() can be taken before wrangler binds it; then wrangler exits at once and a
	// new port is tried. An explicit port is never changed.
	for (let attempt = 1; ; attempt++) {
		const logStart = readFileSync(logFile, "utf8").length;
		try {
			await launch();
			break;
		} catch (error) {
			const output = readFileSync(logFile, "utf8").slice(logStart);
			if (options.port !== undefined || attempt >= 3 || !/Address already in use/i.test(output)) {
				removeDir(workDir);
				throw error;
			}
			port = await freePort();
			baseUrl = `http://${HOST}:${port}`;
		}
	}

	return {
		baseUrl,
		port,
		adminToken,
		authSecret,
		persistDir,
		logFile,
		get pid() {
			return child?.pid;
		},
		stop: (signal = "SIGTERM") => kill(signal),
		kill9: () => kill("SIGKILL"),
		async restart(changed = {}) {
			await kill("SIGTERM");
			vars = { ...vars, ...changed };
			await launch();
		},
		async dispose() {
			await kill("SIGTERM");
			if (keepState()) {
				console.log(`[e2e] kept ${workDir}`);
				return;
			}
			// An owned persistDir lives inside workDir; one passed in is the caller's to keep or remove.
			removeDir(workDir);
		},
		logTail: (lines = 60) => tail(logFile, lines),
	};
}
