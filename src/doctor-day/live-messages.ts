// The live protocol: every message a doctor-day or doctor socket sends. public/live.js speaks the same.
import type { Appointment } from "../core/appointment";
import type { SlotView } from "../core/booking";
import type { VisitTypeView } from "../core/visit-types";
import type { DayAvailability } from "./results";

/** First message on a day socket, and the answer to {"type":"resync"}. */
export interface SnapshotMessage extends DayAvailability {
	type: "snapshot";
}

/** After every committed change of the day: the changed slots, the removed ones and the new totals. */
export interface UpdateMessage {
	type: "update";
	version: number;
	slots: SlotView[];
	removed: string[];
	total_slots: number;
	available_count: number;
	booked_count: number;
	/** The day's visit types, when a config change changed them (an empty list: none any more). */
	appointment_types?: VisitTypeView[];
}

export type DayMessage = SnapshotMessage | UpdateMessage;

/** On a doctor's own channel: bookings, cancellations and status changes of any day, and schedule edits. */
export type DoctorMessage =
	| { type: "hello"; doctor_id: string }
	| {
			type: "appointment";
			event: "booked" | "cancelled" | "status_changed";
			appointment: Appointment;
			day_version: number;
	  }
	| { type: "schedule_changed"; change: string; dates: string[]; affected_appointments: Appointment[] };

/** Sends one message to every socket; one broken socket must not stop the others (its close cleans it up). */
export function sendToAll(sockets: readonly WebSocket[], message: DayMessage | DoctorMessage): void {
	const text = JSON.stringify(message);
	for (const ws of sockets) {
		try {
			ws.send(text);
		} catch {}
	}
}
