// Patients' notifications from a doctor-day's events: one call per patient per batch to the patient's
// User object, and the visit's steps (which notify no one) to the patient's open pages. The doctor's own
// notifications go through the Doctor object (src/events/doctor-consumer.ts), which gathers them from all
// the doctor's days into fewer calls.

import type { Appointment } from "../core/appointment";
import { silentPatientChange } from "../core/notifications";
import { hop } from "../lib/hops";
import { userObject } from "../user/stub";
import type { DayEventConsumer } from "./consumers";
import type { StoredEvent } from "./event-log";
import { dayNotices, deliverToInboxes, doctorContext, inboxDeliveries } from "./inboxes";

export const notificationsConsumer: DayEventConsumer = {
	name: "notifications",
	async deliver(env, batch) {
		// Both run; if either fails the batch is delivered again (inboxes skip ids they hold; a page shown
		// the same status twice changes nothing).
		const results = await Promise.allSettled([notify(env, batch), showChanges(env, batch)]);
		const failed = results.find((r) => r.status === "rejected");
		if (failed !== undefined) throw failed.reason;
	},
};

async function notify(env: Env, batch: readonly StoredEvent[]): Promise<void> {
	const notices = dayNotices(batch, "patient");
	const first = notices[0];
	if (first === undefined) return;
	// A day object's events are all of its doctor.
	const doctor = await doctorContext(env, first.doctorId);
	await deliverToInboxes(env, await inboxDeliveries(notices, "patient", doctor), "notifications.deliver");
}

/** One call per patient whose appointments changed silently in the batch, with the newest state of each. */
async function showChanges(env: Env, batch: readonly StoredEvent[]): Promise<void> {
	const byPatient = new Map<string, Map<string, Appointment>>();
	for (const { event } of batch) {
		const appointment = silentPatientChange(event);
		if (appointment === null) continue;
		const mine = byPatient.get(appointment.patient_id) ?? new Map<string, Appointment>();
		mine.set(appointment.id, appointment);
		byPatient.set(appointment.patient_id, mine);
	}
	await Promise.all(
		[...byPatient].map(([patient, appointments]) => {
			hop(env, "object→object", "after", "notifications.showChanges");
			return userObject(env, patient).showAppointments([...appointments.values()]);
		}),
	);
}
