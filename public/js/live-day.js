// @ts-check
// One doctor-day on screen: its live channel (public/live.js), an HTTP fallback, slots turning past as the
// clock moves, and the slot the page holds, reported when it is lost.
import { watchDay } from "../live.js";
import { fetchDay, withPast } from "./doctor-days.js";

/** @typedef {import("../live.js").Day} Day */

const PAST_CHECK_MS = 30_000;
/** If the live channel has not answered by then, the day is read once over HTTP so the page still works. */
const LIVE_FALLBACK_MS = 5000;
const LOST = {
	taken: "was just taken by someone else",
	vanished: "was removed from the doctor's schedule",
	unavailable: "is no longer available",
};

/**
 * @param {{onDay: (day: Day) => void, onLost: (start: string, message: string, day: Day) => void,
 *   onStatus: (status: "connecting" | "open" | "closed") => void}} handlers
 */
export function createLiveDay(handlers) {
	let doctorId = "";
	let date = "";
	/** @type {Day | null} */
	let day = null;
	/** @type {string | null} */
	let held = null;
	/** @type {ReturnType<typeof watchDay> | null} */
	let live = null;
	let paused = false;

	function connect() {
		close();
		if (paused || date === "") return;
		const channel = watchDay({
			base: location.origin,
			doctorId,
			date,
			onDay: (next) => live === channel && received(next),
			onSelectionLost: (start, why, next) => {
				if (live !== channel) return;
				held = null;
				handlers.onLost(start, `${slotTime(next, start)} ${LOST[why]}.`, withPast(next));
			},
			onStatus: handlers.onStatus,
		});
		live = channel;
		live.select(held);
		setTimeout(() => {
			if (live === channel && day === null) void reload();
		}, LIVE_FALLBACK_MS);
	}

	function close() {
		live?.close();
		live = null;
	}

	/** Reads the day over HTTP when the live channel is slow or down; an older version than held is ignored. */
	async function reload() {
		const wanted = date;
		const body = await fetchDay(doctorId, wanted);
		if (body && date === wanted && (day === null || body.version > day.version)) received(body);
	}

	/** @param {Day} next */
	function received(next) {
		day = withPast(next);
		handlers.onDay(day);
	}

	setInterval(() => {
		if (day === null || paused || withPast(day) === day) return;
		day = withPast(day);
		const start = held;
		if (start !== null && day.slots.find((s) => s.start === start)?.status === "past") {
			held = null;
			live?.select(null);
			return handlers.onLost(start, `${slotTime(day, start)} has started.`, day);
		}
		handlers.onDay(day);
	}, PAST_CHECK_MS);

	return {
		/**
		 * @param {string} doctor
		 * @param {string} newDate
		 */
		open(doctor, newDate) {
			doctorId = doctor;
			date = newDate;
			day = null;
			held = null;
			connect();
		},
		/**
		 * The slot the page holds (null for none); onLost fires, maybe at once, when it can no longer be booked.
		 * @param {string | null} start
		 */
		hold(start) {
			held = start;
			live?.select(start);
		},
		reload,
		get day() {
			return day;
		},
		pause() {
			paused = true;
			close();
		},
		resume() {
			if (!paused) return;
			paused = false;
			connect();
		},
		close,
	};
}

/**
 * @param {Day} day
 * @param {string} start
 */
const slotTime = (day, start) => `The ${day.slots.find((s) => s.start === start)?.time ?? "chosen"} slot`;
