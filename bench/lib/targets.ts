// The two ways the bench runs the service:
// - "dev": `wrangler dev` through the e2e harness, measured on its public port, i.e. through wrangler's
//   dev proxy (a ProxyWorker in a second workerd that queues and forwards every request) into a runtime,
//   run as `npm start` runs it (without wrangler's DevTools proxy); also reachable on its own inner port.
// - "runtime": the same bundle on the same workerd through Miniflare's API (bench/runtime.ts), with no
//   wrangler in front and no inspector session: the closest local stand-in for the deployed runtime.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { freePort } from "../../test-e2e/server";
import { buildWorker, startRuntime } from "./runtime-server";
import { findRuntime, freshStateDir, type Source, startService } from "./server";

export type TargetName = "dev" | "runtime";

export interface Target {
	name: TargetName;
	description: string;
	baseUrl: string;
	adminToken: string;
	authSecret: string;
	/** dev only: the inner runtime's own port, skipping wrangler's proxy (it changes on restart). */
	innerUrl(): Promise<string | null>;
	/** runtime only: the inspector to profile through. */
	inspectorUrl: string | null;
	/** The bundle the runtime runs (runtime only), for mapping a CPU profile to modules. */
	bundle: string | null;
	/** Worker reloads by wrangler since start (each resets every object); 0 for the runtime. */
	reloads(): number;
	/** Bytes wrangler wrote to its debug log so far (dev only). */
	devLogBytes(): number;
	/**
	 * The file the service's structured log lines go to; runtime only (null on dev: the harness starts
	 * wrangler dev at `--log-level info`, which leaves the Worker's own lines out of its output).
	 */
	logFile: string | null;
	/** The service's root process (wrangler, or the runtime's Node process); its descendants are the service. */
	pid(): number | undefined;
	restart(): Promise<void>;
	dispose(): Promise<void>;
}

export const DESCRIPTIONS: Record<TargetName, string> = {
	dev: "wrangler dev, public port: client → wrangler's ProxyWorker (its own workerd) → the Worker's workerd, as npm start runs it (no DevTools proxy attached)",
	runtime:
		"the same bundle on the same workerd through Miniflare's API (bench/runtime.ts): client → the Worker's workerd, no wrangler, no inspector session",
};

function debugLogs(logFile: string): string[] {
	const dir = path.join(path.dirname(logFile), "wrangler-logs");
	try {
		return readdirSync(dir).map((f) => path.join(dir, f));
	} catch {
		return [];
	}
}

/**
 * Email is handed to the `send_email` binding, which Miniflare emulates locally: it parses every message
 * and writes it to disk, in the runtime's Node process and in workerd, and that cost several times a
 * booking's own work (the `email` scenario measures it). Deployed, Cloudflare's email service does that
 * work. So loads run with sending off: each email is still queued in its account's outbox with the
 * notification (that write is counted), only not handed to the emulator.
 */
export const EMAIL_OFF = { EMAIL_SENDING: "off" } as const;

/**
 * `vars` are extra plain-text vars for the Worker (e.g. HOP_TRACE), on top of RATE_LIMITS off and
 * EMAIL_OFF (which they may override).
 */
export async function startTarget(
	name: TargetName,
	source: Source,
	options: { vars?: Record<string, string> } = {},
): Promise<Target> {
	const vars = { ...EMAIL_OFF, ...options.vars };
	if (name === "dev") {
		const state = freshStateDir("dev");
		const server = await startService(source, { vars, persistDir: state });
		let inner: string | null = null;
		return {
			name,
			description: DESCRIPTIONS.dev,
			baseUrl: server.baseUrl,
			adminToken: server.adminToken,
			authSecret: server.authSecret,
			async innerUrl() {
				inner ??= (await findRuntime(server)).directUrl;
				return inner;
			},
			inspectorUrl: null,
			bundle: null,
			logFile: null,
			reloads() {
				// Each wrangler process logs "Starting local server" once, then this line for every reload.
				let reloads = 0;
				for (const file of debugLogs(server.logFile)) {
					try {
						reloads += (readFileSync(file, "utf8").match(/Reloading local server/g) ?? []).length;
					} catch {}
				}
				return reloads;
			},
			devLogBytes() {
				let bytes = 0;
				for (const file of debugLogs(server.logFile)) {
					try {
						bytes += statSync(file).size;
					} catch {}
				}
				return bytes;
			},
			pid: () => server.pid,
			async restart() {
				await server.restart();
				inner = null;
			},
			async dispose() {
				await server.dispose();
				rmSync(state, { recursive: true, force: true });
			},
		};
	}
	const bundle = buildWorker(source);
	const inspectorPort = await freePort();
	const server = await startRuntime(source, bundle, { inspectorPort, vars });
	return {
		name,
		description: DESCRIPTIONS.runtime,
		baseUrl: server.baseUrl,
		adminToken: server.adminToken,
		authSecret: server.authSecret,
		innerUrl: async () => null,
		inspectorUrl: `http://127.0.0.1:${inspectorPort}`,
		bundle,
		logFile: server.logFile,
		reloads: () => 0,
		devLogBytes: () => 0,
		pid: () => server.pid,
		restart: () => server.restart(),
		dispose: () => server.dispose(),
	};
}
