// @ts-check
// Read-your-writes for "My appointments": the server's list is a projection that may lag a booking's 201 (or a
// cancel's 200) by a moment, so the page keeps its own recent results and lays them over the list it fetched.

/** A local result is shown at most this long; the projection catches up in milliseconds, not minutes. */
export const KEEP_MS = 2 * 60_000;
const STORAGE_KEY = "docslot.recent-appointments";

/**
 * @typedef {{id: string, status: string, created_at?: string, cancelled_at?: string | null,
 *   history?: {at: string}[]}} AppointmentLike
 * @typedef {{getItem(key: string): string | null, setItem(key: string, value: string): void}} KeyValueStore
 *   sessionStorage in the page (so a reload within the session keeps the results); anything alike in tests
 */

/**
 * @template {AppointmentLike} T
 * @param {{storage: KeyValueStore | null, now?: () => number}} options `storage` null (or throwing, as
 *   in some embedded frames) keeps the results in memory only
 */
export function createRecentAppointments({ storage, now = Date.now }) {
	/** @typedef {{owner: string, at: number, appointment: T}} Entry */
	/** @type {Entry[]} */
	let memory = [];

	/** @returns {Entry[]} the entries not yet expired */
	function load() {
		let entries = memory;
		try {
			const text = storage?.getItem(STORAGE_KEY);
			if (text) entries = parseEntries(text);
		} catch {
			// Unreadable storage or text: what memory holds is all there is.
		}
		const since = now() - KEEP_MS;
		return entries.filter((e) => e.at > since && e.at <= now());
	}

	/** @param {Entry[]} entries */
	function save(entries) {
		memory = entries;
		try {
			storage?.setItem(STORAGE_KEY, JSON.stringify(entries));
		} catch {
			// Storage is blocked or full: the results live in memory for this page only.
		}
	}

	/**
	 * Entries as stored, keeping only those of the right shape (storage is the user's to edit).
	 * @param {string} text
	 * @returns {Entry[]}
	 */
	function parseEntries(text) {
		/** @type {unknown} */
		const parsed = JSON.parse(text);
		if (!Array.isArray(parsed)) return [];
		return parsed.filter(isEntry).map((e) => /** @type {Entry} */ (e));
	}

	return {
		/**
		 * A result the page got from the server: a booking's 201 or a cancel's 200.
		 * @param {string} owner the signed-in user's id, so another user of the tab never sees it
		 * @param {T} appointment
		 */
		remember(owner, appointment) {
			const others = load().filter((e) => !(e.owner === owner && e.appointment.id === appointment.id));
			save([...others, { owner, at: now(), appointment }]);
		},

		/**
		 * The fetched list with the owner's recent results laid over it, by id. A result is dropped once the
		 * list shows it (same status) or something newer, or after KEEP_MS.
		 * @param {string} owner
		 * @param {T[]} fetched
		 * @returns {T[]} the fetched order, with results the list does not have yet at the end
		 */
		overlay(owner, fetched) {
			const byId = new Map(fetched.map((a) => [a.id, a]));
			const kept = [];
			for (const entry of load()) {
				if (entry.owner === owner) {
					const listed = byId.get(entry.appointment.id);
					if (listed !== undefined && !isNewer(entry.appointment, listed)) continue;
					byId.set(entry.appointment.id, entry.appointment);
				}
				kept.push(entry);
			}
			save(kept);
			return [...byId.values()];
		},

		/**
		 * Forgets a user's results (on sign-out).
		 * @param {string} owner
		 */
		forget(owner) {
			save(load().filter((e) => e.owner !== owner));
		},
	};
}

/**
 * Whether the page's copy says more than the listed one: a different status, and not older by the
 * server's own timestamps. With no timestamps to tell, the page's copy wins (it came from a write).
 * @param {AppointmentLike} local
 * @param {AppointmentLike} listed
 */
export function isNewer(local, listed) {
	return local.status !== listed.status && changedAt(local) >= changedAt(listed);
}

/**
 * The last moment the server says the appointment changed (0 when it says nothing).
 * @param {AppointmentLike} a
 */
function changedAt(a) {
	const stamps = [a.created_at, a.cancelled_at ?? undefined, ...(a.history ?? []).map((h) => h.at)];
	return Math.max(0, ...stamps.map((s) => (s === undefined ? 0 : Date.parse(s) || 0)));
}

/**
 * @param {unknown} value
 * @returns {boolean}
 */
function isEntry(value) {
	if (typeof value !== "object" || value === null) return false;
	const { owner, at, appointment } = /** @type {Record<string, unknown>} */ (value);
	if (typeof owner !== "string" || typeof at !== "number") return false;
	if (typeof appointment !== "object" || appointment === null) return false;
	const { id, status } = /** @type {Record<string, unknown>} */ (appointment);
	return typeof id === "string" && typeof status === "string";
}
