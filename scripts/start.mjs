// `npm start`: local secrets, D1 migrations, demo data on an empty database, then `wrangler dev`, exiting
// non-zero if wrangler or its runtime dies. Plain Node (no dependencies); everything runs locally under
// .wrangler/ and needs no network or account.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDevVars, parseDevVars } from "./dev-vars.mjs";
import { withoutDevtoolsProxy } from "./devtools-proxy.mjs";
import { buildSeedSql, DEMO_LOGINS } from "./seed.mjs";
import { descendantPids, watchRuntime } from "./supervise.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DEV_VARS = path.join(ROOT, ".dev.vars");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

const PORT = parsePort(process.env.PORT ?? "8787");
const HOST = "127.0.0.1";

// Children: no telemetry; CI=1 keeps one-off commands non-interactive (e.g. the migrations prompt).
const baseEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const batchEnv = { ...baseEnv, CI: "1" };

function parsePort(text) {
	const port = Number(text);
	if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 1 || port > 65535) {
		fail(`PORT must be a number from 1 to 65535, got ${JSON.stringify(text)}`);
	}
	return port;
}

function fail(message) {
	console.error(`\n[start] ${message}`);
	process.exit(1);
}

function step(message) {
	console.log(`[start] ${message}`);
}

// --- wrangler ---------------------------------------------------------------------------------

function wranglerSync(args, { capture = false } = {}) {
	if (!existsSync(WRANGLER)) fail("wrangler is not installed: run `npm install` first.");
	const result = spawnSync(process.execPath, [WRANGLER, ...args], {
		cwd: ROOT,
		env: batchEnv,
		stdio: capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
		encoding: "utf8",
		maxBuffer: 16 * 1024 * 1024,
	});
	if (result.error) fail(`could not run wrangler: ${result.error.message}`);
	return result;
}

function applyMigrations() {
	step("Applying D1 migrations to the local database…");
	const result = wranglerSync(["d1", "migrations", "apply", "DB", "--local"]);
	if (result.status !== 0) fail(`wrangler d1 migrations apply failed (exit ${result.status}).`);
}

function countUsers() {
	const result = wranglerSync(
		["d1", "execute", "DB", "--local", "--json", "--command", "SELECT count(*) AS n FROM users"],
		{ capture: true },
	);
	let parsed;
	try {
		// With --json, stdout is one JSON document: [{results: [{n: 0}], success: true, meta}].
		const out = result.stdout;
		parsed = JSON.parse(out.slice(out.indexOf("[")));
	} catch {
		parsed = undefined;
	}
	const n = parsed?.[0]?.results?.[0]?.n;
	if (result.status !== 0 || typeof n !== "number") {
		process.stderr.write(result.stdout ?? "");
		process.stderr.write(result.stderr ?? "");
		fail("could not count users in the local database.");
	}
	return n;
}

