// Appointments as the API shows them, who may see them, and ids that lead to their doctor-day.
import type { AppointmentStatus, HistoryEntry } from "./lifecycle";
import { isValidDate } from "./time";
export const CONSULTATION_MODES = ["in_person", "voice", "video", "chat"] as const;
export type ConsultationMode = (typeof CONSULTATION_MODES)[number];
export type { AppointmentStatus } from "./lifecycle";

export interface Appointment {
	id: string;
	doctor_id: string;
	patient_id: string;
	date: string;
	time: string;
	start: string;
	end: string;
	status: AppointmentStatus;
	consultation_mode: ConsultationMode;
	reason: string | null;
	created_at: string;
	cancelled_at: string | null;
	/** The appointment type (several consecutive slots); absent for a one-slot visit. */
	type?: string;
	/** Every status it has had, oldest first; absent on appointments stored before histories existed. */
	history?: HistoryEntry[];
	/** Set when rescheduled: the appointment that took its place. */
	rescheduled_to?: string;
	/** Set on an appointment made by a reschedule: the one it replaced. */
	rescheduled_from?: string;
	/** Set on an occurrence of a repeating series (src/core/series.ts); absent on others. */
	series_id?: string;
	/** The patient's name: added for the doctor and admins when read, never stored with the appointment. */
	patient_name?: string | null;
}

/** What a patient asks for when booking. */
export interface AppointmentRequest {
	patientId: string;
	start: number; // epoch ms of the slot start
	consultationMode: ConsultationMode;
	reason: string | null;
	/** An appointment type of the doctor's schedule: the visit takes that many consecutive slots. */
	type?: string | null;
}

/** A new booking: `pending` when the doctor approves each booking (`requiresApproval`), else `confirmed`. */
export function createAppointment(
	id: string,
	where: { doctorId: string; date: string; requiresApproval?: boolean },
	request: AppointmentRequest & { bookedBy?: string },
	slot: { start: number; end: number; time: string },
	now: number,
): Appointment {
	const status = where.requiresApproval === true ? "pending" : "confirmed";
	const createdAt = new Date(now).toISOString();
	return {
		id,
		doctor_id: where.doctorId,
		patient_id: request.patientId,
		date: where.date,
		time: slot.time,
		start: new Date(slot.start).toISOString(),
		end: new Date(slot.end).toISOString(),
		status,
		consultation_mode: request.consultationMode,
		reason: request.reason,
		created_at: createdAt,
		cancelled_at: null,
		...(request.type ? { type: request.type } : {}),
		history: [{ status, at: createdAt, by: request.bookedBy ?? request.patientId }],
	};
}

/** Whether a retry with an idempotency key asks for the very booking the key first made. */
export function isSameRequest(earlier: Appointment, request: AppointmentRequest): boolean {
	return (
		earlier.patient_id === request.patientId &&
		Date.parse(earlier.start) === request.start &&
		earlier.consultation_mode === request.consultationMode &&
		earlier.reason === request.reason &&
		(earlier.type ?? null) === (request.type ?? null)
	);
}

export type Role = "admin" | "doctor" | "patient";

export interface Actor {
	userId: string;
	role: Role;
	doctorId: string | null;
}

/** The patient, the appointment's doctor, or an admin. */
export function canAccessAppointment(
	actor: Actor,
	appointment: Pick<Appointment, "doctor_id" | "patient_id">,
) {
	if (actor.role === "admin") return true;
	if (actor.role === "doctor") return actor.doctorId === appointment.doctor_id;
	return actor.userId === appointment.patient_id;
}

export const DOCTOR_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * An appointment id is "<doctor_id>.<date>.<random>", so any request can find the one object that owns
 * the appointment without asking D1, which may lag behind the object by an outbox delivery.
 */
export function appointmentId(doctorId: string, date: string, random: string): string {
	return `${doctorId}.${date}.${random}`;
}

const APPOINTMENT_ID = /^([a-z0-9][a-z0-9-]{0,39})\.(\d{4}-\d{2}-\d{2})\.([a-z0-9]{8,32})$/;

export function parseAppointmentId(id: string): { doctorId: string; date: string } | null {
	const match = APPOINTMENT_ID.exec(id);
	if (match === null || !isValidDate(match[2] as string)) return null;
	return { doctorId: match[1] as string, date: match[2] as string };
}
