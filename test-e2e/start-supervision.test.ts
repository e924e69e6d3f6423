// `npm start` under a supervisor: when its Workers runtime is killed (-9), start.mjs exits non-zero, in a
// bounded time and leaving nothing running. Runs scripts/start.mjs in a temporary copy of the project, so
// the developer's .dev.vars and .wrangler/ are not touched, and checks .dev.vars is made once and kept, and
// that wrangler's DevTools proxy is left out unless DOCSLOT_DEVTOOLS=1 asks for it.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runtimePids } from "../scripts/supervise.mjs";
import { freePort, groupAlive, ROOT } from "./server";

const READY_MS = 150_000;
const EXIT_MS = 30_000;

let copy: string;
let port: number;
let running: ChildProcess | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
	copy = mkdtempSync(path.join(tmpdir(), "docslot-start-"));
	for (const entry of [
		"scripts",
		"src",
		"public",
		"migrations",
		"wrangler.toml",
		"package.json",
		"tsconfig.json",
	]) {
		cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
	}
	symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
	port = await freePort();
});

afterAll(() => {
	if (running?.pid) groupKill(running.pid);
	rmSync(copy, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

function groupKill(pgid: number) {
	try {
		process.kill(-pgid, "SIGKILL");
	} catch {}
}

/** Runs start.mjs in the copy (its own process group) and waits until the seeded API answers. */
async function start(
	env: Record<string, string> = {},
): Promise<{ child: ChildProcess; output: () => string }> {
	let output = "";
	const child = spawn(process.execPath, [path.join(copy, "scripts", "start.mjs")], {
		cwd: copy,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: {
			...process.env,
			PORT: String(port),
			WRANGLER_LOG_PATH: path.join(copy, "wrangler-logs"),
			WRANGLER_REGISTRY_PATH: path.join(copy, "registry"),
			AUTH_SECRET: undefined,
			ADMIN_TOKEN: undefined,
			DOCSLOT_DEVTOOLS: undefined,
			VSCODE_INSPECTOR_OPTIONS: undefined,
			...env,
		},
	});
	running = child;
	child.stdout?.on("data", (chunk) => (output += chunk));
	child.stderr?.on("data", (chunk) => (output += chunk));
	const deadline = Date.now() + READY_MS;
	while (Date.now() < deadline && child.exitCode === null) {
		try {
			const response = await fetch(`http://127.0.0.1:${port}/api/doctors`, {
				signal: AbortSignal.timeout(2_000),
			});
			const body = (await response.json()) as { doctors?: unknown[] };
			if (response.status === 200 && (body.doctors?.length ?? 0) > 0) return { child, output: () => output };
		} catch {
			// not listening yet
		}
		await sleep(250);
	}
	throw new Error(`npm start was not ready (exit ${child.exitCode}):\n${output.slice(-3000)}`);
}

/** SIGKILLs the workerd `pick` chooses and answers start.mjs's exit code and how long it took to exit. */
async function killRuntime(child: ChildProcess, pick: (cmdlines: Map<number, string>) => number) {
	// The supervisor polls once a second: it must have seen a runtime running before it can miss it.
	await sleep(2_500);
	const pids: number[] = runtimePids(child.pid) ?? [];
	expect(pids.length).toBeGreaterThan(0);
	const cmdlines = new Map(pids.map((pid) => [pid, readFileSync(`/proc/${pid}/cmdline`, "utf8")]));
	const killedAt = Date.now();
	process.kill(pick(cmdlines), "SIGKILL");
	const code = await new Promise<number | null>((resolve) => {
		if (child.exitCode !== null) resolve(child.exitCode);
		child.once("exit", (exitCode) => resolve(exitCode));
		setTimeout(() => resolve(null), EXIT_MS).unref();
	});
	return { code, seconds: (Date.now() - killedAt) / 1000 };
}

// What wrangler's DevTools proxy writes to wrangler's debug log for each query the Worker sends D1.
const RELAYED_QUERY = "Network.requestWillBeSent";

/** wrangler's debug log files in the copy (one per wrangler process). */
function debugLogFiles(): string[] {
	const dir = path.join(copy, "wrangler-logs");
	return readdirSync(dir).map((file) => path.join(dir, file));
}

/** A D1 read through the Worker (the doctors list). */
async function readD1(): Promise<void> {
	const response = await fetch(`http://127.0.0.1:${port}/api/doctors`);
	expect(response.status).toBe(200);
	await response.body?.cancel();
}

/**
 * Reads D1 through the Worker every 250 ms until one of the debug logs not in `seen` holds `text`
 * (bounded): a DevTools proxy attaches a moment after the server is ready.
 */
async function debugLogShows(text: string, seen: ReadonlySet<string>, waitMs: number): Promise<boolean> {
	const deadline = Date.now() + waitMs;
	while (Date.now() < deadline) {
		await readD1();
		await sleep(250);
		const logs = debugLogFiles().filter((file) => !seen.has(file));
		if (logs.some((file) => readFileSync(file, "utf8").includes(text))) return true;
	}
	return false;
}

/** Waits (bounded) until no process of start.mjs's group runs. */
async function groupGone(pgid: number): Promise<boolean> {
	const deadline = Date.now() + 15_000;
	while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
	return !groupAlive(pgid);
}

describe.skipIf(process.platform !== "linux")("npm start under a supervisor", () => {
	it("exits non-zero when the Worker's runtime is killed, and creates .dev.vars once", async () => {
		const { child, output } = await start();
		const devVars = readFileSync(path.join(copy, ".dev.vars"), "utf8");
		expect(devVars).toMatch(/^AUTH_SECRET=[0-9a-f]{64}$/m);
		expect(devVars).toMatch(/^ADMIN_TOKEN=[0-9a-f]{48}$/m);
		// Without the DevTools proxy nothing relays the Worker's D1 reads (a proxy shows them within a second).
		expect(output()).toContain("DevTools proxy off");
		expect(await debugLogShows(RELAYED_QUERY, new Set(), 3_000)).toBe(false);
		const firstLogs = new Set(debugLogFiles());
		// The Worker's own runtime, not the proxy on the public port: the proxy would keep accepting requests.
		const exit = await killRuntime(child, (cmdlines) => {
			const worker = [...cmdlines].find(([, cmdline]) => !cmdline.includes(`127.0.0.1:${port}\0`));
			return (worker ?? [...cmdlines][0])?.[0] as number;
		});
		expect(exit.code, output().slice(-2000)).toBe(1);
		expect(exit.seconds).toBeLessThan(EXIT_MS / 1000);
		expect(output()).toContain("The Workers runtime (workerd) died");
		expect(await groupGone(child.pid as number)).toBe(true);

		// Started again, it keeps .dev.vars and the data, and exits the same way when the proxy's runtime dies;
		// this time with the DevTools proxy asked for, which relays the Worker's D1 reads.
		const again = await start({ DOCSLOT_DEVTOOLS: "1" });
		expect(readFileSync(path.join(copy, ".dev.vars"), "utf8")).toBe(devVars);
		expect(again.output()).toContain(".dev.vars exists; keeping it.");
		expect(again.output()).not.toContain("DevTools proxy off");
		expect(await debugLogShows(RELAYED_QUERY, firstLogs, 15_000)).toBe(true);
		const proxy = await killRuntime(again.child, (cmdlines) => {
			const entry = [...cmdlines].find(([, cmdline]) => cmdline.includes(`127.0.0.1:${port}\0`));
			return (entry ?? [...cmdlines][0])?.[0] as number;
		});
		expect(proxy.code, again.output().slice(-2000)).toBe(1);
		expect(await groupGone(again.child.pid as number)).toBe(true);
	}, 600_000);
});
