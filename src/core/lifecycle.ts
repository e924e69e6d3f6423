// An appointment's lifecycle: its statuses, the moves between them and who may make each. Pure; the
// doctor-day object applies a decided move in the same transaction that writes its event.
import type { Actor, Appointment, Role } from "./appointment";
import { canAccessAppointment } from "./appointment";
import type { DayEvent } from "./day-decider";

export const APPOINTMENT_STATUSES = [
	"pending",
	"confirmed",
	"checked_in",
	"completed",
	"no_show",
	"cancelled",
	"declined",
	"rescheduled",
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** Statuses that free the appointment's place; every other one keeps it (a pending booking holds its place). */
export const PLACE_FREEING_STATUSES = ["cancelled", "declined", "rescheduled"] as const;
export const PLACE_HOLDING_STATUSES = APPOINTMENT_STATUSES.filter(
	(s) => !(PLACE_FREEING_STATUSES as readonly string[]).includes(s),
);

export function holdsPlace(status: AppointmentStatus): boolean {
	return !(PLACE_FREEING_STATUSES as readonly string[]).includes(status);
}

/** What `POST /api/appointments/:id/status` may ask for; cancelling has its own endpoint. */
export const STATUS_REQUESTS = ["confirmed", "declined", "checked_in", "completed", "no_show"] as const;
export type StatusRequest = (typeof STATUS_REQUESTS)[number];

interface Move {
	from: AppointmentStatus;
	to: AppointmentStatus;
	by: readonly Role[];
}

const STAFF: readonly Role[] = ["doctor", "admin"];
const ANYONE: readonly Role[] = ["patient", "doctor", "admin"];

/**
 * Every allowed move. The doctor decides on a pending booking, then runs the visit: check-in, then done, or
 * a no-show; a visit may be marked done without a check-in. Anyone with access may cancel until it starts.
 */
export const MOVES: readonly Move[] = [
	{ from: "pending", to: "confirmed", by: STAFF },
	{ from: "pending", to: "declined", by: STAFF },
	{ from: "pending", to: "cancelled", by: ANYONE },
	{ from: "confirmed", to: "checked_in", by: STAFF },
	{ from: "confirmed", to: "completed", by: STAFF },
	{ from: "confirmed", to: "no_show", by: STAFF },
	{ from: "confirmed", to: "cancelled", by: ANYONE },
	{ from: "checked_in", to: "completed", by: STAFF },
	// Only by a reschedule (src/core/reschedule.ts), once the new place is secured; terminal like a cancel.
	{ from: "pending", to: "rescheduled", by: ANYONE },
	{ from: "confirmed", to: "rescheduled", by: ANYONE },
];

export function canMove(role: Role, from: AppointmentStatus, to: AppointmentStatus): boolean {
	return MOVES.some((m) => m.from === from && m.to === to && m.by.includes(role));
}

export interface HistoryEntry {
	status: AppointmentStatus;
	/** ISO instant of the change. */
	at: string;
	/** The account that made it. */
	by: string;
}

/** The appointment after a move: its status, its history grown by one entry. */
export function moved(
	appointment: Appointment,
	to: AppointmentStatus,
	actor: Actor,
	now: number,
): Appointment {
	const at = new Date(now).toISOString();
	return {
		...appointment,
		status: to,
		history: [...historyOf(appointment), { status: to, at, by: actor.userId }],
		...(to === "cancelled" ? { cancelled_at: at } : {}),
	};
}

/** Appointments stored before histories existed start theirs at their booking. */
export function historyOf(appointment: Appointment): HistoryEntry[] {
	return (
		appointment.history ?? [
			{ status: "confirmed", at: appointment.created_at, by: appointment.patient_id },
			...(appointment.status === "cancelled" && appointment.cancelled_at !== null
				? [{ status: "cancelled" as const, at: appointment.cancelled_at, by: appointment.patient_id }]
				: []),
		]
	);
}

export type StatusDecision =
	| { kind: "changed"; appointment: Appointment; events: DayEvent[] }
	| { kind: "unchanged"; appointment: Appointment }
	| { kind: "refused"; code: "APPOINTMENT_NOT_FOUND" | "FORBIDDEN" | "INVALID_TRANSITION" };

/** A doctor's or admin's status change; asking for the status it already has is a harmless repeat. */
export function decideStatus(
	stored: Appointment | null,
	actor: Actor,
	to: AppointmentStatus,
	now: number,
): StatusDecision {
	if (stored === null) return { kind: "refused", code: "APPOINTMENT_NOT_FOUND" };
	if (!canAccessAppointment(actor, stored)) return { kind: "refused", code: "FORBIDDEN" };
	if (actor.role === "patient" && to !== "cancelled") return { kind: "refused", code: "FORBIDDEN" };
	if (stored.status === to) return { kind: "unchanged", appointment: stored };
	if (!canMove(actor.role, stored.status, to)) return { kind: "refused", code: "INVALID_TRANSITION" };
	const appointment = moved(stored, to, actor, now);
	return {
		kind: "changed",
		appointment,
		events: [
			{ type: "appointment.status_changed", appointment, from: stored.status, changed_by: actor.role },
		],
	};
}
