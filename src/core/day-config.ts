// What one doctor-day depends on, copied from D1 into its object, and the day's slots under it.
import { type SlotTime, slotsForDay, type TimeRange } from "./slots";
import { daysBetween, localDateOf, localToInstant, parseTime, type Weekday, weekdayOf } from "./time";

export interface Block {
	id: string;
	start: string; // "HH:MM" doctor-local
	end: string;
	reason: string | null;
}

/** What a doctor's every day shares (D1's doctors row). */
export interface DoctorSettings {
	doctorId: string;
	// The doctor's config version in D1: an object applies a config only if it is newer than its own.
	version: number;
	timezone: string | null;
	isAvailable: boolean;
	isApproved: boolean;
	slotMinutes: number;
	capacity: number;
	horizonDays: number;
	/** Places one patient may book themself on a day; absent in configs stored before the limit existed. */
	maxPerPatient?: number;
	/** How long a hold keeps a place; absent in configs stored before holds existed (default 300). */
	holdSeconds?: number;
	/** How long a waitlist offer keeps its place; absent in configs stored before the waitlist (default 900). */
	offerSeconds?: number;
	/** Bookings wait as `pending` (holding their place) until the doctor confirms or declines; absent: false. */
	requiresApproval?: boolean;
	// The schedule's rules; each is absent in configs stored before it existed, meaning its default.
	/** Gap after every slot before the next one starts (0). */
	bufferMinutes?: number;
	/** Patients book and hold only slots starting at least this far ahead (0). */
	minNoticeMinutes?: number;
	/** Patients cancel only appointments starting at least this far ahead (0); staff always may. */
	cancelCutoffMinutes?: number;
	/** Bookings (and live holds) a day takes from patients; null or absent: no limit. */
	maxPerDay?: number | null;
	/** Places per slot only the doctor or an admin can book (0). */
	reservedPlaces?: number;
	/** Visits that take several consecutive slots of one range (none). */
	appointmentTypes?: AppointmentType[];
}

export interface AppointmentType {
	id: string;
	name: string;
	slots: number;
}

const MS_PER_MINUTE = 60_000;

export function reservedPlaces(config: DayConfig): number {
	return config.reservedPlaces ?? 0;
}

/** Inside the notice: a patient may no longer book or hold a slot starting at `start`. At the boundary they still may. */
export function tooLateToBook(config: DayConfig, start: number, now: number): boolean {
	return start - now < (config.minNoticeMinutes ?? 0) * MS_PER_MINUTE;
}

/** Inside the cutoff: a patient may no longer cancel an appointment starting at `start`. */
export function tooLateToCancel(config: DayConfig | null, start: number, now: number): boolean {
	return start - now < (config?.cancelCutoffMinutes ?? 0) * MS_PER_MINUTE;
}

/** The day has taken as many bookings (and live holds) as patients may make: `bookings` counts them. */
export function dayFull(config: DayConfig, bookings: number): boolean {
	const max = config.maxPerDay ?? null;
	return max !== null && bookings >= max;
}

/** How many consecutive slots a visit of `typeId` takes: 1 without a type, null for a type the schedule lacks. */
export function typeSlots(config: DayConfig, typeId: string | null | undefined): number | null {
	if (typeId === null || typeId === undefined) return 1;
	return config.appointmentTypes?.find((t) => t.id === typeId)?.slots ?? null;
}

/** The days a doctor's clinic is closed on, for every doctor of the clinic. */
export interface ClinicClosures {
	weekdays: Weekday[];
	holidays: string[];
}

export function closedByClinic(closures: ClinicClosures | undefined, date: string): boolean {
	return (
		closures !== undefined &&
		(closures.weekdays.includes(weekdayOf(date)) || closures.holidays.includes(date))
	);
}

export interface DayConfig extends DoctorSettings {
	date: string;
	ranges: TimeRange[]; // the ranges of this date's weekday
	blocks: Block[]; // unavailability on this date
	/** The doctor's clinic is closed on this date (a closed weekday or a holiday); absent means open. */
	clinicClosed?: boolean;
}

/** How many places of one doctor-day a patient may book themself, unless the schedule says otherwise. */
export const DEFAULT_MAX_PER_PATIENT = 4;

export function patientDayLimit(config: DayConfig): number {
	return config.maxPerPatient ?? DEFAULT_MAX_PER_PATIENT;
}

export type DayOpenness = "open" | "no_schedule" | "clinic_closed" | "not_enabled" | "beyond_horizon";

/** Whether the day offers slots at all; past days stay open so their slots show as past. */
export function dayOpenness(config: DayConfig, now: number): DayOpenness {
	if (config.timezone === null) return "no_schedule";
	if (config.clinicClosed === true) return "clinic_closed";
	if (config.ranges.length === 0) return "not_enabled";
	const today = localDateOf(now, config.timezone);
	if (daysBetween(today, config.date) > config.horizonDays) return "beyond_horizon";
	return "open";
}

// Cutting a day into slots asks Intl for every slot's local time; an object keeps its config object for
// many bookings, so each config is cut once. Configs are never mutated, and callers never mutate the slots.
const slotsByConfig = new WeakMap<DayConfig, readonly SlotTime[]>();
const blockedByConfig = new WeakMap<DayConfig, readonly Interval[]>();

/** The slots the weekly schedule cuts this date into, whether or not the day is open for booking. */
export function scheduledSlots(config: DayConfig): readonly SlotTime[] {
	let slots = slotsByConfig.get(config);
	if (slots === undefined) {
		slots =
			config.timezone === null
				? []
				: slotsForDay(config.date, config.ranges, config.slotMinutes, config.timezone, {
						capacity: config.capacity,
						bufferMinutes: config.bufferMinutes ?? 0,
					});
		slotsByConfig.set(config, slots);
	}
	return slots;
}

/** Why a day offers no slots that its schedule has: today only its clinic's closed days. */
export function closedReason(config: DayConfig | null): "clinic" | null {
	return config?.clinicClosed === true ? "clinic" : null;
}

/** The slots patients see: none when the day is not open. */
export function openSlots(config: DayConfig, now: number): readonly SlotTime[] {
	return dayOpenness(config, now) === "open" ? scheduledSlots(config) : [];
}

interface Interval {
	start: number;
	end: number;
}

/** Unavailability as UTC intervals; a block covers every slot it overlaps. */
export function blockedIntervals(config: DayConfig): readonly Interval[] {
	let blocked = blockedByConfig.get(config);
	if (blocked === undefined) {
		blocked = cutBlocks(config);
		blockedByConfig.set(config, blocked);
	}
	return blocked;
}

function cutBlocks(config: DayConfig): Interval[] {
	if (config.timezone === null) return [];
	const zone = config.timezone;
	return config.blocks.flatMap((block) => {
		const start = parseTime(block.start);
		const end = parseTime(block.end);
		if (start === null || end === null) return [];
		return [{ start: localToInstant(config.date, start, zone), end: localToInstant(config.date, end, zone) }];
	});
}

export function isBlocked(slot: Interval, blocked: readonly Interval[]) {
	return blocked.some((b) => slot.start < b.end && b.start < slot.end);
}
