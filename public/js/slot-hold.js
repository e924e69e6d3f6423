// @ts-check
// The place the booking page keeps while the patient fills the form: a hold on the server (POST /api/holds)
// that moves when another slot is chosen, goes when the choice does, and runs out at its expires_at.
import { request } from "./api.js";

/** @typedef {{id: string, doctor_id: string, patient_id: string, start: string, end: string, expires_at: string,
 *   type?: string}} Hold */

/**
 * @param {{onExpired: (hold: Hold) => void}} handlers `onExpired`: the hold's time ran out on this page's clock
 */
export function createSlotHold(handlers) {
	/** @type {Hold | null} */
	let current = null;
	/** @type {ReturnType<typeof setTimeout> | undefined} */
	let timer;
	/** Counts requests, so that the answer to a superseded one is dropped. */
	let asked = 0;

	/** @param {Hold | null} hold */
	function keep(hold) {
		clearTimeout(timer);
		current = hold;
		if (hold === null) return;
		timer = setTimeout(
			() => {
				if (current?.id !== hold.id) return;
				current = null;
				handlers.onExpired(hold);
			},
			Math.max(0, Date.parse(hold.expires_at) - Date.now()),
		);
	}

	return {
		/**
		 * Holds `start` for the signed-in patient; their earlier hold on that doctor-day is replaced by the server.
		 * Answers null when a newer choice superseded this one. Throws the API's refusal (ApiError).
		 * @param {string} token
		 * @param {string} doctorId
		 * @param {string} start
		 * @param {number | undefined} version the day version on screen (a slot changed since is SLOT_CHANGED)
		 * @param {string | null} [type] the visit type to hold for (all its slots); null: one slot
		 * @returns {Promise<Hold | null>}
		 */
		async place(token, doctorId, start, version, type = null) {
			const mine = ++asked;
			const body = {
				doctor_id: doctorId,
				start,
				...(version === undefined ? {} : { expected_version: version }),
				...(type === null ? {} : { type }),
			};
			const answer = await request("POST", "/api/holds", { token, body });
			if (mine !== asked) return null;
			keep(answer.hold);
			return answer.hold;
		},
		/**
		 * Gives the place back (the choice went); best effort, since it also runs out by itself.
		 * @param {string | null} token
		 */
		release(token) {
			asked += 1;
			const hold = current;
			keep(null);
			if (hold === null || token === null) return;
			request("DELETE", `/api/holds/${encodeURIComponent(hold.id)}`, { token }).catch(() => undefined);
		},
		/** The hold became the appointment: nothing to give back. */
		forget() {
			asked += 1;
			keep(null);
		},
		get current() {
			return current;
		},
	};
}

/**
 * "4:59": what is left of a hold, for its countdown.
 * @param {string} expiresAt
 * @param {number} now
 */
export function timeLeft(expiresAt, now) {
	const seconds = Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
	return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
