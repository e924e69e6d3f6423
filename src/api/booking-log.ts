// The booking path's structured log events, by the names operators search for (seed 002's):
// consultation_scheduled, consultation_booking_failed, time_slot_conflict, time_slot_conflict_check.
import type { ConsultationMode } from "../core/appointment";
import { logEvent } from "./log";

export type BookingLogEvent =
	| "consultation_scheduled"
	| "consultation_booking_failed"
	| "time_slot_conflict"
	| "time_slot_conflict_check";

export interface BookingLogFields {
	doctor_id: string;
	patient_id?: string;
	appointment_id?: string;
	scheduled_at: string;
	consultation_mode?: ConsultationMode;
	outcome: string;
	code?: string;
	duration_ms?: number;
}

/** Conflicts are refusals about the slot itself (someone else has it); other refusals are failures. */
export function refusalEvent(code: string): BookingLogEvent {
	return code === "SLOT_FULL" || code === "ALREADY_BOOKED"
		? "time_slot_conflict"
		: "consultation_booking_failed";
}

export function logBooking(event: BookingLogEvent, fields: BookingLogFields): void {
	logEvent(event, { event_type: event, timestamp: new Date().toISOString(), ...fields });
}
