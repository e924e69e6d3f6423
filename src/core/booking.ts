// The booking rules: how a doctor-day's slots look and whether a place can be taken.
import {
	blockedIntervals,
	type DayConfig,
	dayFull,
	dayOpenness,
	isBlocked,
	openSlots,
	reservedPlaces,
	scheduledSlots,
	tooLateToBook,
} from "./day-config";
import type { SlotTime } from "./slots";

export type SlotStatus = "available" | "held" | "full" | "unavailable" | "past";

export interface SlotView {
	start: string;
	end: string;
	time: string;
	capacity: number;
	booked: number;
	/** Places held right now (a patient filling the form, or a waitlist offer). */
	held: number;
	/** Places a patient can take: capacity − booked − held − reserved (0 once the day is full). */
	remaining: number;
	status: SlotStatus;
	/** The visit types a patient could start here now (src/core/visit-types.ts); absent when the schedule has none. */
	types?: string[];
}

export type RefusalCode =
	| "DOCTOR_UNAVAILABLE"
	| "SLOT_IN_PAST"
	| "DAY_UNAVAILABLE"
	| "CLINIC_CLOSED"
	| "SLOT_NOT_FOUND"
	| "SLOT_UNAVAILABLE"
	| "TOO_LATE_TO_BOOK"
	| "ALREADY_BOOKED"
	| "DAY_FULL"
	| "SLOT_FULL"
	| "SLOT_HELD"
	| "PATIENT_DAY_LIMIT";

export type BookingDecision =
	| { ok: true; slot: SlotTime; slots: readonly SlotTime[] }
	| { ok: false; code: RefusalCode; booked: number; capacity: number; heldUntil?: number };

/** Places taken per slot start (epoch ms) by appointments that keep their place. */
export type BookedCounts = ReadonlyMap<number, number>;

/** Live holds per slot start (epoch ms): how many, and when the first of them expires. */
export type HeldCounts = ReadonlyMap<number, { count: number; until: number }>;

export const NO_HOLDS: HeldCounts = new Map();

export function doctorBookable(config: DayConfig): boolean {
	return config.isApproved && config.isAvailable;
}

/**
 * Every scheduled slot of the day with its status, as patients see it: past beats unavailable (blocked, or
 * inside the notice) beats full beats held. Reserved places count as taken, and a day that reached
 * `max_per_day` (`dayBookings`: its bookings and live holds) shows every slot full.
 */
export function slotViews(
	config: DayConfig,
	booked: BookedCounts,
	now: number,
	held: HeldCounts = NO_HOLDS,
	dayBookings = 0,
): SlotView[] {
	const blocked = blockedIntervals(config);
	const bookable = doctorBookable(config);
	const reserved = reservedPlaces(config);
	const full = dayFull(config, dayBookings);
	return openSlots(config, now).map((slot) => {
		const count = booked.get(slot.start) ?? 0;
		const holding = held.get(slot.start)?.count ?? 0;
		const forPatients = slot.capacity - reserved;
		let status: SlotStatus = "available";
		if (slot.start <= now) status = "past";
		else if (!bookable || isBlocked(slot, blocked) || tooLateToBook(config, slot.start, now))
			status = "unavailable";
		else if (full || count >= forPatients) status = "full";
		else if (count + holding >= forPatients) status = "held";
		return toSlotView(slot, count, holding, status, full ? slot.capacity : reserved);
	});
}

/** `taken`: places patients cannot have besides the booked and held ones (the reserved ones). */
export function toSlotView(
	slot: SlotTime,
	booked: number,
	held: number,
	status: SlotStatus,
	taken = 0,
): SlotView {
	return {
		start: new Date(slot.start).toISOString(),
		end: new Date(slot.end).toISOString(),
		time: slot.time,
		capacity: slot.capacity,
		booked,
		held,
		remaining: Math.max(0, slot.capacity - booked - held - taken),
		status,
	};
}

export interface DaySummary {
	total_slots: number;
	available_count: number;
	booked_count: number;
}

export function summarize(slots: readonly SlotView[]): DaySummary {
	return {
		total_slots: slots.length,
		available_count: slots.filter((s) => s.status === "available").length,
		booked_count: slots.filter((s) => s.status === "full").length,
	};
}

