// What one doctor-day depends on, copied from D1 into its object, and the day's slots under it.
import { type SlotTime, slotsForDay, type TimeRange } from "./slots";
import { daysBetween, localDateOf, localToInstant, parseTime } from "./time";

export interface Block {
	id: string;
	start: string; // "HH:MM" doctor-local
	end: string;
	reason: string | null;
}

export interface DayConfig {
	doctorId: string;
	date: string;
	// The doctor's config version in D1: an object applies a config only if it is newer than its own.
	version: number;
	timezone: string | null;
	isAvailable: boolean;
	isApproved: boolean;
	slotMinutes: number;
	capacity: number;
	horizonDays: number;
	ranges: TimeRange[]; // the ranges of this date's weekday
	blocks: Block[]; // unavailability on this date
}

export type DayOpenness = "open" | "no_schedule" | "not_enabled" | "beyond_horizon";

/** Whether the day offers slots at all; past days stay open so their slots show as past. */
export function dayOpenness(config: DayConfig, now: number): DayOpenness {
	if (config.timezone === null) return "no_schedule";
	if (config.ranges.length === 0) return "not_enabled";
	const today = localDateOf(now, config.timezone);
	if (daysBetween(today, config.date) > config.horizonDays) return "beyond_horizon";
	return "open";
}

/** The slots the weekly schedule cuts this date into, whether or not the day is open for booking. */
export function scheduledSlots(config: DayConfig): SlotTime[] {
	if (config.timezone === null) return [];
	return slotsForDay(config.date, config.ranges, config.slotMinutes, config.timezone);
}

/** The slots patients see: none when the day is not open. */
export function openSlots(config: DayConfig, now: number): SlotTime[] {
	return dayOpenness(config, now) === "open" ? scheduledSlots(config) : [];
}

/** Unavailability as UTC intervals; a block covers every slot it overlaps. */
export function blockedIntervals(config: DayConfig): Array<{ start: number; end: number }> {
	if (config.timezone === null) return [];
	const zone = config.timezone;
	return config.blocks.flatMap((block) => {
		const start = parseTime(block.start);
		const end = parseTime(block.end);
		if (start === null || end === null) return [];
		return [{ start: localToInstant(config.date, start, zone), end: localToInstant(config.date, end, zone) }];
	});
}

export function isBlocked(
	slot: { start: number; end: number },
	blocked: ReadonlyArray<{ start: number; end: number }>,
) {
	return blocked.some((b) => slot.start < b.end && b.start < slot.end);
}
