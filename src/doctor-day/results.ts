// What the doctor-day object answers over RPC: plain values, because RPC drops an error's own fields.
import type { Actor, Appointment, AppointmentRequest } from "../core/appointment";
import type { DaySummary, RefusalCode, SlotStatus, SlotView } from "../core/booking";
import type { BookRefusalCode } from "../core/day-decider";
import type { Hold, HoldRefusalCode } from "../core/holds";
import type { RescheduleRefusalCode, RescheduleTarget } from "../core/reschedule";
import type { VisitTypeView } from "../core/visit-types";
import type { EntryRefusalCode, JoinRefusalCode, WaitlistEntry } from "../core/waitlist";

/** Which doctor-day a call is for: objects are named by it, and a day with no config reads it by it. */
export interface DayRef {
	doctorId: string;
	date: string;
}

export interface DayAvailability extends DaySummary {
	doctor_id: string;
	date: string;
	timezone: string | null;
	version: number;
	/** Set when the day is closed as a whole (its clinic's closed weekday or holiday): then it has no slots. */
	closed: "clinic" | null;
	slots: SlotView[];
	/** The schedule's visit types, when it has any; each slot's `types` says which can start there. */
	appointment_types?: VisitTypeView[];
}

export type SlotCheck =
	| { available: boolean; status: SlotStatus | null; remaining: number; capacity: number; code?: RefusalCode }
	| WrongDay;

/** The instant belongs to another date in the doctor's zone (the Worker's zone was stale): ask that day. */
export interface WrongDay {
	wrongDay: string;
}

export interface BookRequest extends AppointmentRequest {
	bookedBy: string;
	idempotencyKey: string | null;
	holdId?: string | null;
	expectedVersion?: number | null;
	/** Set by a reschedule saga: the appointment this booking replaces. */
	rescheduledFrom?: string;
	/** Set by a series saga: the series this occurrence belongs to. */
	seriesId?: string;
}

/** Why a place was refused, with what the client needs to show: the slot as it is now, the day's version. */
export interface PlaceRefusal<Code> {
	ok: false;
	code: Code;
	booked: number;
	capacity: number;
	/** SLOT_HELD: when the first hold on the slot expires (epoch ms). */
	heldUntil?: number;
	slot: SlotView | null;
	version: number;
}

export type BookResult =
	| { ok: true; appointment: Appointment; replayed: boolean; version: number }
	| (PlaceRefusal<BookRefusalCode> & { sameDayAlternatives: SlotView[] })
	| { ok: false; code: "IDEMPOTENCY_KEY_REUSED"; appointment: Appointment }
	| { ok: false; code: "DOCTOR_NOT_FOUND" }
	| ({ ok: false; code: "WRONG_DAY" } & WrongDay);

/** A family booking: every patient into the one slot, all or none. */
export interface GroupBookRequest extends Omit<BookRequest, "patientId" | "holdId"> {
	patientIds: string[];
}

export type GroupBookResult =
	| { ok: true; appointments: Appointment[]; replayed: boolean; version: number }
	| (PlaceRefusal<BookRefusalCode> & { sameDayAlternatives: SlotView[]; patientId: string })
	| { ok: false; code: "IDEMPOTENCY_KEY_REUSED" }
	| { ok: false; code: "DOCTOR_NOT_FOUND" }
	| ({ ok: false; code: "WRONG_DAY" } & WrongDay);

export interface HoldRequest {
	patientId: string;
	placedBy: string;
	start: number;
	expectedVersion: number | null;
	type?: string | null;
	/** Set by a reschedule saga: the old visit's type, taken when `type` is absent and this day has it. */
	keptType?: string;
	/** Named by a reschedule saga (never by the Worker), so a repeated step finds the same hold. */
	id?: string;
}

export type HoldResult =
	| { ok: true; hold: Hold; version: number }
	| (PlaceRefusal<HoldRefusalCode> & { sameDayAlternatives: SlotView[] })
	| { ok: false; code: "DOCTOR_NOT_FOUND" }
	| ({ ok: false; code: "WRONG_DAY" } & WrongDay);

export type ReleaseResult =
	| { ok: true; hold: Hold; changed: boolean }
	| { ok: false; code: "NOT_FOUND" | "FORBIDDEN" };

export type CancelResult =
	| { ok: true; appointment: Appointment; changed: boolean }
	| {
			ok: false;
			code:
				| "APPOINTMENT_NOT_FOUND"
				| "FORBIDDEN"
				| "SLOT_IN_PAST"
				| "INVALID_TRANSITION"
				| "TOO_LATE_TO_CANCEL";
	  };

export type StatusResult =
	| { ok: true; appointment: Appointment; changed: boolean }
	| { ok: false; code: "APPOINTMENT_NOT_FOUND" | "FORBIDDEN" | "INVALID_TRANSITION" };

export interface ConfigApplied {
	version: number;
	affected: Appointment[];
}

export type { Actor };

/** A waitlist entry as the API shows it: its place in line while waiting. */
export type WaitlistEntryView = WaitlistEntry & { position: number | null };

export interface JoinRequest {
	patientId: string;
	/** One slot, or null: any slot of the day. */
	start: number | null;
}

export type JoinResult =
	| { ok: true; entry: WaitlistEntryView }
	| { ok: false; code: JoinRefusalCode | "DOCTOR_NOT_FOUND" };

export type EntryResult =
	| { ok: true; entry: WaitlistEntryView; changed: boolean }
	| { ok: false; code: EntryRefusalCode };

export type AcceptResult =
	| { ok: true; appointment: Appointment; entry: WaitlistEntryView }
	| { ok: false; code: EntryRefusalCode | "SLOT_UNAVAILABLE" };
export interface RescheduleRequest {
	appointmentId: string;
	actor: Actor;
	idempotencyKey: string | null;
	target: RescheduleTarget;
}

export type RescheduleResult =
	| { ok: true; appointment: Appointment; previous: Appointment; replayed: boolean }
	| (PlaceRefusal<BookRefusalCode> & { sameDayAlternatives: SlotView[] })
	| { ok: false; code: RescheduleRefusalCode | "DAY_UNAVAILABLE" | "DOCTOR_NOT_FOUND" };