function seedIfEmpty() {
	const users = countUsers();
	if (users > 0) {
		step(`The local database already has ${users} user(s); not seeding demo data.`);
		return;
	}
	step("Empty database: seeding demo doctors and accounts…");
	const dir = mkdtempSync(path.join(tmpdir(), "docslot-seed-"));
	const file = path.join(dir, "seed.sql");
	try {
		writeFileSync(file, buildSeedSql(), { mode: 0o600 });
		const result = wranglerSync(["d1", "execute", "DB", "--local", "--file", file], { capture: true });
		if (result.status !== 0) {
			process.stderr.write(result.stdout ?? "");
			process.stderr.write(result.stderr ?? "");
			fail(`seeding failed (exit ${result.status}).`);
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

// --- banner -----------------------------------------------------------------------------------

function printBanner(vars) {
	const url = `http://${HOST}:${PORT}`;
	const width = Math.max(...DEMO_LOGINS.map((l) => l.email.length));
	const lines = [
		"",
		"──────────────────────────────────────────────────────────────",
		` docslot (local): ${url}`,
		`   booking page  ${url}/`,
		`   API           ${url}/api/doctors`,
		"",
		" Admin token (Authorization: Bearer …, from .dev.vars):",
		`   ${vars.ADMIN_TOKEN ?? "(ADMIN_TOKEN missing from .dev.vars)"}`,
		"",
		" Demo logins (POST /api/auth/login):",
		...DEMO_LOGINS.map((l) => `   ${l.role.padEnd(8)} ${l.email.padEnd(width)}  ${l.password}   (${l.name})`),
		"",
		" Sent email (notifications, password reset) is not delivered locally: wrangler stores each",
		` message's text, HTML and attachments under ${path.join(tmpdir(), "miniflare-*", "email")}`,
		" and logs the files' paths below as it sends.",
		"──────────────────────────────────────────────────────────────",
		"",
	];
	if (!vars.AUTH_SECRET) lines.splice(-2, 0, " Warning: AUTH_SECRET is missing from .dev.vars.");
	console.log(lines.join("\n"));
}

// --- wrangler dev -----------------------------------------------------------------------------

function runDev(vars) {
	const args = [
		WRANGLER,
		"dev",
		"--ip",
		HOST,
		"--port",
		String(PORT),
		"--show-interactive-dev-session=false",
		// wrangler reads only the required secrets from .dev.vars, so plain variables are passed on here.
		...(vars.RATE_LIMITS ? ["--var", `RATE_LIMITS:${vars.RATE_LIMITS}`] : []),
	];
	const env = withoutDevtoolsProxy(baseEnv);
	if (env !== baseEnv)
		step("DevTools proxy off (about 40% of a booking's CPU locally); DOCSLOT_DEVTOOLS=1 npm start keeps it.");
	const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: "inherit" });
	// Set when we asked wrangler to stop; any other end of it is a failure a supervisor should see.
	let stopRequested = false;
	let runtimeDied = false;
	const forward = (signal) => {
		stopRequested = true;
		if (child.exitCode === null && child.signalCode === null) child.kill(signal);
	};
	process.on("SIGINT", () => forward("SIGINT"));
	process.on("SIGTERM", () => forward("SIGTERM"));
	process.on("SIGHUP", () => forward("SIGHUP"));
	// `npm start` runs us through `sh -c`; when npm is stopped (e.g. by `timeout`) the shell may die without
	// passing the signal on. Once orphaned, stop the server instead of leaving it running in the background.
	const parent = process.ppid;
	const orphanWatch = setInterval(() => {
		if (process.ppid !== parent) forward("SIGTERM");
	}, 500);
	orphanWatch.unref();
	const watching = watchRuntime(child.pid, () => {
		runtimeDied = true;
		console.error("\n[start] The Workers runtime (workerd) died: stopping wrangler dev and exiting 1.");
		const stragglers = descendantPids(child.pid) ?? [];
		child.kill("SIGTERM");
		// wrangler normally stops its children on SIGTERM; if it hangs, nothing of it may outlive us.
		setTimeout(() => {
			for (const pid of [child.pid, ...stragglers]) {
				try {
					process.kill(pid, "SIGKILL");
				} catch {}
			}
		}, 10_000).unref();
	});
	if (!watching) step("Cannot list processes (no /proc or ps): a dead workerd will not stop npm start.");
	child.on("error", (error) => fail(`could not start wrangler dev: ${error.message}`));
	child.on("exit", (code, signal) => {
		if (runtimeDied) process.exit(1);
		if (code !== null) {
			if (code === 0 && !stopRequested) fail("wrangler dev exited by itself.");
			process.exit(code);
		}
		// Killed by a signal: exit the conventional way, 128 + the signal's number.
		process.exit(128 + (constants.signals[signal] ?? 1));
	});
}

ensureDevVars(DEV_VARS, step);
const vars = parseDevVars(readFileSync(DEV_VARS, "utf8"));
applyMigrations();
seedIfEmpty();
printBanner(vars);
runDev(vars);
