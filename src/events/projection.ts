// The D1 projections of appointments and waitlist entries, for lists ("my appointments", the doctor's coming
// days, a patient's waitlist).
import { hop } from "../lib/hops";
import type { DayEventConsumer } from "./consumers";

// Plain SQL (every booking and cancellation comes through here); the columns are src/db/schema.ts's
// `appointments`. An older delivery arriving late must not undo a newer one (a cancellation, say), and a
// repeated delivery is no change: only a newer day version counts one more in `sequence` (iCalendar's).
const UPSERT_APPOINTMENT = `INSERT INTO appointments
	(id, doctor_id, patient_id, date, start, status, body, day_version, booked_by)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body,
		day_version = excluded.day_version, sequence = appointments.sequence + 1
	WHERE excluded.day_version > appointments.day_version`;

// The same for waitlist entries; the first event to write an entry (its join) fixes its place in line.
const UPSERT_ENTRY = `INSERT INTO waitlist_entries
	(id, patient_id, doctor_id, date, start, status, body, joined_seq, day_version)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body, day_version = excluded.day_version
	WHERE excluded.day_version > waitlist_entries.day_version`;

export const projectionConsumer: DayEventConsumer = {
	name: "projection",
	async deliver(env, batch) {
		const statements = batch.flatMap(({ event, dayVersion, seq }) => {
			if ("entry" in event) {
				const { entry } = event;
				return [
					env.DB.prepare(UPSERT_ENTRY).bind(
						entry.id,
						entry.patient_id,
						entry.doctor_id,
						entry.date,
						entry.start,
						entry.status,
						JSON.stringify(entry),
						seq,
						dayVersion,
					),
				];
			}
			// Only an appointment's booking and status changes move the projection; other types (reminders, …) are ignored.
			if (
				event.type !== "appointment.booked" &&
				event.type !== "appointment.cancelled" &&
				event.type !== "appointment.status_changed"
			)
				return [];
			const { appointment } = event;
			const bookedBy = event.type === "appointment.booked" ? event.booked_by : "";
			return [
				env.DB.prepare(UPSERT_APPOINTMENT).bind(
					appointment.id,
					appointment.doctor_id,
					appointment.patient_id,
					appointment.date,
					appointment.start,
					appointment.status,
					JSON.stringify(appointment),
					dayVersion,
					bookedBy,
				),
			];
		});
		if (statements.length > 0) hop(env, "object→D1", "after", "projection.deliver");
		if (statements.length > 0) await env.DB.batch(statements);
	},
};
