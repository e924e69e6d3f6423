// @ts-check
// The waitlist on the booking page: "Tell me if a place frees up" on a full slot or a full day, the patient's
// entries for the day on screen with their place in line, and an offer with its countdown, Accept and Decline.
// Entries are read from their own doctor-day (one call each), when the day changes or a waitlist_offer arrives.
import { ApiError, request } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { timeLeft } from "./slot-hold.js";

/** @typedef {import("../live.js").Day} Day */
/** @typedef {import("../live.js").Slot} Slot */
/**
 * @typedef {{id: string, doctor_id: string, date: string, start: string | null, position: number | null,
 *   status: string, offered_start: string | null, offered_time: string | null, offer_expires_at: string | null}} Entry
 */

/**
 * @param {{container: HTMLElement, token: () => string | null, onUnauthorized: () => void,
 *   onBooked: (appointment: any) => void}} options
 */
export function createWaitlistPanel(options) {
	const { container } = options;
	/** @type {Map<string, Entry>} the patient's entries that may still change, by id */
	const entries = new Map();
	/** @type {Day | null} */
	let day = null;
	/** @type {Slot | null} a full slot the patient picked */
	let full = null;
	/** @type {ReturnType<typeof setInterval>[]} one per offer on screen */
	let ticking = [];
	let loadedFor = "";

	document.addEventListener("docslot:notification", (event) => {
		if (/** @type {CustomEvent} */ (event).detail?.type === "waitlist_offer") void refresh();
	});

	/** Reads each open entry from its own day: the list in D1 may lag behind an offer. */
	async function refresh() {
		const token = options.token();
		if (token === null) return;
		const open = [...entries.values()].filter((e) => e.status === "waiting" || e.status === "offered");
		await Promise.all(
			open.map(async (entry) => {
				try {
					const body = await request("GET", `/api/waitlist/${encodeURIComponent(entry.id)}`, { token });
					entries.set(entry.id, body.entry);
				} catch {
					// Shown as it was; the next change of the day reads it again.
				}
			}),
		);
		draw();
	}

	/** The patient's entries (from the list), once per signed-in patient and page. */
	async function load() {
		const token = options.token();
		if (token === null || loadedFor === token) return;
		loadedFor = token;
		try {
			const body = await request("GET", "/api/waitlist?limit=200", { token });
			for (const entry of body.entries) entries.set(entry.id, entry);
			draw();
		} catch {
			loadedFor = "";
		}
	}

	/** @param {string | null} start */
	async function join(start) {
		const token = options.token();
		if (token === null || day === null) return;
		const body = { doctor_id: day.doctor_id, date: day.date, ...(start === null ? {} : { start }) };
		try {
			const answer = await request("POST", "/api/waitlist", { token, body });
			entries.set(answer.entry.id, answer.entry);
			full = null;
			draw();
		} catch (error) {
			failed(error);
		}
	}

	/**
	 * @param {Entry} entry
	 * @param {"accept" | "decline" | "leave"} action
	 */
	async function act(entry, action) {
		const token = options.token();
		if (token === null) return;
		const id = encodeURIComponent(entry.id);
		try {
			if (action === "leave") {
				const answer = await request("DELETE", `/api/waitlist/${id}`, { token });
				entries.set(entry.id, answer.entry);
			} else {
				const answer = await request("POST", `/api/waitlist/${id}/${action}`, { token });
				entries.set(entry.id, answer.entry);
				if (action === "accept") options.onBooked(answer.appointment);
			}
		} catch (error) {
			failed(error);
			await refresh();
		}
		draw();
	}

	/** @param {unknown} error */
	function failed(error) {
		if (error instanceof ApiError && error.status === 401) return options.onUnauthorized();
		const message = error instanceof Error ? error.message : String(error);
		toast(message, { tone: "warning" });
	}

	function draw() {
		for (const timer of ticking) clearInterval(timer);
		ticking = [];
		if (day === null || options.token() === null) {
			container.hidden = true;
			return;
		}
		const mine = [...entries.values()].filter(
			(e) =>
				e.doctor_id === day?.doctor_id &&
				e.date === day?.date &&
				(e.status === "waiting" || e.status === "offered"),
		);
		const rows = mine.map(row);
		const waitingForDay = mine.some((e) => e.start === null);
		const future = day.slots.filter((s) => s.status !== "past" && s.status !== "unavailable");
		const dayFull = future.length > 0 && !future.some((s) => s.status === "available");
		if (dayFull && !waitingForDay) rows.push(joinButton(null, "Tell me if a place frees up on this day"));
		const slot = full;
		if (slot !== null && !mine.some((e) => e.start === slot.start) && !dayFull)
			rows.push(joinButton(slot.start, `${slot.time} is full. Tell me if a place frees up`));
		container.hidden = rows.length === 0;
		replace(container, ...rows);
	}

	/**
	 * @param {string | null} start
	 * @param {string} text
	 */
	function joinButton(start, text) {
		return h("button", {
			type: "button",
			class: "button subtle",
			"data-testid": "waitlist-join",
			text,
			onClick: () => void join(start),
		});
	}

	/** @param {Entry} entry */
	function row(entry) {
		const what = entry.start === null ? "any time this day" : timeOf(entry.start);
		if (entry.status === "waiting") {
			return h(
				"div",
				{ class: "waitlist-entry", "data-testid": "waitlist-entry", dataset: { status: "waiting" } },
				h("p", { text: `On the waitlist for ${what}: number ${entry.position ?? "?"} in line.` }),
				h("button", {
					type: "button",
					class: "button subtle",
					text: "Leave the waitlist",
					onClick: () => void act(entry, "leave"),
				}),
			);
		}
		const text = () =>
			`A place at ${entry.offered_time ?? ""} freed up and is kept for you: ${timeLeft(entry.offer_expires_at ?? "", Date.now())} left.`;
		const line = h("p", { class: "hold-countdown", "data-testid": "waitlist-offer-countdown", text: text() });
		ticking.push(
			setInterval(() => {
				line.textContent = text();
				if (Date.parse(entry.offer_expires_at ?? "") <= Date.now()) void refresh();
			}, 1000),
		);
		return h(
			"div",
			{ class: "waitlist-entry is-offer", "data-testid": "waitlist-offer", role: "status" },
			line,
			h(
				"div",
				{ class: "waitlist-actions" },
				h("button", {
					type: "button",
					class: "button primary",
					"data-testid": "waitlist-accept",
					text: "Accept",
					onClick: () => void act(entry, "accept"),
				}),
				h("button", {
					type: "button",
					class: "button subtle",
					"data-testid": "waitlist-decline",
					text: "Decline",
					onClick: () => void act(entry, "decline"),
				}),
			),
		);
	}

	/** @param {string} start */
	function timeOf(start) {
		return day?.slots.find((s) => s.start === start)?.time ?? start.slice(11, 16);
	}

	return {
		/**
		 * The day on screen changed (or arrived): entries that wait on it may have been offered a place.
		 * @param {Day} next
		 */
		show(next) {
			const previous = day;
			const moved = previous?.doctor_id !== next.doctor_id || previous?.date !== next.date;
			if (moved) full = null;
			day = next;
			void load();
			// An offer shows as one more held place where an entry waits: only then is the entry read again.
			const heldAt = (/** @type {Day | null} */ d, /** @type {string} */ start) =>
				d?.slots.find((s) => s.start === start)?.held ?? 0;
			const offeredHere = [...entries.values()].some(
				(e) =>
					e.doctor_id === next.doctor_id &&
					e.date === next.date &&
					e.status === "waiting" &&
					next.slots.some(
						(s) => (e.start === null || e.start === s.start) && s.held > heldAt(previous, s.start),
					),
			);
			if (offeredHere && !moved) void refresh();
			else draw();
		},
		/** @param {Slot} slot a full (or held) slot the patient picked */
		pickFull(slot) {
			full = slot;
			draw();
		},
		clear() {
			day = null;
			full = null;
			draw();
		},
		sessionChanged() {
			entries.clear();
			loadedFor = "";
			draw();
		},
	};
}
