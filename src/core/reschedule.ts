// Rescheduling: the new place is secured before the old one is released, and if it cannot be had nothing
// changes. On one day both happen in one decision (one transaction). Across days or doctors it is a saga of
// idempotent steps owned by the old day (src/doctor-day/reschedule-saga.ts): hold new → confirm new → mark
// old `rescheduled` (which releases its place). Its steps are decided here; time is injected.
import { type Actor, type Appointment, canAccessAppointment } from "./appointment";
import {
	type BookCommand,
	type BookRefusalCode,
	type BookState,
	type DayEvent,
	decideBook,
} from "./day-decider";
import { canMove, holdsPlace, moved } from "./lifecycle";

/** Where the appointment goes: a doctor-day and a slot start. */
export interface RescheduleTarget {
	doctorId: string;
	date: string;
	start: number;
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
	return a.doctorId === b.doctorId && a.date === b.date && a.start === b.start;
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
): Omit<BookCommand, "id"> {
	return {
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
	| { kind: "rescheduled"; appointment: Appointment; previous: Appointment; events: DayEvent[] }
	| { kind: "refused"; code: BookRefusalCode; booked: number; capacity: number; heldUntil?: number };

/**
 * On one day: the new booking is decided as any booking (the old place still counts, so it is secured
 * first), except that the patient's per-day limit allows for the place this change gives back.
 */
export function decideSameDayReschedule(
	state: BookState,
	old: Appointment,
	command: BookCommand,
	actor: Actor,
	now: number,
): SameDayDecision {
	const freed = holdsPlace(old.status) ? 1 : 0;
	const decision = decideBook(
		{ ...state, keyed: null, patientPlaces: state.patientPlaces - freed },
		command,
		now,
	);
	if (decision.kind === "refused") return decision;
	if (decision.kind !== "booked") throw new Error("a reschedule's booking carries no idempotency key");
	const release = decideRelease(old, decision.appointment, actor, now);
	return {
		kind: "rescheduled",
		appointment: decision.appointment,
		previous: release.previous,
		events: [...decision.events, ...release.events],
	};
}
