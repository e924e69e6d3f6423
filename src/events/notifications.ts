// Patients' notifications from a doctor-day's events: one call per patient per batch to the patient's
// User object. The doctor's own notifications go through the Doctor object (src/events/doctor-consumer.ts),
// which gathers them from all the doctor's days into fewer calls.

import type { DayEvent } from "../core/day-decider";
import { type Audience, isNotifiable } from "../core/notifications";
import type { DayEventConsumer } from "./consumers";
import { type DayNotice, deliverToInboxes, doctorContext, inboxDeliveries } from "./inboxes";

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

/** The batch's events that notify `audience`, each with its day. */
export function dayNotices(
	batch: readonly { seq: number; event: DayEvent }[],
	audience: Audience,
): DayNotice[] {
	return batch.flatMap(({ seq, event }) =>
		isNotifiable(event, audience) ? [{ ...dayOf(event), seq, event }] : [],
	);
}

/** The doctor-day an event belongs to: every notifiable event names its appointments, which name it. */
function dayOf(event: DayEvent): { doctorId: string; date: string } {
	const appointment =
		"appointment" in event
			? event.appointment
			: event.type === "day.config_changed"
				? event.outside_schedule?.[0]
				: undefined;
	return { doctorId: appointment?.doctor_id ?? "", date: appointment?.date ?? "" };
}
