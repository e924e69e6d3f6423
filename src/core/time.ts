// Calendar dates, wall-clock times and the mapping between a zone's local time and UTC instants.

export type Weekday = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";

export const WEEKDAYS: readonly Weekday[] = [
	"monday",
	"tuesday",
	"wednesday",
	"thursday",
	"friday",
	"saturday",
	"sunday",
];

export const MINUTES_PER_DAY = 1440;

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^(\d{2}):(\d{2})$/;

// Building a DateTimeFormat costs far more than using one, and these run on the booking hot path.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat("en-US", {
			timeZone,
			hourCycle: "h23",
			year: "numeric",
			month: "2-digit",
			day: "2-digit",
			hour: "2-digit",
			minute: "2-digit",
			second: "2-digit",
		});
		formatters.set(timeZone, formatter);
	}
	return formatter;
}

function daysInMonth(year: number, month: number): number {
	return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isValidDate(date: string): boolean {
	const match = DATE_PATTERN.exec(date);
	if (!match) return false;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	if (year < 1970 || year > 9999 || month < 1 || month > 12) return false;
	return day >= 1 && day <= daysInMonth(year, month);
}

/** Minutes since midnight; "24:00" is allowed so a range can run to the end of the day. */
export function parseTime(hhmm: string): number | null {
	if (hhmm === "24:00") return MINUTES_PER_DAY;
	const match = TIME_PATTERN.exec(hhmm);
	if (!match) return null;
	const hours = Number(match[1]);
	const minutes = Number(match[2]);
	if (hours > 23 || minutes > 59) return null;
	return hours * 60 + minutes;
}

export function formatTime(minutes: number): string {
	const hours = Math.floor(minutes / 60);
	return `${String(hours).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** Midnight UTC of a "YYYY-MM-DD" date; the date's calendar arithmetic is done on this. */
function utcMidnight(date: string): number {
	const match = DATE_PATTERN.exec(date);
	if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
	return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

function dateOfUtc(ms: number): string {
	return new Date(ms).toISOString().slice(0, 10);
}

export function weekdayOf(date: string): Weekday {
	// getUTCDay counts from Sunday, WEEKDAYS from Monday.
	const index = (new Date(utcMidnight(date)).getUTCDay() + 6) % 7;
	return WEEKDAYS[index] as Weekday;
}

export function addDays(date: string, days: number): string {
	return dateOfUtc(utcMidnight(date) + days * MS_PER_DAY);
}

export function daysBetween(from: string, to: string): number {
	return Math.round((utcMidnight(to) - utcMidnight(from)) / MS_PER_DAY);
}

/**
 * The zone's wall clock at an instant, written as if it were UTC (to the second). Intl is asked once per zone
 * and whole minute: a booking asks for the same few minutes (its slot, now) many times over.
 */
export function wallClockAt(instantMs: number, timeZone: string): number {
	// Before 1970 offsets had seconds (local mean time) and changed at any second: Intl every time.
	if (instantMs < 0) return intlWallClockAt(instantMs, timeZone);
	return wholeSecond(instantMs) + minuteOffset(instantMs, timeZone);
}

/** Whole minutes remembered per zone; the oldest goes first. A day's slots and `now` fit many times over. */
const OFFSET_MINUTES_KEPT = 2048;
const offsetsByZone = new Map<string, Map<number, number>>();

/** The zone's offset during the minute holding `instantMs` (>= 0), from the cache or Intl. */
function minuteOffset(instantMs: number, timeZone: string): number {
	const minute = Math.floor(instantMs / MS_PER_MINUTE);
	let offsets = offsetsByZone.get(timeZone);
	const known = offsets?.get(minute);
	if (known !== undefined) return known;
	const first = minute * MS_PER_MINUTE;
	const last = first + MS_PER_MINUTE - 1000;
	const offset = intlWallClockAt(first, timeZone) - first;
	// An offset changes at most once in a minute, and after 1970 almost always on a whole minute; Liberia's
	// change of 1972 (from -0:44:30, at 00:44:30 UTC) did not. A minute that holds a change is not cached.
	if (intlWallClockAt(last, timeZone) - last !== offset)
		return intlWallClockAt(instantMs, timeZone) - wholeSecond(instantMs);
	if (offsets === undefined) {
		offsets = new Map();
		offsetsByZone.set(timeZone, offsets);
	}
	if (offsets.size >= OFFSET_MINUTES_KEPT) offsets.delete(offsets.keys().next().value as number);
	offsets.set(minute, offset);
	return offset;
}

function wholeSecond(instantMs: number): number {
	return Math.floor(instantMs / 1000) * 1000;
}

/** The zone's wall clock at an instant as Intl writes it, to the second. */
function intlWallClockAt(instantMs: number, timeZone: string): number {
	const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
	for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
		if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
	}
	// Some ICU builds still write midnight as "24" despite h23.
	const hour = fields.hour % 24;
	return Date.UTC(fields.year, fields.month - 1, fields.day, hour, fields.minute, fields.second);
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(instantMs: number, timeZone: string): number {
	return wallClockAt(instantMs, timeZone) - wholeSecond(instantMs);
}

export function localDateOf(instantMs: number, timeZone: string): string {
	return dateOfUtc(wallClockAt(instantMs, timeZone));
}

export function localTimeOf(instantMs: number, timeZone: string): string {
	const wall = wallClockAt(instantMs, timeZone);
	const msOfDay = ((wall % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
	return formatTime(Math.floor(msOfDay / MS_PER_MINUTE));
}

/**
 * The instant the zone's clock reads `minutes` after local midnight of `date`. A time that occurs
 * twice (fall-back) gives the earlier instant; a time skipped by a gap (spring-forward) gives the
 * instant the gap ends, so a range across a gap keeps its real length and yields no phantom slots.
 */
export function localToInstant(date: string, minutes: number, timeZone: string): number {
	const wall = utcMidnight(date) + minutes * MS_PER_MINUTE;
	// Real offsets lie within -12h..+14h, so the instant is within a day of `wall`; assumes at most
	// one transition in that span, which holds for every zone in use.
	const before = offsetAt(wall - MS_PER_DAY, timeZone);
	const after = offsetAt(wall + MS_PER_DAY, timeZone);
	if (before === after) return wall - before;
	const candidates = [wall - before, wall - after]
		.filter((instant) => wallClockAt(instant, timeZone) === wall)
		.sort((a, b) => a - b);
	if (candidates[0] !== undefined) return candidates[0];
	return transitionBetween(wall - after, wall - before, timeZone);
}

/** The first instant in (from, to] whose offset differs from the offset at `from`, to the second. */
function transitionBetween(from: number, to: number, timeZone: string): number {
	const initial = offsetAt(from, timeZone);
	let lo = from;
	let hi = to;
	while (hi - lo > 1000) {
		const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
		if (offsetAt(mid, timeZone) === initial) lo = mid;
		else hi = mid;
	}
	return hi;
}
