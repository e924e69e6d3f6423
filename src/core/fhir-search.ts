// FHIR search parameters as the read API takes them: references and a bounded `start` range.
import { DOCTOR_ID_PATTERN } from "./appointment";
import { addDays, daysBetween, isValidDate, localDateOf, localToInstant } from "./time";

/** A Slot search covers at most this many of the doctor's days, each one call to its day object. */
export const MAX_SLOT_SEARCH_DAYS = 31;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** "Practitioner/dr-a" or "dr-a" → "dr-a" (the id of a doctor, whose schedule shares it). */
export function parseReference(type: string, values: readonly string[], param: string): Parsed<string> {
	if (values.length !== 1) return { ok: false, problem: `${param}: give exactly one ${type} reference.` };
	const value = values[0] as string;
	const id = value.startsWith(`${type}/`) ? value.slice(type.length + 1) : value;
	if (!DOCTOR_ID_PATTERN.test(id)) {
		return { ok: false, problem: `${param}: must be ${type}/<id>, not "${value.slice(0, 80)}".` };
	}
	return { ok: true, value: id };
}

type Prefix = "eq" | "gt" | "ge" | "lt" | "le";
type Bound = { prefix: Prefix; date: string } | { prefix: Prefix; instant: number };

const DATE_VALUE = /^(eq|gt|ge|lt|le)?(\d{4}-\d{2}-\d{2})$/;
const INSTANT_VALUE =
	/^(eq|gt|ge|lt|le)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))$/;

function parseBound(value: string): Bound | null {
	const date = DATE_VALUE.exec(value);
	if (date !== null) {
		if (!isValidDate(date[2] as string)) return null;
		return { prefix: (date[1] ?? "eq") as Prefix, date: date[2] as string };
	}
	const instant = INSTANT_VALUE.exec(value);
	if (instant === null) return null;
	const ms = Date.parse(instant[2] as string);
	return Number.isNaN(ms) ? null : { prefix: (instant[1] ?? "eq") as Prefix, instant: ms };
}

/** Slot starts in [from, to) (epoch ms) and the doctor-local dates they fall on. */
export interface StartRange {
	from: number;
	to: number;
	dates: string[];
}

/**
 * The `start` values of a Slot search as one range. Dates are the doctor's local dates (so "ge2027-03-15"
 * starts at that day's local midnight, DST or not); dateTimes carry their own zone. Both ends are required.
 */
export function parseStartRange(values: readonly string[], timeZone: string): Parsed<StartRange> {
	const example = "start=ge2027-03-15&start=lt2027-03-22";
	let from = Number.NEGATIVE_INFINITY;
	let to = Number.POSITIVE_INFINITY;
	for (const value of values) {
		const bound = parseBound(value);
		if (bound === null) {
			return {
				ok: false,
				problem: `start: "${value.slice(0, 80)}" is not a date search value (eq, gt, ge, lt or le, then YYYY-MM-DD or a dateTime with its zone).`,
			};
		}
		const [low, high] = boundInstants(bound, timeZone);
		if (bound.prefix === "eq" || bound.prefix === "ge") from = Math.max(from, low);
		if (bound.prefix === "gt") from = Math.max(from, high);
		if (bound.prefix === "eq" || bound.prefix === "le") to = Math.min(to, high);
		if (bound.prefix === "lt") to = Math.min(to, low);
	}
	if (!Number.isFinite(from) || !Number.isFinite(to)) {
		return { ok: false, problem: `start: give both ends of the range, e.g. ${example}.` };
	}
	if (to <= from) return { ok: true, value: { from, to, dates: [] } };
	const first = localDateOf(from, timeZone);
	const last = localDateOf(to - 1, timeZone);
	if (daysBetween(first, last) + 1 > MAX_SLOT_SEARCH_DAYS) {
		return { ok: false, problem: `start: the range covers more than ${MAX_SLOT_SEARCH_DAYS} days.` };
	}
	const dates = Array.from({ length: daysBetween(first, last) + 1 }, (_, i) => addDays(first, i));
	return { ok: true, value: { from, to, dates } };
}

/** The instants a bound's value spans: a local day [midnight, next midnight), or one instant [t, t+1). */
function boundInstants(bound: Bound, timeZone: string): [number, number] {
	if ("instant" in bound) return [bound.instant, bound.instant + 1];
	return [localToInstant(bound.date, 0, timeZone), localToInstant(addDays(bound.date, 1), 0, timeZone)];
}
