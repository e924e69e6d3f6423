// @ts-check
// One doctor-day on screen: its live channel (public/live.js), an HTTP fallback, slots turning past as the
// clock moves, the slot the page holds (reported when it is lost), and saying so when the day cannot be had.
import { watchDay } from "../live.js";
import { fetchDay, withPast } from "./doctor-days.js";

/** @typedef {import("../live.js").Day} Day */

const PAST_CHECK_MS = 30_000;
/** If the live channel has not delivered the day by then, it is read over HTTP so the page still works. */
const LIVE_FALLBACK_MS = 5000;
const LOST = {
	taken: "was just taken by someone else",
	vanished: "was removed from the doctor's schedule",
	unavailable: "is no longer available",
};

/**
 * @param {{onDay: (day: Day) => void, onLost: (start: string, message: string, day: Day) => void,
 *   onStatus: (status: "connecting" | "open" | "closed") => void, onFailed: () => void}} handlers
 *   `onFailed`: no day is shown and neither the channel nor HTTP could bring it; a later day still arrives by onDay.
 */
export function createLiveDay(handlers) {
	let doctorId = "";
	let date = "";
	/** @type {Day | null} */
	let day = null;
	/** @type {string | null} */
	let held = null;
	/** Whether the server keeps a place in `held` for this page (a hold), not just a choice on screen. */
	let holding = false;
	/** @type {ReturnType<typeof watchDay> | null} */
	let live = null;
	let paused = false;
	/** Counts the days opened, so that an answer for an earlier one is dropped. */
	let opened = 0;
	/** Whether the current channel has delivered its snapshot. */
	let delivered = false;

	function connect() {
		close();
		if (paused || date === "") return;
		delivered = false;
		let fellBack = false;
		const fallBack = () => {
			if (fellBack || live !== channel || day !== null) return;
			fellBack = true;
			void reload();
		};
		const channel = watchDay({
			base: location.origin,
			doctorId,
			date,
			onDay: (next) => {
				if (live !== channel) return;
				delivered = true;
				received(next);
			},
			onSelectionLost: (start, why, next) => {
				if (live !== channel) return;
				held = null;
				handlers.onLost(start, `${slotTime(next, start)} ${LOST[why]}.`, withPast(next));
			},
			onStatus: (status) => {
				handlers.onStatus(status);
				// A socket that closed before its snapshot will not bring the day soon: read it now.
				if (status === "closed") fallBack();
			},
		});
		live = channel;
		live.select(held, holding);
		setTimeout(fallBack, LIVE_FALLBACK_MS);
	}

	function close() {
		live?.close();
		live = null;
	}

	/**
	 * Reads the day over HTTP when the live channel is slow or down; an older version than held is ignored.
	 * @returns {Promise<boolean>} false when it failed for the day still open
	 */
	async function reload() {
		if (date === "") return true;
		const which = opened;
		const body = await fetchDay(doctorId, date);
		if (which !== opened) return true;
		if (body && (day === null || body.version > day.version)) received(body);
		if (day === null) handlers.onFailed();
		return body !== null;
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
			opened += 1;
			day = null;
			held = null;
			connect();
		},
		/**
		 * The slot the page holds (null for none); onLost fires, maybe at once, when it can no longer be booked.
		 * @param {string | null} start
		 * @param {boolean} [serverHold] a hold on the server keeps a place there, so "held" is not lost
		 */
		hold(start, serverHold = false) {
			held = start;
			holding = start !== null && serverHold;
			live?.select(start, holding);
		},
		/** Shows no day until the next open(): the channel and any read in flight are dropped. */
		clear() {
			opened += 1;
			date = "";
			day = null;
			held = null;
			close();
		},
		reload,
		/**
		 * Refreshing by hand: a new socket (so a fresh snapshot) and an HTTP read at once.
		 * @returns {Promise<boolean>} false when neither brought the day by the time the read failed
		 */
		async refresh() {
			connect();
			return (await reload()) || delivered;
		},
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