/** Who asks for a place, and how big a visit: what the schedule's rules depend on. */
export interface PlaceAsk {
	/**
	 * Reserved places, the notice and `max_per_day` do not bind it: a doctor or admin booking for a patient,
	 * or a patient confirming their own hold (which those rules let through when it was placed).
	 */
	staff?: boolean;
	/** Consecutive slots of one range the visit takes (its appointment type's; 1 by default). */
	slots?: number;
	/** The day's bookings holding a place plus others' live holds, for `max_per_day`. */
	dayBookings?: number;
}

/**
 * Decides whether one more place can be taken at `start` (in each of `ask.slots` consecutive slots: all or
 * none). The caller must apply the decision in the same synchronous transaction that read `booked` and
 * `held`, so no other booking can slip in between. `held` are other people's live holds: they count
 * against this request like bookings.
 */
export function decideBooking(
	config: DayConfig,
	start: number,
	now: number,
	booked: BookedCounts,
	patientHoldsSlot: boolean,
	held: HeldCounts = NO_HOLDS,
	ask: PlaceAsk = {},
): BookingDecision {
	const refuse = (code: RefusalCode, at = start, capacity = config.capacity): BookingDecision => ({
		ok: false,
		code,
		booked: booked.get(at) ?? 0,
		capacity,
	});
	if (!doctorBookable(config)) return refuse("DOCTOR_UNAVAILABLE");
	if (start <= now) return refuse("SLOT_IN_PAST");
	const openness = dayOpenness(config, now);
	if (openness === "clinic_closed") return refuse("CLINIC_CLOSED");
	if (openness !== "open") return refuse("DAY_UNAVAILABLE");
	const span = spanAt(config, start, ask.slots ?? 1);
	const first = span[0];
	if (first === undefined) return refuse("SLOT_NOT_FOUND");
	// A visit of several slots that would run past its range's end has no slot there to take.
	if (span.length < (ask.slots ?? 1)) return refuse("SLOT_NOT_FOUND", start, first.capacity);
	const last = span[span.length - 1] ?? first;
	// The visit takes its whole span, buffers between its slots included.
	if (isBlocked({ start, end: last.end }, blockedIntervals(config)))
		return refuse("SLOT_UNAVAILABLE", start, first.capacity);
	const staff = ask.staff === true;
	if (!staff && tooLateToBook(config, start, now)) return refuse("TOO_LATE_TO_BOOK", start, first.capacity);
	if (patientHoldsSlot) return refuse("ALREADY_BOOKED", start, first.capacity);
	if (!staff && dayFull(config, ask.dayBookings ?? 0)) return refuse("DAY_FULL", start, first.capacity);
	const reserved = staff ? 0 : reservedPlaces(config);
	for (const slot of span) {
		const count = booked.get(slot.start) ?? 0;
		const places = slot.capacity - reserved;
		if (count >= places) return refuse("SLOT_FULL", slot.start, slot.capacity);
		const holding = held.get(slot.start);
		if (holding !== undefined && count + holding.count >= places)
			return {
				ok: false,
				code: "SLOT_HELD",
				booked: count,
				capacity: slot.capacity,
				heldUntil: holding.until,
			};
	}
	return { ok: true, slot: { ...first, end: last.end }, slots: span };
}

/** The slot starting at `start` and up to `count - 1` slots after it in the same range (fewer at its end). */
function spanAt(config: DayConfig, start: number, count: number): SlotTime[] {
	const slots = scheduledSlots(config);
	const index = slots.findIndex((s) => s.start === start);
	const first = slots[index];
	if (first === undefined) return [];
	return slots.slice(index, index + count).filter((slot) => slot.range === first.range);
}

/** The future bookings a config no longer offers a place for: no slot starts there, it is blocked, or the clinic closed the day. */
export function outsideSchedule<T extends { start: number; end: number }>(
	config: DayConfig,
	bookings: readonly T[],
	now: number,
): T[] {
	if (config.clinicClosed === true) return bookings.filter((b) => b.start > now);
	const slotStarts = new Set(scheduledSlots(config).map((s) => s.start));
	const blocked = blockedIntervals(config);
	return bookings.filter((b) => b.start > now && (!slotStarts.has(b.start) || isBlocked(b, blocked)));
}
