// Cutting a day's working ranges into bookable slots, and checking a day's ranges make sense.
import { localTimeOf, localToInstant, parseTime } from "./time";

/** Doctor-local wall-clock times "HH:MM"; `end` may be "24:00". `capacity` overrides the schedule's. */
export interface TimeRange {
	start: string;
	end: string;
	capacity?: number;
}

/**
 * A slot's identity is its UTC instants; `time` is the local "HH:MM" of its start, shown to people.
 * `range` is the index of the range it was cut from: a multi-slot visit stays inside one range.
 */
export interface SlotTime {
	start: number;
	end: number;
	time: string;
	capacity: number;
	range: number;
}

export interface CutOptions {
	/** Places per slot where the range names none (default 1). */
	capacity?: number;
	/** Gap after every slot before the next one starts (default 0). */
	bufferMinutes?: number;
}

const MS_PER_MINUTE = 60_000;

/**
 * The slots of one date. Each range is walked in real time from its start instant to its end instant,
 * so a range across a DST change keeps its real length: fall-back repeats local times, spring-forward
 * skips them. Invalid ranges are skipped here; rejecting them is findRangeProblem's job.
 */
export function slotsForDay(
	date: string,
	ranges: readonly TimeRange[],
	slotMinutes: number,
	timeZone: string,
	options: CutOptions = {},
): SlotTime[] {
	if (!Number.isInteger(slotMinutes) || slotMinutes <= 0) return [];
	const slotMs = slotMinutes * MS_PER_MINUTE;
	const stepMs = slotMs + (options.bufferMinutes ?? 0) * MS_PER_MINUTE;
	const slots: SlotTime[] = [];
	ranges.forEach((range, index) => {
		const start = parseTime(range.start);
		const end = parseTime(range.end);
		if (start === null || end === null || start >= end) return;
		const from = localToInstant(date, start, timeZone);
		const to = localToInstant(date, end, timeZone);
		const capacity = range.capacity ?? options.capacity ?? 1;
		// A trailing piece shorter than a slot is dropped; a buffer after the last slot may run past the end.
		for (let at = from; at + slotMs <= to; at += stepMs) {
			slots.push({ start: at, end: at + slotMs, time: localTimeOf(at, timeZone), capacity, range: index });
		}
	});
	return slots.sort((a, b) => a.start - b.start);
}

/** Null when the ranges are usable; otherwise a message for the person editing the schedule. */
export function findRangeProblem(ranges: readonly TimeRange[]): string | null {
	const parsed: { start: number; end: number; range: TimeRange }[] = [];
	for (const range of ranges) {
		const start = parseTime(range.start);
		const end = parseTime(range.end);
		if (start === null) return `"${range.start}" is not a time of day (HH:MM)`;
		if (end === null) return `"${range.end}" is not a time of day (HH:MM)`;
		if (start >= end) return `range ${label(range)} must start before it ends`;
		parsed.push({ start, end, range });
	}
	parsed.sort((a, b) => a.start - b.start);
	for (let i = 1; i < parsed.length; i++) {
		const previous = parsed[i - 1];
		const current = parsed[i];
		// Touching ranges (one ends when the next starts) are fine.
		if (previous && current && current.start < previous.end) {
			return `ranges ${label(previous.range)} and ${label(current.range)} overlap`;
		}
	}
	return null;
}

function label(range: TimeRange): string {
	return `${range.start}-${range.end}`;
}
