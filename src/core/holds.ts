// Holds: one place kept for a patient while they fill the form. Held places count against everyone else
// like bookings until the hold is booked, released, replaced or expires (decided here, time injected).
import { type Actor, canAccessAppointment } from "./appointment";
import { type BookedCounts, decideBooking, type HeldCounts, type RefusalCode } from "./booking";
import { type DayConfig, patientDayLimit, typeSlots } from "./day-config";
import type { DayEvent } from "./day-decider";

/** How long a hold lasts unless the schedule says otherwise. */
export const DEFAULT_HOLD_SECONDS = 300;

/** A hold as the API shows it. */
export interface Hold {
	id: string;
	doctor_id: string;
	patient_id: string;
	start: string;
	end: string;
	expires_at: string;
	/** The appointment type the hold is for (absent: a one-slot visit). */
	type?: string;
}

export type HoldStatus = "live" | "released" | "expired" | "booked";

/** A hold as the day keeps it: once not live it stays, so a late confirm gets a clear answer. */
export interface HoldRecord {
	hold: Hold;
	status: HoldStatus;
	/** The appointment the hold became (status "booked"). */
	appointmentId: string | null;
	/** Every slot start it keeps a place in, when it is for a multi-slot type (absent: its start alone). */
	starts?: readonly number[];
	/** The waitlist entry this hold is the offer of (src/core/waitlist.ts); absent for a patient's own hold. */
	entryId?: string | null;
}

export function holdSeconds(config: DayConfig): number {
	return config.holdSeconds ?? DEFAULT_HOLD_SECONDS;
}

export function holdStart(record: HoldRecord): number {
	return Date.parse(record.hold.start);
}

export function isLive(record: HoldRecord, now: number): boolean {
	return record.status === "live" && Date.parse(record.hold.expires_at) > now;
}

/** Live holds per slot, leaving out `except` (the caller's own hold, which must not count against it). */
export function heldCounts(
	records: readonly HoldRecord[],
	now: number,
	except: string | null = null,
): HeldCounts {
	const counts = new Map<number, { count: number; until: number }>();
	for (const record of records) {
		if (record.hold.id === except || !isLive(record, now)) continue;
		const until = Date.parse(record.hold.expires_at);
		for (const start of record.starts ?? [holdStart(record)]) {
			const seen = counts.get(start);
			counts.set(start, {
				count: (seen?.count ?? 0) + 1,
				until: seen === undefined ? until : Math.min(seen.until, until),
			});
		}
	}
	return counts;
}

/** How many live holds (each a booking in the making) the day has, leaving out `except`: for `max_per_day`. */
export function liveHoldCount(
	records: readonly HoldRecord[],
	now: number,
	except: string | null = null,
): number {
	return records.filter((record) => record.hold.id !== except && isLive(record, now)).length;
}

/**
 * The holds as stored, for what watchers see: a hold shows until the expiry alarm ends it (within a
 * moment of its time), so the alarm's change is what tells every page the place is free again.
 */
export function storedHeldCounts(records: readonly HoldRecord[]): HeldCounts {
	return heldCounts(records, Number.NEGATIVE_INFINITY);
}

/** A patient's live hold on this day, if any (a patient keeps at most one; waitlist offers are apart). */
export function patientHold(
	records: readonly HoldRecord[],
	patientId: string,
	now: number,
): HoldRecord | null {
	return records.find((r) => r.hold.patient_id === patientId && !r.entryId && isLive(r, now)) ?? null;
}

/** The client's `expected_version` is older than the slot's last change: its page was stale. */
export function slotChangedSince(slotChangedAt: number, expectedVersion: number | null): boolean {
	return expectedVersion !== null && slotChangedAt > expectedVersion;
}

export interface HoldCommand {
	/** Minted outside, so the decision stays pure; a reschedule saga names it, so a repeat finds its hold. */
	id: string;
	patientId: string;
	placedBy: string;
	start: number;
	expectedVersion: number | null;
	/** The appointment type to hold for (its slots, all or none). */
	type?: string | null;
}

export interface HoldState {
	config: DayConfig;
	booked: BookedCounts;
	/** The day's holds that are still live (others are ignored). */
	holds: readonly HoldRecord[];
	/** Whether the patient already has a confirmed place at the command's start. */
	patientHoldsSlot: boolean;
	patientPlaces: number;
	/** The day version at which the command's slot last changed. */
	slotChangedAt: number;
	/** The day's appointments that hold a place, for `max_per_day`. */
	dayBookings: number;
	/** A hold already stored under the command's id (in any status): the command is a repeat. */
	existing?: HoldRecord | null;
}

