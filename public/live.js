// @ts-check
// Keeps a page in sync with docslot's live channels: a doctor-day's slots, a doctor's own feed, or the user's
// own channel. The messages are those of src/doctor-day/live-messages.ts and src/user/me-messages.ts; this file
// is served as-is, with no build step.

const PING_EVERY_MS = 25_000;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * @typedef {{start: string, end: string, time: string, capacity: number, booked: number, held: number,
 *   remaining: number, status: "available" | "held" | "full" | "unavailable" | "past", types?: string[]}} Slot
 *   `types`: the visit types a patient can start here now (only when the schedule has appointment_types)
 * @typedef {{id: string, name: string, slots: number, minutes: number}} VisitType
 * @typedef {{doctor_id: string, date: string, timezone: string | null, version: number, total_slots: number,
 *   available_count: number, booked_count: number, slots: Slot[], appointment_types?: VisitType[]}} Day
 * @typedef {{type: "snapshot"} & Day} Snapshot
 * @typedef {{type: "update", version: number, slots: Slot[], removed: string[], total_slots: number,
 *   available_count: number, booked_count: number, appointment_types?: VisitType[]}} Update
 *   `appointment_types` only when a schedule change changed them
 */

/**
 * Applies one message to the day held so far and answers the new day. A snapshot replaces everything;
 * an update older than what is held, or one that arrives before any snapshot, changes nothing.
 * @param {Day | null} day
 * @param {Snapshot | Update} message
 * @returns {Day | null}
 */
export function applyMessage(day, message) {
	if (message.type === "snapshot") {
		const { type: _type, ...snapshot } = message;
		return snapshot;
	}
	if (day === null || message.version <= day.version) return day;
	const bySlot = new Map(day.slots.map((slot) => [slot.start, slot]));
	for (const start of message.removed) bySlot.delete(start);
	for (const slot of message.slots) bySlot.set(slot.start, slot);
	return {
		...day,
		version: message.version,
		total_slots: message.total_slots,
		available_count: message.available_count,
		booked_count: message.booked_count,
		slots: [...bySlot.values()].sort((a, b) => a.start.localeCompare(b.start)),
		...(message.appointment_types === undefined ? {} : { appointment_types: message.appointment_types }),
	};
}

/**
 * Why a selected slot can no longer be booked, or null while it still can. A page that holds a place there
 * counts its own hold among the held ones, so "held" is still fine for it.
 * @param {Day | null} day
 * @param {string | null} start
 * @param {boolean} [holding] the page holds a place in that slot
 * @returns {"taken" | "vanished" | "unavailable" | null}
 */
export function selectionProblem(day, start, holding = false) {
	if (day === null || start === null) return null;
	const slot = day.slots.find((s) => s.start === start);
	if (slot === undefined) return "vanished";
	if (slot.status === "held" && holding) return null;
	if (slot.status === "full" || slot.status === "held") return "taken";
	if (slot.status !== "available") return "unavailable";
	return null;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential, capped, with full jitter so
 * that many pages dropped at once do not all come back in the same instant.
 * @param {number} attempt
 * @param {() => number} [random]
 */
export function retryDelay(attempt, random = Math.random) {
	const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * A WebSocket that comes back after any drop until closed on purpose. `url` may be a function that finds the
 * address for each attempt (e.g. with a fresh single-use ticket): it answers null to stop for good (onStopped
 * is called) and throws to be tried again later. `onClose` answers false for a close that must not be retried.
 * @param {string | (() => Promise<string | null>)} url
 * @param {{onMessage: (message: any) => void, onStatus?: (status: "connecting" | "open" | "closed") => void,
 *   onClose?: (event: {code: number, reason: string}) => boolean | void, onStopped?: () => void}} handlers
 */
export function reconnectingSocket(url, handlers) {
	/** @type {WebSocket | null} */
	let socket = null;
	let attempt = 0;
	let closed = false;
	/** @type {ReturnType<typeof setTimeout> | null} */
	let retryTimer = null;
	/** @type {ReturnType<typeof setInterval> | null} */
	let pingTimer = null;

	const retry = () => {
		if (closed) return;
		handlers.onStatus?.("closed");
		retryTimer = setTimeout(connect, retryDelay(attempt));
		attempt += 1;
	};

	const stop = () => {
		closed = true;
		handlers.onStatus?.("closed");
		handlers.onStopped?.();
	};

	const connect = async () => {
		if (closed) return;
		handlers.onStatus?.("connecting");
		/** @type {string | null} */
		let address;
		try {
			address = typeof url === "string" ? url : await url();
		} catch {
			return retry();
		}
		if (address === null) return stop();
		if (closed) return;
		const ws = new WebSocket(address);
		socket = ws;
		ws.addEventListener("open", () => {
			attempt = 0;
			handlers.onStatus?.("open");
			// The object answers "ping" without waking up; the ping keeps proxies from closing an idle socket.
			pingTimer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), PING_EVERY_MS);
		});
		ws.addEventListener("message", (event) => {
			if (event.data === "pong") return;
			try {
				handlers.onMessage(JSON.parse(String(event.data)));
			} catch (error) {
				console.warn("docslot live: ignoring a message", error);
			}
		});
		ws.addEventListener("close", (event) => {
			if (pingTimer !== null) clearInterval(pingTimer);
			if (closed || socket !== ws) return;
			socket = null;
			if (handlers.onClose?.(event) === false) return stop();
			retry();
		});
	};
	void connect();

	return {
		close() {
			closed = true;
			if (retryTimer !== null) clearTimeout(retryTimer);
			if (pingTimer !== null) clearInterval(pingTimer);
			socket?.close(1000, "page closed the channel");
		},
		/** Drops the socket as a network failure would; the next one starts afresh (a new snapshot, a new ticket). */
		reconnect() {
			socket?.close(4000, "reconnect");
		},
		/**
		 * Sends on the open socket; false when there is none open right now.
		 * @param {string} text
		 */
		send(text) {
			if (socket?.readyState !== WebSocket.OPEN) return false;
			socket.send(text);
			return true;
		},
	};
}

