// Rescheduling: the new place is secured before the old one is released, and if it cannot be had nothing
// changes. On one day both happen in one decision (one transaction). Across days or doctors it is a saga of
// idempotent steps owned by the old day (src/doctor-day/reschedule-saga.ts): hold new → confirm new → mark
// old `rescheduled` (which releases its place). Its steps are decided here; time is injected.
import { type Actor, type Appointment, canAccessAppointment } from "./appointment";
import { type DayConfig, typeSlots } from "./day-config";
import {
	type BookCommand,
	type BookRefusalCode,
	type BookState,
	type DayEvent,
	decideBook,
} from "./day-decider";
import { canMove, holdsPlace, moved } from "./lifecycle";

/** Where the appointment goes: a doctor-day, a slot start, and the visit's type. */
export interface RescheduleTarget {
	doctorId: string;
	date: string;
	start: number;
	/**
	 * The new visit's appointment type: a type id, or null for a one-slot visit. Absent: the old appointment's
	 * type where the target day's schedule has it, else one slot (see `rescheduleType`).
	 */
	type?: string | null;
}

/**
 * The saga's durable state, one per old appointment. `holding`: begun, the new place may or may not be held;
 * `confirming`: held (the hold id is fixed from the start, so a repeated step finds the same hold);
 * `releasing`: the new appointment is confirmed, the old one still holds its place; `done`.
 */
export type SagaStep = "holding" | "confirming" | "releasing" | "done";

export interface RescheduleSaga {
	/** The old appointment (the saga's key in its day). */
	appointmentId: string;
	actor: Actor;
	idempotencyKey: string | null;
	target: RescheduleTarget;
	/** Minted when the saga begins; empty for a same-day reschedule (no hold). */
	holdId: string;
	step: SagaStep;
	/** The new appointment, once confirmed. */
	appointment: Appointment | null;
	startedAt: number;
	/**
	 * Who cancelled (or otherwise moved on) the old appointment while the saga ran: the saga then undoes its new
	 * place instead of finishing (see `oldMovedOn`).
	 */
	movedOnBy?: Actor;
}

export type RescheduleRefusalCode =
	| "APPOINTMENT_NOT_FOUND"
	| "FORBIDDEN"
	| "INVALID_TRANSITION"
	| "SLOT_IN_PAST"
	| "IDEMPOTENCY_KEY_REUSED";

export interface RescheduleCommand {
	actor: Actor;
	idempotencyKey: string | null;
	target: RescheduleTarget;
}

export type StartDecision =
	| { kind: "refused"; code: RescheduleRefusalCode }
	/** A retry of the saga already stored (same requester and key): carry it on, or answer it if done. */
	| { kind: "resume"; saga: RescheduleSaga }
	| { kind: "begin" };

/**
 * Whether a reschedule may begin. One saga per appointment at a time: a second request while one runs (or
 * after it finished) is refused, unless it is a retry with the same Idempotency-Key, which resumes it.
 */
export function decideRescheduleStart(
	stored: Appointment | null,
	saga: RescheduleSaga | null,
	command: RescheduleCommand,
	now: number,
): StartDecision {
	if (stored === null) return { kind: "refused", code: "APPOINTMENT_NOT_FOUND" };
	if (!canAccessAppointment(command.actor, stored)) return { kind: "refused", code: "FORBIDDEN" };
	if (saga !== null && isRetryOf(saga, command)) {
		return sameTarget(saga.target, command.target)
			? { kind: "resume", saga }
			: { kind: "refused", code: "IDEMPOTENCY_KEY_REUSED" };
	}
	// Another reschedule is under way (or done: the appointment is `rescheduled`, which is terminal).
	if (saga !== null && saga.step !== "done") return { kind: "refused", code: "INVALID_TRANSITION" };
	if (!canMove(command.actor.role, stored.status, "rescheduled"))
		return { kind: "refused", code: "INVALID_TRANSITION" };
	if (Date.parse(stored.start) <= now) return { kind: "refused", code: "SLOT_IN_PAST" };
	return { kind: "begin" };
}

function isRetryOf(saga: RescheduleSaga, command: RescheduleCommand): boolean {
	return (
		command.idempotencyKey !== null &&
		saga.idempotencyKey === command.idempotencyKey &&
		saga.actor.userId === command.actor.userId
	);
}

export function sameTarget(a: RescheduleTarget, b: RescheduleTarget): boolean {
	return a.doctorId === b.doctorId && a.date === b.date && a.start === b.start && a.type === b.type;
}

/**
 * The type the new visit takes, decided by the target day (only it knows its schedule's types): the one asked
 * for (null: one slot; an unknown one is refused by the booking as UNKNOWN_TYPE), else the old appointment's
 * if this schedule has it, else one slot, so moving a long visit to a doctor without that type still works.
 */
export function rescheduleType(
	config: DayConfig,
	requested: string | null | undefined,
	kept: string | undefined,
): string | null {
	if (requested !== undefined) return requested;
	return kept !== undefined && typeSlots(config, kept) !== null ? kept : null;
}

