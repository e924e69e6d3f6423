// Delivers a doctor-day's outbox to D1. Deliveries may repeat or overlap, so each one is idempotent.
import { sql } from "drizzle-orm";
import type { Appointment } from "../core/appointment";
import { database } from "../db/client";
import { appointments } from "../db/schema";
import type { DayStore } from "./day-store";

export const OUTBOX_RETRY_MS = 5_000;
const BATCH = 50;

export interface AppointmentSaved {
	appointment: Appointment;
	dayVersion: number;
	bookedBy: string;
	idempotencyKey: string | null;
}

/** Sends what is pending and answers how many messages are still waiting. */
export async function deliverOutbox(store: DayStore, d1: D1Database): Promise<number> {
	const pending = store.pendingMessages(BATCH);
	if (pending.length === 0) return 0;
	const db = database(d1);
	const writes = pending.map((message) => {
		const saved = JSON.parse(message.payload) as AppointmentSaved;
		return upsertAppointment(db, saved);
	});
	const seqs = pending.map((m) => m.seq);
	try {
		await db.batch(writes as [(typeof writes)[number], ...typeof writes]);
		store.markDelivered(seqs);
	} catch (error) {
		store.markAttempted(seqs);
		console.error(JSON.stringify({ event: "outbox_delivery_failed", error: String(error), seqs }));
	}
	return store.pendingMessages(1).length;
}

function upsertAppointment(db: ReturnType<typeof database>, saved: AppointmentSaved) {
	const { appointment } = saved;
	const row = {
		id: appointment.id,
		doctorId: appointment.doctor_id,
		patientId: appointment.patient_id,
		date: appointment.date,
		start: appointment.start,
		status: appointment.status,
		body: JSON.stringify(appointment),
		dayVersion: saved.dayVersion,
		idempotencyKey: saved.idempotencyKey,
		bookedBy: saved.bookedBy,
	};
	// An older delivery arriving late must not undo a newer one (a cancellation, say).
	return db
		.insert(appointments)
		.values(row)
		.onConflictDoUpdate({
			target: appointments.id,
			set: { status: row.status, body: row.body, dayVersion: row.dayVersion },
			setWhere: sql`excluded.day_version > ${appointments.dayVersion}`,
		});
}
