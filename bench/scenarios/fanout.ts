// Live fan-out: N WebSocket watchers on one doctor-day's /live endpoint, then a booking; for every watcher,
// the time from sending the booking request until that watcher holds the update.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { api, inDays, mapLimit, wsUrl } from "../../test-e2e/client";
import { bookingRequest } from "../lib/booking";
import type { RunContext } from "../lib/context";
import type { DoctorDay } from "../lib/fixtures";
import { type LatencySummary, summarize } from "../lib/stats";

export interface FanoutRow {
	target: string;
	watchers: number;
	/** Watchers asked for (the file-descriptor limit may allow fewer). */
	requested: number;
	/** Watchers whose connection failed three times (they are left out). */
	failed: number;
	connectS: number;
	trials: number;
	/** Per watcher and trial: update received − booking request sent (ms). */
	latency: LatencySummary;
	/** Per trial: when the last watcher held the update (ms); p50 over trials. */
	allHeldP50: number;
	/** The booking's own response time (ms), p50 over trials. */
	bookingP50: number;
	/** Updates not received within the timeout, over all trials. */
	missing: number;
	bookingStatuses: Record<string, number>;
}

const UPDATE_TIMEOUT_MS = 30_000;
const CONNECT_CONCURRENCY = 64;
const CONNECT_TIMEOUT_MS = 10_000;
/** All watchers of one size must be connected within this; the rest are counted as failed. */
const CONNECT_BUDGET_MS = 120_000;

/** The soft limit on open files of this process (sockets count against it). */
export function fileLimit(): number {
	try {
		return Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim()) || 1024;
	} catch {
		return 1024;
	}
}

interface Watcher {
	ws: WebSocket;
	version: number;
	onUpdate: ((at: number) => void) | null;
}

/** Connects, retrying twice after a failure; null if all three attempts failed or `deadline` passed. */
async function connectWithRetry(url: string, deadline: number, index: number): Promise<Watcher | null> {
	for (let attempt = 0; attempt < 3 && performance.now() < deadline; attempt++) {
		try {
			return await connect(url, index);
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
		}
	}
	return null;
}

/**
 * Each watcher stands for a viewer on their own machine: a day object takes at most 20 sockets per client
 * address, so each gets its own (locally the client's CF-Connecting-IP reaches the Worker as sent).
 */
function connect(url: string, index: number): Promise<Watcher> {
	const address = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { perMessageDeflate: false, headers: { "cf-connecting-ip": address } });
		const watcher: Watcher = { ws, version: -1, onUpdate: null };
		const timer = setTimeout(() => {
			ws.terminate();
			reject(new Error("no snapshot in time"));
		}, CONNECT_TIMEOUT_MS);
		ws.on("message", (data) => {
			const at = performance.now();
			const text = String(data);
			const version = Number(/"version":(\d+)/.exec(text)?.[1] ?? -1);
			if (text.startsWith('{"type":"snapshot"')) {
				clearTimeout(timer);
				watcher.version = version;
				resolve(watcher);
			} else if (text.startsWith('{"type":"update"') && version > watcher.version) {
				watcher.version = version;
				watcher.onUpdate?.(at);
			}
		});
		ws.on("error", (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

export async function fanout(ctx: RunContext): Promise<FanoutRow[]> {
	const rows: FanoutRow[] = [];
	const limit = fileLimit();
	const doctor = ctx.fixtures.fanout;
	for (const [k, requested] of ctx.config.fanout.entries()) {
		const watchers = Math.min(requested, Math.max(0, limit - 1000));
		if (watchers < requested) {
			ctx.log(`fan-out: ${requested} watchers asked, ${watchers} possible with ulimit -n ${limit}`);
		}
		const day: DoctorDay = { doctorId: doctor.id, date: inDays(1 + k), capacity: doctor.capacity };
		const url = wsUrl(ctx.target.baseUrl, `/api/doctors/${day.doctorId}/availability/date/${day.date}/live`);
		const started = performance.now();
		const deadline = performance.now() + CONNECT_BUDGET_MS;
		const attempts = await mapLimit(watchers, CONNECT_CONCURRENCY, (i) => connectWithRetry(url, deadline, i));
		const sockets = attempts.filter((w): w is Watcher => w !== null);
		const failed = watchers - sockets.length;
		const connectS = (performance.now() - started) / 1000;
		ctx.log(`fan-out: ${sockets.length} of ${watchers} watchers connected in ${connectS.toFixed(1)} s`);

		const latencies: number[] = [];
		const allHeld: number[] = [];
		const bookingMs: number[] = [];
		const bookingStatuses: Record<string, number> = {};
		let missing = 0;
		for (let trial = 0; trial < ctx.config.fanoutTrials; trial++) {
			const request = bookingRequest(day, trial % 16, ctx.nextPatient());
			let received = 0;
			let last = 0;
			let sentAt = 0;
			let stop = () => {};
			const done = new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, UPDATE_TIMEOUT_MS);
				stop = () => {
					clearTimeout(timer);
					resolve();
				};
				for (const watcher of sockets) {
					watcher.onUpdate = (at) => {
						watcher.onUpdate = null;
						latencies.push(at - sentAt);
						last = Math.max(last, at - sentAt);
						if (++received === sockets.length) {
							clearTimeout(timer);
							resolve();
						}
					};
				}
			});
			sentAt = performance.now();
			let status = 0;
			try {
				const call = await api(ctx.target.baseUrl, "POST", "/api/appointments", {
					headers: request.headers,
					body: JSON.parse(request.body ?? "{}"),
				});
				status = call.status;
				ctx.ledger.record(request.tag, status, status === 201 ? JSON.stringify(call.body) : undefined);
			} catch {
				ctx.ledger.record(request.tag, 0, undefined); // no answer: it may or may not have booked
			}
			bookingMs.push(performance.now() - sentAt);
			bookingStatuses[status] = (bookingStatuses[status] ?? 0) + 1;
			// A refused booking announces nothing: no update to wait for (an unanswered one may have booked).
			const refused = status >= 400 && status < 500;
			if (refused) stop();
			await done;
			for (const watcher of sockets) watcher.onUpdate = null;
			if (!refused) {
				missing += sockets.length - received;
				allHeld.push(last);
			}
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		for (const watcher of sockets) watcher.ws.terminate();
		rows.push({
			target: ctx.target.name,
			watchers: sockets.length,
			requested,
			failed,
			connectS,
			trials: ctx.config.fanoutTrials,
			latency: summarize(latencies),
			allHeldP50: summarize(allHeld).p50,
			bookingP50: summarize(bookingMs).p50,
			missing,
			bookingStatuses,
		});
		ctx.log(
			`fan-out ${watchers}: p50 ${rows.at(-1)?.latency.p50.toFixed(0)} ms, p99 ${rows.at(-1)?.latency.p99.toFixed(0)} ms, missing ${missing}`,
		);
		// Let the object and the proxy close the sockets before the next size.
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
	return rows;
}