/**
 * Watches one doctor-day: calls onDay with the whole day after every change, and onSelectionLost when the
 * slot the page selected was taken or vanished (then the selection is cleared).
 * @param {{base: string, doctorId: string, date: string, onDay: (day: Day) => void,
 *   onSelectionLost?: (start: string, why: "taken" | "vanished" | "unavailable", day: Day) => void,
 *   onStatus?: (status: "connecting" | "open" | "closed") => void}} options
 */
export function watchDay(options) {
	/** @type {Day | null} */
	let day = null;
	/** @type {string | null} */
	let selected = null;
	let holding = false;
	const url = new URL(
		`/api/doctors/${encodeURIComponent(options.doctorId)}/availability/date/${options.date}/live`,
		options.base,
	);
	url.protocol = url.protocol === "https:" ? "wss:" : "ws:";

	const check = () => {
		const why = selectionProblem(day, selected, holding);
		if (why !== null && selected !== null && day !== null) {
			const lost = selected;
			selected = null;
			options.onSelectionLost?.(lost, why, day);
		}
	};

	const channel = reconnectingSocket(url.toString(), {
		onStatus: options.onStatus,
		onMessage(message) {
			const next = applyMessage(day, message);
			if (next === day || next === null) return;
			day = next;
			options.onDay(day);
			check();
		},
	});

	return {
		/**
		 * @param {string | null} start
		 * @param {boolean} [held] the page holds a place there (POST /api/holds)
		 */
		select(start, held = false) {
			selected = start;
			holding = start !== null && held;
			check();
		},
		get day() {
			return day;
		},
		close: () => channel.close(),
		reconnect: () => channel.reconnect(),
	};
}

/**
 * The doctor's own feed: bookings, cancellations and schedule edits of every day, for the doctor page.
 * @param {{base: string, doctorId: string, token: string, onMessage: (message: any) => void,
 *   onStatus?: (status: "connecting" | "open" | "closed") => void, onUnauthorized?: () => void}} options
 */
export function watchDoctor(options) {
	return watchWithTicket({
		...options,
		path: `/api/doctors/${encodeURIComponent(options.doctorId)}/live`,
		ticket: { channel: "doctor", doctor_id: options.doctorId },
	});
}

/**
 * The signed-in user's own channel: `{"type": "unread", count}` first and whenever the count changes, and
 * `{"type": "notification", notification}` as each arrives (src/user/me-messages.ts).
 * @param {{base: string, token: string, onMessage: (message: any) => void,
 *   onStatus?: (status: "connecting" | "open" | "closed") => void, onUnauthorized?: () => void}} options
 */
export function watchMe(options) {
	return watchWithTicket({ ...options, path: "/api/me/live", ticket: { channel: "me" } });
}

/**
 * An authenticated channel. Every (re)connect first asks for a fresh single-use ticket (POST /api/live-tickets),
 * so the token never goes in a URL. When the token is refused (expired or revoked; the server also closes the
 * socket with 4001 when the token expires), it stops retrying and calls onUnauthorized: the page must sign in again.
 * @param {{base: string, path: string, ticket: Record<string, string>, token: string,
 *   onMessage: (message: any) => void, onStatus?: (status: "connecting" | "open" | "closed") => void,
 *   onUnauthorized?: () => void}} options
 */
function watchWithTicket(options) {
	const channel = new URL(options.path, options.base);
	channel.protocol = channel.protocol === "https:" ? "wss:" : "ws:";
	return reconnectingSocket(
		async () => {
			const answer = await fetch(new URL("/api/live-tickets", options.base), {
				method: "POST",
				headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
				body: JSON.stringify(options.ticket),
			});
			if (answer.status === 401 || answer.status === 403) return null;
			if (!answer.ok) throw new Error(`live ticket: ${answer.status}`);
			const { ticket } = /** @type {{ticket: string}} */ (await answer.json());
			const url = new URL(channel);
			url.searchParams.set("ticket", ticket);
			return url.toString();
		},
		{ onMessage: options.onMessage, onStatus: options.onStatus, onStopped: options.onUnauthorized },
	);
}
