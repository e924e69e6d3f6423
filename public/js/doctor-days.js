// @ts-check
// Reading a doctor's days over HTTP: one day's slots, the next day with free places, and slots that have started.
import { nearestFree } from "./alternatives.js";
import { doctorPath, request, withQuery } from "./api.js";
import { addDays } from "./time.js";

/** @typedef {import("../live.js").Day} Day */
/** @typedef {import("../live.js").Slot} Slot */

const LOOK_AHEAD_DAYS = 27;

/**
 * @param {string} doctorId
 * @param {string} date
 * @returns {Promise<Day | null>} null when it cannot be read (the caller keeps what it has)
 */
export function fetchDay(doctorId, date) {
	return request("GET", `${doctorPath(doctorId)}/availability/date/${date}`).catch(() => null);
}

/**
 * The first day from `from` with a free place, or `from` itself.
 * @param {string} doctorId
 * @param {string} from
 */
export async function firstFreeDay(doctorId, from) {
	const path = withQuery(`${doctorPath(doctorId)}/availability`, {
		from,
		to: addDays(from, LOOK_AHEAD_DAYS),
	});
	const body = await request("GET", path).catch(() => null);
	return body?.days.find((/** @type {any} */ d) => d.available_count > 0)?.date ?? from;
}

/**
 * The earliest free slots of the first day after `after` that has some.
 * @param {string} doctorId
 * @param {string} after
 */
export async function freeOnNextDay(doctorId, after) {
	const day = await fetchDay(doctorId, await firstFreeDay(doctorId, addDays(after, 1)));
	return nearestFree(day?.slots ?? [], "");
}

/**
 * The day with every slot that has started marked past, as the server would say at this moment; the same
 * object when nothing changed.
 * @param {Day} day
 * @returns {Day}
 */
export function withPast(day) {
	const now = Date.now();
	const started = (/** @type {Slot} */ s) => s.status !== "past" && Date.parse(s.start) <= now;
	if (!day.slots.some(started)) return day;
	return { ...day, slots: day.slots.map((s) => (started(s) ? { ...s, status: "past" } : s)) };
}
