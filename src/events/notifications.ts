// Patients' notifications from a doctor-day's events: one call per patient per batch to the patient's
// User object. The doctor's own notifications go through the Doctor object (src/events/doctor-consumer.ts),
// which gathers them from all the doctor's days into fewer calls.

import type { DayEventConsumer } from "./consumers";
import { dayNotices, deliverToInboxes, doctorContext, inboxDeliveries } from "./inboxes";

export const notificationsConsumer: DayEventConsumer = {
	name: "notifications",
	async deliver(env, batch) {
		const notices = dayNotices(batch, "patient");
		const first = notices[0];
		if (first === undefined) return;
		// A day object's events are all of its doctor.
		const doctor = await doctorContext(env, first.doctorId);
		await deliverToInboxes(env, await inboxDeliveries(notices, "patient", doctor), "notifications.deliver");
	},
};
