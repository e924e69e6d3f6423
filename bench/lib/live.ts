// WebSockets as the pages hold them: a doctor-day's live socket and a user's own channel (/api/me/live,
// opened with a single-use ticket), keeping every message with its arrival time so a scenario can ask when
// the first message of some kind arrived after an action.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { wsUrl } from "../../test-e2e/client";
import { api, type DoctorDay } from "./fixtures";

export interface LiveMessage {
	/** performance.now() at arrival. */
	at: number;
	/** Date.now() at arrival, to compare with the service's own instants (e.g. a hold's expires_at). */
	wall: number;
	// biome-ignore lint/suspicious/noExplicitAny: the service's JSON messages, read by each scenario
	data: any;
}

const OPEN_TIMEOUT_MS = 10_000;
let clients = 0;

export class LiveSocket {
	readonly messages: LiveMessage[] = [];
	/** Called with every message as it arrives. */
	onMessage: ((message: LiveMessage) => void) | null = null;
	private waiters = new Set<() => void>();

	private constructor(private readonly ws: WebSocket) {}

	/**
	 * Opens `url` and resolves at its first message (the day's snapshot, the channel's unread count). Each
	 * socket has a client address of its own, as a viewer on their own machine (a day takes at most 20 per
	 * address).
	 */
	static open(url: string): Promise<LiveSocket> {
		const n = ++clients;
		const address = `10.200.${(n >> 8) & 255}.${n & 255}`;
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(url, { perMessageDeflate: false, headers: { "cf-connecting-ip": address } });
			const socket = new LiveSocket(ws);
			const timer = setTimeout(() => {
				ws.terminate();
				reject(new Error(`no first message from ${url} in time`));
			}, OPEN_TIMEOUT_MS);
			ws.on("message", (raw) => {
				const message = { at: performance.now(), wall: Date.now(), data: JSON.parse(String(raw)) };
				socket.messages.push(message);
				socket.onMessage?.(message);
				for (const wake of socket.waiters) wake();
				if (socket.messages.length === 1) {
					clearTimeout(timer);
					resolve(socket);
				}
			});
			ws.on("error", (error) => {
				clearTimeout(timer);
				reject(error);
			});
		});
	}

	/**
	 * The first message arrived at or after `since` (performance.now() time) that `match` accepts, waiting up
	 * to `timeoutMs` for it; null if none came.
	 */
	waitFor(
		// biome-ignore lint/suspicious/noExplicitAny: see LiveMessage.data
		match: (data: any) => boolean,
		since: number,
		timeoutMs: number,
	): Promise<LiveMessage | null> {
		const find = () => this.messages.find((m) => m.at >= since && match(m.data)) ?? null;
		const found = find();
		if (found !== null) return Promise.resolve(found);
		return new Promise((resolve) => {
			const finish = (message: LiveMessage | null) => {
				clearTimeout(timer);
				this.waiters.delete(wake);
				resolve(message);
			};
			const wake = () => {
				const message = find();
				if (message !== null) finish(message);
			};
			const timer = setTimeout(() => finish(null), timeoutMs);
			this.waiters.add(wake);
		});
	}

	close(): void {
		this.ws.terminate();
	}
}

/** The doctor-day's live socket, as the booking page holds it. */
export function daySocket(baseUrl: string, day: Pick<DoctorDay, "doctorId" | "date">): Promise<LiveSocket> {
	return LiveSocket.open(wsUrl(baseUrl, `/api/doctors/${day.doctorId}/availability/date/${day.date}/live`));
}

/** The signed-in user's own channel (`/api/me/live`), opened with a ticket from POST /api/live-tickets. */
export async function meSocket(baseUrl: string, token: string): Promise<LiveSocket> {
	const call = await api(baseUrl, "POST", "/api/live-tickets", { token, body: { channel: "me" } });
	if (call.status !== 200)
		throw new Error(`POST /api/live-tickets: ${call.status} ${JSON.stringify(call.body)}`);
	const ticket = encodeURIComponent(call.body.ticket as string);
	return LiveSocket.open(wsUrl(baseUrl, `/api/me/live?ticket=${ticket}`));
}