/** Whether the target is the old appointment's own day: then no saga, one transaction. */
export function isSameDay(old: Pick<Appointment, "doctor_id" | "date">, target: RescheduleTarget): boolean {
	return old.doctor_id === target.doctorId && old.date === target.date;
}

/** What the new booking asks for: the old appointment's patient, mode and reason, at the new start. */
export function newBooking(
	old: Appointment,
	command: RescheduleCommand,
	holdId: string | null,
	type?: string | null,
): Omit<BookCommand, "id"> {
	return {
		// The saga's confirm names no type: the hold it confirms carries the one the new day chose.
		...(type === undefined ? {} : { type }),
		patientId: old.patient_id,
		bookedBy: command.actor.userId,
		start: command.target.start,
		consultationMode: old.consultation_mode,
		reason: old.reason,
		idempotencyKey: null,
		holdId,
		rescheduledFrom: old.id,
	};
}

export type ReleaseDecision = { previous: Appointment; events: DayEvent[] };

/**
 * The old appointment gives up its place to `to`. One whose status moved on meanwhile (cancelled during the
 * saga, say) stays as it is: the new one is confirmed either way, and a place is never released twice.
 */
export function decideRelease(old: Appointment, to: Appointment, actor: Actor, now: number): ReleaseDecision {
	if (!holdsPlace(old.status) || !canMove(actor.role, old.status, "rescheduled"))
		return { previous: old, events: [] };
	const previous: Appointment = { ...moved(old, "rescheduled", actor, now), rescheduled_to: to.id };
	return {
		previous,
		events: [
			{
				type: "appointment.status_changed",
				appointment: previous,
				from: old.status,
				changed_by: actor.role,
				to,
			},
		],
	};
}

export type SameDayDecision =
	| {
			kind: "rescheduled";
			appointment: Appointment;
			previous: Appointment;
			events: DayEvent[];
			/** The start of every slot the new appointment takes. */
			slots: number[];
	  }
	| { kind: "refused"; code: BookRefusalCode; booked: number; capacity: number; heldUntil?: number };

/**
 * On one day: the new booking is decided as any booking (all or none over a type's slots), in the same
 * transaction that releases the old one, so the old appointment's own places (`oldSlots`) count as free for
 * it: a long visit can move by one slot onto itself, or change type where it is. The patient's per-day limit
 * allows for the place given back; the same visit at the same start is no move (ALREADY_BOOKED).
 */
export function decideSameDayReschedule(
	state: BookState,
	old: Appointment,
	oldSlots: readonly number[],
	command: BookCommand,
	actor: Actor,
	now: number,
): SameDayDecision {
	const freed = holdsPlace(old.status);
	const booked = new Map(state.booked);
	if (freed) for (const slot of oldSlots) booked.set(slot, Math.max(0, (booked.get(slot) ?? 0) - 1));
	const sameType = (old.type ?? null) === (command.type ?? null);
	const decision = decideBook(
		{
			...state,
			booked,
			keyed: null,
			patientHoldsSlot: Date.parse(old.start) === command.start ? sameType : state.patientHoldsSlot,
			patientPlaces: state.patientPlaces - (freed ? 1 : 0),
		},
		command,
		now,
	);
	// The counts shown are the slot's own.
	if (decision.kind === "refused") return { ...decision, booked: state.booked.get(command.start) ?? 0 };
	if (decision.kind !== "booked") throw new Error("a reschedule's booking carries no idempotency key");
	const release = decideRelease(old, decision.appointment, actor, now);
	return {
		kind: "rescheduled",
		appointment: decision.appointment,
		previous: release.previous,
		events: [...decision.events, ...release.events],
		slots: decision.slots,
	};
}

/**
 * Whether the old appointment moved on while its saga ran (cancelled, declined, checked in): it can no longer
 * become `rescheduled`, so the saga undoes the new place (releases its hold, or cancels the new appointment)
 * and answers INVALID_TRANSITION. Exactly one of the two stays confirmed otherwise; here none does, as asked.
 */
export function oldMovedOn(old: Appointment, saga: Pick<RescheduleSaga, "actor">): boolean {
	return !holdsPlace(old.status) || !canMove(saga.actor.role, old.status, "rescheduled");
}

/**
 * A cancel or status move of an appointment whose saga is under way: the saga to store, marked with who moved
 * the appointment (`after`: as the change left it) on (null: no saga running, already marked, or the change
 * left it movable, as a doctor confirming a pending one does). Written in the change's own transaction.
 */
export function markMovedOn(
	saga: RescheduleSaga | null,
	actor: Actor,
	after: Appointment,
): RescheduleSaga | null {
	if (saga === null || saga.step === "done" || saga.movedOnBy !== undefined) return null;
	if (!oldMovedOn(after, saga)) return null;
	return { ...saga, movedOnBy: actor };
}

/**
 * Who undoes the new place: whoever moved the old appointment on, when they may touch the new one (the
 * cancellation is theirs); otherwise (the old doctor, when the move was to another doctor) who asked for the move.
 */
export function undoActor(saga: RescheduleSaga, patientId: string): Actor {
	const by = saga.movedOnBy;
	const target = { doctor_id: saga.target.doctorId, patient_id: patientId };
	return by !== undefined && canAccessAppointment(by, target) ? by : saga.actor;
}
