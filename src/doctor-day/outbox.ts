// Delivers a doctor-day's outbox: to D1's appointment index and to the doctor's live feed.
// Deliveries may repeat or overlap, so each one is idempotent (D1) or carries a version to dedupe by (feed).
import type { Appointment } from "../core/appointment";
import { doctorFeed } from "../doctor-feed/doctor-feed";
import type { DayStore, OutboxMessage } from "./day-store";
import type { DoctorMessage } from "./live-messages";

export const OUTBOX_RETRY_MS = 5_000;
const BATCH = 50;

export interface AppointmentSaved {
	appointment: Appointment;
	dayVersion: number;
	bookedBy: string;
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
	const saved = pending.map((message) => JSON.parse(message.payload) as AppointmentSaved);
	const seqs = pending.map((m) => m.seq);
	try {
		// Both are idempotent and a failure of either retries both, so they need not wait for each other.
		await Promise.all([
			env.DB.batch(saved.map((s) => upsertAppointment(env.DB, s))),
			publishToDoctors(env, saved),
		]);
		store.markDelivered(seqs);
		return true;
	} catch (error) {
		store.markAttempted(seqs);
		console.error(JSON.stringify({ event: "outbox_delivery_failed", error: String(error), seqs }));
		return false;
	}
}

// Plain SQL on the hot path (every booking and cancellation): building it with drizzle cost more CPU than
// the rest of the delivery. The columns are src/db/schema.ts's `appointments`.
// An older delivery arriving late must not undo a newer one (a cancellation, say).
const UPSERT_APPOINTMENT = `INSERT INTO appointments
	(id, doctor_id, patient_id, date, start, status, body, day_version, booked_by)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body, day_version = excluded.day_version
	WHERE excluded.day_version > appointments.day_version`;

function upsertAppointment(d1: D1Database, saved: AppointmentSaved): D1PreparedStatement {
	const { appointment } = saved;
	return d1
		.prepare(UPSERT_APPOINTMENT)
		.bind(
			appointment.id,
			appointment.doctor_id,
			appointment.patient_id,
			appointment.date,
			appointment.start,
			appointment.status,
			JSON.stringify(appointment),
			saved.dayVersion,
			saved.bookedBy,
		);
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
