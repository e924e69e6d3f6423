// The booking rules: how a doctor-day's slots look and whether a place can be taken.
import {
	blockedIntervals,
	type DayConfig,
	dayOpenness,
	isBlocked,
	openSlots,
	scheduledSlots,
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
	/** Places a patient can take: capacity − booked − held. */
	remaining: number;
	status: SlotStatus;
}

export type RefusalCode =
	| "DOCTOR_UNAVAILABLE"
	| "SLOT_IN_PAST"
	| "DAY_UNAVAILABLE"
	| "CLINIC_CLOSED"
	| "SLOT_NOT_FOUND"
	| "SLOT_UNAVAILABLE"
	| "ALREADY_BOOKED"
	| "SLOT_FULL"
	| "SLOT_HELD"
	| "PATIENT_DAY_LIMIT";

export type BookingDecision =
	| { ok: true; slot: SlotTime }
	| { ok: false; code: RefusalCode; booked: number; capacity: number; heldUntil?: number };

/** Confirmed bookings per slot start (epoch ms). */
export type BookedCounts = ReadonlyMap<number, number>;

/** Live holds per slot start (epoch ms): how many, and when the first of them expires. */
export type HeldCounts = ReadonlyMap<number, { count: number; until: number }>;

export const NO_HOLDS: HeldCounts = new Map();

export function doctorBookable(config: DayConfig): boolean {
	return config.isApproved && config.isAvailable;
}

/** Every scheduled slot of the day with its status; past beats unavailable beats full beats held. */
export function slotViews(
	config: DayConfig,
	booked: BookedCounts,
	now: number,
	held: HeldCounts = NO_HOLDS,
): SlotView[] {
	const blocked = blockedIntervals(config);
	const bookable = doctorBookable(config);
	return openSlots(config, now).map((slot) => {
		const count = booked.get(slot.start) ?? 0;
		const holding = held.get(slot.start)?.count ?? 0;
		let status: SlotStatus = "available";
		if (slot.start <= now) status = "past";
		else if (!bookable || isBlocked(slot, blocked)) status = "unavailable";
		else if (count >= config.capacity) status = "full";
		else if (count + holding >= config.capacity) status = "held";
		return toSlotView(slot, config.capacity, count, holding, status);
	});
}

export function toSlotView(
	slot: SlotTime,
	capacity: number,
	booked: number,
	held: number,
	status: SlotStatus,
): SlotView {
	return {
		start: new Date(slot.start).toISOString(),
		end: new Date(slot.end).toISOString(),
		time: slot.time,
		capacity,
		booked,
		held,
		remaining: Math.max(0, capacity - booked - held),
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

/**
 * Decides whether one more place can be taken at `start`. The caller must apply the decision in the
 * same synchronous transaction that read `booked` and `held`, so no other booking can slip in between.
 * `held` are other people's live holds: they count against this request like bookings.
 */
export function decideBooking(
	config: DayConfig,
	start: number,
	now: number,
	booked: BookedCounts,
	patientHoldsSlot: boolean,
	held: HeldCounts = NO_HOLDS,
): BookingDecision {
	const count = booked.get(start) ?? 0;
	const holding = held.get(start);
	const refuse = (code: RefusalCode): BookingDecision => ({
		ok: false,
		code,
		booked: count,
		capacity: config.capacity,
	});
	if (!doctorBookable(config)) return refuse("DOCTOR_UNAVAILABLE");
	if (start <= now) return refuse("SLOT_IN_PAST");
	const openness = dayOpenness(config, now);
	if (openness === "clinic_closed") return refuse("CLINIC_CLOSED");
	if (openness !== "open") return refuse("DAY_UNAVAILABLE");
	const slot = scheduledSlots(config).find((s) => s.start === start);
	if (slot === undefined) return refuse("SLOT_NOT_FOUND");
	if (isBlocked(slot, blockedIntervals(config))) return refuse("SLOT_UNAVAILABLE");
	if (patientHoldsSlot) return refuse("ALREADY_BOOKED");
	if (count >= config.capacity) return refuse("SLOT_FULL");
	if (holding !== undefined && count + holding.count >= config.capacity)
		return {
			ok: false,
			code: "SLOT_HELD",
			booked: count,
			capacity: config.capacity,
			heldUntil: holding.until,
		};
	return { ok: true, slot };
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