export type HoldRefusalCode = RefusalCode | "SLOT_CHANGED" | "UNKNOWN_TYPE";

export type HoldDecision =
	/** `starts`: every slot the hold keeps a place in. */
	| { kind: "placed"; hold: Hold; events: DayEvent[]; starts: number[] }
	| { kind: "replayed"; hold: Hold }
	| { kind: "refused"; code: HoldRefusalCode; booked: number; capacity: number; heldUntil?: number };

/** Places a hold; the patient's earlier hold on this day (on any slot) is released by the same change. */
export function decideHold(state: HoldState, command: HoldCommand, now: number): HoldDecision {
	const { config } = state;
	// A repeated step of a saga gets its hold as it is now; the saga's next step sees whether it still holds.
	if (state.existing) return { kind: "replayed", hold: state.existing.hold };
	const booked = state.booked.get(command.start) ?? 0;
	if (slotChangedSince(state.slotChangedAt, command.expectedVersion))
		return { kind: "refused", code: "SLOT_CHANGED", booked, capacity: config.capacity };
	const slots = typeSlots(config, command.type);
	if (slots === null) return { kind: "refused", code: "UNKNOWN_TYPE", booked, capacity: config.capacity };
	const previous = patientHold(state.holds, command.patientId, now);
	const except = previous?.hold.id ?? null;
	const decision = decideBooking(
		config,
		command.start,
		now,
		state.booked,
		state.patientHoldsSlot,
		heldCounts(state.holds, now, except),
		{
			staff: command.placedBy !== command.patientId,
			slots,
			dayBookings: state.dayBookings + liveHoldCount(state.holds, now, except),
		},
	);
	if (!decision.ok) return { kind: "refused", ...withoutOk(decision) };
	// A hold is the first half of a booking: a patient may not hold what they could not then book.
	if (command.placedBy === command.patientId && state.patientPlaces >= patientDayLimit(config))
		return { kind: "refused", code: "PATIENT_DAY_LIMIT", booked, capacity: config.capacity };
	const hold: Hold = {
		id: command.id,
		doctor_id: config.doctorId,
		patient_id: command.patientId,
		start: new Date(decision.slot.start).toISOString(),
		end: new Date(decision.slot.end).toISOString(),
		expires_at: new Date(now + holdSeconds(config) * 1000).toISOString(),
		...(command.type ? { type: command.type } : {}),
	};
	const events: DayEvent[] = [];
	if (previous !== null) events.push({ type: "hold.released", hold: previous.hold, reason: "replaced" });
	events.push({ type: "hold.placed", hold, placed_by: command.placedBy });
	return { kind: "placed", hold, events, starts: decision.slots.map((slot) => slot.start) };
}

function withoutOk<T extends { ok: false }>(decision: T): Omit<T, "ok"> {
	const { ok: _ok, ...rest } = decision;
	return rest;
}

export type ReleaseDecision =
	| { kind: "released"; hold: Hold; events: DayEvent[] }
	| { kind: "unchanged"; hold: Hold }
	| { kind: "refused"; code: "NOT_FOUND" | "FORBIDDEN" };

/** Releasing is harmless twice: a hold that is no longer live answers as it is. */
export function decideRelease(record: HoldRecord | null, actor: Actor, now: number): ReleaseDecision {
	if (record === null) return { kind: "refused", code: "NOT_FOUND" };
	if (!canAccessAppointment(actor, record.hold)) return { kind: "refused", code: "FORBIDDEN" };
	if (!isLive(record, now)) return { kind: "unchanged", hold: record.hold };
	return {
		kind: "released",
		hold: record.hold,
		events: [{ type: "hold.released", hold: record.hold, reason: "released" }],
	};
}

/** The live holds whose time is up, as hold.expired events (none when nothing is due). */
export function decideExpiry(records: readonly HoldRecord[], now: number): DayEvent[] {
	return records
		.filter((r) => r.status === "live" && Date.parse(r.hold.expires_at) <= now)
		.map((r) => ({ type: "hold.expired", hold: r.hold }));
}

/** When the next live hold expires (null: none). */
export function nextExpiry(records: readonly HoldRecord[], now: number): number | null {
	const due = records.filter((r) => isLive(r, now)).map((r) => Date.parse(r.hold.expires_at));
	return due.length === 0 ? null : Math.min(...due);
}
