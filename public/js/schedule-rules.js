// @ts-check
// The schedule's rules as the API applies them, checked in the browser first so mistakes show at once.

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
/** A wall-clock time HH:MM; 24:00 ends a day. */
export const TIME = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

/** @typedef {{start: string, end: string, capacity?: number}} Range */
/** @typedef {{timezone: string, slot_minutes: number, capacity: number, horizon_days: number,
 *   requires_approval?: boolean, weekly: Record<string, Range[]>, hold_seconds?: number, offer_seconds?: number,
 *   max_per_patient_per_day?: number, buffer_minutes?: number, min_notice_minutes?: number,
 *   cancel_cutoff_minutes?: number, max_per_day?: number | null, reserved_places?: number,
 *   appointment_types?: {id: string, name: string, slots: number}[]}} Schedule */

/**
 * What the API would refuse, found before sending: times, order and overlaps within each day.
 * @param {Schedule} schedule
 */
export function checkSchedule(schedule) {
	const issues = [];
	if (schedule.timezone === "")
		issues.push({ path: "timezone", message: "Choose a time zone, e.g. Europe/London." });
	for (const day of WEEKDAYS) {
		const ranges = schedule.weekly[day] ?? [];
		const badTimes = ranges.flatMap((r, i) =>
			["start", "end"]
				.filter((k) => !TIME.test(r[/** @type {"start" | "end"} */ (k)]))
				.map((k) => `weekly.${day}.${i}.${k}`),
		);
		for (const path of badTimes) issues.push({ path, message: "Write times as HH:MM, for example 09:00." });
		if (badTimes.length > 0) continue;
		const backwards = ranges.findIndex((r) => r.start >= r.end);
		if (backwards >= 0) {
			issues.push({ path: `weekly.${day}.${backwards}.end`, message: "A range must end after it starts." });
			continue;
		}
		const sorted = [...ranges].sort((a, b) => a.start.localeCompare(b.start));
		const overlap = sorted.find((r, i) => {
			const before = sorted[i - 1];
			return before !== undefined && r.start < before.end;
		});
		if (overlap) issues.push({ path: `weekly.${day}`, message: `Ranges overlap at ${overlap.start}.` });
	}
	return issues;
}

/**
 * Compares schedules by content: fixed key order, each day's ranges by start.
 * @param {Schedule | null} s
 */
export function scheduleKey(s) {
	if (s === null) return "null";
	const weekly = WEEKDAYS.map((d) => [...(s.weekly[d] ?? [])].sort((a, b) => a.start.localeCompare(b.start)));
	return JSON.stringify([
		s.timezone,
		s.slot_minutes,
		s.capacity,
		s.horizon_days,
		s.requires_approval === true,
		s.buffer_minutes ?? 0,
		s.min_notice_minutes ?? 0,
		s.cancel_cutoff_minutes ?? 0,
		s.max_per_day ?? null,
		s.reserved_places ?? 0,
		s.hold_seconds ?? 300,
		s.offer_seconds ?? 900,
		s.appointment_types ?? [],
		weekly,
	]);
}

/** @param {string} s */
export const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** @param {string} time */
export function addHour(time) {
	const hours = Math.min(24, Number(time.slice(0, 2)) + 1);
	return hours === 24 ? "24:00" : `${String(hours).padStart(2, "0")}:${time.slice(3)}`;
}
