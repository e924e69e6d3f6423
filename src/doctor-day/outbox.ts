// Delivers a doctor-day's outbox: to D1's appointment index and to the doctor's live feed.
// Deliveries may repeat or overlap, so each one is idempotent (D1) or carries a version to dedupe by (feed).
import { sql } from "drizzle-orm";
import type { Appointment } from "../core/appointment";
import { database } from "../db/client";
import { appointments } from "../db/schema";
import { doctorFeed } from "../doctor-feed/doctor-feed";
import type { DayStore, OutboxMessage } from "./day-store";
import type { DoctorMessage } from "./live-messages";

export const OUTBOX_RETRY_MS = 5_000;
const BATCH = 50;

export interface AppointmentSaved {
	appointment: Appointment;
	dayVersion: number;
	bookedBy: string;
	idempotencyKey: string | null;
}

/**
 * Sends what is pending, batch after batch, until nothing is left (true) or a batch fails (false: the
 * alarm retries). Messages committed while a batch is in flight go out in the next batch of this call.
 */
export async function deliverOutbox(store: DayStore, env: Env): Promise<boolean> {
	for (;;) {
		const pending = store.pendingMessages(BATCH);
		if (pending.length === 0) return true;
		if (!(await deliverBatch(store, env, pending))) return false;
	}
}

async function deliverBatch(store: DayStore, env: Env, pending: OutboxMessage[]): Promise<boolean> {
	const db = database(env.DB);
	const saved = pending.map((message) => JSON.parse(message.payload) as AppointmentSaved);
	const writes = saved.map((s) => upsertAppointment(db, s));
	const seqs = pending.map((m) => m.seq);
	try {
		await db.batch(writes as [(typeof writes)[number], ...typeof writes]);
		await publishToDoctors(env, saved);
		store.markDelivered(seqs);
		return true;
	} catch (error) {
		store.markAttempted(seqs);
		console.error(JSON.stringify({ event: "outbox_delivery_failed", error: String(error), seqs }));
		return false;
	}
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

async function publishToDoctors(env: Env, saved: readonly AppointmentSaved[]): Promise<void> {
	const byDoctor = new Map<string, DoctorMessage[]>();
	for (const { appointment, dayVersion } of saved) {
		const messages = byDoctor.get(appointment.doctor_id) ?? [];
		const event = appointment.status === "cancelled" ? "cancelled" : "booked";
		messages.push({ type: "appointment", event, appointment, day_version: dayVersion });
		byDoctor.set(appointment.doctor_id, messages);
	}
	await Promise.all([...byDoctor].map(([doctorId, messages]) => doctorFeed(env, doctorId).publish(messages)));
}
