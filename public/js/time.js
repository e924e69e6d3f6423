// @ts-check
// Calendar dates (YYYY-MM-DD) and instants shown in the doctor's time zone, with Intl only.

/** @param {string} date */
const noonUtc = (date) => new Date(`${date}T12:00:00Z`);

/**
 * @param {number | string | Date} instant
 * @param {string} timeZone
 * @returns {string} the calendar date of the instant in that zone
 */
export function dateIn(instant, timeZone) {
	return new Intl.DateTimeFormat("en-CA", {
		timeZone,
		year: "numeric",
		month: "2-digit",
		day: "2-digit",
	}).format(new Date(instant));
}

/** @param {string} timeZone */
export const todayIn = (timeZone) => dateIn(Date.now(), timeZone);

/**
 * @param {string} date
 * @param {number} days
 */
export function addDays(date, days) {
	const d = noonUtc(date);
	d.setUTCDate(d.getUTCDate() + days);
	return d.toISOString().slice(0, 10);
}

/**
 * @param {string} date
 * @param {Intl.DateTimeFormatOptions} [options]
 */
export function formatDate(date, options = { weekday: "long", day: "numeric", month: "long" }) {
	return new Intl.DateTimeFormat(undefined, { ...options, timeZone: "UTC" }).format(noonUtc(date));
}

/**
 * @param {string | number} instant
 * @param {string} timeZone
 */
export function formatTime(instant, timeZone) {
	return new Intl.DateTimeFormat(undefined, {
		timeZone,
		hour: "2-digit",
		minute: "2-digit",
		hourCycle: "h23",
	}).format(new Date(instant));
}

/** The browser's own zone, to say "10:30 your time" when it differs from the doctor's. */
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** @param {string | null | undefined} text */
export const isDate = (text) => typeof text === "string" && /^\d{4}-\d{2}-\d{2}$/.test(text);

/**
 * @param {string} mode
 */
export function modeLabel(mode) {
	return { in_person: "In person", voice: "Voice call", video: "Video call", chat: "Chat" }[mode] ?? mode;
}

/**
 * A zone as people read it: "America/New_York" → "America/New York".
 * @param {string} timeZone
 */
export const zoneLabel = (timeZone) => timeZone.replaceAll("_", " ");
